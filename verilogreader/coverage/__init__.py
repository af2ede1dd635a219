"""The coverage model (pure): which branch points were hit, and how coverage grew."""

from verilogreader.coverage.model import CoverageMap, FirstHit, TimelineEntry

__all__ = ["CoverageMap", "FirstHit", "TimelineEntry"]
