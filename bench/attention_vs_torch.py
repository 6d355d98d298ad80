#!/usr/bin/env python3
"""bench/attention_vs_torch.py — the tiled attention's forward + backward against PyTorch 1.13's
matmul–softmax–matmul composition, side by side, on the same shape (B = 1, T = 512, 8 heads,
d_head = 64, fp32, causal and bidirectional) on the same number of cores: ours with that many
threads, PyTorch with each pair of OpenMP and OpenBLAS thread counts that uses them
(bench/torch_threads.py), its fastest pair kept.

Alternates: one run of build/bench/xpb_bench_attention --attention-only (its own median over
its rounds) then the PyTorch composition timed the same way (median of as many rounds, after a
warm-up), `pairs` times; reports the median of each side over the pairs and the ratio of the
medians (ours faster = ratio > 1). PyTorch: s = q·kᵀ/√D (masked with -inf above the diagonal
when causal), p = softmax(s), o = p·v, then o.backward(dout); the graph is rebuilt every round as
training does.

  /usr/bin/python3 bench/attention_vs_torch.py --driver build/bench/xpb_bench_attention
"""
import argparse
import math
import os
import statistics
import subprocess
import time

import torch

from torch_threads import configs, openblas_libraries, set_threads


def torch_seconds(causal, rounds, omp, blas):
    set_threads(omp, blas)
    g = torch.Generator().manual_seed(1)
    B, H, T, D = 1, 8, 512, 64
    q, k, v = (torch.randn(B, H, T, D, generator=g).requires_grad_() for _ in range(3))
    dout = torch.randn(B, H, T, D, generator=g)
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)

    def step():
        s = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(D))
        if causal:
            s = s.masked_fill(mask, float("-inf"))
        o = torch.matmul(torch.softmax(s, dim=-1), v)
        o.backward(dout)
        q.grad = k.grad = v.grad = None

    step()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ours_seconds(driver, rounds, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false")
    out = subprocess.run([driver, str(rounds), "--attention-only"], check=True, env=env,
                         capture_output=True, text=True).stdout
    got = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] == "seconds":
            got[f[0]] = float(f[2])
    return got["attention_causal"], got["attention_bidirectional"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=9)
    a = ap.parse_args()
    modes = ("causal", "bidirectional")
    pools = configs(a.threads)
    ours = {m: [] for m in modes}
    theirs = {(m, p): [] for m in modes for p in pools}
    for _ in range(a.pairs):
        c, f = ours_seconds(a.driver, a.rounds, a.threads)
        ours["causal"].append(c)
        ours["bidirectional"].append(f)
        for p in pools:
            for m in modes:
                theirs[(m, p)].append(torch_seconds(m == "causal", a.rounds, *p))
    capped = [os.path.basename(p) for p, _ in openblas_libraries()]
    print(f"# torch {torch.__version__} on {a.threads} cores: each (OpenMP, OpenBLAS) thread pair within them "
          f"(OpenBLAS pools set: {', '.join(capped) or 'none loaded'}), PyTorch's best kept; "
          f"{a.pairs} alternated pairs of {a.rounds} rounds (medians)")
    for m in modes:
        for p in pools:
            print(f"# torch attention_{m} omp={p[0]} blas={p[1]} seconds {statistics.median(theirs[(m, p)]):.6g}")
    for m in modes:
        o = statistics.median(ours[m])
        t = min(statistics.median(theirs[(m, p)]) for p in pools)
        print(f"attention_{m} ours_seconds {o:.6g} torch_seconds {t:.6g} ratio {t / o:.3f}")


if __name__ == "__main__":
    main()
