"""lcov tracefile (`coverage.info`) of a results document, for genhtml, Codecov, Coveralls
and editor gutters.

Each decision (an if with its else, a case with its items and default, a `?:`) becomes one
lcov block, reported like gcc's gcov does: every arm on the decision's first line. Hit
counts are sequences, not evaluations (see coverage/model.py). Unreachable and unobserved
arms are left out, so BRF/BRH are the tool's reachable totals. A taken count of `-` (lcov: "the block was
never executed") is used only where it is true: a complete decision none of whose arms,
unreachable ones included, was ever taken, so it was never evaluated. An arm of a decision
that did run, but not this way, gets 0.
"""

from __future__ import annotations

import re
from typing import Any

from verilogreader.design.branches import negate

Point = dict[str, Any]  # one entry of results["points"]

_CLOSES = {  # a decision's first arm -> the arms that end it
    "if": ("else", "else-implicit"),
    "ternary-true": ("ternary-false",),
    "case-item": ("case-default", "case-default-implicit"),
}


def decisions(points: list[Point]) -> list[list[Point]]:
    """The arms of each decision, found from what results.json keeps: the points' order.

    The reader lists a decision's arms in source order with the arms nested inside each arm
    right after it, so an else or `:` belongs to the innermost open decision. A case item
    cannot tell a next item from the first item of a case nested in the previous one; the
    default's condition (the negated items) settles which items are its own.
    """
    done: list[list[Point]] = []
    stacks: dict[str, list[list[Point]]] = {}  # per module: decisions still open
    for point in points:
        stack = stacks.setdefault(point["module"], [])
        kind = point["kind"]
        top = stack[-1] if stack else None
        if kind == "case-item" and top and top[0]["kind"] == "case-item":
            top.append(point)
        elif kind in _CLOSES:
            stack.append([point])
            done.append(stack[-1])
        elif kind.startswith("case-default"):
            done += _close_case(stack, point)
        elif top and kind in _CLOSES[top[0]["kind"]]:
            top.append(point)
            stack.pop()
        else:  # not where the order says it should be: keep it alone, claim nothing
            done.append([point])
    return done


def _close_case(stack: list[list[Point]], default: Point) -> list[list[Point]]:
    """Give a default the open case's last items whose tests it negates; items before them
    stay open (they belong to an enclosing case). Returns a newly closed decision, if any."""
    items = stack[-1] if stack and stack[-1][0]["kind"] == "case-item" else []
    for k in range(1, len(items) + 1):
        if negate(f"({' || '.join(p['condition'] for p in items[-k:])})") == default["condition"]:
            if k == len(items):
                items.append(default)
                stack.pop()
                return []
            mine = items[-k:]
            del items[-k:]
            return [[*mine, default]]
    return [[default]]


def counted(point: Point) -> bool:
    """Whether a point is in the reachable totals: neither unreachable nor unobserved."""
    return point["unreachable"] is None and point.get("unobserved") is None


def _complete(arms: list[Point]) -> bool:
    """Whether these arms are a whole decision: exactly one of them runs per evaluation."""
    first = arms[0]
    if first["kind"] in _CLOSES:
        return arms[-1]["kind"] in _CLOSES[first["kind"]]
    return first["kind"].startswith("case-default") and first["condition"] == "1"  # no items


def to_lcov(results: dict[str, Any]) -> str:
    """The tracefile: per file TN/SF, BRDA per reachable arm, BRF/BRH, DA per line holding a
    reachable arm (hits = the most of its arms), LF/LH, end_of_record."""
    test_name = re.sub(r"\W", "_", results["design"]["top"])
    branches: dict[str, list[str]] = {}
    blocks: dict[tuple[str, int], int] = {}  # (file, line) -> blocks so far
    for arms in decisions(results["points"]):
        shown = [(n, a) for n, a in enumerate(arms) if counted(a)]
        if not shown:
            continue
        executed = not _complete(arms) or any(a["hits"] for a in arms)
        file = shown[0][1]["file"]
        line = min(a["line"] for _, a in shown if a["file"] == file)
        block = blocks[file, line] = blocks.get((file, line), -1) + 1
        branches.setdefault(file, []).extend(
            f"BRDA:{line},{block},{n},{a['hits'] if executed else '-'}" for n, a in shown
        )
    return "".join(_record(test_name, file, brda, results["points"]) for file, brda in branches.items())


def _record(test_name: str, file: str, brda: list[str], points: list[Point]) -> str:
    reachable = [p for p in points if p["file"] == file and counted(p)]
    lines: dict[int, int] = {}
    for point in reachable:
        lines[point["line"]] = max(lines.get(point["line"], 0), point["hits"])
    out = [f"TN:{test_name}", f"SF:{file}", *brda, f"BRF:{len(brda)}"]
    out += [f"BRH:{sum(1 for b in brda if b.rsplit(',', 1)[1] not in ('0', '-'))}"]
    out += [f"DA:{line},{hits}" for line, hits in sorted(lines.items())]
    out += [f"LF:{len(lines)}", f"LH:{sum(1 for h in lines.values() if h)}", "end_of_record"]
    return "\n".join(out) + "\n"
