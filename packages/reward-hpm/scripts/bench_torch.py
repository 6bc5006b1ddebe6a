"""Torch eager reference for the bench: the same random-weight CLIP as gen_clip_fixture.py (same preset and seed,
so the same weights), timed on the inputs the TS bench wrote (int64 ids, float32 pixel_values).

Usage: /usr/bin/python3 bench_torch.py --preset vit-b-32 --seed 1234 --inputs DIR --iterations N
Prints one JSON line: {"threads", "batches": {"1": median seconds per call, "8": ...}, "minimum": {...}, "cosine_batch_N": [...]}.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_clip_fixture import PRESETS, TextModelWithProjection, VisionModelWithProjection, randomise  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="vit-b-32")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--iterations", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    c = PRESETS[args.preset]
    torch.manual_seed(args.seed)
    text, vision = TextModelWithProjection(c), VisionModelWithProjection(c)
    randomise(text, args.seed); randomise(vision, args.seed + 1)
    text.eval(); vision.eval()
    with open(os.path.join(args.inputs, "meta.json")) as f:
        meta = json.load(f)
    ids = torch.tensor([meta["ids"]], dtype=torch.long)
    pixels_all = torch.from_numpy(np.fromfile(os.path.join(args.inputs, "pixel_values.f32"), dtype=np.float32).reshape(meta["pixel_shape"]))
    result = {"threads": torch.get_num_threads(), "batches": {}, "minimum": {}}
    with torch.no_grad():
        for batch in meta["batches"]:
            pixels = pixels_all[:batch]
            def step():
                t = text(ids)[0]
                i = vision(pixels)[0]
                t = t / t.norm(dim=-1, keepdim=True)
                i = i / i.norm(dim=-1, keepdim=True)
                return i @ t[0]
            step()  # warm-up
            times = []
            for _ in range(args.iterations):
                start = time.perf_counter()
                cos = step()
                times.append(time.perf_counter() - start)
            result["batches"][str(batch)] = statistics.median(times)
            result["minimum"][str(batch)] = min(times)
            result["cosine_batch_%d" % batch] = cos.tolist()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
