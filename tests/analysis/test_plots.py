"""tests/analysis/test_plots.py — checks `xpubench plot` output and the figures behind it.

usage: test_plots.py RESULTS.h5 PLOT_DIR. Reads the manifest plots.json that plot_results.py
writes from the figures themselves, the SVG text (titles stay <text> elements) and the PNG
headers, then asks plot_results.py for the matplotlib figures of the same result set and checks
the rules a printed figure follows: labels name only varying parameters, no image is wider than
1,600 px, measured points carry IQR whiskers, parity sits on a log axis with its band shaded,
every y axis names its unit, and only training cells are drawn against a "step" axis. The
expected values come from the file (h5py), not from the plotting code.
"""
import json
import os
import shutil
import struct
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis", "plots"))
import plot_results  # noqa: E402
import xpb_results  # noqa: E402

MAX_PX = 1600


def png_width(path: str) -> int:
    """Width in px from the PNG's IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    return struct.unpack(">I", head[16:20])[0]


def width_px(fig) -> float:
    return fig.get_size_inches()[0] * plot_results.DPI


def text(s: str) -> str:
    return s.decode("utf-8") if isinstance(s, bytes) else str(s)


def check_manifest(outdir: str) -> list:
    """Files, titles and axis labels of what `xpubench plot` wrote; every PNG at most 1,600 px wide."""
    with open(os.path.join(outdir, "plots.json")) as f:
        manifest = json.load(f)
    stems = {m["stem"] for m in manifest}
    assert "parity" in stems, f"no parity chart in {sorted(stems)}"
    assert "roofline_nvidia-h20" in stems, "no roofline for the reference platform"
    assert "roofline_host" in stems, "no roofline of the measured host"
    assert "curves" in stems, "the quickstart's GPT trains: a curves chart is expected"
    for m in manifest:
        assert m["title"], f"{m['stem']}: empty title"
        assert m["xlabel"] and m["ylabel"], f"{m['stem']}: axis labels missing"
        for name in m["files"]:
            p = os.path.join(outdir, name)
            assert os.path.getsize(p) > 1000, f"{p}: too small"
        png = os.path.join(outdir, m["stem"] + ".png")
        assert png_width(png) <= MAX_PX, f"{png}: {png_width(png)} px wide, more than {MAX_PX}"
        svg = os.path.join(outdir, m["stem"] + ".svg")
        with open(svg, encoding="utf-8") as f:
            svg_text = f.read()
        assert "<svg" in svg_text, f"{svg}: not an SVG"
        first_word = m["title"].split()[0]
        assert first_word in svg_text, f"{svg}: title text {first_word!r} not found"
    roof = next(m for m in manifest if m["stem"] == "roofline_nvidia-h20")
    assert "projected" in roof["title"], "a descriptor roofline must say it is projected"
    assert "intensity" in roof["xlabel"] and "FLOP/s" in roof["ylabel"]
    par = next(m for m in manifest if m["stem"] == "parity")
    assert "projected" in par["title"] and "speed ratio" in par["ylabel"]
    return sorted(stems)


def figures(results: str, outdir: str) -> dict:
    """{name: Figure} for every chart of the result set, built by plot_results.py's functions."""
    cells = xpb_results.load_cells(results)
    with open(os.path.join(outdir, "report.json")) as f:
        platforms = [p for p in json.load(f).get("platforms", []) if "error" not in p]
    iqr = plot_results.measured_iqr(results, cells)
    figs = {f"roofline_{p['name']}": plot_results.roofline_figure(cells, p, iqr) for p in platforms}
    figs = {k: v for k, v in figs.items() if v is not None}
    figs["parity"] = plot_results.parity_figure(results, cells)
    figs["curves"] = plot_results.curves_figure(cells)
    assert figs["curves"] is not None, "no curves figure for the quickstart's GPT"
    return figs


# ------------------------------------------------------------------------------------------------
# The rules

def check_labels_vary(results: str, figs: dict):
    """Legend entries and tick labels name a parameter only when it varies among the cells of
    its workload: stream's dtype and gemm's precision are constant in the quickstart."""
    params = {}
    with h5py.File(results, "r") as f:
        for cid, g in f["cells"].items():
            params.setdefault(text(g.attrs["workload"]), []).append(json.loads(text(g.attrs["params"])))
    constant, varying = set(), set()
    for group in params.values():
        for k in {k for p in group for k in p}:
            values = {json.dumps(p.get(k), sort_keys=True) for p in group}
            (varying if len(values) > 1 else constant).add(k)
    constant -= varying  # a key constant in one workload may vary in another
    assert "dtype" in constant and "precision" in constant, (constant, varying)
    assert "n" in varying, varying
    labels = []
    for name, fig in figs.items():
        for ax in fig.axes:
            legend = ax.get_legend()
            labels += [t.get_text() for t in legend.get_texts()] if legend else []
            labels += [t.get_text() for t in ax.get_xticklabels() if "=" in t.get_text()]
    assert labels, "no labels found"
    for label in labels:
        for k in constant:
            assert f"{k}=" not in label, f"label {label!r} names the constant parameter {k}"
    ticks = [t.get_text() for t in figs["parity"].axes[0].get_xticklabels()]
    assert len(set(ticks)) == len(ticks), f"parity cells are not told apart: {ticks}"
    assert any("n=" in t for t in ticks), f"the varying n is not shown: {ticks}"


def check_widths(results: str, figs: dict, outdir: str):
    """Every figure at most 1,600 px wide; many curves wrap onto rows of at most 4 panels."""
    for name, fig in figs.items():
        assert width_px(fig) <= MAX_PX, f"{name}: {width_px(fig):.0f} px wide"
    # A training cell with many curves (as ERNIE has): add copies of the GPT's loss to a copy.
    copy = os.path.join(outdir, "many-curves.h5")
    shutil.copyfile(results, copy)
    with h5py.File(copy, "r+") as f:
        cell = next(c for c, g in f["cells"].items() if "measured/loss" in g)
        loss = f[f"cells/{cell}/measured/loss"]
        for i in range(13):
            d = f.create_dataset(f"cells/{cell}/measured/extra_{i:02d}", data=loss[()])
            for k, v in loss.attrs.items():
                d.attrs[k] = v
    fig = plot_results.curves_figure(xpb_results.load_cells(copy))
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) >= 14, f"{len(shown)} panels for 14+ curves"
    columns = {round(ax.get_position().x0, 3) for ax in shown}
    assert len(columns) <= 4, f"{len(columns)} columns of panels"
    assert width_px(fig) <= MAX_PX, f"curves: {width_px(fig):.0f} px wide"
    out = os.path.join(outdir, "many-curves")
    assert plot_results.main([copy, "-o", out]) == 0
    assert png_width(os.path.join(out, "curves.png")) <= MAX_PX


def check_iqr_whiskers(results: str, figs: dict):
    """The host's measured points: whiskers from FLOPs / q3 to FLOPs / q1 of the /summary rows."""
    cells = {c["id"]: c for c in xpb_results.load_cells(results)}
    expected = []
    with h5py.File(results, "r") as f:
        s = f["summary"][()]
    for row in s:
        if text(row["kind"]) == "measured" and text(row["metric"]) == "step_seconds":
            c = cells[text(row["cell"])]
            if c["status"] == "ok" and c["flops"] > 0 and c["bytes"] > 0:
                expected.append((c["flops"] / row["q3"], c["flops"] / row["q1"]))
    assert expected, "no measured step_seconds rows"
    got = []
    for cont in figs["roofline_host"].axes[0].containers:
        if isinstance(cont, ErrorbarContainer):
            (seg,) = cont.lines[2][0].get_segments()
            got.append((seg[0][1], seg[1][1]))
    assert len(got) == len(expected), f"{len(got)} whiskered points, {len(expected)} measured cells"
    np.testing.assert_allclose(sorted(got), sorted(expected), rtol=1e-9, err_msg="host whiskers are not the IQR")


def check_parity(results: str, figs: dict):
    """Parity on a log axis with the file's parity band shaded around 1."""
    with h5py.File(results, "r") as f:
        band = float(f.attrs["parity_band"])
        ref = text(f.attrs["parity_reference"])
    ax = figs["parity"].axes[0]
    assert ax.get_yscale() == "log", f"parity y axis is {ax.get_yscale()}"
    assert ref in ax.get_ylabel()
    shaded = []
    for p in ax.patches:
        if isinstance(p, (Polygon, Rectangle)):
            ys = p.get_xy()[:, 1] if isinstance(p, Polygon) else [p.get_y(), p.get_y() + p.get_height()]
            shaded.append((min(ys), max(ys)))
    assert any(abs(lo - (1 - band)) < 1e-9 and abs(hi - (1 + band)) < 1e-9 for lo, hi in shaded), \
        f"no shaded band [{1 - band}, {1 + band}] among {shaded}"


def check_units(results: str, figs: dict):
    """Every y axis names a unit in parentheses; the curves' units are the file's @unit."""
    for name, fig in figs.items():
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            y = ax.get_ylabel()
            assert y.endswith(")") and "(" in y and y[y.rindex("(") + 1:-1].strip(), f"{name}: y label {y!r} has no unit"
    with h5py.File(results, "r") as f:
        units = {}
        for g in f["cells"].values():
            for n, d in (g["measured"].items() if "measured" in g and "measured/loss" in g else ()):
                units[n] = text(d.attrs.get("unit", "")) or "dimensionless"
    for ax in figs["curves"].axes:
        name = ax.get_title().split(" per step")[0]
        if ax.get_visible() and name in units:
            assert ax.get_ylabel() == f"{name} ({units[name]})", (ax.get_ylabel(), units[name])


def check_step_axis(results: str, figs: dict, outdir: str):
    """Only training cells (they record a per-step loss) are drawn against "step"; a
    micro-benchmark's per-repeat values are not. The quickstart's GEMM reports only timings per
    repeat, so a copy gives it a numeric per-repeat value (as a checksum would be)."""
    copy = os.path.join(outdir, "repeat-values.h5")
    shutil.copyfile(results, copy)
    with h5py.File(copy, "r+") as f:
        gemm = next(c for c, g in f["cells"].items() if text(g.attrs["workload"]) == "gemm")
        d = f.create_dataset(f"cells/{gemm}/measured/checksum", data=np.linspace(1.0, 2.0, 5))
        d.attrs["unit"], d.attrs["kind"] = "", "numeric"
    cells = xpb_results.load_cells(copy)
    labels = plot_results.varying_labels(cells)
    training, repeats = set(), set()
    with h5py.File(copy, "r") as f:
        for cid, g in f["cells"].items():
            if "measured/loss" in g:
                training.add(labels[cid])
            elif any(xpb_results.value_kind(d) != "timing" for d in g["measured"].values()):
                repeats.add(labels[cid])
    assert training, "the quickstart's GPT should record a per-step loss"
    assert repeats, "no micro-benchmark with per-repeat values: this check would be idle"
    fig = plot_results.curves_figure(cells)
    drawn = {line.get_label() for ax in fig.axes for line in ax.get_lines()}
    assert drawn, "no curves drawn"
    assert drawn <= training, f"drawn against step but not training: {sorted(drawn - training)}"
    for name, fig in figs.items():
        for ax in fig.axes:
            if ax.get_xlabel() == "step":
                assert name == "curves", f"{name}: a step axis outside the training curves"


def main(results: str, outdir: str):
    stems = check_manifest(outdir)
    figs = figures(results, outdir)
    check_labels_vary(results, figs)
    check_widths(results, figs, outdir)
    check_iqr_whiskers(results, figs)
    check_parity(results, figs)
    check_units(results, figs)
    check_step_axis(results, figs, outdir)
    print(f"plots ok: {stems}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
