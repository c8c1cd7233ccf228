#!/usr/bin/env python3
"""Regenerates the MailVeil evaluation set: every .eml file here and labels.json (see README.md).

Deterministic (fixed seeds). Usage: python3 generate.py [output-dir]. Python 3 standard library only.
"""
import base64
import datetime
import email.policy
import hashlib
import html as html_lib
import json
import os
import random
import re
import string
import sys
import urllib.parse
from email.message import EmailMessage
from email.utils import format_datetime


sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mailgen import POLICY, attr, enc, make_message, text_esc, to_bytes, when  # noqa: E402


OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
R = random.Random(20261123)
random.seed(20261123)  # MIME boundaries


def rtok(n, alphabet=string.ascii_letters + string.digits):
    return ''.join(R.choice(alphabet) for _ in range(n))


def rhex(n):
    return rtok(n, '0123456789abcdef')


def ruuid():
    h = rhex(32)
    return '%s-%s-%s-%s-%s' % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def grade_bands():
    """The host's grade scale, read from its one definition (kGradeBands in native_host/src/score.h)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    with open(os.path.join(root, 'native_host', 'src', 'score.h'), encoding='utf-8') as f:
        text = f.read()
    table = text[text.index('kGradeBands'):]
    table = table[:table.index('}};')]
    bands = [(g, int(lo)) for g, lo in re.findall(r'\{"([A-Z])", (\d+)\}', table)]
    assert bands and bands[-1][1] == 0, bands
    return bands


GRADE_BANDS = grade_bands()


def grade_of(score):
    for g, lo in GRADE_BANDS:
        if score >= lo:
            return g
    return GRADE_BANDS[-1][0]


MAILS = []
CTES = ['quoted-printable', '7bit', 'base64', '8bit']


class Mail:
    def __init__(self, file, kind, shape, sender, recipient, subject, lang='en', brand=None, list_unsub=None):
        self.file = file
        self.kind = kind          # tracker | heuristic | clean | tricky
        self.shape = shape        # tracker ids / shape names, or a description
        self.sender = sender      # "Name <addr>"
        self.recipient = recipient
        self.subject = subject
        self.lang = lang
        self.brand = brand or sender.split('<')[0].strip()
        self.blocks = []
        self.tail = []
        self.text = []
        self.pixels = []          # (url, company)
        self.links = []           # (url, company, destination or None)
        self.leaks = []           # {url, encoding, company}
        self.list_unsub = list_unsub
        MAILS.append(self)

    # ---- content -------------------------------------------------------------------------------------------
    def p(self, s):
        self.blocks.append('<tr><td style="padding:8px 24px;font:15px/1.5 Arial,sans-serif;color:#222">%s</td></tr>'
                           % text_esc(s))
        self.text.append(s)
        return self

    def h(self, s):
        self.blocks.append('<tr><td style="padding:16px 24px 4px;font:bold 20px Arial,sans-serif">%s</td></tr>'
                           % text_esc(s))
        self.text.append(s.upper() if self.lang == 'en' else s)
        return self

    def img(self, url, w, h, alt, href=None, style=None):
        tag = '<img src="%s" width="%s" height="%s" alt="%s" style="display:block;border:0%s">' % (
            attr(url), w, h, attr(alt), (';' + style) if style else '')
        if href:
            tag = '<a href="%s">%s</a>' % (attr(href), tag)
        self.blocks.append('<tr><td align="center" style="padding:0">%s</td></tr>' % tag)
        return self

    def a(self, url, label, para=None):
        """Plain (untracked) link."""
        pre = text_esc(para) + ' ' if para else ''
        self.blocks.append('<tr><td style="padding:8px 24px;font:15px Arial,sans-serif">%s<a href="%s" '
                           'style="color:#0a58ca">%s</a></td></tr>' % (pre, attr(url), text_esc(label)))
        self.text.append('%s%s: %s' % (para + ' ' if para else '', label, url))
        return self

    def btn(self, url, label):
        self.blocks.append('<tr><td align="center" style="padding:16px"><a href="%s" style="background:#1a73e8;'
                           'color:#fff;padding:12px 24px;text-decoration:none;border-radius:4px;font:bold 15px '
                           'Arial,sans-serif">%s</a></td></tr>' % (attr(url), text_esc(label)))
        self.text.append('%s: %s' % (label, url))
        return self

    def raw(self, fragment, text=None):
        self.blocks.append(fragment)
        if text:
            self.text.append(text)
        return self

    def footer(self, address, unsub=None, unsub_label='Unsubscribe', extra_links=()):
        parts = [text_esc(address)]
        for url, label in extra_links:
            parts.append('<a href="%s" style="color:#666">%s</a>' % (attr(url), text_esc(label)))
            self.text.append('%s: %s' % (label, url))
        if unsub:
            parts.append('<a href="%s" style="color:#666">%s</a>' % (attr(unsub), text_esc(unsub_label)))
            self.text.append('%s: %s' % (unsub_label, unsub))
        self.blocks.append('<tr><td style="padding:16px 24px;font:12px Arial,sans-serif;color:#666">%s</td></tr>'
                           % ' &middot; '.join(parts))
        self.text.append(address)
        return self

    # ---- trackers ------------------------------------------------------------------------------------------
    def pixel(self, url, company, w=1, h=1, style=None, leak=None, where='tail', alt=''):
        st = style if style is not None else 'display:block;border:0;width:1px;height:1px'
        size = ''
        if w is not None:
            size += ' width="%s"' % w
        if h is not None:
            size += ' height="%s"' % h
        tag = '<img src="%s"%s alt="%s" style="%s">' % (attr(url), size, attr(alt), st)
        if where == 'tail':
            self.tail.append(tag)
        else:
            self.blocks.append('<tr><td>%s</td></tr>' % tag)
        self.pixels.append((url, company))
        if leak:
            self.leaks.append({'url': url, 'encoding': leak, 'company': company})
        return self

    def ad_img(self, url, company, w, h, alt, href=None, href_company=None):
        """A third-party ad image: a fetched tracker that is visible."""
        self.img(url, w, h, alt, href=href)
        self.pixels.append((url, company))
        if href:
            self.links.append((href, href_company or company, None))
        return self

    def tl(self, url, label, company, dest=None, button=False, para=None, img=None):
        """Tracked link."""
        if img:
            self.img(img[0], img[1], img[2], img[3], href=url)
            self.text.append('%s: %s' % (label, url))
        elif button:
            self.btn(url, label)
        else:
            self.a(url, label, para)
        self.links.append((url, company, dest))
        return self

    # ---- output --------------------------------------------------------------------------------------------
    def html(self):
        return ('<!DOCTYPE html>\n<html lang="%s"><head><meta charset="utf-8"><meta name="viewport" '
                'content="width=device-width"><title>%s</title></head>\n<body style="margin:0;padding:0;'
                'background:#f2f2f2">\n<table role="presentation" width="100%%" cellpadding="0" cellspacing="0">'
                '<tr><td align="center">\n<table role="presentation" width="600" cellpadding="0" cellspacing="0" '
                'style="background:#ffffff">\n%s\n</table>\n</td></tr></table>\n%s\n</body></html>\n') % (
            self.lang, text_esc(self.subject), '\n'.join(self.blocks), '\n'.join(self.tail))

    def score(self):
        sender_dom = self.sender.split('@')[1].rstrip('>').split('.')[-2:]
        companies = []
        for _, c in self.pixels:
            companies.append(c)
        for _, c, _ in self.links:
            companies.append(c)
        for lk in self.leaks:
            companies.append(lk['company'])
        third = sorted({c for c in companies if c not in FIRST_PARTY.get(self.file, ())})
        leak_cos = sorted({lk['company'] for lk in self.leaks})
        d_leaks = min(85, (60 + 10 * (len(leak_cos) - 1)) if leak_cos else 0)
        n_pix = len(self.pixels)
        d_pix = min(40, (25 + 5 * (n_pix - 1)) if n_pix else 0)
        d_cos = min(24, 8 * len(third))
        d_links = min(12, 3 * len(self.links))
        value = max(0, 100 - d_leaks - d_pix - d_cos - d_links)
        return value, {'leaks': d_leaks, 'pixels': d_pix, 'companies': d_cos, 'links': d_links}, third

    def write(self, idx):
        cte = CTES[idx % len(CTES)]
        body = self.html()
        if cte in ('7bit',) and not body.isascii():
            cte = 'quoted-printable'
        if cte in ('7bit', '8bit') and max(len(l) for l in body.splitlines()) > 990:
            cte = 'quoted-printable'
        extra = [('MIME-Version', '1.0')]
        if self.list_unsub:
            extra.append(('List-Unsubscribe', '<%s>' % self.list_unsub))
        domain = self.sender.split('@')[1].rstrip('>')
        msg = make_message(self.sender, self.recipient, self.subject, when(1 + idx % 28, 7 + idx % 12, idx % 60),
                           '<%s.%s@%s>' % (rhex(16), idx, domain), '\n\n'.join(self.text) + '\n', body, cte,
                           extra_headers=extra[1:])
        data = to_bytes(msg)
        assert len(data) < 16000, (self.file, len(data))
        with open(os.path.join(OUT, self.file), 'wb') as f:
            f.write(data)
        value, ded, third = self.score()
        lab = {
            'file': self.file,
            'type': self.kind,
            'shapes': self.shape,
            'recipient': self.recipient.split('<')[-1].rstrip('>'),
            'sender': self.sender.split('<')[-1].rstrip('>'),
            'expected_grade': grade_of(value),
            'expected_score': value,
            'deductions': ded,
            'third_party_companies': third,
            'pixels': [u for u, _ in self.pixels],
            'tracked_links': [u for u, _, _ in self.links],
            'leaks': [{'url': lk['url'], 'encoding': lk['encoding'], 'company': lk['company']}
                      for lk in self.leaks],
        }
        dests = {u: d for u, _, d in self.links if d}
        if dests:
            lab['destinations'] = dests
        return lab


FIRST_PARTY = {}  # file -> companies that are first-party for that mail (tracker host on the sender's domain)

# =========================================================================================================
# Tracker mails
# =========================================================================================================

# 01 Mailchimp ------------------------------------------------------------------------------------------------
u = 'lucie.moreau@example.com'
acct, lid = rhex(25), rhex(10)
m = Mail('01-mailchimp.eml', 'tracker', ['mailchimp'], 'Atelier Céramique <bonjour@atelier-ceramique.example>',
         'Lucie Moreau <%s>' % u, 'Les stages d\'hiver sont ouverts', lang='fr',
         list_unsub='https://atelierceramique.us21.list-manage.com/unsubscribe?u=%s&id=%s' % (acct, lid))
m.img('https://mcusercontent.com/%s/images/%s.jpg' % (acct, ruuid()), 600, 280, 'Tours de potier dans l\'atelier')
m.h('Stages d\'hiver 2026').p('Tournage, émaillage et cuisson raku : les inscriptions pour janvier et février '
                              'sont ouvertes. Les groupes sont limités à six personnes.')
e = rhex(10)
for i, label in enumerate(['Voir le calendrier des stages', 'Réserver une séance d\'essai', 'Bons cadeaux']):
    m.tl('https://atelierceramique.us21.list-manage.com/track/click?u=%s&id=%s&e=%s' % (acct, rhex(10), e),
         label, 'Intuit', button=(i == 0))
m.img('https://mcusercontent.com/%s/images/%s.png' % (acct, ruuid()), 120, 40, 'Atelier Céramique')
m.footer('Atelier Céramique, 12 rue des Potiers, 69001 Lyon',
         'https://atelierceramique.us21.list-manage.com/unsubscribe?u=%s&id=%s&e=%s&c=%s' % (acct, lid, e, rhex(10)),
         'Se désinscrire')
m.pixel('https://atelierceramique.us21.list-manage.com/track/open.php?u=%s&id=%s&e=%s' % (acct, rhex(10), e),
        'Intuit')

# 02 SendGrid -------------------------------------------------------------------------------------------------
u = 'tom.becker@example.com'
m = Mail('02-sendgrid.eml', 'tracker', ['sendgrid'], 'Trailgear <hello@trailgear.example>', u,
         'Your winter layering checklist')
m.img('https://cdn.trailgear.example/email/2026/11/layering-hero.jpg', 600, 300, 'Hiker on a snowy ridge')
m.h('Three layers, zero cold spots').p('Base, mid and shell: our gear team explains how to combine them for '
                                       'day hikes below freezing.')
for label in ['Shop base layers', 'Read the full guide', 'Find a store']:
    m.tl('https://url4821.trailgear-mail.example/ls/click?upn=%s-2B%s-3D%s' % (rtok(60), rtok(40), rtok(8)),
         label, 'Twilio', button=(label.startswith('Shop')))
m.footer('Trailgear Inc., 400 Pine Street, Portland OR',
         'https://www.trailgear.example/account/email-preferences')
m.pixel('https://url4821.trailgear-mail.example/wf/open?upn=%s-2F%s-3D' % (rtok(70), rtok(50)), 'Twilio')

# 03 Salesforce Marketing Cloud --------------------------------------------------------------------------------
u = 'amelie.durand@example.com'
m = Mail('03-salesforce-mc.eml', 'tracker', ['salesforce-mc'], 'Northwind Air <offers@northwind-air.example>', u,
         'Fares to Lisbon from 89 €')
libid = rhex(18)
m.img('https://image.em.northwind-air-mail.example/lib/%s/m/1/%s.jpg' % (libid, ruuid()), 600, 320,
      'Lisbon tram at sunset')
m.h('Winter sun, short hop').p('Book by 30 November for travel between January and March. Hand luggage '
                               'included on every fare.')
for label in ['See all fares', 'Lisbon', 'Porto', 'Manage my booking']:
    m.tl('https://click.em.northwind-air-mail.example/?qs=%s' % rhex(96), label, 'Salesforce',
         button=(label == 'See all fares'))
m.footer('Northwind Air, Dublin', 'https://click.em.northwind-air-mail.example/?qs=%s' % rhex(96))
# the unsubscribe link above is also a click-tracked link
m.links.append((m.text[-2].split(': ', 1)[1], 'Salesforce', None))
m.pixel('https://click.em.northwind-air-mail.example/open.aspx?ffcb10-%s-%s-%s-%s&d=40120&bmt=0' % (
    rhex(18), rhex(38), rhex(18), rhex(8)), 'Salesforce')

# 04 Amazon SES -----------------------------------------------------------------------------------------------
u = 'yusuf.demir@example.com'
mid = '0102018c%s-%s-%s-%s-%s-000000' % (rhex(8), rhex(8), rhex(4), rhex(4), rhex(12))
m = Mail('04-amazon-ses.eml', 'tracker', ['amazon-ses'], 'Parkly <receipts@parkly.example>', u,
         'Your parking receipt for 22 November')
m.img('https://assets.parkly.example/mail/logo-parkly@2x.png', 160, 48, 'Parkly')
m.p('Thanks for parking with Parkly. Total charged: 14.50 € (Gare Centrale, level -2, 08:12 to 17:40).')
d1 = 'https://www.parkly.example/account/bookings'
d2 = 'https://help.parkly.example/refunds'
m.tl('https://a1b2c3d4.r.eu-west-1.awstrack.me/L0/https:%2F%2Fwww.parkly.example%2Faccount%2Fbookings/1/'
     + mid + '/' + rtok(27) + '=372', 'View my bookings', 'Amazon', dest=d1, button=True)
m.tl('https://a1b2c3d4.r.eu-west-1.awstrack.me/L0/https:%2F%2Fhelp.parkly.example%2Frefunds/1/' + mid + '/'
     + rtok(27) + '=372', 'Request a refund', 'Amazon', dest=d2)
m.footer('Parkly SAS, Lille')
m.pixel('https://a1b2c3d4.r.eu-west-1.awstrack.me/I0/' + mid + '/' + rtok(27) + '=372', 'Amazon')

# 05 Mailgun --------------------------------------------------------------------------------------------------
u = 'ines.garcia@example.com'
m = Mail('05-mailgun.eml', 'tracker', ['mailgun'], 'Notebook <team@notebook-app.example>', u,
         'Shared notebooks are here')
m.img('https://notebook-app.example/static/mail/shared-notebooks.png', 560, 260, 'Two people editing a notebook')
m.p('You can now invite people to a notebook and edit it together. Changes appear live for everyone.')
m.tl('https://email.mg.notebookmail.example/c/eJx' + rtok(120, string.ascii_letters + string.digits + '_-'),
     'Try shared notebooks', 'Sinch', button=True)
m.tl('https://email.mg.notebookmail.example/c/eJy' + rtok(110, string.ascii_letters + string.digits + '_-'),
     'Read the announcement', 'Sinch')
m.footer('Notebook Labs, Berlin', 'https://notebook-app.example/settings/notifications')
m.pixel('https://email.mg.notebookmail.example/o/eJw' + rtok(90, string.ascii_letters + string.digits + '_-'),
        'Sinch')

# 06 Mailjet --------------------------------------------------------------------------------------------------
u = 'paul.lefevre@example.com'
mj = 'x7k2p'
m = Mail('06-mailjet.eml', 'tracker', ['mailjet'], 'Cinéma Le Lumière <programme@cinema-lumiere.example>', u,
         'Cette semaine au Lumière', lang='fr')
m.img('https://%s.mjt.lu/img/%s/b/%s/%s.png' % (mj, mj, rtok(6).lower(), rtok(5).lower()), 600, 220,
      'Façade du cinéma')
m.p('Rétrospective Agnès Varda, ciné-goûter dimanche et avant-première jeudi en présence de l\'équipe du film.')
import base64 as _b64
dst = 'https://www.cinema-lumiere.example/programme'
m.tl('https://%s.mjt.lu/lnk/%s/1/%s/%s' % (mj, rtok(56), rtok(22), _b64.urlsafe_b64encode(dst.encode()).decode()
                                           .rstrip('=')), 'Tout le programme', 'Sinch', dest=dst, button=True)
dst2 = 'https://www.cinema-lumiere.example/tarifs'
m.tl('https://%s.mjt.lu/lnk/%s/2/%s/%s' % (mj, rtok(56), rtok(22), _b64.urlsafe_b64encode(dst2.encode()).decode()
                                           .rstrip('=')), 'Tarifs et abonnements', 'Sinch', dest=dst2)
m.footer('Cinéma Le Lumière, Nantes', 'https://%s.mjt.lu/unsub2?m=%s&b=%s&e=%s&x=%s' % (
    mj, rtok(60), rhex(8), rhex(8), rtok(40)), 'Désinscription')
m.pixel('https://%s.mjt.lu/oo/%s/%s/e.gif' % (mj, rtok(64), rhex(8)), 'Sinch')

# 07 Brevo ----------------------------------------------------------------------------------------------------
u = 'clara.fontaine@example.com'
m = Mail('07-brevo.eml', 'tracker', ['brevo'], 'Fromagerie Vidal <newsletter@fromagerie-vidal.example>', u,
         'Les fromages de Noël sont arrivés', lang='fr')
m.img('https://img.mailinblue.com/6123456/images/content_library/original/%s.jpg' % rhex(24), 600, 300,
      'Plateau de fromages')
m.p('Mont d\'or, vacherin et comté 36 mois : commandez avant le 18 décembre pour un retrait en boutique.')
for label in ['Commander en ligne', 'Nos idées de plateaux']:
    m.tl('https://r.sp1-brevo.net/mk/cl/f/sh/%s/%s' % (rtok(30), rtok(12)), label, 'Brevo',
         button=(label.startswith('Commander')))
m.footer('Fromagerie Vidal, 3 place du Marché, Annecy', 'https://r.sp1-brevo.net/mk/un/sh/%s/%s' % (
    rtok(30), rtok(12)), 'Se désabonner')
m.pixel('https://r.sp1-brevo.net/mk/op/sh/%s/%s' % (rtok(30), rtok(12)), 'Brevo')

# 08 Constant Contact -----------------------------------------------------------------------------------------
u = 'george.hill@example.com'
m = Mail('08-constant-contact.eml', 'tracker', ['constant-contact'],
         'Riverside Garden Club <club@riverside-gardens.example>', u, 'December meeting: winter pruning')
m.img('https://files.constantcontact.com/%s/%s.png' % (rhex(9), ruuid()), 180, 60, 'Riverside Garden Club')
m.p('Join us on 4 December at the community hall. Our guest speaker will demonstrate pruning for fruit trees.')
for label in ['RSVP', 'Club calendar']:
    m.tl('https://r20.rs6.net/tn.jsp?f=001%s&c=%s&ch=%s' % (rtok(120), rtok(60), rtok(60)), label,
         'Constant Contact', button=(label == 'RSVP'))
m.footer('Riverside Garden Club, Springfield')
m.pixel('https://r20.rs6.net/on.jsp?ca=%s&a=%s&c=%s&ch=%s&o=https://imgssl.constantcontact.com/ui/images1/s.gif'
        % (ruuid(), rtok(10), ruuid(), ruuid()), 'Constant Contact')

# 09 Campaign Monitor -----------------------------------------------------------------------------------------
u = 'nora.schmidt@example.com'
m = Mail('09-campaign-monitor.eml', 'tracker', ['campaign-monitor'],
         'Harbour Books <reading@harbourbooks.example>', u, 'Staff picks for long evenings')
m.img('https://i1.createsend1.com/ei/i/%s/%s/%s/csimport/staff-picks.jpg' % (rhex(2).upper(), rhex(3).upper(),
                                                                            rhex(6).upper()), 600, 260,
      'Books on a shelf')
m.p('Five novels our booksellers could not put down this autumn, plus a signed first edition giveaway.')
cm = '%s-%s' % (rtok(5).lower(), rtok(5).lower())
for i, label in enumerate(['Read the picks', 'Enter the giveaway']):
    m.tl('https://harbourbooks.cmail20.com/t/i-l-%s-%s-%s/' % (cm, rtok(6).lower(), 'yd' if i else 'yt'),
         label, 'Marigold')
m.footer('Harbour Books, Galway', 'https://harbourbooks.cmail20.com/t/i-u-%s/' % cm)
m.links.append(('https://harbourbooks.cmail20.com/t/i-u-%s/' % cm, 'Marigold', None))
m.pixel('https://harbourbooks.cmail20.com/t/i-o-%s/o.gif' % cm, 'Marigold')

# 10 Klaviyo --------------------------------------------------------------------------------------------------
u = 'maya.patel@example.com'
m = Mail('10-klaviyo.eml', 'tracker', ['klaviyo'], 'Loom & Leaf <hi@loomandleaf.example>', u,
         'Back in stock: the linen throw')
m.img('https://d3k81ch9hvuctc.cloudfront.net/company/%s/images/%s.jpeg' % (rtok(6), ruuid()), 600, 400,
      'Linen throw on a sofa')
m.p('The stone-washed linen throw you looked at is back. We only restocked a small batch.')
m.tl('https://ctrk.klclick.com/l/%s_%s' % (rtok(26).upper(), rhex(24)), 'Shop the throw', 'Klaviyo', button=True)
m.footer('Loom & Leaf, Leeds')
m.pixel('https://trk.klclick.com/o/%s/%s' % (rtok(26).upper(), rtok(40)), 'Klaviyo')

# 11 HubSpot --------------------------------------------------------------------------------------------------
u = 'daniel.okafor@example.com'
m = Mail('11-hubspot.eml', 'tracker', ['hubspot'], 'Brightdesk <events@brightdesk.example>', u,
         'Webinar: scaling your support team')
m.img('https://hs-4411230.f.hubspotemail.net/hub/4411230/hubfs/newsletter/header.png?width=1200&upscale=true'
      '&name=header.png', 600, 200, 'Brightdesk')
m.p('On 9 December our head of support shares the playbook we used to go from 3 to 30 agents.')
hs = 'd2v8xp04'
for label in ['Save my seat', 'Agenda']:
    m.tl('https://%s.na1.hubspotlinks.com/Ctc/RI+113/%s/%s' % (hs, hs.upper()[:8], rtok(150, string.ascii_letters
                                                                                     + string.digits + '-_')),
         label, 'HubSpot', button=(label.startswith('Save')))
m.footer('Brightdesk, Amsterdam')
m.pixel('https://%s.na1.hubspotlinks.com/Cto/RI+113/%s/%s' % (hs, hs.upper()[:8], rtok(90)), 'HubSpot')

# 12 Marketo --------------------------------------------------------------------------------------------------
u = 'sofia.rossi@example.com'
m = Mail('12-marketo.eml', 'tracker', ['marketo'], 'Cloudvane <marketing@cloudvane.example>', u,
         'Your copy of the 2026 cloud cost report')
m.img('https://www.cloudvane.example/rs/123-ABC-456/images/report-cover.png', 300, 400, 'Report cover')
m.p('Thanks for your interest. The report compares compute prices across twelve regions.')
for label in ['Download the report', 'Book a demo']:
    m.tl('https://mkto-ab1234.com/%s' % rtok(64, string.ascii_letters + string.digits + '_-'), label, 'Adobe',
         button=(label.startswith('Download')))
m.footer('Cloudvane Ltd, London')
m.pixel('https://mkto-ab1234.com/trk?t=1&mid=%s' % rtok(56), 'Adobe')

# 13 Oracle Eloqua --------------------------------------------------------------------------------------------
u = 'lars.nilsson@example.com'
site = '1357924680'
m = Mail('13-eloqua.eml', 'tracker', ['oracle-eloqua'], 'Brightline Software <news@brightline.example>', u,
         'Release notes: Brightline 8.2')
m.img('https://img06.en25.com/Web/BrightlineSoftware/%%7B%s%%7D_header.png' % ruuid(), 600, 150, 'Brightline')
m.p('Version 8.2 adds single sign-on for all plans and a faster export.')
elq = rhex(32)
for label in ['Read the release notes', 'Upgrade guide']:
    m.tl('https://s%s.t.eloqua.com/e/er?s=%s&lid=%d&elqTrackId=%s&elq=%s&elqaid=%d&elqat=1' % (
        site, site, R.randint(1000, 9999), rhex(32).upper(), elq, R.randint(100, 999)), label, 'Oracle')
m.footer('Brightline Software, Stockholm')
m.pixel('https://s%s.t.eloqua.com/e/FooterImages/FooterImage1?elq=%s&siteid=%s' % (site, elq, site), 'Oracle')

# 14 Oracle Responsys -----------------------------------------------------------------------------------------
u = 'oliver.wright@example.com'
m = Mail('14-responsys.eml', 'tracker', ['oracle-responsys'],
         'Outdoor Collective <hello@outdoor-collective.example>', u, 'Members weekend: 25% off')
m.img('https://static.cdn.responsys.net/i5/responsysimages/outdoorco/contentlibrary/2026/nov/hero.jpg', 600,
      330, 'Campfire by a lake')
m.p('Members save 25% on tents and sleeping bags this weekend only.')
ri = 'X0Gzc2X%3DAQpglLjHJlTQG' + rtok(40)
for label in ['Shop the sale', 'Store locator']:
    m.tl('https://e.outdoorcollective-news.example/pub/cc?_ri_=%s&_ei_=%s' % (ri + rtok(6), rtok(30)), label,
         'Oracle', button=(label.startswith('Shop')))
m.footer('Outdoor Collective, Denver')
m.pixel('https://e.outdoorcollective-news.example/pub/as?_ri_=%s&_ei_=%s' % (ri, rtok(30)), 'Oracle')

# 15 Adobe Campaign -------------------------------------------------------------------------------------------
u = 'camille.roux@example.com'
m = Mail('15-adobe-campaign.eml', 'tracker', ['adobe-campaign'],
         'Fleurs de Saison <newsletter@fleurs-de-saison.example>', u, 'Bouquets de l\'Avent', lang='fr')
m.img('https://www.fleurs-de-saison.example/media/newsletter/avent-2026.jpg', 600, 300, 'Bouquet de houx')
m.p('Chaque dimanche de l\'Avent, un bouquet différent livré chez vous. Abonnement de quatre semaines.')
dl = 'h%s' % rhex(7)
for i, label in enumerate(['Je m\'abonne', 'Voir les bouquets']):
    m.tl('https://t.mail.fleursdesaison-news.example/r/?id=%s,%s,%s' % (dl, rhex(7), rhex(7)), label, 'Adobe',
         button=(i == 0))
m.footer('Fleurs de Saison, Bordeaux')
m.pixel('https://t.mail.fleursdesaison-news.example/r/?id=%s,%s,1' % (dl, rhex(7)), 'Adobe')

# 16 Iterable -------------------------------------------------------------------------------------------------
u = 'kenji.watanabe@example.com'
m = Mail('16-iterable.eml', 'tracker', ['iterable'], 'Rydr <rides@rydr.example>', u, 'Your November ride summary')
m.img('https://assets.rydr.example/email/summary-map.png', 560, 280, 'Map of your rides')
m.p('You took 14 rides and saved about 9 kg of CO2 compared with driving.')
t_, mm_ = rhex(32), rhex(32)
m.tl('https://links.rydr-mail.example/a/click?_t=%s&_m=%s&_e=%s' % (t_, mm_, rtok(90)), 'See details', 'Iterable',
     button=True)
m.footer('Rydr BV, Rotterdam')
m.pixel('https://links.rydr-mail.example/e/eo?_t=%s&_m=%s&_e=%s' % (t_, mm_, rtok(90)), 'Iterable')

# 17 Customer.io ----------------------------------------------------------------------------------------------
u = 'eva.kowalski@example.com'
m = Mail('17-customer-io.eml', 'tracker', ['customer-io'], 'Tasklane <product@tasklane.example>', u,
         'Tip: keyboard shortcuts in Tasklane')
m.p('Press K to open the command bar from anywhere, and G then I to jump to your inbox.')
tok_alpha = string.ascii_letters + string.digits + '_-'
m.tl('https://e.customeriomail.com/e/c/eyJlbWFpbF9pZCI6I%s' % rtok(140, tok_alpha), 'All shortcuts', 'Customer.io',
     button=True)
m.footer('Tasklane Inc., Toronto', 'https://tasklane.example/settings/email')
m.pixel('https://e.customeriomail.com/e/o/eyJlbWFpbF9pZCI6I%s' % rtok(60, tok_alpha), 'Customer.io')

# 18 Acoustic -------------------------------------------------------------------------------------------------
u = 'henri.lambert@example.com'
m = Mail('18-acoustic.eml', 'tracker', ['acoustic'], 'Banque Horizon <infos@banque-horizon.example>', u,
         'Votre relevé est disponible', lang='fr')
m.img('https://www.banque-horizon.example/static/mail/logo.png', 180, 50, 'Banque Horizon')
m.p('Votre relevé de compte de novembre est disponible dans votre espace client.')
m.tl('https://links.mkt51.net/ctt?kn=3&ms=%s&r=%s&b=0&j=%s&mt=1&rt=0' % (rtok(12), rtok(14), rtok(14)),
     'Accéder à mon espace', 'Acoustic', button=True)
m.footer('Banque Horizon, Paris')
m.pixel('https://open.mkt51.net/open/log/%d/%s/0/%s/1/0' % (R.randint(1000000, 9999999), rtok(14), rtok(14)),
        'Acoustic')

# 19 Emarsys --------------------------------------------------------------------------------------------------
u = 'felix.wagner@example.com'
m = Mail('19-emarsys.eml', 'tracker', ['emarsys'], 'Modehaus Berg <service@modehaus-berg.example>', u,
         'Neue Wintermäntel eingetroffen', lang='de')
m.img('https://www.modehaus-berg.example/media/mail/mantel-2026.jpg', 600, 360, 'Wintermantel')
m.p('Unsere neuen Wollmäntel sind da – in sechs Farben und mit kostenloser Änderung.')
for label in ['Jetzt entdecken', 'Filiale finden']:
    m.tl('https://link.modehausberg-news.example/u/nrd.php?p=%s_%d_%d_1_%d&ems_l=%d' % (
        rtok(10), R.randint(1000, 9999), R.randint(100000, 999999), R.randint(1, 9), R.randint(1000, 9999)), label,
        'SAP', button=(label.startswith('Jetzt')))
m.footer('Modehaus Berg GmbH, München')
m.pixel('https://link.modehausberg-news.example/mo/%s_%d.gif' % (rtok(24), R.randint(100000, 999999)), 'SAP')

# 20 Selligent ------------------------------------------------------------------------------------------------
u = 'sara.lindqvist@example.com'
m = Mail('20-selligent.eml', 'tracker', ['selligent'], 'Assurance Plus <contact@assurance-plus.example>', u,
         'Votre attestation 2027', lang='fr')
m.p('Votre attestation d\'assurance habitation pour 2027 est prête. Téléchargez-la depuis votre espace.')
m.tl('https://news.assuranceplus-mail.example/optiext/optiextension.dll?ID=%s' % rtok(60, tok_alpha),
     'Télécharger mon attestation', 'Marigold', button=True)
m.footer('Assurance Plus, Lyon')
m.pixel('https://news.assuranceplus-mail.example/optiext/optiextension.dll?ID=%s' % rtok(60, tok_alpha),
        'Marigold')

# 21 Sailthru -------------------------------------------------------------------------------------------------
u = 'ruth.cohen@example.com'
m = Mail('21-sailthru.eml', 'tracker', ['sailthru'], 'The Morning Ledger <daily@morningledger.example>', u,
         'Tuesday: rates, rail strikes and a comet')
m.h('Today in three minutes')
for story, path in [('Central bank holds rates', 'markets/rates-hold'), ('Rail strike called off', 'uk/rail'),
                    ('A comet you can see tonight', 'science/comet')]:
    dst = 'https://www.morningledger.example/%s' % path
    m.tl('https://link.morningledger-mail.example/click/%d.%d/%s/%s' % (
        R.randint(10000000, 99999999), R.randint(1000, 9999),
        _b64.urlsafe_b64encode(dst.encode()).decode().rstrip('='), rhex(24)), story, 'Marigold', dest=dst)
m.footer('The Morning Ledger, London')
m.pixel('https://link.morningledger-mail.example/img/%s/s.gif' % rhex(24), 'Marigold')

# 22 Postmark -------------------------------------------------------------------------------------------------
u = 'victor.almeida@example.com'
m = Mail('22-postmark.eml', 'tracker', ['postmark'], 'Invoicely <billing@invoicely.example>', u,
         'Invoice INV-20461 is due on 30 November')
m.p('Invoice INV-20461 for 240.00 € is due on 30 November. You can pay by card or bank transfer.')
m.tl('https://click.pstmrk.it/3s/www.invoicely.example%%2Fpay%%2FINV-20461/%s/%s/1/%s' % (rtok(4), rtok(6),
                                                                                          rtok(10)),
     'Pay invoice', 'ActiveCampaign', button=True)
m.footer('Invoicely, Porto')
m.pixel('https://ea.pstmrk.it/open?m=v3_1.%s.%s&sig=%s' % (rtok(22), rtok(60), rtok(20)), 'ActiveCampaign')

# 23 SparkPost ------------------------------------------------------------------------------------------------
u = 'hugo.martin@example.com'
m = Mail('23-sparkpost.eml', 'tracker', ['sparkpost'], 'Torréfaction Nord <cafe@torrefaction-nord.example>', u,
         'Nouvel arrivage : Éthiopie Guji', lang='fr')
m.img('https://www.torrefaction-nord.example/img/mail/guji.jpg', 600, 300, 'Grains de café')
m.p('Notes de pêche blanche et de jasmin. Torréfié le lundi, expédié le mardi.')
m.tl('https://post.sparkpostmail.com/f/a/%s~~/AAAAAQA~/RgRn%s' % (rtok(22, tok_alpha), rtok(80, tok_alpha)),
     'Commander', 'Bird', button=True)
m.footer('Torréfaction Nord, Lille')
m.pixel('https://post.sparkpostmail.com/q/%s~~/AAAAAQA~/RgRn%s' % (rtok(22, tok_alpha), rtok(80, tok_alpha)),
        'Bird')

# 24 ActiveCampaign -------------------------------------------------------------------------------------------
u = 'julia.svensson@example.com'
m = Mail('24-activecampaign.eml', 'tracker', ['activecampaign'], 'Studio Asana <namaste@studio-asana.example>', u,
         'December class schedule')
m.img('https://content.app-us1.com/%s/2026/11/20/%s.jpeg' % (rtok(6), ruuid()), 600, 300, 'Yoga studio')
m.p('New early-morning flow on Tuesdays and a restorative class every Sunday evening.')
dst = 'https://www.studio-asana.example/schedule'
import urllib.parse as _up
red = _b64.b64encode(_up.quote(dst, safe='').encode()).decode()
m.tl('https://studioasana.lt.acemlnb.com/Prod/link-tracker?redirectUrl=%s&sig=%s&iat=1763900000&a=%%7C%%7C25123456'
     '%%7C%%7C&account=studioasana%%2Eactivehosted%%2Ecom&email=%s&s=%s&i=120A150A5A980' % (
         red, rhex(64), rtok(40), rhex(32)), 'See the schedule', 'ActiveCampaign', dest=dst, button=True)
m.footer('Studio Asana, Malmö')
m.pixel('https://studioasana.activehosted.com/lt.php?s=%s&i=120A150A5A980&l=open' % rhex(32), 'ActiveCampaign')

# 25 Kit (ConvertKit) -----------------------------------------------------------------------------------------
u = 'mateo.silva@example.com'
m = Mail('25-convertkit.eml', 'tracker', ['convertkit'], 'Clay Journal <issue@clayjournal.example>', u,
         'Issue 48: glazes that crawl on purpose')
m.p('This week: crawl glazes, a studio visit in Kyoto and three kilns readers built themselves.')
dst = 'https://www.clayjournal.example/issue/48'
ck = rtok(20).lower()
m.tl('https://click.convertkit-mail2.com/%s/%s/%s' % (ck, rtok(16).lower(),
                                                      _b64.b64encode(dst.encode()).decode().rstrip('=')),
     'Read issue 48 on the web', 'Kit', dest=dst)
m.footer('Clay Journal', 'https://unsubscribe.convertkit-mail2.com/%s' % ck)
m.pixel('https://open.convertkit-mail2.com/%s' % ck, 'Kit')

# 26 Substack -------------------------------------------------------------------------------------------------
u = 'leila.haddad@example.com'
m = Mail('26-substack.eml', 'tracker', ['substack'], 'Slow Cities <slowcities@slowcities.example>', u,
         'The bench census')
m.img('https://substackcdn.com/image/fetch/w_1100,c_limit,f_auto,q_auto:good,fl_progressive:steep/https%3A%2F%2F'
      'substack-post-media.s3.amazonaws.com%2Fpublic%2Fimages%2F' + ruuid() + '_1200x800.jpeg', 600, 400,
      'A bench in a park')
m.p('We counted every public bench in four neighbourhoods. Here is what we learned about who gets to sit.')
m.tl('https://substack.com/redirect/2/eyJlIjoiaHR0cHM6Ly9zbG93Y2l0aWVzLnN1YnN0YWNrLmNvbS9wL3RoZS1iZW5jaC1jZW5zdXMi'
     'LCJwIjoxNTUsInMiOjIwMSwiZiI6dHJ1ZSwidSI6OTk5LCJpYXQiOjE3NjM5MDAwMDB9.' + rtok(43, tok_alpha),
     'Read on the web', 'Substack', button=True)
m.footer('Slow Cities', 'https://substack.com/redirect/2/eyJlIjoiaHR0cHM6Ly9zbG93Y2l0aWVzLnN1YnN0YWNrLmNvbS9hY2Nv'
         'dW50In0.' + rtok(43, tok_alpha), 'Unsubscribe')
m.links.append((m.text[-2].split(': ', 1)[1], 'Substack', None))
m.pixel('https://eotrx.substackcdn.com/open?token=%s&token=%s' % (rtok(120, tok_alpha), rtok(30, tok_alpha)),
        'Substack')

# 27 Mailtrack ------------------------------------------------------------------------------------------------
u = 'anna.berg@example.com'
m = Mail('27-mailtrack.eml', 'tracker', ['mailtrack'], 'Marc Vidal <marc.vidal@consultex.example>', u,
         'Re: proposition pour le projet intranet', lang='fr')
m.p('Bonjour Anna,')
m.p('Comme convenu, voici notre proposition. La démo est disponible en ligne si vous voulez la parcourir avant '
    'notre appel de jeudi.')
dst = 'https://www.consultex.example/demo/intranet'
m.tl('https://mailtrack.io/trace/link/%s?url=%s&userId=%d&signature=%s' % (
    rhex(40), _up.quote(dst, safe=''), R.randint(1000000, 9999999), rhex(16)), 'Voir la démo', 'Mailsuite', dest=dst)
m.p('Bien cordialement, Marc')
m.pixel('https://mailtrack.io/trace/mail/%s.png?u=%d' % (rhex(40), R.randint(1000000, 9999999)), 'Mailsuite',
        w=0, h=0, style='border:0;width:0;height:0;overflow:hidden')

# 28 Yesware --------------------------------------------------------------------------------------------------
u = 'peter.novak@example.com'
m = Mail('28-yesware.eml', 'tracker', ['yesware'], 'Rachel Green <rachel@salesforward.example>', u,
         'Quick follow-up on our call')
m.p('Hi Peter, thanks again for the call. Here is a link to pick a time for the technical deep-dive.')
dst = 'https://meet.salesforward.example/rachel/30min'
m.tl('https://t.yesware.com/tl/%s/%s/%s?ytl=%s' % (rhex(40), rhex(32), rhex(32), _up.quote(dst, safe='')),
     'Book a slot', 'Yesware', dest=dst)
m.p('Best, Rachel')
m.pixel('https://t.yesware.com/t/%s/%s/spacer.gif' % (rhex(40), rhex(32)), 'Yesware', w=0, h=0,
        style='border:0;width:0;min-height:0')

# 29 HubSpot Sales --------------------------------------------------------------------------------------------
u = 'ming.zhao@example.com'
m = Mail('29-hubspot-sales.eml', 'tracker', ['hubspot-sales'], 'Ben Carter <ben@growthpartners.example>', u,
         'Case studies you asked for')
m.p('Hi Ming, as promised here are the two case studies from logistics clients.')
dst = 'https://www.growthpartners.example/case-studies'
pi = ruuid()
m.tl('https://t.sidekickopen04.com/s3t/c/5/%s?te=%s&si=%d&pi=%s' % (rtok(70), rtok(80), R.randint(10**15, 10**16),
                                                                    pi), 'Case studies', 'HubSpot')
m.tl('https://t.sidekickopen04.com/e1t/c/5/%s?t=%s&si=%d&pi=%s' % (rtok(70), _up.quote(dst, safe=''),
                                                                   R.randint(10**15, 10**16), pi),
     'Logistics overview', 'HubSpot', dest=dst)
m.p('Cheers, Ben')
m.pixel('https://t.sidekickopen04.com/e1t/o/5/%s?si=%d&pi=%s' % (rtok(70), R.randint(10**15, 10**16), pi),
        'HubSpot', style='display:none!important')

# 30 Superhuman -----------------------------------------------------------------------------------------------
u = 'chloe.dubois@example.com'
m = Mail('30-superhuman.eml', 'tracker', ['superhuman'], 'Nathan Price <nathan@foundry-labs.example>', u,
         'Lunch next week?')
m.p('Hey Chloé, are you free for lunch on Wednesday or Thursday? There is a new ramen place near the station.')
m.p('Nathan')
m.pixel('https://r.superhuman.com/%s.gif' % rtok(150, tok_alpha), 'Superhuman', w=1, h=0,
        style='display: none; border: 0px; width: 0px; height: 0px; overflow: hidden; visibility: hidden;',
        alt=' ')

# 31 Streak ---------------------------------------------------------------------------------------------------
u = 'omar.farouk@example.com'
m = Mail('31-streak.eml', 'tracker', ['streak'], 'Felix Garcia <felix.garcia@studio-exemple.example>', u,
         'Portfolio and rates')
m.p('Hi Omar, please find my portfolio below. Happy to discuss rates for the rebrand.')
dst = 'https://www.studio-exemple.example/portfolio'
m.tl('https://streaklinks.com/%s/%s' % (rtok(24, tok_alpha), _up.quote(dst, safe='')), 'Portfolio', 'Streak',
     dest=dst)
m.p('Felix')
m.pixel('https://mailfoogae.appspot.com/t?sender=a%s&type=zerocontent&guid=%s' % (
    _up.quote(_b64.b64encode(b'felix.garcia@studio-exemple.example').decode(), safe=''), ruuid()), 'Streak',
    w=0, h=0, style='border:0;width:0;height:0')

# 32 Mixmax ---------------------------------------------------------------------------------------------------
u = 'grace.kim@example.com'
m = Mail('32-mixmax.eml', 'tracker', ['mixmax'], 'Alex Turner <alex@dataroom.example>', u,
         'Pricing for 50 seats')
m.p('Hi Grace, here is the pricing sheet for 50 seats, valid until the end of the year.')
m.tl('https://links.mixmax.com/b/%s' % rtok(40, tok_alpha), 'Pricing sheet', 'Mixmax')
m.p('Alex')
m.pixel('https://track.mixmax.com/api/track/v2/%s/%s' % (rtok(32), rtok(32)), 'Mixmax', w=1, h=1)

# 33 Intercom -------------------------------------------------------------------------------------------------
u = 'lena.fischer@example.com'
m = Mail('33-intercom.eml', 'tracker', ['intercom'], 'Sam from Planboard <support@planboard.example>', u,
         'Re: export to CSV is greyed out')
m.p('Hi Lena, export is only available to workspace admins. I have sent your admin a request to enable it.')
m.tl('https://intercom-mail.com/via/e?ob=%s&h=%s-%d&l=%s' % (rtok(40), rhex(40), R.randint(10**11, 10**12),
                                                            rtok(24)), 'Permissions help article', 'Intercom')
m.p('Sam, Planboard support')
m.pixel('https://intercom-mail.com/via/o?h=%s-%d' % (rhex(40), R.randint(10**11, 10**12)), 'Intercom')

# 34 LinkedIn (first party) -----------------------------------------------------------------------------------
u = 'david.mensah@example.com'
m = Mail('34-linkedin.eml', 'tracker', ['linkedin-email'], 'LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>',
         u, '3 new jobs for "data engineer"')
FIRST_PARTY['34-linkedin.eml'] = ('LinkedIn',)
for title, jid in [('Data Engineer – Logistics', 4012345678), ('Senior Data Engineer', 4012345999)]:
    m.tl('https://www.linkedin.com/comm/jobs/view/%d/?trackingId=%s&refId=%s&lipi=urn%%3Ali%%3Apage%%3Aemail_'
         'email_job_alert_digest_01%%3B%s&midToken=AQH%s&midSig=1%s&trk=eml-email_job_alert_digest_01-job_card-0-'
         'view_job&trkEmail=eml-email_job_alert_digest_01-job_card-0-view_job-null-%s' % (
             jid, rtok(22), rtok(22), rtok(22), rtok(30), rtok(20), rtok(12)), title, 'LinkedIn')
m.footer('LinkedIn Ireland Unlimited Company, Dublin')
m.pixel('https://www.linkedin.com/emimp/ip_%s::%s:' % (rtok(40), rtok(36)), 'LinkedIn')

# 35 Facebook -------------------------------------------------------------------------------------------------
u = 'rosa.jimenez@example.com'
m = Mail('35-facebook.eml', 'tracker', ['facebook-email'], 'Facebook <notification@facebookmail.com>', u,
         'Marta shared a memory with you')
midv = '%sG%sG%sG%s' % (rhex(13), rhex(12), rhex(13), rhex(4))
m.tl('https://www.facebook.com/n/?memories%%2F&aref=%d&medium=email&mid=%s&n_m=%s&rms=v2&irms=true' % (
    R.randint(10**15, 10**16), midv, _up.quote(u, safe='').replace('%40', '%40')), 'See memory', 'Meta',
    button=True)
# the n_m parameter above would carry the address: keep it out (links with the address are not the point here)
m.links.pop()
m.blocks.pop()
m.text.pop()
m.tl('https://www.facebook.com/n/?memories%%2F&aref=%d&medium=email&mid=%s&rms=v2&irms=true' % (
    R.randint(10**15, 10**16), midv), 'See memory', 'Meta', button=True)
m.footer('Meta Platforms Ireland Ltd., Dublin')
m.pixel('https://www.facebook.com/email_open_log_pic.php?mid=%s' % midv, 'Meta', w=1, h=1)

# 36 Google Analytics + Weborama (Bouygues-like) ---------------------------------------------------------------
u = 'benoit.caron@example.com'
e36 = enc(u)
m = Mail('36-ga-weborama.eml', 'tracker', ['google-analytics', 'weborama', 'adobe-campaign'],
         'Opérateur Exemple <offres@operateur-exemple.example>', u, 'Votre forfait passe à 200 Go', lang='fr')
m.img('https://img.operateur-exemple.example/nl/2026-11/bandeau-200go.jpg', 600, 250, 'Forfait 200 Go')
m.p('Bonne nouvelle : votre forfait mobile passe à 200 Go sans changement de prix à partir du 1er décembre.')
for label in ['Découvrir mon nouveau forfait', 'Mon espace client']:
    m.tl('https://clic.operateurexemple-mail.example/r/?id=h%s,%s,%s' % (rhex(7), rhex(7), rhex(7)), label, 'Adobe',
         button=label.startswith('Découvrir'))
m.footer('Opérateur Exemple SA, Paris')
m.pixel('https://www.google-analytics.com/collect?v=1&tid=UA-48216379-2&cid=%s&t=event&ec=email&ea=open'
        '&el=nl_forfait_200go&cs=newsletter&cm=email&cn=forfait-200go-2026-11' % ruuid(), 'Google')
m.pixel('https://operateurexemple.solution.weborama.fr/fcgi-bin/dispatch.fcgi?a.A=ev&a.si=4521&a.te=1187&a.aap=1'
        '&a.agi=952&g.ra=4&d.em=%s' % e36['sha256'], 'Weborama', leak='sha256')

# 37 LiveIntent (md5) -----------------------------------------------------------------------------------------
u = 'irene.papadopoulos@example.com'
e37 = enc(u)
m = Mail('37-liveintent.eml', 'tracker', ['liveintent'], 'Daily Brief <today@dailybrief.example>', u,
         'Five things to know this morning')
for s in ['Parliament passes the housing bill after a late-night session.',
          'Heavy snow expected in the Alps from Thursday.',
          'The national team names its squad for the spring friendlies.']:
    m.p(s)
m.raw('<tr><td align="center" style="padding:8px;font:10px Arial;color:#999">ADVERTISEMENT</td></tr>')
m.ad_img('https://c.licasd.com/ads/%s/%s.png' % (rhex(32), rhex(32)), 'LiveIntent', 300, 250, 'Advertisement',
         href='https://i.liadm.com/click?s=%d&li=nl&p=1&c=%s' % (R.randint(100000, 999999), rtok(40)))
m.footer('Daily Brief Media, Manchester')
m.pixel('https://i.liadm.com/imp?s=%d&li=nl&p=1&e=%s' % (R.randint(100000, 999999), e37['md5']), 'LiveIntent',
        leak='md5')

# 38 PowerInbox (sha1) ----------------------------------------------------------------------------------------
u = 'samuel.levy@example.com'
e38 = enc(u)
m = Mail('38-powerinbox.eml', 'tracker', ['powerinbox'], 'Recipe Box <recipes@recipebox.example>', u,
         'Weeknight dinners: 5 one-pan recipes')
m.p('Lemon chicken with olives, a spicy chickpea traybake and three more dinners that only dirty one pan.')
m.a('https://www.recipebox.example/collections/one-pan', 'Get the recipes')
m.raw('<tr><td align="center" style="padding:8px;font:10px Arial;color:#999">Sponsored</td></tr>')
sid = R.randint(1000, 9999)
m.ad_img('https://stripe.rs-stripe.com/stripe/image?cs_email=%s&cs_stripeid=%d&cs_offset=0&cs_containertype=1'
         '&cs_esp=sendgrid&cs_imageformat=gif' % (e38['sha1'], sid), 'PowerInbox', 600, 160, 'Sponsored content',
         href='https://stripe.rs-stripe.com/stripe/redirect?cs_stripeid=%d&cs_offset=0&cs_containertype=1&cs_ad=%s'
              % (sid, rhex(12)))
m.leaks.append({'url': m.pixels[-1][0], 'encoding': 'sha1', 'company': 'PowerInbox'})
m.footer('Recipe Box, Austin', 'https://www.recipebox.example/unsubscribe')

# 39 DoubleClick ----------------------------------------------------------------------------------------------
u = 'tomas.horvat@example.com'
m = Mail('39-doubleclick.eml', 'tracker', ['doubleclick'], 'Alpine Magazine <redaktion@alpine-mag.example>', u,
         'Die schönsten Skitouren im Dezember', lang='de')
m.img('https://www.alpine-mag.example/bilder/newsletter/skitour.jpg', 600, 320, 'Skitour im Pulverschnee')
m.p('Fünf Touren für den Frühwinter, dazu ein Lawinen-Update und Tipps zum Kauf von Fellen.')
m.a('https://www.alpine-mag.example/touren/dezember', 'Zu den Touren')
m.ad_img('https://ad.doubleclick.net/ddm/ad/N1234.5678ALPINEMAG/B2345678.345678901;sz=600x200;ord=20261123;'
         'dc_lat=;dc_rdid=;tag_for_child_directed_treatment=;tfua=', 'Google', 600, 200, 'Anzeige',
         href='https://ad.doubleclick.net/ddm/clk/456789012;345678901;x')
m.footer('Alpine Magazin Verlag, Innsbruck', 'https://www.alpine-mag.example/newsletter/abmelden')

# 40 Spam token tracker ---------------------------------------------------------------------------------------
u = 'mario.bianchi@example.com'
m = Mail('40-spam-track-token.eml', 'tracker', ['spam-track-token'], 'Suivi Colis <info@colis-avis.example>', u,
         'Votre colis est en attente de livraison', lang='fr')
m.p('Votre colis n\'a pas pu être livré. Des frais de 1,99 € sont nécessaires pour reprogrammer la livraison.')
m.tl('http://promo-suivi-colis.example/t/4%s' % rtok(60), 'Reprogrammer la livraison', 'promo-suivi-colis.example',
     button=True)
m.tl('http://promo-suivi-colis.example/t/5%s' % rtok(60), 'Se désinscrire', 'promo-suivi-colis.example')
m.pixel('http://promo-suivi-colis.example/track/o%d%s%d%s' % (R.randint(10000, 99999), rtok(20),
                                                             R.randint(10**7, 10**8), rtok(18)),
        'promo-suivi-colis.example')

# 41 Spam numeric shape ---------------------------------------------------------------------------------------
u = 'karin.olsen@example.com'
m = Mail('41-spam-md-shape.eml', 'tracker', ['spam-md-shape'], 'Gagnant <prix@jackpot-notice.example>', u,
         'You have been selected for a reward')
ids = '/%d_md/%d/%d/%d/%d/%d' % (R.randint(1000, 9999), R.randint(10, 99), R.randint(1000, 9999),
                                 R.randint(100, 999), R.randint(1, 9), R.randint(100000, 999999))
m.img('http://reward-zone-now.example/images/gift-card.jpg', 500, 300, 'Gift card', href='http://reward-zone-now'
      '.example/cl' + ids)
m.links.append(('http://reward-zone-now.example/cl' + ids, 'reward-zone-now.example', None))
m.text.append('Claim: http://reward-zone-now.example/cl' + ids)
m.p('Complete a short survey to claim your reward. Offer valid 24 hours.')
m.tl('http://reward-zone-now.example/un' + ids, 'Unsubscribe', 'reward-zone-now.example')
m.pixel('http://reward-zone-now.example/op' + ids, 'reward-zone-now.example')

# 42 MailWizz -------------------------------------------------------------------------------------------------
u = 'pierre.girard@example.com'
m = Mail('42-mailwizz.eml', 'tracker', ['mailwizz'], 'Wellness Promo <info@wellness-promo.example>', u,
         'Detox programme: 40% off this week')
camp, sub = rtok(13, string.ascii_lowercase + string.digits), rtok(13, string.ascii_lowercase + string.digits)
m.img('https://www.wellness-promo.example/img/detox.jpg', 600, 300, 'Detox tea')
m.p('Our 21-day programme is 40% off until Sunday.')
m.tl('https://mail.wpromo-sender.example/index.php/campaigns/%s/track-url/%s/%s' % (camp, sub, rhex(40)),
     'Order now', 'wpromo-sender.example', button=True)
m.footer('Wellness Promo', 'https://mail.wpromo-sender.example/index.php/lists/%s/unsubscribe/%s/%s' % (
    rtok(13, string.ascii_lowercase + string.digits), sub, camp))
m.pixel('https://mail.wpromo-sender.example/index.php/campaigns/%s/track-opening/%s' % (camp, sub),
        'wpromo-sender.example')

# 43 Mautic ---------------------------------------------------------------------------------------------------
u = 'alice.mercier@example.com'
m = Mail('43-mautic.eml', 'tracker', ['mautic'], 'CRM Logiciel <contact@crm-logiciel.example>', u,
         'Invitation : atelier automatisation', lang='fr')
m.p('Nous organisons un atelier en ligne le 11 décembre sur l\'automatisation des relances clients.')
m.tl('https://marketing.logicielcrm-auto.example/r/%s?ct=%s' % (rhex(24), rtok(80) + '%3D'), 'Je m\'inscris',
     'Mautic', button=True)
m.footer('CRM Logiciel, Rennes')
m.pixel('https://marketing.logicielcrm-auto.example/email/%s.gif' % rhex(24), 'Mautic')

# 44 phpList --------------------------------------------------------------------------------------------------
u = 'jean.perrin@example.com'
m = Mail('44-phplist.eml', 'tracker', ['phplist'], 'Association du Quartier <bureau@quartier-asso.example>', u,
         'Marché de Noël : appel aux bénévoles', lang='fr')
m.p('Le marché de Noël aura lieu le 13 décembre. Nous cherchons des bénévoles pour l\'installation et la buvette.')
m.tl('https://lists.asso-quartier-listes.example/lists/lt.php?tid=%s' % rtok(60, tok_alpha), 'Je me porte bénévole',
     'phpList')
m.footer('Association du Quartier, Grenoble')
m.pixel('https://lists.asso-quartier-listes.example/lists/ut.php?u=%s&m=27' % rhex(32), 'phpList')

# 45 listmonk -------------------------------------------------------------------------------------------------
u = 'wei.chen@example.com'
m = Mail('45-listmonk.eml', 'tracker', ['listmonk'], 'Open Source Club <news@osclub.example>', u,
         'Meetup #31: Rust on microcontrollers')
cu, su = ruuid(), ruuid()
m.p('Our next meetup is on 10 December. Two talks: Rust on microcontrollers, and packaging for distributions.')
m.tl('https://lists.osclub-mail.example/link/%s/%s/%s' % (ruuid(), cu, su), 'Register', 'listmonk', button=True)
m.footer('Open Source Club', 'https://lists.osclub-mail.example/subscription/%s/%s' % (cu, su))
m.pixel('https://lists.osclub-mail.example/campaign/%s/%s/px.png' % (cu, su), 'listmonk')

# 46 Adobe Analytics (urlencoded leak) ------------------------------------------------------------------------
u = 'marta.nowak@example.com'
e46 = enc(u)
m = Mail('46-adobe-analytics.eml', 'tracker', ['adobe-analytics'], 'Shopnet <news@shopnet.example>', u,
         'Black Friday starts now')
m.img('https://media.shopnet.example/mail/bf-2026.jpg', 600, 300, 'Black Friday')
m.p('Up to 50% off electronics, home and garden until Monday midnight.')
m.a('https://www.shopnet.example/black-friday', 'Shop the deals')
m.footer('Shopnet Ltd, Birmingham', 'https://www.shopnet.example/preferences')
m.pixel('https://smetrics.shopnet-analytics.example/b/ss/shopnetglobal/1/G.4--NS/0?AQB=1&pageName=email%%3Aopen'
        '&v12=%s&c5=bf2026&AQE=1' % e46['urlencoded'], 'Adobe', leak='urlencoded')

# 47 Criteo (base64) ------------------------------------------------------------------------------------------
u = 'helene.roussel@example.com'
e47 = enc(u)
m = Mail('47-criteo.eml', 'tracker', ['criteo'], 'Maison Déco <bonjour@maison-deco.example>', u,
         'Votre panier vous attend', lang='fr')
m.img('https://www.maison-deco.example/images/mail/lampe-laiton.jpg', 300, 300, 'Lampe en laiton')
m.p('La lampe en laiton est toujours dans votre panier. Livraison offerte jusqu\'à dimanche.')
m.a('https://www.maison-deco.example/panier', 'Finaliser ma commande')
m.footer('Maison Déco, Toulouse')
m.pixel('https://sslwidget.criteo.com/event?a=43210&v=5.23.0&p0=e%%3Dexd&p1=e%%3Dvb&em=%s' % _up.quote(
    e47['base64'], safe=''), 'Criteo', leak='base64')

# 48 LiveRamp (base64url, no padding) -------------------------------------------------------------------------
u = 'noah.schneider@example.com'
e48 = enc(u)
m = Mail('48-liveramp.eml', 'tracker', ['liveramp'], 'Velo Weekly <weekly@veloweekly.example>', u,
         'Gravel bikes under 1500 €')
m.p('We tested eight gravel bikes under 1500 €. Two surprised us.')
m.a('https://www.veloweekly.example/tests/gravel-under-1500', 'Read the test')
m.footer('Velo Weekly, Utrecht', 'https://www.veloweekly.example/newsletter/unsubscribe')
m.pixel('https://idsync.rlcdn.com/712345.gif?partner_uid=%s' % e48['base64url'], 'LiveRamp', leak='base64url')

# 49 Throtle (sha256 upper-case) ------------------------------------------------------------------------------
u = 'eleanor.price@example.com'
e49 = enc(u)
m = Mail('49-throtle.eml', 'tracker', ['throtle'], 'Home Finance Tips <tips@homefinance-tips.example>', u,
         'Mortgage rates this week')
m.p('Fixed rates fell slightly this week. Here is what that means if you are remortgaging in spring.')
m.a('https://www.homefinance-tips.example/rates/weekly', 'Read more')
m.footer('Home Finance Tips, Bristol')
m.pixel('https://thrtle.com/insync?vxii_pid=10034&vxii_pdid=%s' % e49['sha256-upper'], 'Throtle',
        leak='sha256')

# 50 Mixpanel (base64-embedded JSON) --------------------------------------------------------------------------
u = 'arjun.mehta@example.com'
e50 = enc(u)
payload = json.dumps({'event': 'Email Open', 'properties': {'token': rhex(32), 'distinct_id': u,
                                                            'campaign': 'onboarding-3'}}, separators=(',', ':'))
m = Mail('50-mixpanel.eml', 'tracker', ['mixpanel'], 'Formly <hello@formly.example>', u,
         'Day 3: share your first form')
m.p('Your form is ready. Share it with a link or embed it on your website in two clicks.')
m.a('https://app.formly.example/forms', 'Open my forms')
m.footer('Formly, Warsaw')
m.pixel('https://api.mixpanel.com/track?data=%s&ip=1&img=1' % _up.quote(_b64.b64encode(payload.encode())
                                                                       .decode(), safe=''),
        'Mixpanel', leak='base64-embedded')

# 51 Generic open counter (plain address) ---------------------------------------------------------------------
u = 'luca.romano@example.com'
m = Mail('51-spam-open-php.eml', 'tracker', ['spam-open-query', 'spam-redirect-token'], 'Mega Promo <deals@mega-promo.example>', u,
         'Last chance: 70% off watches')
m.img('http://img.mega-promo.example/watches.jpg', 600, 300, 'Watches')
m.p('Luxury-style watches at 70% off. Only today.')
m.tl('http://stat.megapromo-express.example/click.php?c=8841&url=http%3A%2F%2Fshop.mega-promo.example%2Fwatches',
     'Shop now', 'megapromo-express.example', dest='http://shop.mega-promo.example/watches', button=True)
m.pixel('http://stat.megapromo-express.example/open.php?email=%s&c=8841' % u, 'megapromo-express.example',
        leak='plain')

# 52 GovDelivery ----------------------------------------------------------------------------------------------
u = 'james.oconnor@example.com'
m = Mail('52-govdelivery.eml', 'tracker', ['govdelivery'], 'City of Riverton <news@riverton.example>', u,
         'Road closures this weekend')
m.p('Main Street between 3rd and 5th Avenue will be closed on Saturday for resurfacing.')
dst = 'https://www.riverton.example/roadworks'
m.tl('https://links.govdelivery.com:443/track?type=click&enid=%s&mailing=%d&message=%d&user=%d&url=%s' % (
    rtok(80), R.randint(10**7, 10**8), R.randint(10**7, 10**8), R.randint(10**7, 10**8), dst), 'Roadworks map',
    'Granicus', dest=dst)
m.footer('City of Riverton', 'https://public.govdelivery.com/accounts/RIVERTON/subscriber/edit?preferences=true')
m.pixel('https://links.govdelivery.com:443/track?type=open&enid=%s&msgid=%d&act=%s' % (
    rtok(80), R.randint(10**7, 10**8), rtok(4).upper()), 'Granicus')

# 53 iContact -------------------------------------------------------------------------------------------------
u = 'beatriz.santos@example.com'
m = Mail('53-icontact.eml', 'tracker', ['icontact'], 'Lakeside Dental <office@lakeside-dental.example>', u,
         'Time for your check-up')
m.p('It has been six months since your last visit. Book online in under a minute.')
dst = 'https://www.lakeside-dental.example/book'
m.tl('https://click.icptrack.com/icp/relay.php?r=%d&msgid=%d&act=%s&c=%d&pid=%d&destination=%s' % (
    R.randint(10**7, 10**8), R.randint(10**5, 10**6), rtok(4).upper(), R.randint(10**5, 10**6),
    R.randint(10**6, 10**7), _up.quote(dst, safe='')), 'Book an appointment', 'iContact', dest=dst, button=True)
m.footer('Lakeside Dental, Madison')
m.pixel('https://click.icptrack.com/icp/track.php?msgid=%d&act=%s&r=%d&c=%d' % (
    R.randint(10**5, 10**6), rtok(4).upper(), R.randint(10**7, 10**8), R.randint(10**5, 10**6)), 'iContact')

# =========================================================================================================
# Several companies, no leak
# =========================================================================================================
u = 'chiara.conti@example.com'
acct = rhex(25)
m = Mail('56-multi-mailchimp-ga.eml', 'tracker', ['mailchimp', 'google-analytics'],
         'Museo Civico <newsletter@museo-civico.example>', u, 'Mostre di dicembre', lang='it',
         list_unsub='https://museocivico.us8.list-manage.com/unsubscribe?u=%s&id=%s' % (acct, rhex(10)))
m.img('https://mcusercontent.com/%s/images/%s.jpg' % (acct, ruuid()), 600, 300, 'Sala delle mappe')
m.p('A dicembre apriamo la sala delle mappe antiche e le visite serali del giovedì.')
e = rhex(10)
for label in ['Programma delle visite', 'Biglietti']:
    m.tl('https://museocivico.us8.list-manage.com/track/click?u=%s&id=%s&e=%s' % (acct, rhex(10), e), label,
         'Intuit')
m.footer('Museo Civico, Bologna')
m.pixel('https://museocivico.us8.list-manage.com/track/open.php?u=%s&id=%s&e=%s' % (acct, rhex(10), e), 'Intuit')
m.pixel('https://www.google-analytics.com/collect?v=1&tid=UA-30517842-1&cid=%s&t=event&ec=email&ea=open&aip=1'
        % ruuid(), 'Google')

u = 'bruno.alves@example.com'
m = Mail('57-multi-braze-taboola.eml', 'tracker', ['braze', 'taboola'], 'Metro Daily <news@metrodaily.example>',
         u, 'Evening edition: the new tram line')
m.p('The new tram line opens on Monday. Here is the route, the timetable and what changes for buses.')
m.tl('https://ablink.news.metrodaily-mail.example/ss/c/%s/%s/h%d/%s' % (rtok(40, tok_alpha), rtok(30, tok_alpha),
                                                                       R.randint(100, 999), rtok(40, tok_alpha)),
     'Read the full story', 'Braze', button=True)
m.raw('<tr><td style="padding:8px 24px;font:11px Arial;color:#999">Recommended by Taboola</td></tr>')
m.ad_img('https://images.taboola.com/taboola/image/fetch/f_jpg%%2Cq_auto%%2Cw_300%%2Ch_200/%s' % rhex(32), 'Taboola',
         300, 200, 'Sponsored story', href='https://api.taboola.com/2.0/json/metrodaily-newsletter/recommendations.'
         'notify-click?app.type=email&app.apikey=%s&response.id=%s&item.id=%s' % (rhex(40), rhex(24), rhex(16)))
m.footer('Metro Daily, Lisbon')
m.pixel('https://ablink.news.metrodaily-mail.example/ss/o/%s/%s/h%d/%s.gif' % (
    rtok(40, tok_alpha), rtok(30, tok_alpha), R.randint(100, 999), rtok(40, tok_alpha)), 'Braze')

u = 'nina.horvath@example.com'
m = Mail('58-multi-klaviyo-meta-google.eml', 'tracker', ['klaviyo', 'meta-pixel', 'doubleclick'],
         'Sunny Socks <hello@sunnysocks.example>', u, 'Holiday bundle: 6 pairs for 30 €')
m.img('https://d3k81ch9hvuctc.cloudfront.net/company/%s/images/%s.png' % (rtok(6), ruuid()), 600, 300,
      'Colourful socks')
m.p('Six pairs of organic cotton socks in a gift box. Ships before Christmas if you order by the 18th.')
m.tl('https://ctrk.klclick.com/l/%s_%s' % (rtok(26).upper(), rhex(24)), 'Get the bundle', 'Klaviyo', button=True)
m.footer('Sunny Socks, Cork')
m.pixel('https://trk.klclick.com/o/%s/%s' % (rtok(26).upper(), rtok(40)), 'Klaviyo')
m.pixel('https://www.facebook.com/tr?id=%d&ev=PageView&noscript=1&cd%%5Bsource%%5D=email' % R.randint(10**14, 10**15),
        'Meta')
m.pixel('https://ad.doubleclick.net/ddm/activity/src=%d;type=email0;cat=open0;ord=%d' % (
    R.randint(10**6, 10**7), R.randint(10**9, 10**10)), 'Google')

# =========================================================================================================
# Unknown trackers: only heuristics can catch them
# =========================================================================================================
u = 'fatima.zahra@example.com'
m = Mail('54-heuristic-tiny-token.eml', 'heuristic', ['tiny-image+recipient-token'],
         'Urban Garden Supply <news@urbangarden.example>', u, 'Seeds for indoor winter growing')
m.img('https://www.urbangarden.example/img/mail/microgreens.jpg', 600, 300, 'Microgreens on a windowsill')
m.p('Microgreens, herbs and mushrooms you can grow indoors all winter.')
m.a('https://www.urbangarden.example/indoor', 'Shop indoor growing')
m.footer('Urban Garden Supply, Oslo')
m.pixel('https://px.newsmetrics-unknown.example/i/%s/b.gif' % rhex(32), 'newsmetrics-unknown.example')

u = 'igor.petrov@example.com'
m = Mail('55-heuristic-hidden-redirect.eml', 'heuristic', ['hidden-image+query', 'redirect-tracker'],
         'Shopflow <orders@shopflow.example>', u, 'You left something in your cart')
tok = rhex(32)
m.img('https://www.shopflow.example/img/mail/headphones.jpg', 300, 300, 'Wireless headphones')
m.p('Your wireless headphones are still in your cart. Complete your order before they sell out.')
dst = 'https://www.shopflow.example/cart'
m.tl('https://go.shopflow-metrics.example/x/%s?dest=%s' % (tok, _up.quote(dst, safe='')), 'Return to my cart',
     'shopflow-metrics.example', dest=dst, button=True)
m.footer('Shopflow, Tallinn')
m.pixel('https://events.shopflow-metrics.example/v1/e?uid=%s&evt=mail_view' % tok, 'shopflow-metrics.example',
        w=None, h=None, style='display:none')

# =========================================================================================================
# Clean mails
# =========================================================================================================
u = 'sophie.laurent@example.com'
m = Mail('60-clean-family-photos.eml', 'clean', [], 'Papa <jacques.laurent@famille-laurent.example>', u,
         'Photos de dimanche', lang='fr')
m.p('Coucou Sophie, voici quelques photos du déjeuner de dimanche. La tarte aux pommes était une réussite !')
m.img('https://photos.famille-laurent.example/albums/2026-11-dimanche/IMG_2041.jpg', 480, 360,
      'Déjeuner de famille')
m.a('https://photos.famille-laurent.example/albums/2026-11-dimanche/', 'tout l\'album', 'Le reste est dans')
m.p('Bises, Papa')

u = 'thomas.keller@example.com'
m = Mail('61-clean-meeting-notes.eml', 'clean', [], 'Ines Vogt <ines.vogt@ingenieurbuero-vogt.example>', u,
         'Notes from Tuesday\'s design review')
m.p('Hi Thomas, notes from the review are below. Action items are assigned in the shared document.')
m.p('1. Load tests for the new bracket by 5 December. 2. Supplier quote for aluminium. 3. Next review on the 16th.')
m.a('https://cloud.ingenieurbuero-vogt.example/s/Pr7kQm2xZ', 'Shared document')
m.p('Ines')

u = 'emma.jones@example.com'
m = Mail('62-clean-order-receipt.eml', 'clean', [], 'Corner Bookshop <orders@cornerbookshop.example>', u,
         'Receipt for order 10482')
m.raw('<tr><td style="padding:16px 24px"><img src="cid:logo.10482@cornerbookshop.example" width="140" '
      'height="40" alt="Corner Bookshop"></td></tr>')
m.p('Thank you for your order. 2 items, total 31.80 €. Collection from the shop from tomorrow 10:00.')
m.a('https://www.cornerbookshop.example/opening-hours', 'Opening hours')
m.raw('<tr><td style="padding:8px 24px"><img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAA'
      'BAAEAAAIBRAA7" width="1" height="1" alt=""></td></tr>')

u = 'lucas.moreno@example.com'
m = Mail('63-clean-mailing-list.eml', 'clean', [], 'Ana Ruiz <ana.ruiz@astro-club.example>', u,
         '[astro-club] Clear skies on Friday?')
m.p('Forecast looks good for Friday night. Meeting point at the observatory car park at 21:00.')
m.a('https://lists.astro-club.example/archives/astro-club/2026-November/001284.html', 'Thread archive')
m.a('https://lists.astro-club.example/listinfo/astro-club', 'List settings')

u = 'nadia.benali@example.com'
m = Mail('64-clean-invitation.eml', 'clean', [], 'Karim Benali <karim.benali@benali-family.example>', u,
         'Birthday dinner on the 6th')
m.p('Hi Nadia! We are booking a table for Mum\'s birthday on Saturday 6 December at 19:30.')
m.a('https://www.openstreetmap.org/?mlat=48.85837&mlon=2.29448#map=17/48.85837/2.29448', 'Map of the restaurant')
m.p('Let me know if you can make it. Karim')

u = 'oskar.lund@example.com'
m = Mail('65-clean-privacy-newsletter.eml', 'clean', [], 'Digital Rights Watch <letters@drw.example>', u,
         'Our December letter')
m.img('https://drw.example/static/letters/2026-12-header.png', 600, 180, 'Digital Rights Watch')
m.p('This month: the new data retention proposal, a court win on facial recognition, and how to help.')
m.a('https://drw.example/letters/2026-12', 'Read this letter on the web')
m.footer('Digital Rights Watch, Copenhagen', 'https://drw.example/letters/unsubscribe', 'Unsubscribe')

u = 'rebecca.stone@example.com'
m = Mail('66-clean-job-reply.eml', 'clean', [], 'Hiring Team <jobs@acme-robotics.example>', u,
         'Your application: Embedded Software Engineer')
m.p('Dear Rebecca, thank you for applying. We would like to invite you to a first interview next week.')
m.a('https://careers.acme-robotics.example/interview-guide', 'How our interviews work')
m.p('Kind regards, the Acme Robotics hiring team')

u = 'antoine.blanc@example.com'
m = Mail('67-clean-french-personal.eml', 'clean', [], 'Élise Marchand <elise.marchand@lesmarchand.example>', u,
         'Recette de la galette des rois', lang='fr')
m.p('Salut Antoine, voici la recette promise : pâte feuilletée, crème d\'amande, et surtout ne pas oublier la fève !')
m.img('https://lesmarchand.example/blog/images/galette-2026.jpg', 500, 375, 'Galette dorée')
m.p('À très vite, Élise')

u = 'hannah.weber@example.com'
m = Mail('68-clean-school.eml', 'clean', [], 'Grundschule Am Park <sekretariat@gs-ampark.example>', u,
         'Elternabend am 3. Dezember', lang='de')
m.p('Liebe Eltern, der Elternabend der Klasse 3b findet am 3. Dezember um 19 Uhr in Raum 12 statt.')
m.a('https://www.gs-ampark.example/termine', 'Alle Termine')
m.p('Mit freundlichen Grüßen, das Sekretariat')

# =========================================================================================================
# Tricky non-trackers
# =========================================================================================================
u = 'julien.faure@example.com'
m = Mail('70-tricky-spacer-divider.eml', 'tricky', ['spacer.gif 1x1 without query', '600x1 divider', 'logo',
                                                     'social icons'],
         'Librairie du Port <contact@librairie-du-port.example>', u, 'Rencontre avec une autrice samedi', lang='fr')
m.img('https://cdn.librairie-du-port.example/mail/logo-librairie.png', 200, 60, 'Librairie du Port')
m.raw('<tr><td><img src="https://cdn.librairie-du-port.example/mail/spacer.gif" width="1" height="1" alt="" '
      'style="display:block"></td></tr>')
m.p('Samedi à 16 h, rencontre et dédicace avec l\'autrice du roman « Les Phares ». Entrée libre.')
m.img('https://cdn.librairie-du-port.example/mail/divider-600x1.png', 600, 1, '')
for net, icon in [('https://www.facebook.com/librairieduport', 'facebook'),
                  ('https://www.instagram.com/librairieduport/', 'instagram'),
                  ('https://mastodon.social/@librairieduport', 'mastodon')]:
    m.img('https://cdn.librairie-du-port.example/mail/icons/%s-32.png' % icon, 32, 32, icon, href=net)
m.footer('Librairie du Port, La Rochelle', 'https://www.librairie-du-port.example/newsletter/desinscription',
         'Se désinscrire')

u = 'miguel.torres@example.com'
m = Mail('71-tricky-cdn-hashes.eml', 'tricky', ['cloudfront hashed path', 'imgix signed URL', 'Scene7/Akamai'],
         'Nordic Living <hello@nordicliving.example>', u, 'New in: the oak dining collection')
m.img('https://d3k2m9x7q1w5z8.cloudfront.net/assets/%s/banner-oak-collection.jpg' % rhex(20), 600, 320,
      'Oak dining table')
m.img('https://nordicliving.imgix.net/products/%s.jpg?w=600&h=400&fit=crop&auto=format&s=%s' % (rhex(16), rhex(32)),
      600, 400, 'Oak chairs')
m.img('https://images.nordicliving.example/is/image/NordicLiving/%s?wid=600&hei=300&fmt=jpeg&qlt=80' % rhex(12),
      600, 300, 'Sideboard')
m.p('Solid oak, oiled by hand, made in Småland. Free delivery on orders over 500 €.')
m.a('https://www.nordicliving.example/collections/oak', 'Shop the collection')

u = 'lea.vincent@example.com'
m = Mail('72-tricky-brand-shim.eml', 'tricky', ['width=1 brand image without token', 'hidden blank.png without query'],
         'Étude Notariale Vincent <etude@notaire-vincent.example>', u, 'Rendez-vous de signature', lang='fr')
m.raw('<tr><td><img src="https://static.notaire-vincent.example/img/blank.png" alt="" style="display:none"></td></tr>')
m.img('https://static.notaire-vincent.example/img/logo-etude.png', 220, 70, 'Étude Vincent')
m.raw('<tr><td><img src="https://static.notaire-vincent.example/img/shim.gif" width="1" height="1" alt=""></td></tr>')
m.p('Votre rendez-vous de signature est confirmé le 9 décembre à 10 h. Merci de vous munir d\'une pièce d\'identité.')
m.a('https://www.notaire-vincent.example/acces', 'Plan d\'accès')

u = 'ahmed.khan@example.com'
m = Mail('73-tricky-parcel-tracking.eml', 'tricky', ['"track" in a parcel link', '"open" in an image name'],
         'Colis Rapide <notifications@colis-rapide.example>', u, 'Your parcel is on its way')
m.img('https://www.colis-rapide.example/img/mail/open-box.png', 120, 120, 'Parcel')
m.p('Parcel FR7Q2X9 left our Lyon hub this morning. Expected delivery: Thursday between 9:00 and 13:00.')
m.a('https://www.colis-rapide.example/track/parcel?number=FR7Q2X9', 'Track my parcel')
m.a('https://www.colis-rapide.example/suivi/FR7Q2X9/options', 'Change delivery options')

u = 'ella.johansson@example.com'
m = Mail('74-tricky-music-video.eml', 'tricky', ['Spotify /track/ id', 'YouTube and Spotify images'],
         'Vinyl Corner <newsletter@vinylcorner.example>', u, 'Album of the week')
m.img('https://i.scdn.co/image/ab67616d0000b273%s' % rhex(24), 300, 300, 'Album cover')
m.p('This week we cannot stop playing a debut album of Nordic folk and synths.')
m.a('https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC', 'Listen on Spotify')
m.img('https://i.ytimg.com/vi/%s/hqdefault.jpg' % rtok(11, tok_alpha), 480, 360, 'Live session video',
      href='https://www.youtube.com/watch?v=%s' % rtok(11, tok_alpha))

u = 'victor.hugo.dupuis@example.com'
m = Mail('75-tricky-gravatar.eml', 'tricky', ['Gravatar md5 of the sender (not the reader)'],
         'Forge Projet Libre <forge@projet-libre.example>', u, '[outil] New comment on issue #42')
import hashlib as _hl
m.img('https://www.gravatar.com/avatar/%s?s=64&d=identicon' % _hl.md5(b'marie.leroy@projet-libre.example')
      .hexdigest(), 64, 64, 'marie.leroy')
m.p('marie.leroy commented: I can reproduce the crash with an empty configuration file. Patch incoming.')
m.a('https://git.projet-libre.example/equipe/outil/issues/42#issuecomment-1187', 'View it on the forge')

u = 'paula.reyes@example.com'
m = Mail('76-tricky-open-house.eml', 'tricky', ['"open" and "eos" in content paths'],
         'Agence Immo Centre <contact@agence-immo-centre.example>', u, 'Portes ouvertes samedi', lang='fr')
m.img('https://www.agence-immo-centre.example/photos/open-house/salon-1200.jpg', 600, 400, 'Salon lumineux')
m.p('Visite libre d\'un T3 rénové samedi de 10 h à 13 h. Et pour les photographes : notre test du boîtier que '
    'nous utilisons pour nos annonces.')
m.a('https://www.agence-immo-centre.example/annonces/open-house-samedi', 'Voir l\'annonce')
m.a('https://www.photo-magazine.example/eos/eos-r6-mark-ii-test-complet/', 'Le test du boîtier')

u = 'samira.aziz@example.com'
m = Mail('77-tricky-wp-resize.eml', 'tricky', ['WordPress CDN image with query'],
         'Cuisine de Saison <blog@cuisine-de-saison.example>', u, 'Nouvelle recette : tarte tatin', lang='fr')
m.img('https://i0.wp.com/cuisine-de-saison.example/wp-content/uploads/2026/11/tarte-tatin.jpg?resize=600%2C400'
      '&ssl=1', 600, 400, 'Tarte tatin')
m.p('La tatin de ma grand-mère, avec des pommes reinettes et un caramel au beurre salé.')
m.a('https://cuisine-de-saison.example/2026/11/tarte-tatin/', 'Lire la recette')

u = 'kai.nakamura@example.com'
m = Mail('78-tricky-pixel-words.eml', 'tricky', ['"pixel" and "beacon" in content names'],
         'Pixel Art Club <club@pixelart-club.example>', u, 'Winter challenge: 32x32 dragons')
m.img('https://www.pixelart-club.example/gallery/pixel-dragon-800.png', 400, 400, 'Pixel dragon')
m.img('https://www.pixelart-club.example/gallery/beacon-hill-walk.jpg', 600, 300, 'Beacon Hill at dusk')
m.p('This month\'s challenge: a 32x32 dragon in eight colours. Deadline 20 December.')
m.a('https://www.pixelart-club.example/challenges/winter-2026', 'Challenge rules')


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith('.eml'):
            os.remove(os.path.join(OUT, f))
    labels = []
    for i, mail in enumerate(MAILS):
        labels.append(mail.write(i))
    doc = {
        'description': 'MailVeil labelled evaluation set (synthetic mails); see README.md',
        'scoring': 'docs/scoring.md',
        'mails': labels,
    }
    with open(os.path.join(OUT, 'labels.json'), 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write('\n')
    import collections
    print(len(labels), collections.Counter(l['type'] for l in labels),
          collections.Counter(l['expected_grade'] for l in labels))


main()
