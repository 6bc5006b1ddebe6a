#!/usr/bin/env python3
"""Exports a BLIP-VQA checkpoint (Salesforce/blip-vqa-base, Salesforce/blip-vqa-capfilt-large: the model of
T2I-CompBench's attribute-binding protocol) to the three ONNX files the `onnx` backend of @t2i-reward/vqa runs on
onnxruntime-node, plus the tokenizer, preprocessor and config files.

Needs: torch, transformers (written against the 4.4x BlipForQuestionAnswering), onnx; onnxruntime optional.

    python export_blip_onnx.py Salesforce/blip-vqa-base ./blip-vqa-base-onnx

Writes into the output folder:
  onnx/vision_model.onnx   pixel_values float32 [batch_size, 3, H, W]  -> image_embeds float32 [batch_size, num_patches + 1, vision_hidden]
  onnx/text_encoder.onnx   input_ids int64 [batch_size, sequence_length]  ([CLS] question [SEP])
                           attention_mask int64 [batch_size, sequence_length]
                           image_embeds (as above)                      -> question_embeds float32 [batch_size, sequence_length, hidden]
  onnx/text_decoder.onnx   input_ids int64 [batch_size, decoder_sequence_length]  ([[text_config.bos_token_id]] = [DEC])
                           question_embeds (as above), question_attention_mask int64 [batch_size, sequence_length]
                                                                        -> logits float32 [batch_size, decoder_sequence_length, vocab_size]
  tokenizer.json, tokenizer_config.json, preprocessor_config.json, config.json (from the checkpoint)
"""
import os
import sys

import torch
from torch import nn
from transformers import BlipForQuestionAnswering, BlipProcessor


class VisionModel(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.vision_model = model.vision_model

    def forward(self, pixel_values):
        return self.vision_model(pixel_values=pixel_values, return_dict=True).last_hidden_state


class TextEncoder(nn.Module):
    """The question encoder, cross-attending to every image token (BlipForQuestionAnswering uses a mask of ones)."""

    def __init__(self, model):
        super().__init__()
        self.text_encoder = model.text_encoder

    def forward(self, input_ids, attention_mask, image_embeds):
        image_attention_mask = torch.ones(image_embeds.shape[:-1], dtype=torch.long)
        return self.text_encoder(input_ids=input_ids, attention_mask=attention_mask, encoder_hidden_states=image_embeds,
                                 encoder_attention_mask=image_attention_mask, return_dict=True).last_hidden_state


class TextDecoder(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.text_decoder = model.text_decoder

    def forward(self, input_ids, question_embeds, question_attention_mask):
        return self.text_decoder(input_ids=input_ids, encoder_hidden_states=question_embeds,
                                 encoder_attention_mask=question_attention_mask, return_dict=True).logits


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    checkpoint, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out_dir, 'onnx'), exist_ok=True)
    processor = BlipProcessor.from_pretrained(checkpoint)
    model = BlipForQuestionAnswering.from_pretrained(checkpoint).eval()
    processor.save_pretrained(out_dir)
    model.config.save_pretrained(out_dir)

    size = processor.image_processor.size['height']
    pixel_values = torch.randn(1, 3, size, size)
    question = processor.tokenizer('is the car red?', return_tensors='pt')
    bos = torch.tensor([[model.config.text_config.bos_token_id]])
    vision, encoder, decoder = VisionModel(model).eval(), TextEncoder(model).eval(), TextDecoder(model).eval()
    with torch.no_grad():
        image_embeds = vision(pixel_values)
        question_embeds = encoder(question.input_ids, question.attention_mask, image_embeds)
        ones = torch.ones(question_embeds.shape[:-1], dtype=torch.long)
        logits = decoder(bos, question_embeds, ones)[0, -1]
        axes = {'batch_size': 0}
        torch.onnx.export(vision, (pixel_values,), os.path.join(out_dir, 'onnx', 'vision_model.onnx'), opset_version=17,
                          input_names=['pixel_values'], output_names=['image_embeds'],
                          dynamic_axes={'pixel_values': axes, 'image_embeds': axes})
        torch.onnx.export(encoder, (question.input_ids, question.attention_mask, image_embeds),
                          os.path.join(out_dir, 'onnx', 'text_encoder.onnx'), opset_version=17,
                          input_names=['input_ids', 'attention_mask', 'image_embeds'], output_names=['question_embeds'],
                          dynamic_axes={'input_ids': {0: 'batch_size', 1: 'sequence_length'},
                                        'attention_mask': {0: 'batch_size', 1: 'sequence_length'}, 'image_embeds': axes,
                                        'question_embeds': {0: 'batch_size', 1: 'sequence_length'}})
        torch.onnx.export(decoder, (bos, question_embeds, ones), os.path.join(out_dir, 'onnx', 'text_decoder.onnx'),
                          opset_version=17, input_names=['input_ids', 'question_embeds', 'question_attention_mask'],
                          output_names=['logits'],
                          dynamic_axes={'input_ids': {0: 'batch_size', 1: 'decoder_sequence_length'},
                                        'question_embeds': {0: 'batch_size', 1: 'sequence_length'},
                                        'question_attention_mask': {0: 'batch_size', 1: 'sequence_length'},
                                        'logits': {0: 'batch_size', 1: 'decoder_sequence_length'}})
    try:
        import onnxruntime as ort
    except ImportError:
        print('onnxruntime not installed: skipped the ONNX parity check')
        return
    run = lambda name, feeds: ort.InferenceSession(os.path.join(out_dir, 'onnx', f'{name}.onnx')).run(None, feeds)[0]
    onnx_image = run('vision_model', {'pixel_values': pixel_values.numpy()})
    onnx_question = run('text_encoder', {'input_ids': question.input_ids.numpy(), 'attention_mask': question.attention_mask.numpy(),
                                         'image_embeds': onnx_image})
    onnx_logits = run('text_decoder', {'input_ids': bos.numpy(), 'question_embeds': onnx_question, 'question_attention_mask': ones.numpy()})
    print('max |logit difference| onnx vs torch:', float((torch.from_numpy(onnx_logits[0, -1]) - logits).abs().max()))


if __name__ == '__main__':
    main()
