"""The coverage.dat parser and the Verilator-to-branch-point mapping, without a simulator."""

from __future__ import annotations

from verilogreader.design.model import BranchKind, BranchPoint, Design, Port
from verilogreader.sim.coverage_dat import parse_coverage
from verilogreader.sim.verilator_map import build_mapping, by_place


def _line(f: str, l: int, n: int, t: str, o: str, s: str, count: int, h: str = "top.u") -> str:
    fields = [("f", f), ("l", str(l)), ("n", str(n)), ("t", t), ("o", o)] + ([("S", s)] if s else []) + [("h", h)]
    return "C '" + "".join(f"\x01{k}\x02{v}" for k, v in fields) + f"' {count}"


def test_parse_sums_instances_and_reads_line_sets() -> None:
    text = "\n".join(["# SystemC::Coverage-3",
                      _line("a.v", 4, 5, "branch", "if", "4-5,7", 2, "top.u1"),
                      _line("a.v", 4, 5, "branch", "if", "4-5,7", 3, "top.u2"),
                      _line("a.v", 4, 6, "branch", "else", "", 0)])
    points = parse_coverage(text)
    assert len(points) == 2
    (taken, count), = [(p, c) for p, c in points.items() if p.what == "if"]
    assert count == 5 and taken.lines == frozenset({4, 5, 7}) and taken.column == 5


def test_mapping_of_if_implicit_else_and_implicit_default() -> None:
    text = ("module m(input clk, input a, input [1:0] s, output reg q);\n"
            "  always @(posedge clk) begin\n"
            "    if (a) q <= 1;\n"
            "    case (s)\n"
            "      2'd0: q <= 0;\n"
            "    endcase\n"
            "  end\n"
            "endmodule\n")

    def point(kind: BranchKind, line: int, col: int, span: tuple[int, int], keyword: int = 0) -> BranchPoint:
        return BranchPoint(id=f"m.v:{line}:{col}:{kind.value}", module="m", file="m.v", line=line, column=col,
                           kind=kind, condition="", span=span, keyword=keyword)

    then = text.index("q <= 1;")
    item = text.index("q <= 0;")
    if_at, case_at = text.index("if (a)"), text.index("case (s)")
    points = [point(BranchKind.IF, 3, 5, (then, then + 7)),
              point(BranchKind.ELSE_IMPLICIT, 3, 5, (then + 7, then + 7), if_at),
              point(BranchKind.CASE_ITEM, 5, 7, (item, item + 7)),
              point(BranchKind.CASE_DEFAULT_IMPLICIT, 4, 5, (0, 0), case_at)]
    design = Design(top="m", files=["m.v"], sources={"m.v": text}, modules=["m"],
                    ports=[Port(name="clk", direction="input", width=1)], branch_points=points)
    dat = "\n".join([_line("/b/m.v", 2, 3, "line", "block", "2,4", 3), _line("/b/m.v", 3, 5, "branch", "if", "3", 1),
                     _line("/b/m.v", 3, 6, "branch", "else", "", 2), _line("/b/m.v", 5, 11, "line", "case", "5", 3)])
    mapping = build_mapping(design, parse_coverage(dat), {"/b/m.v": "m.v"})
    assert mapping.unobserved == {}
    covered = mapping.covered(by_place(parse_coverage(dat), {"/b/m.v": "m.v"}))
    # block ran 3 times and item 0 matched 3 times: the implicit default was not hit
    assert covered == {"m.v:3:5:if", "m.v:3:5:else-implicit", "m.v:5:7:case-item"}
