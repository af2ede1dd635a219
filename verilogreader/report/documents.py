"""The documented shapes of results.json and corpus.json (see README, "Output files").

Pure functions from campaign data to JSON-ready dicts; writing them is atomic.py's job.
"""

from __future__ import annotations

import hashlib
from typing import Any

from verilogreader.design.model import BranchPoint, Design
from verilogreader.engine.campaign import CampaignState
from verilogreader.store.corpus import Corpus, CorpusSequence

REPLAY_STRATEGY = "corpus"  # the name under which a run replays the corpus it appends to

RESULTS_FORMAT = "verilogreader.results"
# 2: points may be unobserved (out of every denominator), `arm_digest`, `charged_cycles`.
# A version-1 file read as 2 would count unobserved points as holes, hence the bump.
VERSION = 2
READABLE_VERSIONS = (1, 2)  # what a baseline may be (version 1 lacks the fields above)


def design_identity(design: Design) -> dict[str, Any]:
    """What a corpus was made for: enough to tell when the design has changed."""
    digest = hashlib.sha256()
    for name in sorted(design.sources):
        digest.update(name.encode() + b"\0" + design.sources[name].encode() + b"\0")
    return {
        "top": design.top,
        "files": list(design.files),
        "sha256": digest.hexdigest(),
        "parameters": dict(design.parameter_overrides),
        "defines": dict(design.defines),
        "clock": design.clock_reset.clock,
        "reset": design.clock_reset.reset,
        "reset_active_low": design.clock_reset.reset_active_low,
    }


def arm_digest(design: Design, point: BranchPoint) -> str:
    """A short hash of the arm's own source text, whitespace normalised: with the module, kind
    and guard conditions it finds the same branch again after edits move every line."""
    start, end = point.span  # character offsets into the compiled text (design/model.py)
    body = design.sim_source(point.file)[start:end] if point.file in design.sources else ""
    return hashlib.sha256(" ".join(body.split()).encode()).hexdigest()[:16]


def results_document(design: Design, state: CampaignState, run: dict[str, Any]) -> dict[str, Any]:
    """results.json: the run's settings, totals, every point and the coverage timeline."""
    coverage = state.coverage
    points = []
    for point in design.branch_points:
        first = state.first_hits.get(point.id)
        points.append(
            {
                "id": point.id,
                "module": point.module,
                "file": point.file,
                "line": point.line,
                "column": point.column,
                "kind": point.kind.value,
                "condition": point.condition,
                "parent": point.parent,
                "covered": point.id in coverage.hits,
                "hits": coverage.hits.get(point.id, 0),
                "unreachable": point.unreachable,
                "unobserved": coverage.unobserved.get(point.id),
                "arm_digest": arm_digest(design, point),
                "first_hit": None
                if first is None
                else {"cycles": first.cycles, "sequence": first.sequence, "strategy": first.strategy},
            }
        )
    return {
        "format": RESULTS_FORMAT,
        "version": VERSION,
        "design": design_identity(design),
        "run": run,
        "stop_reason": state.stop_reason.value if state.stop_reason else "running",
        "cycles": state.cycles,
        "charged_cycles": state.charged_cycles,
        "sequences": state.sequences,
        "wall_seconds": round(state.seconds, 3),
        "totals": {
            "points": len(coverage.points),
            "covered": len(coverage.covered),
            "reachable": len(coverage.reachable),
            "reachable_covered": coverage.reachable_covered,
            "unreachable": len(coverage.unreachable),
            "unobserved": len(coverage.unobserved),
            "raw_percent": coverage.raw_percent,
            "reachable_percent": coverage.reachable_percent,
        },
        "unreachable_but_hit": sorted(coverage.unreachable_hit),
        "points": points,
        "timeline": [
            {"cycles": t.cycles, "covered": t.covered, "reachable_covered": t.reachable_covered, "seconds": t.seconds}
            for t in state.timeline
        ],
        "problems": list(state.problems),
    }


def campaign_corpus(design: Design, state: CampaignState, simulator: str, earlier: Corpus | None = None) -> Corpus:
    """The run's corpus: an earlier corpus (replayed first, kept as it was) plus the
    sequences this run found that added coverage."""
    found = [
        CorpusSequence(
            reset=entry.sequence.reset,
            cycles=entry.sequence.cycles,
            covers=sorted(entry.covered),
            new_points=sorted(entry.new_points),
            strategy=entry.strategy,
            found_at_cycles=entry.found_at_cycles,
            trace=state.traces.get(index),
        )
        for index, entry in enumerate(state.corpus)
        if entry.strategy != REPLAY_STRATEGY
    ]
    kept = earlier.sequences if earlier else []
    return Corpus(design=design_identity(design), simulator=simulator, sequences=[*kept, *found])
