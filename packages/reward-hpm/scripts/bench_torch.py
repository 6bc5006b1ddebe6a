"""Torch eager reference for the bench: the same random-weight CLIP as gen_clip_fixture.py (same preset and seed,
so the same weights), timed on the inputs the TS bench wrote (int64 ids, float32 pixel_values).

The TS bench starts it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from this child's environment only, so
OpenBLAS picks its best kernel for the CPU; the kernel it ran is reported.

Usage: /usr/bin/python3 bench_torch.py --preset vit-b-32 --seed 1234 --inputs DIR --serve
  First line out: {"ready": true, "threads", "kernel": {...}, "gemm_gflops"}.
  Then per line in: a batch size N -> one JSON line {"batch", "seconds", "cosine": [...]} (one timed forward of
  text + vision + cosine, so the caller can interleave torch with its own arms). EOF ends it.
"""
import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_clip_fixture import PRESETS, TextModelWithProjection, VisionModelWithProjection, randomise  # noqa: E402


def blas_kernel():
    """What BLAS torch's fp32 GEMMs run on: OpenBLAS' core name and build config when libblas.so.3 is OpenBLAS."""
    capability = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
    info = {"torch": torch.__version__, "cpu_capability": capability() if capability else None,
            "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")}}
    for name in ("libblas.so.3", "libopenblas.so.0"):
        try:
            lib = ctypes.CDLL(name)
            core, config = lib.openblas_get_corename, lib.openblas_get_config
        except (OSError, AttributeError):
            continue
        core.restype = config.restype = ctypes.c_char_p
        info.update(blas=name, openblas_core=core().decode(), openblas_config=config().decode())
        break
    else:
        info["blas"] = "not OpenBLAS (reference BLAS or MKL)"
    return info


def gemm_gflops(n=1024, reps=3):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="vit-b-32")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    c = PRESETS[args.preset]
    torch.manual_seed(args.seed)
    text, vision = TextModelWithProjection(c), VisionModelWithProjection(c)
    randomise(text, args.seed); randomise(vision, args.seed + 1)
    text.eval(); vision.eval()
    with open(os.path.join(args.inputs, "meta.json")) as f:
        meta = json.load(f)
    ids = torch.tensor([meta["ids"]], dtype=torch.long)
    pixels_all = torch.from_numpy(np.fromfile(os.path.join(args.inputs, "pixel_values.f32"), dtype=np.float32).reshape(meta["pixel_shape"]))

    def step(batch):
        t = text(ids)[0]
        i = vision(pixels_all[:batch])[0]
        t = t / t.norm(dim=-1, keepdim=True)
        i = i / i.norm(dim=-1, keepdim=True)
        return i @ t[0]

    with torch.no_grad():
        for batch in meta["batches"]:
            step(batch)  # warm-up
        print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "kernel": blas_kernel(), "gemm_gflops": gemm_gflops()}), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            batch = int(line)
            start = time.perf_counter()
            cos = step(batch)
            seconds = time.perf_counter() - start
            print(json.dumps({"batch": batch, "seconds": seconds, "cosine": cos.tolist()}), flush=True)


if __name__ == "__main__":
    main()
