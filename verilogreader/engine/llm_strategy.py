"""The LLM strategies: one LLM call per batch, aimed at what is still uncovered.

`llm`: every batch comes from the model. `hybrid`: fuzzer batches (engine/fuzz.py) until a
batch finds nothing, then one LLM call about what it has not reached, then the fuzzer again,
mutating what the model found.

Policy on stagnation (a call that adds nothing): the temperature steps up and the shown
subset of holes rotates, so the model sees other targets; after `plateau_calls` such calls in
a row the strategy stops. A model's claim that a hole is unreachable is recorded with its
reason and never counted as coverage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verilogreader.coverage.state import decision_signals
from verilogreader.design.model import Design
from verilogreader.engine.campaign import CampaignState
from verilogreader.engine.fuzz import FuzzSource
from verilogreader.engine.state_guide import StateGuide, continue_from, most_promising
from verilogreader.llm import code_view, context
from verilogreader.llm.answer import ask
from verilogreader.llm.interface import ChatClient
from verilogreader.llm.prompts import Prompts
from verilogreader.llm.server import DEFAULT_CTX
from verilogreader.stimuli.schema import Sequence


@dataclass(frozen=True)
class LLMPolicy:
    max_calls: int = 20  # stimulus requests (re-asks are counted in tokens, not here)
    max_total_tokens: int | None = None
    # Short answers: a step from a known state needs few cycles (`repeat` holds a value for
    # long), and generation (~7 tokens/s for the 1.5B model on 2 cores) is most of a call.
    max_sequences: int = 1
    max_cycles: int = 3
    holes_shown: int = 1  # each shown hole is ~250 prompt tokens the cache cannot reuse, and an answer
    temperatures: tuple[float, ...] = (0.2, 0.5, 0.8, 1.0)
    plateau_calls: int = 4
    max_reasks: int = 2
    answer_tokens: int = 1024
    history_shown: int = 2  # each past attempt is prompt the cache cannot reuse
    seconds: float | None = None  # the campaign's time budget: every LLM call ends within it
    context_tokens: int = DEFAULT_CTX  # the model's context (the local server's n_ctx): prompt + answer fit in it
    min_answer_tokens: int = 384  # below this an answer of a few sequences gets cut: shrink the prompt
    # The whole source is shown when it fits this, else the lines around the holes. The whole
    # source sits in the cached part and is read once; excerpts change with the holes and cost
    # ~300-500 new tokens on every call (a 1,550-token parser read 550-830 per call at 1,200).
    source_tokens: int = 2048


@dataclass
class _Attempt:
    number: int
    first_sequence: int  # campaign sequence index where its batch starts
    summary: str
    targets: list[str]
    result: str = "not simulated yet"
    prefixes: list[int] = field(default_factory=list)  # per sequence, the frontier prefix's length
    sent: list[Sequence] = field(default_factory=list)  # what was simulated (prefix + the model's cycles)


@dataclass
class LLMAccounting:
    calls: int = 0  # stimulus requests
    completions: int = 0  # including re-asks
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    reasks: int = 0
    answer_problems: int = 0  # validation problems reported back to the model
    failures: list[str] = field(default_factory=list)
    claims: list[dict[str, str]] = field(default_factory=list)
    per_call: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "completions": self.completions,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "seconds": round(self.seconds, 3),
            "reasks": self.reasks,
            "answer_problems": self.answer_problems,
            "failures": self.failures,
            "unreachable_claims": self.claims,
            "per_call": self.per_call,
        }


IDLE_CYCLES = 8
POOL = 8  # the uncovered holes each call chooses the shown ones from (engine/state_guide.most_promising)
REASK_TOKENS = 400  # the problems list and instructions of a re-ask, generously
LLM = "llm"  # the strategy name credited with what the model's stimuli find


class LLMSource:
    """Asks the model for every batch but, with `probe`, the first: one reset and IDLE_CYCLES
    idle cycles (found points credited to "idle"), so the first call is about real holes, not
    about arms any cycle covers. Hybrid needs no probe: random has run before it asks."""

    def __init__(
        self,
        design: Design,
        client: ChatClient,
        prompts: Prompts,
        policy: LLMPolicy = LLMPolicy(),
        log: Callable[[dict[str, Any]], None] | None = None,
        seed: int = 0,
        probe: bool = True,
    ) -> None:
        self.seed = seed
        self.design, self.client, self.prompts, self.policy = design, client, prompts, policy
        self.log = log or (lambda record: None)
        self.accounting = LLMAccounting()
        self.stop_note = ""
        self._attempts: list[_Attempt] = []
        self._stale = 0  # calls in a row that added nothing
        self._offset = 0  # rotation of the pool of holes the shown ones are chosen from
        self._tried: dict[str, int] = {}  # hole alias -> calls that showed it
        self._probed = not probe
        self._deadline: float | None = None  # time.monotonic() by which calls must end
        self._signals = tuple(decision_signals(design))
        self._guide = StateGuide(design)
        source = code_view.listing_text(code_view.whole_source(design))
        self._whole_source = code_view.estimate_tokens(source) <= policy.source_tokens

    def observe_state(self, state: CampaignState) -> None:
        """Ask the campaign to record the decision signals of its corpus entries (the frontier
        prefixes come from them); hybrid calls this from its first random batch on."""
        if self._signals and not state.trace_signals:
            state.trace_signals = self._signals

    @property
    def name(self) -> str:
        return LLM if self._probed else "idle"

    def next_batch(self, cycles: int, state: CampaignState) -> list[Sequence]:
        self.observe_state(state)
        if not self._probed:  # `name` said "idle" for this batch: keep it so
            self._probed = True
            state.trace_batch = bool(self._signals)
            return [Sequence(reset=True, cycles=[{}] * min(IDLE_CYCLES, cycles))]
        self._learn(state)
        if self.policy.seconds is not None:  # the campaign's clock: time.monotonic unless a test says otherwise
            self._deadline = state.started + self.policy.seconds
        while (note := self.exhausted()) is None:
            sequences = self._call(state, cycles)
            if sequences:
                state.trace_batch = bool(self._signals)  # to tell the model how close it came
                return sequences
            self._stale += 1  # an answer with nothing usable is a call that added nothing
        self.stop_note = note
        return []

    def observe(self, batch: list[Sequence], outcomes: list, state: CampaignState) -> None:
        """The model learns at its next call, from the campaign state (`_learn`)."""

    # -- one LLM call ---------------------------------------------------------------------------
    def _call(self, state: CampaignState, cycles: int) -> list[Sequence]:
        policy = self.policy
        pool = context.holes(self.design, state.coverage, max(POOL, policy.holes_shown), self._offset)
        pool, frontiers = self._guide.starts(pool, state)
        shown = most_promising(pool, policy.holes_shown, self._tried)
        for hole in shown:
            self._tried[hole.alias] = self._tried.get(hole.alias, 0) + 1
        temperature = policy.temperatures[min(self._stale, len(policy.temperatures) - 1)]
        messages, answer_tokens, shown = self._fitted_request(shown, state)
        prompt_tokens = sum(code_view.estimate_tokens(m["content"]) + 8 for m in messages)
        answer = ask(
            self.client,
            messages,
            self.design,
            schema=context.answer_schema(self.design, policy.max_sequences, policy.max_cycles, [h.alias for h in shown]),
            temperature=temperature,
            max_tokens=answer_tokens,
            # a re-ask resends the prompt with the answer and the problems: only when that fits too
            max_reasks=policy.max_reasks if prompt_tokens + 2 * answer_tokens + REASK_TOKENS <= policy.context_tokens else 0,
            max_sequences=policy.max_sequences,
            max_cycles=policy.max_cycles,
            reask_text=lambda problems, kept: self.prompts.reask(
                problems, kept, [p.name for p in self.design.driven_inputs]
            ),
            seed=self.seed * 1000 + self.accounting.calls * 10,
            deadline=self._deadline,
        )
        number = self.accounting.calls + 1
        self._account(number, answer, temperature, [h.alias for h in shown])
        self.accounting.per_call[-1]["continued_from"] = {  # prefix cycles per shown hole
            h.alias: frontiers[h.alias].cycle for h in shown if h.alias in frontiers}
        self._record_claims(number, answer.claims, state)
        self.log({"call": number, "temperature": temperature, "holes": [h.alias for h in shown], "exchanges": answer.exchanges})
        targets = [*answer.targets, *[""] * len(answer.sequences)][: len(answer.sequences)]
        sent = [continue_from(seq, frontiers.get(target)) for seq, target in zip(answer.sequences, targets)]
        sequences = _fit(sent, cycles)
        if sequences:
            # what was sent is the prefix, the model's cycles, then one holding cycle (continue_from)
            prefixes = [max(len(s.cycles) - len(own.cycles) - 1, 0) for s, own in zip(sequences, answer.sequences)]
            self._attempts.append(_Attempt(number, state.sequences, _summarize(answer.sequences, targets),
                                           targets[: len(sequences)], prefixes=prefixes, sent=sequences))
        return sequences

    def _fitted_request(self, shown: list[context.Hole], state: CampaignState):
        """The request, shrunk until prompt + answer fit the model's context: fewer past
        attempts, then fewer holes. Returns (messages, answer tokens, holes shown)."""
        policy = self.policy
        history = [vars(a) for a in self._attempts[-policy.history_shown :]]
        while True:
            code = None if self._whole_source else code_view.relevant_code(self.design, [h.point for h in shown])
            messages = self.prompts.request(self.design, shown, history, policy.max_sequences,
                                            policy.max_cycles, temperature_note=_stale_note(self._stale), code=code)
            prompt = sum(code_view.estimate_tokens(m["content"]) + 8 for m in messages)
            room = policy.context_tokens - prompt
            if room >= policy.min_answer_tokens or (not history and len(shown) <= 1):
                return messages, max(min(policy.answer_tokens, room), 64), shown
            if history:
                history = history[1:]
            else:
                shown = shown[: max(len(shown) // 2, 1)]

    def _account(self, number: int, answer, temperature: float, shown: list[str]) -> None:
        acc = self.accounting
        acc.calls += 1
        acc.completions += len(answer.calls)
        acc.reasks += answer.reasks
        acc.prompt_tokens += sum(c.prompt_tokens for c in answer.calls)
        acc.completion_tokens += sum(c.completion_tokens for c in answer.calls)
        acc.seconds += sum(c.seconds for c in answer.calls)
        acc.answer_problems += sum(len(e.get("problems", [])) for e in answer.exchanges)
        if answer.failure:
            acc.failures.append(f"call {number}: {answer.failure}")
        acc.per_call.append(
            {
                "call": number,
                "temperature": temperature,
                "holes_shown": shown,
                "completions": len(answer.calls),
                "reasks": answer.reasks,
                "prompt_tokens": sum(c.prompt_tokens for c in answer.calls),
                "completion_tokens": sum(c.completion_tokens for c in answer.calls),
                "seconds": round(sum(c.seconds for c in answer.calls), 3),
                # llama.cpp's own split (None when the endpoint does not report it)
                "prompt_seconds": _sum_known(c.prompt_seconds for c in answer.calls),
                "generation_seconds": _sum_known(c.generation_seconds for c in answer.calls),
                "prompt_cached_tokens": _sum_known(c.prompt_cached_tokens for c in answer.calls),
                "valid_sequences": len(answer.sequences),
                "failure": answer.failure,
            }
        )

    def _record_claims(self, number: int, claims, state: CampaignState) -> None:
        """Keep each claim about a real, still uncovered hole once (its first reason): a model
        repeats itself at every re-ask, and may name a hole that does not exist."""
        uncovered = set(state.coverage.uncovered_reachable)
        holes = {f"H{n}" for n, pid in enumerate(state.coverage.reachable, 1) if pid in uncovered}
        claimed = {c["hole"] for c in self.accounting.claims}
        for claim in claims:
            if claim.hole in holes and claim.hole not in claimed:
                claimed.add(claim.hole)
                self.accounting.claims.append({"hole": claim.hole, "reason": claim.reason, "call": str(number)})

    # -- feedback and stopping -----------------------------------------------------------------
    def _learn(self, state: CampaignState) -> None:
        """Say what the previous batch achieved; adjust temperature and the shown holes."""
        if not self._attempts or self._attempts[-1].result != "not simulated yet":
            return
        attempt = self._attempts[-1]
        aliases = {pid: f"H{n}" for n, pid in enumerate(state.coverage.reachable, 1)}
        new = sorted(
            aliases.get(pid, pid)
            for pid, hit in state.first_hits.items()
            if hit.sequence >= attempt.first_sequence and hit.strategy == self.name
        )
        attempt.result = f"newly covered {', '.join(new)}" if new else "covered nothing new"
        closeness = self._guide.how_close(attempt.number, attempt.sent, attempt.targets, attempt.prefixes, state, set(new))
        attempt.result += "".join(f"; {text}" for text in closeness)
        self.accounting.per_call[attempt.number - 1]["new_points"] = len(new)
        if new:
            self._stale = 0
        else:
            self._stale += 1
            self._offset += self.policy.holes_shown

    def exhausted(self) -> str | None:
        """Why no more LLM calls will be made, or None."""
        policy, acc = self.policy, self.accounting
        if acc.calls >= policy.max_calls:
            return f"LLM call budget spent ({policy.max_calls} calls)"
        if self._deadline is not None and time.monotonic() >= self._deadline:
            return f"the time budget ({policy.seconds:g} s) is spent"
        total = acc.prompt_tokens + acc.completion_tokens
        if policy.max_total_tokens is not None and total >= policy.max_total_tokens:
            return f"LLM token budget spent ({total} of {policy.max_total_tokens} tokens)"
        if self._stale >= policy.plateau_calls:
            return f"plateau: {self._stale} LLM calls in a row added no coverage"
        return None


class HybridSource:
    """The fuzzer (the `search` source) until a batch of its own found nothing, neither a
    point nor a new state, then one LLM call about what it has not reached, then the fuzzer
    again. Every batch's outcomes, the LLM's too, go to the fuzzer: it mutates what the LLM
    found. While the fuzzer keeps finding, hybrid runs exactly its batches."""

    def __init__(self, search: FuzzSource, llm: LLMSource) -> None:
        self.search, self.llm = search, llm
        self.stop_note = ""
        self._last_was_llm = False

    def _llm_turn(self) -> bool:
        return not self._last_was_llm and self.search.idle_batches > 0 and self.llm.exhausted() is None

    @property
    def name(self) -> str:
        return LLM if self._llm_turn() else self.search.name

    def observe(self, batch: list[Sequence], outcomes: list, state: CampaignState) -> None:
        self.search.observe(batch, outcomes, state)

    def next_batch(self, cycles: int, state: CampaignState) -> list[Sequence]:
        self.llm.observe_state(state)  # the fuzzer's corpus entries get recorded: the LLM continues from them
        if self._llm_turn():
            self._last_was_llm = True
            batch = self.llm.next_batch(cycles, state)
            if batch:
                return batch
            self.stop_note = self.llm.stop_note  # the LLM is done: the fuzzer goes on alone
        self._last_was_llm = False
        return self.search.next_batch(cycles, state)


def _sum_known(values) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known), 3) if known else None


def _fit(sequences: list[Sequence], cycles: int) -> list[Sequence]:
    """Keep whole sequences within the remaining cycle budget; the first one is cut to it if it
    alone is longer (a continuation's prefix can be long): strategies compare at equal budgets."""
    kept, spent = [], 0
    for sequence in sequences:
        if spent + sequence.cycle_count > cycles:
            if not kept and cycles > 0:
                kept.append(Sequence(reset=sequence.reset, cycles=sequence.cycles[:cycles]))
            break
        kept.append(sequence)
        spent += sequence.cycle_count
    return kept


def _summarize(sequences: list[Sequence], targets: list[str]) -> str:
    parts = []
    for index, sequence in enumerate(sequences):
        target = targets[index] if index < len(targets) and targets[index] else "?"
        shown = " ".join(_cycle_text(c) for c in sequence.cycles[:4])
        more = f" ... ({sequence.cycle_count} cycles)" if sequence.cycle_count > 4 else ""
        parts.append(f"for {target}: {shown}{more}")
    return "; ".join(parts)


def _cycle_text(cycle: dict[str, int]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in cycle.items()) + "}"


def _stale_note(stale: int) -> str:
    if stale == 0:
        return ""
    return f"The last {stale} attempt(s) covered nothing new: try clearly different input values and orders."
