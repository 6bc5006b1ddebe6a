"""HPS v2 / v2.1 (Wu et al. 2023, github.com/tgxs002/HPSv2) -> our CLIP folder (see hf_clip_onnx.py).

HPS is an OpenCLIP ViT-H/14 fine-tuned end to end; the score is the raw cosine of the normalised image and text
embeddings (what T2I-R1 adds to its reward). The checkpoint's weights are copied into Hugging Face's CLIPModel of
the same architecture (laion/CLIP-ViT-H-14-laion2B-s32B-b79K: same tokenizer, 224 px bicubic resize + center
crop, OpenAI mean/std — HPS's own preprocess), checked against open_clip, and exported.

  pip install torch transformers onnx onnxruntime open_clip_torch huggingface_hub
  python export_hps.py --version 2.1 --out models/hps-v2.1     # downloads xswu/HPSv2 HPS_v2.1_compressed.pt
  python export_hps.py --version 2.0 --checkpoint HPS_v2_compressed.pt --out models/hps-v2

Then: createHpmReward({ variant: 'hps-v2.1', model: 'models/hps-v2.1' }).
"""
import argparse

import open_clip
import torch
from transformers import CLIPImageProcessor, CLIPModel, CLIPTokenizerFast

from hf_clip_onnx import export_clip_folder

BASE = "laion/CLIP-ViT-H-14-laion2B-s32B-b79K"


def open_clip_to_hf(state, layers_text, layers_vision):
    """OpenCLIP state dict -> HF CLIPModel keys (fused in_proj split into q/k/v; projections transposed)."""
    out = {
        "text_model.embeddings.token_embedding.weight": state["token_embedding.weight"],
        "text_model.embeddings.position_embedding.weight": state["positional_embedding"],
        "text_model.final_layer_norm.weight": state["ln_final.weight"],
        "text_model.final_layer_norm.bias": state["ln_final.bias"],
        "text_projection.weight": state["text_projection"].t().contiguous(),
        "vision_model.embeddings.class_embedding": state["visual.class_embedding"],
        "vision_model.embeddings.position_embedding.weight": state["visual.positional_embedding"],
        "vision_model.embeddings.patch_embedding.weight": state["visual.conv1.weight"],
        "vision_model.pre_layrnorm.weight": state["visual.ln_pre.weight"],
        "vision_model.pre_layrnorm.bias": state["visual.ln_pre.bias"],
        "vision_model.post_layernorm.weight": state["visual.ln_post.weight"],
        "vision_model.post_layernorm.bias": state["visual.ln_post.bias"],
        "visual_projection.weight": state["visual.proj"].t().contiguous(),
        "logit_scale": state["logit_scale"],
    }
    for src_prefix, dst_prefix, n in (("transformer", "text_model", layers_text), ("visual.transformer", "vision_model", layers_vision)):
        for i in range(n):
            s, d = f"{src_prefix}.resblocks.{i}.", f"{dst_prefix}.encoder.layers.{i}."
            for kind in ("weight", "bias"):
                q, k, v = state[s + f"attn.in_proj_{kind}"].chunk(3, dim=0)
                out[d + f"self_attn.q_proj.{kind}"], out[d + f"self_attn.k_proj.{kind}"], out[d + f"self_attn.v_proj.{kind}"] = q, k, v
                out[d + f"self_attn.out_proj.{kind}"] = state[s + f"attn.out_proj.{kind}"]
                out[d + f"layer_norm1.{kind}"] = state[s + f"ln_1.{kind}"]
                out[d + f"layer_norm2.{kind}"] = state[s + f"ln_2.{kind}"]
                out[d + f"mlp.fc1.{kind}"] = state[s + f"mlp.c_fc.{kind}"]
                out[d + f"mlp.fc2.{kind}"] = state[s + f"mlp.c_proj.{kind}"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", choices=["2.0", "2.1"], default="2.1")
    ap.add_argument("--checkpoint", help="local HPS_v2(.1)_compressed.pt; default: download from xswu/HPSv2")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    checkpoint = args.checkpoint
    if not checkpoint:
        from huggingface_hub import hf_hub_download
        checkpoint = hf_hub_download("xswu/HPSv2", "HPS_v2.1_compressed.pt" if args.version == "2.1" else "HPS_v2_compressed.pt")
    oc_model = open_clip.create_model("ViT-H-14", pretrained=None).eval()
    oc_model.load_state_dict(torch.load(checkpoint, map_location="cpu")["state_dict"])
    hf = CLIPModel.from_pretrained(BASE).eval()
    mapped = open_clip_to_hf(oc_model.state_dict(), hf.config.text_config.num_hidden_layers, hf.config.vision_config.num_hidden_layers)
    missing, unexpected = hf.load_state_dict(mapped, strict=False)
    assert not unexpected and all("position_ids" in k for k in missing), (missing, unexpected)
    tokenizer, processor = CLIPTokenizerFast.from_pretrained(BASE), CLIPImageProcessor.from_pretrained(BASE)
    # Same weights, same numbers: open_clip vs HF on one prompt and a random image.
    ids = open_clip.get_tokenizer("ViT-H-14")(["a red bicycle next to a blue wall"])
    pixels = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        a = torch.nn.functional.cosine_similarity(oc_model.encode_text(ids), oc_model.encode_image(pixels)).item()
        hf_ids = torch.tensor([tokenizer("a red bicycle next to a blue wall")["input_ids"]])
        b = torch.nn.functional.cosine_similarity(hf.get_text_features(input_ids=hf_ids), hf.get_image_features(pixel_values=pixels)).item()
    print(f"HPS v{args.version} cosine open_clip {a:.6f} HF {b:.6f}")
    assert abs(a - b) < 1e-4
    export_clip_folder(hf, tokenizer, processor, args.out, oc_model.logit_scale.exp().item())


if __name__ == "__main__":
    main()
