#!/usr/bin/env python3
"""Compares the host's HTML extraction with a reference extractor on real mail.

Usage:
    tools/compare-extract.py HOST REF_EXTRACT.py PATH... [--show N]

HOST            the mailveil-host binary (run as `HOST scan --json FILE`).
REF_EXTRACT.py  the reference extractor (Python email + html5lib + tinycss2), e.g. ../shared/parsers/ref_extract.py;
                it must provide reference_for_file(path) -> [(text, info, elements, base)].
PATH            .eml/.html files or folders (searched recursively).

For every file, both sides' element URLs are compared as multisets per family (`link`: a/area/form; `fetch`:
everything else), leaving out what the host extracts from Outlook conditional comments (which no browser renders;
the reference skips comments). For URLs on both sides, `visible` is compared with the reference's CSS visibility.
Prints the totals and the first differences; exit status 1 when some file differs.
"""
import argparse
import collections
import importlib.util
import json
import os
import subprocess
import sys

LINK_KINDS = {'link', 'form'}


def load_reference(path):
    spec = importlib.util.spec_from_file_location('ref_extract', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def files_under(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, names in os.walk(p):
                out += [os.path.join(root, n) for n in names if n.lower().endswith(('.eml', '.html', '.htm'))]
        else:
            out.append(p)
    return sorted(out)


def host_elements(host, path):
    run = subprocess.run([host, 'scan', '--json', path], capture_output=True, check=False)
    doc = json.loads(run.stdout)
    els = []
    for m in doc['messages']:
        for e in m['result']['elements']:
            if e.get('outlook_only'):
                continue
            fam = 'link' if e['kind'] in LINK_KINDS else 'fetch'
            els.append((fam, e['url'], e.get('visible', True)))
    return els


def reference_elements(ref, path):
    els = []
    for _text, _info, elements, base in ref.reference_for_file(path):
        for e in elements:
            fam = 'link' if e['kind'] in ('link', 'form') else 'fetch'
            els.append((fam, e['url'], e['visible_css'], base))
    return els


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('host')
    ap.add_argument('ref')
    ap.add_argument('paths', nargs='+')
    ap.add_argument('--show', type=int, default=15)
    args = ap.parse_args()
    ref = load_reference(args.ref)
    totals = collections.Counter()
    shown = 0
    for path in files_under(args.paths):
        try:
            mine = host_elements(args.host, path)
            theirs = reference_elements(ref, path)
        except Exception as err:  # noqa: BLE001 - one broken file must not stop the comparison
            print(f'{path}: {type(err).__name__}: {err}', file=sys.stderr)
            totals['errors'] += 1
            continue
        a = collections.Counter((f, u) for f, u, _v in mine)
        b = collections.Counter((f, u) for f, u, _v, _b in theirs)
        # A URL resolved against <base> by the host is compared by its suffix with the reference's relative one.
        for key in list((b - a).keys()):
            fam, rel = key
            match = next((k for k in (a - b) if k[0] == fam and k[1].endswith(rel.lstrip('./'))), None)
            if match:
                b[match] += b.pop(key)
        only_host, only_ref = a - b, b - a
        # Visibility, for URLs both sides list as often: the sorted lists of visible flags must be equal.
        vis_host, vis_ref = collections.defaultdict(list), collections.defaultdict(list)
        for f, u, v in mine:
            vis_host[(f, u)].append(bool(v))
        for f, u, v, _b in theirs:
            vis_ref[(f, u)].append(bool(v))
        vis_diff = [(f, u, sorted(vis_host[(f, u)]), sorted(vis_ref[(f, u)])) for (f, u) in vis_host
                    if len(vis_host[(f, u)]) == len(vis_ref.get((f, u), [])) and
                    sorted(vis_host[(f, u)]) != sorted(vis_ref[(f, u)])]
        totals['files'] += 1
        totals['host elements'] += sum(a.values())
        totals['reference elements'] += sum(b.values())
        totals['only host'] += sum(only_host.values())
        totals['only reference'] += sum(only_ref.values())
        totals['visibility differs'] += len(vis_diff)
        if only_host or only_ref or vis_diff:
            totals['files differing'] += 1
            if shown < args.show:
                shown += 1
                print(f'-- {path}')
                for k, n in only_host.items():
                    print(f'   only host x{n}: {k[0]} {k[1][:160]}')
                for k, n in only_ref.items():
                    print(f'   only reference x{n}: {k[0]} {k[1][:160]}')
                for f, u, v, rv in vis_diff[:5]:
                    print(f'   visible host={v} reference={rv}: {f} {u[:140]}')
    print(', '.join(f'{k} {v}' for k, v in totals.items()))
    return 1 if totals['files differing'] or totals['errors'] else 0


if __name__ == '__main__':
    sys.exit(main())
