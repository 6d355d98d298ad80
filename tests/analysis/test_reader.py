"""tests/analysis/test_reader.py — analysis/plots/xpb_results.py on a real result set.

usage: test_reader.py RESULTS.h5. Checks load_summary (the h5py-only fallback, and pandas when
installed), load_samples and load_cells against the file's own numbers.
"""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis", "plots"))
import xpb_results  # noqa: E402


def main(path):
    s = xpb_results.load_summary(path, use_pandas=False)
    assert isinstance(s, dict), type(s)
    for col in ("cell", "kind", "metric", "platform", "median", "n"):
        assert col in s, f"summary lacks {col}"
    n = len(s["cell"])
    assert n > 0 and all(len(v) == n for v in s.values())
    assert isinstance(s["cell"][0], str), "strings must be decoded"
    kinds = set(s["kind"])
    assert {"measured", "projected"} <= kinds, kinds

    cells = xpb_results.load_cells(path)
    assert cells and all(c["status"] == "ok" for c in cells)
    first = cells[0]
    samples = xpb_results.load_samples(path, first["id"], "step_seconds")
    with h5py.File(path, "r") as f:
        repeats = int(f["cells"][first["id"]].attrs["repeats"])
        direct = f["cells"][first["id"]]["measured/step_seconds"][()]
    assert len(samples) == repeats, (len(samples), repeats)
    assert np.array_equal(samples, direct)
    # The summary median equals the median of the samples.
    rows = [i for i in range(n) if s["cell"][i] == first["id"] and s["kind"][i] == "measured"
            and s["metric"][i] == "step_seconds"]
    assert rows and np.isclose(s["median"][rows[0]], np.median(samples), rtol=1e-12)
    assert first["flops"] > 0 and first["bytes"] > 0 and first["dtype"]
    assert "nvidia-h20" in first["projected"]
    try:
        xpb_results.load_samples(path, first["id"], "no_such_metric")
        raise AssertionError("expected KeyError")
    except KeyError:
        pass
    par = xpb_results.load_parity(path, use_pandas=False)
    assert "ratio_nominal" in par
    # One seed: no /seed_statistics, read as an empty table.
    assert xpb_results.load_seed_statistics(path, use_pandas=False) == {}
    attrs = xpb_results.load_attrs(path)
    assert attrs["schema"] == "xpubench.results"
    try:
        import pandas  # noqa: F401
        df = xpb_results.load_summary(path)
        assert len(df) == n
    except ImportError:
        print("pandas not installed: the h5py-only fallback was tested")
    print(f"reader ok: {n} summary rows, {len(cells)} cells")


if __name__ == "__main__":
    main(sys.argv[1])
