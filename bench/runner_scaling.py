#!/usr/bin/python3
"""bench/runner_scaling.py — does the runner's cost per cell stay flat as a sweep grows? (issue 17)

Runs one sweep of N trivial cells (a 1,024-element `stream` triad, one timed repeat, no warm-up,
projected onto two descriptors) with `xpubench run`, then reads each cell's started_utc
(millisecond resolution) back from the result set. The interval between the starts of two
consecutive cells is everything the runner and the store spend on a cell (measure, project,
save) plus the cell's own kernel time, which is microseconds here and is subtracted. The final
merge of the journal into the file, after the last cell, is reported on its own.

Targets (issue 17, item 3): overhead under 5 ms per cell, and the mean over the last 100 cells
within 1.5x of the mean over the first 100. Meaningful only on an otherwise idle machine.

    /usr/bin/python3 bench/runner_scaling.py --xpubench build/cli/xpubench [--cells 2000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def parse_utc(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 UTC timestamp such as 2026-12-03T06:30:01.042Z."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc).timestamp()


def experiment(cells: int) -> str:
    """A sweep of `cells` stream cells, each a distinct size near 1k elements."""
    sizes = ", ".join(str(1024 + i) for i in range(cells))
    return (
        "name: runner-scaling\n"
        "description: trivial cells, to time the runner and the result store per cell\n"
        "seed: 1\nrepeats: 1\nwarmup: 0\n"
        "platforms: [nvidia-h20, alibaba-zhenwu-810e]\n"
        "workloads:\n"
        "  - workload: stream\n"
        f"    params: {{n: [{sizes}], dtype: fp32}}\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xpubench", default="build/cli/xpubench")
    ap.add_argument("--cells", type=int, default=2000)
    ap.add_argument("--window", type=int, default=100, help="cells averaged at each end")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        exp = os.path.join(tmp, "scaling.yaml")
        out = os.path.join(tmp, "scaling.h5")
        with open(exp, "w", encoding="utf-8") as f:
            f.write(experiment(args.cells))
        env = dict(os.environ, OMP_NUM_THREADS="1", OMP_PROC_BIND="false")
        t0 = time.time()
        subprocess.run([args.xpubench, "run", exp, "-o", out], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t1 = time.time()
        with h5py.File(out, "r") as f:
            cells = sorted(f["cells"].values(), key=lambda g: int(g.attrs["index"]))
            starts = np.array([parse_utc(g.attrs["started_utc"]) for g in cells])
            last_finish = parse_utc(cells[-1].attrs["finished_utc"])
            kernel = np.array([float(np.sum(g["measured/step_seconds"][()])) for g in cells])
            statuses = {g.attrs["status"] for g in cells}

    n = len(starts)
    if n != args.cells or statuses != {"ok"}:
        print(f"FAIL: {n} cells stored (statuses {sorted(statuses)}), {args.cells} asked for")
        return 1
    per_cell = (np.diff(starts) - kernel[:-1]) * 1e3  # ms: cell i's runner + store overhead
    w = args.window
    first, last = per_cell[:w].mean(), per_cell[-w:].mean()
    mean = per_cell.mean()
    ratio = last / first
    print(f"{n} cells in {t1 - t0:.1f} s wall (start-up, {n} cells, final merge); "
          f"kernel time {kernel.sum() * 1e3:.1f} ms in all")
    print(f"final merge of the journal after the last cell: {(t1 - last_finish):.2f} s "
          "(includes process exit)")
    rows = [
        ("overhead per cell, all cells", f"{mean:.2f} ms", "< 5 ms", mean < 5.0),
        (f"overhead per cell, first {w}", f"{first:.2f} ms", "", None),
        (f"overhead per cell, last {w}", f"{last:.2f} ms", "", None),
        (f"last {w} / first {w}", f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5),
        ("slowest cell's overhead", f"{per_cell.max():.1f} ms", "", None),
    ]
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("pass" if ok else "FAIL")
        print(f"  {name:<32} {value:>10}  {target:>8}  {verdict}")
    return 0 if all(ok for *_, ok in rows if ok is not None) else 1


if __name__ == "__main__":
    sys.exit(main())
