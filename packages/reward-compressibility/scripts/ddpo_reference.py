"""Golden cases for @t2i-reward/compressibility: a port of the JPEG rewards of DDPO (kvablack/ddpo-pytorch,
ddpo_pytorch/rewards.py) and Flow-GRPO (yifan123/flow_grpo, flow_grpo/rewards.py), written from reading them.

Both encode each RGB uint8 image with PIL, `image.save(buffer, format="JPEG", quality=95)`, and take
`buffer.tell() / 1000` (kB, decimal): incompressibility = +kB; compressibility = -kB (DDPO) or -kB / 500
(Flow-GRPO). The port runs that on
  - the six bundled photos (packages/core/assets/images), whole and cropped to odd sizes, at several qualities;
  - procedural images (test/patterns.ts draws the same pixels in TypeScript; their pixel hashes are recorded);
  - PNGs with alpha, greyscale, grey+alpha and a palette (written here into fixtures/images), converted as the
    expert's input is: PIL's convert("RGB") drops alpha without compositing and replicates grey, as core's
    loader does.
For each case it records the pixel hash (core's hashPixels: sha256 over "RGB8", width, height, 3, pixels), the
JPEG's byte size, its sha256 (the TypeScript encoder must write the same bytes) and the three rewards.

Run with Debian's PIL (apt-get install -y python3-pil python3-numpy):
  /usr/bin/python3 scripts/ddpo_reference.py   (npm run fixtures -w @t2i-reward/compressibility)
"""
import hashlib
import io
import json
import os
import struct
import sys

import numpy as np
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
PHOTOS = os.path.join(PACKAGE, "..", "core", "assets", "images")
IMAGES = os.path.join(PACKAGE, "fixtures", "images")
OUT = os.path.join(PACKAGE, "fixtures", "golden.json")


# --- the reference rewards (ddpo_pytorch/rewards.py, flow_grpo/rewards.py), on one image -------------------
def jpeg_incompressibility(image_uint8_hwc, quality=95):
    image = Image.fromarray(image_uint8_hwc)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.tell() / 1000, buffer.getvalue()


def ddpo_jpeg_compressibility(kb):
    return -kb


def flow_grpo_jpeg_compressibility(kb):
    return -kb / 500


# --- inputs ---------------------------------------------------------------------------------------------------
def hash_pixels(rgb):
    height, width, _ = rgb.shape
    header = b"RGB8" + struct.pack(">III", width, height, 3)
    return hashlib.sha256(header + rgb.tobytes()).hexdigest()


def xorshift_bytes(seed, count):
    """xorshift32, one byte (the low 8 bits) per step; test/patterns.ts draws the same sequence."""
    x = seed & 0xFFFFFFFF or 1
    out = np.empty(count, dtype=np.uint8)
    for i in range(count):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = x & 255
    return out


def pattern(name, width, height, seed):
    """The procedural images; test/patterns.ts is the TypeScript twin (integer arithmetic only)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.int64)
    if name == "flat":
        rgb = np.stack([np.full_like(x, (seed * 37) % 256), np.full_like(x, (seed * 91) % 256), np.full_like(x, (seed * 151) % 256)], -1)
    elif name == "gradient":
        rgb = np.stack([(x * 255) // max(width - 1, 1), (y * 255) // max(height - 1, 1), ((x + y) * 255) // max(width + height - 2, 1)], -1)
    elif name == "checker":
        k = seed
        on = ((x // k + y // k) % 2) == 1
        rgb = np.stack([np.where(on, 230, 20), np.where(on, 40, 200), np.where(on, 90, 120)], -1)
    elif name == "rings":
        cx, cy = width // 2, height // 2
        d = ((x - cx) ** 2 + (y - cy) ** 2) // seed
        rgb = np.stack([d % 256, (d * 3) % 256, 255 - d % 256], -1)
    elif name == "noise":
        rgb = xorshift_bytes(seed, width * height * 3).reshape(height, width, 3).astype(np.int64)
    elif name == "grain":
        # a gradient with low-amplitude noise: a smooth picture with sensor-like grain
        g = np.stack([(x * 255) // max(width - 1, 1), (y * 255) // max(height - 1, 1), np.full_like(x, 128)], -1)
        n = xorshift_bytes(seed, width * height * 3).reshape(height, width, 3).astype(np.int64) % 16
        rgb = np.clip(g + n - 8, 0, 255)
    else:
        raise ValueError(name)
    return rgb.astype(np.uint8)


PATTERNS = [
    ("flat", 1, 1, 1), ("flat", 2, 2, 2), ("flat", 8, 8, 3), ("flat", 64, 64, 4), ("flat", 512, 512, 5),
    ("gradient", 3, 5, 0), ("gradient", 16, 16, 0), ("gradient", 17, 23, 0), ("gradient", 256, 256, 0), ("gradient", 1024, 256, 0),
    ("checker", 9, 9, 1), ("checker", 64, 48, 4), ("checker", 100, 100, 7), ("checker", 512, 512, 32),
    ("rings", 31, 33, 3), ("rings", 128, 128, 5), ("rings", 300, 200, 11),
    ("noise", 1, 1, 7), ("noise", 7, 3, 11), ("noise", 16, 16, 13), ("noise", 33, 65, 17), ("noise", 128, 128, 19), ("noise", 256, 192, 23),
    ("grain", 15, 15, 29), ("grain", 64, 64, 31), ("grain", 200, 150, 37), ("grain", 512, 512, 41),
]
PATTERN_QUALITIES = {("gradient", 256, 256, 0): [1, 10, 50, 75, 90, 95, 100], ("noise", 128, 128, 19): [1, 50, 95, 100], ("grain", 512, 512, 41): [80, 95, 100]}

PHOTO_NAMES = ["dog", "eagle", "giraffe", "horses", "person", "scream"]
PHOTO_QUALITIES = [50, 75, 90, 95, 100]
# (photo, left, top, width, height): odd sizes, strips, a single pixel, the 4:2:0 edge cases
CROPS = [
    ("dog", 0, 0, 1, 1), ("dog", 100, 100, 7, 5), ("eagle", 200, 100, 15, 17), ("giraffe", 50, 60, 33, 31),
    ("horses", 10, 20, 64, 48), ("person", 0, 0, 100, 3), ("person", 300, 0, 3, 100), ("scream", 40, 40, 255, 257),
    ("dog", 128, 32, 512, 512), ("giraffe", 0, 0, 224, 224), ("horses", 101, 57, 333, 222), ("eagle", 1, 1, 500, 499),
]


def write_alpha_and_grey_pngs():
    """Small PNGs in modes the expert never sees directly (it gets RGB): RGBA, LA, L, P (+ transparency), 1."""
    os.makedirs(IMAGES, exist_ok=True)
    base = pattern("grain", 96, 64, 43)
    alpha = pattern("rings", 96, 64, 7)[:, :, 0]
    written = []
    rgba = Image.fromarray(np.dstack([base, alpha]), "RGBA")
    specs = [
        ("rgba.png", rgba),
        ("rgba-transparent.png", Image.fromarray(np.dstack([base, np.zeros_like(alpha)]), "RGBA")),
        ("grey.png", Image.fromarray(pattern("rings", 80, 80, 5)[:, :, 1], "L")),
        ("grey-alpha.png", Image.fromarray(np.dstack([pattern("gradient", 72, 40, 0)[:, :, 0], alpha[:40, :72]]), "LA")),
        ("palette.png", rgba.convert("RGB").quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)),
        ("bilevel.png", Image.fromarray(pattern("checker", 50, 30, 5)[:, :, 0] > 100).convert("1")),
    ]
    for name, image in specs:
        image.save(os.path.join(IMAGES, name), optimize=True)
        written.append(name)
    return written


def case(entry, rgb, quality):
    kb, data = jpeg_incompressibility(rgb, quality)
    entry = dict(entry)
    entry.update(
        width=int(rgb.shape[1]),
        height=int(rgb.shape[0]),
        pixelHash=hash_pixels(rgb),
        quality=quality,
        bytes=len(data),
        jpegSha256=hashlib.sha256(data).hexdigest(),
        incompressibility=kb,
        ddpoCompressibility=ddpo_jpeg_compressibility(kb),
        flowGrpoCompressibility=flow_grpo_jpeg_compressibility(kb),
    )
    return entry


def main():
    cases = []
    for name in PHOTO_NAMES:
        rgb = np.asarray(Image.open(os.path.join(PHOTOS, f"{name}.jpg")).convert("RGB"))
        for quality in PHOTO_QUALITIES:
            cases.append(case({"source": "photo", "photo": name}, rgb, quality))
    for name, left, top, width, height in CROPS:
        rgb = np.asarray(Image.open(os.path.join(PHOTOS, f"{name}.jpg")).convert("RGB"))[top : top + height, left : left + width]
        assert rgb.shape[:2] == (height, width), (name, rgb.shape)
        cases.append(case({"source": "crop", "photo": name, "left": left, "top": top}, np.ascontiguousarray(rgb), 95))
    for spec in PATTERNS:
        name, width, height, seed = spec
        rgb = pattern(name, width, height, seed)
        for quality in PATTERN_QUALITIES.get(spec, [95]):
            cases.append(case({"source": "pattern", "pattern": name, "seed": seed}, rgb, quality))
    for file in write_alpha_and_grey_pngs():
        image = Image.open(os.path.join(IMAGES, file))
        mode = image.mode
        rgb = np.asarray(image.convert("RGB"))
        cases.append(case({"source": "file", "file": file, "mode": mode}, rgb, 95))
    images = len({c["pixelHash"] for c in cases})
    out = {
        "generator": "scripts/ddpo_reference.py",
        "reference": "kvablack/ddpo-pytorch ddpo_pytorch/rewards.py and yifan123/flow_grpo flow_grpo/rewards.py (jpeg_incompressibility, jpeg_compressibility)",
        "pil": Image.__version__,
        "libjpeg": features.version("jpg"),
        "libjpegTurbo": bool(features.check_feature("libjpeg_turbo")),
        "images": images,
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases over {images} distinct images -> {os.path.relpath(OUT, PACKAGE)}", file=sys.stderr)


if __name__ == "__main__":
    main()
