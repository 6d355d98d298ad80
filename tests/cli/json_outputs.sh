#!/bin/bash
# tests/cli/json_outputs.sh XPUBENCH EXPERIMENT TMPDIR — `--json` on every subcommand that has it:
# stdout is exactly one JSON object with "xpubench_json": 1, and its content agrees with the
# plain output (docs/json.md). Exit codes as without --json.
set -euo pipefail
bin=$1 exp=$2 tmp=$3/json_outputs
rm -rf "$tmp" && mkdir -p "$tmp"
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
# check NAME EXPECTED_RC PYTHON_ASSERTS -- ARGS...: run, check the status, parse stdout, assert.
check() {
  local name=$1 want=$2 asserts=$3; shift 4
  local rc=0
  "$bin" "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" || rc=$?
  [ "$rc" = "$want" ] || fail "$name: exit $rc, want $want: $(cat "$tmp/$name.err")"
  $py -c "import json,os,sys; T=os.path.dirname(sys.argv[1]); d=json.load(open(sys.argv[1])); assert d['xpubench_json']==1, d; $asserts" \
    "$tmp/$name.json" || fail "$name: bad JSON output: $(head -c 400 "$tmp/$name.json")"
  echo "ok: $name"
}
"$bin" run "$exp" -o "$tmp/a.h5" >/dev/null 2>&1
"$bin" run "$exp" -o "$tmp/b.h5" >/dev/null 2>&1

# list: the names match the first column of the plain table (its header and rule dropped).
"$bin" list workloads | awk 'NR>2 {print $1}' | sort >"$tmp/workloads.txt"
check list_workloads 0 "names=sorted(i['name'] for i in d['items']); \
assert names==open(T+'/workloads.txt').read().split(), names" \
  -- list workloads --json
check list_platforms 0 "assert 'nvidia-h20' in [i['name'] for i in d['items']] and all(i['ok'] for i in d['items'])" \
  -- list platforms --json
check list_experiments 0 "assert any(i['path'].endswith('quickstart.yaml') for i in d['items'])" \
  -- list experiments --json
check list_paths 0 "assert d['list']=='paths' and all(i['path'] for i in d['items'])" -- list paths --json

# show
check show_workload 0 "p={x['name']:x for x in d['parameters']}; \
assert d['name']=='stream' and p['dtype']['range']=='fp32|fp64' and isinstance(p['n']['default'], int), p" \
  -- show workload stream --json
check show_platform 0 "assert d['name']=='nvidia-h20' and d['peak_flops']['fp32']['nominal']>1e12 \
and 'name:' in d['descriptor_yaml'], d['peak_flops']" -- show platform nvidia-h20 --json
check show_schema 0 "assert '|' in d['markdown']" -- show schema experiment --json

# expand: as many cells as `run --dry-run` lists, with the same ids.
"$bin" run "$exp" --dry-run | awk '{print $1}' >"$tmp/ids.txt"
check expand 0 "ids=open(T+'/ids.txt').read().split(); \
assert [c['id'] for c in d['cells']]==ids and len(ids)==2 and d['cells'][0]['params']['n']==16384, d['cells']" \
  -- expand "$exp" --json

# validate: one object for all files; a bad file still exits 2 with `error:` on stderr.
check validate 0 "assert d['ok'] and d['files'][0]['type']=='experiment' and d['files'][0]['cells']==2" \
  -- validate "$exp" --json
printf 'name: broken\nworkloads:\n  - workload: straem\n' >"$tmp/bad.yaml"
check validate_bad 2 "assert not d['ok'] and [f['ok'] for f in d['files']]==[True, False]" \
  -- validate "$exp" "$tmp/bad.yaml" --json
grep -q "^error: .*straem" "$tmp/validate_bad.err" || fail "validate_bad: no error on stderr"

# compare: equal without timings (exit 0); different with --timings (exit 1), every difference listed.
check compare_equal 0 "assert d['equal'] and d['differences']==[] and d['compared']>0" \
  -- compare "$tmp/a.h5" "$tmp/b.h5" --json
check compare_timings 1 "assert not d['equal'] and len(d['differences'])>20 \
and all(x['path'] for x in d['differences'])" -- compare "$tmp/a.h5" "$tmp/b.h5" --timings -n 1 --json
if "$bin" compare "$tmp/a.h5" "$tmp/missing.h5" --json >"$tmp/cmp_err.out" 2>"$tmp/cmp_err.err"; then
  fail "compare with a missing file exited 0"
else
  rc=$?; [ "$rc" = 2 ] || fail "compare with a missing file: exit $rc"
fi
[ ! -s "$tmp/cmp_err.out" ] && grep -q "^error: " "$tmp/cmp_err.err" || fail "compare error: not on stderr"

# verify: progress stays on stderr.
check verify 0 "assert d['reproduced'] and d['cells']==2 and not d['rerun_kept'] and d['comparison']['equal']" \
  -- verify "$tmp/a.h5" --json
grep -q "\[2/2\]" "$tmp/verify.err" || fail "verify: no progress on stderr"

# run: one object; its cells are those of the file (ids as `run --dry-run`), and a two-seed run has
# statistics over the seeds whose n is 2 and whose mean lies between the two cells' values.
check run 0 "ids=open(T+'/ids.txt').read().split(); \
assert [c['id'] for c in d['cells']]==ids and d['ran']==2 and d['exit_code']==0 \
and all(c['status']=='ok' and c['step_seconds']['n']>0 for c in d['cells']) and d['seed_statistics']==[], d" \
  -- run "$exp" -o "$tmp/c.h5" --json
printf 'name: two-seeds\nseeds: [1, 2]\nrepeats: 2\nwarmup: 0\nworkloads:\n  - workload: stream\n    params: {n: 1024}\n' \
  >"$tmp/seeds.yaml"
check run_seeds 0 "c=d['cells']; assert [x['seed'] for x in c]==[1, 2], c; \
s=[r for r in d['seed_statistics'] if r['metric']=='triad_bandwidth'][0]; \
v=[x['metrics']['triad_bandwidth']['value'] for x in c]; \
assert s['n']==2 and s['seeds']=='1,2' and min(v)<=s['mean']<=max(v) and s['ci95_low']<=s['mean']<=s['ci95_high'], s" \
  -- run "$tmp/seeds.yaml" -o "$tmp/s.h5" --json
# The Python reader gives the same statistics, and they are those of the two cells' /summary values.
$py - "$tmp/s.h5" "$(dirname "$0")/../../analysis/plots" <<'PYEOF' || fail "xpb_results.load_seed_statistics"
import sys, statistics
sys.path.insert(0, sys.argv[2])
import xpb_results
st = xpb_results.load_seed_statistics(sys.argv[1], use_pandas=False)
su = xpb_results.load_summary(sys.argv[1], use_pandas=False)
i = [k for k, m in enumerate(st["metric"]) if m == "triad_bandwidth"][0]
v = [su["last"][k] for k, m in enumerate(su["metric"]) if m == "triad_bandwidth" and su["kind"][k] == "metric"]
assert len(v) == 2 and st["n"][i] == 2, (v, st["n"][i])
assert abs(st["mean"][i] - statistics.mean(v)) <= 1e-12 * abs(st["mean"][i]), (st["mean"][i], v)
assert abs(st["sd"][i] - statistics.stdev(v)) <= 1e-9 * max(abs(st["sd"][i]), 1e-300), (st["sd"][i], v)
assert abs((st["ci95_high"][i] - st["mean"][i]) - 12.706 * st["sd"][i] / 2 ** 0.5) <= 1e-9 * st["mean"][i]
PYEOF
echo "ok: xpb_results.load_seed_statistics"
check run_dry 0 "assert d['dry_run'] and [c['seed'] for c in d['cells']]==[1, 2]" -- run "$tmp/seeds.yaml" --dry-run --json

# schema, export, plot, calibrate, report, project: the remaining subcommands.
check schema 0 "assert d['schema']['version']>=2 and d['output'] is None and d['format']=='md'" -- schema --json
check export 0 "assert d['format']=='gbench' and d['benchmarks']==len(d['document']['benchmarks'])>0" \
  -- export "$tmp/a.h5" --json
check export_file 0 "assert d['output'].endswith('g.json') and 'document' not in d \
and d['benchmarks']==len(json.load(open(d['output']))['benchmarks'])" -- export "$tmp/a.h5" -o "$tmp/g.json" --json
if $py -c 'import matplotlib' 2>/dev/null; then
  check plot 0 "assert d['files'] and all(os.path.exists(f) for f in d['files'])" \
    -- plot "$tmp/a.h5" -o "$tmp/plots" --json
fi
check calibrate 0 "assert d['platform']['name']=='cal' and d['platform']['kind']=='host' and os.path.exists(d['output'])" \
  -- calibrate --quick --link-ranks 0 -o "$tmp/cal.yaml" --json
check report 0 "assert d['schema']=='xpubench.report' and d['records']" -- report "$tmp/a.h5" --format json
check project 0 "assert d['schema']=='xpubench.projection'" \
  -- project --model llama-3.1-8b --platform nvidia-h20 --devices 8 --global-batch 64 --json

# version: the same facts as the text.
"$bin" --version >"$tmp/version.txt"
check version 0 "assert ('xpubench '+d['version']) in open(T+'/version.txt').read() \
and d['workloads'][0] and d['git_commit'] and d['cxx_standard']>=17" -- --version --json
echo "all --json outputs parsed"
