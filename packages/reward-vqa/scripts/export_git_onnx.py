#!/usr/bin/env python3
"""Exports a GIT VQA checkpoint (e.g. microsoft/git-base-vqav2, microsoft/git-large-vqav2) to the two ONNX files
the `onnx` backend of @t2i-reward/vqa runs on onnxruntime-node, plus the tokenizer and preprocessor files.

Needs: torch, transformers (written against the 4.4x GitModel), onnx; onnxruntime optional (parity check).

    python export_git_onnx.py microsoft/git-base-vqav2 ./git-base-vqav2-onnx

Writes into the output folder:
  onnx/vision_encoder.onnx   pixel_values  float32 [batch_size, 3, H, W]  (CLIP-normalised, H = W = image size)
                             -> image_features float32 [batch_size, num_image_tokens, hidden]
                                (CLIP vision tower, all tokens incl. CLS, then GIT's visual_projection)
  onnx/decoder_model.onnx    image_features float32 [batch_size, num_image_tokens, hidden]
                             input_ids      int64   [batch_size, sequence_length]   ([CLS] + question tokens)
                             -> logits      float32 [batch_size, sequence_length, vocab_size]  (text positions only)
  tokenizer.json, tokenizer_config.json, preprocessor_config.json, config.json (from the checkpoint)
"""
import os
import sys

import torch
from torch import nn
from transformers import AutoProcessor, GitForCausalLM
from transformers.modeling_outputs import BaseModelOutput


class VisionEncoder(nn.Module):
    """pixel_values -> projected image tokens, exactly as GitModel.forward computes them."""

    def __init__(self, model):
        super().__init__()
        self.image_encoder = model.git.image_encoder
        self.visual_projection = model.git.visual_projection

    def forward(self, pixel_values):
        return self.visual_projection(self.image_encoder(pixel_values).last_hidden_state)


class FeaturesPassThrough(nn.Module):
    """Stands in for the image encoder: the decoder receives features already encoded and projected."""

    def forward(self, pixel_values, **kwargs):
        return BaseModelOutput(last_hidden_state=pixel_values.squeeze(1))


class Decoder(nn.Module):
    """GitForCausalLM with the image encoding removed: (image_features, input_ids) -> text logits.

    GitModel.forward accepts 4-D pixel_values for images; the features are passed as [batch, 1, tokens, hidden]
    through a pass-through encoder and an identity projection, so the text embeddings, the image/text attention
    mask, the transformer and the LM head all run the library's own code.
    """

    def __init__(self, model):
        super().__init__()
        self.model = model
        model.git.image_encoder = FeaturesPassThrough()
        model.git.visual_projection = nn.Identity()

    def forward(self, image_features, input_ids):
        out = self.model(input_ids=input_ids, pixel_values=image_features.unsqueeze(1), use_cache=False, return_dict=True)
        # GitForCausalLM returns logits for the image positions too; keep the text positions.
        return out.logits[:, image_features.shape[1]:, :]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    checkpoint, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out_dir, 'onnx'), exist_ok=True)
    processor = AutoProcessor.from_pretrained(checkpoint)
    model = GitForCausalLM.from_pretrained(checkpoint).eval()
    processor.save_pretrained(out_dir)
    model.config.save_pretrained(out_dir)

    size = processor.image_processor.crop_size['height']
    pixel_values = torch.randn(1, 3, size, size)
    question = 'what color is the car?'
    input_ids = torch.tensor([[processor.tokenizer.cls_token_id] + processor(text=question, add_special_tokens=False).input_ids])

    with torch.no_grad():
        reference = model(input_ids=input_ids, pixel_values=pixel_values).logits[0, -1]
        vision = VisionEncoder(model).eval()
        features = vision(pixel_values)
        torch.onnx.export(vision, (pixel_values,), os.path.join(out_dir, 'onnx', 'vision_encoder.onnx'),
                          input_names=['pixel_values'], output_names=['image_features'], opset_version=17,
                          dynamic_axes={'pixel_values': {0: 'batch_size'}, 'image_features': {0: 'batch_size'}})
        decoder = Decoder(model).eval()
        torch.onnx.export(decoder, (features, input_ids), os.path.join(out_dir, 'onnx', 'decoder_model.onnx'),
                          input_names=['image_features', 'input_ids'], output_names=['logits'], opset_version=17,
                          dynamic_axes={'image_features': {0: 'batch_size'}, 'input_ids': {0: 'batch_size', 1: 'sequence_length'},
                                        'logits': {0: 'batch_size', 1: 'sequence_length'}})
        split = decoder(features, input_ids)[0, -1]
        print('max |logit difference| split vs full model (torch):', float((split - reference).abs().max()))

    try:
        import onnxruntime as ort
    except ImportError:
        print('onnxruntime not installed: skipped the ONNX parity check')
        return
    vision_session = ort.InferenceSession(os.path.join(out_dir, 'onnx', 'vision_encoder.onnx'))
    decoder_session = ort.InferenceSession(os.path.join(out_dir, 'onnx', 'decoder_model.onnx'))
    (onnx_features,) = vision_session.run(None, {'pixel_values': pixel_values.numpy()})
    (logits,) = decoder_session.run(None, {'image_features': onnx_features, 'input_ids': input_ids.numpy()})
    print('max |logit difference| onnx vs torch:', float((torch.from_numpy(logits[0, -1]) - reference).abs().max()))


if __name__ == '__main__':
    main()
