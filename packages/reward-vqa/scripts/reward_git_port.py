#!/usr/bin/env python3
"""Golden cases for the VQA reward's reference mode (`reference: 't2i-r1-code'`).

A port of `GIT.__call__` in CaraJ7/T2I-R1 (@ 2d9d4d1) `src/t2i-r1/src/utils/reward_git.py`, written from reading it
(lines 41-76): the task-type gate (`spatial` / `numeracy` → 0), `attr_nouns` when it `is not None`, else `nouns`
(None or empty → 1), one question `f"{attr_noun}?"` per listed phrase as written, P(yes) / (P(yes) + P(no)) from the
softmax of the last position's logits at the single "yes" / "no" ids, and `np.mean` over the questions (an empty
`attr_nouns` list: the mean of nothing, NaN).

The rows are passed as the training loop passes them: `kwargs[column][i]`, a column the row lacks being None (what
Hugging Face `datasets` gives for a JSON Lines row without that key). The model is replaced by a fixed function of
the question text (`first_token_logits`, mirrored by the TypeScript test): three logits, "yes", "no" and one other
token, so the numbers depend on the exact text sent. Arithmetic in float64 (the released code runs float32 tensors).

Writes ../src/__fixtures__/reward-git-golden.json.

    python3 packages/reward-vqa/scripts/reward_git_port.py
"""
import json
import math
import os
import random

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
METADATA = os.path.join(HERE, '..', '..', '..', 'benchmarks', 'data', 't2i-r1', 'geneval_and_t2i_data_final.json')
COLUMNS = ('task_type', 'nouns', 'attr_nouns', 'spatial_info', 'numeracy_info')


def first_token_logits(text):
    """The stand-in model: logits of ("yes", "no", another token) at the last position, from the question text."""
    codes = [ord(c) for c in text]
    return [(sum(codes) % 17) / 4.0, (len(codes) % 11) / 3.0, ((sum(codes) * 7) % 13) / 5.0]


def softmax(logits):
    m = max(logits)
    e = [math.exp(v - m) for v in logits]
    z = sum(e)
    return [v / z for v in e]


def git_call(task_types, nouns_column, attr_nouns_column, sent_log):
    """GIT.__call__ with the model replaced: returns the score list; `sent_log` gets the questions asked per image."""
    score = []
    for i in range(len(task_types)):
        asked = []
        sent_log.append(asked)
        if task_types[i] in ['spatial', 'numeracy']:
            score.append(0)
            continue
        if attr_nouns_column[i] is not None:
            key_column = attr_nouns_column
        else:
            key_column = nouns_column
            if nouns_column[i] is None or len(nouns_column[i]) == 0:
                score.append(1)
                continue
        temp_score = []
        for attr_noun in key_column[i]:
            vqa_prompts = f"{attr_noun}?"
            asked.append(vqa_prompts)
            probs = softmax(first_token_logits(vqa_prompts))
            prob_yes, prob_no = probs[0], probs[1]
            temp_score.append(np.array([prob_yes / (prob_yes + prob_no)]))
        with np.errstate(all='ignore'):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                score.append(np.mean(temp_score).tolist())
    return score


def hand_rows():
    return [
        ('null attr_nouns → the nouns', {'task_type': 'texture', 'nouns': ['dog'], 'attr_nouns': None}),
        ('missing attr_nouns → the nouns', {'task_type': 'texture', 'nouns': ['dog']}),
        ('question as written (case)', {'task_type': 'color', 'nouns': ['car'], 'attr_nouns': ['Red Car']}),
        ('question as written (spaces)', {'task_type': 'color', 'nouns': ['car'], 'attr_nouns': [' red  car ']}),
        ('nouns as written (case)', {'task_type': 'object', 'nouns': ['TV', 'Frisbee']}),
        ('duplicate nouns asked each time', {'task_type': 'complex', 'nouns': ['dog', 'dog', 'cat']}),
        ('duplicate attr_nouns asked each time', {'task_type': 'color', 'nouns': ['dog'], 'attr_nouns': ['brown dog', 'brown dog']}),
        ('objects only in spatial_info are not asked', {'task_type': 'complex', 'nouns': ['dog'], 'spatial_info': {'obj1': 'dog', 'obj2': 'cat', 'locality': 'near'}}),
        ('objects only in numeracy_info are not asked', {'task_type': 'complex', 'nouns': ['dog'], 'numeracy_info': [{'obj_name': 'cats', 'num': 2}]}),
        ('attr_nouns not among the nouns are asked', {'task_type': 'shape', 'nouns': ['chair'], 'attr_nouns': ['round chair', 'square table']}),
        ('<image> in a phrase is sent as text', {'task_type': 'texture', 'nouns': ['sign'], 'attr_nouns': ['a <image> sign']}),
        ('<image> as a noun', {'task_type': 'object', 'nouns': ['<image>', 'dog']}),
        ('spatial → 0', {'task_type': 'spatial', 'nouns': ['dog', 'cat'], 'attr_nouns': ['red dog']}),
        ('numeracy → 0', {'task_type': 'numeracy', 'nouns': ['dog'], 'numeracy_info': [{'obj_name': 'dog', 'num': 2}]}),
        ('null task_type is asked', {'task_type': None, 'nouns': ['dog', 'cat']}),
        ('null nouns and attr_nouns → 1', {'task_type': 'color', 'nouns': None, 'attr_nouns': None}),
        ('empty nouns → 1', {'task_type': 'color', 'nouns': []}),
        ('null nouns with attr_nouns', {'task_type': 'color', 'nouns': None, 'attr_nouns': ['green apple']}),
        ('empty attr_nouns → mean of nothing (NaN)', {'task_type': 'color', 'nouns': ['dog'], 'attr_nouns': []}),
        ('non-ASCII phrase', {'task_type': 'texture', 'nouns': ['café table'], 'attr_nouns': ['wooden café table']}),
    ]


def real_rows(rng):
    rows = [json.loads(line) for line in open(METADATA) if line.strip()]
    picked = [r for r in rows if any(n != n.strip().lower() for n in (r.get('attr_nouns') or []) + r['nouns']) or len(set(r['nouns'])) < len(r['nouns'])]
    by_task = {}
    for r in rows:
        by_task.setdefault(r['task_type'], []).append(r)
    for task in sorted(by_task):
        picked += rng.sample(by_task[task], min(3, len(by_task[task])))
    out = []
    for k, r in enumerate(picked):
        out.append((f'real row {k}: {r["prompt"][:50]}', {key: r[key] for key in COLUMNS if key in r} | {'prompt': r['prompt']}))
    return out


def main():
    rng = random.Random(20)
    cases = hand_rows() + real_rows(rng)
    # The training loop's kwargs: one list per column, None where the row lacks the column.
    task_types = [row.get('task_type') for _, row in cases]
    nouns = [row.get('nouns') for _, row in cases]
    attr_nouns = [row.get('attr_nouns') for _, row in cases]
    sent = []
    scores = git_call(task_types, nouns, attr_nouns, sent)
    out = []
    for (name, row), score, asked in zip(cases, scores, sent):
        expected = None if isinstance(score, float) and math.isnan(score) else score
        out.append({'name': name, 'row': {'prompt': row.get('prompt', name), **row}, 'sent': asked, 'expected': expected})
    target = os.path.join(HERE, '..', 'src', '__fixtures__', 'reward-git-golden.json')
    head = {'source': 'CaraJ7/T2I-R1 @ 2d9d4d1 src/t2i-r1/src/utils/reward_git.py GIT.__call__ (port: scripts/reward_git_port.py)'}
    with open(target, 'w') as f:
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [\n')
        f.write(',\n'.join(json.dumps(c, ensure_ascii=False) for c in out))
        f.write('\n]}\n')
    print(f'{len(out)} cases → {os.path.relpath(target)}')


if __name__ == '__main__':
    main()
