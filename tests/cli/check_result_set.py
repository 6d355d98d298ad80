#!/usr/bin/python3
"""Checks a quickstart result set with h5py alone: provenance, cells, summary table, parity."""
import json
import os
import sys

import h5py
import numpy as np

# The version this build writes, from the generated schema description (analysis/plots/xpb_schema.json).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis", "plots",
                       "xpb_schema.json"), encoding="utf-8") as sf:
    SCHEMA_VERSION = json.load(sf)["version"]

path = sys.argv[1]
expected_cells = int(sys.argv[2]) if len(sys.argv) > 2 else None
with h5py.File(path, "r") as f:
    for key in ("schema", "schema_version", "tool_version", "git_commit", "git_dirty", "compiler",
                "cxx_flags", "kokkos_version", "kokkos_backend", "kokkos_threads", "host",
                "command_line", "created_utc", "experiment_yaml", "experiment_sha256"):
        assert key in f.attrs, f"missing root attribute {key}"
    assert f.attrs["schema"] == "xpubench.results"
    assert int(f.attrs["schema_version"]) == SCHEMA_VERSION, int(f.attrs["schema_version"])
    cells = list(f["cells"])
    if expected_cells is None:
        expected_cells = int(f.attrs["experiment_cells"])
    assert len(cells) == expected_cells, (len(cells), expected_cells)
    for cid in cells:
        g = f["cells"][cid]
        assert g.attrs["status"] in ("ok", "invalid", "failed", "skipped"), g.attrs["status"]
        if g.attrs["status"] == "ok":
            s = g["measured/step_seconds"][()]
            assert s.ndim == 1 and len(s) >= 1 and np.all(s > 0)
            led = g["ledger"][()]
            assert len(led) >= 1 and "flops" in led.dtype.names
    for name in f["platforms"]:
        p = f["platforms"][name]
        assert len(p.attrs["sha256"]) == 64 and len(p.attrs["descriptor_yaml"]) > 0
    summary = f["summary"][()]
    assert {"cell", "metric", "median", "q1", "q3", "n"} <= set(summary.dtype.names)
    assert len({r["cell"] for r in summary}) == len(cells)
    parity = f["parity"][()]
    assert "verdict" in parity.dtype.names
print(f"OK: {path}: {len(cells)} cells")
