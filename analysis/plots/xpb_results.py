"""analysis/plots/xpb_results.py — read xpubench result sets (HDF5) from Python with h5py alone.

load_summary() gives the /summary table (a pandas DataFrame when pandas is installed, else a dict
of numpy arrays); load_samples() gives one cell's per-step samples. It only reads: plotting lives
in plot_results.py, and the layout is documented in docs/results-schema.md.
"""
import h5py
import numpy as np

SCHEMA = "xpubench.results"
SCHEMA_VERSION = 1


def _text(v):
    """Decode an h5py string value (bytes or str) to str."""
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _open(path):
    f = h5py.File(path, "r")
    schema = _text(f.attrs.get("schema", ""))
    if schema != SCHEMA:
        f.close()
        raise ValueError(f"{path}: not an xpubench result set (schema={schema!r})")
    if int(f.attrs.get("schema_version", 0)) > SCHEMA_VERSION:
        f.close()
        raise ValueError(f"{path}: written by a newer xpubench (schema version "
                         f"{int(f.attrs['schema_version'])}); update this reader")
    return f


def _table(dataset):
    """A compound dataset as {column: numpy array}; strings decoded."""
    data = dataset[()]
    out = {}
    for name in data.dtype.names or ():
        col = data[name]
        if col.dtype.kind in ("O", "S", "U"):
            out[name] = np.array([_text(x) for x in col], dtype=object)
        else:
            out[name] = np.asarray(col)
    return out


def load_table(path, name, use_pandas=None):
    """Any compound table of the file ("summary", "parity", "cells/ID/ledger")."""
    with _open(path) as f:
        if name not in f:
            cols = {}
        else:
            cols = _table(f[name])
    if use_pandas is not False:
        try:
            import pandas as pd  # optional
            return pd.DataFrame(cols)
        except ImportError:
            if use_pandas:
                raise
    return cols


def load_summary(path, use_pandas=None):
    """The /summary table: one row per cell x metric (kind: measured | metric | projected |
    model_error). A pandas DataFrame when pandas is importable (or use_pandas=True), else a dict
    of numpy arrays keyed by column."""
    return load_table(path, "summary", use_pandas)


def load_parity(path, use_pandas=None):
    """The /parity table: one row per cell x platform (projected speed ratio and verdict)."""
    return load_table(path, "parity", use_pandas)


def load_samples(path, cell, metric="step_seconds"):
    """Per-step samples of one cell: measured/METRIC, else series/METRIC/values, else the
    scalar metrics/METRIC as a one-element array. Raises KeyError when none exists."""
    with _open(path) as f:
        if cell not in f["cells"]:
            raise KeyError(f"{path}: no cell {cell!r}")
        g = f["cells"][cell]
        for p in (f"measured/{metric}", f"series/{metric}/values", f"metrics/{metric}"):
            if p in g:
                return np.asarray(g[p][()], dtype=float).reshape(-1)
    raise KeyError(f"{path}: cell {cell!r} has no samples named {metric!r}")


def load_attrs(path, obj="/"):
    """Attributes of an object (root provenance by default) as a dict of str/int/float."""
    with _open(path) as f:
        return {k: (_text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v)
                for k, v in f[obj].attrs.items()}


def load_cells(path):
    """Every cell as a dict: id, workload, label, params, status, step_seconds, ledger totals,
    dominant dtype, projected step ranges per platform, series {name: (index, values)}."""
    cells = []
    with _open(path) as f:
        for cid in sorted(f.get("cells", {}).keys()):
            g = f["cells"][cid]
            a = g.attrs
            c = {
                "id": cid,
                "workload": _text(a.get("workload", "")),
                "label": _text(a.get("label", cid)),
                "params": _text(a.get("params", "{}")),
                "status": _text(a.get("status", "")),
                "index": int(a.get("index", 0)),
                "step_seconds": np.asarray(g["measured/step_seconds"][()]) if "measured/step_seconds" in g else np.array([]),
                "flops": 0.0, "bytes": 0.0, "dtype": "", "projected": {}, "series": {},
            }
            if "ledger" in g:
                led = _table(g["ledger"])
                count = led.get("count", np.ones(len(led.get("name", []))))
                fl = led.get("flops", np.zeros_like(count)) * count
                by = led.get("bytes", np.zeros_like(count)) * count
                c["flops"], c["bytes"] = float(np.sum(fl)), float(np.sum(by))
                if len(fl):
                    by_dtype = {}
                    for d, x in zip(led["dtype"], fl):
                        by_dtype[d] = by_dtype.get(d, 0.0) + float(x)
                    c["dtype"] = max(by_dtype, key=by_dtype.get)
            for plat in g.get("projected", {}).keys():
                pg = g["projected"][plat]
                if int(pg.attrs.get("ok", 0)) and "step_seconds" in pg:
                    c["projected"][plat] = tuple(float(x) for x in pg["step_seconds"][()])
            for name in g.get("series", {}).keys():
                sg = g["series"][name]
                vals = np.asarray(sg["values"][()]) if "values" in sg else np.array([])
                idx = np.asarray(sg["index"][()]) if "index" in sg else np.arange(len(vals))
                c["series"][name] = (idx, vals)
            # Per-step values the runner recorded (e.g. measured/loss) count as series too.
            for name in g.get("measured", {}).keys():
                if not name.endswith("seconds") and name not in c["series"]:
                    vals = np.asarray(g["measured"][name][()]).reshape(-1)
                    c["series"][name] = (np.arange(len(vals)), vals)
            cells.append(c)
    cells.sort(key=lambda c: c["index"])
    return cells
