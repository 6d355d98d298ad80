#!/usr/bin/env python3
"""tests/workloads/torch_crosscheck.py — the GPT's exported step 0 against PyTorch 1.13.

Loads the reference the `gpt` workload exports with `export_reference: true` (initial parameters,
batch, logits, loss, every gradient, parameters after the first AdamW step), runs the same step
in PyTorch (bench/torch_gpt.py) and compares. Sources, one of:
  --driver XPB_TESTS   run the Catch2 test that dumps the reference (raw float64 files)
  --dump DIR           a dump written earlier by that test (XPB_REFERENCE_OUT=DIR)
  --result-set FILE    an HDF5 result set (first cell with /cells/*/arrays/reference), via h5py
Exit 0 when everything matches, 1 on a mismatch, 77 (CTest SKIP_RETURN_CODE) without torch.
"""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError as e:  # visible skip, not a silent pass
    print(f"SKIP: PyTorch cross-check needs numpy and torch for {sys.executable} ({e}); "
          "install Debian's python3-torch", flush=True)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
import torch_gpt  # noqa: E402

TEST_NAME = "gpt workload: export_reference reports step 0 in full"


def load_dump(folder):
    arrays = {}
    with open(os.path.join(folder, "manifest.txt")) as f:
        for line in f:
            parts = line.split()
            if parts[0] == "losses":
                continue
            name, file, _dtype, shape = parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else ""
            data = np.fromfile(os.path.join(folder, file), dtype="<f8")
            dims = tuple(int(d) for d in shape.split(",")) if shape else (data.size,)
            arrays[name] = data.reshape(dims)
    return arrays


def load_result_set(path):
    import h5py
    arrays = {}
    with h5py.File(path, "r") as f:
        for cell in f["cells"].values():
            if "arrays/reference" not in cell:
                continue
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    arrays["reference/" + name] = obj[()]
            cell["arrays/reference"].visititems(visit)
            return arrays
    raise SystemExit(f"{path}: no cell with arrays/reference (run with export_reference: true)")


def run_driver(driver):
    out = tempfile.mkdtemp(prefix="xpb-torch-")
    env = dict(os.environ, XPB_REFERENCE_OUT=out)
    subprocess.run([driver, TEST_NAME], check=True, env=env, stdout=subprocess.DEVNULL)
    return load_dump(out)


def compare(name, ours, theirs, tol, report):
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    scale = max(float(np.abs(theirs).max()), 1e-3)
    err = float(np.abs(ours - theirs).max()) / scale
    ok = err <= tol
    report.append((ok, f"{'ok  ' if ok else 'FAIL'} {name:28s} max|diff|/max|ref| = {err:.2e} (tol {tol:.0e})"))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--driver")
    src.add_argument("--dump")
    src.add_argument("--result-set")
    args = ap.parse_args()
    a = run_driver(args.driver) if args.driver else load_dump(args.dump) if args.dump else load_result_set(args.result_set)

    torch.set_num_threads(1)
    cfg = a["reference/config"].reshape(-1)
    V, L, C, H, T, B = (int(x) for x in cfg[:6])
    lr, wd, b1, b2, eps, clip = (float(x) for x in cfg[6:12])
    names = list(torch_gpt.shapes(V, L, C, T).keys())
    p = {n: torch.tensor(a["reference/params/" + n], dtype=torch.float32).reshape(torch_gpt.shapes(V, L, C, T)[n])
         .requires_grad_(True) for n in names}
    idx = torch.tensor(a["reference/inputs"], dtype=torch.int64).reshape(B, T)
    tgt = torch.tensor(a["reference/targets"], dtype=torch.int64).reshape(B, T)
    logits, loss = torch_gpt.forward(p, idx, tgt, H)
    loss.backward()

    report = []
    ok = compare("logits", a["reference/logits"].reshape(B, T, V), logits.detach().numpy(), 1e-4, report)
    ok &= compare("loss", a["reference/loss"].reshape(-1), [loss.item()], 1e-5, report)
    for n in names:
        ok &= compare("grad " + n, a["reference/grads/" + n], p[n].grad.numpy(), 1e-3, report)

    # One clipped AdamW step in PyTorch from the same state.
    opt = torch_gpt.make_optimizer(p, lr, weight_decay=wd, betas=(b1, b2), eps=eps)
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(list(p.values()), clip)
    opt.step()
    for n in names:
        # Adam's first step moves each element by about ±lr (sign of its gradient), so compare
        # the displacement relative to lr, where gradients are clearly non-zero.
        ref = a["reference/params/" + n].reshape(-1)
        mine = a["reference/updated/" + n].reshape(-1) - ref
        theirs = p[n].detach().numpy().reshape(-1).astype(np.float64) - ref
        mask = np.abs(a["reference/grads/" + n].reshape(-1)) > 1e-6
        err = float(np.abs(mine - theirs)[mask].max()) / lr if mask.any() else 0.0
        good = err <= 1e-2
        ok &= good
        report.append((good, f"{'ok  ' if good else 'FAIL'} {'adamw step ' + n:28s} max|diff|/lr = {err:.2e} (tol 1e-02)"))

    print(f"PyTorch {torch.__version__} cross-check of the exported GPT step 0 "
          f"(V={V} L={L} C={C} H={H} T={T} B={B}): loss {float(a['reference/loss'].reshape(-1)[0]):.6f} "
          f"vs {loss.item():.6f}")
    for good, line in report:
        print(line)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
