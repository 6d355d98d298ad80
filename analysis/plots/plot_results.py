#!/usr/bin/env python3
"""analysis/plots/plot_results.py — charts of an xpubench result set: PNG and SVG.

  plot_results.py RESULTS.h5 -o DIR [--report REPORT.json]

Writes roofline_<platform>.{png,svg} (the descriptor's roofs with every workload placed on them:
projected points for descriptors, measured points for the host), parity.{png,svg} (projected
speed ratio vs the reference with its range) and curves.{png,svg} (loss / accuracy series when
cells have them), plus plots.json listing each file with its title and axis labels. Rooflines
need the descriptors' ceilings from `xpubench report --format json` (`xpubench plot` passes it).
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xpb_results  # noqa: E402

plt.rcParams["svg.fonttype"] = "none"  # keep text as text: titles stay searchable in the SVG
plt.rcParams["svg.hashsalt"] = "xpubench"  # stable ids across runs
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _save(fig, ax, outdir, stem, manifest):
    paths = []
    for ext in ("png", "svg"):
        p = os.path.join(outdir, f"{stem}.{ext}")
        fig.savefig(p, dpi=120, bbox_inches="tight", metadata={"Date": None} if ext == "svg" else None)
        paths.append(p)
    manifest.append({"stem": stem, "files": [os.path.basename(p) for p in paths],
                     "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel()})
    plt.close(fig)


def _nominal(r):
    return r["nominal"] if isinstance(r, dict) and r.get("nominal") is not None else None


# ------------------------------------------------------------------------------------------------
# Roofline per platform

def plot_rooflines(cells, platforms, outdir, manifest):
    for plat in platforms:
        name = plat["name"]
        bw = _nominal(plat.get("memory_bandwidth"))
        peaks = {d: _nominal(v) for d, v in (plat.get("peaks") or {}).items() if _nominal(v)}
        measured = plat.get("kind") == "host"  # the machine that ran: measured points
        pts = []
        for c in cells:
            if c["status"] != "ok" or c["flops"] <= 0 or c["bytes"] <= 0:
                continue
            ai = c["flops"] / c["bytes"]
            if measured:
                if len(c["step_seconds"]) == 0:
                    continue
                t = float(np.median(c["step_seconds"]))
                pts.append((c, ai, c["flops"] / t, None))
            elif name in c["projected"]:
                lo, nom, hi = c["projected"][name]
                pts.append((c, ai, c["flops"] / nom, (c["flops"] / hi, c["flops"] / lo)))
        if not bw and not peaks and not pts:
            print(f"roofline: skipped {name} (no ceilings and no points)", file=sys.stderr)
            continue
        fig, ax = plt.subplots(figsize=(7, 4.8))
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
        for j, (c, ai, perf, err) in enumerate(pts):
            kw = dict(marker=MARKERS[j % len(MARKERS)], ms=7, ls="none", color=f"C{(j + 3) % 10}",
                      label=f"{c['label']} ({c['dtype']})")
            if err:
                ax.errorbar([ai], [perf], yerr=[[perf - err[0]], [err[1] - perf]], capsize=3, **kw)
            else:
                ax.plot([ai], [perf], **kw)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("arithmetic intensity (FLOP/byte, from the cost ledger)")
        ax.set_ylabel("performance (FLOP/s)")
        kind = "measured on this machine" if measured else "projected by the model"
        ax.set_title(f"Roofline: {plat.get('display_name') or name} ({kind})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        _save(fig, ax, outdir, f"roofline_{name}", manifest)


# ------------------------------------------------------------------------------------------------
# Parity bars

def plot_parity(path, cells, outdir, manifest):
    par = xpb_results.load_parity(path, use_pandas=False)
    attrs = xpb_results.load_attrs(path)
    ref = attrs.get("parity_reference", "reference")
    band = float(attrs.get("parity_band", 0.1))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * max(1, len(cells))), 4.5))
    plats = [p for p in dict.fromkeys(par.get("platform", [])) if p != ref]
    labels = {c["id"]: c["label"] for c in cells}
    ids = list(dict.fromkeys(par.get("cell", [])))
    width = 0.8 / max(1, len(plats))
    drawn = False
    for k, plat in enumerate(plats):
        xs, ys, lo, hi = [], [], [], []
        for i, cid in enumerate(ids):
            m = [(r, n, h) for c, p, r, n, h, v in zip(par["cell"], par["platform"], par["ratio_low"],
                                                      par["ratio_nominal"], par["ratio_high"], par["verdict"])
                 if c == cid and p == plat and v != "unavailable" and np.isfinite(n)]
            if not m:
                continue
            r, n, h = m[0]
            xs.append(i + (k - (len(plats) - 1) / 2) * width)
            ys.append(n), lo.append(n - r), hi.append(h - n)
        if xs:
            drawn = True
            ax.bar(xs, ys, width=width * 0.9, yerr=[lo, hi], capsize=3, label=plat, color=f"C{k % 10}")
    ax.axhline(1.0, color="black", lw=1)
    ax.axhspan(1 - band, 1 + band, color="grey", alpha=0.2, label=f"parity band ±{band:.0%}")
    ax.set_xticks(range(len(ids)))
    ax.set_xticklabels([labels.get(i, i) for i in ids], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(f"speed ratio vs {ref} (projected; >1 faster)")
    ax.set_xlabel("cell (workload and parameters)")
    ax.set_title(f"Parity with {ref} (projected, bars: nominal, whiskers: descriptor range)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    if not drawn:
        ax.text(0.5, 0.5, "no projected ratios available for platforms other than the reference",
                transform=ax.transAxes, ha="center")
    _save(fig, ax, outdir, "parity", manifest)


# ------------------------------------------------------------------------------------------------
# Loss and accuracy curves

def plot_curves(cells, outdir, manifest):
    series = [(c, n, idx, v) for c in cells for n, (idx, v) in c["series"].items() if len(v) > 1]
    if not series:
        print("curves: no loss or accuracy series in this result set", file=sys.stderr)
        return
    names = sorted({n for _, n, _, _ in series})
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names):
        for j, (c, n, idx, v) in enumerate(s for s in series if s[1] == name):
            ax.plot(idx, v, lw=1.2, color=f"C{j % 10}", label=c["label"])
        ax.set_xlabel("step")
        ax.set_ylabel(name)
        ax.set_title(f"{name} per step (measured on this machine)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    _save(fig, axes[0][0], outdir, "curves", manifest)


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
    plot_rooflines(cells, platforms, args.output, manifest)
    plot_parity(args.results, cells, args.output, manifest)
    plot_curves(cells, args.output, manifest)
    with open(os.path.join(args.output, "plots.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    for m in manifest:
        print(f"wrote {', '.join(os.path.join(args.output, x) for x in m['files'])}: {m['title']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
