"""bench/torch_threads.py — give PyTorch exactly the threads a bench asks for.

torch.set_num_threads sets the intra-op OpenMP pool only. Debian's python3-torch does its fp32
matmuls through the system BLAS (BLAS_INFO=generic: OpenBLAS, pthread build), whose own pool
keeps one thread per core whatever torch was told: "1 thread" matmuls ran on 2 cores
(torch.matmul 1024³ 267 GFLOP/s at 1.96 CPU seconds per wall second on the 2-core Xeon VM,
138 GFLOP/s at 1.03 with OPENBLAS_NUM_THREADS=1). So set_threads(omp, blas) sets both pools.

The two pools also contend: with both at 2 on 2 cores the OpenMP workers spin while OpenBLAS's
run, and PyTorch is slower than with one of them at 1. A bench that gives PyTorch c cores
therefore times every configuration within them (configs(c)) and keeps PyTorch's best.
"""
import ctypes

import torch


_openblas = None  # (path, its openblas_set_num_threads), found once


def openblas_libraries():
    """The OpenBLAS libraries loaded into this process (after a first matmul has loaded the BLAS),
    with their openblas_set_num_threads; empty when torch uses none, e.g. an MKL build."""
    global _openblas
    if _openblas is None:
        torch.matmul(torch.ones(2, 2), torch.ones(2, 2))  # the BLAS is loaded by the first matmul
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "/" in line and ".so" in line})
        _openblas = []
        for path in (p for p in paths if "blas" in p):
            try:
                _openblas.append((path, ctypes.CDLL(path).openblas_set_num_threads))
            except (OSError, AttributeError):
                continue
    return _openblas


def set_threads(omp, blas=None):
    """torch's intra-op threads to omp and every loaded OpenBLAS's threads to blas (default omp)."""
    torch.set_num_threads(omp)
    for _, set_num_threads in openblas_libraries():
        set_num_threads(ctypes.c_int(blas if blas is not None else omp))


def configs(cores):
    """The (omp, blas) thread pairs that use at most `cores` cores and at least one of them all."""
    return [(o, b) for o in range(1, cores + 1) for b in range(1, cores + 1) if max(o, b) == cores]
