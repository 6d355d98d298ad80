#!/usr/bin/python3
"""scripts/torch_replay.py — replays a `gpt` cell's exported training run in float64 PyTorch.

A `gpt` cell run with `export_reference: true` stores its initial parameters, every step's batch,
step 0 in full (logits, gradients) and its final parameters (/cells/ID/arrays/reference/...), and
reports every step's loss, learning rate and gradient norm (/cells/ID/measured/...). This script
trains the same model again, independently, in float64 with PyTorch 1.13 (bench/torch_gpt.py for
the forward pass; PyTorch's own autograd, clip_grad_norm_ and AdamW; the learning-rate schedule
written here from docs/small-model.md), from the exported weights on the exported batches, and
compares:

  logits0, grads0   step 0's logits and every gradient tensor   max|diff| / max|ref|, worst tensor
  loss[s]           every step's training loss                  |diff| in nats
  grad_norm[s]      every step's global gradient norm (before clipping)     |diff| / ref
  final             the parameters after the last step          max|diff| / max|ref|, worst tensor
  lr[s]             every step's learning rate                  |diff| / ref, fixed bound 1e-12

Tolerance (`envelope`): how far a *correct* float32 implementation strays from float64 on this
very run, measured, not chosen. The same replay runs K = 8 times in float32 PyTorch, run k with its
initial weights moved by one float32 ulp in a random direction per element (k = 0 unmoved), so
the runs sample different rounding histories. For each quantity the envelope is the largest
deviation of any of the K runs from the float64 replay, taken as a running maximum over steps (a
trajectory's rounding error grows with the step; a step where every sample happens to be small
does not make the bound tight there). The tolerance is FACTOR = 3 times the envelope: the
implementation under test is another float32 program with its own summation orders. Its native
GEMM sums each element in one ascending chain (rounding error bound growing with K·u, against
PyTorch's blocked sums), so it sits at the top of the float32 distribution: measured, 0.7-1.7x
the envelope (docs/small-model.md, "Correctness"); 3x leaves headroom for another machine's BLAS
in the float32 runs and keeps the bound within 10x of the agreement found. lr is arithmetic in
double on both sides: 1e-12 relative covers any order of its few operations.

The script prints each measure with its tolerance and the ratio tolerance / measured, so a reader
can see the bound is within 10x of the agreement actually found.

Usage: scripts/torch_replay.py RESULT_SET.h5 [--cell ID]    exit 0 agree, 1 disagree, 77 no torch
tests/workloads/torch_replay_test.py uses it as a module (`replay`, `check`) for the mutation test.
"""
import argparse
import json
import math
import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:  # a visible skip, not a silent pass
    print(f"SKIP: the PyTorch replay needs numpy and torch for {sys.executable} ({e}); "
          "install Debian's python3-torch", flush=True)
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import torch_gpt  # noqa: E402

K_RUNS = 8
FACTOR = 3.0
LR_TOL = 1e-12
VOCAB = 256  # bytes


class Export:
    """One cell's exported run: arrays (name -> ndarray), measured series, the cell's params."""

    def __init__(self, arrays, measured, params):
        self.arrays, self.measured, self.params = arrays, measured, params
        self.names = list(torch_gpt.shapes(VOCAB, 1, 8, 2).keys())
        self.steps = int(arrays["reference/steps/inputs"].shape[0])

    def init(self, n):
        return self.arrays["reference/params/" + n]

    def batch(self, s):
        return (self.arrays["reference/steps/inputs"][s].astype(np.int64),
                self.arrays["reference/steps/targets"][s].astype(np.int64))


def load(path, cell=None):
    import h5py
    with h5py.File(path, "r") as f:
        for cid, g in f["cells"].items():
            if cell not in (None, cid) or g.attrs["workload"] != "gpt" or "arrays/reference" not in g:
                continue
            arrays = {}
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    arrays["reference/" + name] = obj[()]
            g["arrays/reference"].visititems(visit)
            measured = {k: g["measured/" + k][()] for k in ("loss", "lr", "grad_norm")}
            return Export(arrays, measured, json.loads(g.attrs["params"]))
    raise SystemExit(f"{path}: no gpt cell{' ' + cell if cell else ''} with arrays/reference "
                     "(run it with export_reference: true)")


def hyper(params):
    """The replay's hyperparameters from a cell's params (defaults as docs/small-model.md states)."""
    g = lambda k, d: params.get(k, d)  # noqa: E731
    steps = int(g("steps", 300))
    return {"layers": int(g("layers", 2)), "width": int(g("width", 32)), "heads": int(g("heads", 2)),
            "context": int(g("context", 32)), "batch": int(g("batch", 8)), "steps": steps,
            "lr": float(g("lr", 1e-2)), "schedule": g("lr_schedule", "cosine"),
            "final_ratio": float(g("lr_final_ratio", 0.1)),
            "warmup_steps": int(math.floor(float(g("warmup", 0.05)) * steps + 0.5)),
            "weight_decay": float(g("weight_decay", 0.1)), "beta1": float(g("beta1", 0.9)),
            "beta2": float(g("beta2", 0.99)), "eps": 1e-8, "grad_clip": float(g("grad_clip", 1.0))}


def learning_rate(hp, s):
    """Linear warm-up over warmup_steps to the peak, then cosine (or linear) decay to
    peak·final_ratio at the last step; `constant` stays at the peak."""
    lr, w, n = hp["lr"], hp["warmup_steps"], hp["steps"]
    if hp["schedule"] == "constant":
        return lr
    if s < w:
        return lr * (s + 1) / w
    lo = lr * hp["final_ratio"]
    frac = min(1.0, (s - w) / max(n - w - 1, 1))
    if hp["schedule"] == "linear":
        return lr - (lr - lo) * frac
    return lo + 0.5 * (1.0 + math.cos(math.pi * frac)) * (lr - lo)


def replay(ex, hp, dtype=torch.float64, gelu="tanh", grad_scale=1.0, perturb_seed=None):
    """Trains from the export's initial weights on its batches. Returns a dict of numpy results.
    gelu / grad_scale exist for the mutation test (a replay with wrong maths)."""
    L, C, H, T, B = hp["layers"], hp["width"], hp["heads"], hp["context"], hp["batch"]
    shp = torch_gpt.shapes(VOCAB, L, C, T)
    rng = np.random.default_rng(perturb_seed) if perturb_seed is not None else None
    p = {}
    for n in ex.names:
        w = ex.init(n).astype(np.float32).reshape(shp[n])
        if rng is not None:  # one float32 ulp up or down per element
            w = np.nextafter(w, np.where(rng.random(w.shape) < 0.5, -np.inf, np.inf).astype(np.float32))
        p[n] = torch.tensor(w.astype(np.float64), dtype=dtype).requires_grad_(True)
    opt = torch_gpt.make_optimizer(p, hp["lr"], weight_decay=hp["weight_decay"],
                                   betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"])
    params = [p[n] for n in ex.names]
    out = {"loss": [], "grad_norm": [], "lr": []}
    for s in range(ex.steps):
        lr = learning_rate(hp, s)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad(set_to_none=True)
        idx, tgt = (torch.tensor(a) for a in ex.batch(s))
        logits, loss = torch_gpt.forward(p, idx, tgt, H, gelu=gelu)
        loss.backward()
        if grad_scale != 1.0:
            for t in params:
                t.grad.mul_(grad_scale)
        norm = math.sqrt(sum(float((t.grad.double() ** 2).sum()) for t in params))
        if s == 0:  # before clipping, as exported
            out["logits0"] = logits.detach().double().numpy()
            out["grads0"] = {n: p[n].grad.detach().double().numpy().copy() for n in ex.names}
        if hp["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(params, hp["grad_clip"])
        out["loss"].append(loss.item())
        out["grad_norm"].append(norm)
        out["lr"].append(lr)
        opt.step()
    out["final"] = {n: p[n].detach().double().numpy() for n in ex.names}
    for k in ("loss", "grad_norm", "lr"):
        out[k] = np.array(out[k])
    return out


def _worst(ours, ref, names):
    return max(float(np.abs(np.asarray(ours[n]).reshape(-1) - ref[n].reshape(-1)).max()) /
               max(float(np.abs(ref[n]).max()), 1e-30) for n in names)


def deviations(ex_like, ref):
    """Deviations of `ex_like` (a dict shaped like replay()'s output) from the float64 `ref`."""
    names = list(ref["final"].keys())
    return {
        "logits0": np.array([float(np.abs(ex_like["logits0"].reshape(-1) - ref["logits0"].reshape(-1)).max())
                             / float(np.abs(ref["logits0"]).max())]),
        "grads0": np.array([_worst(ex_like["grads0"], ref["grads0"], names)]),
        "loss": np.abs(np.asarray(ex_like["loss"]) - ref["loss"]),
        "grad_norm": np.abs(np.asarray(ex_like["grad_norm"]) - ref["grad_norm"]) / ref["grad_norm"],
        "final": np.array([_worst(ex_like["final"], ref["final"], names)]),
    }


def as_result(ex):
    """The export in replay()'s shape."""
    a = ex.arrays
    return {"logits0": a["reference/logits"], "loss": ex.measured["loss"], "grad_norm": ex.measured["grad_norm"],
            "lr": ex.measured["lr"], "grads0": {n: a["reference/grads/" + n] for n in ex.names},
            "final": {n: a["reference/final/" + n] for n in ex.names}}


def envelope(ex, hp, ref, **maths):
    """Per measure, the running maximum over steps of the largest float32-run deviation."""
    env = None
    for k in range(K_RUNS):
        d = deviations(replay(ex, hp, dtype=torch.float32, perturb_seed=None if k == 0 else k, **maths), ref)
        env = d if env is None else {m: np.maximum(env[m], d[m]) for m in d}
    return {m: np.maximum.accumulate(v) for m, v in env.items()}


def check(ex, hp, quiet=False, **maths):
    """Replays `ex` under `hp` (and the replay maths given) and compares. Returns (ok, lines)."""
    ref = replay(ex, hp, **maths)
    env = envelope(ex, hp, ref, **maths)
    dev = deviations(as_result(ex), ref)
    lines, ok = [], True
    for m in ("logits0", "grads0", "loss", "grad_norm", "final"):
        tol = FACTOR * env[m]
        bad = np.nonzero(dev[m] > tol)[0]
        worst = int(np.argmax(dev[m] / tol))
        good = bad.size == 0
        ok &= good
        where = f" at step {worst}" if dev[m].size > 1 else ""
        first = f"; first failing step {int(bad[0])}" if bad.size and dev[m].size > 1 else ""
        lines.append(f"{'ok  ' if good else 'FAIL'} {m:10s} worst {dev[m][worst]:.2e} vs tol {tol[worst]:.2e}{where}"
                     f" (tol/measured {tol[worst] / max(dev[m][worst], 1e-300):.1f}; "
                     f"largest measured {dev[m].max():.2e}){first}")
    lr_err = float(np.max(np.abs(ex.measured["lr"] - ref["lr"]) / ref["lr"]))
    good = lr_err <= LR_TOL
    ok &= good
    lines.append(f"{'ok  ' if good else 'FAIL'} {'lr':10s} worst {lr_err:.2e} vs tol {LR_TOL:.0e}")
    if not quiet:
        print("\n".join(lines))
    return ok, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("result_set")
    ap.add_argument("--cell", help="cell id (default: the first gpt cell with an export)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    ex = load(args.result_set, args.cell)
    hp = hyper(ex.params)
    print(f"PyTorch {torch.__version__} float64 replay of {ex.steps} exported gpt steps "
          f"(L={hp['layers']} C={hp['width']} H={hp['heads']} T={hp['context']} B={hp['batch']}); "
          f"tolerance {FACTOR:g}x the envelope of {K_RUNS} float32 replays")
    ok, _ = check(ex, hp)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
