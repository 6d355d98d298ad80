#!/usr/bin/env bash
# scripts/ernie-gazetteer.sh [OUTPUT_PATH] — place names from Debian's miscfiles for the ERNIE
# workload's optional gazetteer (param gazetteer: miscfiles): country names and capitals from
# countries.gz, city names from cities.dat.gz, one name per line, sorted and unique. Writes to the
# set-up data folder (default .cache/data/gazetteer/miscfiles-places.txt); never committed.
# It does not install packages: `apt-get install miscfiles` first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-${XPB_DATA_DIR:-$ROOT/.cache/data}/gazetteer/miscfiles-places.txt}"
misc="${XPB_MISCFILES_DIR:-/usr/share/misc}"
for f in countries.gz cities.dat.gz; do
  if [ ! -r "$misc/$f" ]; then
    echo "ernie-gazetteer: $misc/$f not found; install Debian's miscfiles package" >&2
    exit 1
  fi
done
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
{
  echo "# Place names from Debian miscfiles ($misc/countries.gz fields 4-5, cities.dat.gz Name)."
  {
    zcat "$misc/countries.gz" | grep -v '^#' | awk -F: 'NF >= 5 { print $4; print $5 }'
    zcat "$misc/cities.dat.gz" | sed -n 's/^Name *: *//p'
  } | sed 's/[[:space:]]*$//' | grep -v '^$' | LC_ALL=C sort -u
} > "$tmp"
mv "$tmp" "$out"
echo "ernie-gazetteer: wrote $(grep -vc '^#' "$out") names to $out" >&2
