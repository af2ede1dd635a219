"""Coverage exports for CI and coverage tools, rendered from a results document (the dict of
results.json): lcov, Cobertura, JUnit and a Markdown job summary. Pure: the CLI writes them.

Unreachable and unobserved points (those the simulator cannot see) follow the tool's reachable
coverage everywhere: lcov and Cobertura leave them out of their totals (Cobertura names the
unobserved ones in a comment; lcov has no place for them), JUnit lists them as skipped with the
reason, the Markdown summary counts them and lists the unobserved ones on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verilogreader.report.cobertura import to_cobertura
from verilogreader.report.junit import GateCheck, to_junit
from verilogreader.report.lcov import to_lcov
from verilogreader.report.markdown import to_markdown

Renderer = Callable[[dict[str, Any], list[GateCheck] | None], str]

# File name in the output folder -> renderer taking (results, checks).
EXPORTS: dict[str, Renderer] = {
    "coverage.info": lambda results, checks: to_lcov(results),
    "cobertura.xml": lambda results, checks: to_cobertura(results),
    "junit.xml": lambda results, checks: to_junit(results, checks),
    "summary.md": lambda results, checks: to_markdown(results, checks),
}

__all__ = ["EXPORTS", "GateCheck", "Renderer", "to_cobertura", "to_junit", "to_lcov", "to_markdown"]
