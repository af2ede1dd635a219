"""Branch-coverage instrumentation for Icarus, which has no coverage of its own.

A pure text transform of one source file: every observable branch arm gets a marker that
records, when the arm runs, the current *epoch* (a number the player top raises at the start
of each sequence). An arm was hit during the sequence when its marker equals the epoch.

Per module with points (inserted after the module header, on the header's own line):

    reg [31:0] verilogreader_epoch = 0;              // written by the player (player.py), per instance
    reg [31:0] verilogreader_seen_<k> = 0;           // one per point, k = bit number
    wire [N-1:0] verilogreader_hits = {seen_<N-1> == epoch, ..., seen_0 == epoch};

Markers, all on existing lines (no newline is ever inserted, so line numbers stay exact):
- statement arm S (if / else / case item / default): `begin verilogreader_seen_k = verilogreader_epoch; S end`
- implicit else: ` else begin ... end` right after the then-arm (the if has no else by definition)
- implicit default: `default: begin ... end ` just before `endcase`
- ternary in a continuous assign / net declaration: a monitor placed after the statement,
  `always @* begin if (G) seen_k = epoch; end`, G = the ternary's guard chain (its predicate,
  and the predicates of enclosing ternaries whose arm contains it). Both arms test their own
  guard, so an X predicate marks neither arm, as in the simulator's own `?:`.
- ternary inside a procedural statement: the statement T becomes `begin <guarded markers> T end`,
  so the markers run exactly when the statement runs, just before it.

Why blocking assignments: the marker lands in the same time step, before the player reads it.
Why an epoch instead of clearing: a marker is written by one process only (legal even inside
`always_comb`), and since markers read the epoch, every `always @*` block re-evaluates when the
player raises it: a combinational arm that stays active from before the sequence (its inputs
do not change) still counts in the new sequence. The markers write only their own regs, which
no design logic reads, so the design's behaviour is unchanged (apart from that extra, idempotent
evaluation of combinational blocks).

Limits (points left unobserved, with the reason, in `Instrumented.skipped`):
- arms of generate if/case (elaboration-time, not run-time branches);
- ternaries in constant contexts (parameters, variable initializers, ranges).
Arms written in a macro body are instrumented like any other: the text given here is the
file with its macro uses expanded in place (`Design.sim_source`), where spans point.
Inexactness: a procedural ternary's guard is evaluated before its statement, ignoring
short-circuit `&&` / `||` around it; a continuous ternary's monitor follows the guard,
which is what the assign itself computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verilogreader.design.model import BranchKind, BranchPoint
from verilogreader.sim.syntax_index import Node, SyntaxIndex

EPOCH = "verilogreader_epoch"
HITS = "verilogreader_hits"
SEEN = "verilogreader_seen_"

_CONTINUOUS = {"ContinuousAssign", "NetDeclaration"}
_CONSTANT = {"ParameterDeclaration", "ParameterDeclarationStatement", "DataDeclaration",
             "VariableDimension", "TypeParameterDeclaration", "LocalVariableDeclaration"}



@dataclass
class Instrumented:
    text: str
    modules: dict[str, list[str]] = field(default_factory=dict)  # module -> point id per bit
    skipped: dict[str, str] = field(default_factory=dict)  # point id -> why it is not observed


@dataclass(order=True)
class _Insert:
    offset: int
    key: tuple
    text: str = field(compare=False)


def instrument_file(text: str, points: list[BranchPoint]) -> Instrumented:
    """Return the instrumented copy of one file holding `points` (all of them in this file)."""
    result = Instrumented(text=text)
    if not points:
        return result
    index = SyntaxIndex.parse(text)
    inserts: list[_Insert] = []
    monitors: dict[tuple[int, int], list[str]] = {}  # container range -> guarded markers
    containers: dict[tuple[int, int], str] = {}  # container range -> "continuous" | "procedural"

    for point in points:
        if point.module not in index.modules:
            result.skipped[point.id] = f"module {point.module} not found in the file"
            continue
        bit = len(result.modules.setdefault(point.module, []))
        marker = f"{SEEN}{bit} = {EPOCH};"
        reason = _place(point, index, marker, inserts, monitors, containers)
        if reason:
            result.skipped[point.id] = reason
            continue
        result.modules[point.module].append(point.id)

    for rng, markers in monitors.items():
        body = " ".join(markers)
        if containers[rng] == "continuous":
            inserts.append(_Insert(rng[1], (2, 0, 0), f" always @* begin {body} end"))
        else:
            inserts.append(_Insert(rng[0], (1, -rng[1], 1), f"begin {body} "))
            inserts.append(_Insert(rng[1], (0, -rng[0], 1), " end"))

    for module, ids in result.modules.items():
        if ids:
            header = index.modules[module]
            inserts.append(_Insert(header.end, (-1, 0, 0), " " + _declarations(len(ids))))
    result.text = _apply(text, inserts)
    result.modules = {m: ids for m, ids in result.modules.items() if ids}
    return result


def _place(point: BranchPoint, index: SyntaxIndex, marker: str, inserts: list[_Insert],
           monitors: dict[tuple[int, int], list[str]], containers: dict[tuple[int, int], str]) -> str | None:
    """Add the inserts for one point; return a reason when it cannot be observed."""
    start, end = point.span
    kind = point.kind
    if kind in (BranchKind.TERNARY_TRUE, BranchKind.TERNARY_FALSE):
        return _place_ternary(point, index, marker, monitors, containers)
    if kind is BranchKind.ELSE_IMPLICIT:
        stmt = _keyword_statement(index, point, "ConditionalStatement")
        if stmt is None:
            return "its if statement was not found (macro or generate?)"
        if _in_generate(stmt):
            return "a generate if: decided at elaboration, not at run time"
        # right after the then-arm, inside the wraps of arms that contain the whole if
        inserts.append(_Insert(stmt.end, (0, -stmt.start, 0), f" else begin {marker} end"))
        return None
    if kind is BranchKind.CASE_DEFAULT_IMPLICIT:
        stmt = _keyword_statement(index, point, "CaseStatement")
        if stmt is None:
            return "its case statement was not found (macro or generate?)"
        endcase = index.offset(stmt.raw.endcase)  # type: ignore[attr-defined]
        inserts.append(_Insert(endcase, (0, -stmt.start, 0), f"default: begin {marker} end "))
        return None
    node = index.statement_at((start, end))
    if node is None:
        return "its span is not a statement of this file (macro expansion?)"
    if _in_generate(node):
        return "a generate branch: decided at elaboration, not at run time"
    inserts.append(_Insert(start, (1, -end, 0), f"begin {marker} "))
    inserts.append(_Insert(end, (0, -start, 2), " end"))
    return None


def _place_ternary(point: BranchPoint, index: SyntaxIndex, marker: str,
                   monitors: dict[tuple[int, int], list[str]], containers: dict[tuple[int, int], str]) -> str | None:
    cond = index.ternary_with_arm(point.span, point.kind is BranchKind.TERNARY_TRUE)
    if cond is None:
        return "its ternary was not found in the file (macro expansion?)"
    guard = [_literal(index.predicate_text(cond), point.kind is BranchKind.TERNARY_TRUE)]
    inner: Node = cond
    parent = cond.parent
    while parent is not None:
        if parent.kind == "ConditionalExpression":
            side = index.arm_side(parent, inner)
            if side is not None:
                guard.append(_literal(index.predicate_text(parent), side))
        if parent.kind in _CONTINUOUS:
            containers[(parent.start, parent.end)] = "continuous"
            break
        if parent.kind in _CONSTANT or parent.kind.endswith("Generate"):
            return f"a ternary in a constant context ({parent.kind}): not evaluated at run time"
        if parent.kind.endswith("Statement"):
            containers[(parent.start, parent.end)] = "procedural"
            break
        if parent.kind in ("ModuleDeclaration", "CompilationUnit"):
            return "a ternary outside any statement or continuous assign"
        inner, parent = parent, parent.parent
    if parent is None:
        return "a ternary outside any module item"
    condition = " && ".join(reversed(guard))
    monitors.setdefault((parent.start, parent.end), []).append(f"if ({condition}) {marker}")
    return None


def _literal(predicate: str, positive: bool) -> str:
    return f"({predicate})" if positive else f"!({predicate})"


def _keyword_statement(index: SyntaxIndex, point: BranchPoint, kind: str) -> Node | None:
    """The statement whose keyword is at the point's `keyword` offset (implicit arms).

    `unique` / `priority` qualifiers make the node start before the keyword.
    """
    offset = point.keyword
    candidates = [n for n in index.nodes if n.kind == kind and n.start <= offset < n.end
                  and set(index.text[n.start:offset].split()) <= _QUALIFIERS]
    return min(candidates, key=lambda n: n.end - n.start) if candidates else None


_QUALIFIERS = {"unique", "unique0", "priority"}


def _in_generate(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.kind in ("IfGenerate", "CaseGenerate", "LoopGenerate", "GenerateRegion", "GenerateBlock"):
            return True
        if parent.kind.endswith("Statement") or parent.kind in ("AlwaysBlock", "AlwaysCombBlock", "AlwaysFFBlock",
                                                                 "AlwaysLatchBlock", "InitialBlock", "FinalBlock",
                                                                 "FunctionDeclaration", "TaskDeclaration"):
            return False
        parent = parent.parent
    return False


def _declarations(count: int) -> str:
    seen = " ".join(f"reg [31:0] {SEEN}{k} = 0;" for k in range(count))
    hits = ", ".join(f"{SEEN}{k} == {EPOCH}" for k in reversed(range(count)))
    return f"reg [31:0] {EPOCH} = 0; {seen} wire [{count - 1}:0] {HITS} = {{{hits}}};"


def _apply(text: str, inserts: list[_Insert]) -> str:
    pieces: list[str] = []
    last = 0
    for insert in sorted(inserts):
        pieces.append(text[last : insert.offset])
        pieces.append(insert.text)
        last = insert.offset
    pieces.append(text[last:])
    return "".join(pieces)
