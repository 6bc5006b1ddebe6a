"""PickScore_v1 (Kirstain et al. 2023) -> our CLIP folder (see hf_clip_onnx.py).

PickScore is a Hugging Face CLIPModel (ViT-H/14) with the processor of laion/CLIP-ViT-H-14-laion2B-s32B-b79K;
its score is logit_scale.exp() * cosine (the trained scale, written to config.json "t2i_reward.logit_scale" and
read by the 'pickscore' variant).

  pip install torch transformers onnx onnxruntime
  python export_pickscore.py --out models/pickscore

Then: createHpmReward({ variant: 'pickscore', model: 'models/pickscore' }).
"""
import argparse

from transformers import AutoModel, AutoProcessor

from hf_clip_onnx import export_clip_folder


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="yuvalkirstain/PickScore_v1")
    ap.add_argument("--processor", default="laion/CLIP-ViT-H-14-laion2B-s32B-b79K")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    processor = AutoProcessor.from_pretrained(args.processor)
    model = AutoModel.from_pretrained(args.model).eval()
    print(f"PickScore logit_scale.exp() = {model.logit_scale.exp().item():.4f}")
    export_clip_folder(model, processor.tokenizer, processor.image_processor, args.out, model.logit_scale.exp().item())


if __name__ == "__main__":
    main()
