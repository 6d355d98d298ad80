#!/usr/bin/env bash
# tests/mpi/dp_equals_accumulation.sh — data-parallel training on 2 MPI ranks against gradient
# accumulation on one process: every loss dataset and evaluation curve bit for bit equal; the DP
# cells record their ranks, measured communication, and a host projection of the DP step.
# Usage: dp_equals_accumulation.sh XPUBENCH MPIEXEC EXPERIMENT
set -euo pipefail
XPB="$1"; MPIEXEC="$2"; EXP="$3"; WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

OMP_NUM_THREADS=2 "$XPB" run "$EXP" -o "$WORK/one.h5" >"$WORK/one.out" 2>&1 \
  || { cat "$WORK/one.out"; exit 1; }
"$MPIEXEC" -n 2 --allow-run-as-root --oversubscribe "$XPB" run "$EXP" -o "$WORK/two.h5" \
  >"$WORK/two.out" 2>&1 || { cat "$WORK/two.out"; exit 1; }
grep -q "(ranks 0-1)" "$WORK/two.out" || { cat "$WORK/two.out"; echo "FAIL: no cell ran on both ranks"; exit 1; }

/usr/bin/python3 - "$WORK/one.h5" "$WORK/two.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
assert sorted(a["cells"]) == sorted(b["cells"]), "cell sets differ"
dp = 0
for cid in a["cells"]:
    ga, gb = a["cells"][cid], b["cells"][cid]
    wl = ga.attrs["workload"]
    assert ga.attrs["status"] == "ok" and gb.attrs["status"] == "ok", (cid, gb.attrs["reason"])
    la, lb = ga["measured/loss"][()], gb["measured/loss"][()]
    assert la.tobytes() == lb.tobytes(), f"{wl} {cid}: loss differs at step {np.argmax(la != lb)}"
    for s in ga.get("series", {}):
        va, vb = ga["series"][s]["values"][()], gb["series"][s]["values"][()]
        assert va.tobytes() == vb.tobytes(), f"{wl} {cid}: series {s} differs"
    if wl in ("gpt", "ernie"):
        dp += 1
        assert ga["metrics/dp_ranks"][0] == 1 and gb["metrics/dp_ranks"][0] == 2, cid
        assert "measured/comm_seconds" in gb and "measured/comm_seconds" not in ga, cid
        share = gb["metrics/comm_share"][0]
        assert 0 < share < 1, (cid, share)
        host = gb["projected/host"]
        assert host.attrs["ok"] == 1, (cid, host.attrs["reason"])
        proj = host["step_seconds"][1]
        comm = host["comm_seconds"][1]
        meas = np.median(gb["measured/step_seconds"][()])
        assert comm > 0, cid
        wait = gb["metrics/wait_share"][0]
        print(f"{wl} {cid}: {len(la)} losses equal; 2 ranks: measured {meas*1e3:.2f} ms, "
              f"projected {proj*1e3:.2f} ms (comm {comm*1e3:.3f} ms), comm share {share:.3f}, wait share {wait:.3f}")
    else:
        print(f"{wl} {cid}: {len(la)} losses equal (one rank)")
assert dp == 2, dp
print("PASS: 2-rank data parallelism equals 4-micro-batch accumulation bit for bit")
PY
