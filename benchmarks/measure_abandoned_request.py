"""Does an abandoned request keep the single-slot local server busy? (issue 10)

A long prompt is sent with a short deadline: the client cancels the call and closes the
connection when it passes. A short request follows at once and is timed against the same short
request on the idle server. If llama.cpp went on reading the abandoned prompt, the short request
waits for it (a 7.5k-token prompt once took ~215 s to read). Runs the real local model: one
server process, a few minutes. Then the same through `RestartingClient`, what `run` and `bench`
use for the local model: the short request after the abandoned one should take about a model
load plus its idle time, not the abandoned prompt's reading time.

    .venv/bin/python benchmarks/measure_abandoned_request.py [--abandon-after 15] [--prompt-lines 400]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from verilogreader.errors import LLMCallFailed
from verilogreader.llm.connect import RestartingClient
from verilogreader.llm.local import default_model_path
from verilogreader.llm.openai_client import OpenAIChatClient
from verilogreader.llm.server import LocalServer

SHORT = [{"role": "user", "content": "Answer with one word: what colour is the sky?"}]


def _timed(client: OpenAIChatClient, messages, timeout: float) -> tuple[float, str]:
    started = time.monotonic()
    try:
        completion = client.complete(messages, schema=None, temperature=0.0, max_tokens=8, timeout=timeout)
        outcome = f"answered, {completion.prompt_tokens} prompt tokens"
    except LLMCallFailed as error:
        outcome = str(error)
    return time.monotonic() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abandon-after", type=float, default=15.0)
    parser.add_argument("--prompt-lines", type=int, default=400, help="~12 tokens a line")
    args = parser.parse_args()
    lines = "\n".join(f"assign w{n} = (a{n} ^ b{n}) & ~c{n}; // line {n}" for n in range(args.prompt_lines))
    long = [{"role": "user", "content": f"Summarise this Verilog in one word:\n{lines}"}]
    with tempfile.TemporaryDirectory() as logs, LocalServer(default_model_path(), log_dir=Path(logs)) as server:
        client = OpenAIChatClient(server.base_url, server.model, server.api_key, timeout=600)
        print(f"server loaded in {server.load_seconds:.1f} s")
        seconds, outcome = _timed(client, SHORT, 300)
        print(f"short request, idle server: {seconds:.1f} s ({outcome})")
        seconds, outcome = _timed(client, long, args.abandon_after)
        print(f"long request ({args.prompt_lines} lines), deadline {args.abandon_after:g} s: {seconds:.1f} s ({outcome})")
        seconds, outcome = _timed(client, SHORT, 600)
        print(f"short request right after the abandoned one: {seconds:.1f} s ({outcome})")
        log = (Path(logs) / "llama-server.log").read_text(errors="replace")
        print("server log lines about cancelling:", [line for line in log.splitlines() if "cancel" in line.lower()][:5])
        restarting = RestartingClient(server, timeout=600)
        seconds, outcome = _timed(restarting, long, args.abandon_after)
        print(f"through RestartingClient, long request, deadline {args.abandon_after:g} s: {seconds:.1f} s ({outcome})")
        seconds, outcome = _timed(restarting, SHORT, 600)
        print(f"through RestartingClient, short request right after it (restart included): {seconds:.1f} s ({outcome})")


if __name__ == "__main__":
    main()
