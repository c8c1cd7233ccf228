#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/ from the project's own test data
(tests/data, signatures/) and a few hand-made shapes. The seeds are checked in; rerun this after changing it:

    python3 tests/fuzz/make_seeds.py

Nothing here comes from the real-mail corpus (research data, never copied into the project). tools/fuzz.sh
fuzzes in a working copy (build/fuzz/corpus/<target>) that starts from these seeds.
"""
import base64
import glob
import hashlib
import json
import os
import random
import re
import shutil
import struct
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tests", "data")
OUT = os.path.join(HERE, "corpus")
random.seed(12)

ADDRESS = "john.doe@example.org"  # one of the addresses fuzz_url watches
OTHER = "me+tag@mail.example.com"


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def encodings(address):
    a = address.encode()
    yield address
    yield urllib.parse.quote(address, safe="")
    yield urllib.parse.quote(urllib.parse.quote(address, safe=""), safe="")
    yield "".join("%%%02x" % c for c in a)  # every byte escaped
    yield base64.b64encode(a).decode()
    yield base64.urlsafe_b64encode(a).decode().rstrip("=")
    yield a.hex()
    for h in ("md5", "sha1", "sha256", "sha512"):
        yield hashlib.new(h, a).hexdigest()
    for h in ("md5", "sha1", "sha256"):
        yield base64.b64encode(hashlib.new(h, a).digest()).decode()
    yield base64.b64encode(json.dumps({"email": address}).encode()).decode()


for target in ("framing", "protocol", "mime", "url", "abp", "signature_list"):
    shutil.rmtree(os.path.join(OUT, target), ignore_errors=True)

# --- mime: the project's test mails, and hostile shapes in small ----------------------------------------------
mails = sorted(glob.glob(DATA + "/**/*.eml", recursive=True) + glob.glob(DATA + "/**/*.mbox", recursive=True))
for p in mails:
    with open(p, "rb") as f:
        put("mime", os.path.basename(os.path.dirname(p)) + "-" + os.path.basename(p), f.read())
head = "From: a@sender.example\r\nTo: %s\r\nSubject: =?utf-8?q?x=C3=A9?=\r\nMIME-Version: 1.0\r\n" % ADDRESS
img = '<img src="https://t.example/o/open.gif?u=1" width="1" height="1">'
deep = head
for i in range(40):
    deep += 'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
put("mime", "deep-40.eml", deep + "Content-Type: text/html\r\n\r\n" + img + "\r\n")
put("mime", "rfc822-nested.eml", head + "Content-Type: message/rfc822\r\n\r\n" * 5 + "Content-Type: text/html\r\n\r\n" + img)
put("mime", "base64-html.eml", head + "Content-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.encodebytes(("<p>\xe9" + img * 3).encode("latin-1")).decode())
put("mime", "qp-html.eml", head + "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    + '<a href=3D"https://click.example/c?u=3D%s">x</a>=\r\n' % urllib.parse.quote(ADDRESS))
put("mime", "mbox-two.mbox", "From a@b Thu Jan  1 00:00:00 2026\n" + head + "\n" + img + "\n\nFrom c@d Thu Jan  1 00:00:00 2026\n>From x\nbody\n")
put("mime", "plain.html", "<html><body>" + img + '<div style="display:none"><img src="//x.example/p.gif"></div>'
    '<a href="https://l.example/?u=%s">r</a><table background="https://bg.example/b.png"></table></body></html>' % ADDRESS)

# --- url: URLs of the test mails, leak encodings in every part of a URL, and the reproducers ------------------
urls = set()
url_re = re.compile(rb'https?://[^\s"\'<>()\\]{4,300}')
for p in mails:
    with open(p, "rb") as f:
        for m in url_re.findall(f.read()):
            urls.add(m.decode("latin-1"))
urls = set(random.sample(sorted(urls), min(120, len(urls))))
for i, enc in enumerate(encodings(ADDRESS)):
    urls.add("https://t.example.net/o/x.gif?e=" + enc)
    urls.add("https://click.example.net/c/" + enc + "/?url=https%3A%2F%2Fshop.example%2F%3Futm_source%3Dx")
    urls.add("https://ci3.googleusercontent.com/proxy/abc#https://t.example.net/open?u=" + enc)
    if "/" not in enc and "+" not in enc:
        urls.add("https://%s.t.example/o.gif" % enc.lower())  # in the host
    urls.add("https://t.example/x#" + enc)
    urls.add("https://%s:pw@t.example/x" % urllib.parse.quote(enc, safe=""))
for enc in encodings(OTHER):
    urls.add("https://t.example/o?%s=1" % urllib.parse.quote(enc, safe=""))
urls.update([
    "http:/me+tag%40mail.example.com/)zwjirchjpbl.hannu.site/track/RXZ=",  # repro/url-mask-address-in-host*.txt
    "htthttps://BbAzhobime+tag%40mail.example.com555555555555555555555+5YPTo555555",
    "httP:/john.doe%40example.orgb$--- . r",
    "https://john.doe%40example.org/o/open.gif?u=123",
])
for i, u in enumerate(sorted(urls)):
    put("url", "u%04d" % i, u)

# --- protocol: requests of every action, with leaks, edge ids and limits ----------------------------------------
kinds = ["img", "srcset", "css-background", "background-attr", "link", "iframe", "video", "audio", "embed",
         "object", "form", "input-image", "other"]
url_list = sorted(urls)
reqs = [{"id": 1, "action": "hello", "protocol": 1, "client": "fuzz"}, {"id": "s", "action": "status"},
        {"id": 4, "action": "rules"}, {"action": "nope"}, {"id": [1], "action": "hello"}, {"id": 1e300, "action": "status"},
        {"id": "x" * 1100, "action": "status"}, {"id": 2, "action": "y" * 70}, {"id": None, "action": "classify"}]
for i in range(60):
    els = []
    for j in range(random.randint(1, 5)):
        e = {"ref": "e%d" % j, "kind": random.choice(kinds), "url": random.choice(url_list)}
        if random.random() < 0.6:
            e["declared"] = {"width": random.choice([1, 0, -1, 600, 1.5]), "height": random.choice([1, 0, 2, 300])}
        if random.random() < 0.3:
            e["rendered"] = {"width": 1, "height": 1}
        if random.random() < 0.3:
            e["visible"] = random.random() < 0.5
        if e["kind"] == "link":
            e["text"] = "Read more"
        els.append(e)
    msg = {"id": "m%d" % i, "webmail": random.choice(["gmail", "outlook", "file", "other"]),
           "sender": "news@shop.example", "user_addresses": [ADDRESS, OTHER], "elements": els}
    reqs.append({"id": i, "action": "classify", "message": msg})
    if i % 6 == 0:
        reqs.append({"id": "r%d" % i, "action": "report", "kind": random.choice(["missed", "false-block"]),
                     "webmail": "gmail", "user_addresses": [ADDRESS], "element": els[0]})
for i, r in enumerate(reqs):
    put("protocol", "r%03d" % i, json.dumps(r))

# --- framing: requests in frames, several per input, and the edge lengths ---------------------------------------
frame = lambda b: struct.pack("<I", len(b)) + b
for i in range(0, 60, 3):
    put("framing", "f%03d" % i, b"".join(frame(json.dumps(r).encode()) for r in reqs[i:i + 3]))
put("framing", "zero", frame(b""))
put("framing", "huge", struct.pack("<I", 0xFFFFFFFF) + b"x" * 100)
put("framing", "over-cap", struct.pack("<I", 5000) + b"y" * 5000 + frame(b'{"action":"status"}'))
put("framing", "truncated-prefix", b"\x05\x00")
put("framing", "truncated-payload", struct.pack("<I", 50) + b"{}")

# --- abp: filters of every supported and unsupported shape -------------------------------------------------------
abp = """[Adblock Plus 2.0]
! Title: Fuzz seeds
||pixel.example^
||pixel.example^$third-party
||mail.example/open/
||mail.example/open/*.gif$image
|https://t.example/o?
/beacon.gif?
/^https?:\\/\\/[a-z]+\\.track\\.example\\//$image
@@||mail.example/open/logo.png
@@||cdn.example^$~document
example.org##.ad
||js.example^$script
||site.example^$domain=news.example
||x.example^$domain=~a.example|~b.example
||y.example^$document
||z.example^$all,important
||w.example^$redirect=noop.js
*/track/open*$match-case
||a.example^$~third-party
"""
lines = abp.strip().split("\n")
put("abp", "all-shapes.txt", abp)
for i in range(0, len(lines), 4):
    put("abp", "chunk-%02d.txt" % i, "\n".join(lines[:2] + lines[i:i + 4]) + "\n")

# --- signature_list: the fixture lists, and small slices of the bundled one ---------------------------------------------
for p in sorted(glob.glob(DATA + "/signatures/*.json")):
    with open(p, "rb") as f:
        put("signature_list", os.path.basename(p), f.read())
with open(os.path.join(ROOT, "signatures", "trackers.json")) as f:
    bundled = json.load(f)
trackers = bundled["trackers"]
for k in range(0, len(trackers), 12):
    doc = dict(bundled)
    doc["trackers"] = trackers[k:k + 3]
    put("signature_list", "slice-%03d.json" % k, json.dumps(doc, indent=1))
