"""Cobertura XML (`cobertura.xml`) of a results document, for GitLab's merge-request diff
annotations, Jenkins, Azure DevOps and other Cobertura consumers.

Follows coverage-04.dtd: coverage > sources > source, packages > package > classes > class
(one per source file) > methods (empty) + lines > line. Only lines holding reachable branch
points are listed; each is a branch line with its condition-coverage. Points the simulator
cannot observe are left out too and named in a comment after the DTD note.
"""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from typing import Any

from verilogreader import __version__
from verilogreader.report.junit import clean
from verilogreader.report.lcov import counted

DTD_NOTE = " Based on https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd "


def source_root(files: list[str]) -> tuple[str, dict[str, str]]:
    """The common folder of the files and each file's path below it.

    GitLab joins an absolute <source> under its builds dir with a class's relative filename
    to find the file in the repository, so the root stays absolute when the files are."""
    folders = [os.path.dirname(f) for f in files]
    try:
        root = os.path.commonpath(folders) if folders else ""
    except ValueError:  # absolute and relative paths mixed
        root = ""
    names = {f: os.path.relpath(f, root) if root else f for f in files}
    return root or ".", names


def _rate(hit: int, total: int) -> str:
    return f"{hit / total:.4g}" if total else "1"


def _totals(lines: dict[Any, list[dict]]) -> dict[str, int]:
    arms = [p for points in lines.values() for p in points]
    return {
        "lines-covered": sum(1 for points in lines.values() if any(p["hits"] for p in points)),
        "lines-valid": len(lines),
        "branches-covered": sum(1 for p in arms if p["hits"]),
        "branches-valid": len(arms),
    }


def _rates(totals: dict[str, int]) -> dict[str, str]:
    return {
        "line-rate": _rate(totals["lines-covered"], totals["lines-valid"]),
        "branch-rate": _rate(totals["branches-covered"], totals["branches-valid"]),
        "complexity": "0",
    }


def to_cobertura(results: dict[str, Any], *, timestamp: int | None = None) -> str:
    """The report. Only reachable points count as valid branches (unreachable ones are left
    out, as in the tool's reachable coverage), so branch-rate is the reachable coverage.
    A line's hits are the most sequences that took any of its arms. `timestamp` is in
    milliseconds since the epoch (Cobertura's unit); the default is now."""
    by_file: dict[str, dict[int, list[dict]]] = {}
    for point in results["points"]:
        if counted(point):
            by_file.setdefault(point["file"], {}).setdefault(point["line"], []).append(point)
    root, names = source_root(list(by_file))
    everything = {(f, n): pts for f, lines in by_file.items() for n, pts in lines.items()}
    totals = _totals(everything)
    stamp = int(time.time() * 1000) if timestamp is None else timestamp
    coverage = ET.Element("coverage", {**_rates(totals), **{k: str(v) for k, v in totals.items()},
                                       "version": f"verilogreader {__version__}", "timestamp": str(stamp)})
    ET.SubElement(ET.SubElement(coverage, "sources"), "source").text = root
    package = ET.SubElement(ET.SubElement(coverage, "packages"), "package",
                            {"name": results["design"]["top"], **_rates(totals)})
    classes = ET.SubElement(package, "classes")
    for file, lines in by_file.items():
        _class(classes, names[file], lines)
    ET.indent(coverage)
    text = ET.tostring(coverage, encoding="unicode")
    unobserved = "".join(f"<!--{_comment(_unobserved_note(p))}-->\n" for p in results["points"] if p.get("unobserved"))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!--{DTD_NOTE}-->\n{unobserved}{text}\n'


def _unobserved_note(point: dict) -> str:
    return f" unobserved (not counted): {point['id']}: {point['unobserved']} "


def _comment(text: str) -> str:
    """Text an XML comment can hold: no "--" and no control characters."""
    return clean(text).replace("--", "- -")


def _class(classes: ET.Element, name: str, lines: dict[int, list[dict]]) -> None:
    cls = ET.SubElement(classes, "class", {"name": name, "filename": name, **_rates(_totals(lines))})
    ET.SubElement(cls, "methods")
    out = ET.SubElement(cls, "lines")
    for number, points in sorted(lines.items()):
        taken = sum(1 for p in points if p["hits"])
        ET.SubElement(out, "line", {
            "number": str(number),
            "hits": str(max(p["hits"] for p in points)),
            "branch": "true",
            "condition-coverage": f"{100 * taken // len(points)}% ({taken}/{len(points)})",
        })
