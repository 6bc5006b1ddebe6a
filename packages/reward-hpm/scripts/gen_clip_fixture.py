"""Tiny random-weight CLIP in the Hugging Face layout, plus torch reference outputs.

Plain torch (Python `transformers` is not needed): the modules mirror HF's CLIPTextModelWithProjection and
CLIPVisionModelWithProjection (embeddings, pre-LN encoder layers with q/k/v/out projections, quick_gelu MLP,
final/post layer norms, bias-free projections, EOS pooling by argmax of input_ids). ONNX inputs/outputs carry
the names transformers.js feeds and reads:
  onnx/text_model.onnx    input_ids int64 [batch_size, sequence_length] -> text_embeds [batch_size, D], last_hidden_state
  onnx/vision_model.onnx  pixel_values float32 [batch_size, 3, H, W]   -> image_embeds [batch_size, D], last_hidden_state
  onnx/model.onnx         (tiny preset: the combined CLIPModel layout) input_ids + pixel_values ->
                          logits_per_image, logits_per_text, text_embeds, image_embeds (normalised, as HF CLIPModel)
Embeddings are NOT normalised (as in HF): the scorer L2-normalises them.

--preset tiny     the committed test fixture (fixtures/tiny-clip, ~60 KB). The token embedding is factorised
                  (id % 251 and id // 251 rows summed) so the real 49,408-token vocabulary fits in a few KB;
                  every other module is the HF one at toy width.
--preset vit-b-32 full-size ViT-B/32 with random weights, for the bench only (~600 MB, never committed).

Usage: /usr/bin/python3 gen_clip_fixture.py --preset tiny --out fixtures/tiny-clip [--reference-ids ids.json]
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

# The marker every generator writes: one module at the repository root (generators run from a checkout).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
from fixture_marker import write_fixture_marker  # noqa: E402

PRESETS = {
    "tiny": dict(hidden=16, heads=2, layers=2, mlp=32, proj=8, image=32, patch=8, max_pos=77, factorised=True),
    "vit-b-32": dict(hidden=512, heads=8, layers=12, mlp=2048, proj=512, image=224, patch=32, max_pos=77,
                     factorised=False, v_hidden=768, v_heads=12, v_mlp=3072),
}
VOCAB = 49408
BOS, EOS = 49406, 49407
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.scale = self.head_dim ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, causal):
        b, t, d = x.shape
        def split(y):
            return y.reshape(b, t, self.heads, self.head_dim).transpose(1, 2)
        q, k, v = split(self.q_proj(x) * self.scale), split(self.k_proj(x)), split(self.v_proj(x))
        w = q @ k.transpose(-1, -2)
        if causal:
            mask = torch.full((t, t), float("-inf"), dtype=x.dtype, device=x.device).triu(1)
            w = w + mask
        w = w.softmax(-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(b, t, d))


class MLP(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, inner), nn.Linear(inner, d)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu, OpenAI CLIP


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, inner):
        super().__init__()
        self.self_attn, self.layer_norm1 = Attention(d, heads), nn.LayerNorm(d, eps=1e-5)
        self.mlp, self.layer_norm2 = MLP(d, inner), nn.LayerNorm(d, eps=1e-5)

    def forward(self, x, causal):
        x = x + self.self_attn(self.layer_norm1(x), causal)
        return x + self.mlp(self.layer_norm2(x))


class Encoder(nn.Module):
    def __init__(self, d, heads, inner, n):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(d, heads, inner) for _ in range(n))

    def forward(self, x, causal):
        for layer in self.layers:
            x = layer(x, causal)
        return x


class FactorisedEmbedding(nn.Module):
    """Token embedding of the tiny fixture: row(id) = low[id % 251] + high[id // 251] (49,408 ids in 448 rows)."""
    def __init__(self, d):
        super().__init__()
        self.low, self.high = nn.Embedding(251, d), nn.Embedding(VOCAB // 251 + 1, d)

    def forward(self, ids):
        return self.low(ids % 251) + self.high(torch.div(ids, 251, rounding_mode="floor"))


class TextModelWithProjection(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden"]
        self.token_embedding = FactorisedEmbedding(d) if c["factorised"] else nn.Embedding(VOCAB, d)
        self.position_embedding = nn.Embedding(c["max_pos"], d)
        self.encoder = Encoder(d, c["heads"], c["mlp"], c["layers"])
        self.final_layer_norm = nn.LayerNorm(d, eps=1e-5)
        self.text_projection = nn.Linear(d, c["proj"], bias=False)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.token_embedding(input_ids) + self.position_embedding.weight[:t].unsqueeze(0)
        x = self.final_layer_norm(self.encoder(x, causal=True))
        # HF (eos_token_id == 2 legacy configs) pools at argmax(input_ids): the EOS id 49407 is the largest.
        pooled = x[torch.arange(x.shape[0]), input_ids.argmax(-1)]
        return self.text_projection(pooled), x


class VisionModelWithProjection(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, p = c.get("v_hidden", c["hidden"]), c["patch"]
        self.class_embedding = nn.Parameter(torch.randn(d))
        self.patch_embedding = nn.Conv2d(3, d, p, stride=p, bias=False)
        self.position_embedding = nn.Embedding((c["image"] // p) ** 2 + 1, d)
        self.pre_layrnorm = nn.LayerNorm(d, eps=1e-5)
        self.encoder = Encoder(d, c.get("v_heads", c["heads"]), c.get("v_mlp", c["mlp"]), c["layers"])
        self.post_layernorm = nn.LayerNorm(d, eps=1e-5)
        self.visual_projection = nn.Linear(d, c["proj"], bias=False)

    def forward(self, pixel_values):
        b = pixel_values.shape[0]
        patches = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(b, 1, -1), patches], dim=1) + self.position_embedding.weight.unsqueeze(0)
        x = self.encoder(self.pre_layrnorm(x), causal=False)
        return self.visual_projection(self.post_layernorm(x[:, 0])), x


class CombinedModel(nn.Module):
    """HF CLIPModel's ONNX face (onnx/model.onnx): both towers, L2-normalised embeddings and the logits."""
    def __init__(self, text, vision, logit_scale=math.log(100.0)):
        super().__init__()
        self.text, self.vision = text, vision
        self.logit_scale = nn.Parameter(torch.tensor(logit_scale))

    def forward(self, input_ids, pixel_values):
        t = self.text(input_ids)[0]
        i = self.vision(pixel_values)[0]
        t = t / t.norm(dim=-1, keepdim=True)
        i = i / i.norm(dim=-1, keepdim=True)
        logits_per_image = self.logit_scale.exp() * i @ t.t()
        return logits_per_image, logits_per_image.t(), t, i


def randomise(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "layer_norm" in name or "layrnorm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g) if name.endswith("weight") else 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(max(p.shape[-1], 1)))


def hf_config(c):
    v_hidden = c.get("v_hidden", c["hidden"])
    return {
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": c["proj"],
        "logit_scale_init_value": 2.6592,
        "text_config": {
            "model_type": "clip_text_model", "vocab_size": VOCAB, "hidden_size": c["hidden"],
            "intermediate_size": c["mlp"], "num_hidden_layers": c["layers"], "num_attention_heads": c["heads"],
            "max_position_embeddings": c["max_pos"], "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
            "projection_dim": c["proj"], "bos_token_id": BOS, "eos_token_id": 2, "pad_token_id": 1,
        },
        "vision_config": {
            "model_type": "clip_vision_model", "hidden_size": v_hidden, "intermediate_size": c.get("v_mlp", c["mlp"]),
            "num_hidden_layers": c["layers"], "num_attention_heads": c.get("v_heads", c["heads"]),
            "image_size": c["image"], "patch_size": c["patch"], "num_channels": 3, "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5, "projection_dim": c["proj"],
        },
        "transformers_version": "4.44.0",
    }


def write_layout(out, c):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    def dump(name, value):
        with open(os.path.join(out, name), "w") as f:
            json.dump(value, f, indent=2)
            f.write("\n")
    dump("config.json", hf_config(c))
    dump("preprocessor_config.json", {
        "crop_size": {"height": c["image"], "width": c["image"]}, "do_center_crop": True, "do_convert_rgb": True,
        "do_normalize": True, "do_rescale": True, "do_resize": True, "feature_extractor_type": "CLIPFeatureExtractor",
        "image_mean": MEAN, "image_std": STD, "image_processor_type": "CLIPImageProcessor", "processor_class": "CLIPProcessor",
        "resample": 3, "rescale_factor": 1 / 255, "size": {"shortest_edge": c["image"]},
    })
    special = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}
    dump("special_tokens_map.json", special)
    dump("tokenizer_config.json", {**special, "tokenizer_class": "CLIPTokenizer", "model_max_length": 77,
                                   "do_lower_case": True, "errors": "replace", "add_prefix_space": False,
                                   "clean_up_tokenization_spaces": False})


def export(text, vision, out, c):
    text.eval(); vision.eval()
    ids = torch.tensor([[BOS, 320, 1929, EOS]], dtype=torch.long)
    pixels = torch.zeros(1, 3, c["image"], c["image"])
    torch.onnx.export(text, (ids,), os.path.join(out, "onnx", "text_model.onnx"), input_names=["input_ids"],
                      output_names=["text_embeds", "last_hidden_state"], opset_version=14,
                      dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                    "text_embeds": {0: "batch_size"}, "last_hidden_state": {0: "batch_size", 1: "sequence_length"}})
    torch.onnx.export(vision, (pixels,), os.path.join(out, "onnx", "vision_model.onnx"), input_names=["pixel_values"],
                      output_names=["image_embeds", "last_hidden_state"], opset_version=14,
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"},
                                    "last_hidden_state": {0: "batch_size"}})
    if c["factorised"]:  # the combined layout only for the test fixture (the bench uses the split one)
        torch.onnx.export(CombinedModel(text, vision), (ids, pixels), os.path.join(out, "onnx", "model.onnx"),
                          input_names=["input_ids", "pixel_values"], opset_version=14,
                          output_names=["logits_per_image", "logits_per_text", "text_embeds", "image_embeds"],
                          dynamic_axes={"input_ids": {0: "text_batch_size", 1: "sequence_length"},
                                        "pixel_values": {0: "image_batch_size"},
                                        "logits_per_image": {0: "image_batch_size", 1: "text_batch_size"},
                                        "logits_per_text": {0: "text_batch_size", 1: "image_batch_size"},
                                        "text_embeds": {0: "text_batch_size"}, "image_embeds": {0: "image_batch_size"}})


def reference_pixels(size):
    """Deterministic RGB test images at the model's own resolution (resize and crop are identities there)."""
    y, x = np.mgrid[0:size, 0:size]
    images = []
    for k in range(3):
        r = (x * (7 + k) + y * 3) % 256
        g = (y * (5 + 2 * k) + 40 * k) % 256
        b = ((x + y) * (11 - k) + 90) % 256
        images.append(np.stack([r, g, b], -1).astype(np.uint8))
    return images


def normalise(img):
    arr = img.astype(np.float32) * np.float32(1 / 255)
    arr = (arr - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return torch.from_numpy(arr.transpose(2, 0, 1).copy())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", choices=PRESETS, default="tiny")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--reference-ids", help="JSON {prompt: ids} from clip_tokenizer_reference.py for the reference outputs")
    args = ap.parse_args()
    c = PRESETS[args.preset]
    torch.manual_seed(args.seed)
    text, vision = TextModelWithProjection(c), VisionModelWithProjection(c)
    randomise(text, args.seed); randomise(vision, args.seed + 1)
    write_layout(args.out, c)
    export(text, vision, args.out, c)
    if not args.reference_ids:
        return
    with open(args.reference_ids) as f:
        prompts = json.load(f)["references"]
    images = reference_pixels(c["image"])
    with torch.no_grad():
        img = vision(torch.stack([normalise(i) for i in images]))[0].double()
        out = {"images": [{"width": c["image"], "height": c["image"], "rgb": i.reshape(-1).tolist()} for i in images], "prompts": []}
        img_n = img / img.norm(dim=-1, keepdim=True)
        out["image_embeds"] = img.tolist()
        for entry in prompts:
            ids = torch.tensor([entry["ids"]], dtype=torch.long)
            txt = text(ids)[0].double()
            txt_n = txt / txt.norm(dim=-1, keepdim=True)
            out["prompts"].append({"prompt": entry["prompt"], "ids": entry["ids"], "text_embeds": txt[0].tolist(),
                                   "cosine": (img_n @ txt_n[0]).tolist()})
    write_fixture_marker(args.out)
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
