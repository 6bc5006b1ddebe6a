"""Converts the LAION improved aesthetic predictor's head (a PyTorch state dict, e.g. the published
sac+logos+ava1-l14-linearMSE.pth of christophschuhmann/improved-aesthetic-predictor) into
aesthetic-head.safetensors, the file @t2i-reward/aesthetic reads.

The head is the MLP of the predictor's simple_inference.py (and DDPO's / Flow-GRPO's aesthetic_scorer.py):
  layers = Sequential(Linear(768, 1024), Dropout(0.2), Linear(1024, 128), Dropout(0.2), Linear(128, 64),
                      Dropout(0.1), Linear(64, 16), Linear(16, 1))
so its state dict holds layers.{0,2,4,6,7}.{weight,bias} (dropout layers have no weights; no activations). This
script checks those keys and that the shapes chain, then writes them as float32 safetensors with the same names.
No `safetensors` package needed: the format (8-byte little-endian header length, JSON header, raw data) is written
here.

  /usr/bin/python3 export_aesthetic_head.py --pth sac+logos+ava1-l14-linearMSE.pth --out ./models/clip-vit-l14
  python export_aesthetic_head.py --from-hub --out ./models/clip-vit-l14   (pip install torch huggingface_hub)
--from-hub downloads trl-lib/ddpo-aesthetic-predictor aesthetic-model.pth (the same weights, renamed) at a pinned
revision. Write the head into the CLIP ViT-L/14 folder (t2ir models pull clip-vit-l14) so one folder holds both.
"""
import argparse
import json
import os
import struct

import torch

HEAD_FILE = "aesthetic-head.safetensors"
LINEAR_INDICES = [0, 2, 4, 6, 7]
HUB_REPO = "trl-lib/ddpo-aesthetic-predictor"
HUB_FILE = "aesthetic-model.pth"
HUB_REVISION = "7f639699bec8126062148a47ecb1a4312d8e6688"


def head_tensors(state_dict):
    """The head's ten tensors in order, checked: the keys of the published layout and a chain of shapes ending in 1."""
    if "state_dict" in state_dict and isinstance(state_dict["state_dict"], dict):  # a Lightning checkpoint
        state_dict = state_dict["state_dict"]
    names = [f"layers.{i}.{kind}" for i in LINEAR_INDICES for kind in ("weight", "bias")]
    missing = [n for n in names if n not in state_dict]
    if missing:
        raise SystemExit(f"not the aesthetic predictor's head: missing {', '.join(missing)} (has {', '.join(sorted(state_dict)[:12])})")
    tensors = {n: state_dict[n].detach().to(torch.float32).contiguous().cpu() for n in names}
    width = tensors["layers.0.weight"].shape[1]
    for i in LINEAR_INDICES:
        w, b = tensors[f"layers.{i}.weight"], tensors[f"layers.{i}.bias"]
        if w.dim() != 2 or w.shape[1] != width or b.shape != (w.shape[0],):
            raise SystemExit(f"layers.{i}: weight {tuple(w.shape)} / bias {tuple(b.shape)} do not follow input width {width}")
        width = w.shape[0]
    if width != 1:
        raise SystemExit(f"the head must end in one output, ends in {width}")
    return tensors


def write_safetensors(tensors, path, metadata=None):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def convert(pth, out_dir, source):
    state_dict = torch.load(pth, map_location="cpu", weights_only=True)  # tensors only: no code from the pickle
    tensors = head_tensors(state_dict)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, HEAD_FILE)
    write_safetensors(tensors, path, {"format": "pt", "source": source, "layout": "improved-aesthetic-predictor MLP (layers.0/2/4/6/7)"})
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pth", help="the head's .pth (state dict)")
    ap.add_argument("--from-hub", action="store_true", help=f"download {HUB_REPO} {HUB_FILE} at {HUB_REVISION[:7]}")
    ap.add_argument("--out", required=True, help=f"folder to write {HEAD_FILE} into (the CLIP ViT-L/14 folder)")
    args = ap.parse_args()
    if args.from_hub:
        from huggingface_hub import hf_hub_download

        pth, source = hf_hub_download(HUB_REPO, HUB_FILE, revision=HUB_REVISION), f"{HUB_REPO}@{HUB_REVISION}/{HUB_FILE}"
    elif args.pth:
        pth, source = args.pth, os.path.basename(args.pth)
    else:
        raise SystemExit("give --pth FILE or --from-hub")
    print(convert(pth, args.out, source))


if __name__ == "__main__":
    main()
