"""ImageReward v1.0 (Xu et al. 2023, github.com/THUDM/ImageReward) -> the ONNX folder ImageRewardModel reads.

  onnx/vision_model.onnx  pixel_values float32 [batch_size, 3, 224, 224] -> image_embeds float32 [batch_size, 197, 1024]
                          (model.blip.visual_encoder, BLIP ViT-L/16)
  onnx/text_model.onnx    input_ids int64 [batch_size, 35], attention_mask int64 [batch_size, 35],
                          image_embeds float32 [batch_size, 197, 1024] -> reward float32 [batch_size]
                          (model.blip.text_encoder with cross-attention to the image, then model.mlp on the [CLS]
                          state: the head output BEFORE (r - mean) / std, which the TS side applies)
  config.json             model_type "image_reward", reward_mean / reward_std read from the loaded model
                          (0.16717362830052426 / 1.0333394966054072 in ImageReward.py), max_text_length 35, image_size 224
  tokenizer.json (+ config, special tokens)   bert-base-uncased + [DEC] (bos) + [ENC], as BLIP's init_tokenizer
  preprocessor_config.json  Resize(224, bicubic) + CenterCrop(224) + CLIP mean/std, as ImageReward's _transform(224)

  pip install image-reward torch transformers onnx onnxruntime
  python export_imagereward.py --out models/imagereward

Then: createHpmReward({ variant: 'image-reward', model: 'models/imagereward' }).
"""
import argparse
import json
import os

import ImageReward as RM
import torch
from torch import nn
from transformers import BertTokenizerFast

MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


class Vision(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.visual_encoder = model.blip.visual_encoder

    def forward(self, pixel_values):
        return self.visual_encoder(pixel_values)


class TextReward(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.text_encoder, self.mlp = model.blip.text_encoder, model.mlp

    def forward(self, input_ids, attention_mask, image_embeds):
        image_atts = torch.ones(image_embeds.shape[:-1], dtype=torch.long)
        out = self.text_encoder(input_ids, attention_mask=attention_mask, encoder_hidden_states=image_embeds,
                                encoder_attention_mask=image_atts, return_dict=True)
        return self.mlp(out.last_hidden_state[:, 0, :]).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="ImageReward-v1.0")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    model = RM.load(args.name, device="cpu").float().eval()
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    tokenizer = BertTokenizerFast.from_pretrained("bert-base-uncased")
    tokenizer.add_special_tokens({"bos_token": "[DEC]"})
    tokenizer.add_special_tokens({"additional_special_tokens": ["[ENC]"]})
    assert tokenizer.get_vocab() == model.blip.tokenizer.get_vocab(), "tokenizer differs from BLIP's"
    tokenizer.save_pretrained(args.out)
    text = model.blip.tokenizer("a red car", padding="max_length", truncation=True, max_length=35, return_tensors="pt")
    pixels = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(Vision(model), (pixels,), os.path.join(args.out, "onnx", "vision_model.onnx"), input_names=["pixel_values"],
                          output_names=["image_embeds"], opset_version=14,
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})
        embeds = model.blip.visual_encoder(pixels)
        torch.onnx.export(TextReward(model), (text.input_ids, text.attention_mask, embeds), os.path.join(args.out, "onnx", "text_model.onnx"),
                          input_names=["input_ids", "attention_mask", "image_embeds"], output_names=["reward"], opset_version=14,
                          dynamic_axes={"input_ids": {0: "batch_size"}, "attention_mask": {0: "batch_size"},
                                        "image_embeds": {0: "batch_size"}, "reward": {0: "batch_size"}})
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump({"model_type": "image_reward", "source": args.name, "reward_mean": float(model.mean), "reward_std": float(model.std),
                   "max_text_length": 35, "image_size": 224}, f, indent=2)
    with open(os.path.join(args.out, "preprocessor_config.json"), "w") as f:
        json.dump({"image_processor_type": "CLIPImageProcessor", "do_resize": True, "size": {"shortest_edge": 224}, "resample": 3,
                   "do_center_crop": True, "crop_size": {"height": 224, "width": 224}, "do_rescale": True, "rescale_factor": 1 / 255,
                   "do_normalize": True, "image_mean": MEAN, "image_std": STD, "do_convert_rgb": True}, f, indent=2)
    # The export reproduces model.score() on a random image (ImageReward normalises inside score()).
    try:
        import onnxruntime as ort
        from PIL import Image
        import numpy as np
        image = Image.fromarray(np.random.RandomState(0).randint(0, 255, (300, 260, 3), dtype=np.uint8))
        expected = model.score("a red car", image)
        pv = model.preprocess(image).unsqueeze(0).numpy()
        emb = ort.InferenceSession(os.path.join(args.out, "onnx", "vision_model.onnx")).run(None, {"pixel_values": pv})[0]
        head = ort.InferenceSession(os.path.join(args.out, "onnx", "text_model.onnx")).run(None, {
            "input_ids": text.input_ids.numpy(), "attention_mask": text.attention_mask.numpy(), "image_embeds": emb})[0][0]
        got = (head - float(model.mean)) / float(model.std)
        print(f"ImageReward score torch {expected:.6f} onnx {got:.6f}")
        assert abs(expected - got) < 1e-3
    except ImportError:
        print("onnxruntime / PIL not installed: skipped the ONNX-vs-torch check")


if __name__ == "__main__":
    main()
