"""Reads a Verilog/SystemVerilog design with pyslang into the pure `Design` model.

One parse and one elaboration (a second one only to list candidates for an unknown top).
Branch arms come from each module's syntax (`branches`), their unreachability from the
elaborated instances (`unreachable`), the literal dictionary from the AST (`constants`) and
clock/reset from ports, usage and names (`clocking`). Nothing is printed or written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyslang
from pyslang import ast, parsing, syntax

from verilogreader.design import clocking, dataflow
from verilogreader.design.branches import Arm, collect_arms
from verilogreader.design.assignments import collect_assignments
from verilogreader.design.constants import ConstantCollector, constant_int
from verilogreader.design.guards import guard_exprs
from verilogreader.design.model import (
    BranchKind,
    BranchPoint,
    Design,
    Direction,
    Instance,
    Parameter,
    Port,
)
from verilogreader.design.sources import Sources
from verilogreader.design.unreachable import BodyIndex, mark_unreachable
from verilogreader.errors import DesignError

_MAX_ERRORS_SHOWN = 10
_DIRECTIONS = {
    ast.ArgumentDirection.In: Direction.INPUT,
    ast.ArgumentDirection.Out: Direction.OUTPUT,
    ast.ArgumentDirection.InOut: Direction.INOUT,
    ast.ArgumentDirection.Ref: Direction.INOUT,
}


def read_design(
    files: Sequence[str | Path],
    *,
    top: str | None = None,
    include_dirs: Sequence[str] = (),
    defines: Mapping[str, str] = {},
    parameters: Mapping[str, str] = {},
    clock: str | None = None,
    reset: str | None = None,
    reset_active_low: bool | None = None,
) -> Design:
    """Parse, elaborate and describe a design; raise DesignError for anything the user must fix."""
    paths = [str(f) for f in files]
    _check_files(paths)
    sm = pyslang.SourceManager()
    sources = Sources(sm)
    options = _options(include_dirs, defines, parameters, top)
    buffers = []
    for path in paths:
        buffer = sm.readSource(path)
        sources.add(buffer.id, path, path)
        buffers.append(buffer)
    tree = syntax.SyntaxTree.fromBuffers(buffers, sm, options)
    compilation = ast.Compilation(options)
    compilation.addSyntaxTree(tree)

    _raise_errors(compilation.getParseDiagnostics(), sources)
    _raise_duplicates(tree, sources)
    instance = _top_instance(compilation, tree, top, paths)
    _raise_errors(compilation.getAllDiagnostics(), sources)
    sources.expand_macros(tree.root)
    _check_overrides(instance, parameters)

    instances = _instances(instance)
    ports = _ports(instance.body)
    clock_reset = clocking.detect(ports, _usage(instances), clock, reset, reset_active_low)
    points, constants, assignments = _read_modules(instances, sources, clock_reset)
    for buffer in sm.getAllBuffers():
        if sm.getBufferKind(buffer) == pyslang.BufferKind.IncludeFile:
            sources.file_of(buffer)  # so every included file's text is in `sources`
    return Design(
        top=instance.name,
        files=paths,
        sources={path: src.text for path, src in sources.files.items()},
        expanded={path: src.expanded for path, src in sources.files.items() if src.expanded is not None},
        encodings={path: src.encoding for path, src in sources.files.items() if src.encoding != "utf-8"},
        modules=list(dict.fromkeys(i.body.definition.name for i in instances if i.isModule)),
        ports=ports,
        parameters=_parameters(instance.body, parameters),
        clock_reset=clock_reset,
        instances=[Instance(path=_relative(i, instance), module=i.body.definition.name)
                   for i in instances],
        branch_points=points,
        constants=constants,
        assignments=assignments,
        include_dirs=[str(d) for d in include_dirs],
        defines=dict(defines),
        parameter_overrides=dict(parameters),
    )


# --- setup ---------------------------------------------------------------------------


def _check_files(paths: list[str]) -> None:
    if not paths:
        raise DesignError("no design files given")
    for path in paths:
        if not Path(path).is_file():
            raise DesignError(f"design file not found: {path}")


def _options(include_dirs, defines, parameters, top) -> pyslang.Bag:
    pre = parsing.PreprocessorOptions()
    pre.additionalIncludePaths = [str(d) for d in include_dirs]
    pre.predefines = [f"{k}={v}" if v != "" else k for k, v in defines.items()]
    comp = ast.CompilationOptions()
    comp.paramOverrides = [f"{k}={v}" for k, v in parameters.items()]
    if top is not None:
        comp.topModules = {top}
    return pyslang.Bag([pre, comp])


def _raise_errors(diagnostics, sources: Sources) -> None:
    errors = [d for d in diagnostics if d.isError()]
    if not errors:
        return
    engine = pyslang.DiagnosticEngine(sources.sm)
    lines = [f"{_where(d.location, sources)}error: {engine.formatMessage(d)}"
             for d in errors[:_MAX_ERRORS_SHOWN]]
    if len(errors) > _MAX_ERRORS_SHOWN:
        lines.append(f"... and {len(errors) - _MAX_ERRORS_SHOWN} more errors")
    raise DesignError("the design has errors:\n" + "\n".join(lines))


def _where(location, sources: Sources) -> str:
    where = sources.locate(location) if location.buffer.id else None
    if where is None:
        return ""
    line, column = where[0].line_col(where[1])
    return f"{where[0].path}:{line}:{column}: "


_DEFINITIONS = (syntax.SyntaxKind.ModuleDeclaration, syntax.SyntaxKind.InterfaceDeclaration,
                syntax.SyntaxKind.ProgramDeclaration)


def _raise_duplicates(tree, sources: Sources) -> None:
    """A module defined twice: slang only warns and keeps one, so which code runs is a guess."""
    places: dict[str, list[str]] = {}
    for member in tree.root.members:
        if member.kind in _DEFINITIONS:
            name = member.header.name
            places.setdefault(name.valueText, []).append(_where(name.location, sources).rstrip(": "))
    twice = [f"module '{name}' is defined {len(where)} times: {', '.join(where)}"
             for name, where in places.items() if len(where) > 1]
    if twice:
        raise DesignError("the design has errors:\n" + "\n".join(twice))


def _top_instance(compilation, tree, top: str | None, paths: list[str]):
    tops = list(compilation.getRoot().topInstances)
    if top is not None:
        found = [t for t in tops if t.name == top]
        if found:
            return found[0]
        candidates = _top_candidates(tree) or _module_names(tree)
        raise DesignError(f"unknown top module '{top}'; candidates: "
                          f"{', '.join(candidates) or '(none)'}")
    if not tops:
        raise DesignError(f"empty design: no module in {', '.join(paths)}")
    if len(tops) > 1:
        raise DesignError("several top-level modules, choose one with top=: "
                          + ", ".join(t.name for t in tops))
    return tops[0]


def _top_candidates(tree) -> list[str]:
    """The uninstantiated modules, found by elaborating again without a chosen top."""
    compilation = ast.Compilation(pyslang.Bag([]))
    compilation.addSyntaxTree(tree)
    return [t.name for t in compilation.getRoot().topInstances]


def _module_names(tree) -> list[str]:
    return [m.header.name.valueText for m in tree.root.members
            if m.kind == syntax.SyntaxKind.ModuleDeclaration]


def _check_overrides(instance, parameters: Mapping[str, str]) -> None:
    settable = [p.name for p in instance.body.parameters if not p.isLocalParam]
    unknown = [name for name in parameters if name not in settable]
    if unknown:
        raise DesignError(f"no parameter {', '.join(unknown)} in top module {instance.name}; "
                          f"parameters: {', '.join(settable) or '(none)'}")


# --- top interface -------------------------------------------------------------------


def _ports(body) -> list[Port]:
    ports = []
    for port in body.portList:
        if port.kind != ast.SymbolKind.Port:
            continue  # interface ports and other exotic kinds carry no plain value
        ports.append(Port(name=port.name, direction=_DIRECTIONS[port.direction],
                          width=max(port.type.bitWidth, 1), signed=port.type.isSigned))
    return ports


def _parameters(body, overrides: Mapping[str, str]) -> list[Parameter]:
    result = []
    for param in body.parameters:
        if param.kind != ast.SymbolKind.Parameter:
            continue  # type parameters have no value
        text = overrides.get(param.name)
        if text is None:
            text = _initializer_text(param)
        result.append(Parameter(name=param.name, value=constant_int(param.value),
                                text=text, local=param.isLocalParam))
    return result


def _initializer_text(param) -> str:
    declarator = param.syntax
    initializer = getattr(declarator, "initializer", None)
    if initializer is None:
        return str(param.value)
    return " ".join(str(initializer.expr).split())


# --- hierarchy -----------------------------------------------------------------------


def _instances(top) -> list:
    """The top and every instance under it, in elaboration order."""
    found = [top]

    def block(node):
        return ast.VisitAction.Skip if node.isUninstantiated else ast.VisitAction.Advance

    top.body.visit(lookup_table={ast.SymbolKind.Instance: found.append,
                                 ast.SymbolKind.GenerateBlock: block})
    return found


def _relative(instance, top) -> str:
    if instance is top:
        return ""
    path = instance.hierarchicalPath
    prefix = top.name + "."
    return path[len(prefix):] if path.startswith(prefix) else path


def _module_bodies(instances) -> dict[str, list]:
    bodies: dict[str, list] = {}
    for instance in instances:
        if instance.isModule:
            bodies.setdefault(instance.body.definition.name, []).append(instance.body)
    return bodies


def _usage(instances) -> clocking.Usage:
    usage = clocking.Usage()
    for module_bodies in _module_bodies(instances).values():
        usage.scan(module_bodies[0].definition.syntax)
    return usage


def _read_modules(instances, sources: Sources, clock_reset):
    """Arms (with unreachability and reset arms) and constants of every module."""
    bodies = _module_bodies(instances)
    signals = dataflow.hierarchy_signals(instances, clock_reset)
    everywhere = [body for module_bodies in bodies.values() for body in module_bodies]
    facts_of = dict(zip(map(id, everywhere), dataflow.body_facts(everywhere, signals)))
    on_reset: set[int] = set()  # id() of the arms taken whenever reset is applied
    collector = ConstantCollector(sources)
    arms_by_module: list[tuple[str, list[Arm]]] = []
    assignments: list = []
    guards: list = []  # per arm in arms_by_module order: its condition as an Expr tree
    for name, module_bodies in bodies.items():
        declaration = module_bodies[0].definition.syntax
        index = BodyIndex()
        reset_arms: set = set()
        for body in module_bodies:
            facts = facts_of[id(body)]
            index.add(body, facts)
            reset_arms |= facts.reset_arms
            collector.add_body(body)
        arms = collect_arms(declaration, sources)
        mark_unreachable(arms, index)
        on_reset.update(id(arm) for arm in arms if _reset_arm(arm, reset_arms))
        guards += guard_exprs(arms, index)
        assignments += collect_assignments(name, module_bodies[0], sources)
        arms_by_module.append((name, arms))
    points = [p.model_copy(update={"guard": g})
              for p, g in zip(_branch_points(arms_by_module, on_reset), guards)]
    return points, collector.constants(), assignments


def _reset_arm(arm: Arm, reset_arms: set) -> bool:
    """The arm a reset test takes (in any instance: coverage is the union of instances)."""
    if arm.kind is BranchKind.IF:
        return (arm.decision, True) in reset_arms
    if arm.kind in (BranchKind.ELSE, BranchKind.ELSE_IMPLICIT):
        return (arm.decision, False) in reset_arms
    return False


def _branch_points(arms_by_module: list[tuple[str, list[Arm]]],
                   on_reset: set[int] = frozenset()) -> list[BranchPoint]:
    """Ids are `file:line:column:kind`; a repeat (macro code, same-named files) gets `#2`..."""
    seen: dict[str, int] = {}
    for _, arms in arms_by_module:
        for arm in arms:
            line, column = arm.file.line_col(arm.offset)
            base = f"{os.path.basename(arm.file.path)}:{line}:{column}:{arm.kind.value}"
            seen[base] = seen.get(base, 0) + 1
            arm.id = base if seen[base] == 1 else f"{base}#{seen[base]}"
    return [
        BranchPoint(
            id=arm.id,
            module=module,
            file=arm.file.path,
            line=arm.file.line_col(arm.offset)[0],
            column=arm.file.line_col(arm.offset)[1],
            kind=arm.kind,
            condition=arm.condition,
            span=arm.span,
            keyword=arm.keyword,
            parent=arm.parent.id if arm.parent is not None else None,
            unreachable=arm.unreachable,
            runs_on_reset=id(arm) in on_reset and arm.unreachable is None,
        )
        for module, arms in arms_by_module
        for arm in arms
    ]
