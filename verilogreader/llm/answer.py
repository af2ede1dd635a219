"""One structured answer: ask → parse → validate → re-ask with the errors, a bounded number of times.

The model's text is data: it is parsed as JSON and checked against the design's ports, never
executed or evaluated. Valid sequences of a partly wrong answer are kept; only the problems go
back to the model, with its previous answer, as in a code review.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from verilogreader.design.model import Design
from verilogreader.errors import LLMCallFailed
from verilogreader.llm.context import MAX_EXPANDED_CYCLES, MAX_REPEAT
from verilogreader.llm.interface import ChatClient, Completion, Message
from verilogreader.stimuli.schema import Sequence, validate_sequences

MAX_ANSWER_CHARS = 200_000  # a runaway answer is cut here before parsing
MAX_JSON_STARTS = 20  # where to try decoding: the first few '{' / '[' only
_NOT_JSON = (
    "the answer is not JSON that can be read (nesting and numbers are limited in size); "
    'answer with one JSON object {"sequences": [...]}'
)
_FENCED = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    """The model says a hole cannot be reached: recorded, never counted as coverage."""

    hole: str
    reason: str


@dataclass
class Answer:
    sequences: list[Sequence] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # per sequence, the hole it aimed at
    claims: list[Claim] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # of the last attempt that had any
    calls: list[Completion] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)  # for the exchange log
    failure: str | None = None  # why no usable answer came (after retries)
    reasks: int = 0  # follow-up requests sent, answered or not


def ask(
    client: ChatClient,
    messages: list[Message],
    design: Design,
    *,
    schema: dict[str, Any],
    temperature: float,
    max_tokens: int,
    max_reasks: int,
    max_sequences: int,
    max_cycles: int,
    reask_text,
    seed: int | None = None,
    deadline: float | None = None,
) -> Answer:
    """Get stimuli from the model; `reask_text(problems, kept)` renders the follow-up. With a
    `deadline` (time.monotonic()), every call and re-ask together end by then."""
    answer = Answer()
    conversation = list(messages)  # never mutate the caller's list
    for attempt in range(max_reasks + 1):
        answer.reasks = attempt
        try:
            completion = client.complete(
                conversation,
                schema=schema,
                temperature=temperature,
                max_tokens=max_tokens,
                seed=None if seed is None else seed + attempt,
                timeout=None if deadline is None else deadline - time.monotonic(),
            )
        except LLMCallFailed as error:
            answer.failure = str(error)
            answer.exchanges.append({"attempt": attempt, "messages": conversation[len(messages) - 1 :], "error": str(error)})
            return answer
        answer.calls.append(completion)
        sequences, targets, claims, problems, trims = interpret(completion, design, max_sequences, max_cycles)
        answer.sequences += sequences
        answer.targets += targets
        answer.claims += claims
        answer.exchanges.append(
            {
                "attempt": attempt,
                "messages": conversation if attempt == 0 else conversation[-2:],
                "response": completion.text,
                "mode": completion.mode,
                "finish_reason": completion.finish_reason,
                "prompt_tokens": completion.prompt_tokens,
                "completion_tokens": completion.completion_tokens,
                "seconds": completion.seconds,
                "valid_sequences": len(sequences),
                "problems": problems,
                "trimmed": trims,
            }
        )
        answer.problems = problems
        # Trimmed answers were used as far as they fit; only dropped content is worth a re-ask.
        if not problems or attempt == max_reasks:
            break
        conversation = conversation + [
            {"role": "assistant", "content": completion.text[:4000]},
            {"role": "user", "content": reask_text(problems[:15], len(answer.sequences))},
        ]
    return answer


def interpret(
    completion: Completion, design: Design, max_sequences: int, max_cycles: int
) -> tuple[list[Sequence], list[str], list[Claim], list[str], list[str]]:
    """Sequences, their targets, claims, problems (content dropped) and trims (content cut to
    the limits, the rest used) found in one completion's text."""
    problems: list[str] = []
    trims: list[str] = []
    document = extract_json(completion.text)
    if completion.finish_reason == "length":
        # Cut off at the token limit: keep every sequence and cycle that was complete.
        document = extract_json(close_truncated(completion.text) or "")
        trims.append("the answer was cut off at the token limit (the complete part was kept); write fewer, shorter sequences")
    if document is None:
        return [], [], [], problems + [_NOT_JSON], trims
    raw = document.get("sequences") if isinstance(document, dict) else document
    if isinstance(raw, list) and len(raw) > max_sequences:
        trims.append(f"{len(raw)} sequences is more than {max_sequences}; only the first {max_sequences} were used")
        raw = raw[:max_sequences]
    if isinstance(raw, list):
        raw = [s for s in raw if not (isinstance(s, dict) and s.get("cycles") == [])]  # emptied by the cut
        for number, sequence in enumerate(raw):
            cycles = sequence.get("cycles") if isinstance(sequence, dict) else None
            if isinstance(cycles, list) and len(cycles) > max_cycles:
                trims.append(f"sequence {number} has {len(cycles)} cycles; only the first {max_cycles} were used")
                sequence["cycles"] = cycles = cycles[:max_cycles]
            if isinstance(cycles, list):
                sequence["cycles"], problem = expand_repeats(cycles)
                if problem:
                    trims.append(f"sequence {number}: {problem}")
    valid, issues = validate_sequences({"sequences": raw} if isinstance(raw, list) else document, design)
    problems += [str(issue) for issue in issues]
    bad = {issue.sequence for issue in issues}
    targets = [
        str(sequence.get("target", "")) if isinstance(sequence, dict) else ""
        for number, sequence in enumerate(raw if isinstance(raw, list) else [])
        if number not in bad
    ]
    claims = _claims(document)
    return valid, targets[: len(valid)], claims, problems, trims


def expand_repeats(cycles: list[Any]) -> tuple[list[Any], str | None]:
    """`{"en": 1, "repeat": 70}` becomes 70 cycles; the first carries the values, the others
    hold them (cycles list only what changes). Capped at MAX_EXPANDED_CYCLES."""
    expanded: list[Any] = []
    problem = None
    for cycle in cycles:
        count = 1
        if isinstance(cycle, dict) and "repeat" in cycle:
            cycle = dict(cycle)
            count = cycle.pop("repeat")
            if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_REPEAT:
                problem = f'"repeat" must be an integer from 1 to {MAX_REPEAT}; it was read as 1'
                count = 1
        expanded += [cycle] + [{}] * (count - 1)
    if len(expanded) > MAX_EXPANDED_CYCLES:
        problem = f"more than {MAX_EXPANDED_CYCLES} cycles after repeats; only the first {MAX_EXPANDED_CYCLES} were used"
        expanded = expanded[:MAX_EXPANDED_CYCLES]
    return expanded, problem


def close_truncated(text: str) -> str | None:
    """JSON cut off mid-way, closed after its last complete value: `{"s": [{"a": 1}, {"a` gives
    `{"s": [{"a": 1}]}`. None when nothing complete was written."""
    stack: list[str] = []
    in_string = escaped = False
    best: tuple[int, list[str]] | None = None
    for index, char in enumerate(text[:MAX_ANSWER_CHARS]):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
            if stack:
                best = (index, list(stack))
    if best is None:
        return None
    index, open_brackets = best
    return text[: index + 1] + "".join(reversed(open_brackets))


def extract_json(text: str) -> Any | None:
    """The first JSON value in the text: whole, in a fenced block, or followed by chatter."""
    text = text[:MAX_ANSWER_CHARS]
    candidates = [m.strip() for m in _FENCED.findall(text)] + [text.strip()]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        starts = [i for i, ch in enumerate(candidate) if ch in "{["][:MAX_JSON_STARTS]
        for start in starts:
            try:
                value, _ = decoder.raw_decode(candidate[start:])
                return value
            except (ValueError, RecursionError):  # also a 1000-deep nesting, a 5000-digit integer
                continue
    return None


def _claims(document: Any) -> list[Claim]:
    if not isinstance(document, dict) or not isinstance(document.get("unreachable"), list):
        return []
    return [
        Claim(str(item.get("hole", ""))[:40], str(item.get("reason", ""))[:500])
        for item in document["unreachable"]
        if isinstance(item, dict)
    ]
