#!/usr/bin/env bash
# tests/cli/flagship.sh XPUBENCH H20_PARITY_YAML — the flagship experiment out of the box: run on
# one process it exits 0; its allreduce cells (they need 2 ranks) are stored as `skipped` with the
# reason and projected onto every platform, with parity rows; the report gives each skipped cell's
# reason once, not once per platform.
set -uo pipefail
XPB="$1"; EXP="$2"; T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
start=$(date +%s)
"$XPB" run "$EXP" -o "$T/h20.h5" >"$T/out" 2>"$T/err"; rc=$?
echo "xpubench run $(basename "$EXP"): exit $rc in $(( $(date +%s) - start )) s"
[ "$rc" = 0 ] || { cat "$T/out" "$T/err"; fail "exit $rc, expected 0"; }
grep -q "3 cell(s) need more MPI ranks" "$T/out" || { cat "$T/out"; fail "no note on the skipped cells"; }
/usr/bin/python3 - "$T/h20.h5" "$T/allreduce-ids" <<'PY' || exit 1
import sys, h5py
f = h5py.File(sys.argv[1], "r")
cells = f["cells"]
status = {c: cells[c].attrs["status"] for c in cells}
status = {c: (s.decode() if isinstance(s, bytes) else s) for c, s in status.items()}
ar = [c for c in cells if cells[c].attrs["workload"] in ("allreduce", b"allreduce")]
assert len(ar) == 3, ar
for c in ar:
    g = cells[c]
    assert status[c] == "skipped", (c, status[c])
    reason = g.attrs["reason"]
    reason = reason.decode() if isinstance(reason, bytes) else reason
    assert "needs >= 2 MPI ranks" in reason, reason
    assert len(g["measured/step_seconds"]) == 0, "a skipped cell has no measured steps"
    proj = g["projected"]
    assert len(proj) == 7, list(proj)
    for p in proj:  # the host has no interconnect: its self-check projection says so
        assert p == "host" or proj[p].attrs["ok"] == 1, (c, p, proj[p].attrs["reason"])
parity = f["parity"][()]
for c in ar:
    rows = [r for r in parity if r["cell"].decode() == c]
    assert len(rows) >= 6 and all(r["verdict"].decode() != "unavailable" for r in rows), (c, rows)
others = [c for c in status if c not in ar]
assert all(status[c] == "ok" for c in others), {c: status[c] for c in others if status[c] != "ok"}
print(f"{len(others)} cells ok, {len(ar)} allreduce cells skipped and projected onto the 6 accelerator descriptors")
open(sys.argv[2], "w").write("\n".join(ar) + "\n")
PY
"$XPB" report "$T/h20.h5" -o "$T/report.md" || fail "report"
for c in $(cat "$T/allreduce-ids"); do
  n=$(grep "^- $c:" "$T/report.md" | grep -o "needs >= 2 MPI ranks" | wc -l)
  [ "$n" -le 1 ] || { grep "^- $c:" "$T/report.md"; fail "the portability note repeats the reason $n times for $c"; }
done
echo "PASS: h20-parity on one process exits 0, allreduce skipped and projected"
