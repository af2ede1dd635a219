"""Rendering the Jinja2 prompt templates (prompts/, shipped as verilogreader.prompts).

StrictUndefined: a template that names a missing variable fails loudly instead of
silently rendering "" into the prompt. `--prompts DIR` overrides templates by file name.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import jinja2

from verilogreader.design.model import Design
from verilogreader.errors import UsageError
from verilogreader.llm import context
from verilogreader.llm.interface import Message

TEMPLATES = ("system.j2", "design.j2", "request.j2", "reask.j2")


class Prompts:
    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None:
            if not override_dir.is_dir():
                raise UsageError(f"--prompts {override_dir} is not a folder")
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        builtin = importlib.resources.files("verilogreader.prompts")
        loaders.append(jinja2.FunctionLoader(lambda name: _builtin(builtin, name)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,  # prompts are plain text for a model, not HTML
        )

    def render(self, name: str, **variables: Any) -> str:
        try:
            return self.env.get_template(name).render(**variables).strip() + "\n"
        except jinja2.TemplateError as error:
            where = f"{name}:{error.lineno}" if getattr(error, "lineno", None) else name
            raise UsageError(f"prompt template {where}: {error.message}") from None

    def design_part(self, design: Design, whole_source: bool = True, max_sequences: int = 2, max_cycles: int = 4) -> str:
        """The unchanging part of every request of a run: first and byte-identical, so
        llama.cpp's prompt cache (and hosted prompt caching) reuses it. Without the whole
        source, each request shows the code around its holes instead."""
        return self.render(
            "design.j2",
            design=design,
            signals=context.decision_signals(design),
            input_constants=context.input_constants(design),
            parameters=[p for p in design.parameters if not p.local],
            source=context.numbered_source(design) if whole_source else [],
            max_sequences=max_sequences,
            max_cycles=max_cycles,
        )

    def request(
        self,
        design: Design,
        holes: list[context.Hole],
        history: list[dict[str, Any]],
        max_sequences: int,
        max_cycles: int,
        temperature_note: str = "",
        code: list[tuple[str, list[tuple[int, str] | None]]] | None = None,
    ) -> list[Message]:
        """`code`: the lines around the holes (llm/code_view.py), None when the design part
        shows the whole source."""
        # Small models copy the example's values: make them a shown hole's input needs.
        hinted = next((h for h in holes if h.input_values), holes[0] if holes else None)
        # "code = 167 (8'hA7)": the example shows the bare integer
        needs = [need.split(" = ")[:1] + need.split(" = ")[1].split()[:1] for need in hinted.input_values] if hinted else []
        ports = [p for p in design.driven_inputs if p.name != design.clock_reset.reset]
        pairs = needs or [(p.name, min(p.max_value, 1)) for p in ports[:2]]
        if needs and hinted and hinted.start and hinted.start.hold > 1:
            pairs = [*pairs, ("repeat", hinted.start.hold)]
        example = ", ".join(f'"{name}": {value}' for name, value in pairs)
        request = self.render(
            "request.j2",
            design=design,
            holes=holes,
            history=history,
            code=code or [],
            max_sequences=max_sequences,
            max_cycles=max_cycles,
            temperature_note=temperature_note,
            example_cycle="{" + example + "}",
            example_target=hinted.alias if hinted else "H1",
        )
        return [
            {"role": "system", "content": self.render("system.j2")},
            {"role": "user", "content": self.design_part(design, code is None, max_sequences, max_cycles) + "\n" + request},
        ]

    def reask(self, problems: list[str], kept: int, inputs: list[str]) -> str:
        return self.render("reask.j2", problems=problems, kept=kept, inputs=inputs)


def _builtin(root: Any, name: str) -> str | None:
    resource = root / name
    return resource.read_text() if resource.is_file() else None
