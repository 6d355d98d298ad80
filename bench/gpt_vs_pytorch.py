#!/usr/bin/env python3
"""bench/gpt_vs_pytorch.py — training tokens/s of the `gpt` workload against PyTorch, side by side.

Runs the same byte-level GPT (same L, C, H, T, B, AdamW, clipping) for a few steps on the KJV
text: ours through `xpubench run` on a generated one-cell experiment (tokens_per_second from the
result set: forward + backward + update, evaluation excluded), PyTorch 1.13 on the CPU through
bench/torch_gpt.py, each at every thread count asked for. Reports both, the best of each, and the
ratio ours/PyTorch. Also prints process CPU seconds per step, which stays meaningful when other
jobs share the cores. Timing only: numerics are checked by scripts/torch_replay.py.

  /usr/bin/python3 bench/gpt_vs_pytorch.py --xpubench build/cli/xpubench [--config small]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_gpt  # noqa: E402

CONFIGS = {  # name: (layers, width, heads, context, batch)
    "tiny": (2, 32, 2, 32, 8),
    "small": (4, 128, 4, 64, 16),
}


def ours(xpubench, cfg, steps, threads, gemm, data_dir):
    L, C, H, T, B = cfg
    with tempfile.TemporaryDirectory() as tmp:
        exp = os.path.join(tmp, "bench.yaml")
        with open(exp, "w") as f:
            f.write(f"""name: gpt-bench
seed: 1
repeats: 1
warmup: 0
platforms: [host]
workloads:
  - workload: gpt
    params: {{layers: {L}, width: {C}, heads: {H}, context: {T}, batch: {B}, steps: {steps},
              eval_interval: {10 * steps}, eval_batches: 1, gemm: {gemm}, lr: 1.0e-3}}
""")
        out = os.path.join(tmp, "bench.h5")
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false",
                   OPENBLAS_NUM_THREADS=str(threads), XPB_DATA_DIR=data_dir)
        t0 = os.times()
        subprocess.run([xpubench, "run", exp, "-o", out, "--force"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        t1 = os.times()
        with h5py.File(out, "r") as f:
            cell = next(iter(f["cells"].values()))
            tps = float(cell["metrics/tokens_per_second"][()].reshape(-1)[0])
        cpu = (t1.children_user + t1.children_system - t0.children_user - t0.children_system) / steps
        return tps, cpu


def pytorch(cfg, steps, threads, text):
    L, C, H, T, B = cfg
    torch.set_num_threads(threads)
    p = torch_gpt.init_params(256, L, C, T)
    opt = torch_gpt.make_optimizer(p, 1e-3)
    rng = np.random.default_rng(0)
    data = np.frombuffer(text, dtype=np.uint8)
    warm = 3
    for i in range(steps + warm):
        if i == warm:
            t0, c0 = time.perf_counter(), time.process_time()
        s = rng.integers(0, len(data) - T - 1, size=B)
        win = torch.tensor(np.stack([data[j:j + T + 1] for j in s]).astype(np.int64))
        _, loss = torch_gpt.forward(p, win[:, :-1], win[:, 1:], H)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), 1.0)
        opt.step()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return B * T * steps / wall, cpu / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--xpubench", required=True, help="path to the xpubench binary")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="small")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", default="1,2", help="thread counts to try, e.g. 1,2")
    ap.add_argument("--gemm", default="native,vendor", help="our GEMM paths to try")
    ap.add_argument("--data-dir", default=os.environ.get("XPB_DATA_DIR", os.path.join(HERE, "..", ".cache", "data")))
    a = ap.parse_args()
    cfg = CONFIGS[a.config]
    with open(os.path.join(a.data_dir, "kjv.txt"), "rb") as f:
        text = f.read()
    threads = [int(t) for t in a.threads.split(",")]
    print(f"config {a.config}: L={cfg[0]} C={cfg[1]} H={cfg[2]} T={cfg[3]} B={cfg[4]}, {a.steps} timed steps")
    print(f"{'who':28s} {'threads':>7s} {'tokens/s':>10s} {'cpu s/step':>11s}")
    best_ours, best_torch = {}, 0.0
    for gemm in a.gemm.split(","):
        for t in threads:
            tps, cpu = ours(a.xpubench, cfg, a.steps, t, gemm, a.data_dir)
            best_ours[gemm] = max(best_ours.get(gemm, 0.0), tps)
            print(f"{'xpubench gpt (gemm=' + gemm + ')':28s} {t:7d} {tps:10.0f} {cpu:11.4f}")
    for t in threads:
        tps, cpu = pytorch(cfg, a.steps, t, text)
        best_torch = max(best_torch, tps)
        print(f"{'pytorch ' + torch.__version__:28s} {t:7d} {tps:10.0f} {cpu:11.4f}")
    for gemm, tps in best_ours.items():
        print(f"ratio ours(gemm={gemm}, best threads) / pytorch(best threads) = {tps / best_torch:.2f}x")


if __name__ == "__main__":
    main()
