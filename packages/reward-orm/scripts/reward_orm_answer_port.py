#!/usr/bin/env python3
"""Golden cases for which first answer token the ORM reference mode accepts (`reference: 't2i-r1-code'`).

CaraJ7/T2I-R1 (@ 2d9d4d1) `src/t2i-r1/src/utils/reward_orm.py` line 99 reads the sampled first token as
`self.tokenizer.convert_ids_to_tokens(sequences[0])[0].lower().strip()` and accepts it when that is 'yes' or 'no'
(line 101). `convert_ids_to_tokens` returns the vocabulary's token string, not decoded text. The checkpoint is a
LLaVA-OneVision Qwen2 model (`load_pretrained_model(..., "llava_qwen")`): a byte-level BPE vocabulary whose token
strings spell every byte through GPT-2's `bytes_to_unicode` table (space → 'Ġ', '\\n' → 'Ċ', '\\t' → 'ĉ'), so no
token string holds a whitespace character and `.strip()` never removes anything from one.

Two tables, written from reading that code and the byte table (transformers `bytes_to_unicode`):
- `vocab`: raw token strings (what our transformers.js / ONNX backends read from tokenizer.json) → accepted, by
  Python's own `str.lower().strip()` (its whitespace set differs from JavaScript's `trim`: '\\x1c'-'\\x1f' and
  '\\x85' are whitespace to Python, '\\ufeff' is not);
- `decoded`: decoded token text (what an OpenAI-compatible server returns in `top_logprobs`) → the checkpoint's
  token string (bytes through the byte table) → accepted.

Writes ../src/__fixtures__/orm-answer-golden.json.

    python3 packages/reward-orm/scripts/reward_orm_answer_port.py
"""
import json
import os


def bytes_to_unicode():
    """GPT-2 / Qwen2 byte-level table: printable bytes map to themselves, the others to chr(256 + n)."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_TABLE = bytes_to_unicode()


def token_string(decoded):
    """The byte-level vocabulary string whose decoding is `decoded`."""
    return ''.join(BYTE_TABLE[b] for b in decoded.encode('utf-8'))


def accepted(token):
    """reward_orm.py lines 99-101."""
    cur_reponse = token.lower().strip()
    return cur_reponse in ['yes', 'no']


VOCAB = ['yes', 'Yes', 'YES', 'no', 'No', 'NO', 'nO', 'Ġyes', 'ĠYes', 'Ġno', 'yesĊ', 'yesĠ', '▁yes', 'yes ', ' yes', 'yes\n', '\tno',
         'yes\x1c', '\x1fno', 'yes\x85', '\ufeffyes', 'yes\ufeff', 'yes\u00a0', '\u3000no', 'yes\u2028', 'yeah', 'y', 'noo', '<|im_end|>', 'yes.']
DECODED = ['yes', 'Yes', 'YES', 'no', 'No', 'NO', ' yes', ' Yes', ' no', 'yes ', 'yes\n', 'no\n', '\nyes', 'yes\t', 'Yes,', 'yes.', 'yeah', '\u00a0yes']


def main():
    vocab = [{'token': t, 'accepted': accepted(t)} for t in VOCAB]
    decoded = [{'decoded': d, 'token': token_string(d), 'accepted': accepted(token_string(d))} for d in DECODED]
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, '..', 'src', '__fixtures__', 'orm-answer-golden.json')
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, 'w') as f:
        json.dump({'source': 'CaraJ7/T2I-R1 @ 2d9d4d1 src/t2i-r1/src/utils/reward_orm.py lines 99-101 (port: scripts/reward_orm_answer_port.py)',
                   'vocab': vocab, 'decoded': decoded}, f, indent=1)
        f.write('\n')
    print(f'{len(vocab)} vocabulary strings, {len(decoded)} decoded tokens → {os.path.relpath(target)}')
    print('accepted decoded:', [d['decoded'] for d in decoded if d['accepted']])


if __name__ == '__main__':
    main()
