"""Tiny random-weight LAION aesthetic predictor for the tests of @t2i-reward/aesthetic, with torch reference outputs.

The predictor (christophschuhmann/improved-aesthetic-predictor simple_inference.py; DDPO's and Flow-GRPO's
aesthetic_scorer.py): CLIP ViT-L/14 image features (HF get_image_features: the projected CLS token), L2-normalised,
then an MLP Linear(768,1024) Dropout Linear(1024,128) Dropout Linear(128,64) Dropout Linear(64,16) Linear(16,1), no
activations. Here, at toy width and in the published layouts:
  - the vision tower: HF CLIPVisionModelWithProjection as onnx/vision_model.onnx (pixel_values -> image_embeds),
    config.json, preprocessor_config.json; the module is the one of reward-hpm's tiny CLIP generator (imported from
    packages/reward-hpm/scripts/gen_clip_fixture.py: a dev-time script, not a package dependency), projection 32;
  - the head: the same Sequential (dropout layers included), widths 32 -> 64 -> 16 -> 8 -> 4 -> 1, saved as the
    published .pth state dict would be and converted by export_aesthetic_head.py into aesthetic-head.safetensors.
    Random weights; the last bias is set to 5.5 so the raw values land inside the predictor's 1-10 range.
reference.json: three 32x32 images (at the input size, so resize and crop are identities), their image_embeds, the
normalised embeddings and the head's output, computed by torch in float32 (eval mode: dropout off); and the six
bundled photos through a port of HF CLIPImageProcessor (PIL: the short side to 32, long side int(32 * long / short),
Image.BICUBIC, centre crop at ((h - 32) // 2, (w - 32) // 2)), with the crop (base64 RGB) and torch's score of it.

  /usr/bin/python3 scripts/gen_aesthetic_fixture.py   (apt-get install -y python3-torch python3-onnx)
"""
import base64
import importlib.util
import json
import os
import sys
import tempfile

import numpy as np
import torch
from PIL import Image
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "tiny-aesthetic")
sys.path.insert(0, HERE)
from export_aesthetic_head import convert  # noqa: E402

spec = importlib.util.spec_from_file_location("gen_clip_fixture", os.path.join(HERE, "..", "..", "reward-hpm", "scripts", "gen_clip_fixture.py"))
clip = importlib.util.module_from_spec(spec)
spec.loader.exec_module(clip)  # also puts the repository's scripts/ on sys.path (fixture_marker)
from fixture_marker import write_fixture_marker  # noqa: E402

TINY = dict(hidden=16, heads=2, layers=2, mlp=32, proj=32, image=32, patch=8, max_pos=77, factorised=True)
HEAD_WIDTHS = [32, 64, 16, 8, 4, 1]


class AestheticHead(nn.Module):
    """The predictor's MLP, layer for layer (indices 0..7, dropout at 1, 3, 5; no activations)."""

    def __init__(self, widths):
        super().__init__()
        d0, d1, d2, d3, d4, d5 = widths
        self.layers = nn.Sequential(
            nn.Linear(d0, d1), nn.Dropout(0.2), nn.Linear(d1, d2), nn.Dropout(0.2), nn.Linear(d2, d3), nn.Dropout(0.1),
            nn.Linear(d3, d4), nn.Linear(d4, d5),
        )

    def forward(self, x):
        return self.layers(x)


PHOTOS = os.path.join(HERE, "..", "..", "core", "assets", "images")
PHOTO_NAMES = ["dog", "horses", "giraffe", "eagle", "person", "scream"]


def hf_clip_resize_crop(image, size):
    """HF CLIPImageProcessor's resize (shortest_edge, PIL bicubic) and centre crop, on a PIL RGB image."""
    w, h = image.size
    short, long = min(w, h), max(w, h)
    new_long = int(size * long / short)
    nw, nh = (size, new_long) if w <= h else (new_long, size)
    resized = np.asarray(image.resize((nw, nh), resample=Image.BICUBIC))
    top, left = (nh - size) // 2, (nw - size) // 2
    return np.ascontiguousarray(resized[top : top + size, left : left + size])


def main(seed=4321):
    torch.manual_seed(seed)
    vision = clip.VisionModelWithProjection(TINY)
    clip.randomise(vision, seed)
    head = AestheticHead(HEAD_WIDTHS)
    clip.randomise(head, seed + 1)
    with torch.no_grad():
        head.layers[7].bias.fill_(5.5)
    vision.eval()
    head.eval()
    os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
    config = clip.hf_config(TINY)
    config["architectures"] = ["CLIPVisionModelWithProjection"]
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    preprocessor = {
        "crop_size": {"height": TINY["image"], "width": TINY["image"]}, "do_center_crop": True, "do_convert_rgb": True,
        "do_normalize": True, "do_rescale": True, "do_resize": True, "feature_extractor_type": "CLIPFeatureExtractor",
        "image_mean": clip.MEAN, "image_std": clip.STD, "image_processor_type": "CLIPImageProcessor",
        "processor_class": "CLIPProcessor", "resample": 3, "rescale_factor": 1 / 255, "size": {"shortest_edge": TINY["image"]},
    }
    with open(os.path.join(OUT, "preprocessor_config.json"), "w") as f:
        json.dump(preprocessor, f, indent=2)
        f.write("\n")
    pixels = torch.zeros(1, 3, TINY["image"], TINY["image"])
    torch.onnx.export(vision, (pixels,), os.path.join(OUT, "onnx", "vision_model.onnx"), input_names=["pixel_values"],
                      output_names=["image_embeds", "last_hidden_state"], opset_version=14,
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}})
    # The head as the published file is (a state dict saved by torch), then our conversion of it.
    with tempfile.TemporaryDirectory() as tmp:
        pth = os.path.join(tmp, "tiny-aesthetic-head.pth")
        torch.save(head.state_dict(), pth)
        convert(pth, OUT, "gen_aesthetic_fixture.py (random weights)")
    write_fixture_marker(OUT)
    images = clip.reference_pixels(TINY["image"])
    with torch.no_grad():
        embeds = vision(torch.stack([clip.normalise(i) for i in images]))[0]
        normalised = embeds / torch.linalg.vector_norm(embeds, dim=-1, keepdim=True)
        scores = head(normalised).squeeze(1)
    photos = []
    with torch.no_grad():
        for name in PHOTO_NAMES:
            crop = hf_clip_resize_crop(Image.open(os.path.join(PHOTOS, f"{name}.jpg")).convert("RGB"), TINY["image"])
            e = vision(clip.normalise(crop).unsqueeze(0))[0]
            score = head(e / torch.linalg.vector_norm(e, dim=-1, keepdim=True)).item()
            photos.append({"name": name, "crop": base64.b64encode(crop.tobytes()).decode(), "score": score})
    reference = {
        "generator": "scripts/gen_aesthetic_fixture.py",
        "images": [{"width": TINY["image"], "height": TINY["image"], "rgb": i.reshape(-1).tolist()} for i in images],
        "image_embeds": embeds.double().tolist(),
        "normalized_embeds": normalised.double().tolist(),
        "scores": scores.double().tolist(),
        "photos": photos,
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    print("scores", [round(s, 6) for s in scores.tolist()], file=sys.stderr)


if __name__ == "__main__":
    main()
