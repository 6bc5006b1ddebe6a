#!/usr/bin/python3
"""Share of T2I-R1 training rows each deviation of our default detector scoring (`t2i-r1-code`, reproduceBugs
false) from the released reward_gdino.py can affect, counted from the real metadata file.

A row counts for a deviation when the rule it differs in is reached for that row's task type and fields (e.g.
"above" counts spatial rows whose locality is "above"); whether the score then differs depends on the image.

    /usr/bin/python3 packages/reward-detector/scripts/deviation_shares.py [path/to/geneval_and_t2i_data_final.json]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The repo's copy (benchmarks/data/t2i-r1, CaraJ7/T2I-R1 @ 2d9d4d1, see PROVENANCE.md).
DEFAULT = os.path.join(HERE, '..', '..', '..', 'benchmarks', 'data', 't2i-r1', 'geneval_and_t2i_data_final.json')


def phrase_name(noun):
    words = noun.strip().split(' ')
    return noun.strip() if len(words) == 1 else f'{words[0]} {words[-1]}'


def main():
    path = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT)
    rows = [json.loads(line) for line in open(path) if line.strip()]
    n = len(rows)
    spatial = [r for r in rows if r['task_type'] == 'spatial']
    numeracy = [r for r in rows if r['task_type'] == 'numeracy']

    def names_of(r):
        names = list(r['nouns'])
        if r['task_type'] == 'spatial' and r.get('spatial_info'):
            names += [r['spatial_info']['obj1'], r['spatial_info']['obj2']]
        if r['task_type'] == 'numeracy':
            names += [i['obj_name'] for i in r.get('numeracy_info') or []]
        return names

    counts = {
        'nms': len([r for r in numeracy if r.get('numeracy_info')]),
        'gate': len([r for r in rows if r['task_type'] != 'spatial' and r.get('spatial_info')]),
        'three_words': len([r for r in rows if any(phrase_name(x) != x for x in names_of(r))]),
        'same_noun': len([r for r in spatial if r['spatial_info']['obj1'] == r['spatial_info']['obj2']]),
        'above': len([r for r in spatial if r['spatial_info']['locality'] in ('above', 'on top of')]),
        'near': len([r for r in spatial if r['spatial_info']['locality'] in ('near', 'next to', 'on side of')]),
        'relation_not_noun': len([r for r in spatial if {r['spatial_info']['obj1'], r['spatial_info']['obj2']} - set(r['nouns'])]),
        'count_not_noun': len([r for r in numeracy if {i['obj_name'] for i in r['numeracy_info']} - set(r['nouns'])]),
        'noun_not_counted': len([r for r in numeracy if set(r['nouns']) - {i['obj_name'] for i in r['numeracy_info']}]),
        'duplicate_nouns': len([r for r in rows if r['task_type'] not in ('spatial', 'numeracy') and len(set(x.strip().lower() for x in r['nouns'])) < len(r['nouns'])]),
        'empty_nouns': len([r for r in rows if not r['nouns']]),
    }
    print(f'{n} rows ({path}); spatial {len(spatial)}, numeracy {len(numeracy)}')
    for key, value in counts.items():
        print(f'{key}\t{value}\t{100 * value / n:.2f}%')


if __name__ == '__main__':
    main()
