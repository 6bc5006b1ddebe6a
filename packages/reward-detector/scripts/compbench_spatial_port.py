#!/usr/bin/env python3
"""Golden cases for the `compbench` formula's reference mode (`reproduceBugs: true`) on 2D-spatial prompts.

A port of Karine-Huang/T2I-CompBench (@ 1b70949) `UniDet_eval/2D_spatial_eval.py`, written from reading it:
`determine_position` (lines 23-78), the locality search over `vocab_spatial` (lines 168-174) and the score (lines
228-261), with the UniDet threshold in force: `UnifiedCascadeROIHeads._forward_box`
(experts/obj_detection/unidet/modeling/roi_heads/unified_roi_heads.py lines 105-113) calls detectron2's
`fast_rcnn_inference` with a hard-coded 0.1, which keeps scores > 0.1 (the `--confidence-threshold` 0.5 of
experts/model_bank.py reaches only `predictor.test_score_thresh`, unread there). The detector is replaced by its
instances (class name, score, box in the frame UniDet sees), given most confident first as detectron2 returns them;
spaCy's choice of the two nouns is replaced by the case's obj1 / obj2.

Writes ../src/scoring/__fixtures__/compbench-spatial-golden.json.

    python3 packages/reward-detector/scripts/compbench_spatial_port.py
"""
import json
import os
import random
import re

UNIDET_SCORE_THRESH = 0.1
VOCAB_SPATIAL = ['on side of', 'next to', 'near', 'on the left of', 'on the right of', 'on the bottom of', 'on the top of', 'on top of']


def determine_position(locality, box1, box2, iou_threshold=0.1, distance_threshold=150):
    box1_center = ((box1['x_min'] + box1['x_max']) / 2, (box1['y_min'] + box1['y_max']) / 2)
    box2_center = ((box2['x_min'] + box2['x_max']) / 2, (box2['y_min'] + box2['y_max']) / 2)
    x_distance = box2_center[0] - box1_center[0]
    y_distance = box2_center[1] - box1_center[1]
    x_overlap = max(0, min(box1['x_max'], box2['x_max']) - max(box1['x_min'], box2['x_min']))
    y_overlap = max(0, min(box1['y_max'], box2['y_max']) - max(box1['y_min'], box2['y_min']))
    intersection = x_overlap * y_overlap
    box1_area = (box1['x_max'] - box1['x_min']) * (box1['y_max'] - box1['y_min'])
    box2_area = (box2['x_max'] - box2['x_min']) * (box2['y_max'] - box2['y_min'])
    union = box1_area + box2_area - intersection
    iou = intersection / union if union else float('nan')  # torch: 0/0 → nan
    score = 0
    if locality in ['next to', 'on side of', 'near']:
        if (abs(x_distance) < distance_threshold or abs(y_distance) < distance_threshold):
            score = 1
        else:
            score = distance_threshold / max(abs(x_distance), abs(y_distance))
    elif locality == 'on the right of':
        if x_distance < 0:
            if abs(x_distance) > abs(y_distance) and iou < iou_threshold:
                score = 1
            elif abs(x_distance) > abs(y_distance) and iou >= iou_threshold:
                score = iou_threshold / iou
        else:
            score = 0
    elif locality == 'on the left of':
        if x_distance > 0:
            if abs(x_distance) > abs(y_distance) and iou < iou_threshold:
                score = 1
            elif abs(x_distance) > abs(y_distance) and iou >= iou_threshold:
                score = iou_threshold / iou
        else:
            score = 0
    elif locality == 'on the bottom of':
        if y_distance < 0:
            if abs(y_distance) > abs(x_distance) and iou < iou_threshold:
                score = 1
            elif abs(y_distance) > abs(x_distance) and iou >= iou_threshold:
                score = iou_threshold / iou
    elif locality == 'on the top of':
        if y_distance > 0:
            if abs(y_distance) > abs(x_distance) and iou < iou_threshold:
                score = 1
            elif abs(y_distance) > abs(x_distance) and iou >= iou_threshold:
                score = iou_threshold / iou
    else:
        score = 0
    return score


def spatial_score(prompt, obj1, obj2, instances):
    """Lines 166-261 for one image; `instances` are (class, score, [x1, y1, x2, y2]) before the 0.1 cut."""
    kept = [i for i in instances if i[1] > UNIDET_SCORE_THRESH]
    obj = [i[0] for i in kept]
    obj_bounding_box = [i[2] for i in kept]
    instance_score = [i[1] for i in kept]
    locality = None
    for word in VOCAB_SPATIAL:
        if word in prompt:
            locality = word
            break
    person = ['girl', 'boy', 'man', 'woman']
    if obj1 in person:
        obj1 = "person"
    if obj2 in person:
        obj2 = "person"
    if obj1 in obj and obj2 in obj:
        obj1_pos = obj.index(obj1)
        obj2_pos = obj.index(obj2)
        obj1_bb = obj_bounding_box[obj1_pos]
        obj2_bb = obj_bounding_box[obj2_pos]
        box1 = {'x_min': obj1_bb[0], 'y_min': obj1_bb[1], 'x_max': obj1_bb[2], 'y_max': obj1_bb[3]}
        box2 = {'x_min': obj2_bb[0], 'y_min': obj2_bb[1], 'x_max': obj2_bb[2], 'y_max': obj2_bb[3]}
        score = 0.25 * instance_score[obj1_pos] + 0.25 * instance_score[obj2_pos]
        score += determine_position(locality, box1, box2) / 2
    elif obj1 in obj:
        score = 0.25 * instance_score[obj.index(obj1)]
    elif obj2 in obj:
        score = 0.25 * instance_score[obj.index(obj2)]
    else:
        score = 0
    if score < 0.5:
        score = 0
    return score, locality


def case(name, prompt, obj1, obj2, relation, instances):
    instances = sorted(instances, key=lambda i: -i[1])  # detectron2 returns them most confident first
    score, locality = spatial_score(prompt, obj1, obj2, instances)
    return {'name': name, 'prompt': prompt, 'obj1': obj1, 'obj2': obj2, 'relation': relation, 'instances': instances, 'locality': locality, 'expected': score}


RELATION = {'on side of': 'on side of', 'next to': 'next to', 'near': 'near', 'on the left of': 'left of', 'on the right of': 'right of',
            'on the bottom of': 'below', 'on the top of': 'above', 'on top of': 'above'}


def hand_cases():
    out = []
    left, right, top, bottom = [20, 200, 120, 300], [360, 200, 460, 300], [200, 20, 300, 120], [200, 360, 300, 460]
    for phrase, relation in RELATION.items():
        for placement, (b1, b2) in {'horizontal': (left, right), 'horizontal-swapped': (right, left), 'vertical': (top, bottom), 'vertical-swapped': (bottom, top)}.items():
            out.append(case(f'{phrase} {placement}', f'a dog {phrase} a cat', 'dog', 'cat', relation, [('dog', 0.9, b1), ('cat', 0.8, b2)]))
    out.append(case('on top of: the prompt that only says it (→ 0, not "above")', 'a book on top of a table', 'book', 'table', 'above', [('book', 0.9, top), ('table', 0.9, bottom)]))
    out.append(case('on the top of wins over on top of? (list order)', 'a lamp on the top of a desk', 'lamp', 'desk', 'above', [('lamp', 0.9, top), ('desk', 0.7, bottom)]))
    out.append(case('near inside another word ("linear")', 'a linear cat on the left of a dog', 'cat', 'dog', 'left of', [('cat', 0.9, left), ('dog', 0.9, right)]))
    out.append(case('above is no vocab_spatial word (→ 0)', 'a bird above a tree', 'bird', 'tree', 'above', [('bird', 0.95, top), ('tree', 0.95, bottom)]))
    out.append(case('score exactly 0.1 is cut (> 0.1)', 'a dog on the left of a cat', 'dog', 'cat', 'left of', [('dog', 0.9, left), ('cat', 0.1, right)]))
    out.append(case('score 0.11 kept (below 0.5 of the CLI flag)', 'a dog on the left of a cat', 'dog', 'cat', 'left of', [('dog', 0.9, left), ('cat', 0.11, right)]))
    out.append(case('low scores, pos 1: 0.25·0.2 + 0.25·0.2 + 0.5 = 0.6', 'a dog on the left of a cat', 'dog', 'cat', 'left of', [('dog', 0.2, left), ('cat', 0.2, right)]))
    out.append(case('only obj1 found → < 0.5 → 0', 'a dog on the left of a cat', 'dog', 'cat', 'left of', [('dog', 0.99, left)]))
    out.append(case('same class both sides: one box, near → 1', 'a cat near a cat', 'cat', 'cat', 'near', [('cat', 0.9, left), ('cat', 0.8, right)]))
    out.append(case('same class both sides: one box, left → 0', 'a cat on the left of a cat', 'cat', 'cat', 'left of', [('cat', 0.9, left), ('cat', 0.8, right)]))
    out.append(case('most confident box taken', 'a dog on the left of a cat', 'dog', 'cat', 'left of', [('dog', 0.5, right), ('dog', 0.9, left), ('cat', 0.7, right)]))
    out.append(case('girl → person', 'a girl on the right of a horse', 'girl', 'horse', 'right of', [('person', 0.8, right), ('horse', 0.7, left)]))
    out.append(case('overlap: 0.1 / IoU', 'a dog on the left of a cat', 'dog', 'cat', 'left of', [('dog', 0.9, [100, 100, 200, 200]), ('cat', 0.9, [150, 100, 250, 200])]))
    out.append(case('far apart near: 150 / max(|dx|, |dy|)', 'a dog next to a cat', 'dog', 'cat', 'next to', [('dog', 0.9, [0, 0, 20, 20]), ('cat', 0.9, [400, 420, 420, 440])]))
    out.append(case('zero-area boxes (0/0 IoU)', 'a dog on the left of a cat', 'dog', 'cat', 'left of', [('dog', 0.9, [50, 50, 50, 50]), ('cat', 0.9, [300, 50, 300, 50])]))
    return out


def real_cases(rng):
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, '..', '..', '..', 'benchmarks', 'data', 't2i-compbench')
    read = lambda name: [l.strip() for l in open(os.path.join(data, name)) if l.strip()]
    # The shipped 2D-spatial split, and complex prompts that say "on top of" (in vocab_spatial, no branch).
    prompts = rng.sample(read('spatial_val.txt'), 30) + [p for p in read('complex_val.txt') if 'on top of' in p][:10]
    out = []
    for k, prompt in enumerate(prompts):
        phrase = next((w for w in VOCAB_SPATIAL if w in prompt), None)
        if phrase is None:
            continue
        head, tail = prompt.split(phrase, 1)
        # The nouns spaCy would give, approximately: the last content word on each side ("The red hat was" → hat).
        words = lambda text: [w for w in re.findall(r'[a-z]+', text.lower()) if w not in ('a', 'an', 'the', 'was', 'is', 'are', 'were')]
        obj1, obj2 = words(head)[-1], words(tail)[-1]
        def box():
            w, h = rng.randint(20, 200), rng.randint(20, 200)
            x, y = rng.randint(0, 479 - w), rng.randint(0, 479 - h)
            return [x, y, x + w, y + h]
        instances = [(obj1, rng.choice([0.05, 0.1, 0.3, 0.6, 0.9, rng.random()]), box()) for _ in range(rng.randint(0, 2))]
        instances += [(obj2, rng.choice([0.05, 0.1, 0.3, 0.6, 0.9, rng.random()]), box()) for _ in range(rng.randint(0, 2))]
        out.append(case(f'real prompt {k}: {prompt}', prompt, obj1, obj2, RELATION[phrase], instances))
    return out


def main():
    rng = random.Random(3)
    cases = hand_cases() + real_cases(rng)
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, '..', 'src', 'scoring', '__fixtures__', 'compbench-spatial-golden.json')
    with open(target, 'w') as f:
        f.write(json.dumps({'source': 'Karine-Huang/T2I-CompBench @ 1b70949 UniDet_eval/2D_spatial_eval.py, unified_roi_heads.py (port: scripts/compbench_spatial_port.py)', 'frame': [479, 479]})[:-1] + ',"cases":[\n')
        f.write(',\n'.join(json.dumps(c) for c in cases))
        f.write('\n]}\n')
    print(f'{len(cases)} cases → {os.path.relpath(target)}; nonzero: {sum(c["expected"] > 0 for c in cases)}')


if __name__ == '__main__':
    main()
