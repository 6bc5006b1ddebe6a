#!/usr/bin/env python3
"""Golden cases for the `geneval` formula's box selection and verdict on counting / position prompts.

A port of djghosh13/geneval (@ af4902f) `evaluation/evaluate_images.py`, written from reading it: `evaluate_image`'s
box selection (lines 230-244: `np.argsort(scores)[::-1]`, score > threshold (0.3, counting 0.9), at most 16 per class,
`max_overlap` 1.0 so no NMS) and `evaluate` (lines 160-220) without the colour branch (a CLIP model), with
`relative_position` (lines 140-157, POSITION_THRESHOLD 0.1). The detector is replaced by its output: per class, the
rows of mmdet's `bbox[index]` array (x1, y1, x2, y2, score), in order.

`np.argsort` is the one of GenEval's environment (environment.yml pins numpy 1.23.1): `aquicksort_` of
numpy/core/src/npysort/quicksort.cpp @ v1.23.1, ported below (the numpy installed here may sort otherwise: numpy
≥ 1.25 dispatches argsort to x86-simd-sort on some CPUs, whose order of equal values differs).

Writes ../src/scoring/__fixtures__/geneval-golden.json.

    python3 packages/reward-detector/scripts/geneval_reference_port.py
"""
import json
import math
import os
import random

import numpy as np

SMALL_QUICKSORT = 15
THRESHOLD, COUNTING_THRESHOLD, MAX_OBJECTS, NMS_THRESHOLD, POSITION_THRESHOLD = 0.3, 0.9, 16, 1.0, 0.1


def npy_less(a, b):
    """FLOAT_LT / DOUBLE_LT (npysort_common.h): a < b || (b != b && a == a)."""
    return a < b or (b != b and a == a)


def npy_get_msb(unum):
    depth_limit = 0
    unum >>= 1
    while unum:
        depth_limit += 1
        unum >>= 1
    return depth_limit


def aheapsort(v, tosort, start, n):
    a = lambda k: tosort[start + k - 1]

    def put(k, value):
        tosort[start + k - 1] = value
    l = n >> 1
    while l > 0:
        tmp = a(l)
        i, j = l, l << 1
        while j <= n:
            if j < n and npy_less(v[a(j)], v[a(j + 1)]):
                j += 1
            if npy_less(v[tmp], v[a(j)]):
                put(i, a(j))
                i = j
                j += j
            else:
                break
        put(i, tmp)
        l -= 1
    while n > 1:
        tmp = a(n)
        put(n, a(1))
        n -= 1
        i, j = 1, 2
        while j <= n:
            if j < n and npy_less(v[a(j)], v[a(j + 1)]):
                j += 1
            if npy_less(v[tmp], v[a(j)]):
                put(i, a(j))
                i = j
                j += j
            else:
                break
        put(i, tmp)


def aquicksort(v):
    """np.argsort(v) of numpy 1.23.1 (aquicksort_ in quicksort.cpp)."""
    num = len(v)
    tosort = list(range(num))
    if num < 2:
        return tosort
    pl, pr = 0, num - 1
    stack, depth = [], []
    cdepth = npy_get_msb(num) * 2
    while True:
        if cdepth < 0:
            aheapsort(v, tosort, pl, pr - pl + 1)
        else:
            while (pr - pl) > SMALL_QUICKSORT:
                pm = pl + ((pr - pl) >> 1)
                if npy_less(v[tosort[pm]], v[tosort[pl]]):
                    tosort[pm], tosort[pl] = tosort[pl], tosort[pm]
                if npy_less(v[tosort[pr]], v[tosort[pm]]):
                    tosort[pr], tosort[pm] = tosort[pm], tosort[pr]
                if npy_less(v[tosort[pm]], v[tosort[pl]]):
                    tosort[pm], tosort[pl] = tosort[pl], tosort[pm]
                vp = v[tosort[pm]]
                pi, pj = pl, pr - 1
                tosort[pm], tosort[pj] = tosort[pj], tosort[pm]
                while True:
                    pi += 1
                    while npy_less(v[tosort[pi]], vp):
                        pi += 1
                    pj -= 1
                    while npy_less(vp, v[tosort[pj]]):
                        pj -= 1
                    if pi >= pj:
                        break
                    tosort[pi], tosort[pj] = tosort[pj], tosort[pi]
                pk = pr - 1
                tosort[pi], tosort[pk] = tosort[pk], tosort[pi]
                if pi - pl < pr - pi:
                    stack += [pi + 1, pr]
                    pr = pi - 1
                else:
                    stack += [pl, pi - 1]
                    pl = pi + 1
                cdepth -= 1
                depth.append(cdepth)
            for pi in range(pl + 1, pr + 1):
                vi = tosort[pi]
                vp = v[vi]
                pj = pi
                while pj > pl and npy_less(vp, v[tosort[pj - 1]]):
                    tosort[pj] = tosort[pj - 1]
                    pj -= 1
                tosort[pj] = vi
        if not stack:
            break
        pr = stack.pop()
        pl = stack.pop()
        cdepth = depth.pop()
    return tosort


def compute_iou(box_a, box_b):
    area_fn = lambda box: max(box[2] - box[0] + 1, 0) * max(box[3] - box[1] + 1, 0)
    i_area = area_fn([max(box_a[0], box_b[0]), max(box_a[1], box_b[1]), min(box_a[2], box_b[2]), min(box_a[3], box_b[3])])
    u_area = area_fn(box_a) + area_fn(box_b) - i_area
    return i_area / u_area if u_area else 0


def relative_position(obj_a, obj_b):
    boxes = np.array([obj_a[0], obj_b[0]])[:, :4].reshape(2, 2, 2)
    center_a, center_b = boxes.mean(axis=-2)
    dim_a, dim_b = np.abs(np.diff(boxes, axis=-2))[..., 0, :]
    offset = center_a - center_b
    revised_offset = np.maximum(np.abs(offset) - POSITION_THRESHOLD * (dim_a + dim_b), 0) * np.sign(offset)
    if np.all(np.abs(revised_offset) < 1e-3):
        return set()
    dx, dy = revised_offset / np.linalg.norm(offset)
    relations = set()
    if dx < -0.5: relations.add("left of")
    if dx > 0.5: relations.add("right of")
    if dy < -0.5: relations.add("above")
    if dy > 0.5: relations.add("below")
    return relations


def select(bbox, tag):
    """evaluate_image lines 230-244 on a {class: rows} dict; returns {class: [(row, None), ...]} and the row indices."""
    detected, indices = {}, {}
    confidence_threshold = THRESHOLD if tag != "counting" else COUNTING_THRESHOLD
    for classname, rows in bbox.items():
        rows = np.array(rows, dtype=np.float32).reshape(-1, 5)
        ordering = np.array(aquicksort([float(s) for s in rows[:, 4]]), dtype=np.int64)[::-1]
        ordering = ordering[rows[ordering, 4] > confidence_threshold]
        ordering = ordering[:MAX_OBJECTS].tolist()
        detected[classname], indices[classname] = [], []
        while ordering:
            max_obj = ordering.pop(0)
            detected[classname].append((rows[max_obj], None))
            indices[classname].append(max_obj)
            ordering = [obj for obj in ordering if NMS_THRESHOLD == 1 or compute_iou(rows[max_obj], rows[obj]) < NMS_THRESHOLD]
        if not detected[classname]:
            del detected[classname]
            del indices[classname]
    return detected, indices


def evaluate(objects, metadata):
    correct = True
    matched_groups = []
    for req in metadata.get('include', []):
        classname = req['class']
        matched = True
        found_objects = objects.get(classname, [])[:req['count']]
        if len(found_objects) < req['count']:
            correct = matched = False
        else:
            if 'position' in req and matched:
                expected_rel, target_group = req['position']
                if matched_groups[target_group] is None:
                    correct = matched = False
                else:
                    for obj in found_objects:
                        for target_obj in matched_groups[target_group]:
                            if expected_rel not in relative_position(obj, target_obj):
                                correct = matched = False
                                break
                        if not matched:
                            break
        matched_groups.append(found_objects if matched else None)
    for req in metadata.get('exclude', []):
        if len(objects.get(req['class'], [])) >= req['count']:
            correct = False
    return correct


def b(x1, y1, x2, y2, score):
    return [x1, y1, x2, y2, score]


def hand_cases():
    cases = []
    left, right, top, bottom = (0, 200, 100, 300), (400, 200, 500, 300), (200, 0, 300, 100), (200, 400, 300, 500)
    # Two dogs with equal scores: which one "the dog" is decides the position verdict.
    for name, dogs in [('tie: later dog left, earlier right', [right, left]), ('tie: earlier dog left, later right', [left, right])]:
        cases.append({'name': f'position {name}', 'metadata': {'tag': 'position', 'include': [{'class': 'cat', 'count': 1}, {'class': 'dog', 'count': 1, 'position': ['left of', 0]}]},
                      'bbox': {'cat': [b(*bottom, 0.8)], 'dog': [b(*dogs[0], 0.7), b(*dogs[1], 0.7)]}})
    cases.append({'name': 'position tie of three, middle one differs', 'metadata': {'tag': 'position', 'include': [{'class': 'cat', 'count': 1}, {'class': 'dog', 'count': 1, 'position': ['above', 0]}]},
                  'bbox': {'cat': [b(*bottom, 0.8)], 'dog': [b(*bottom, 0.6), b(*bottom, 0.6), b(*top, 0.6)]}})
    cases.append({'name': 'position tie on the reference object', 'metadata': {'tag': 'position', 'include': [{'class': 'cat', 'count': 1}, {'class': 'dog', 'count': 1, 'position': ['right of', 0]}]},
                  'bbox': {'cat': [b(*right, 0.5), b(*left, 0.5)], 'dog': [b(*top[:2], *top[2:], 0.9)]}})
    cases.append({'name': 'no tie: most confident first', 'metadata': {'tag': 'position', 'include': [{'class': 'cat', 'count': 1}, {'class': 'dog', 'count': 1, 'position': ['left of', 0]}]},
                  'bbox': {'cat': [b(*right, 0.8)], 'dog': [b(*right, 0.5), b(*left, 0.9)]}})
    # The 16-box cap cuts through tied boxes (17+ rows: numpy's quicksort partition decides).
    many = [b(10 * k, 0, 10 * k + 8, 8, 0.5) for k in range(20)]
    cases.append({'name': 'cap of 16 through 20 tied boxes', 'metadata': {'tag': 'single_object', 'include': [{'class': 'cup', 'count': 1}]}, 'bbox': {'cup': many}})
    cases.append({'name': 'counting: threshold 0.9 strict', 'metadata': {'tag': 'counting', 'include': [{'class': 'cup', 'count': 2}], 'exclude': [{'class': 'cup', 'count': 3}]},
                  'bbox': {'cup': [b(0, 0, 10, 10, 0.9), b(20, 0, 30, 10, 0.95), b(40, 0, 50, 10, 0.91)]}})
    return cases


def random_cases(rng, count):
    cases = []
    for k in range(count):
        n_dog, n_cat = rng.randint(1, 24), rng.randint(1, 6)
        levels = [0.35, 0.5, 0.5, 0.7, 0.7, 0.7, 0.95]
        def rows(n):
            out = []
            for _ in range(n):
                x, y = rng.randint(0, 400), rng.randint(0, 400)
                out.append(b(x, y, x + rng.randint(10, 100), y + rng.randint(10, 100), rng.choice(levels)))
            return out
        rel = rng.choice(['left of', 'right of', 'above', 'below'])
        if k % 3 == 2:
            metadata = {'tag': 'counting', 'include': [{'class': 'dog', 'count': rng.randint(1, 3)}], 'exclude': [{'class': 'dog', 'count': 4}]}
        else:
            metadata = {'tag': 'position', 'include': [{'class': 'cat', 'count': 1}, {'class': 'dog', 'count': 1, 'position': [rel, 0]}]}
        cases.append({'name': f'random {k} ({metadata["tag"]}, {n_dog} dogs)', 'metadata': metadata, 'bbox': {'dog': rows(n_dog), 'cat': rows(n_cat)}})
    return cases


def main():
    rng = random.Random(7)
    cases = hand_cases() + random_cases(rng, 40)
    out = []
    for c in cases:
        detected, indices = select(c['bbox'], c['metadata']['tag'])
        out.append({**c, 'selected': indices, 'correct': bool(evaluate(detected, c['metadata']))})
    # The sort itself on tie-heavy arrays of every length up to 40 (argsort, ascending).
    sorts = []
    for n in list(range(1, 41)) + [64, 100]:
        values = [float(rng.choice([0.25, 0.5, 0.5, 0.75, float('nan')] if n % 7 == 0 else [0.25, 0.5, 0.5, 0.75])) for _ in range(n)]
        sorts.append({'values': [None if math.isnan(x) else x for x in values], 'argsort': aquicksort(values)})
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, '..', 'src', 'scoring', '__fixtures__', 'geneval-golden.json')
    with open(target, 'w') as f:
        f.write(json.dumps({'source': 'djghosh13/geneval @ af4902f evaluation/evaluate_images.py; numpy v1.23.1 quicksort.cpp aquicksort_ (port: scripts/geneval_reference_port.py)'})[:-1] + ',"cases":[\n')
        f.write(',\n'.join(json.dumps(c) for c in out))
        f.write('\n],"sorts":[\n' + ',\n'.join(json.dumps(s) for s in sorts) + '\n]}\n')
    ties = sum(1 for c in out if any(len(v) > 1 for v in c['selected'].values()))
    print(f'{len(out)} cases, {len(sorts)} sorts → {os.path.relpath(target)}; correct: {sum(c["correct"] for c in out)}')


if __name__ == '__main__':
    main()
