"""A JSON schema as a llama.cpp GBNF grammar for compact JSON: no whitespace anywhere.

llama.cpp's own conversion of a `json_schema` lets the model put a newline and up to 20
spaces between any two tokens, and a 1.5B model uses them: it pretty-printed every answer,
~25 tokens per cycle, at ~8 tokens/s on 2 cores. Generation is the larger half of a call,
so the local server gets this grammar instead. Only the subset `context.answer_schema`
writes is modelled: objects with fixed property order (required ones first, the optional
ones in order, each at most once), arrays with item bounds, bounded integers, booleans,
strings and `anyOf`. Integer ranges are bounded by digit count only; the answer is still
validated against the real ranges (and re-asked) afterwards, as with any endpoint.
"""

from __future__ import annotations

import json
from typing import Any

MAX_STRING = 120  # characters in a free string (a target alias, a claim's reason)


def compact_grammar(schema: dict[str, Any]) -> str:
    rules: dict[str, str] = {}
    _Builder(rules).rule("root", schema)
    return "".join(f"{name} ::= {body}\n" for name, body in rules.items())


def opened_answer(schema: dict[str, Any]) -> tuple[str, str] | None:
    """When the answer's first sequence can only aim at one hole: its opening, written for the
    model (`{"sequences":[{"target":"H5","reset":`), and the grammar of the rest. The server
    reads the opening as prompt (~40 tokens/s) instead of generating it (~7 tokens/s on 2
    cores): about half of a one-step answer. Only the layout `context.answer_schema` writes."""
    sequences = schema.get("properties", {}).get("sequences", {})
    item = sequences.get("items", {})
    members = list(item.get("properties", {}))
    targets = item.get("properties", {}).get("target", {}).get("enum", [])
    if members[:3] != ["target", "reset", "cycles"] or len(targets) != 1 or sequences.get("minItems", 0) < 1:
        return None
    rules: dict[str, str] = {}
    builder = _Builder(rules)
    reset = builder.rule("reset", item["properties"]["reset"])
    cycles = builder.rule("cycles", item["properties"]["cycles"])
    more = builder.rule("sequence", item)
    high = sequences.get("maxItems")
    others = f'("," {more})' + ("*" if high is None else f"{{0,{high - 1}}}")
    rest = [name for name in schema.get("properties", {}) if name != "sequences"]
    tail = " ".join(f'("," {_literal(json.dumps(name) + ":")} {builder.rule(_slug(name), schema["properties"][name])})?'
                    for name in rest)
    rules = {"root": f'{reset} "," {_literal(json.dumps("cycles") + ":")} {cycles} "}}" {others} "]" {tail} "}}"', **rules}
    opening = '{"sequences":[{"target":' + json.dumps(targets[0]) + ',"reset":'
    return opening, "".join(f"{name} ::= {body}\n" for name, body in rules.items())


class _Builder:
    def __init__(self, rules: dict[str, str]) -> None:
        self.rules = rules

    def rule(self, name: str, schema: dict[str, Any]) -> str:
        """A rule named `name` (made unique) for `schema`; returns the rule's name."""
        name = self._unique(name)
        self.rules[name] = ""  # reserve the name before the parts are named
        self.rules[name] = self.body(name, schema)
        return name

    def body(self, name: str, schema: dict[str, Any]) -> str:
        if "anyOf" in schema:
            return " | ".join(self.rule(f"{name}-{i}", s) for i, s in enumerate(schema["anyOf"]))
        kind = schema.get("type")
        if kind == "object":
            return self._object(name, schema)
        if kind == "array":
            return self._array(name, schema)
        if kind == "integer":
            return _integer(schema)
        if kind == "boolean":
            return '"true" | "false"'
        if kind == "string":
            return _string(schema)
        raise ValueError(f"schema type {kind!r} is not modelled")

    def _object(self, name: str, schema: dict[str, Any]) -> str:
        properties: dict[str, Any] = schema.get("properties", {})
        required = [p for p in properties if p in schema.get("required", ())]
        optional = [p for p in properties if p not in required]
        pairs = {p: self.rule(f"{name}-{_slug(p)}", properties[p]) for p in properties}
        member = {p: f"{_literal(json.dumps(p) + ':')} {pairs[p]}" for p in properties}
        parts = " \",\" ".join(member[p] for p in required)
        if optional:
            # each optional member at most once, in order: `rest-i` is "(, member i)? rest-(i+1)"
            rests = []
            for i, p in enumerate(optional):
                rests.append(self._unique(f"{name}-rest{i}"))
                self.rules[rests[-1]] = ""
            for i, p in enumerate(optional):
                follow = f" {rests[i + 1]}" if i + 1 < len(optional) else ""
                self.rules[rests[i]] = f"(\",\" {member[p]})?{follow}"
            if required:
                parts += f" {rests[0]}"
            else:  # the first member present has no comma before it
                starts = [f"{member[p]}{' ' + rests[i + 1] if i + 1 < len(optional) else ''}"
                          for i, p in enumerate(optional)]
                parts = f"({' | '.join(starts)})?"
                del self.rules[rests[0]]  # only the members after the first need "(, member)?"
        return f'"{{" {parts} "}}"' if parts else '"{}"'

    def _array(self, name: str, schema: dict[str, Any]) -> str:
        item = self.rule(f"{name}-item", schema.get("items", {"type": "string"}))
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        more = f'("," {item})' + ("*" if high is None else f"{{{max(low - 1, 0)},{high - 1}}}")
        items = f"{item} {more}"
        return f'"[" {items} "]"' if low >= 1 else f'"[" ({items})? "]"'

    def _unique(self, name: str) -> str:
        base, n = name, 2
        while name in self.rules:
            name, n = f"{base}{n}", n + 1
        return name


def _integer(schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None and 0 <= low <= high <= 9:
        return f"[{low}-{high}]"
    digits = len(str(max(abs(low or 0), abs(high)))) if high is not None else 20
    number = f"[0-9]{{1,{digits}}}"
    return f'"-"? {number}' if low is None or low < 0 else number


def _string(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(_literal(json.dumps(value)) for value in schema["enum"])
    if "pattern" in schema:  # a Verilog literal such as 32'hDEADBEEF: its characters, bounded
        return "\"\\\"\" [0-9a-zA-Z_']{1,80} \"\\\"\""
    return f'"\\"" [^"\\\\\\x00-\\x1f]{{0,{schema.get("maxLength", MAX_STRING)}}} "\\""'


def _literal(text: str) -> str:
    return json.dumps(text)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name) or "p"
