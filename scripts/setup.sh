#!/usr/bin/env bash
# scripts/setup.sh [--cuda] — install everything xpubench needs on Debian bookworm, idempotently.
#
# Debian packages (toolchain, HDF5, yaml-cpp, CLI11, nlohmann-json, OpenBLAS, OpenMPI, Python tools,
# Chromium for the HTML report's test, Catch2 v3 from bookworm-backports) and, when no Kokkos >= 3.4
# is found, Kokkos 3.4.01 (Serial + OpenMP) built from the Kokkos folder of Debian's trilinos source
# package into .cache/kokkos-<version>.
# Also the Kokkos 5 headers of Debian sid's libkokkos-dev (.cache/kokkos5-headers), for the
# compile-only check of every source against Kokkos 5 (scripts/check-cxx20.sh --kokkos): the .deb
# is fetched through a private apt configuration under .cache, never through the machine's sources.
# Where nvcc is found (PATH, $CUDA_HOME, /usr/local/cuda), also the Kokkos source patched for CUDA 13
# (scripts/patches/kokkos-3.4.01-cuda13.patch) in .cache/kokkos-<version>-cuda-src: the CUDA
# device-code check of `make test` (scripts/check-cuda.sh) configures it in-tree; nothing is built.
#   --cuda   also Kokkos 3.4.01 with CUDA + Serial (nvcc_wrapper, Kokkos_ARCH_AMPERE80), built from
#            that source into .cache/kokkos-<version>-cuda for the full CUDA build (make cuda);
#            skipped with a message when no nvcc is found.
# Apt sources for deb-src and backports are derived from the machine's own sources file; no
# archive host name is written here. A second run only checks, and takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${XPB_CACHE_DIR:-$ROOT/.cache}"
KOKKOS_VERSION=3.4.01
KOKKOS_PREFIX="$CACHE/kokkos-$KOKKOS_VERSION"
KOKKOS_CUDA_PREFIX="$CACHE/kokkos-$KOKKOS_VERSION-cuda"
KOKKOS_CUDA_PATCH="$ROOT/scripts/patches/kokkos-$KOKKOS_VERSION-cuda13.patch"
KOKKOS_CUDA_SRC="$CACHE/kokkos-$KOKKOS_VERSION-cuda-src"
KOKKOS5_DIR="$CACHE/kokkos5-headers"
STAMP="$CACHE/setup.stamp"
WANT_CUDA=0
for arg in "$@"; do
  case "$arg" in
    --cuda) WANT_CUDA=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) printf 'setup: error: unknown option %s\nhint: scripts/setup.sh [--cuda]\n' "$arg" >&2; exit 2 ;;
  esac
done
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

log() { printf 'setup: %s\n' "$*" >&2; }

PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config git patch
  clang-format clang-tidy   # scripts/check-format.sh (make test) and .clang-tidy
  libhdf5-dev hdf5-tools libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libopenblas-dev
  libopenmpi-dev openmpi-bin
  python3 python3-h5py python3-numpy python3-matplotlib
  bible-kjv-text bible-kjv miscfiles
  wordnet-base zlib1g-dev   # the ERNIE lexicon's word lists (data/ernie-lexicon-sources.tsv)
  python3-torch   # the PyTorch cross-check of the GPT workload and its bench peer
  libbenchmark-tools python3-scipy   # compare.py reads `xpubench export --format gbench`
  chromium   # renders `xpubench report --format html` headless in its test (cli.report_html)
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
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || echo "$p"
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
  if ! dpkg-query -W -f='${Version}' libcatch2-dev 2>/dev/null | grep '^3' >/dev/null; then
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

# The pristine Kokkos folder of Debian's trilinos source package, extracted once; prints its path.
kokkos_source() {
  local work="$CACHE/kokkos-src" src
  mkdir -p "$work"
  if ! ls "$work"/trilinos_*.orig.tar.* >/dev/null 2>&1; then
    apt_update
    log "downloading Debian's trilinos source package (for its Kokkos folder)"
    (cd "$work" && apt-get source --download-only -qq trilinos) >&2
  fi
  src="$work/kokkos-$KOKKOS_VERSION"
  if [ ! -f "$src/CMakeLists.txt" ]; then
    rm -rf "$src" && mkdir -p "$src"
    log "extracting packages/kokkos"
    tar -xf "$(ls "$work"/trilinos_*.orig.tar.* | head -n1)" -C "$src" --strip-components=3 \
      --wildcards '*/packages/kokkos/*'
  fi
  printf '%s\n' "$src"
}

build_kokkos() {
  local work="$CACHE/kokkos-src" src
  src="$(kokkos_source)"
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
# Kokkos with CUDA (--cuda): the same source, patched for CUDA 13, built with Kokkos's nvcc_wrapper.

find_nvcc() {  # prints the nvcc to use, or nothing
  local c
  for c in "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" "$(command -v nvcc 2>/dev/null || true)" \
           /usr/local/cuda/bin/nvcc; do
    [ -n "$c" ] && [ -x "$c" ] && { printf '%s\n' "$c"; return 0; }
  done
  return 0
}

patch_sum() { sha256sum "$KOKKOS_CUDA_PATCH" | cut -c1-64; }

have_kokkos_cuda() {
  [ -f "$KOKKOS_CUDA_PREFIX/lib/cmake/Kokkos/KokkosConfig.cmake" ] &&
    [ -x "$KOKKOS_CUDA_PREFIX/bin/xpb-nvcc" ] &&
    [ "$(cat "$KOKKOS_CUDA_PREFIX/xpb-patch.sha256" 2>/dev/null)" = "$(patch_sum)" ]
}

# Writes DEST: the compiler a CUDA configuration uses, Kokkos's nvcc_wrapper (at WRAPPER) with this
# machine's CUDA and g++ as the host compiler.
write_nvcc_wrapper() {
  local dest="$1" wrapper="$2" cuda_root="$3"
  cat >"$dest" <<WRAP
#!/bin/sh
# Written by xpubench scripts/setup.sh: Kokkos's nvcc_wrapper with this machine's CUDA.
export CUDA_ROOT="\${CUDA_ROOT:-$cuda_root}"
export NVCC_WRAPPER_DEFAULT_COMPILER="\${NVCC_WRAPPER_DEFAULT_COMPILER:-g++}"
exec "$wrapper" "\$@"
WRAP
  chmod +x "$dest"
}

# The patched source: where there is no nvcc, nothing to do.
have_kokkos_cuda_source() {
  [ -z "$(find_nvcc)" ] ||
    { [ -x "$KOKKOS_CUDA_SRC/xpb-nvcc" ] &&
      [ "$(cat "$KOKKOS_CUDA_SRC/xpb-patch.sha256" 2>/dev/null)" = "$(patch_sum)" ]; }
}

prepare_kokkos_cuda_source() {
  local nvcc src
  nvcc="$(find_nvcc)"
  [ -n "$nvcc" ] || return 0
  src="$(kokkos_source)"
  rm -rf "$KOKKOS_CUDA_SRC" && mkdir -p "$KOKKOS_CUDA_SRC"
  cp -r "$src" "$KOKKOS_CUDA_SRC/kokkos"
  log "patching Kokkos $KOKKOS_VERSION for CUDA 13 ($(basename "$KOKKOS_CUDA_PATCH")) in $KOKKOS_CUDA_SRC"
  patch -s -p1 -d "$KOKKOS_CUDA_SRC/kokkos" <"$KOKKOS_CUDA_PATCH"
  write_nvcc_wrapper "$KOKKOS_CUDA_SRC/xpb-nvcc" "$KOKKOS_CUDA_SRC/kokkos/bin/nvcc_wrapper" \
    "$(cd "$(dirname "$nvcc")/.." && pwd)"
  patch_sum >"$KOKKOS_CUDA_SRC/xpb-patch.sha256"
}

build_kokkos_cuda() {
  local nvcc cuda_root work="$CACHE/kokkos-cuda-build"
  nvcc="$(find_nvcc)"
  if [ -z "$nvcc" ]; then
    log "no nvcc (looked in \$CUDA_HOME/bin, PATH, /usr/local/cuda/bin): no CUDA Kokkos, the CUDA build is skipped"
    return 0
  fi
  cuda_root="$(cd "$(dirname "$nvcc")/.." && pwd)"
  have_kokkos_cuda_source || prepare_kokkos_cuda_source
  log "building Kokkos $KOKKOS_VERSION (Cuda + Serial, AMPERE80) with $nvcc into $KOKKOS_CUDA_PREFIX"
  rm -rf "$KOKKOS_CUDA_PREFIX" "$work"
  CUDA_ROOT="$cuda_root" NVCC_WRAPPER_DEFAULT_COMPILER=g++ \
    cmake -S "$KOKKOS_CUDA_SRC/kokkos" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$KOKKOS_CUDA_SRC/kokkos/bin/nvcc_wrapper" \
    -DCMAKE_INSTALL_PREFIX="$KOKKOS_CUDA_PREFIX" -DCMAKE_CXX_STANDARD=17 \
    -C "$ROOT/cmake/kokkos-cuda.cmake" -DKokkos_ENABLE_TESTS=OFF -DKokkos_ENABLE_EXAMPLES=OFF \
    -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON >/dev/null
  CUDA_ROOT="$cuda_root" NVCC_WRAPPER_DEFAULT_COMPILER=g++ \
    cmake --build "$work" --parallel "${XPB_JOBS:-$(nproc)}"
  cmake --install "$work" >/dev/null
  # The compiler the project is configured with (CMakePresets.json, preset cuda).
  write_nvcc_wrapper "$KOKKOS_CUDA_PREFIX/bin/xpb-nvcc" "$KOKKOS_CUDA_PREFIX/bin/nvcc_wrapper" "$cuda_root"
  patch_sum >"$KOKKOS_CUDA_PREFIX/xpb-patch.sha256"
  rm -rf "$work"
}

# ------------------------------------------------------------------------------------------------
# Kokkos 5 headers: Debian sid's libkokkos-dev, downloaded through a private apt configuration
# (its own sources list, lists, cache and status under .cache; the machine's apt is untouched) from
# the machine's own Debian mirror, and unpacked into the cache. Compile-only: its library needs a
# newer glibc than bookworm's. The strict variant checked here is Kokkos built without deprecated
# code (Kokkos_ENABLE_DEPRECATED_CODE_5=OFF): Debian's build enables it, so that one define is
# dropped from the unpacked KokkosCore_config.h.

have_kokkos5_headers() { [ -f "$KOKKOS5_DIR/include/Kokkos_Core.hpp" ]; }

fetch_kokkos5_headers() {
  local codename uri apt="$CACHE/apt-sid" deb
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  uri="$(main_uri "$codename" | head -n1)"
  if [ -z "$uri" ]; then
    log "warning: no apt entry for '$codename' to derive a sid entry from; no Kokkos 5 headers"
    return 0
  fi
  rm -rf "$apt" && mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/sources.list.d" \
    "$apt/preferences.d"
  : >"$apt/status"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s sid main\n' "$uri" \
    >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
              -o "Dir::Etc::Preferences=$apt/preferences" -o "Dir::Etc::PreferencesParts=$apt/preferences.d"
              -o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status"
              -o "Dir::Cache=$apt" -o "Dir::Cache::archives=$apt/archives"
              -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  log "fetching Debian sid's libkokkos-dev (Kokkos 5 headers) through a private apt configuration"
  if ! apt-get "${opts[@]}" -qq update || ! (cd "$apt" && apt-get "${opts[@]}" -qq download libkokkos-dev); then
    log "warning: could not fetch libkokkos-dev from sid; the Kokkos 5 header check (build.kokkos5_headers) will fail"
    rm -rf "$apt"
    return 0
  fi
  deb="$(ls "$apt"/libkokkos-dev_*.deb | head -n1)"
  rm -rf "$KOKKOS5_DIR" "$apt/x" && dpkg-deb -x "$deb" "$apt/x"
  mkdir -p "$KOKKOS5_DIR" && mv "$apt/x/usr/include/kokkos" "$KOKKOS5_DIR/include"
  sed -i '/^#define KOKKOS_ENABLE_DEPRECATED_CODE_5$/d' "$KOKKOS5_DIR/include/KokkosCore_config.h"
  basename "$deb" >"$KOKKOS5_DIR/SOURCE"
  rm -rf "$apt"
  log "Kokkos 5 headers: $(cat "$KOKKOS5_DIR/SOURCE") in $KOKKOS5_DIR"
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

cuda_ready() { [ "$WANT_CUDA" = 0 ] || have_kokkos_cuda || [ -z "$(find_nvcc)" ]; }

main() {
  mkdir -p "$CACHE"
  if [ -f "$STAMP" ] && [ -z "$(missing_packages "${PACKAGES[@]}" "${BACKPORT_PACKAGES[@]}")" ] &&
     have_kokkos && have_kokkos5_headers && have_kokkos_cuda_source && cuda_ready; then
    extract_corpus
    [ "$WANT_CUDA" = 1 ] && ! have_kokkos_cuda && log "no nvcc found: no CUDA Kokkos"
    log "up to date"
    return 0
  fi
  ensure_sources
  install_packages
  have_kokkos || build_kokkos
  have_kokkos5_headers || fetch_kokkos5_headers
  have_kokkos_cuda_source || prepare_kokkos_cuda_source
  if [ "$WANT_CUDA" = 1 ] && ! have_kokkos_cuda; then build_kokkos_cuda; fi
  extract_corpus
  date -u +%FT%TZ >"$STAMP"
  log "done"
}
main "$@"
