#!/usr/bin/env python3
"""Compares two `mailveil-host scan --json` outputs of the same inputs (e.g. an old and a new binary).

Usage:
    tools/compare-scans.py OLD.json NEW.json [--show N]

Elements of each message are paired by (kind, URL as written), in order. Prints, per side, the elements the other
side does not have (by kind, Outlook-only ones apart), and how many paired elements changed `visible` or `verdict`,
with the first N of each (default 10). Exit status 1 when a paired element changed its verdict.
"""
import argparse
import collections
import json
import sys


def messages(path):
    with open(path, encoding='utf-8') as f:
        return {(m['file'], m['index']): m['result']['elements'] for m in json.load(f)['messages']}


def label(e):
    return e['kind'] + (' (outlook-only)' if e.get('outlook_only') else '')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('old')
    ap.add_argument('new')
    ap.add_argument('--show', type=int, default=10)
    args = ap.parse_args()
    old, new = messages(args.old), messages(args.new)
    only_old, only_new = collections.Counter(), collections.Counter()
    visible, verdict, examples = [], [], []
    for key in sorted(set(old) | set(new), key=str):
        waiting = collections.defaultdict(list)
        for e in old.get(key, []):
            waiting[(e['kind'], e['url'])].append(e)
        for e in new.get(key, []):
            pair = waiting.get((e['kind'], e['url']))
            if not pair:
                only_new[label(e)] += 1
                examples.append(f'only new: {key[0]} {e["kind"]} {e["url"][:100]}')
                continue
            o = pair.pop(0)
            where = f'{key[0]} {e["kind"]} {e["url"][:100]}'
            if o['visible'] != e['visible']:
                visible.append(f'visible {o["visible"]} -> {e["visible"]}: {where}')
            if o['verdict'] != e['verdict']:
                verdict.append(f'verdict {o["verdict"]} -> {e["verdict"]}: {where}')
        for rest in waiting.values():
            for e in rest:
                only_old[label(e)] += 1
                examples.append(f'only old: {key[0]} {e["kind"]} {e["url"][:100]}')
    print(f'messages: {len(old)} old, {len(new)} new')
    print(f'elements only in old: {sum(only_old.values())} {dict(sorted(only_old.items()))}')
    print(f'elements only in new: {sum(only_new.values())} {dict(sorted(only_new.items()))}')
    print(f'paired elements whose visibility changed: {len(visible)}')
    print(f'paired elements whose verdict changed: {len(verdict)}')
    for line in (verdict + visible + [x for x in examples if x.startswith('only old')])[: args.show]:
        print('  ' + line)
    return 1 if verdict else 0


if __name__ == '__main__':
    sys.exit(main())
