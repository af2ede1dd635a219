"""Icarus Verilog through cocotb, with branch coverage from source instrumentation.

Icarus has no coverage of its own, so the build compiles an instrumented copy of the sources
(see instrument.py) under the player top (player.py), which raises each instance's epoch at
the start of a sequence and prints each instance's `verilogreader_hits` vector at its end. A point belongs to its module
definition; it is hit when any instance of that module hits it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import cocotb_tools.config as cocotb_config

from verilogreader.design.model import BranchPoint
from verilogreader.errors import SimulatorNotFound
from verilogreader.sim.adapter import CocotbSimulator
from verilogreader.sim.instrument import instrument_file
from verilogreader.sim.player import DUT, TOP, CoverageControl
from verilogreader.sim.process import cocotb_env, which
from verilogreader.sim.sources import define_args, include_dirs, user_paths, write_sources

INSTALL_HINT = "Icarus Verilog is not installed; run: sudo apt-get install iverilog"


class IcarusSimulator(CocotbSimulator):
    name = "icarus"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if which("iverilog") is None or which("vvp") is None:
            raise SimulatorNotFound(INSTALL_HINT)
        super().__init__(*args, **kwargs)

    def _build(self, build_dir: Path) -> None:
        d = self.design
        by_file: dict[str, list[BranchPoint]] = defaultdict(list)
        for point in d.branch_points:
            by_file[point.file].append(point)
        modules: dict[str, list[str]] = {}
        unobserved: dict[str, str] = {}

        def rewrite(name: str, text: str) -> str:
            done = instrument_file(text, by_file.get(name, []))
            for module, ids in done.modules.items():
                modules.setdefault(module, []).extend(ids)
            unobserved.update(done.skipped)
            return done.text

        files = write_sources(d, build_dir, rewrite)
        unobserved.update({p.id: f"file {p.file} is not among the design's files"
                           for p in d.branch_points if p.file not in d.sources})
        self._modules = modules
        (build_dir / "cmds.f").write_text("+timescale+1ns/1ps\n")
        cmd = ["iverilog", "-g2012", "-o", str(build_dir / "sim.vvp"), "-s", TOP, "-f", str(build_dir / "cmds.f")]
        cmd += define_args(d) + [f"-I{i}" for i in include_dirs(d)]
        cmd += [str(f) for f in files]  # parameter overrides: in the player's instance

        def compile_with(player: Path) -> None:
            self._compile(cmd + [str(player)], build_dir, dict(cocotb_env(TOP)), "compile", user_paths(d, files))

        self._build_with_player(build_dir, self._coverage(), compile_with)
        self._save_build_info(build_dir, {"unobserved": unobserved, "modules": modules})

    def _load_build_info(self, build_dir: Path) -> None:
        super()._load_build_info(build_dir)
        import json

        self._modules: dict[str, list[str]] = json.loads((build_dir / "build_info.json").read_text())["modules"]

    def _coverage(self) -> CoverageControl:
        """The player raises each instance's epoch at a sequence's start and prints its hits
        vector (MSB first) into the record at its end."""
        paths = [f"{DUT}.{i['path']}" if i["path"] else DUT for i in self._probe()["instances"]]
        return CoverageControl(start=[f"{p}.verilogreader_epoch = verilogreader_sequence;" for p in paths],
                               fields='"bits": [' + ", ".join('"%b"' for _ in paths) + "]",
                               args=[f"{p}.verilogreader_hits" for p in paths])

    def _probe(self) -> dict[str, Any]:
        instances = [{"path": i.path, "ids": self._modules[i.module]}
                     for i in self.design.instances or [] if self._modules.get(i.module)]
        if not self.design.instances and self._modules.get(self.design.top):
            instances = [{"path": "", "ids": self._modules[self.design.top]}]
        return {"kind": "icarus", "instances": instances}

    def _command(self, run_dir: Path) -> tuple[list[str], dict[str, str]]:
        vpi = cocotb_config.lib_entry("vpi", "icarus")
        return ["vvp", "-m", vpi, str(self.build_dir / "sim.vvp")], cocotb_env(TOP)

    def _covered(self, record: dict[str, Any], run_dir: Path) -> frozenset[str]:
        """The ids whose bit is 1 in any instance's hits vector (printed MSB first)."""
        hits: set[str] = set()
        for instance, bits in zip(self._probe()["instances"], record.get("bits", ())):
            hits.update(point for point, bit in zip(instance["ids"], reversed(bits)) if bit == "1")
        return frozenset(hits)
