"""bench/torch_ernie.py — the xpubench ERNIE byte encoder (workloads/ernie/) written again in PyTorch.

Parameters are a dict of tensors named and shaped like the Kokkos model's flat layout
(workloads/ernie/encoder_config.hpp), so an exported reference step loads without renaming.
`hp` holds layers, width, heads, context and pre_ln. Used by scripts/torch_replay.py (numerics,
float64) and bench/training_vs_pytorch.py (speed). Not a general-purpose model.
"""
import math

import torch

import torch_gpt

MATRICES = ["wte", "wpe", "qkvw", "attprojw", "fcw", "fcprojw", "headw"]  # AdamW decays these


def init_params(hp, seed=0, dtype=torch.float32):
    """normal(0, 0.5/sqrt(width)) matrices (the workload's default init_std), ones for the
    LayerNorm gains, zeros for biases: the same distribution as the Kokkos model, not the same
    numbers."""
    sd = 0.5 / math.sqrt(hp["width"])
    return torch_gpt.init_tensors(shapes(hp), lambda name: sd if name in MATRICES else None,
                                  ("ln1w", "ln2w", "lnfw", "emblnw", "headlnw"), seed, dtype)


def shapes(hp, V=260):
    L, C, T = hp["layers"], hp["width"], hp["context"]
    F = 4 * C
    s = {"wte": (V, C), "wpe": (T, C), "qkvw": (L, 3 * C, C), "attprojw": (L, C, C), "fcw": (L, F, C),
         "fcprojw": (L, C, F), "headw": (C, C), "qkvb": (L, 3 * C), "attprojb": (L, C), "ln1w": (L, C),
         "ln1b": (L, C), "fcb": (L, F), "fcprojb": (L, C), "ln2w": (L, C), "ln2b": (L, C), "headb": (C,),
         "headlnw": (C,), "headlnb": (C,), "outb": (V,)}
    s.update({"lnfw": (C,), "lnfb": (C,)} if hp["pre_ln"] else {"emblnw": (C,), "emblnb": (C,)})
    return s


def forward(p, batch, hp, act="relu", causal=False, head_ln=True):
    """The byte encoder (docs/ernie.md): embeddings (+ LayerNorm post-LN), L blocks of full
    self-attention and an FFN, pre-LN (final LayerNorm) or post-LN; the masked-LM head on the
    target rows only: dense, activation, LayerNorm, decoder tied to wte with its own bias, mean
    cross-entropy over the targets. Returns (None, loss)."""
    F = torch.nn.functional
    inp, pos, lab = batch
    B, T = inp.shape
    C, H = hp["width"], hp["heads"]
    D = C // H
    a = {"relu": F.relu, "tanh": lambda x: F.gelu(x, approximate="tanh"), "none": F.gelu}[act]
    ln = lambda x, w, b: F.layer_norm(x, (C,), w, b, 1e-5)  # noqa: E731
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool)) if causal else None

    def attention(h, l):
        q, k, v = F.linear(h, p["qkvw"][l], p["qkvb"][l]).split(C, dim=2)
        q, k, v = (t.view(B, T, H, D).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))
        if mask is not None:
            att = att.masked_fill(~mask, float("-inf"))
        y = (att.softmax(dim=-1) @ v).transpose(1, 2).contiguous().view(B, T, C)
        return F.linear(y, p["attprojw"][l], p["attprojb"][l])

    def ffn(h, l):
        return F.linear(a(F.linear(h, p["fcw"][l], p["fcb"][l])), p["fcprojw"][l], p["fcprojb"][l])

    x = p["wte"][inp] + p["wpe"][:T]
    if not hp["pre_ln"]:
        x = ln(x, p["emblnw"], p["emblnb"])
    for l in range(hp["layers"]):
        if hp["pre_ln"]:
            r1 = x + attention(ln(x, p["ln1w"][l], p["ln1b"][l]), l)
            x = r1 + ffn(ln(r1, p["ln2w"][l], p["ln2b"][l]), l)
        else:
            h = ln(x + attention(x, l), p["ln1w"][l], p["ln1b"][l])
            x = ln(h + ffn(h, l), p["ln2w"][l], p["ln2b"][l])
    if hp["pre_ln"]:
        x = ln(x, p["lnfw"], p["lnfb"])
    hm = x.reshape(B * T, C)[pos]
    hd = a(F.linear(hm, p["headw"], p["headb"]))
    if head_ln:
        hd = ln(hd, p["headlnw"], p["headlnb"])
    logits = F.linear(hd, p["wte"], p["outb"])
    return None, F.cross_entropy(logits, lab)
