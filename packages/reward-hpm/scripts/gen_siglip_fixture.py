"""Tiny random-weight SigLIP in the Hugging Face layout (transformers.js SiglipTextModel / SiglipVisionModel), plus a
torch reference. Plain torch mirroring HF's Siglip modules at toy width: bidirectional text encoder pooled at the LAST
position (hence SigLIP's padding to max_length) through a linear head; vision encoder without a class token, pooled
by the multihead-attention-pooling head (probe, attention, layernorm, MLP). gelu_pytorch_tanh, LayerNorm eps 1e-6.

  onnx/text_model.onnx    input_ids int64 [batch_size, 64]          -> last_hidden_state, pooler_output [batch_size, D]
  onnx/vision_model.onnx  pixel_values float32 [batch_size, 3, S, S] -> last_hidden_state, pooler_output [batch_size, D]

The tokenizer is the tiny WordPiece of gen_imagereward_fixture.py (the real SigLIP ships a SentencePiece
tokenizer.json; the scorer only needs the pad id and model_max_length = 64 from it).
Usage: /usr/bin/python3 gen_siglip_fixture.py --out fixtures/tiny-siglip --prompts-dir benchmarks/data/t2i-compbench
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_imagereward_fixture import build_vocab, tokenizer_json, wordpiece  # noqa: E402

# The marker every generator writes: one module at the repository root (generators run from a checkout).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
from fixture_marker import write_fixture_marker  # noqa: E402

C = dict(hidden=16, heads=2, layers=2, inner=32, image=32, patch=8, max_len=64)
MEAN, STD = [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]


def gelu_tanh(x):
    return nn.functional.gelu(x, approximate="tanh")


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, q_in, kv_in):
        b, d = q_in.shape[0], q_in.shape[2]
        def split(y):
            return y.reshape(b, y.shape[1], self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q_proj(q_in)), split(self.k_proj(kv_in)), split(self.v_proj(kv_in))
        a = ((q @ k.transpose(-1, -2)) * (d // self.heads) ** -0.5).softmax(-1)
        return self.out_proj((a @ v).transpose(1, 2).reshape(b, q_in.shape[1], d))


class MLP(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, inner), nn.Linear(inner, d)

    def forward(self, x):
        return self.fc2(gelu_tanh(self.fc1(x)))


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        d = C["hidden"]
        self.layer_norm1, self.self_attn = nn.LayerNorm(d, eps=1e-6), Attention(d, C["heads"])
        self.layer_norm2, self.mlp = nn.LayerNorm(d, eps=1e-6), MLP(d, C["inner"])

    def forward(self, x):
        h = self.layer_norm1(x)
        x = x + self.self_attn(h, h)
        return x + self.mlp(self.layer_norm2(x))


class TextModel(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        d = C["hidden"]
        self.token_embedding, self.position_embedding = nn.Embedding(vocab_size, d), nn.Embedding(C["max_len"], d)
        self.layers = nn.ModuleList(Layer() for _ in range(C["layers"]))
        self.final_layer_norm, self.head = nn.LayerNorm(d, eps=1e-6), nn.Linear(d, d)

    def forward(self, input_ids):
        x = self.token_embedding(input_ids) + self.position_embedding.weight[: input_ids.shape[1]].unsqueeze(0)
        for layer in self.layers:
            x = layer(x)
        x = self.final_layer_norm(x)
        return x, self.head(x[:, -1, :])


class VisionModel(nn.Module):
    def __init__(self):
        super().__init__()
        d, p = C["hidden"], C["patch"]
        self.patch_embedding = nn.Conv2d(3, d, p, stride=p)
        self.position_embedding = nn.Embedding((C["image"] // p) ** 2, d)
        self.layers = nn.ModuleList(Layer() for _ in range(C["layers"]))
        self.post_layernorm = nn.LayerNorm(d, eps=1e-6)
        self.probe = nn.Parameter(torch.randn(1, 1, d))
        self.attention, self.head_layernorm, self.head_mlp = Attention(d, C["heads"]), nn.LayerNorm(d, eps=1e-6), MLP(d, C["inner"])

    def forward(self, pixel_values):
        x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2) + self.position_embedding.weight.unsqueeze(0)
        for layer in self.layers:
            x = layer(x)
        x = self.post_layernorm(x)
        h = self.attention(self.probe.expand(x.shape[0], -1, -1), x)
        h = h + self.head_mlp(self.head_layernorm(h))
        return x, h[:, 0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--prompts-dir", required=True)
    ap.add_argument("--seed", type=int, default=777)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    tokens = build_vocab(args.prompts_dir)
    tok_json, vocab = tokenizer_json(tokens)
    text, vision = TextModel(len(tokens)).eval(), VisionModel().eval()
    g = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        for module in (text, vision):
            for name, p in module.named_parameters():
                if "norm" in name:
                    p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn(p.shape, generator=g))
                else:
                    p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(max(p.shape[-1], 1)))
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    def dump(name, value):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(value, f, indent=None if name == "tokenizer.json" else 2)
            f.write("\n")
    common = dict(hidden_size=C["hidden"], intermediate_size=C["inner"], num_hidden_layers=C["layers"],
                  num_attention_heads=C["heads"], hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6)
    dump("config.json", {"architectures": ["SiglipModel"], "model_type": "siglip",
                         "text_config": {"model_type": "siglip_text_model", "vocab_size": len(tokens), "max_position_embeddings": C["max_len"], **common},
                         "vision_config": {"model_type": "siglip_vision_model", "image_size": C["image"], "patch_size": C["patch"], **common}})
    dump("preprocessor_config.json", {"image_processor_type": "SiglipImageProcessor", "do_resize": True,
                                      "size": {"height": C["image"], "width": C["image"]}, "resample": 3, "do_rescale": True,
                                      "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": MEAN, "image_std": STD})
    dump("tokenizer.json", tok_json)
    special = {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "eos_token": "[SEP]"}
    dump("tokenizer_config.json", {**special, "tokenizer_class": "BertTokenizer", "model_max_length": C["max_len"], "do_lower_case": True})
    dump("special_tokens_map.json", special)
    ids = torch.tensor([[2, 13, 3] + [0] * (C["max_len"] - 3)])
    torch.onnx.export(text, (ids,), os.path.join(args.out, "onnx", "text_model.onnx"), input_names=["input_ids"],
                      output_names=["last_hidden_state", "pooler_output"], opset_version=14,
                      dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"},
                                    "last_hidden_state": {0: "batch_size", 1: "sequence_length"}})
    torch.onnx.export(vision, (torch.zeros(1, 3, C["image"], C["image"]),), os.path.join(args.out, "onnx", "vision_model.onnx"),
                      input_names=["pixel_values"], output_names=["last_hidden_state", "pooler_output"], opset_version=14,
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "pooler_output": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}})
    y, x = np.mgrid[0:C["image"], 0:C["image"]]
    images = [np.stack([(x * 5 + 20 * k) % 256, (y * 11) % 256, (x + 3 * y + 60 * k) % 256], -1).astype(np.uint8) for k in range(2)]
    pixels = torch.stack([torch.from_numpy(((i.astype(np.float32) * np.float32(1 / 255) - np.float32(0.5)) / np.float32(0.5)).transpose(2, 0, 1).copy()) for i in images])
    cases = []
    with torch.no_grad():
        img = vision(pixels)[1].double()
        img = img / img.norm(dim=-1, keepdim=True)
        for prompt in ["a red car and a blue bench", "three green apples"]:
            pid = wordpiece(prompt, vocab)[0]
            pid = [t for t in pid if t != vocab["[PAD]"]]
            pid = pid + [vocab["[PAD]"]] * (C["max_len"] - len(pid))  # SigLIP pads to max_length
            txt = text(torch.tensor([pid]))[1].double()
            txt = txt / txt.norm(dim=-1, keepdim=True)
            cases.append({"prompt": prompt, "input_ids": pid, "cosine": (img @ txt[0]).tolist()})
    write_fixture_marker(args.out)
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump({"images": [{"width": C["image"], "height": C["image"], "rgb": i.reshape(-1).tolist()} for i in images], "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
