"""bench/torch_gpt.py — the xpubench GPT (workloads/gpt/) written again in PyTorch, functionally.

Parameters are a dict of tensors named and shaped exactly like the Kokkos model's flat layout
(workloads/gpt/gpt_config.hpp: wte (V, C), qkvw (L, 3C, C), ...), so an exported reference step
loads without renaming. Used by bench/training_vs_pytorch.py (speed) and
scripts/torch_replay.py (numerics, float64). Not a general-purpose model.
"""
import math

import torch
import torch.nn.functional as F

MATRICES = ["wte", "wpe", "qkvw", "attprojw", "fcw", "fcprojw"]
VECTORS = ["ln1w", "ln1b", "qkvb", "attprojb", "ln2w", "ln2b", "fcb", "fcprojb", "lnfw", "lnfb"]


def shapes(V, L, C, T):
    return {"wte": (V, C), "wpe": (T, C), "qkvw": (L, 3 * C, C), "attprojw": (L, C, C),
            "fcw": (L, 4 * C, C), "fcprojw": (L, C, 4 * C), "ln1w": (L, C), "ln1b": (L, C),
            "qkvb": (L, 3 * C), "attprojb": (L, C), "ln2w": (L, C), "ln2b": (L, C),
            "fcb": (L, 4 * C), "fcprojb": (L, C), "lnfw": (C,), "lnfb": (C,)}


def init_tensors(shp, std, gains, seed=0, dtype=torch.float32):
    """Tensors of the given shapes (name -> shape, in order): normal(0, std(name)) where std gives
    a number, ones for the names in `gains`, zeros for the rest; all require gradients. Shared
    with bench/torch_ernie.py."""
    g = torch.Generator().manual_seed(seed)
    p = {}
    for name, s in shp.items():
        sd = std(name)
        if sd is not None:
            p[name] = torch.randn(s, generator=g, dtype=dtype) * sd
        elif name in gains:
            p[name] = torch.ones(s, dtype=dtype)
        else:
            p[name] = torch.zeros(s, dtype=dtype)
    for t in p.values():
        t.requires_grad_(True)
    return p


def init_params(V, L, C, T, seed=0, dtype=torch.float32):
    """GPT-2 initialisation (same distribution as the Kokkos model, not the same numbers)."""
    def std(name):
        if name not in MATRICES:
            return None
        return 0.02 / math.sqrt(2 * L) if name in ("attprojw", "fcprojw") else 0.02
    return init_tensors(shapes(V, L, C, T), std, ("ln1w", "ln2w", "lnfw"), seed, dtype)


def forward(p, idx, targets, heads, gelu="tanh"):
    """idx, targets: (B, T) int64. Returns (logits (B, T, V), mean loss). gelu: "tanh" (the
    model's) or "none" (the exact erf form, a wrong model for scripts/torch_replay.py's mutants)."""
    B, T = idx.shape
    V, C = p["wte"].shape
    L = p["qkvw"].shape[0]
    D = C // heads
    x = p["wte"][idx] + p["wpe"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(L):
        h = F.layer_norm(x, (C,), p["ln1w"][l], p["ln1b"][l], 1e-5)
        qkv = F.linear(h, p["qkvw"][l], p["qkvb"][l])
        q, k, v = qkv.split(C, dim=2)
        q = q.view(B, T, heads, D).transpose(1, 2)
        k = k.view(B, T, heads, D).transpose(1, 2)
        v = v.view(B, T, heads, D).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + F.linear(y, p["attprojw"][l], p["attprojb"][l])
        h = F.layer_norm(x, (C,), p["ln2w"][l], p["ln2b"][l], 1e-5)
        h = F.gelu(F.linear(h, p["fcw"][l], p["fcb"][l]), approximate=gelu)
        x = x + F.linear(h, p["fcprojw"][l], p["fcprojb"][l])
    x = F.layer_norm(x, (C,), p["lnfw"], p["lnfb"], 1e-5)
    logits = F.linear(x, p["wte"])
    loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    return logits, loss


def make_optimizer(p, lr, weight_decay=0.1, betas=(0.9, 0.99), eps=1e-8):
    groups = [{"params": [p[n] for n in MATRICES], "weight_decay": weight_decay},
              {"params": [p[n] for n in VECTORS], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
