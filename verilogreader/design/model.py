"""What VerilogReader knows about a design: ports, clock/reset, branch points, constants.

Pure data, no I/O. The reader (pyslang) builds it; the simulators, stimulus validation,
coverage and reports only read it.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Direction(str, Enum):
    INPUT = "input"
    OUTPUT = "output"
    INOUT = "inout"


class Port(_Frozen):
    name: str
    direction: Direction
    width: int
    signed: bool = False

    @property
    def min_value(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_value(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1


class Parameter(_Frozen):
    name: str
    value: int | None  # None when the value is not an integer (a string, a real ...)
    text: str  # the value as written (or as overridden)
    local: bool = False


class ClockReset(_Frozen):
    clock: str | None = None
    reset: str | None = None
    reset_active_low: bool = False

    @property
    def reset_asserted(self) -> int:
        return 0 if self.reset_active_low else 1


class BranchKind(str, Enum):
    IF = "if"  # the then-arm of an if
    ELSE = "else"
    ELSE_IMPLICIT = "else-implicit"  # an if with no else: the path that skips the then-arm
    CASE_ITEM = "case-item"
    CASE_DEFAULT = "case-default"
    CASE_DEFAULT_IMPLICIT = "case-default-implicit"  # a case with no default: no item matched
    TERNARY_TRUE = "ternary-true"
    TERNARY_FALSE = "ternary-false"

    @property
    def implicit(self) -> bool:
        return self in (BranchKind.ELSE_IMPLICIT, BranchKind.CASE_DEFAULT_IMPLICIT)


class Expr(_Frozen):
    """A guard condition as a small tree, built from pyslang's elaborated AST (never re-parsed
    from text), so it can be evaluated on recorded signal values.

    `op` is "signal" (a design signal: `name`, module-local), "const" (`value`, parameters
    already resolved), "unknown" (something not modelled: a function call, a hierarchical
    reference; it evaluates to unknown), or an operator: unary "!", "~", "neg", "&r", "|r", "^r";
    binary "==", "!=", "<", "<=", ">", ">=", "&&", "||", "&", "|", "^", "+", "-", "*", "<<",
    ">>"; "bit" (args: value, index), "slice" (args: value; `value` is the low bit), "concat",
    "?:", "inside" (args: value, then items; an item [lo:hi] is "range"), "conv" (a width or sign conversion). `width` is the expression's own bit width in
    its context; `text` is the source text, for messages.
    """

    op: str
    args: tuple[Expr, ...] = ()
    name: str | None = None
    value: int | None = None
    width: int = 1
    signed: bool = False
    text: str = ""

    def signals(self) -> list[str]:
        """The design signals this expression reads, in order of appearance."""
        found = [self.name] if self.op == "signal" and self.name else []
        for arg in self.args:
            found += arg.signals()
        return list(dict.fromkeys(found))


class BranchPoint(_Frozen):
    """One arm of a decision. Coverage counts whether the arm was taken at least once.

    `id` is stable for the same source: `<file name>:<line>:<column>:<kind>`, where line and
    column locate the arm (the `if`/`case`/`?` keyword for implicit arms).
    `span` is the arm's body as character offsets [start, end) into the text the simulators
    compile (`Design.sim_source(file)`: macro uses expanded): the statement (or expression,
    for ternaries) that runs when the arm is taken. Implicit arms have an empty span at the
    place where the missing arm would be written. `keyword` is where the arm's keyword (the
    `if` / `case` of an implicit arm) is in that same text; line and column stay the file's.
    """

    id: str
    module: str
    file: str
    line: int
    column: int
    kind: BranchKind
    condition: str  # source text of what must hold for this arm, e.g. "!(a > b)"
    span: tuple[int, int]
    keyword: int = 0
    parent: str | None = None  # the enclosing arm, so guards can be chained
    unreachable: str | None = None  # why the reader judged it statically unreachable
    # The arm a reset test takes at the top of a clocked block: it runs whenever the harness
    # applies reset, where hits do not count, so each sequence with reset is credited with it.
    runs_on_reset: bool = False
    guard: Expr | None = None  # `condition` as a tree (None when it could not be built)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Constant(_Frozen):
    """A literal the design compares inputs or state against: fuel for dictionary stimuli."""

    value: int
    width: int | None  # None for unsized literals
    text: str
    signal: str | None = None  # the signal it is compared with, when one is evident
    line: int | None = None


class Assignment(_Frozen):
    """A statement that drives `signal` (procedural, continuous or a net initializer)."""

    module: str
    signal: str
    file: str
    line: int
    reads: list[str] = []  # the signals its right-hand side reads
    nonblocking: bool = False  # `<=`: the signal is a register (it holds state between cycles)
    value: Expr | None = None  # the right-hand side as a tree, when the whole target is assigned
    offset: int | None = None  # where the statement is in `Design.sim_source(file)`: inside its arm's span
    text: str = ""  # the statement as written, e.g. "step <= step + 3'd1"


class Instance(_Frozen):
    """A module instance; `path` is relative to the top ("" for the top itself)."""

    path: str
    module: str


class Design(_Frozen):
    top: str
    files: list[str]
    sources: dict[str, str]  # file -> text; reports annotate it without reading files
    expanded: dict[str, str] = {}  # file -> its text with macro uses expanded (lines kept)
    encodings: dict[str, str] = {}  # file -> its encoding, when not UTF-8 ("latin-1")
    modules: list[str]
    ports: list[Port]
    parameters: list[Parameter] = []
    clock_reset: ClockReset = ClockReset()
    instances: list[Instance] = []
    branch_points: list[BranchPoint] = []
    constants: list[Constant] = []
    assignments: list[Assignment] = []
    include_dirs: list[str] = []
    defines: dict[str, str] = {}
    parameter_overrides: dict[str, str] = {}

    def sim_source(self, file: str) -> str:
        """The text the simulators compile for a file: macro uses expanded, same lines."""
        return self.expanded.get(file, self.sources[file])

    def port(self, name: str) -> Port | None:
        return next((p for p in self.ports if p.name == name), None)

    @property
    def inputs(self) -> list[Port]:
        return [p for p in self.ports if p.direction is Direction.INPUT]

    @property
    def driven_inputs(self) -> list[Port]:
        """Inputs a stimulus may drive: every input but the clock."""
        return [p for p in self.inputs if p.name != self.clock_reset.clock]

    @property
    def reachable_points(self) -> list[BranchPoint]:
        return [b for b in self.branch_points if b.unreachable is None]

    @property
    def combinational(self) -> bool:
        return self.clock_reset.clock is None

    def with_unreachable(self, reasons: dict[str, str]) -> Design:
        """A copy with more points judged unreachable (e.g. declared in a benchmark manifest);
        what the reader already found is kept, and arms nested inside inherit the reason."""
        marked = dict(reasons)
        updated = []
        for b in self.branch_points:  # parents come before their children in source order
            reason = b.unreachable or marked.get(b.id) or (
                f"inside unreachable {b.parent}" if b.parent in marked else None
            )
            if reason:
                marked.setdefault(b.id, reason)
            updated.append(b if reason == b.unreachable else b.model_copy(update={"unreachable": reason}))
        return self.model_copy(update={"branch_points": updated})

    def point(self, point_id: str) -> BranchPoint:
        for b in self.branch_points:
            if b.id == point_id:
                return b
        raise KeyError(point_id)
