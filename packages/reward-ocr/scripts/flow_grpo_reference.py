"""Golden cases for @t2i-reward/ocr's scoring: the text-comparison part of Flow-GRPO's OCR reward.

A port, written from reading yifan123/flow_grpo `flow_grpo/ocr.py` (MIT), of what `OcrScorer.__call__` does
after PaddleOCR returns: the recognised lines (text, confidence) stand in for `result[0]`. It uses the same
`Levenshtein.distance` as the reference (Debian: apt-get install python3-levenshtein).

    /usr/bin/python3 scripts/flow_grpo_reference.py fixtures/golden-cases.json fixtures/golden.json

Input: hand-written cases (fixtures/golden-cases.json); 300 seeded random cases are appended. Output: each case
with the reference's reward, capped distance, or the exception the reference raises (IndexError when the prompt
has no double quote, ZeroDivisionError when the quoted text is empty after removing spaces).
"""
import json
import random
import sys

from Levenshtein import distance


def reference(prompt, pieces):
    # prompts = [prompt.split('"')[1] for prompt in prompts]
    target = prompt.split('"')[1]
    # recognized_text = ''.join([res[1][0] if res[1][1] > 0 else '' for res in result[0]]) if result[0] else ''
    recognized_text = ''.join([text if conf > 0 else '' for text, conf in pieces]) if pieces else ''
    recognized_text = recognized_text.replace(' ', '').lower()
    target = target.replace(' ', '').lower()
    if target in recognized_text:
        dist = 0
    else:
        dist = distance(recognized_text, target)
    if dist > len(target):
        dist = len(target)
    reward = 1 - dist / (len(target))
    return reward, dist


def random_cases(count, seed=20250515):
    rng = random.Random(seed)
    alphabet = list('abcAB  xyZ019"é') + ['\U0001F600', 'ß', '\t']
    words = ['Hello', 'World', 'OPEN', 'Sale', '50%', 'Café', 'NEW YORK', 'go!']
    cases = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.5:
            target = ' '.join(rng.sample(words, rng.randint(1, 3)))
            prompt = f'A sign that says "{target}" on a wall'
            noisy = ''.join(c if rng.random() > 0.2 else rng.choice(alphabet) for c in target)
            pieces = [[part, rng.choice([0, 0.3, 0.9])] for part in noisy.split(' ')]
        else:
            prompt = ''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
            pieces = [[''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))), rng.choice([0, 0.5])] for _ in range(rng.randint(0, 3))]
        cases.append({'name': f'random-{len(cases)}', 'prompt': prompt, 'pieces': pieces})
    return cases


def main():
    cases = json.load(open(sys.argv[1], encoding='utf-8')) + random_cases(300)
    out = []
    for case in cases:
        row = dict(case)
        try:
            reward, dist = reference(case['prompt'], case['pieces'])
            row.update(reward=reward, distance=dist)
        except (IndexError, ZeroDivisionError) as error:
            row.update(error=type(error).__name__)
        out.append(row)
    with open(sys.argv[2], 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
