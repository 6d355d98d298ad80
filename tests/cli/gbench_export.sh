#!/bin/bash
# tests/cli/gbench_export.sh XPUBENCH EXPERIMENT TMPDIR — `xpubench export --format gbench`:
# two runs of one experiment exported as Google Benchmark JSON; every timed step is one
# repetition, the aggregates agree with the step times read from the HDF5 file by h5py, and
# compare.py of libbenchmark-tools compares the two files with its U test.
set -euo pipefail
bin=$1 exp=$2 tmp=$3/gbench
rm -rf "$tmp" && mkdir -p "$tmp"
for r in a b; do
  "$bin" run "$exp" -o "$tmp/$r.h5" >/dev/null
  "$bin" export "$tmp/$r.h5" --format gbench -o "$tmp/$r.json"
done
# No overwrite without --force.
if "$bin" export "$tmp/a.h5" -o "$tmp/a.json" 2>"$tmp/err"; then echo "FAIL: overwrote a.json"; exit 1; fi
grep -q "exists" "$tmp/err" || { echo "FAIL: no 'exists' in: $(cat "$tmp/err")"; exit 1; }

/usr/bin/python3 - "$tmp" <<'PY'
import json, sys, statistics
import h5py
tmp = sys.argv[1]
for r in "ab":
    doc = json.load(open(f"{tmp}/{r}.json"))
    with h5py.File(f"{tmp}/{r}.h5", "r") as f:
        cells = {c: f[f"cells/{c}"] for c in f["cells"]}
        want = {}
        for cid, g in cells.items():
            if "measured/step_seconds" in g:
                label = g.attrs["label"]
                label = label.decode() if isinstance(label, bytes) else str(label)
                want[label.replace(" ", "/")] = [float(x) for x in g["measured/step_seconds"][()]]
    its = {}
    aggs = {}
    for b in doc["benchmarks"]:
        assert b["time_unit"] == "ns", b
        if b["run_type"] == "iteration":
            its.setdefault(b["name"], []).append((b["repetition_index"], b["real_time"] * 1e-9))
            assert b["repetitions"] == len(want[b["name"]]), b
        else:
            aggs[(b["run_name"], b["aggregate_name"])] = b["real_time"] * 1e-9
    assert set(its) == set(want), (sorted(its), sorted(want))
    for name, steps in want.items():
        got = [t for _, t in sorted(its[name])]
        assert all(abs(g - w) <= 1e-9 * w for g, w in zip(got, steps)) and len(got) == len(steps), (name, got, steps)
        for agg, ref in (("mean", statistics.mean(steps)), ("median", statistics.median(steps)),
                         ("stddev", statistics.stdev(steps))):
            assert abs(aggs[(name, agg)] - ref) <= 1e-9 * max(ref, 1e-12), (name, agg, aggs[(name, agg)], ref)
print("gbench JSON matches the step times of both result sets")
PY

out=$(/usr/bin/python3 /usr/share/benchmark/compare.py --no-color benchmarks "$tmp/a.json" "$tmp/b.json")
echo "$out"
n=$(grep -c '_pvalue' <<<"$out" || true)
cells=$(/usr/bin/python3 -c "import json,sys; print(len({b['name'] for b in json.load(open(sys.argv[1]))['benchmarks'] if b['run_type']=='iteration'}))" "$tmp/a.json")
[ "$n" = "$cells" ] || { echo "FAIL: compare.py printed $n U tests for $cells benchmarks"; exit 1; }
echo "compare.py: $n U tests"
