#!/usr/bin/env bash
# tests/cli/relocated.sh — a copied binary works away from its checkout through the install layout
# (docs/architecture.md, "Where xpubench finds its files"), and fails clearly without one.
#   1. <prefix>/bin/xpubench with <prefix>/share/xpubench/{platforms,experiments,analysis/plots,data/model}:
#      lists, shows, validates and runs from the prefix, caches under $HOME, never names the checkout.
#   2. the same binary in a bare folder: commands that need descriptors or experiments exit 2 with
#      every place looked in and the flag/variable to set; --share-dir and XPB_SHARE_DIR fix it.
# usage: relocated.sh XPUBENCH SOURCE_DIR
set -uo pipefail
BIN="$1"; SRC="$2"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
check() {  # WANT_RC REGEX CMD...: run CMD (from $T, HOME=$T/home), check exit code and output
  local want="$1" re="$2" out rc=0; shift 2
  out="$(cd "$T" && env -u XPB_SHARE_DIR -u XPB_CACHE_DIR -u XPB_DATA_DIR -u XPB_PLATFORM_DIR \
           -u XPB_HOST_DESCRIPTOR -u XPB_PLOT_SCRIPT -u XDG_CACHE_HOME HOME="$T/home" "$@" 2>&1)" ||
    rc=$?
  printf '%s\n' "$out" | sed 's/^/  | /' | head -n 12
  [ "$rc" = "$want" ] || fail "exit $rc, wanted $want: $*"
  printf '%s' "$out" | tr '\n' ' ' | grep -E -- "$re" >/dev/null || fail "output does not match /$re/: $*"
  if [ "$NO_CHECKOUT" = 1 ] && printf '%s' "$out" | grep -F -- "$SRC/" >/dev/null; then
    fail "output names the checkout $SRC: $*"
  fi
  echo "ok: $*"
}

# 1. The install layout, by hand (what `cmake --install` is to write).
P="$T/prefix"; S="$P/share/xpubench"
mkdir -p "$P/bin" "$S/analysis" "$T/home"
cp "$BIN" "$P/bin/xpubench"
cp -r "$SRC/platforms" "$SRC/experiments" "$S/"
cp -r "$SRC/analysis/plots" "$S/analysis/"
mkdir -p "$S/data" && cp -r "$SRC/data/model" "$S/data/"  # the performance model's constants
X="$P/bin/xpubench"
NO_CHECKOUT=1  # the installed copy never reads (or names) the checkout
check 0 "share +$S +install prefix $P.*cache +$T/home/.cache/xpubench +HOME.*host descriptor +$T/home/.cache/xpubench/host.yaml" \
  "$X" list paths
check 0 "nvidia-h20" "$X" list platforms
check 0 "experiments/quickstart.yaml" "$X" list experiments
check 0 "NVIDIA H20" "$X" show platform nvidia-h20
check 0 "ok: .*h20-parity.yaml \(experiment" "$X" validate "$S/experiments/h20-parity.yaml"
check 0 "2 cell\(s\) run" "$X" run "$SRC/tests/data/experiments/tiny.yaml" -o "$T/tiny.h5"
# The plotting script comes from <share>/analysis/plots.
check 0 "wrote $T/plots/parity.png" "$X" plot "$T/tiny.h5" -o "$T/plots"
# A model by name comes from <share>/experiments/models.
check 0 "model +mpt-3b.*plan +tp=" "$X" project --model mpt-3b --platform nvidia-h20 --devices 8 --global-batch 64

# 2. No layout: the same binary alone.
mkdir -p "$T/bare/bin"
cp "$BIN" "$T/bare/bin/xpubench"
B="$T/bare/bin/xpubench"
NO_CHECKOUT=0  # the error names the checkout, and why it was not used
looked="looked in $T/bare/share/xpubench \(install prefix of $T/bare/bin/xpubench\), $SRC \(source tree; used only by a binary inside .*hint: pass --share-dir DIR or set XPB_SHARE_DIR=DIR"
check 2 "cannot find platform descriptor 'nvidia-h20'.*$looked" "$B" show platform nvidia-h20
check 2 "cannot find the platform descriptors.*$looked" "$B" list platforms
check 2 "cannot find the experiment files.*$looked" "$B" list experiments
check 2 "cannot find model 'mpt-3b' \(not a file here\).*$looked" "$B" project --model mpt-3b --platform host --devices 1
check 2 "cannot find the plotting script.*$looked" "$B" plot "$T/tiny.h5" -o "$T/plots"
check 2 "--share-dir: $T/nowhere is not a folder" "$B" --share-dir "$T/nowhere" list platforms
# What needs no share folder still works: a run projected onto `host` only.
printf 'name: host-only\nseed: 1\nrepeats: 2\nwarmup: 1\nplatforms: [host]\nworkloads:\n  - workload: stream\n    params: {n: 2^14}\n' > "$T/host-only.yaml"
check 0 "1 cell\(s\) run" "$B" run "$T/host-only.yaml" -o "$T/host-only.h5"
# The flag (before or after the subcommand) and the variable point it at the share folder.
check 0 "NVIDIA H20" "$B" --share-dir "$S" show platform nvidia-h20
check 0 "NVIDIA H20" "$B" show platform nvidia-h20 --share-dir "$S"
check 0 "nvidia-h20" env XPB_SHARE_DIR="$S" "$B" list platforms
echo PASS
