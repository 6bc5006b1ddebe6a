"""Tiny random-weight ImageReward (BLIP ViT + BERT-with-cross-attention + MLP head) in our ONNX layout, plus a
torch reference. Plain torch, modules mirroring ImageReward / BLIP `med.py` at toy width:

  onnx/vision_model.onnx  pixel_values float32 [batch_size, 3, S, S] -> image_embeds float32 [batch_size, patches+1, V]
  onnx/text_model.onnx    input_ids int64 [batch_size, 35], attention_mask int64 [batch_size, 35],
                          image_embeds float32 [batch_size, patches+1, V] -> reward float32 [batch_size]
                          (the MLP head's output on the [CLS] state, BEFORE ImageReward's (r - mean) / std)
  config.json             {"model_type": "image_reward", "reward_mean", "reward_std", "max_text_length": 35, ...}
  tokenizer.json          BERT WordPiece (uncased); here a tiny vocabulary from the T2I-CompBench words
  preprocessor_config.json  Resize(S, bicubic) + CenterCrop(S) + CLIP mean/std, as ImageReward's _transform

Usage: /usr/bin/python3 gen_imagereward_fixture.py --out fixtures/tiny-imagereward --prompts-dir benchmarks/data/t2i-compbench
"""
import argparse
import glob
import json
import math
import os
import sys
import re

import numpy as np
import torch
from torch import nn

# The marker every generator writes: one module at the repository root (generators run from a checkout).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
from fixture_marker import write_fixture_marker  # noqa: E402

# ImageReward.py (THUDM/ImageReward): self.mean / self.std of the reward head, published with the checkpoint.
REWARD_MEAN = 0.16717362830052426
REWARD_STD = 1.0333394966054072
MAX_LEN = 35
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
C = dict(image=32, patch=8, v_hidden=16, v_heads=2, v_layers=1, hidden=16, heads=2, layers=1, inner=32)
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]", "[ENC]"]


class VisionBlock(nn.Module):  # timm / BLIP vit.py Block: pre-norm, fused qkv
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = ((q @ k.transpose(-2, -1)) * (d // self.heads) ** -0.5).softmax(-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(nn.functional.gelu(self.fc1(self.norm2(x))))


class VisionEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        d, p = C["v_hidden"], C["patch"]
        self.patch_embed = nn.Conv2d(3, d, p, stride=p)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, (C["image"] // p) ** 2 + 1, d))
        self.blocks = nn.ModuleList(VisionBlock(d, C["v_heads"]) for _ in range(C["v_layers"]))
        self.norm = nn.LayerNorm(d, eps=1e-6)

    def forward(self, pixel_values):
        x = self.patch_embed(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


class BertAttention(nn.Module):  # med.py BertSelfAttention + BertSelfOutput (post-LN)
    def __init__(self, d, heads, kv_width):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(kv_width, d), nn.Linear(kv_width, d)
        self.dense, self.LayerNorm = nn.Linear(d, d), nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, kv, additive_mask):
        b, t, d = x.shape
        def split(y):
            return y.reshape(b, y.shape[1], self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(kv)), split(self.value(kv))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads)
        if additive_mask is not None:
            s = s + additive_mask
        ctx = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        return self.LayerNorm(self.dense(ctx) + x)


class BertLayer(nn.Module):
    def __init__(self):
        super().__init__()
        d = C["hidden"]
        self.attention = BertAttention(d, C["heads"], d)
        self.crossattention = BertAttention(d, C["heads"], C["v_hidden"])
        self.intermediate, self.output = nn.Linear(d, C["inner"]), nn.Linear(C["inner"], d)
        self.output_LayerNorm = nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, mask, image_embeds):
        x = self.attention(x, x, mask)
        x = self.crossattention(x, image_embeds, None)  # image_atts are all ones in ImageReward.score
        return self.output_LayerNorm(self.output(nn.functional.gelu(self.intermediate(x))) + x)


class TextRewardModel(nn.Module):
    """BLIP text_encoder (BertModel, mode 'multimodal') + ImageReward MLP on last_hidden_state[:, 0]."""
    def __init__(self, vocab_size):
        super().__init__()
        d = C["hidden"]
        self.word_embeddings, self.position_embeddings = nn.Embedding(vocab_size, d), nn.Embedding(64, d)
        self.emb_LayerNorm = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer() for _ in range(C["layers"]))
        # ImageReward MLP: Linear(768,1024) Dropout Linear(1024,128) Dropout Linear(128,64) Dropout Linear(64,16) Linear(16,1)
        self.mlp = nn.Sequential(nn.Linear(d, 32), nn.Dropout(0.2), nn.Linear(32, 16), nn.Dropout(0.2), nn.Linear(16, 8),
                                 nn.Dropout(0.1), nn.Linear(8, 4), nn.Linear(4, 1))

    def forward(self, input_ids, attention_mask, image_embeds):
        t = input_ids.shape[1]
        x = self.emb_LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings.weight[:t].unsqueeze(0))
        mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, mask, image_embeds)
        return self.mlp(x[:, 0, :]).squeeze(-1)


def build_vocab(prompts_dir):
    words = set()
    for path in sorted(glob.glob(os.path.join(prompts_dir, "*_val.txt"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                words.update(re.findall(r"[a-z]+", line.lower()))
    common = sorted(words, key=lambda w: (len(w), w))[:220]
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    return SPECIALS + list(".,!?'-") + letters + ["##" + c for c in letters] + sorted(set(common) - set(letters))


def wordpiece(text, vocab):
    """BERT basic tokenisation (lower-case, split on whitespace and punctuation) + greedy longest-match WordPiece."""
    ids = [vocab["[CLS]"]]
    for word in re.findall(r"[a-z0-9]+|[^\sa-z0-9]", text.lower()):
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            while end > start and (("##" if start else "") + word[start:end]) not in vocab:
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            pieces.append(vocab[("##" if start else "") + word[start:end]])
            start = end
        ids.extend(pieces)
    ids = ids[:MAX_LEN - 1] + [vocab["[SEP]"]]
    return ids + [vocab["[PAD]"]] * (MAX_LEN - len(ids)), [1] * len(ids) + [0] * (MAX_LEN - len(ids))


def tokenizer_json(tokens):
    vocab = {t: i for i, t in enumerate(tokens)}
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True} for t in SPECIALS]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab},
    }, vocab


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--prompts-dir", required=True)
    ap.add_argument("--seed", type=int, default=4321)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    tokens = build_vocab(args.prompts_dir)
    tok_json, vocab = tokenizer_json(tokens)
    vision, text = VisionEncoder().eval(), TextRewardModel(len(tokens)).eval()
    g = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        for module in (vision, text):
            for name, p in module.named_parameters():
                if "norm" in name.lower():
                    p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn(p.shape, generator=g))
                else:
                    p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(max(p.shape[-1], 1)))
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    def dump(name, value):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(value, f, indent=2 if name != "tokenizer.json" else None)
            f.write("\n")
    dump("config.json", {"model_type": "image_reward", "architecture": "BLIP ViT + BERT (med, cross-attention) + MLP head (tiny random weights)",
                         "reward_mean": REWARD_MEAN, "reward_std": REWARD_STD, "max_text_length": MAX_LEN, "image_size": C["image"]})
    dump("preprocessor_config.json", {"image_processor_type": "CLIPImageProcessor", "do_resize": True, "size": {"shortest_edge": C["image"]},
                                      "resample": 3, "do_center_crop": True, "crop_size": {"height": C["image"], "width": C["image"]},
                                      "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": MEAN,
                                      "image_std": STD, "do_convert_rgb": True})
    dump("tokenizer.json", tok_json)
    special = {"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]", "bos_token": "[DEC]"}
    dump("tokenizer_config.json", {**special, "tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 512,
                                   "additional_special_tokens": ["[ENC]"]})
    dump("special_tokens_map.json", {**special, "additional_special_tokens": ["[ENC]"]})
    pixels = torch.zeros(2, 3, C["image"], C["image"])
    torch.onnx.export(vision, (pixels,), os.path.join(args.out, "onnx", "vision_model.onnx"), input_names=["pixel_values"],
                      output_names=["image_embeds"], opset_version=14,
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})
    ids, mask = wordpiece("a red car", vocab)
    image_embeds = vision(pixels)
    torch.onnx.export(text, (torch.tensor([ids, ids]), torch.tensor([mask, mask]), image_embeds), os.path.join(args.out, "onnx", "text_model.onnx"),
                      input_names=["input_ids", "attention_mask", "image_embeds"], output_names=["reward"], opset_version=14,
                      dynamic_axes={"input_ids": {0: "batch_size"}, "attention_mask": {0: "batch_size"},
                                    "image_embeds": {0: "batch_size"}, "reward": {0: "batch_size"}})
    # Torch reference: deterministic images at the model resolution (resize / crop are identities there).
    y, x = np.mgrid[0:C["image"], 0:C["image"]]
    images = [np.stack([(x * 9 + k * 50) % 256, (y * 7 + x) % 256, (x * y + 30 * k) % 256], -1).astype(np.uint8) for k in range(2)]
    def normalise(img):
        arr = (img.astype(np.float32) * np.float32(1 / 255) - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
        return torch.from_numpy(arr.transpose(2, 0, 1).copy())
    prompts = ["a red car and a blue bench", "three green apples", "a photo"]
    with torch.no_grad():
        embeds = vision(torch.stack([normalise(i) for i in images]))
        cases = []
        for prompt in prompts:
            pid, pmask = wordpiece(prompt, vocab)
            head = text(torch.tensor([pid] * len(images)), torch.tensor([pmask] * len(images)), embeds).double()
            cases.append({"prompt": prompt, "input_ids": pid, "attention_mask": pmask, "head_output": head.tolist(),
                          "image_reward": ((head - REWARD_MEAN) / REWARD_STD).tolist()})
    write_fixture_marker(args.out)
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump({"images": [{"width": C["image"], "height": C["image"], "rgb": i.reshape(-1).tolist()} for i in images], "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
