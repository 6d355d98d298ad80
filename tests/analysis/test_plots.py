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
    print(f"plots ok: {sorted(stems)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
