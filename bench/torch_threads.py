"""bench/torch_threads.py — give PyTorch exactly the thread count a bench asks for.

torch.set_num_threads sets the intra-op OpenMP pool only. Debian's python3-torch does its fp32
matmuls through the system BLAS (BLAS_INFO=generic: OpenBLAS, pthread build), whose own thread
pool keeps one thread per core whatever torch was told: "1 thread" matmuls ran on 2 cores
(torch.matmul 1024³ 267 GFLOP/s at 1.96 CPU seconds per wall second on the 2-core Xeon VM,
138 GFLOP/s at 1.03 with OPENBLAS_NUM_THREADS=1). So set_threads(n) also calls
openblas_set_num_threads(n) in every OpenBLAS library loaded into this process, and says which.
"""
import ctypes

import torch


def _loaded_libraries():
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line and ".so" in line}
    return sorted(paths)


def set_threads(n):
    """torch's intra-op threads and every loaded OpenBLAS's threads to n; returns the OpenBLAS
    libraries capped (empty when torch uses none, e.g. an MKL build)."""
    torch.set_num_threads(n)
    torch.matmul(torch.ones(2, 2), torch.ones(2, 2))  # the BLAS is loaded by the first matmul
    capped = []
    for path in _loaded_libraries():
        if "blas" not in path:
            continue
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_set_num_threads(ctypes.c_int(n))
        except (OSError, AttributeError):
            continue
        capped.append(path)
    return capped
