"""JUnit XML (`junit.xml`) of a results document, so CI test views (GitLab, Jenkins, GitHub
test-report actions) list each uncovered branch and each failed gate like a failed test.

One test case per branch point: passed if covered, <failure> if a reachable point was never
taken, <skipped> if the point is unreachable (whether or not it was hit) or the simulator
cannot observe it. Gate checks, when given, are test cases of their own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GateCheck:
    """One pass/fail verdict of the gate command, e.g. "reachable coverage >= 95%"."""

    name: str
    passed: bool
    message: str
    details: dict | None = None  # what results.json records about the check (e.g. lost branches)


# Characters XML 1.0 cannot hold at all, even escaped (control characters but tab/CR/LF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """Text safe for XML: ElementTree escapes <, & and quotes but keeps control characters."""
    return _NOT_XML.sub("\ufffd", text)


def to_junit(
    results: dict[str, Any], checks: list[GateCheck] | None = None, *, sources: dict[str, str] | None = None
) -> str:
    """The report: a <testsuites> holding one <testsuite name="verilogreader.<top>">.
    With `sources` (file -> text), a failure shows its source line with the arm marked."""
    top = results["design"]["top"]
    suite_name = f"verilogreader.{top}"
    suite = ET.Element("testsuite", {"name": clean(suite_name)})
    for point in results["points"]:
        _point_case(suite, suite_name, point, sources or {})
    for check in checks or []:
        case = ET.SubElement(suite, "testcase", {"classname": clean(f"{suite_name}.gate"),
                                                 "name": clean(check.name), "time": "0"})
        if check.passed:
            ET.SubElement(case, "system-out").text = clean(check.message)
        else:
            failure = ET.SubElement(case, "failure", {"message": clean(check.message), "type": "gate"})
            failure.text = clean(check.message)
    counts = _counts(suite)
    suite.attrib.update({**counts, "time": str(results.get("wall_seconds", 0))})
    suites = ET.Element("testsuites", {"name": "verilogreader", **counts, "time": suite.attrib["time"]})
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _counts(suite: ET.Element) -> dict[str, str]:
    cases = suite.findall("testcase")
    return {
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.find("failure") is not None)),
        "errors": "0",
        "skipped": str(sum(1 for c in cases if c.find("skipped") is not None)),
    }


def _point_case(suite: ET.Element, suite_name: str, point: dict, sources: dict[str, str]) -> None:
    where = f"{point['file']}:{point['line']}:{point['column']}"
    case = ET.SubElement(suite, "testcase", {"classname": clean(f"{suite_name}.{point['module']}"),
                                             "name": clean(point["id"]), "time": "0"})
    if point["unreachable"] is not None:
        message = f"unreachable: {point['unreachable']}"
        if point["hits"]:
            message += f" (yet hit by {point['hits']} sequences)"
        ET.SubElement(case, "skipped", {"message": clean(message)})
    elif point.get("unobserved") is not None:
        ET.SubElement(case, "skipped", {"message": clean(f"unobserved: {point['unobserved']}")})
    elif not point["hits"]:
        message = f"{point['kind']} branch never taken: {point['condition']} at {where}"
        failure = ET.SubElement(case, "failure", {"message": clean(message), "type": "uncovered"})
        failure.text = clean("\n".join([message, *_source_lines(point, sources)]))


def _source_lines(point: dict, sources: dict[str, str]) -> list[str]:
    """The arm's source line with a caret under its column, as in annotate.py."""
    lines = sources.get(point["file"], "").splitlines()
    if not 1 <= point["line"] <= len(lines):
        return []
    return [f"{point['line']:5d} | {lines[point['line'] - 1]}", f"      | {' ' * max(point['column'] - 1, 0)}^"]
