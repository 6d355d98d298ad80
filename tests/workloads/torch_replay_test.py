#!/usr/bin/python3
"""tests/workloads/torch_replay_test.py — the float64 PyTorch replay of 30 training steps of the
`gpt` or the `ernie` workload, and its mutation test.

  --mode check    the real workload's export must agree with the replay (scripts/torch_replay.py).
                  Catches: any change to the GPT's forward, backward, clipping, AdamW or learning-
                  rate schedule that moves a loss, gradient norm or final weight by more than
                  3x what float32 rounding explains.
  --mode mutants  the replay must reject each deliberately wrong run, generated here:
                  - exports of the real C++ workload run with one hyperparameter changed behind
                    the replay's back (the replay is given the intended value), i.e. what an
                    implementation that ignores or misreads it would export: no weight decay,
                    beta1 0.9 -> 0.85, beta2 0.99 -> 0.995, clipping off;
                  - the correct export against a replay with wrong maths: gradient x1.0009,
                    exact erf-GELU instead of the model's tanh-GELU; for ernie also causal
                    instead of bidirectional attention and the masked-LM head without its
                    LayerNorm.
                  Every mutant must fail the check; the baseline must pass. Catches: a replay or
                  tolerance too weak to see these errors (the failure the issue reported).

Each mode writes an experiment (and for gpt a generated verse corpus; ernie uses its built-in
planted corpus) into a temporary folder and runs the real `xpubench run` (HDF5 result set, read
with h5py). ernie runs two cells: pre-LN with ReLU (the default) and post-LN with GELU (ERNIE 1.0's
norm), so both branches of the encoder are replayed. Exit 0 pass, 1 fail, 77 without torch.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import torch_replay  # noqa: E402  (exits 77 without numpy/torch)
import torch  # noqa: E402

# The run replayed: the tiny tier's shape with a shorter context and batch (fast in float64),
# 30 steps at the tiny tier's lr, with its default schedule, AdamW settings and clip 1.0, all
# spelt out: the replay is given these values, whatever a cell ran with.
BASE = {"layers": 2, "width": 32, "heads": 2, "context": 16, "batch": 4, "steps": 30, "lr": 1.0e-2,
        "lr_schedule": "cosine", "lr_final_ratio": 0.1, "warmup": 0.05, "weight_decay": 0.1,
        "beta1": 0.9, "beta2": 0.99, "grad_clip": 1.0, "eval_interval": 30, "eval_batches": 1,
        "export_reference": True}

# ernie: a 2-layer width-32 encoder, 30 steps on the planted corpus through the staged masking,
# its defaults spelt out (weight decay 0.1 instead of 0.01 so that dropping it moves 30 steps by
# more than rounding does). It trains in float64 (`dtype: fp64`, the encoder is templated on the
# scalar): the replay then sees the maths without float32 noise (agreement ~1e-15 per loss). The
# float32 encoder differs only in the scalar type; its rounding sits above what 8 float32 PyTorch
# replays show (PyTorch's reductions sum pairwise), so a float32 check would need a looser bound.
ERNIE = {"corpus": "planted", "dtype": "fp64", "layers": 2, "width": 32, "heads": 2, "ffn": 0, "context": 16, "batch": 4,
         "steps": 30, "lr": 5.0e-3, "warmup_frac": 0.1, "min_lr_frac": 0.0, "weight_decay": 0.1,
         "beta1": 0.9, "beta2": 0.999, "eps": 1.0e-8, "grad_clip": 1.0, "norm": "pre", "activation": "relu",
         "mask_schedule": "stages", "eval_every": 0, "eval_batches": 1, "export_reference": True}
ERNIE_GELU = dict(ERNIE, norm="post", activation="gelu")

# (name, base cell, C++ params changed behind the replay's back, wrong replay maths)
MUTANTS = {
    "gpt": [
        ("no weight decay", BASE, {"weight_decay": 0.0}, {}),
        ("beta1 0.9 -> 0.85", BASE, {"beta1": 0.85}, {}),
        ("beta2 0.99 -> 0.995", BASE, {"beta2": 0.995}, {}),
        ("clipping off", BASE, {"grad_clip": 0.0}, {}),
        ("gradient x1.0009", BASE, {}, {"grad_scale": 1.0009}),
        ("erf-GELU instead of tanh-GELU", BASE, {}, {"gelu": "none"}),
    ],
    "ernie": [
        ("no weight decay", ERNIE, {"weight_decay": 0.0}, {}),
        ("beta1 0.9 -> 0.85", ERNIE, {"beta1": 0.85}, {}),
        ("beta2 0.999 -> 0.995", ERNIE, {"beta2": 0.995}, {}),
        ("clipping off", ERNIE, {"grad_clip": 0.0}, {}),
        ("gradient x1.0009", ERNIE, {}, {"grad_scale": 1.0009}),
        ("causal instead of bidirectional attention", ERNIE, {}, {"causal": True}),
        ("masked-LM head without its LayerNorm", ERNIE, {}, {"head_ln": False}),
        ("erf-GELU instead of tanh-GELU", ERNIE_GELU, {}, {"gelu": "none"}),
    ],
}
BASES = {"gpt": [BASE], "ernie": [ERNIE, ERNIE_GELU]}

WORDS = ("and the of unto he shall lord his that in they them said god thou thy be is for "
         "which was not him with all my me from israel king house people land day son").split()


def write_corpus(path, verses=800, seed=11):
    """A verse file ("REF words ...") from a fixed word list; deterministic in the seed."""
    r = random.Random(seed)
    with open(path, "w") as f:
        for v in range(verses):
            n = r.randint(6, 18)
            f.write(f"Tx{v // 30 + 1}:{v % 30 + 1} " + " ".join(r.choice(WORDS) for _ in range(n)) + ".\n")


def yaml_value(v):
    return "true" if v is True else "false" if v is False else repr(v) if isinstance(v, float) else str(v)


def run_cells(xpubench, workload, cells, tmp):
    corpus = os.path.join(tmp, "corpus.txt")
    write_corpus(corpus)
    exp = os.path.join(tmp, "replay.yaml")
    with open(exp, "w") as f:
        f.write("name: torch-replay\nseed: 42\nrepeats: 1\nwarmup: 0\nplatforms: [host]\nworkloads:\n")
        for params in cells:
            f.write(f"  - workload: {workload}\n    params:\n")
            for k, v in (dict(params, corpus=corpus) if workload == "gpt" else params).items():
                f.write(f"      {k}: {yaml_value(v)}\n")
    out = os.path.join(tmp, "replay.h5")
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
               XPB_CACHE_DIR=os.path.join(tmp, "cache"))
    subprocess.run([xpubench, "run", exp, "-o", out], check=True, env=env, stdout=subprocess.DEVNULL)
    return out


def find(path, params):
    """The export of the cell that ran with `params`."""
    import h5py
    import json
    with h5py.File(path, "r") as f:
        for cid, g in f["cells"].items():
            p = json.loads(g.attrs["params"])
            if all(p.get(k) == v for k, v in params.items() if k != "corpus" or v == "planted"):
                if g.attrs["status"] != "ok":
                    raise SystemExit(f"cell {cid} is {g.attrs['status']}: {g.attrs['reason']}")
                return torch_replay.load(path, cid)
    raise SystemExit(f"{path}: no cell with {params}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--xpubench", required=True)
    ap.add_argument("--workload", choices=["gpt", "ernie"], default="gpt")
    ap.add_argument("--mode", choices=["check", "mutants"], required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix="xpb-replay-")
    try:
        bases = BASES[args.workload]
        mutants = MUTANTS[args.workload] if args.mode == "mutants" else []
        cells = bases + [dict(b, **changed) for _, b, changed, _ in mutants if changed]
        t0 = time.time()
        h5 = run_cells(args.xpubench, args.workload, cells, tmp)
        print(f"PyTorch {torch.__version__}: {len(cells)} {args.workload} cell(s) run in {time.time() - t0:.1f} s; "
              f"float64 replay of 30 steps, tolerance {torch_replay.FACTOR:g}x the envelope of "
              + (f"{torch_replay.K_RUNS - 1} perturbed float64 replays (cells in fp64)" if args.workload == "ernie"
                 else f"{torch_replay.K_RUNS} float32 replays"))
        ok = True
        for b in bases:
            ex = find(h5, b)
            hp = torch_replay.hyper(args.workload, b)
            clipped = int((ex.measured["grad_norm"] > hp["grad_clip"]).sum())
            label = "" if len(bases) == 1 else f" ({b.get('norm')}-LN, {b.get('activation')})"
            print(f"baseline{label}: gradient norm above the clip ({hp['grad_clip']:g}) on {clipped} of "
                  f"{ex.steps} steps")
            good, _ = torch_replay.check(ex, hp)
            print(f"baseline{label}: {'PASS' if good else 'FAIL'}")
            ok &= good
        if not ok:
            return 1
        if args.mode == "check":
            return 0
        survivors = []
        for name, b, changed, maths in mutants:
            ex = find(h5, dict(b, **changed))
            agrees, lines = torch_replay.check(ex, torch_replay.hyper(args.workload, b), quiet=True, **maths)
            print(f"mutant {name}: {'SURVIVED (the replay passed it)' if agrees else 'caught'}")
            for ln in lines:
                if ln.startswith("FAIL"):
                    print("    " + ln)
            if agrees:
                survivors.append(name)
        if survivors:
            print(f"FAIL: {len(survivors)} mutant(s) passed the replay: {', '.join(survivors)}")
            return 1
        print(f"PASS: all {len(mutants)} mutants caught")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
