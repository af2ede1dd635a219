"""Measure the embedded LLM: load time, prompt and generation speed, one stimulus request, memory.

    python benchmarks/measure_local_llm.py [--repeat N] [--compact] [local:/path/to/model.gguf ...]

Measures every bundled model that is installed (the default Qwen2.5-Coder-1.5B and the small
SmolLM2 test model) plus any GGUF given on the command line. The request is a typical one: the
vending_fsm listing (~1,500 prompt tokens) and a JSON schema for 4 sequences of 8 cycles.
Speeds are llama.cpp's own timings; `--compact` asks LLGuidance for JSON without free
whitespace (small models otherwise pad their answer with spaces and newlines).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import openai

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verilogreader.errors import LLMUnavailable  # noqa: E402
from verilogreader.llm.local import DEFAULT_MODEL, SMALL_TEST_MODEL, default_model_path, model_from_spec  # noqa: E402
from verilogreader.llm.server import LocalServer  # noqa: E402

DESIGN = ROOT / "benchmarks" / "vending_fsm" / "vending_fsm.v"
INPUTS = {"coin": (0, 3), "select": (0, 1), "cancel": (0, 1)}


def stimulus_schema(compact: bool) -> dict:
    cycle = {
        "type": "object",
        "properties": {name: {"type": "integer", "minimum": low, "maximum": high} for name, (low, high) in INPUTS.items()},
        "additionalProperties": False,
    }
    sequence = {
        "type": "object",
        "properties": {
            "target": {"type": "string", "maxLength": 8},
            "reset": {"type": "boolean"},
            "cycles": {"type": "array", "minItems": 1, "maxItems": 8, "items": cycle},
        },
        "required": ["target", "reset", "cycles"],
        "additionalProperties": False,
    }
    schema = {
        "type": "object",
        "properties": {"sequences": {"type": "array", "minItems": 1, "maxItems": 4, "items": sequence}},
        "required": ["sequences"],
        "additionalProperties": False,
    }
    if compact:
        schema["x-guidance"] = {"whitespace_flexible": False}
    return schema


def messages(schema: dict) -> list[dict[str, str]]:
    listing = "\n".join(f"{n:4d}  {line}" for n, line in enumerate(DESIGN.read_text().splitlines(), 1))
    system = (ROOT / "prompts" / "system.j2").read_text().strip()
    holes = (
        "H1: the `if (credit + coin_value > MAX_CREDIT)` arm: a coin that would pass the 60-cent cap.\n"
        "H2: the S_VEND state: credit reaches 35 cents and then `select` is 1.\n"
        "H3: the S_REFUND state: some credit, then `cancel` is 1.\n"
        "H4: `too_little`: `select` is 1 while credit is below 35 cents.\n"
    )
    user = (
        f"# Design: vending_fsm (clock clk, asynchronous active-low reset rst_n)\n```verilog\n{listing}\n```\n\n"
        f"# Inputs you drive\ncoin: 2 bits (0 none, 1 nickel, 2 dime, 3 quarter); select: 1 bit; cancel: 1 bit\n\n"
        f"# Branches not covered yet\n{holes}\n"
        "# How stimuli are applied\nEach sequence starts with reset held for 2 cycles (when \"reset\" is true), then every "
        "input is 0. Each cycle object sets only the inputs it changes; the others keep their previous value. "
        "Inputs change just before the rising clock edge; plan state machines one cycle per transition.\n\n"
        "# Your task\nWrite 4 sequences of 8 cycles each, one per hole, with \"target\" naming the hole.\n"
        f"Answer with JSON only, matching this schema:\n{json.dumps(schema)}\n"
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def measure(name: str, path: Path, repeat: int, compact: bool) -> dict:
    started = time.monotonic()
    with LocalServer(path, model_name=name) as server:
        load = time.monotonic() - started
        client = openai.OpenAI(base_url=server.base_url, api_key=server.api_key, timeout=600)
        schema = stimulus_schema(compact)
        runs = []
        for _ in range(repeat):
            began = time.monotonic()
            response = client.chat.completions.create(
                model=server.model,
                messages=messages(schema),
                response_format={"type": "json_schema", "json_schema": {"name": "stimuli", "schema": schema, "strict": True}},
                max_tokens=1500,
                temperature=0.7,
                extra_body={"cache_prompt": False},  # every run pays for its prompt, as a new request does
            )
            wall = time.monotonic() - began
            timings = (response.model_extra or {}).get("timings", {})
            text = response.choices[0].message.content or ""
            try:
                parsed = json.loads(text)
                shape = [len(sequence["cycles"]) for sequence in parsed["sequences"]]
            except (ValueError, KeyError, TypeError):
                shape = None
            runs.append(
                {
                    "wall_s": round(wall, 1),
                    "prompt_tokens": timings.get("prompt_n"),
                    "prompt_tok_s": round(timings.get("prompt_per_second", 0), 1),
                    "gen_tokens": timings.get("predicted_n"),
                    "gen_tok_s": round(timings.get("predicted_per_second", 0), 1),
                    "finish": response.choices[0].finish_reason,
                    "cycles_per_sequence": shape,
                }
            )
        peak = server.peak_rss_bytes()
    return {"model": name, "load_s": round(load, 2), "peak_rss_mib": peak and peak >> 20, "runs": runs}


def available(extra: list[str]) -> list[tuple[str, Path]]:
    found = []
    for model in (SMALL_TEST_MODEL, DEFAULT_MODEL):
        began = time.monotonic()
        try:
            path = default_model_path(model=model)
        except LLMUnavailable as error:
            print(f"skip {model.name}: {error}")
            continue
        print(f"{model.name}: verified in the cache in {time.monotonic() - began:.1f} s")
        found.append((model.name, path))
    found += [(Path(spec.split(":", 1)[1]).stem, model_from_spec(spec)) for spec in extra]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="extra models as local:/path/to/model.gguf")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--compact", action="store_true", help="forbid free whitespace in the JSON answer")
    args = parser.parse_args()
    for name, path in available(args.models):
        result = measure(name, path, args.repeat, args.compact)
        print(f"\n{result['model']}: server up in {result['load_s']} s, peak RSS {result['peak_rss_mib']} MiB")
        for run in result["runs"]:
            print(
                f"  request {run['wall_s']} s | prompt {run['prompt_tokens']} tok at {run['prompt_tok_s']} tok/s"
                f" | answer {run['gen_tokens']} tok at {run['gen_tok_s']} tok/s | {run['finish']}"
                f" | cycles per sequence {run['cycles_per_sequence']}"
            )


if __name__ == "__main__":
    main()
