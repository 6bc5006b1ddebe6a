"""Shared by export_hps.py and export_pickscore.py: writes a Hugging Face CLIPModel as the folder our loader reads.

  config.json                 HF config + "t2i_reward": {"logit_scale": exp(logit_scale)} (PickScore's scale),
                              + "transformers.js_config" naming external-data files of towers over 2 GB
  tokenizer.json, tokenizer_config.json, special_tokens_map.json, preprocessor_config.json
  onnx/text_model.onnx        input_ids int64 [batch_size, sequence_length] -> text_embeds [batch_size, D], last_hidden_state
  onnx/vision_model.onnx      pixel_values float32 [batch_size, 3, S, S] -> image_embeds [batch_size, D], last_hidden_state
                              (ViT-H/14: ~2.5 GB, so its weights go to onnx/vision_model.onnx_data)
Embeddings are unnormalised, as HF's *WithProjection models return them; the TS scorer normalises.
Needs: torch, transformers, onnx (and onnxruntime for the final check, optional).
"""
import json
import os

import onnx
import torch
from torch import nn

TWO_GB = 2 * 1024 ** 3


class TextTower(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.text_model, self.text_projection = model.text_model, model.text_projection

    def forward(self, input_ids):
        out = self.text_model(input_ids=input_ids)
        return self.text_projection(out.pooler_output), out.last_hidden_state


class VisionTower(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.vision_model, self.visual_projection = model.vision_model, model.visual_projection

    def forward(self, pixel_values):
        out = self.vision_model(pixel_values=pixel_values)
        return self.visual_projection(out.pooler_output), out.last_hidden_state


def _export(module, args, path, input_names, output_names, dynamic_axes):
    torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=14, do_constant_folding=True)
    proto = onnx.load(path)  # torch writes one file per tensor beyond 2 GB: repack as <name>_data
    big = sum(t.ByteSize() for t in proto.graph.initializer) > TWO_GB - 64 * 1024 ** 2
    if big:
        for stale in os.listdir(os.path.dirname(path)):
            if stale not in ("text_model.onnx", "vision_model.onnx") and not stale.endswith("_data"):
                os.remove(os.path.join(os.path.dirname(path), stale))
        onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=os.path.basename(path) + "_data", size_threshold=1024)
    return big


def export_clip_folder(model, tokenizer, image_processor, out, logit_scale):
    model = model.float().eval()
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    tokenizer.save_pretrained(out)  # a CLIPTokenizerFast writes tokenizer.json
    image_processor.save_pretrained(out)
    size = model.config.vision_config.image_size
    ids = torch.tensor([tokenizer("a photo of a cat")["input_ids"]])
    with torch.no_grad():
        big_text = _export(TextTower(model), (ids,), os.path.join(out, "onnx", "text_model.onnx"), ["input_ids"],
                           ["text_embeds", "last_hidden_state"],
                           {"input_ids": {0: "batch_size", 1: "sequence_length"}, "text_embeds": {0: "batch_size"},
                            "last_hidden_state": {0: "batch_size", 1: "sequence_length"}})
        big_vision = _export(VisionTower(model), (torch.zeros(1, 3, size, size),), os.path.join(out, "onnx", "vision_model.onnx"),
                             ["pixel_values"], ["image_embeds", "last_hidden_state"],
                             {"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}})
    config = model.config.to_dict()
    config["t2i_reward"] = {"logit_scale": float(logit_scale)}
    external = {name: 1 for name, big in (("text_model.onnx", big_text), ("vision_model.onnx", big_vision)) if big}
    if external:
        config["transformers.js_config"] = {"use_external_data_format": external}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    _check(model, tokenizer, out, size)


def _check(model, tokenizer, out, size):
    """Cosine from onnxruntime vs torch on one random image, when onnxruntime is installed."""
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime not installed: skipped the ONNX-vs-torch check")
        return
    ids = torch.tensor([tokenizer("a red bicycle next to a blue wall")["input_ids"]])
    pixels = torch.randn(1, 3, size, size)
    with torch.no_grad():
        t = model.get_text_features(input_ids=ids)
        i = model.get_image_features(pixel_values=pixels)
    expected = torch.nn.functional.cosine_similarity(t, i).item()
    text = ort.InferenceSession(os.path.join(out, "onnx", "text_model.onnx")).run(["text_embeds"], {"input_ids": ids.numpy()})[0]
    image = ort.InferenceSession(os.path.join(out, "onnx", "vision_model.onnx")).run(["image_embeds"], {"pixel_values": pixels.numpy()})[0]
    got = torch.nn.functional.cosine_similarity(torch.from_numpy(text), torch.from_numpy(image)).item()
    print(f"cosine torch {expected:.6f} onnx {got:.6f} |diff| {abs(expected - got):.2e}")
    assert abs(expected - got) < 1e-4, "ONNX export does not match torch"
