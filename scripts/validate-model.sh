#!/usr/bin/env bash
# scripts/validate-model.sh — regenerate the published-row validation tables in docs/validation.md.
# Runs `xpubench project --validate` (the constants' processing mode, no_overlap as shipped; then
# the roofline sensitivity run, `--roofline`) and
# replaces the text between the GENERATED markers. It does not build: pass the binary or set
# XPUBENCH (default: build/cli/xpubench, then build-model/cli/xpubench).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-${XPUBENCH:-}}"
if [[ -z "$bin" ]]; then
  for c in "$root/build/cli/xpubench" "$root/build-model/cli/xpubench"; do
    [[ -x "$c" ]] && bin="$c" && break
  done
fi
[[ -x "$bin" ]] || { echo "error: xpubench binary not found; pass its path" >&2; exit 2; }
doc="$root/docs/validation.md"
tmp="$(mktemp)"
trap 'rm -f "$tmp" "$tmp.main" "$tmp.sens"' EXIT
"$bin" project --validate > "$tmp.main"
"$bin" project --validate --roofline > "$tmp.sens"
awk -v main="$tmp.main" -v sens="$tmp.sens" '
  /<!-- BEGIN GENERATED: main -->/ { print; while ((getline l < main) > 0) print l; skip=1; next }
  /<!-- END GENERATED: main -->/ { skip=0 }
  /<!-- BEGIN GENERATED: roofline -->/ { print; while ((getline l < sens) > 0) print l; skip=1; next }
  /<!-- END GENERATED: roofline -->/ { skip=0 }
  !skip { print }
' "$doc" > "$tmp"
cp "$tmp" "$doc"
echo "updated $doc"
