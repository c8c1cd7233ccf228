"""Helpers shared by the mail generators in tests/data/samples/ and tests/data/eval/: address encodings and
MIME assembly. Standard library only."""
import base64
import datetime
import email.policy
import hashlib
import html as html_lib
import urllib.parse
from email.message import EmailMessage
from email.utils import format_datetime


def enc(addr):
    a = addr.lower().encode()
    return {
        'plain': addr.lower(),
        'urlencoded': urllib.parse.quote(addr.lower(), safe=''),
        'base64': base64.b64encode(a).decode(),
        'base64url': base64.urlsafe_b64encode(a).decode().rstrip('='),
        'md5': hashlib.md5(a).hexdigest(),
        'sha1': hashlib.sha1(a).hexdigest(),
        'sha256': hashlib.sha256(a).hexdigest(),
        'sha256-upper': hashlib.sha256(a).hexdigest().upper(),
    }


def attr(u):
    return html_lib.escape(u, quote=True)


def text_esc(s):
    return html_lib.escape(s, quote=False)


def make_message(sender, to, subject, date, msgid, text, html_body, html_cte, text_cte=None, charset='utf-8',
                 extra_headers=()):
    m = EmailMessage()
    m['From'] = sender
    m['To'] = to
    m['Subject'] = subject
    m['Date'] = format_datetime(date)
    m['Message-ID'] = msgid
    for k, v in extra_headers:
        m[k] = v
    m.set_content(text, charset=charset, cte=text_cte or ('7bit' if text.isascii() else 'quoted-printable'))
    m.add_alternative(html_body, subtype='html', charset=charset, cte=html_cte)
    for part in m.iter_parts():
        del part['MIME-Version']
    return m


POLICY = email.policy.default.clone(max_line_length=998)


def to_bytes(m):
    return m.as_bytes(policy=POLICY)


def when(day, hour=9, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
