#!/usr/bin/env bash
# scripts/setup.sh — install everything xpubench needs on Debian bookworm, idempotently.
#
# Debian packages (toolchain, HDF5, yaml-cpp, CLI11, nlohmann-json, OpenBLAS, OpenMPI, Python tools, Catch2 v3
# from bookworm-backports) and, when no Kokkos >= 3.4 is found, Kokkos 3.4.01 (Serial + OpenMP)
# built from the Kokkos folder of Debian's trilinos source package into .cache/kokkos-<version>.
# Apt sources for deb-src and backports are derived from the machine's own sources file; no
# archive host name is written here. A second run only checks, and takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${XPB_CACHE_DIR:-$ROOT/.cache}"
KOKKOS_VERSION=3.4.01
KOKKOS_PREFIX="$CACHE/kokkos-$KOKKOS_VERSION"
STAMP="$CACHE/setup.stamp"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

log() { printf 'setup: %s\n' "$*" >&2; }

PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config git
  clang-format clang-tidy   # scripts/check-format.sh (make test) and .clang-tidy
  libhdf5-dev hdf5-tools libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libopenblas-dev
  libopenmpi-dev openmpi-bin
  python3 python3-h5py python3-numpy python3-matplotlib
  bible-kjv-text bible-kjv miscfiles
  wordnet-base zlib1g-dev   # the ERNIE lexicon's word lists (data/ernie-lexicon-sources.tsv)
  python3-torch   # the PyTorch cross-check of the GPT workload and its bench peer
)
BACKPORT_PACKAGES=(libcatch2-dev)

# ------------------------------------------------------------------------------------------------
# Apt sources: derive deb-src and bookworm-backports entries from the machine's own main entry.

main_uri() {
  # Prints the URI of the first entry that carries the plain release suite (e.g. bookworm).
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v codename="$1" '
      BEGIN { RS=""; FS="\n" }
      {
        uri=""; suites=""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/)   { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); uri=u[1] }
          if ($i ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", $i); suites=" " $i " " }
        }
        if (uri != "" && index(suites, " " codename " ") > 0) { print uri; exit }
      }' "$f"
  done | head -n1
  if [ -f /etc/apt/sources.list ]; then
    awk -v codename="$1" '$1 == "deb" && $0 !~ /cdrom/ {
        for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i+1) == codename) { print $i; exit } }
      }' /etc/apt/sources.list
  fi
}

ensure_sources() {
  local codename uri list="/etc/apt/sources.list.d/xpubench.sources"
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  if [ -f "$list" ]; then return 0; fi
  uri="$(main_uri "$codename" | head -n1)"
  if [ -z "$uri" ]; then
    log "error: no apt entry for '$codename' found in /etc/apt/sources.list{,.d}; cannot derive deb-src/backports"
    exit 1
  fi
  log "deriving deb-src and $codename-backports entries from $uri"
  $SUDO tee "$list" >/dev/null <<SRC
# Written by xpubench scripts/setup.sh, derived from this machine's own apt sources.
Types: deb
URIs: $uri
Suites: $codename-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $uri
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  APT_UPDATED=0
}

APT_UPDATED=0
apt_update() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
}

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

install_packages() {
  local codename missing bp_missing
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_update
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  # Catch2 v3: bookworm itself ships v2, so take it from backports.
  if ! dpkg-query -W -f='${Version}' libcatch2-dev 2>/dev/null | grep -q '^3'; then
    apt_update
    log "installing ${BACKPORT_PACKAGES[*]} from $codename-backports"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      -t "$codename-backports" "${BACKPORT_PACKAGES[@]}"
  fi
}

# ------------------------------------------------------------------------------------------------
# Kokkos: use an installed one if CMake can find it (Kokkos_ROOT), else build 3.4.01 into the cache.

have_kokkos() {
  [ -n "${Kokkos_ROOT:-}" ] && [ -f "$Kokkos_ROOT/lib/cmake/Kokkos/KokkosConfig.cmake" ] && return 0
  [ -f "$KOKKOS_PREFIX/lib/cmake/Kokkos/KokkosConfig.cmake" ] && return 0
  return 1
}

build_kokkos() {
  local work="$CACHE/kokkos-src" src
  mkdir -p "$work"
  if ! ls "$work"/trilinos_*.orig.tar.* >/dev/null 2>&1; then
    apt_update
    log "downloading Debian's trilinos source package (for its Kokkos folder)"
    (cd "$work" && apt-get source --download-only -qq trilinos)
  fi
  src="$work/kokkos-$KOKKOS_VERSION"
  if [ ! -f "$src/CMakeLists.txt" ]; then
    rm -rf "$src" && mkdir -p "$src"
    log "extracting packages/kokkos"
    tar -xf "$(ls "$work"/trilinos_*.orig.tar.* | head -n1)" -C "$src" --strip-components=3 \
      --wildcards '*/packages/kokkos/*'
  fi
  log "building Kokkos $KOKKOS_VERSION (Serial + OpenMP) into $KOKKOS_PREFIX"
  cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$KOKKOS_PREFIX" -DCMAKE_CXX_STANDARD=17 \
    -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_OPENMP=ON -DKokkos_ENABLE_TESTS=OFF \
    -DKokkos_ENABLE_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON >/dev/null
  cmake --build "$work/build" --parallel
  cmake --install "$work/build" >/dev/null
  rm -rf "$work/build"
}

# ------------------------------------------------------------------------------------------------
# Data: the KJV text from Debian's bible-kjv-text, extracted into the cache (never committed).

extract_corpus() {
  local out="$CACHE/data/kjv.txt"
  [ -s "$out" ] && return 0
  if [ -x "$ROOT/scripts/extract-kjv.sh" ]; then
    mkdir -p "$CACHE/data"
    "$ROOT/scripts/extract-kjv.sh" "$out"
  fi
}

main() {
  mkdir -p "$CACHE"
  if [ -f "$STAMP" ] && [ -z "$(missing_packages "${PACKAGES[@]}" "${BACKPORT_PACKAGES[@]}")" ] && have_kokkos; then
    extract_corpus
    log "up to date"
    return 0
  fi
  ensure_sources
  install_packages
  have_kokkos || build_kokkos
  extract_corpus
  date -u +%FT%TZ >"$STAMP"
  log "done"
}
main "$@"
