#!/usr/bin/python3
"""Golden cases for the detector's reference mode (`scoreDetections(input, 't2i-r1-code', { reproduceBugs: true })`).

A port of the scoring of CaraJ7/T2I-R1 (@ 2d9d4d1a) `src/t2i-r1/src/utils/reward_gdino.py` (class GDino: the given-phrase
part of get_grounding_output, get_spatial_score, get_nms_boxes, determine_position, get_numeracy_score,
get_object_score, __call__) and of `make_detection_prompt` in `src/t2i-r1/src/open_r1/grpo.py`, written from
reading that code. The model is replaced by its outputs: per case, the query boxes GroundingDINO would predict
((cx, cy, w, h) in [0, 1]) and the phrase scores `positive_maps @ logits.T` (one row per noun phrase). Everything
after that runs as there, on torch tensors (float64 here), with torchvision's real NMS (falls back to a torch-ops
port of torchvision's CPU kernel when torchvision is missing).

Writes ../src/scoring/__fixtures__/t2i-r1-reference-golden.json: each case's row, image size, query boxes, phrase
scores, the reference score (null where the reference raises outside its try block) and the branches it took.

    apt-get install -y python3-torch python3-torchvision
    /usr/bin/python3 packages/reward-detector/scripts/t2i_r1_reference_port.py
"""
import json
import os
import random
from collections import defaultdict

import torch

try:
    from torchvision.ops import nms
    NMS_SOURCE = 'torchvision.ops.nms'
except ImportError:  # pragma: no cover - used only where torchvision does not install
    NMS_SOURCE = 'torch-ops port of torchvision nms_kernel.cpp'

    def nms(boxes, scores, iou_threshold):
        order = torch.sort(scores, stable=True, descending=True)[1]
        x1, y1, x2, y2 = boxes.unbind(1)
        areas = (x2 - x1) * (y2 - y1)
        suppressed = torch.zeros(len(boxes), dtype=torch.bool)
        keep = []
        for _i in range(len(order)):
            i = order[_i]
            if suppressed[i]:
                continue
            keep.append(int(i))
            for _j in range(_i + 1, len(order)):
                j = order[_j]
                if suppressed[j]:
                    continue
                w = torch.clamp(torch.minimum(x2[i], x2[j]) - torch.maximum(x1[i], x1[j]), min=0)
                h = torch.clamp(torch.minimum(y2[i], y2[j]) - torch.maximum(y1[i], y1[j]), min=0)
                inter = w * h
                if inter / (areas[i] + areas[j] - inter) > iou_threshold:
                    suppressed[j] = True
        return torch.tensor(keep, dtype=torch.long)

DTYPE = torch.float64
BOX_THRESHOLD = 0.3


def make_detection_prompt(nouns):
    """grpo.py: caption "a . b ." and per noun the character spans of its first and last word."""
    if len(nouns) == 0:
        return '', []
    token_spans = []
    pointer = 0
    for noun in nouns:
        n_split = noun.strip().split(" ")
        if len(n_split) == 1:
            length = len(n_split[0])
            token_spans.append([[pointer, pointer + length]])
            pointer += length + 3
        else:
            beg_len = len(n_split[0])
            total_length = len(noun)
            end_len = len(n_split[-1])
            token_spans.append([[pointer, pointer + beg_len], [pointer + total_length - end_len, pointer + total_length]])
            pointer += total_length + 3
    return ' . '.join(nouns) + '.', token_spans


def grounding_output(caption, token_spans, boxes, logits_for_phrases, box_threshold, trace):
    """The given-phrase branch of get_grounding_output, from `logits_for_phrases` (n_phrase, nq) on."""
    all_logits, all_phrases, all_boxes = [], [], []
    for token_span, logit_phr in zip(token_spans, logits_for_phrases):
        phrase = ' '.join([caption[_s:_e] for (_s, _e) in token_span])
        filt_mask = logit_phr > box_threshold
        if bool(((logit_phr == box_threshold)).any()):
            trace.add('threshold-equality')
        all_boxes.append(boxes[filt_mask])
        all_logits.append(logit_phr[filt_mask])
        all_phrases.extend([phrase for _ in logit_phr[filt_mask]])
    boxes_filt = torch.cat(all_boxes, dim=0) if all_boxes else torch.zeros((0, 4), dtype=DTYPE)
    return boxes_filt, all_phrases, all_logits


def determine_position(locality, box1, box2, trace, iou_threshold=0.1, distance_threshold=150):
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
    iou = intersection / union
    score = 0
    if locality in ['next to', 'on side of', 'near']:
        trace.add('near')
        if abs(x_distance) < distance_threshold or abs(y_distance) < distance_threshold:
            score = 1
        else:
            score = distance_threshold / max(abs(x_distance), abs(y_distance))
    elif locality in ['on the right of', 'right of']:
        trace.add('right')
        if x_distance < 0:
            if abs(x_distance) > abs(y_distance) and iou < iou_threshold:
                score = 1
            elif abs(x_distance) > abs(y_distance) and iou >= iou_threshold:
                score = iou_threshold / iou
        else:
            score = 0
    elif locality in ['on the left of', 'left of']:
        trace.add('left')
        if x_distance > 0:
            if abs(x_distance) > abs(y_distance) and iou < iou_threshold:
                score = 1
            elif abs(x_distance) > abs(y_distance) and iou >= iou_threshold:
                score = iou_threshold / iou
        else:
            score = 0
    elif locality in ['on the bottom of', 'below']:
        trace.add('bottom')
        if y_distance < 0:
            if abs(y_distance) > abs(x_distance) and iou < iou_threshold:
                score = 1
            elif abs(y_distance) > abs(x_distance) and iou >= iou_threshold:
                score = iou_threshold / iou
    elif locality in ['on the top of', 'top of']:
        trace.add('top')
        if y_distance > 0:
            if abs(y_distance) > abs(x_distance) and iou < iou_threshold:
                score = 1
            elif abs(y_distance) > abs(x_distance) and iou >= iou_threshold:
                score = iou_threshold / iou
    else:
        trace.add('unknown-locality')
        score = 0
    score = score.item() if isinstance(score, torch.Tensor) else score
    if 0 < score < 1 and locality not in ['next to', 'on side of', 'near']:
        trace.add('iou-discount')
    return score


def get_nms_boxes(boxes_filt, pred_phrases, all_logits, spatial_info):
    all_logits = torch.cat(all_logits)
    obj1, obj2 = spatial_info['obj1'], spatial_info['obj2']
    obj1_boxes, obj2_boxes, obj1_scores, obj2_scores = [], [], [], []
    for idx, p in enumerate(pred_phrases):
        if p == obj1:
            obj1_boxes.append(boxes_filt[idx])
            obj1_scores.append(all_logits[idx])
        elif p == obj2:
            obj2_boxes.append(boxes_filt[idx])
            obj2_scores.append(all_logits[idx])
    obj1_scores, obj2_scores = torch.stack(obj1_scores), torch.stack(obj2_scores)
    obj1_conf = torch.argmax(obj1_scores)
    obj2_conf = torch.argmax(obj2_scores)
    return obj1_boxes[obj1_conf][None], obj2_boxes[obj2_conf][None]


def get_spatial_score(boxes_filt, pred_phrases, all_logits, spatial_info, trace):
    score = 0
    for obj in [spatial_info['obj1'], spatial_info['obj2']]:
        if obj in pred_phrases:
            score += 0.2
    if score == 0.4:
        boxes_filt[:, :2] -= boxes_filt[:, 2:] / 2
        boxes_filt[:, 2:] += boxes_filt[:, :2]
        obj1_nms_boxes, obj2_nms_boxes = get_nms_boxes(boxes_filt, pred_phrases, all_logits, spatial_info)
        if obj1_nms_boxes.shape[0] == 1 and obj2_nms_boxes.shape[0] == 1:
            b1, b2 = obj1_nms_boxes[0], obj2_nms_boxes[0]
            box1 = {'x_min': b1[0], 'y_min': b1[1], 'x_max': b1[2], 'y_max': b1[3]}
            box2 = {'x_min': b2[0], 'y_min': b2[1], 'x_max': b2[2], 'y_max': b2[3]}
            score += determine_position(spatial_info['locality'], box1, box2, trace) / 2
            trace.add('spatial-position')
    else:
        trace.add('spatial-missing-object')
    return score


def get_numeracy_score(boxes_filt, pred_phrases, all_logits, numeracy_info, trace):
    all_logits = torch.cat(all_logits)
    score = 0.0
    weight = 1 / len(numeracy_info)
    for num_item in numeracy_info:
        expected_count, obj_name = num_item['num'], num_item['obj_name']
        detected_boxes = [boxes_filt[i] for i, phrase in enumerate(pred_phrases) if phrase == obj_name]
        if len(detected_boxes) == 0:
            trace.add('numeracy-none')
            continue
        detected_scores = [all_logits[i] for i, phrase in enumerate(pred_phrases) if phrase == obj_name]
        kept = nms(torch.stack(detected_boxes), torch.stack(detected_scores), 0.5)
        if len(detected_boxes) > kept.shape[0]:
            trace.add('numeracy-suppressed')
        if kept.shape[0] == expected_count:
            trace.add('numeracy-exact')
            score += 1 * weight
        else:
            trace.add('numeracy-wrong')
            score += 0.2 * weight
    if len(numeracy_info) > 1:
        trace.add('numeracy-several')
    return score


def get_object_score(pred_phrases, nouns, trace):
    weight = 1 / len(nouns)
    score = 0
    for noun in nouns:
        if noun in pred_phrases:
            score += weight
    trace.add('existence')
    return score


def reference_score(case, trace, dtype=None):
    """GDino.__call__ for one image; None where the reference raises outside its try block (the run stops)."""
    dtype = dtype or DTYPE
    row = case['row']
    nouns = row['nouns']
    if len(nouns) == 0:
        trace.add('empty-nouns')
        return 1
    caption, token_spans = make_detection_prompt(nouns)
    if any(len(n.strip().split(' ')) >= 3 for n in nouns):
        trace.add('three-word-noun')
    boxes = torch.tensor(case['queries'], dtype=dtype).reshape(-1, 4)
    logits = torch.tensor(case['phrase_scores'], dtype=dtype).reshape(len(nouns), len(case['queries']))
    boxes_filt, pred_phrases, all_logits = grounding_output(caption, token_spans, boxes, logits, BOX_THRESHOLD, trace)
    task = row.get('task_type')
    trace.add(f'task:{task}')
    if task == 'spatial':
        try:
            return get_spatial_score(boxes_filt, pred_phrases, all_logits, row.get('spatial_info'), trace)
        except Exception:
            trace.add('spatial-exception')
            return 0
    if task == 'numeracy':
        try:
            return get_numeracy_score(boxes_filt, pred_phrases, all_logits, row.get('numeracy_info'), trace)
        except (ZeroDivisionError, TypeError):
            trace.add('numeracy-crash')
            return None
    return get_object_score(pred_phrases, nouns, trace)


# ---------------------------------------------------------------------------------------------- the cases

def box(cx, cy, w, h):
    return [cx, cy, w, h]


def case(name, row, queries, scores, width=512, height=512):
    return {'name': name, 'row': row, 'image': {'width': width, 'height': height}, 'queries': queries, 'phrase_scores': scores}


def spatial_row(obj1, obj2, locality, nouns=None, task='spatial'):
    return {'task_type': task, 'nouns': nouns if nouns is not None else [obj1, obj2], 'spatial_info': {'obj1': obj1, 'obj2': obj2, 'locality': locality}}


def hand_cases():
    cases = []
    left, right = box(0.25, 0.5, 0.2, 0.2), box(0.75, 0.5, 0.2, 0.2)
    top, bottom = box(0.5, 0.2, 0.2, 0.2), box(0.5, 0.8, 0.2, 0.2)
    localities = ['left of', 'on the left of', 'right of', 'on the right of', 'below', 'on the bottom of', 'above',
                  'on the top of', 'on top of', 'top of', 'near', 'next to', 'on side of', 'in front of']
    for locality in localities:
        for placement, (b1, b2) in {'horizontal': (left, right), 'vertical': (top, bottom), 'vertical-swapped': (bottom, top)}.items():
            cases.append(case(f'spatial {locality} {placement}', spatial_row('dog', 'cat', locality), [b1, b2], [[0.8, 0.1], [0.2, 0.7]]))
    # Overlap: IoU exactly 0.1 (dyadic boxes) and IoU 1/3.
    cases.append(case('spatial left of, IoU exactly 0.1', spatial_row('dog', 'cat', 'left of'), [box(0.25, 0.25, 0.5, 0.5), box(0.5625, 0.375, 0.375, 0.25)], [[0.9, 0.0], [0.0, 0.9]]))
    cases.append(case('spatial left of, IoU 1/3 → 0.1/IoU', spatial_row('dog', 'cat', 'on the left of'), [box(0.25, 0.5, 0.25, 0.25), box(0.375, 0.5, 0.25, 0.25)], [[0.9, 0.0], [0.0, 0.9]]))
    cases.append(case('spatial right of, |dx| = |dy| tie', spatial_row('dog', 'cat', 'right of'), [box(0.75, 0.75, 0.125, 0.125), box(0.25, 0.25, 0.125, 0.125)], [[0.9, 0.0], [0.0, 0.9]]))
    cases.append(case('spatial far apart, near still 1 (normalised boxes)', spatial_row('dog', 'cat', 'near'), [box(0.05, 0.05, 0.1, 0.1), box(0.95, 0.95, 0.1, 0.1)], [[0.9, 0.0], [0.0, 0.9]], 2048, 2048))
    cases.append(case('spatial only obj1 found', spatial_row('dog', 'cat', 'left of'), [left, right], [[0.8, 0.1], [0.2, 0.3]]))
    cases.append(case('spatial only obj2 found', spatial_row('dog', 'cat', 'left of'), [left, right], [[0.3, 0.1], [0.2, 0.31]]))
    cases.append(case('spatial nothing found', spatial_row('dog', 'cat', 'left of'), [left, right], [[0.1, 0.1], [0.2, 0.2]]))
    cases.append(case('spatial same noun both sides, found → exception → 0', spatial_row('cat', 'cat', 'left of', nouns=['cat', 'cat']), [left, right], [[0.9, 0.8], [0.9, 0.8]]))
    cases.append(case('spatial same noun both sides, one noun listed', spatial_row('cat', 'cat', 'right of', nouns=['cat']), [left, right], [[0.9, 0.8]]))
    cases.append(case('spatial same noun both sides, not found → 0', spatial_row('cat', 'cat', 'left of', nouns=['cat']), [left], [[0.2]]))
    cases.append(case('spatial three-word obj1 never found', spatial_row('big red apple', 'cat', 'left of'), [left, right], [[0.9, 0.1], [0.1, 0.9]]))
    cases.append(case('spatial two-word nouns found', spatial_row('stop sign', 'sports ball', 'below'), [bottom, top], [[0.9, 0.1], [0.1, 0.9]]))
    cases.append(case('spatial obj2 not among the nouns', spatial_row('dog', 'cat', 'left of', nouns=['dog', 'car']), [left, right], [[0.9, 0.1], [0.1, 0.9]]))
    middle = box(0.5, 0.5, 0.1, 0.1)
    cases.append(case('spatial most confident box chosen', spatial_row('dog', 'cat', 'left of'), [right, left, middle], [[0.5, 0.9, 0.1], [0.1, 0.1, 0.95]]))
    cases.append(case('spatial tie on confidence → first box', spatial_row('dog', 'cat', 'left of'), [right, left, middle], [[0.7, 0.7, 0.1], [0.1, 0.1, 0.95]]))
    cases.append(case('spatial tie on confidence → first box (other order)', spatial_row('dog', 'cat', 'left of'), [left, right, middle], [[0.7, 0.7, 0.1], [0.1, 0.1, 0.95]]))
    cases.append(case('spatial one box counts for both phrases', spatial_row('dog', 'puppy', 'left of'), [left, right], [[0.9, 0.6], [0.6, 0.9]]))
    cases.append(case('spatial zero-area boxes (0/0 IoU)', spatial_row('dog', 'cat', 'left of'), [box(0.25, 0.5, 0.0, 0.0), box(0.75, 0.5, 0.0, 0.0)], [[0.9, 0.0], [0.0, 0.9]]))
    cases.append(case('spatial row without spatial_info → exception → 0', {'task_type': 'spatial', 'nouns': ['dog', 'cat']}, [left, right], [[0.9, 0.0], [0.0, 0.9]]))
    cases.append(case('complex row with spatial_info scored by existence', spatial_row('dog', 'cat', 'left of', nouns=['dog', 'cat', 'tree'], task='complex'), [right, left], [[0.9, 0.0], [0.0, 0.9], [0.1, 0.2]]))
    cases.append(case('spatial non-square image', spatial_row('dog', 'cat', 'on the left of'), [box(0.3, 0.4, 0.2, 0.3), box(0.55, 0.45, 0.3, 0.2)], [[0.9, 0.0], [0.0, 0.9]], 1024, 576))
    cases.append(case('spatial threshold equality (0.3 is not found)', spatial_row('dog', 'cat', 'left of'), [left, right], [[0.3, 0.0], [0.0, 0.9]]))

    # Numeracy: NMS on (cx, cy, w, h) read as (x1, y1, x2, y2).
    def numeracy(info, nouns=None):
        return {'task_type': 'numeracy', 'nouns': nouns if nouns is not None else [i['obj_name'] for i in info], 'numeracy_info': info}
    two_cats = [box(0.25, 0.5, 0.2, 0.2), box(0.75, 0.5, 0.2, 0.2)]
    cases.append(case('numeracy 2 cats exact', numeracy([{'obj_name': 'cat', 'num': 2}]), two_cats, [[0.8, 0.7]]))
    cases.append(case('numeracy 2 cats + small duplicate right of centre survives (issue: 0.2)', numeracy([{'obj_name': 'cat', 'num': 2}]), two_cats + [box(0.76, 0.5, 0.2, 0.2)], [[0.8, 0.7, 0.6]]))
    cases.append(case('numeracy 2 cats + small duplicate left of centre', numeracy([{'obj_name': 'cat', 'num': 2}]), two_cats + [box(0.26, 0.5, 0.2, 0.2)], [[0.8, 0.7, 0.6]]))
    cases.append(case('numeracy small boxes near the origin are suppressed (cx < w)', numeracy([{'obj_name': 'cup', 'num': 1}]), [box(0.1, 0.1, 0.3, 0.3), box(0.11, 0.1, 0.3, 0.3)], [[0.8, 0.7]]))
    cases.append(case('numeracy large duplicates left of centre suppressed', numeracy([{'obj_name': 'bus', 'num': 1}]), [box(0.3, 0.4, 0.6, 0.7), box(0.31, 0.4, 0.6, 0.7)], [[0.8, 0.7]]))
    cases.append(case('numeracy large duplicates right of centre', numeracy([{'obj_name': 'bus', 'num': 1}]), [box(0.7, 0.6, 0.6, 0.7), box(0.71, 0.6, 0.6, 0.7)], [[0.8, 0.7]]))
    cases.append(case('numeracy wrong count', numeracy([{'obj_name': 'dog', 'num': 3}]), two_cats, [[0.8, 0.7]]))
    cases.append(case('numeracy asked 0, found 1', numeracy([{'obj_name': 'dog', 'num': 0}]), two_cats, [[0.8, 0.1]]))
    cases.append(case('numeracy none found', numeracy([{'obj_name': 'dog', 'num': 2}]), two_cats, [[0.2, 0.1]]))
    cases.append(case('numeracy several counted nouns', numeracy([{'obj_name': 'dog', 'num': 2}, {'obj_name': 'cat', 'num': 1}, {'obj_name': 'bird', 'num': 3}]),
                      two_cats + [box(0.5, 0.2, 0.1, 0.1)], [[0.8, 0.7, 0.1], [0.1, 0.2, 0.9], [0.0, 0.0, 0.0]]))
    cases.append(case('numeracy obj_name not among the nouns', numeracy([{'obj_name': 'dogs', 'num': 2}], nouns=['dog']), two_cats, [[0.8, 0.7]]))
    cases.append(case('numeracy three-word obj_name', numeracy([{'obj_name': 'big brown dog', 'num': 2}]), two_cats, [[0.8, 0.7]]))
    cases.append(case('numeracy two-word obj_name', numeracy([{'obj_name': 'wine glass', 'num': 2}]), two_cats, [[0.8, 0.7]]))
    cases.append(case('numeracy equal scores (stable order)', numeracy([{'obj_name': 'cat', 'num': 2}]), [box(0.2, 0.2, 0.3, 0.3), box(0.21, 0.2, 0.3, 0.3), box(0.8, 0.8, 0.1, 0.1)], [[0.5, 0.5, 0.5]]))
    cases.append(case('numeracy zero-area read boxes (0/0 IoU keeps both)', numeracy([{'obj_name': 'cat', 'num': 1}]), [box(0.2, 0.3, 0.2, 0.3), box(0.2, 0.3, 0.2, 0.3)], [[0.9, 0.8]]))
    cases.append(case('numeracy threshold equality', numeracy([{'obj_name': 'cat', 'num': 1}]), two_cats, [[0.3, 0.9]]))
    cases.append(case('numeracy without numeracy_info → the reference crashes', {'task_type': 'numeracy', 'nouns': ['cat'], 'numeracy_info': []}, two_cats, [[0.8, 0.7]]))

    # Existence (every other task type).
    for task in ['color', 'complex', 'non', 'texture', 'shape', 'object', 'unknown-type']:
        cases.append(case(f'existence {task}', {'task_type': task, 'nouns': ['dog', 'red car', 'big old tree']}, two_cats, [[0.8, 0.1], [0.2, 0.31], [0.9, 0.9]]))
    cases.append(case('existence threshold equality', {'task_type': 'color', 'nouns': ['dog', 'cat']}, two_cats, [[0.3, 0.3], [0.3000001, 0.0]]))
    cases.append(case('existence duplicate nouns', {'task_type': 'color', 'nouns': ['dog', 'dog', 'cat']}, two_cats, [[0.8, 0.1], [0.8, 0.1], [0.1, 0.1]]))
    cases.append(case('existence upper-case noun', {'task_type': 'object', 'nouns': ['TV', 'Frisbee']}, two_cats, [[0.8, 0.1], [0.1, 0.2]]))
    cases.append(case('existence nothing found', {'task_type': 'texture', 'nouns': ['dog', 'cat', 'cup']}, two_cats, [[0.1, 0.1], [0.1, 0.1], [0.2, 0.25]]))
    for task in ['spatial', 'numeracy', 'color']:
        cases.append(case(f'empty nouns ({task}) → 1', {'task_type': task, 'nouns': []}, [], []))
    return cases


NOUNS = ['dog', 'cat', 'car', 'cup', 'tv', 'stop sign', 'wine glass', 'red apple', 'big red apple', 'old wooden chair', 'bird', 'person']
LOCALITIES = ['left of', 'on the left of', 'right of', 'on the right of', 'below', 'on the bottom of', 'above', 'on the top of', 'on top of',
              'near', 'next to', 'on side of']
TASKS = ['spatial', 'numeracy', 'color', 'complex', 'non', 'texture', 'shape', 'object']


def random_cases(rng, count):
    cases = []
    for k in range(count):
        task = TASKS[k % len(TASKS)]
        nouns = rng.sample(NOUNS, rng.randint(1, 4))
        row = {'task_type': task, 'nouns': nouns}
        if task in ('spatial', 'complex') and len(nouns) >= 2:
            a, b = rng.sample(nouns, 2) if rng.random() < 0.9 else (nouns[0], nouns[0])
            row['spatial_info'] = {'obj1': a, 'obj2': b, 'locality': rng.choice(LOCALITIES)}
        elif task == 'spatial':
            row['spatial_info'] = {'obj1': nouns[0], 'obj2': nouns[0], 'locality': rng.choice(LOCALITIES)}
        if task == 'numeracy':
            row['numeracy_info'] = [{'obj_name': n, 'num': rng.randint(1, 4)} for n in nouns]
        queries = []
        for _ in range(rng.randint(1, 7)):
            if queries and rng.random() < 0.3:  # a near-duplicate of an earlier box
                cx, cy, w, h = rng.choice(queries)
                queries.append([cx + rng.uniform(-0.02, 0.02), cy + rng.uniform(-0.02, 0.02), w * rng.uniform(0.9, 1.1), h * rng.uniform(0.9, 1.1)])
            else:
                w, h = rng.uniform(0.05, 0.8), rng.uniform(0.05, 0.8)
                queries.append([rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2), w, h])
        scores = [[rng.choice([rng.uniform(0.0, 1.0), rng.uniform(0.25, 0.35), 0.3]) for _ in queries] for _ in nouns]
        size = rng.choice([(512, 512), (1024, 1024), (768, 512), (640, 960)])
        cases.append(case(f'random {k} ({task})', row, queries, scores, *size))
    return cases


METADATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'benchmarks', 'data', 't2i-r1', 'geneval_and_t2i_data_final.json')


def real_row_cases(rng):
    """Real training rows (every odd one: ≥ 3-word nouns, duplicates, upper case; each locality, task type) with random
    detections: one query box per noun near a random spot plus distractors, phrase scores around the threshold."""
    rows = [json.loads(line) for line in open(METADATA) if line.strip()]
    picked, seen = [], set()
    def take(row):
        if id(row) not in seen:
            seen.add(id(row))
            picked.append(row)
    for row in rows:
        if any(len(n.strip().split(' ')) >= 3 for n in row['nouns']) or len(set(row['nouns'])) < len(row['nouns']) or any(n != n.lower() for n in row['nouns']):
            take(row)
    for key in sorted({(r['task_type'], (r.get('spatial_info') or {}).get('locality')) for r in rows}, key=str):
        candidates = [r for r in rows if (r['task_type'], (r.get('spatial_info') or {}).get('locality')) == key]
        for row in rng.sample(candidates, min(2, len(candidates))):
            take(row)
    cases = []
    for k, row in enumerate(picked):
        fields = {key: row[key] for key in ('task_type', 'nouns', 'spatial_info', 'numeracy_info') if key in row}
        queries = []
        for _ in range(max(1, len(row['nouns'])) + rng.randint(0, 3)):
            w, h = rng.uniform(0.05, 0.6), rng.uniform(0.05, 0.6)
            queries.append([rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2), w, h])
        if queries and rng.random() < 0.5:
            cx, cy, w, h = queries[0]
            queries.append([cx + 0.01, cy, w, h])
        scores = [[rng.choice([rng.uniform(0.0, 1.0), rng.uniform(0.28, 0.32)]) for _ in queries] for _ in row['nouns']]
        size = rng.choice([(512, 512), (384, 384), (1024, 768)])
        cases.append(case(f'real row {k}: {row["prompt"][:60]}', fields, queries, scores, *size))
    return cases


def main():
    rng = random.Random(11)
    cases = hand_cases() + random_cases(rng, 60) + real_row_cases(rng)
    out = []
    coverage = defaultdict(int)
    for c in cases:
        trace = set()
        score = reference_score(c, trace)
        # The released code runs the model's float32 tensors: the same case in float32, for the record.
        score32 = reference_score(c, set(), torch.float32)
        for t in trace:
            coverage[t] += 1
        out.append({**c, 'expected': score, 'expected_float32': score32, 'branches': sorted(trace)})
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, '..', 'src', 'scoring', '__fixtures__', 't2i-r1-reference-golden.json')
    os.makedirs(os.path.dirname(target), exist_ok=True)
    head = {'source': 'CaraJ7/T2I-R1 src/t2i-r1/src/utils/reward_gdino.py (port: scripts/t2i_r1_reference_port.py)',
            'nms': NMS_SOURCE, 'dtype': 'float64', 'boxThreshold': BOX_THRESHOLD}
    with open(target, 'w') as f:  # one case per line
        f.write(json.dumps(head, separators=(',', ':'))[:-1] + ',"cases":[\n')
        f.write(',\n'.join(json.dumps(c, separators=(',', ':')) for c in out))
        f.write('\n]}\n')
    print(f'{len(out)} cases → {os.path.relpath(target)} (nms: {NMS_SOURCE})')
    gaps = [abs(c['expected'] - c['expected_float32']) for c in out if c['expected'] is not None]
    print(f'  float32 vs float64 reference: max |Δ| {max(gaps):.3g}, {sum(g > 1e-9 for g in gaps)} cases above 1e-9')
    for name, n in sorted(coverage.items()):
        print(f'  {name}: {n}')


if __name__ == '__main__':
    main()
