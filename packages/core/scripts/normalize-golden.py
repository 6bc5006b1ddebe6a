#!/usr/bin/python3
"""Golden cases for core's per-expert normalisers (packages/core/src/ensemble/normalize.ts).

A numpy port written from the definitions in that module's header comment (not from its code):
  missing = None / NaN (never counted); z = (x - mean) / (std + eps), std = np.std(ddof=0 | 1), 0 when too few;
  running-z (Welford) = z against np.mean / np.std of *every valid value seen so far* for the key (the batch's
  values included), which is what Welford's recurrence computes incrementally; running-z (EMA, rate a) = the
  recurrence mean += a*d, var = (1 - a)(var + a*d^2), the first value setting mean = x, var = 0;
  rank = average 1-based rank among the group's valid values ((#less) + (#equal + 1) / 2), scaled (r - 1)/(n - 1),
  0.5 for a group of one; clip last.

Run: /usr/bin/python3 packages/core/scripts/normalize-golden.py
Writes packages/core/src/ensemble/__fixtures__/normalize-golden.json (seeded: re-running gives the same file).
"""
import json
import math
import os

import numpy as np

EPS = 1e-4
rng = np.random.default_rng(20261205)


def is_valid(x):
    return x is not None and not (isinstance(x, float) and (math.isnan(x) or math.isinf(x)))


def std_of(values, estimator):
    v = np.asarray(values, dtype=np.float64)
    ddof = 1 if estimator == "sample" else 0
    if len(v) - ddof <= 0:
        return 0.0
    return float(np.std(v, ddof=ddof))


def z(values, members, spec, out):
    v = np.asarray([values[i] for i in members], dtype=np.float64)
    mean = float(np.mean(v))
    std = std_of(v, spec.get("std", "population"))
    eps = spec.get("epsilon", EPS)
    for i in members:
        out[i] = (values[i] - mean) / (std + eps)


def groups_of(values, groups):
    order, by_key = [], {}
    for i, x in enumerate(values):
        if not is_valid(x):
            continue
        key = groups[i] if groups is not None else 0
        if key not in by_key:
            by_key[key] = []
            order.append(key)
        by_key[key].append(i)
    return [by_key[k] for k in order]


def rank_of(values, members, out):
    v = np.asarray([values[i] for i in members], dtype=np.float64)
    n = len(v)
    for k, i in enumerate(members):
        r = float(np.sum(v < v[k]) + (np.sum(v == v[k]) + 1) / 2)
        out[i] = 0.5 if n == 1 else (r - 1) / (n - 1)


def clip(out, spec):
    if "clip" in spec:
        lo, hi = spec["clip"]
        return [None if x is None else float(np.clip(x, lo, hi)) for x in out]
    return out


def stateless(values, groups, spec):
    out = [None] * len(values)
    mode = spec["mode"]
    if mode == "none":
        for i, x in enumerate(values):
            if is_valid(x):
                out[i] = x
    elif mode == "batch-z":
        members = [i for i, x in enumerate(values) if is_valid(x)]
        if members:
            z(values, members, spec, out)
    elif mode == "group-z":
        for members in groups_of(values, groups):
            z(values, members, spec, out)
    elif mode == "rank":
        for members in groups_of(values, groups):
            rank_of(values, members, out)
    return clip(out, spec)


def running(calls, spec):
    """calls: [(values, groups)] in order; returns the outputs of each call."""
    history = {}  # Welford: every valid value per key; EMA: (count, mean, var)
    results = []
    eps = spec.get("epsilon", EPS)
    decay = spec.get("decay", 0.01)
    ema = spec.get("statistics", "welford") == "ema"
    for values, groups in calls:
        key_of = lambda i: ("p:" + str(groups[i])) if spec.get("perPrompt") else "*"
        for i, x in enumerate(values):
            if not is_valid(x):
                continue
            k = key_of(i)
            if ema:
                if k not in history:
                    history[k] = (1, x, 0.0)
                else:
                    n, m, var = history[k]
                    d = x - m
                    history[k] = (n + 1, m + decay * d, (1 - decay) * (var + decay * d * d))
            else:
                history.setdefault(k, []).append(x)
        out = [None] * len(values)
        for i, x in enumerate(values):
            if not is_valid(x):
                continue
            k = key_of(i)
            if ema:
                _, mean, var = history[k]
                std = math.sqrt(var)
            else:
                mean = float(np.mean(history[k]))
                std = std_of(history[k], spec.get("std", "population"))
            out[i] = (x - mean) / (std + eps)
        results.append(clip(out, spec))
    return results


def random_values(n):
    kind = rng.integers(0, 5)
    if kind == 0:
        v = rng.uniform(0, 1, n)  # a [0, 1] expert
    elif kind == 1:
        v = rng.normal(50, 30, n)  # an unbounded expert (HPSv3-like scale)
    elif kind == 2:
        v = np.full(n, float(rng.integers(0, 3)))  # zero variance
    elif kind == 3:
        v = rng.integers(0, 4, n).astype(float)  # ties
    else:
        v = rng.uniform(0, 1, n) * 100 + 7  # scaled x100 and offset
    out = [float(x) for x in v]
    for i in range(n):
        r = rng.uniform()
        if r < 0.1:
            out[i] = None
        elif r < 0.2:
            out[i] = float("nan")
    return out


def random_groups(n):
    # Group keys: mostly groups of 2-4, some one-sample groups, shuffled order.
    keys, g = [], 0
    while len(keys) < n:
        size = int(rng.choice([1, 2, 3, 4]))
        keys.extend([g] * size)
        g += 1
    keys = keys[:n]
    rng.shuffle(keys)
    return [int(k) for k in keys]


def enc(values):
    return [None if x is None else ("NaN" if isinstance(x, float) and math.isnan(x) else x) for x in values]


STATELESS_SPECS = [
    {"mode": "none"},
    {"mode": "none", "clip": [0.2, 0.8]},
    {"mode": "batch-z"},
    {"mode": "batch-z", "std": "sample"},
    {"mode": "group-z"},
    {"mode": "group-z", "std": "sample", "epsilon": 1e-6},
    {"mode": "group-z", "clip": [-1.5, 1.5]},
    {"mode": "rank"},
]
RUNNING_SPECS = [
    {"mode": "running-z"},
    {"mode": "running-z", "std": "sample"},
    {"mode": "running-z", "perPrompt": True},
    {"mode": "running-z", "statistics": "ema", "decay": 0.1},
    {"mode": "running-z", "statistics": "ema", "decay": 0.5, "perPrompt": True, "clip": [-2, 2]},
]

cases = []
for c in range(60):
    n = int(rng.integers(1, 13))
    values = random_values(n)
    groups = random_groups(n)
    spec = STATELESS_SPECS[c % len(STATELESS_SPECS)]
    cases.append({"spec": spec, "calls": [{"values": enc(values), "groups": groups, "expected": stateless(values, groups, spec)}]})
for c in range(30):
    spec = RUNNING_SPECS[c % len(RUNNING_SPECS)]
    calls = []
    for _ in range(int(rng.integers(1, 6))):
        n = int(rng.integers(1, 9))
        calls.append((random_values(n), random_groups(n)))
    expected = running(calls, spec)
    cases.append({"spec": spec, "calls": [{"values": enc(v), "groups": g, "expected": e} for (v, g), e in zip(calls, expected)]})

target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "ensemble", "__fixtures__", "normalize-golden.json")
os.makedirs(os.path.dirname(target), exist_ok=True)
with open(target, "w") as f:
    json.dump({"generator": "packages/core/scripts/normalize-golden.py", "numpy": np.__version__, "epsilon": EPS, "cases": cases}, f, indent=None)
    f.write("\n")
print(f"{len(cases)} cases -> {os.path.relpath(target)}")
