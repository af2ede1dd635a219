"""A parser for Verilator's coverage.dat (SystemC::Coverage-3 text format).

Each point is one line `C '<key>' <count>`; the key is a list of fields separated by \\x01,
each field a short name and its value separated by \\x02: f (file), l (line), n (column or
a running number), t (type: line, branch, toggle ...), o (what: if, else, elsif, case,
cond_then, cond_else, block ...), S (the source lines the point covers, e.g. "9-10,13"),
h (hierarchy), page. Counts of equal points in different instances are summed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CovPoint:
    file: str
    line: int
    column: int
    type: str
    what: str
    lines: frozenset[int]  # from S; empty when Verilator gives none (an implicit else)

    @property
    def place(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.what)


def parse_coverage(text: str) -> dict[CovPoint, int]:
    """Points (hierarchy dropped) with their counts summed over instances."""
    counts: dict[CovPoint, int] = {}
    for raw in text.splitlines():
        if not raw.startswith("C '"):
            continue
        key_end = raw.rfind("'")
        fields = dict(_field(f) for f in raw[3:key_end].split("\x01") if f)
        try:
            point = CovPoint(fields.get("f", ""), int(fields.get("l", 0)), int(fields.get("n", 0)),
                             fields.get("t", ""), fields.get("o", ""), _lines(fields.get("S", "")))
            count = int(raw[key_end + 1 :].strip())
        except ValueError:
            continue
        counts[point] = counts.get(point, 0) + count
    return counts


def _field(text: str) -> tuple[str, str]:
    name, _, value = text.partition("\x02")
    return name, value


def _lines(spec: str) -> frozenset[int]:
    lines: set[int] = set()
    for part in filter(None, spec.split(",")):
        first, _, last = part.partition("-")
        lines.update(range(int(first), int(last or first) + 1))
    return frozenset(lines)
