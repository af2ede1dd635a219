"""Strategy names -> stimulus sources: the one place that knows which strategies exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verilogreader.design.model import Design
from verilogreader.engine.campaign import StimulusSource
from verilogreader.engine.fuzz import FUZZ, FuzzSource
from verilogreader.engine.llm_strategy import HybridSource, LLMPolicy, LLMSource
from verilogreader.errors import UsageError
from verilogreader.llm.interface import ChatClient
from verilogreader.llm.prompts import Prompts
from verilogreader.llm.settings import LLMSettings
from verilogreader.stimuli.random import GENERATORS

LLM_STRATEGIES = ("llm", "hybrid")
STRATEGIES = (*GENERATORS, FUZZ, *LLM_STRATEGIES)


@dataclass(frozen=True)
class LLMParts:
    """What the LLM strategies need, shared by every campaign of a run or bench."""

    client: ChatClient
    prompts: Prompts
    policy: LLMPolicy


def check_strategy(name: str) -> str:
    if name not in STRATEGIES:
        raise UsageError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")
    return name


def llm_policy(settings: LLMSettings, calls: int, tokens: int | None = None, seconds: float | None = None) -> LLMPolicy:
    """The policy for the configured model: its temperature first, warmer on stagnation;
    `seconds` is the campaign's time budget, which LLM calls must end within."""
    base = settings.temperature
    temperatures = tuple(sorted({base, min(base + 0.3, 1.0), min(base + 0.6, 1.2), 1.0}))
    return LLMPolicy(
        max_calls=calls, max_total_tokens=tokens, answer_tokens=settings.max_tokens, temperatures=temperatures, seconds=seconds
    )


def make_source(
    design: Design,
    strategy: str,
    seed: int,
    llm: LLMParts | None = None,
    log: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[StimulusSource, LLMSource | None]:
    """The stimulus source for a strategy, and the LLM source inside it (or None)."""
    if check_strategy(strategy) in GENERATORS:
        return GENERATORS[strategy](design, seed), None
    if strategy == FUZZ:
        return FuzzSource(design, seed), None
    if llm is None:
        raise UsageError(f"strategy {strategy} needs an LLM")
    llm_source = LLMSource(design, llm.client, llm.prompts, llm.policy, log=log, seed=seed, probe=strategy == "llm")
    if strategy == "llm":
        return llm_source, llm_source
    return HybridSource(FuzzSource(design, seed), llm_source), llm_source
