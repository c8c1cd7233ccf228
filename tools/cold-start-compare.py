#!/usr/bin/env python3
"""Spawn-to-first-verdict of two mailveil-host binaries, measured alternately in one run.

Usage:
    tools/cold-start-compare.py OLD_HOST NEW_HOST [--runs N] [--signatures FILE]

Each run spawns the host as Chrome does (stdio pipes, the extension origin as argument), writes `hello` and a
classify of a typical 60-element newsletter (Gmail-proxied images, Mailchimp links and pixel, GA and Weborama
pixels), and stops the clock when both replies are read: process start, list load, first verdict. The binaries
alternate, so both see the same machine load. Prints the median and the quartiles of each, and the ratio of the
medians. (tests/native_host/bench BM_ColdStartToFirstVerdict measures one binary the same way.)
"""
import argparse
import json
import os
import statistics
import struct
import subprocess
import tempfile
import time

ORIGIN = 'chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/'


def frame(obj):
    data = json.dumps(obj).encode()
    return struct.pack('<I', len(data)) + data


def typical_message():
    els = []
    for i in range(18):
        els.append({'kind': 'img', 'url': f'https://ci3.googleusercontent.com/proxy/AbC{i}=s0-d-e1-ft#'
                    f'https://img.shop.example/2024/11/product-{i}.jpg', 'declared': {'width': 280, 'height': 280}})
    for i in range(6):
        els.append({'kind': 'img', 'url': f'https://cdn.shop.example/icons/social-{i}.png',
                    'declared': {'width': 32, 'height': 32}})
    for i in range(30):
        els.append({'kind': 'link', 'url': f'https://shop.us4.list-manage.com/track/click?u=2f0d8e1b4c&id={1000 + i}'
                    f'&e=a8Fk29dLq0&url=https%3A%2F%2Fshop.example%2Fp%2F{i}%3Futm_source%3Dnewsletter'})
    els.append({'kind': 'img', 'url': 'https://shop.us4.list-manage.com/track/open.php?u=2f0d8e1b4c&id=9a8b7c',
                'declared': {'width': 1, 'height': 1}})
    els.append({'kind': 'img', 'url': 'https://www.google-analytics.com/collect?v=1&tid=UA-1234-5&cid=1234567890.17'
                '&t=event&ec=email&ea=open', 'declared': {'width': 1, 'height': 1}})
    els.append({'kind': 'img', 'url': 'https://tlc.solution.weborama.fr/fcgi-bin/dispatch.fcgi?a.A=ev&g.cv=7f73355bf0',
                'declared': {'width': 1, 'height': 1}})
    els.append({'kind': 'link', 'url': 'https://shop.example/unsubscribe?e=jane.doe%40example.org'})
    for n, e in enumerate(els):
        e['ref'] = f'e{n}'
    return {'sender': 'news@shop.example', 'webmail': 'gmail', 'user_addresses': ['jane.doe@example.org'],
            'elements': els}


def read_frames(fd, count):
    buf = b''
    frames = 0
    while frames < count:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            raise RuntimeError('host closed its output early')
        buf += chunk
        while len(buf) >= 4 and len(buf) >= 4 + struct.unpack('<I', buf[:4])[0]:
            buf = buf[4 + struct.unpack('<I', buf[:4])[0]:]
            frames += 1


def one_run(host, env, payload):
    start = time.perf_counter()
    p = subprocess.Popen([host, ORIGIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    p.stdin.write(payload)
    p.stdin.flush()
    read_frames(p.stdout.fileno(), 2)
    elapsed = time.perf_counter() - start
    p.stdin.close()
    p.wait()
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('old')
    ap.add_argument('new')
    ap.add_argument('--runs', type=int, default=100)
    ap.add_argument('--signatures', default=os.path.join(os.path.dirname(__file__), '..', 'signatures',
                                                         'trackers.json'))
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix='mailveil-coldstart-')
    env = {'MAILVEIL_HOME': home, 'MAILVEIL_SIGNATURES': os.path.abspath(args.signatures), 'PATH': '/usr/bin:/bin'}
    payload = frame({'id': 1, 'action': 'hello', 'protocol': 1}) + \
        frame({'id': 2, 'action': 'classify', 'message': typical_message()})
    times = {'old': [], 'new': []}
    for host in (args.old, args.new):  # warm the page cache
        one_run(host, env, payload)
    for _ in range(args.runs):
        for name, host in (('old', args.old), ('new', args.new)):
            times[name].append(one_run(host, env, payload) * 1000)
    for name in ('old', 'new'):
        q = statistics.quantiles(times[name], n=4)
        print(f'{name}: median {statistics.median(times[name]):.2f} ms (quartiles {q[0]:.2f}-{q[2]:.2f} ms), '
              f'min {min(times[name]):.2f} ms, {args.runs} runs')
    print(f'new/old median: {statistics.median(times["new"]) / statistics.median(times["old"]):.3f}')


if __name__ == '__main__':
    main()
