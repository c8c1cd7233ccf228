#!/usr/bin/env python3
"""Regenerates the sample mails described in README.md (bouygues-style.eml, newsletter-esp.eml,
personal-clean.eml, small.mbox). Deterministic. Usage: python3 generate.py [output-dir].
"""
import base64
import datetime
import email.policy
import hashlib
import html as html_lib
import os
import random
import sys
import urllib.parse
from email.message import EmailMessage
from email.utils import format_datetime


sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mailgen import POLICY, attr, enc, make_message, text_esc, to_bytes, when  # noqa: E402


OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
random.seed(20261123)  # MIME boundaries
os.makedirs(OUT, exist_ok=True)
FACTS = {}

# ------------------------------------------------------------------------------------------------------------
# bouygues-style.eml
# ------------------------------------------------------------------------------------------------------------
rcpt = 'client.demo@example.fr'
e = enc(rcpt)
cid = '1843275519.1763884800'
ga = ('https://www.google-analytics.com/collect?v=1&tid=UA-23456789-1&cid=%s&t=event&ec=email&ea=open'
      '&el=nl_2026_11_fibre&cs=newsletter&cm=email&cn=offre_fibre_novembre&dp=%%2Femail%%2Fnl_2026_11_fibre'
      '&dt=Newsletter%%20novembre' % cid)
wb_sha = ('https://telecomexemple.solution.weborama.fr/fcgi-bin/dispatch.fcgi?a.A=ev&a.si=7021&a.te=3318'
          '&a.ht=telecom-exemple.example&a.aap=1&a.agi=1402&g.ra=5&d.mh=%s' % e['sha256'])
wb_md5 = 'https://cstatic.weborama.fr/advertiser/7021/pixel/nl.gif?ev=open&camp=nl_2026_11&uid=%s' % e['md5']
cdn = 'https://static.telecom-exemple.example/newsletter/2026/11/'
imgs = [cdn + 'logo-telecom-exemple.png', cdn + 'bandeau-fibre-8g.jpg', cdn + 'box-tv-4k.jpg',
        cdn + 'picto-5g.png', cdn + 'reseaux/facebook.png', cdn + 'reseaux/x.png']


def redirect(dest, n):
    import urllib.parse as up
    tok = hashlib.sha1(('lien%d' % n).encode()).hexdigest()[:24]
    return 'https://clic.telecom-exemple-mail.example/c?tid=%s&url=%s' % (tok, up.quote(dest, safe=''))


utm = 'utm_source=newsletter&utm_medium=email&utm_campaign=nl_2026_11_fibre&utm_content='
dests = ['https://www.telecom-exemple.example/offres/fibre?' + utm + 'bouton_principal',
         'https://www.telecom-exemple.example/box/tv-4k?' + utm + 'bloc_box',
         'https://www.telecom-exemple.example/mobile/forfaits-5g?' + utm + 'bloc_5g']
links = [redirect(d, i) for i, d in enumerate(dests)]
plain_utm = 'https://www.telecom-exemple.example/boutiques?' + utm + 'pied_de_page'
unsub = 'https://www.telecom-exemple.example/desabonnement?jeton=Zk3q9XbV2mTc7Lw1'
social = ['https://www.facebook.com/telecomexemple', 'https://x.com/telecomexemple']

html = '''<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Fibre : jusqu'à 8 Gb/s chez vous</title></head>
<body style="margin:0;background:#eef1f5">
<table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" style="background:#fff">
<tr><td style="padding:16px 24px"><img src="{i0}" width="180" height="48" alt="Telecom Exemple"></td></tr>
<tr><td><a href="{l0}"><img src="{i1}" width="600" height="300" alt="La fibre jusqu'à 8 Gb/s"></a></td></tr>
<tr><td style="padding:16px 24px;font:15px/1.5 Arial,sans-serif;color:#1d1d1b">
<p>Bonjour,</p>
<p>Bonne nouvelle : votre logement est désormais éligible à la fibre jusqu'à 8&nbsp;Gb/s partagés.
Profitez de l'installation offerte et de 3 mois à 19,99&nbsp;€ jusqu'au 15 décembre.</p>
<p style="text-align:center"><a href="{l0}" style="background:#0a5bd3;color:#fff;padding:12px 28px;
text-decoration:none;border-radius:24px">Je découvre l'offre fibre</a></p>
</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" width="100%"><tr>
<td width="50%" valign="top"><a href="{l1}"><img src="{i2}" width="260" height="180" alt="Box TV 4K"></a>
<p style="font:14px Arial,sans-serif">La box TV 4K avec 180 chaînes incluses.</p></td>
<td width="50%" valign="top"><a href="{l2}"><img src="{i3}" width="260" height="180" alt="Forfaits 5G"></a>
<p style="font:14px Arial,sans-serif">Les forfaits 5G dès 9,99&nbsp;€ par mois la première année.</p></td>
</tr></table></td></tr>
<tr><td style="padding:16px 24px;font:12px Arial,sans-serif;color:#6b6b6b">
<a href="{s0}"><img src="{i4}" width="24" height="24" alt="Facebook"></a>
<a href="{s1}"><img src="{i5}" width="24" height="24" alt="X"></a><br>
Trouvez <a href="{plain}">la boutique la plus proche</a>.<br>
Vous recevez cet e-mail car vous êtes client Telecom Exemple.
<a href="{unsub}">Se désabonner</a>. Telecom Exemple SA, 1 avenue de l'Exemple, 75000 Paris.
</td></tr>
</table>
<img src="{ga}" width="1" height="1" alt="" style="display:block">
<img src="{wb1}" width="1" height="1" alt="" style="display:none">
<img src="{wb2}" width="1" height="1" border="0" alt="">
</body></html>
'''.format(i0=attr(imgs[0]), i1=attr(imgs[1]), i2=attr(imgs[2]), i3=attr(imgs[3]), i4=attr(imgs[4]),
           i5=attr(imgs[5]), l0=attr(links[0]), l1=attr(links[1]), l2=attr(links[2]), s0=attr(social[0]),
           s1=attr(social[1]), plain=attr(plain_utm), unsub=attr(unsub), ga=attr(ga), wb1=attr(wb_sha),
           wb2=attr(wb_md5))

text = '''Bonjour,

Bonne nouvelle : votre logement est désormais éligible à la fibre jusqu'à 8 Gb/s partagés.
Profitez de l'installation offerte et de 3 mois à 19,99 € jusqu'au 15 décembre.

Je découvre l'offre fibre : {l0}

La box TV 4K avec 180 chaînes incluses : {l1}
Les forfaits 5G dès 9,99 € par mois la première année : {l2}

Se désabonner : {unsub}
Telecom Exemple SA, 1 avenue de l'Exemple, 75000 Paris.
'''.format(l0=links[0], l1=links[1], l2=links[2], unsub=unsub)

m = EmailMessage()
m['From'] = 'Telecom Exemple <infos@mail.telecom-exemple.example>'
m['To'] = rcpt
m['Subject'] = 'Fibre : jusqu\'à 8 Gb/s chez vous, installation offerte'
m['Date'] = format_datetime(when(23, 10, 15))
m['Message-ID'] = '<nl-2026-11-fibre.7021.4f2a@mail.telecom-exemple.example>'
m['List-Unsubscribe'] = '<%s>' % unsub
m.set_content(text, charset='utf-8', cte='quoted-printable')
m.add_alternative(html, subtype='html', charset='utf-8', cte='quoted-printable')
for p in m.iter_parts():
    del p['MIME-Version']
open(os.path.join(OUT, 'bouygues-style.eml'), 'wb').write(to_bytes(m))
FACTS['bouygues-style.eml'] = {
    'recipient': rcpt, 'recipient_sha256': e['sha256'], 'recipient_md5': e['md5'],
    'ga_pixel': ga, 'weborama_sha256_pixel': wb_sha, 'weborama_md5_pixel': wb_md5,
    'brand_images': imgs, 'tracked_links': links, 'tracked_link_destinations': dests,
    'plain_link_with_utm': plain_utm, 'unsubscribe': unsub, 'social_links': social,
}

# ------------------------------------------------------------------------------------------------------------
# newsletter-esp.eml (Mailchimp-style, ISO-8859-1, base64 HTML)
# ------------------------------------------------------------------------------------------------------------
rcpt2 = 'jean.lecteur@example.com'
u_, id_, e_ = '7c1f0e9a3b5d2c4e6f8a1b3c5', '4d2e6f8a1c', '9b8a7c6d5e'
lm = 'https://cafedespetits.us12.list-manage.com'
open_px = '%s/track/open.php?u=%s&id=%s&e=%s' % (lm, u_, '0f1e2d3c4b', e_)
clicks = ['%s/track/click?u=%s&id=%s&e=%s' % (lm, u_, x, e_) for x in ('a1b2c3d4e5', 'b2c3d4e5f6', 'c3d4e5f6a7')]
mc_imgs = ['https://mcusercontent.com/%s/images/5b0e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4.jpg' % u_,
           'https://mcusercontent.com/%s/images/0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d.png' % u_,
           'https://cdn-images.mailchimp.com/icons/social-block-v2/color-instagram-48.png']
unsub2 = '%s/unsubscribe?u=%s&id=%s&e=%s&c=%s' % (lm, u_, id_, e_, '5f4e3d2c1b')
html2 = '''<!DOCTYPE html>
<html lang="fr"><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<title>La lettre du Café des Petits</title></head>
<body style="margin:0;background:#faf6f0">
<center><table width="600" cellpadding="0" cellspacing="0" style="background:#fff">
<tr><td><img src="{i0}" width="600" height="240" alt="Le Café des Petits en été"></td></tr>
<tr><td style="padding:20px;font:15px Georgia,serif">
<h1 style="font-size:22px">Décembre au Café</h1>
<p>Chers amis, l'hiver arrive et notre carte change&nbsp;: chocolat chaud à l'ancienne, crêpes
flambées et thé épicé. Les ateliers créatifs du mercredi reprennent dès le 3 décembre.</p>
<p><a href="{c0}">Réserver un atelier</a> &middot; <a href="{c1}">Voir la carte d'hiver</a></p>
<p><a href="{c2}"><img src="{i1}" width="120" height="120" alt="Crêpe"></a></p>
</td></tr>
<tr><td style="padding:12px 20px;font:12px Arial,sans-serif;color:#777">
<img src="{i2}" width="24" height="24" alt="Instagram"><br>
Café des Petits, 8 rue Réaumur, 75002 Paris &middot; <a href="{unsub}">Se désinscrire</a>
</td></tr></table></center>
<img src="{px}" height="1" width="1" alt="">
</body></html>
'''.format(i0=attr(mc_imgs[0]), i1=attr(mc_imgs[1]), i2=attr(mc_imgs[2]), c0=attr(clicks[0]), c1=attr(clicks[1]),
           c2=attr(clicks[2]), unsub=attr(unsub2), px=attr(open_px))
text2 = ('Décembre au Café\n\nChers amis, l\'hiver arrive et notre carte change : chocolat chaud à l\'ancienne, '
         'crêpes flambées et thé épicé.\nLes ateliers créatifs du mercredi reprennent dès le 3 décembre.\n\n'
         'Réserver un atelier : %s\nVoir la carte d\'hiver : %s\n\nSe désinscrire : %s\n' % (
             clicks[0], clicks[1], unsub2))
m = EmailMessage()
m['From'] = 'Café des Petits <bonjour@cafedespetits.example>'
m['To'] = 'Jean Lecteur <%s>' % rcpt2
m['Subject'] = 'Décembre au Café des Petits'
m['Date'] = format_datetime(when(28, 8, 30))
m['Message-ID'] = '<%s.%s@mail52.atl121.mcsv.example>' % (id_, e_)
m['List-Unsubscribe'] = '<%s>' % unsub2
m.set_content(text2, charset='iso-8859-1', cte='quoted-printable')
m.add_alternative(html2, subtype='html', charset='iso-8859-1', cte='base64')
for p in m.iter_parts():
    del p['MIME-Version']
raw2 = to_bytes(m)
# ISO-8859-1 encoded words in the headers too, as a latin-1 mailer would write them
raw2 = raw2.replace(b'From: =?utf-8?q?Caf=C3=A9?= des Petits', b'From: =?iso-8859-1?q?Caf=E9_des_Petits?=', 1)
raw2 = raw2.replace(b'Subject: =?utf-8?q?D=C3=A9cembre_au_Caf=C3=A9?= des Petits',
                    b'Subject: =?ISO-8859-1?Q?D=E9cembre_au_Caf=E9_des_Petits?=', 1)
assert b'=?utf-8' not in raw2.split(b'\n\n')[0], raw2[:400]
assert b'iso-8859-1' in raw2
open(os.path.join(OUT, 'newsletter-esp.eml'), 'wb').write(raw2)
FACTS['newsletter-esp.eml'] = {'recipient': rcpt2, 'open_pixel': open_px, 'tracked_links': clicks,
                               'content_images': mc_imgs, 'unsubscribe': unsub2,
                               'html_charset': 'iso-8859-1', 'html_transfer_encoding': 'base64'}

# ------------------------------------------------------------------------------------------------------------
# personal-clean.eml
# ------------------------------------------------------------------------------------------------------------
rcpt3 = 'camille.exemple@example.org'
photo = 'https://photos.example.net/u/martin/albums/lac-annecy/IMG_4821.jpg'
album = 'https://photos.example.net/u/martin/albums/lac-annecy/'
html3 = '''<div dir="ltr">Salut Camille,<br><br>
Voici la photo du lac dont je te parlais hier, prise juste avant l'orage :<br><br>
<img src="{p}" width="640" height="427" alt="Le lac au coucher du soleil"><br><br>
Les autres sont dans <a href="{a}">l'album</a>. Dis-moi si tu veux les originaux.<br><br>
Bises,<br>Martin</div>
'''.format(p=attr(photo), a=attr(album))
text3 = ('Salut Camille,\n\nVoici la photo du lac dont je te parlais hier, prise juste avant l\'orage :\n%s\n\n'
         'Les autres sont dans l\'album : %s\nDis-moi si tu veux les originaux.\n\nBises,\nMartin\n' % (photo, album))
m = EmailMessage()
m['From'] = 'Martin Exemple <martin.exemple@example.org>'
m['To'] = 'Camille <%s>' % rcpt3
m['Subject'] = 'La photo du lac'
m['Date'] = format_datetime(when(22, 21, 4))
m['Message-ID'] = '<CAF3x9Lk2p0Qw7@mail.example.org>'
m['In-Reply-To'] = '<CAB7y1Mn4r2Tz9@mail.example.org>'
m.set_content(text3, charset='utf-8', cte='quoted-printable')
m.add_alternative(html3, subtype='html', charset='utf-8', cte='quoted-printable')
for p in m.iter_parts():
    del p['MIME-Version']
open(os.path.join(OUT, 'personal-clean.eml'), 'wb').write(to_bytes(m))
FACTS['personal-clean.eml'] = {'recipient': rcpt3, 'image': photo, 'link': album, 'trackers': 0}

# ------------------------------------------------------------------------------------------------------------
# small.mbox (mboxrd, 3 messages)
# ------------------------------------------------------------------------------------------------------------
msgs = []
msgs.append(('alice@example.org', 'Mon Nov 23 08:01:12 2026', b'''From: Alice <alice@example.org>
To: Bob <bob@example.net>
Subject: Train times
Date: Mon, 23 Nov 2026 08:01:12 +0100
Message-ID: <mbox-1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Hi Bob,

The 9:14 train is cancelled, I will take the 9:44 instead.

Alice
'''))
px = 'https://u7342915.ct.sendgrid.net/wf/open?upn=Qm9va2NsdWJEZW1vT3BlblBpeGVs-2FnotARealToken-3D'
lk = 'https://u7342915.ct.sendgrid.net/ls/click?upn=Qm9va2NsdWJEZW1vQ2xpY2s-2FnotARealToken-3D'
msgs.append(('news@bookclub.example', 'Mon Nov 23 09:30:00 2026', ('''From: Book Club <news@bookclub.example>
To: bob@example.net
Subject: December pick
Date: Mon, 23 Nov 2026 09:30:00 +0100
Message-ID: <mbox-2@bookclub.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 7bit

<html><body><p>Our December pick is announced.</p>
<p><a href="%s">Read the announcement</a></p>
<img src="%s" width="1" height="1" alt="">
</body></html>
''' % (attr(lk), attr(px))).encode()))
msgs.append(('carol@example.com', 'Mon Nov 23 10:05:40 2026', b'''From: Carol <carol@example.com>
To: bob@example.net
Subject: Re: minutes
Date: Mon, 23 Nov 2026 10:05:40 +0100
Message-ID: <mbox-3@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

Bob,

From now on I will send the minutes on Fridays.
The line above starts with "From " and is escaped in the mbox file.

Carol
'''))
out = bytearray()
for sender, date, body in msgs:
    out += b'From %s %s\n' % (sender.encode(), date.encode())
    for line in body.split(b'\n')[:-1]:
        stripped = line.lstrip(b'>')
        if stripped.startswith(b'From '):
            line = b'>' + line
        out += line + b'\n'
    out += b'\n'
assert out.count(b'\n>From ') == 1
open(os.path.join(OUT, 'small.mbox'), 'wb').write(bytes(out))
FACTS['small.mbox'] = {'messages': 3, 'format': 'mboxrd', 'subjects': ['Train times', 'December pick', 'Re: minutes'],
                       'escaped_line': '>From now on I will send the minutes on Fridays.',
                       'unescaped_line': 'From now on I will send the minutes on Fridays.',
                       'message_2_pixel': px, 'message_2_link': lk}

print('ok')
