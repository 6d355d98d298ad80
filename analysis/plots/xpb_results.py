"""analysis/plots/xpb_results.py — read xpubench result sets (HDF5) from Python with h5py alone.

load_summary() gives the /summary table (a pandas DataFrame when pandas is installed, else a dict
of numpy arrays); load_samples() gives one cell's per-step samples; load_cells() every cell. It
only reads: plotting lives in plot_results.py. The layout comes from xpb_schema.json, generated
from core/results/schema.cpp by `xpubench schema --format json` (a test keeps it current), so
every path this reader opens is a declared one, and it reads every schema version from
`oldest_readable` to `version`.
"""
import json
import os
import re

import h5py
import numpy as np

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "xpb_schema.json"), encoding="utf-8") as _f:
    LAYOUT = json.load(_f)
SCHEMA = LAYOUT["schema"]
SCHEMA_VERSION = LAYOUT["version"]
OLDEST_READABLE = LAYOUT["oldest_readable"]
ENTRIES = {e["path"]: e for e in LAYOUT["entries"]}


def _text(v):
    """Decode an h5py string value (bytes or str) to str."""
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _path(pattern, **parts):
    """A concrete path of a declared entry: _path("/cells/{cell}/measured/{name}", cell=c, name=n).
    Raises KeyError for a pattern the schema does not declare."""
    if pattern not in ENTRIES:
        raise KeyError(f"{pattern!r} is not declared in the result set schema")
    return re.sub(r"\{(\w+)(\.\.\.)?\}", lambda m: str(parts[m.group(1)]), pattern)


def _attr_names(owner):
    """Names of the attributes the schema declares on `owner` ("/cells/{cell}"), in order."""
    prefix = owner + "@"
    return [p[len(prefix):] for p in ENTRIES if p.startswith(prefix) and "{" not in p[len(prefix):]]


def _columns(table):
    return [c["name"] for c in ENTRIES[table]["columns"]]


def value_kind(dataset):
    """numeric or timing: a reported value's `kind` attribute; files of schema version 1 lack it,
    then a time or per-second unit makes a timing (the schema's rule)."""
    kind = dataset.attrs.get("kind")
    if kind is not None:
        return _text(kind)
    unit = _text(dataset.attrs.get("unit", ""))
    timing = unit in LAYOUT["timing_units"] or unit.endswith(LAYOUT["timing_unit_suffix"])
    return "timing" if timing else "numeric"


def _open(path):
    f = h5py.File(path, "r")
    schema = _text(f.attrs.get("schema", ""))
    if schema != SCHEMA:
        f.close()
        raise ValueError(f"{path}: not an xpubench result set (schema={schema!r})")
    version = int(f.attrs.get("schema_version", 0))
    if version > SCHEMA_VERSION:
        f.close()
        raise ValueError(f"{path}: written by a newer xpubench (schema version {version}); update this reader")
    return f


def _table(dataset, declared=None):
    """A compound dataset as {column: numpy array}; strings decoded. Declared columns the file
    lacks (an older schema version) are absent from the result."""
    data = dataset[()]
    out = {}
    names = data.dtype.names or ()
    for name in (declared if declared is not None else names):
        if name not in names:
            continue
        col = data[name]
        if col.dtype.kind in ("O", "S", "U"):
            out[name] = np.array([_text(x) for x in col], dtype=object)
        else:
            out[name] = np.asarray(col)
    return out


def load_table(path, name, use_pandas=None):
    """A declared compound table of the file: "summary", "parity", "cells/ID/ledger",
    "cells/ID/projected/PLATFORM/kernels"."""
    pattern = next((p for p, e in ENTRIES.items() if e["node"] == "table"
                    and re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(p)), "/" + name)), None)
    if pattern is None:
        raise KeyError(f"{name!r} is not a table of the result set schema")
    with _open(path) as f:
        cols = _table(f[name], _columns(pattern)) if name in f else {}
    if use_pandas is not False:
        try:
            import pandas as pd  # optional
            return pd.DataFrame(cols)
        except ImportError:
            if use_pandas:
                raise
    return cols


def load_summary(path, use_pandas=None):
    """The /summary table: one row per cell x quantity (kind: measured | metric | projected |
    model_error). A pandas DataFrame when pandas is importable (or use_pandas=True), else a dict
    of numpy arrays keyed by column. `low`/`high`: the 5 % and 95 % points of the samples (or of
    a projection's Monte Carlo); `min`/`max`: the whole range."""
    return load_table(path, "summary", use_pandas)


def load_parity(path, use_pandas=None):
    """The /parity table: one row per cell x platform (projected speed ratio and verdict)."""
    return load_table(path, "parity", use_pandas)


def load_seed_statistics(path, use_pandas=None):
    """The /seed_statistics table of a run over several seeds: one row per seed group x quantity
    (mean, sd, ci95_low/ci95_high = 95% interval of the mean, n, seeds). Empty when the run had
    one seed (the table is absent)."""
    return load_table(path, "seed_statistics", use_pandas)


def load_samples(path, cell, metric="step_seconds"):
    """Per-step samples of one cell: measured/METRIC, else series/METRIC/values, else the
    scalar metrics/METRIC as a one-element array. Raises KeyError when none exists."""
    with _open(path) as f:
        if _path("/cells/{cell}", cell=cell) not in f:
            raise KeyError(f"{path}: no cell {cell!r}")
        for p in ("/cells/{cell}/measured/{name}", "/cells/{cell}/series/{name}/values", "/cells/{cell}/metrics/{name}"):
            p = _path(p, cell=cell, name=metric)
            if p in f:
                return np.asarray(f[p][()], dtype=float).reshape(-1)
    raise KeyError(f"{path}: cell {cell!r} has no samples named {metric!r}")


def load_attrs(path, obj="/"):
    """Attributes of an object (root provenance by default) as a dict of str/int/float."""
    with _open(path) as f:
        return {k: (_text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v)
                for k, v in f[obj].attrs.items()}


def _range(f, path):
    """A projected [low, nominal, high] as a tuple, None when absent."""
    return tuple(float(x) for x in f[path][()]) if path in f else None


def load_cells(path):
    """Every cell as a dict: its declared attributes (id, workload, label, params, status, index,
    seed, ...), step_seconds, ledger totals, dominant dtype, projected step ranges per platform,
    projected HFU ranges (schema 2), series {name: (index, values)} including the non-timing
    per-step values, units {name: unit} of those series ("" dimensionless) and curves: the
    names among them that are curves over training steps (the /series group, and every per-step
    value of a cell that records a per-step loss); a micro-benchmark's per-repeat values are
    series but not curves."""
    cells = []
    with _open(path) as f:
        for cid in sorted(f[_path("/cells")].keys() if _path("/cells") in f else ()):
            g = f[_path("/cells/{cell}", cell=cid)]
            c = {"id": cid}
            for name in _attr_names("/cells/{cell}"):
                if name in g.attrs:
                    v = g.attrs[name]
                    c[name] = _text(v) if isinstance(v, (bytes, str)) else v.item()
            c.setdefault("label", cid)
            c.setdefault("params", "{}")
            c.setdefault("index", 0)
            step = _path("/cells/{cell}/measured/step_seconds", cell=cid)
            c["step_seconds"] = np.asarray(f[step][()]) if step in f else np.array([])
            c.update({"flops": 0.0, "bytes": 0.0, "dtype": "", "projected": {}, "hfu": {}, "series": {},
                      "units": {}, "curves": []})
            ledger = _path("/cells/{cell}/ledger", cell=cid)
            if ledger in f:
                led = _table(f[ledger], _columns("/cells/{cell}/ledger"))
                count = led.get("count", np.ones(len(led.get("name", []))))
                fl = led.get("flops", np.zeros_like(count)) * count
                by = led.get("bytes", np.zeros_like(count)) * count
                c["flops"], c["bytes"] = float(np.sum(fl)), float(np.sum(by))
                if len(fl):
                    by_dtype = {}
                    for d, x in zip(led["dtype"], fl):
                        by_dtype[d] = by_dtype.get(d, 0.0) + float(x)
                    c["dtype"] = max(by_dtype, key=by_dtype.get)
            projected = _path("/cells/{cell}/projected", cell=cid)
            for plat in f[projected].keys() if projected in f else ():
                where = {"cell": cid, "platform": plat}
                if not int(f[_path("/cells/{cell}/projected/{platform}", **where)].attrs.get("ok", 0)):
                    continue
                step = _range(f, _path("/cells/{cell}/projected/{platform}/step_seconds", **where))
                if step:
                    c["projected"][plat] = step
                hfu = _range(f, _path("/cells/{cell}/projected/{platform}/hfu", **where))
                if hfu:
                    c["hfu"][plat] = hfu
            series = _path("/cells/{cell}/series", cell=cid)
            for name in f[series].keys() if series in f else ():
                vals_p = _path("/cells/{cell}/series/{name}/values", cell=cid, name=name)
                idx_p = _path("/cells/{cell}/series/{name}/index", cell=cid, name=name)
                vals = np.asarray(f[vals_p][()]) if vals_p in f else np.array([])
                idx = np.asarray(f[idx_p][()]) if idx_p in f else np.arange(len(vals))
                c["series"][name] = (idx, vals)
                c["units"][name] = _text(f[vals_p].attrs.get("unit", "")) if vals_p in f else ""
                c["curves"].append(name)
            # Per-step values the runner recorded (e.g. measured/loss) count as series too, timings excepted.
            measured = _path("/cells/{cell}/measured", cell=cid)
            names = list(f[measured].keys()) if measured in f else []
            training = "loss" in names  # a training step records its loss; a micro-benchmark's repeat does not
            for name in names:
                d = f[_path("/cells/{cell}/measured/{name}", cell=cid, name=name)]
                if value_kind(d) != "timing" and name not in c["series"]:
                    vals = np.asarray(d[()]).reshape(-1)
                    c["series"][name] = (np.arange(len(vals)), vals)
                    c["units"][name] = _text(d.attrs.get("unit", ""))
                    if training:
                        c["curves"].append(name)
            cells.append(c)
    cells.sort(key=lambda c: c["index"])
    return cells
