#!/usr/bin/env python3
"""analysis/plots/plot_results.py — charts of an xpubench result set: PNG and SVG.

  plot_results.py RESULTS.h5 -o DIR [--report REPORT.json]

Writes roofline_<platform>.{png,svg} (the descriptor's roofs with every workload placed on them:
projected points for descriptors, measured points with IQR whiskers for the host),
parity.{png,svg} (projected speed ratio vs the reference on a log axis, the parity band shaded)
and curves.{png,svg} (training curves against the step, one panel per quantity, when training
cells have them), plus plots.json listing each file with its title and axis labels. Labels name
only the parameters that vary; no image is wider than 1,600 px. roofline_figure, parity_figure
and curves_figure return the matplotlib figures (the tests inspect them). Rooflines need the
descriptors' ceilings from `xpubench report --format json` (`xpubench plot` passes it).
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FormatStrFormatter  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xpb_results  # noqa: E402

plt.rcParams["svg.fonttype"] = "none"  # keep text as text: titles stay searchable in the SVG
plt.rcParams["svg.hashsalt"] = "xpubench"  # stable ids across runs
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
DPI = 120
MAX_WIDTH_PX = 1600  # a printed page: no image wider than this
MAX_COLUMNS = 4  # small multiples wrap onto rows of at most this many panels
PANEL_INCHES = (3.3, 2.8)  # one small multiple: 4 x 3.3 in x 120 dpi = 1,584 px


def _save(fig, outdir, stem, manifest):
    """Write FIG as STEM.png and STEM.svg and list it in the manifest (title and axis labels of its
    first axes)."""
    ax = fig.axes[0]
    paths = []
    for ext in ("png", "svg"):
        p = os.path.join(outdir, f"{stem}.{ext}")
        fig.savefig(p, dpi=DPI, metadata={"Date": None} if ext == "svg" else None)
        paths.append(p)
    manifest.append({"stem": stem, "files": [os.path.basename(p) for p in paths],
                     "title": ax.get_title(), "xlabel": ax.get_xlabel(),
                     "ylabel": ax.get_ylabel()})
    plt.close(fig)


def _nominal(r):
    return r["nominal"] if isinstance(r, dict) and r.get("nominal") is not None else None


def _with_unit(name: str, unit: str) -> str:
    """An axis label that always names its unit: `loss (nats)`, `accuracy (dimensionless)`."""
    return f"{name} ({unit or 'dimensionless'})"


# ------------------------------------------------------------------------------------------------
# Labels: only what varies

def _params(cell: dict) -> dict:
    try:
        p = json.loads(cell.get("params") or "{}")
    except ValueError:
        return {}
    return p if isinstance(p, dict) else {}


def varying_labels(cells: list) -> dict:
    """{cell id: label}: the workload and the parameters (and seed) that differ among that
    workload's cells in CELLS, `gemm m=256 n=256 k=256`; constant parameters and defaults never
    appear, so a workload with one cell is labelled by its name alone."""
    by_workload = {}
    for c in cells:
        by_workload.setdefault(c.get("workload", c["id"]), []).append(c)
    labels = {}
    for workload, group in by_workload.items():
        params = [_params(c) for c in group]
        keys = list(dict.fromkeys(k for p in params for k in p))
        varying = [k for k in keys if len({json.dumps(p.get(k), sort_keys=True) for p in params}) > 1]
        seeds_vary = len({c.get("seed") for c in group}) > 1
        for c, p in zip(group, params):
            parts = [f"{k}={_short(p.get(k))}" for k in varying]
            if seeds_vary:
                parts.append(f"seed={c.get('seed')}")
            labels[c["id"]] = " ".join([workload] + parts)
    return labels


def _short(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return v if isinstance(v, str) else json.dumps(v)


# ------------------------------------------------------------------------------------------------
# Roofline per platform

def measured_iqr(path: str, cells: list) -> dict:
    """{cell id: (median, q1, q3)} of the measured step time: the /summary rows, else the cell's
    samples."""
    s = xpb_results.load_summary(path, use_pandas=False)
    out = {}
    for cid, kind, metric, med, q1, q3 in zip(s.get("cell", []), s.get("kind", []), s.get("metric", []),
                                              s.get("median", []), s.get("q1", []), s.get("q3", [])):
        if kind == "measured" and metric == "step_seconds":
            out[cid] = (float(med), float(q1), float(q3))
    for c in cells:
        if c["id"] not in out and len(c["step_seconds"]):
            q1, med, q3 = np.percentile(c["step_seconds"], [25, 50, 75])
            out[c["id"]] = (float(med), float(q1), float(q3))
    return out


def roofline_figure(cells: list, plat: dict, iqr: dict):
    """One platform's roofline, or None when it has neither ceilings nor points. Descriptors: the
    projected points (nominal, whiskers low-high); the host: measured medians, whiskers q1-q3."""
    name = plat["name"]
    bw = _nominal(plat.get("memory_bandwidth"))
    peaks = {d: _nominal(v) for d, v in (plat.get("peaks") or {}).items() if _nominal(v)}
    measured = plat.get("kind") == "host"  # the machine that ran: measured points
    labels = varying_labels(cells)
    pts = []
    for c in cells:
        if c["status"] != "ok" or c["flops"] <= 0 or c["bytes"] <= 0:
            continue
        ai = c["flops"] / c["bytes"]
        if measured:
            if c["id"] not in iqr:
                continue
            med, q1, q3 = iqr[c["id"]]
            pts.append((c, ai, c["flops"] / med, (c["flops"] / q3, c["flops"] / q1)))
        elif name in c["projected"]:
            lo, nom, hi = c["projected"][name]
            pts.append((c, ai, c["flops"] / nom, (c["flops"] / hi, c["flops"] / lo)))
    if not bw and not peaks and not pts:
        return None
    fig, ax = plt.subplots(figsize=(8, 5.4), layout="constrained")
    ais = [p[1] for p in pts] or [1.0]
    ridges = [pk / bw for pk in peaks.values()] if bw else []
    x = np.logspace(math.log10(min(ais + ridges)) - 1, math.log10(max(ais + ridges)) + 1, 200)
    if bw:
        top = max(peaks.values()) if peaks else None
        y = bw * x if top is None else np.minimum(bw * x, top)
        ax.plot(x, y, color="black", lw=1.5, label=f"memory {bw / 1e9:.0f} GB/s")
    for i, (d, pk) in enumerate(sorted(peaks.items(), key=lambda kv: -kv[1])):
        y = np.full_like(x, pk) if not bw else np.minimum(bw * x, pk)
        ax.plot(x, y, lw=1, ls="--", color=f"C{i % 10}", label=f"{d} peak {pk / 1e12:.3g} TFLOP/s")
    dtypes_vary = len({c["dtype"] for c, *_ in pts}) > 1
    for j, (c, ai, perf, (lo, hi)) in enumerate(pts):
        label = labels[c["id"]] + (f" ({c['dtype']})" if dtypes_vary else "")
        ax.errorbar([ai], [perf], yerr=[[perf - lo], [hi - perf]], capsize=3, marker=MARKERS[j % len(MARKERS)],
                    ms=6, ls="none", color=f"C{(j + 3) % 10}", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP/byte, from the cost ledger)")
    ax.set_ylabel("performance (FLOP/s)")
    if measured:
        what = "measured on this machine; points: median, whiskers: IQR"
    else:
        what = "projected by the model; points: nominal, whiskers: range"
    ax.set_title(f"Roofline: {plat.get('display_name') or name}\n({what})", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    return fig


# ------------------------------------------------------------------------------------------------
# Parity

def parity_figure(path: str, cells: list):
    """Projected speed ratio vs the reference per cell and platform on a log axis: points at the
    nominal ratio, whiskers over its range, 1 marked and the result set's parity band shaded."""
    par = xpb_results.load_parity(path, use_pandas=False)
    attrs = xpb_results.load_attrs(path)
    ref = attrs.get("parity_reference", "reference")
    band = float(attrs.get("parity_band", 0.1))
    plats = [p for p in dict.fromkeys(par.get("platform", [])) if p != ref]
    labels = varying_labels(cells)
    ids = list(dict.fromkeys(par.get("cell", [])))
    width_in = min(MAX_WIDTH_PX / DPI - 0.3, max(6.0, 2.0 + 0.55 * len(ids)))
    fig, ax = plt.subplots(figsize=(width_in, 5), layout="constrained")
    step = 0.7 / max(1, len(plats))
    values = [1 - band, 1 + band]
    for k, plat in enumerate(plats):
        xs, ys, lo, hi = [], [], [], []
        for i, cid in enumerate(ids):
            m = [(r, n, h) for c, p, r, n, h, v in zip(par["cell"], par["platform"], par["ratio_low"],
                                                      par["ratio_nominal"], par["ratio_high"], par["verdict"])
                 if c == cid and p == plat and v != "unavailable" and np.isfinite(n) and n > 0]
            if not m:
                continue
            r, n, h = m[0]
            xs.append(i + (k - (len(plats) - 1) / 2) * step)
            ys.append(n), lo.append(n - r), hi.append(h - n)
            values += [v for v in (r, n, h) if v > 0]
        if xs:
            ax.errorbar(xs, ys, yerr=[lo, hi], capsize=3, marker=MARKERS[k % len(MARKERS)], ls="none",
                        color=f"C{k % 10}", label=plat)
    ax.axhspan(1 - band, 1 + band, color="grey", alpha=0.25, label=f"parity band ±{band:.0%}")
    ax.axhline(1.0, color="black", lw=1)
    ax.set_yscale("log")
    ax.set_ylim(min(values) / 1.5, max(values) * 1.5)
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    if max(values) / min(values) < 30:  # under ~1.5 decades the minor ticks are the only labels
        ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    ax.set_xticks(range(len(ids)))
    ax.set_xticklabels([labels.get(i, i) for i in ids], rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.6, max(0, len(ids) - 1) + 0.6)
    ax.set_ylabel(f"speed ratio vs {ref} (×; >1 faster)")
    ax.set_xlabel("cell")
    ax.set_title(f"Parity with {ref} (projected; points: nominal, whiskers: range)", fontsize=10)
    ax.grid(True, axis="y", which="both", alpha=0.3)
    if len(ax.get_legend_handles_labels()[0]) > 1:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no projected ratios available for platforms other than the reference",
                transform=ax.transAxes, ha="center")
    return fig


# ------------------------------------------------------------------------------------------------
# Training curves

def curves_figure(cells: list):
    """One panel per training curve (loss, held-out loss, ...) against the step, in its unit;
    panels wrap onto rows of MAX_COLUMNS. Only training cells' curves: a micro-benchmark's
    repeats are not steps. None when no cell has a curve."""
    curves = [(c, n) for c in cells for n in c.get("curves", []) if len(c["series"][n][1]) > 1]
    if not curves:
        return None
    names = sorted({n for _, n in curves})
    labels = varying_labels([c for c, _ in curves])
    ncols = min(MAX_COLUMNS, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(PANEL_INCHES[0] * ncols, PANEL_INCHES[1] * nrows),
                             squeeze=False, layout="constrained")
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names):
        drawn = [c for c, n in curves if n == name]
        for j, c in enumerate(drawn):
            idx, v = c["series"][name]
            ax.plot(idx, v, lw=1.2, color=f"C{j % 10}", label=labels[c["id"]])
        units = sorted({c["units"].get(name, "") for c in drawn})
        ax.set_xlabel("step")
        ax.set_ylabel(_with_unit(name, " / ".join(units)), fontsize=8)
        ax.set_title(f"{name} per step", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(True, alpha=0.3)
        if len(drawn) > 1:
            ax.legend(fontsize=6)
    fig.suptitle("Training curves (measured on this machine)", fontsize=10)
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("-o", "--output", default="plots")
    ap.add_argument("--report", help="JSON from `xpubench report --format json` (descriptor ceilings)")
    args = ap.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    cells = xpb_results.load_cells(args.results)
    platforms = []
    if args.report:
        with open(args.report) as f:
            platforms = [p for p in json.load(f).get("platforms", []) if "error" not in p]
    else:
        print("roofline: no --report given, so no descriptor ceilings; rooflines skipped", file=sys.stderr)
    manifest = []
    iqr = measured_iqr(args.results, cells)
    for plat in platforms:
        fig = roofline_figure(cells, plat, iqr)
        if fig is None:
            print(f"roofline: skipped {plat['name']} (no ceilings and no points)", file=sys.stderr)
        else:
            _save(fig, args.output, f"roofline_{plat['name']}", manifest)
    _save(parity_figure(args.results, cells), args.output, "parity", manifest)
    fig = curves_figure(cells)
    if fig is None:
        print("curves: no training curves in this result set", file=sys.stderr)
    else:
        _save(fig, args.output, "curves", manifest)
    with open(os.path.join(args.output, "plots.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    for m in manifest:
        print(f"wrote {', '.join(os.path.join(args.output, x) for x in m['files'])}: {m['title']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
