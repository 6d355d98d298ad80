"""tests/analysis/test_plots.py — checks `xpubench plot` output: files, titles and axis labels.

usage: test_plots.py RESULTS.h5 PLOT_DIR. Reads the manifest plots.json that plot_results.py
writes from the figures themselves, and the SVG text, which keeps titles as <text> elements.
"""
import json
import os
import sys


def main(results, outdir):
    with open(os.path.join(outdir, "plots.json")) as f:
        manifest = json.load(f)
    stems = {m["stem"] for m in manifest}
    assert "parity" in stems, f"no parity chart in {sorted(stems)}"
    rooflines = [s for s in stems if s.startswith("roofline_")]
    assert rooflines, f"no roofline chart in {sorted(stems)}"
    assert "roofline_nvidia-h20" in stems, "no roofline for the reference platform"
    for m in manifest:
        assert m["title"], f"{m['stem']}: empty title"
        assert m["xlabel"] and m["ylabel"], f"{m['stem']}: axis labels missing"
        for name in m["files"]:
            p = os.path.join(outdir, name)
            assert os.path.getsize(p) > 1000, f"{p}: too small"
        png = os.path.join(outdir, m["stem"] + ".png")
        with open(png, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", f"{png}: not a PNG"
        svg = os.path.join(outdir, m["stem"] + ".svg")
        with open(svg, encoding="utf-8") as f:
            text = f.read()
        assert "<svg" in text, f"{svg}: not an SVG"
        first_word = m["title"].split()[0]
        assert first_word in text, f"{svg}: title text {first_word!r} not found"
    roof = next(m for m in manifest if m["stem"] == "roofline_nvidia-h20")
    assert "projected" in roof["title"], "a descriptor roofline must say it is projected"
    assert "intensity" in roof["xlabel"] and "FLOP/s" in roof["ylabel"]
    par = next(m for m in manifest if m["stem"] == "parity")
    assert "projected" in par["title"] and "speed ratio" in par["ylabel"]
    check_curves(results, outdir)
    print(f"plots ok: {sorted(stems)} + curves")


def check_curves(results, outdir):
    """The quickstart has no training series: add a loss curve to a copy and plot that."""
    import shutil
    import h5py
    import numpy as np
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis", "plots"))
    import plot_results
    copy = os.path.join(outdir, "with-series.h5")
    shutil.copyfile(results, copy)
    with h5py.File(copy, "r+") as f:
        cell = sorted(f["cells"].keys())[0]
        f[f"cells/{cell}/series/loss/values"] = np.linspace(5.0, 2.0, 20)
        f[f"cells/{cell}/series/loss/index"] = np.arange(20, dtype=float)
    out = os.path.join(outdir, "curves-test")
    assert plot_results.main([copy, "-o", out]) == 0
    with open(os.path.join(out, "plots.json")) as f:
        manifest = {m["stem"]: m for m in json.load(f)}
    assert "curves" in manifest, sorted(manifest)
    c = manifest["curves"]
    # The quickstart's GPT cell brings its own eval_loss curve; either curve may be the one drawn.
    assert c["xlabel"] == "step" and c["ylabel"] in ("loss", "eval_loss"), c
    assert c["title"].startswith(c["ylabel"]), c
    assert all(os.path.getsize(os.path.join(out, n)) > 1000 for n in c["files"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
