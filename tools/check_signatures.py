#!/usr/bin/env python3
"""Rough validator for signatures/trackers.json (docs/signatures.md), Python 3 standard library only.

The C++ loader is the authority (it compiles every pattern with RE2); this script catches schema mistakes,
duplicate ids, bad hostnames, constructs RE2 refuses and pixel entries that cover an ESP's content hosts
(KNOWN_CONTENT) before a list is published, and can run the list
over the labelled evaluation set to check that no signature matches a URL labelled clean.

Usage:
  tools/check_signatures.py [signatures/trackers.json]
  tools/check_signatures.py --eval tests/data/eval [signatures/trackers.json]
  tools/check_signatures.py --match URL [URL...]      # which entries match these URLs
Exit status: 0 when no error was found, 1 otherwise.
"""
import argparse
import email
import email.policy
import html.parser
import json
import os
import re
import sys
import urllib.parse

CATEGORIES = ('analytics', 'advertising', 'esp', 'marketing-automation', 'sales-tracker', 'customer-engagement',
              'social', 'spam-tracker')
APPLIES = ('pixel', 'link')
CHECKS = ('google-analytics',)
KNOWN_KEYS = {'id', 'name', 'company', 'brand', 'category', 'domains', 'hosts', 'patterns', 'applies_to',
              'redirect_params', 'checks', 'notes'}
MAX_PATTERN = 512
ID_RE = re.compile(r'^[a-z0-9-]+$')
LABEL_RE = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')
DATE_RE = re.compile(r'^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
# Constructs Python accepts but RE2 rejects: look-around, back-references, atomic groups, possessive
# quantifiers, conditionals, named back-references.
RE2_UNSUPPORTED = [
    (re.compile(r'\(\?[=!]'), 'look-ahead'),
    (re.compile(r'\(\?<[=!]'), 'look-behind'),
    (re.compile(r'\(\?>'), 'atomic group'),
    (re.compile(r'\(\?\('), 'conditional'),
    (re.compile(r'\(\?P='), 'named back-reference'),
    (re.compile(r'(?<!\\)(?:\\\\)*\\[1-9]'), 'back-reference'),
    (re.compile(r'(?<!\\)(?:\\\\)*\\g<'), 'back-reference'),
    (re.compile(r'[*+?}]\+'), 'possessive quantifier'),
]


def is_hostname(s):
    if not isinstance(s, str) or not s or len(s) > 253 or s != s.lower() or s.endswith('.'):
        return False
    labels = s.split('.')
    return len(labels) >= 2 and all(LABEL_RE.match(label) for label in labels)


def check_list(doc):
    """Returns (errors, warnings): lists of strings."""
    errors, warnings = [], []
    if not isinstance(doc, dict):
        return ['top level is not an object'], warnings
    if doc.get('format_version') != 1:
        errors.append('format_version must be 1 (got %r)' % doc.get('format_version'))
    lv = doc.get('list_version')
    if not isinstance(lv, int) or isinstance(lv, bool) or not (1000000000 <= lv <= 9999123199):
        errors.append('list_version must be an integer YYYYMMDDNN (got %r)' % lv)
    pub = doc.get('published')
    if not isinstance(pub, str) or not DATE_RE.match(pub):
        errors.append('published must be YYYY-MM-DD (got %r)' % pub)
    elif isinstance(lv, int) and str(lv)[:8] != pub.replace('-', ''):
        warnings.append('list_version %d does not start with the published date %s' % (lv, pub))
    exp = doc.get('expires')
    if not isinstance(exp, str) or not DATE_RE.match(exp):
        errors.append('expires must be YYYY-MM-DD (got %r): hosts refuse a download without it' % exp)
    elif isinstance(pub, str) and DATE_RE.match(pub):
        import datetime
        try:
            life = (datetime.date.fromisoformat(exp) - datetime.date.fromisoformat(pub)).days
        except ValueError as e:
            errors.append('published or expires is not a calendar date: %s' % e)
        else:
            if life < 0:
                errors.append('expires %s is before published %s' % (exp, pub))
            elif life > 120:
                warnings.append('expires is %d days after published: a frozen list goes unnoticed that long' % life)
    trackers = doc.get('trackers')
    if not isinstance(trackers, list):
        errors.append('trackers must be an array')
        return errors, warnings
    seen = {}
    for i, t in enumerate(trackers):
        where = 'entry %d' % i
        if not isinstance(t, dict):
            errors.append('%s: not an object' % where)
            continue
        tid = t.get('id')
        if isinstance(tid, str):
            where = 'entry %d (%s)' % (i, tid)
        for key in t:
            if key not in KNOWN_KEYS:
                warnings.append('%s: unknown field %r' % (where, key))
        if not isinstance(tid, str) or not ID_RE.match(tid):
            errors.append('%s: id must match [a-z0-9-]+' % where)
        elif tid in seen:
            errors.append('%s: duplicate id (first at entry %d)' % (where, seen[tid]))
        else:
            seen[tid] = i
        for key in ('name', 'company', 'brand'):
            if not isinstance(t.get(key), str) or not t.get(key).strip():
                errors.append('%s: %s must be a non-empty string' % (where, key))
        if t.get('company') == 'Unknown' and t.get('brand') != 'Unknown':
            errors.append('%s: an entry of company "Unknown" has brand "Unknown" (both are named after the URL\'s '
                          'domain when it matches)' % where)
        if t.get('category') not in CATEGORIES:
            errors.append('%s: unknown category %r' % (where, t.get('category')))
        has_matcher = False
        for key in ('domains', 'hosts', 'patterns', 'applies_to', 'redirect_params', 'checks'):
            if key in t and (not isinstance(t[key], list) or not all(isinstance(x, str) for x in t[key])):
                errors.append('%s: %s must be an array of strings' % (where, key))
        for key in ('domains', 'hosts'):
            for d in t.get(key, []) if isinstance(t.get(key), list) else []:
                has_matcher = True
                if not is_hostname(d):
                    errors.append('%s: %s entry %r is not a lower-case hostname' % (where, key, d))
        for p in t.get('patterns', []) if isinstance(t.get('patterns'), list) else []:
            has_matcher = True
            if not isinstance(p, str):
                continue
            if len(p) > MAX_PATTERN:
                errors.append('%s: pattern longer than %d characters' % (where, MAX_PATTERN))
            for rx, what in RE2_UNSUPPORTED:
                if rx.search(p):
                    errors.append('%s: pattern uses %s, which RE2 does not support: %s' % (where, what, p))
            try:
                re.compile(p)
            except re.error as e:
                errors.append('%s: pattern does not compile (%s): %s' % (where, e, p))
            if not p.startswith('^'):
                warnings.append('%s: pattern is not anchored with ^ (slower, less precise): %s' % (where, p))
        if not has_matcher:
            errors.append('%s: needs at least one of domains, hosts, patterns' % where)
        for a in t.get('applies_to', []) if isinstance(t.get('applies_to'), list) else []:
            if a not in APPLIES:
                errors.append('%s: applies_to value %r unknown' % (where, a))
        if isinstance(t.get('applies_to'), list) and not t['applies_to']:
            errors.append('%s: applies_to is empty' % where)
        for c in t.get('checks', []) if isinstance(t.get('checks'), list) else []:
            if c not in CHECKS:
                errors.append('%s: checks value %r unknown' % (where, c))
        if 'notes' in t and not isinstance(t['notes'], str):
            errors.append('%s: notes must be a string' % where)
    return errors, warnings


# ----------------------------------------------------------------------------------------------------------------
# Matching (an approximation of the host's matcher, for --match and --eval)
# ----------------------------------------------------------------------------------------------------------------

def normalise(url):
    """Scheme and host lower-cased, the rest as is (docs/signatures.md)."""
    m = re.match(r'^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)$', url, re.S)
    if not m:
        return url
    return m.group(1).lower() + '://' + m.group(2).lower() + m.group(3)


def url_host(url):
    try:
        return (urllib.parse.urlsplit(url).hostname or '').lower()
    except ValueError:
        return ''


class Matcher:
    def __init__(self, trackers):
        self.entries = []
        for t in trackers:
            pats = []
            for p in t.get('patterns', []):
                try:
                    pats.append(re.compile(p))
                except re.error:
                    pass
            self.entries.append((t, pats))

    def match(self, url, kind):
        """First entry matching the URL for kind 'pixel' or 'link', or None."""
        norm = normalise(url)
        host = url_host(url)
        for t, pats in self.entries:
            if kind not in t.get('applies_to', APPLIES):
                continue
            if host and any(host == d or host.endswith('.' + d) for d in t.get('domains', [])):
                return t
            if host and host in t.get('hosts', []):
                return t
            if any(p.search(norm) for p in pats):
                return t
        return None


class _UrlCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls = []  # (kind, url)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ('a', 'area') and a.get('href'):
            self.urls.append(('link', a['href'].strip()))
        if tag == 'form' and a.get('action'):
            self.urls.append(('link', a['action'].strip()))
        for key in ('src', 'background', 'poster'):
            if a.get(key) and tag != 'a':
                self.urls.append(('pixel', a[key].strip()))
        if a.get('srcset'):
            for cand in a['srcset'].split(','):
                if cand.strip():
                    self.urls.append(('pixel', cand.strip().split()[0]))
        if a.get('style'):
            for u in re.findall(r'url\(\s*[\'"]?([^\'")]+)', a['style']):
                self.urls.append(('pixel', u.strip()))


def html_parts(path):
    with open(path, 'rb') as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    out = []
    for part in msg.walk():
        if part.get_content_type() == 'text/html':
            out.append(part.get_content())
    return out


def mail_urls(path):
    urls = []
    for h in html_parts(path):
        c = _UrlCollector()
        c.feed(h)
        urls.extend(c.urls)
    return [(k, u) for k, u in urls if re.match(r'^https?://', u, re.I)]


# Images and pages that ESPs serve from hosts they also track on: the same file for every reader, so content.
# A pixel signature must name the tracking endpoint, not every host the ESP owns (issue 9); a list where a
# pixel entry matches one of these is refused. Shapes from public newsletters, ids replaced.
KNOWN_CONTENT = [
    'https://files.crsend.com/121000/121070/images/Newsletter_Grafik_150dpi.png',  # CleverReach
    'https://cloud-files.crsend.com/images/logo.png',
    'https://image.s4.exct.net/lib/fe8a1372726206797c/m/1/0a370547-7718-446f-8e20-aac14e42014f.png',  # SFMC
    'https://image.email.shop.example/lib/fe8a1372726206797c/m/1/logo.png',
    'https://image.s7.exacttarget.com/lib/fe8a1372726206797c/m/1/logo.png',
    'https://contentz.mkt5031.com/lp/12345/67890/images/logo.png',  # Acoustic
    'https://content.app-us1.com/abcde/2024/01/01/header.png',  # ActiveCampaign
    'https://userimg-assets.customeriomail.com/images/client-env-1234/logo.png',  # Customer.io
    'https://img.srv2.de/assets/bm/hero.png',  # Optimizely Campaign
    'https://t.shop.neolane.net/res/shop/img/hero.jpg',  # Adobe Campaign
    'https://images.outbrainimg.com/transform/v3/eyJpdSI6ImFiYyJ9.jpg',  # Outbrain tile CDN
    'https://mcusercontent.com/0123456789abcdef01234567/images/0a370547-7718-446f-8e20-aac14e42014f.jpg',
    'https://gallery.mailchimp.com/0123456789abcdef01234567/images/logo.png',
    'https://static.cdn.responsys.net/i5/responsysimages/shop/contentlibrary/logo.png',  # Responsys
    'https://img.mailinblue.com/1234567/images/content_library/original/logo.png',  # Brevo
    'https://img03.en25.com/EloquaImages/clients/Shop/%7Babc%7D_logo.png',  # Eloqua
    'https://static.ctctcdn.com/letters/images/1101116784221/S.gif',  # Constant Contact
    'https://files.constantcontact.com/abcdef123/0a370547-7718-446f-8e20-aac14e42014f.png',
    'https://substackcdn.com/image/fetch/w_1456,c_limit,f_auto/https%3A%2F%2Fsubstack-post-media.s3.amazonaws.com'
    '%2Fpublic%2Fimages%2Fabc.png',  # Substack
    'https://media.beehiiv.com/cdn-cgi/image/fit=scale-down,format=auto/uploads/asset/file/abc/logo.png',
    'https://embed.filekitcdn.com/e/abcdef/ghijkl',  # Kit (ConvertKit)
    'https://d3k81ch9hvuctc.cloudfront.net/company/AbCdEf/images/logo.png',  # Klaviyo
    'https://i1.createsend1.com/ei/r/29/ABC/DEF/csimport/logo.png',  # Campaign Monitor
    'https://r1.dmtrk.net/signup.ashx',  # Dotdigital sign-up form
]


def check_content_hosts(matcher):
    """Errors for pixel entries that match a known content URL."""
    errors = []
    for u in KNOWN_CONTENT:
        t = matcher.match(u, 'pixel')
        if t:
            errors.append('pixel entry %s matches content an ESP serves (name the tracking endpoint instead): %s'
                          % (t['id'], u))
    return errors


def check_eval(directory, matcher):
    """Returns (errors, warnings, stats)."""
    errors, warnings = [], []
    with open(os.path.join(directory, 'labels.json'), encoding='utf-8') as f:
        labels = json.load(f)
    stats = {'mails': 0, 'positives': 0, 'positives_by_signature': 0, 'negatives': 0}
    for m in labels['mails']:
        path = os.path.join(directory, m['file'])
        if not os.path.exists(path):
            errors.append('%s: file missing' % m['file'])
            continue
        stats['mails'] += 1
        urls = mail_urls(path)
        present = {u for _, u in urls}
        positives = {('pixel', u) for u in m.get('pixels', [])} | {('link', u) for u in m.get('tracked_links', [])}
        for kind, u in sorted(positives):
            if u not in present:
                errors.append('%s: labelled %s not found in the HTML: %s' % (m['file'], kind, u))
                continue
            stats['positives'] += 1
            if matcher.match(u, kind):
                stats['positives_by_signature'] += 1
            else:
                warnings.append('%s: positive %s left to heuristics (no signature): %s' % (m['file'], kind, u))
        for kind, u in urls:
            if (kind, u) in positives:
                continue
            stats['negatives'] += 1
            t = matcher.match(u, kind)
            if t:
                errors.append('%s: clean %s matched by %s: %s' % (m['file'], kind, t['id'], u))
    return errors, warnings, stats


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('list', nargs='?', default=os.path.join(here, '..', 'signatures', 'trackers.json'))
    ap.add_argument('--eval', metavar='DIR', help='check the list against a labelled evaluation set')
    ap.add_argument('--match', nargs='+', metavar='URL', help='print which entry matches each URL')
    ap.add_argument('-q', '--quiet', action='store_true', help='do not print warnings')
    args = ap.parse_args()

    with open(args.list, encoding='utf-8') as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            print('error: not JSON: %s' % e)
            return 1
    errors, warnings = check_list(doc)
    trackers = doc.get('trackers', []) if isinstance(doc, dict) else []
    counts = {}
    for t in trackers:
        if isinstance(t, dict):
            counts[t.get('category')] = counts.get(t.get('category'), 0) + 1
    print('%s: %d trackers (%s)' % (args.list, len(trackers),
                                     ', '.join('%s %d' % kv for kv in sorted(counts.items(), key=str))))
    matcher = Matcher([t for t in trackers if isinstance(t, dict)])
    errors += check_content_hosts(matcher)
    if args.match:
        for u in args.match:
            for kind in APPLIES:
                t = matcher.match(u, kind)
                print('%-5s %s -> %s' % (kind, u, t['id'] if t else '-'))
    if args.eval:
        e2, w2, stats = check_eval(args.eval, matcher)
        errors += e2
        warnings += w2
        print('eval: %(mails)d mails, %(positives)d positives (%(positives_by_signature)d by signature), '
              '%(negatives)d negatives' % stats)
    if not args.quiet:
        for w in warnings:
            print('warning: ' + w)
    for e in errors:
        print('error: ' + e)
    print('%d error(s), %d warning(s)' % (len(errors), len(warnings)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
