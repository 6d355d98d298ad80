#!/usr/bin/env bash
# scripts/validate-dp.sh — the data-parallel model check of docs/distributed.md: runs
# experiments/dp-scaling.yaml on 1, 2 and 4 MPI ranks (4 oversubscribes a 2-core host), one
# OpenMP thread per rank, and tabulates measured against projected step and exchange times.
# It also checks that the loss datasets are the same at every rank count.
# Usage: scripts/validate-dp.sh [BUILD_DIR] [OUT_DIR]   (needs a calibrated host: make calibrate)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"; OUT="${2:-results/dp-scaling}"
XPB="$BUILD/cli/xpubench"
mkdir -p "$OUT"
export OMP_NUM_THREADS=1 OMP_PROC_BIND=false
"$XPB" run experiments/dp-scaling.yaml -o "$OUT/ranks1.h5" --force >/dev/null
for n in 2 4; do
  mpirun -n "$n" --allow-run-as-root --oversubscribe "$XPB" run experiments/dp-scaling.yaml \
    -o "$OUT/ranks$n.h5" --force >/dev/null
done
/usr/bin/python3 - "$OUT" <<'PY'
import sys, h5py, numpy as np
out = sys.argv[1]
files = {n: h5py.File(f"{out}/ranks{n}.h5", "r") for n in (1, 2, 4)}
print("| workload | ranks | measured step ms | projected step ms [range] | error | measured exchange % | projected exchange % | wait % | losses equal to 1 rank |")
print("|---|---|---|---|---|---|---|---|---|")
for cid in sorted(files[1]["cells"], key=lambda c: files[1]["cells"][c].attrs["index"]):
    ref = files[1]["cells"][cid]["measured/loss"][()]
    for n, f in files.items():
        g = f["cells"][cid]
        meas = float(np.median(g["measured/step_seconds"][()]))
        h = g["projected/host"]
        if h.attrs["ok"] != 1:
            print(f"| {g.attrs['workload']} | {n} | {meas*1e3:.2f} | unavailable: {h.attrs['reason']} | | | | | |")
            continue
        lo, nom, hi = h["step_seconds"][()]
        comm = h["comm_seconds"][()][1]
        m = g["metrics"]
        share = lambda k: f"{100*m[k][0]:.1f}" if k in m else "-"
        same = g["measured/loss"][()].tobytes() == ref.tobytes()
        print(f"| {g.attrs['workload']} | {n} | {meas*1e3:.2f} | {nom*1e3:.2f} [{lo*1e3:.2f}, {hi*1e3:.2f}] | "
              f"{100*(nom/meas-1):+.0f}% | {share('comm_share')} | {100*comm/nom:.1f} | {share('wait_share')} | {'yes' if same else 'NO'} |")
PY
