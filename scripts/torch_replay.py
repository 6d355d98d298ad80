#!/usr/bin/python3
"""scripts/torch_replay.py — replays a `gpt` or `ernie` cell's exported training in float64 PyTorch.

A `gpt` or `ernie` cell run with `export_reference: true` stores its initial parameters, every
step's batch (ernie: the masked input, target positions and labels), step 0's gradients (gpt also
its logits) and its final parameters (/cells/ID/arrays/reference/...), and reports every step's
loss, learning rate and gradient norm (/cells/ID/measured/...). This script trains the same model
again, independently, in float64 with PyTorch 1.13 (bench/torch_gpt.py for the GPT's forward pass,
bench/torch_ernie.py for the encoder; PyTorch's own autograd, clip_grad_norm_ and AdamW; the
learning-rate schedules written here from docs/small-model.md and docs/ernie.md), from the
exported weights on the exported batches, and compares:

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
implementation under test is one more float32 program with its own summation orders, one more
draw from the same distribution; measured, it falls between the 2nd and 8th of the 8 draws on
every measure (docs/small-model.md, "Correctness"), and 3x the largest leaves room for its tail
while keeping the bound within 10x of the agreement found (the script prints the ratio). The
tolerance is never below 4 unit roundoffs of the quantity (relative; the loss in nats times its
size): where every perturbed run rounds alike the envelope is 0. An ernie cell trained with
`dtype: fp64` is compared the same way with 7 float64 replays whose weights move by one float64
ulp. lr is arithmetic in double on both sides: 1e-12 relative covers any order of its few
operations.

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
import torch_ernie  # noqa: E402
import torch_gpt  # noqa: E402

K_RUNS = 8
FACTOR = 3.0
LR_TOL = 1e-12
VOCAB = 256  # bytes


class Export:
    """One cell's exported run: arrays (name -> ndarray), measured series, the cell's params."""

    def __init__(self, workload, arrays, measured, params):
        self.workload, self.arrays, self.measured, self.params = workload, arrays, measured, params
        self.names = sorted(k[len("reference/params/"):] for k in arrays if k.startswith("reference/params/"))
        self.steps = len(measured["loss"])
        if workload == "ernie":
            self.offsets = np.concatenate([[0], np.cumsum(arrays["reference/steps/targets"].astype(np.int64))])

    def init(self, n):
        return self.arrays["reference/params/" + n]

    def batch(self, s):
        a = self.arrays
        if self.workload == "gpt":
            return (torch.tensor(a["reference/steps/inputs"][s].astype(np.int64)),
                    torch.tensor(a["reference/steps/targets"][s].astype(np.int64)))
        lo, hi = self.offsets[s], self.offsets[s + 1]
        return (torch.tensor(a["reference/steps/input"][s].astype(np.int64)),
                torch.tensor(a["reference/steps/positions"][lo:hi].astype(np.int64)),
                torch.tensor(a["reference/steps/labels"][lo:hi].astype(np.int64)))


def load(path, cell=None):
    import h5py
    with h5py.File(path, "r") as f:
        for cid, g in f["cells"].items():
            if cell not in (None, cid) or g.attrs["workload"] not in ("gpt", "ernie") or "arrays/reference" not in g:
                continue
            arrays = {}
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    arrays["reference/" + name] = obj[()]
            g["arrays/reference"].visititems(visit)
            measured = {k: g["measured/" + k][()] for k in ("loss", "lr", "grad_norm")}
            return Export(g.attrs["workload"], arrays, measured, json.loads(g.attrs["params"]))
    raise SystemExit(f"{path}: no gpt or ernie cell{' ' + cell if cell else ''} with arrays/reference "
                     "(run it with export_reference: true)")


def _round(x):  # half away from zero, as C++'s std::round / llround
    return int(math.floor(x + 0.5))


def hyper(workload, params):
    """The replay's hyperparameters from a cell's params; defaults as the workloads document them
    (docs/small-model.md, docs/ernie.md)."""
    g = lambda k, d: params.get(k, d)  # noqa: E731
    steps = int(g("steps", 300))
    common = {"workload": workload, "layers": int(g("layers", 2)), "width": int(g("width", 32)),
              "heads": int(g("heads", 2)), "steps": steps, "beta1": float(g("beta1", 0.9)),
              "grad_clip": float(g("grad_clip", 1.0))}
    if workload == "gpt":
        return dict(common, context=int(g("context", 32)), batch=int(g("batch", 8)), lr=float(g("lr", 1e-2)),
                    schedule=g("lr_schedule", "cosine"), final_ratio=float(g("lr_final_ratio", 0.1)),
                    warmup_steps=_round(float(g("warmup", 0.05)) * steps),
                    weight_decay=float(g("weight_decay", 0.1)), beta2=float(g("beta2", 0.99)), eps=1e-8)
    return dict(common, context=int(g("context", 32)), batch=int(g("batch", 16)), lr=float(g("lr", 5e-3)),
                warmup_steps=max(1, _round(float(g("warmup_frac", 0.1)) * steps)),
                min_lr_frac=float(g("min_lr_frac", 0.0)), weight_decay=float(g("weight_decay", 0.01)),
                beta2=float(g("beta2", 0.999)), eps=float(g("eps", 1e-8)), pre_ln=g("norm", "pre") == "pre",
                activation=g("activation", "relu"), precision=g("dtype", "fp32"))


def learning_rate(hp, s):
    """gpt: linear warm-up over warmup_steps to the peak, then cosine (or linear) decay to
    peak·final_ratio at the last step; `constant` stays at the peak. ernie: linear warm-up, then
    linear decay from the peak to peak·min_lr_frac at the end of training."""
    lr, w, n = hp["lr"], hp["warmup_steps"], hp["steps"]
    if hp["workload"] == "ernie":
        if s < w:
            return lr * (s + 1) / w
        f = max(0.0, 1.0 - (s - w) / max(1, n - w))
        return lr * (hp["min_lr_frac"] + (1.0 - hp["min_lr_frac"]) * f)
    if hp["schedule"] == "constant":
        return lr
    if s < w:
        return lr * (s + 1) / w
    lo = lr * hp["final_ratio"]
    frac = min(1.0, (s - w) / max(n - w - 1, 1))
    if hp["schedule"] == "linear":
        return lr - (lr - lo) * frac
    return lo + 0.5 * (1.0 + math.cos(math.pi * frac)) * (lr - lo)


def replay(ex, hp, dtype=torch.float64, gelu=None, causal=False, head_ln=True, grad_scale=1.0,
           perturb_seed=None):
    """Trains from the export's initial weights on its batches. Returns a dict of numpy results.
    gelu (the GELU form: "tanh" or the exact "none"), causal, head_ln and grad_scale exist for the
    mutation test (a replay with wrong maths)."""
    if hp["workload"] == "gpt":
        shp = torch_gpt.shapes(VOCAB, hp["layers"], hp["width"], hp["context"])
        decayed = torch_gpt.MATRICES
        fwd = lambda p, b: torch_gpt.forward(p, b[0], b[1], hp["heads"], gelu=gelu or "tanh")  # noqa: E731
    else:
        shp = torch_ernie.shapes(hp)
        decayed = torch_ernie.MATRICES
        act = "relu" if hp["activation"] == "relu" else (gelu or "tanh")
        fwd = lambda p, b: torch_ernie.forward(p, b, hp, act=act, causal=causal, head_ln=head_ln)  # noqa: E731
    if sorted(shp) != ex.names:
        raise SystemExit(f"exported tensors {ex.names} are not the model's {sorted(shp)}")
    rng = np.random.default_rng(perturb_seed) if perturb_seed is not None else None
    p = {}
    for n in ex.names:
        w = ex.init(n).astype(np.float64).reshape(shp[n])  # float32 or float64 values, exactly
        if rng is not None:  # one ulp of the run's precision up or down per element
            nd = np.float32 if dtype == torch.float32 else np.float64
            w = np.nextafter(w.astype(nd), np.where(rng.random(w.shape) < 0.5, -np.inf, np.inf).astype(nd))
        p[n] = torch.tensor(w.astype(np.float64), dtype=dtype).requires_grad_(True)
    groups = [{"params": [p[n] for n in ex.names if n in decayed], "weight_decay": hp["weight_decay"]},
              {"params": [p[n] for n in ex.names if n not in decayed], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"])
    params = [p[n] for n in ex.names]
    out = {"loss": [], "grad_norm": [], "lr": []}
    for s in range(ex.steps):
        lr = learning_rate(hp, s)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad(set_to_none=True)
        batch = ex.batch(s)
        if hp["workload"] == "ernie" and batch[1].numel() == 0:
            # No target in the batch: loss 0 and zero gradients, and AdamW still steps (its moments
            # decay), as the workload does (docs/ernie.md). PyTorch's AdamW skips a None gradient.
            logits, loss = None, torch.zeros((), dtype=dtype)
            for t in p.values():
                t.grad = torch.zeros_like(t)
        else:
            logits, loss = fwd(p, batch)
            loss.backward()
            for t in p.values():  # a tensor the loss does not use (a mutant's) has zero gradient
                if t.grad is None:
                    t.grad = torch.zeros_like(t)
        if grad_scale != 1.0:
            for t in params:
                t.grad.mul_(grad_scale)
        norm = math.sqrt(sum(float((t.grad.double() ** 2).sum()) for t in params))
        if s == 0:  # before clipping, as exported
            if logits is not None:
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
    d = {}
    if "logits0" in ref:
        d["logits0"] = np.array([float(np.abs(ex_like["logits0"].reshape(-1) - ref["logits0"].reshape(-1)).max())
                                 / float(np.abs(ref["logits0"]).max())])
    return dict(d, **{
        "grads0": np.array([_worst(ex_like["grads0"], ref["grads0"], names)]),
        "loss": np.abs(np.asarray(ex_like["loss"]) - ref["loss"]),
        "grad_norm": np.abs(np.asarray(ex_like["grad_norm"]) - ref["grad_norm"]) / np.maximum(ref["grad_norm"], 1e-30),
        "final": np.array([_worst(ex_like["final"], ref["final"], names)]),
    })


def as_result(ex):
    """The export in replay()'s shape."""
    a = ex.arrays
    r = {"loss": ex.measured["loss"], "grad_norm": ex.measured["grad_norm"], "lr": ex.measured["lr"],
         "grads0": {n: a["reference/grads/" + n] for n in ex.names},
         "final": {n: a["reference/final/" + n] for n in ex.names}}
    if "reference/logits" in a:
        r["logits0"] = a["reference/logits"]
    return r


def envelope(ex, hp, ref, **maths):
    """Per measure, the running maximum over steps of the largest deviation of K replays at the
    export's precision (float32; float64 for an ernie cell run with dtype: fp64, where the
    unperturbed run is the reference itself and only the K-1 perturbed ones count)."""
    env = None
    fp64 = hp.get("precision") == "fp64"
    for k in range(1 if fp64 else 0, K_RUNS):
        d = deviations(replay(ex, hp, dtype=torch.float64 if fp64 else torch.float32,
                              perturb_seed=None if k == 0 else k, **maths), ref)
        env = d if env is None else {m: np.maximum(env[m], d[m]) for m in d}
    return {m: np.maximum.accumulate(v) for m, v in env.items()}


def check(ex, hp, quiet=False, **maths):
    """Replays `ex` under `hp` (and the replay maths given) and compares. Returns (ok, lines)."""
    ref = replay(ex, hp, **maths)
    env = envelope(ex, hp, ref, **maths)
    dev = deviations(as_result(ex), ref)
    lines, ok = [], True
    unit = 2.0 ** -53 if hp.get("precision") == "fp64" else 2.0 ** -24  # unit roundoff of the export
    for m in [k for k in ("logits0", "grads0", "loss", "grad_norm", "final") if k in dev]:
        # Never below 4 roundoffs of the quantity itself (the loss in nats; the others relative):
        # where every perturbed run happens to round to the same value the envelope is 0.
        floor = 4 * unit * (np.abs(ref["loss"]) if m == "loss" else 1.0)
        tol = np.maximum(FACTOR * env[m], floor)
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
    hp = hyper(ex.workload, ex.params)
    print(f"PyTorch {torch.__version__} float64 replay of {ex.steps} exported {ex.workload} steps "
          f"(L={hp['layers']} C={hp['width']} H={hp['heads']} T={hp['context']} B={hp['batch']}); "
          f"tolerance {FACTOR:g}x the envelope of {K_RUNS} float32 replays")
    ok, _ = check(ex, hp)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
