#!/usr/bin/env bash
# scripts/extract-kjv.sh OUTPUT_PATH — decode the King James Bible from Debian's bible-kjv-text
# data file (/usr/lib/bible.data) with the bible-kjv CLI into OUTPUT_PATH: one verse per line,
# "Ge1:1 In the beginning ...". Called by scripts/setup.sh; the text goes to the build cache and is
# never committed. It does not install packages (setup.sh does) and does not tokenize.
set -euo pipefail

out="${1:?usage: scripts/extract-kjv.sh OUTPUT_PATH}"
data_dir="${XPB_BIBLE_DATA_DIR:-/usr/lib}"
if ! command -v bible >/dev/null 2>&1; then
  echo "extract-kjv: the 'bible' command is missing; install the Debian package bible-kjv" >&2
  exit 1
fi
if [ ! -f "$data_dir/bible.data" ]; then
  echo "extract-kjv: $data_dir/bible.data is missing; install the Debian package bible-kjv-text" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
# -f prints one verse per line with its reference; a wide COLUMNS keeps long verses unwrapped.
COLUMNS=100000 bible -p "$data_dir" -f Gen1:1-Rev22:21 >"$tmp"
lines="$(wc -l <"$tmp")"
if [ "$lines" -ne 31102 ]; then
  echo "extract-kjv: expected 31102 verses, got $lines (is the bible-kjv-text data complete?)" >&2
  exit 1
fi
mv "$tmp" "$out"
trap - EXIT
echo "extract-kjv: wrote $lines verses to $out" >&2
