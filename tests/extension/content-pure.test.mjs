// Pure content-script modules: CSS url() extraction, srcset parsing, hold policy, release values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../extension/shared/webmails.js';
import '../../extension/shared/element-kinds.js';
import '../../extension/content/lib/css-urls.js';
import '../../extension/content/lib/srcset.js';
import '../../extension/content/lib/resources.js';
import '../../extension/content/lib/hold-policy.js';

const { cssUrls, srcset, resources, holdPolicy, webmails } = globalThis.mailveil;

test('findCssUrls reads quoted, unquoted and escaped url() and @import strings', () => {
  const css = `a{background:url( "http://x.example/a.png" )} b{background-image:URL(http://y.example/b\\29 .png)}
    @import "http://z.example/c.css"; i{list-style:url('//w.example/d.gif')}`;
  assert.deepEqual(
    cssUrls.findCssUrls(css).map((r) => r.url),
    ['http://x.example/a.png', 'http://y.example/b).png', 'http://z.example/c.css', '//w.example/d.gif'],
  );
});

test('findCssUrls ignores comments, strings and identifiers ending in url', () => {
  const css = `/* url(http://comment.example/x.png) */ a{content:"url(http://string.example/y.png)"} b{x:myurl(http://no.example/)}`;
  assert.deepEqual(cssUrls.findCssUrls(css), []);
});

test('rewriteCssUrls replaces only what the replacer returns and keeps the rest byte for byte', () => {
  const css = 'td{background:#fff url(http://t.example/p.gif) no-repeat} p{background:url("http://ok.example/i.png")}';
  const out = cssUrls.rewriteCssUrls(css, (ref) =>
    ref.url.includes('t.example') ? cssUrls.neutralFor(css, ref) : null,
  );
  assert.equal(out, 'td{background:#fff none no-repeat} p{background:url("http://ok.example/i.png")}');
});

test('neutralFor keeps @import syntactically valid', () => {
  const css = '@import "http://t.example/s.css"; a{}';
  const [ref] = cssUrls.findCssUrls(css);
  assert.equal(
    cssUrls.rewriteCssUrls(css, (r) => cssUrls.neutralFor(css, r)),
    '@import ""; a{}',
  );
  assert.equal(ref.url, 'http://t.example/s.css');
});

test('parseSrcset splits candidates, keeps commas inside URLs and descriptors', () => {
  assert.deepEqual(
    srcset.parseSrcset(' http://a.example/x.png 1x,http://b.example/y,z.png 2x, data:image/png;base64,AA== 3x '),
    [
      { url: 'http://a.example/x.png', descriptor: '1x' },
      { url: 'http://b.example/y,z.png', descriptor: '2x' },
      { url: 'data:image/png;base64,AA==', descriptor: '3x' },
    ],
  );
  assert.deepEqual(srcset.parseSrcset('http://a.example/only.png'), [
    { url: 'http://a.example/only.png', descriptor: '' },
  ]);
  assert.deepEqual(srcset.parseSrcset(''), []);
});

test('isRemoteUrl: http(s) and protocol-relative only', () => {
  assert.ok(resources.isRemoteUrl('https://a.example/'));
  assert.ok(resources.isRemoteUrl(' //a.example/x'));
  for (const u of [
    'data:image/gif;base64,R0l',
    'cid:part1@x',
    '/relative.png',
    'mailto:a@b.example',
    'javascript:alert(1)',
    '',
  ]) {
    assert.equal(resources.isRemoteUrl(u), false, u);
  }
});

test('releasedValue restores only the allowed candidates of a srcset', () => {
  const value = 'http://ok.example/a.png 1x, data:image/png;base64,AA== 2x, http://bad.example/p.gif 3x';
  // index 0 and 2 are remote; index 2 is blocked
  const next = resources.releasedValue(value, 'srcset', (i) => i !== 2);
  assert.equal(next, 'http://ok.example/a.png 1x, data:image/png;base64,AA== 2x');
  assert.equal(
    resources.releasedValue('http://bad.example/p.gif', 'srcset', () => false),
    null,
  );
});

test('releasedValue neutralises only the blocked url() of a stylesheet', () => {
  const css = 'a{background:url(http://ok.example/a.png)} b{background:url(http://bad.example/p.gif)}';
  assert.equal(
    resources.releasedValue(css, 'css', (i) => i === 0),
    'a{background:url(http://ok.example/a.png)} b{background:none}',
  );
  assert.equal(
    resources.releasedValue('http://x.example/i.png', 'single', () => true),
    'http://x.example/i.png',
  );
  assert.equal(
    resources.releasedValue('http://x.example/i.png', 'single', () => false),
    null,
  );
});

test('shouldHold: remote URLs wait for the host; the webmail UI and the page host do not', () => {
  const gmail = webmails.list.find((w) => w.id === 'gmail');
  const hold = (u) => holdPolicy.shouldHold(u, gmail, 'mail.google.com');
  assert.equal(
    hold('https://ci3.googleusercontent.com/meips/ADKq=s0-d-e1-ft#http://t.example/p.gif'),
    true,
    'image proxy',
  );
  assert.equal(hold('https://ci5.googleusercontent.com/proxy/abc#http://t.example/p.gif'), true, 'old image proxy');
  assert.equal(hold('https://lh3.googleusercontent.com/a/avatar=s40'), false, 'avatar on the UI domain');
  assert.equal(hold('https://mail.google.com/mail/u/0?ui=2&attid=0.1'), false, 'inline attachment');
  assert.equal(hold('https://www.google-analytics.com/collect?v=1'), true);
  assert.equal(hold('//img.shop.example/banner.png'), true, 'protocol-relative');
  assert.equal(hold('data:image/png;base64,AAAA'), false);
  assert.equal(
    holdPolicy.shouldHold('http://gmail.mailveil.test/ui.png', gmail, 'gmail.mailveil.test'),
    false,
    'page host',
  );
  assert.equal(hold('https://evilgoogle.com/x.png'), true, 'suffix match needs a dot');
});

test('webmailForHost finds webmails by host and by test alias, nothing else', () => {
  assert.equal(webmails.webmailForHost('mail.google.com').id, 'gmail');
  assert.equal(webmails.webmailForHost('OUTLOOK.LIVE.COM').id, 'outlook');
  assert.equal(webmails.webmailForHost('mail.proton.me').id, 'proton');
  assert.equal(webmails.webmailForHost('google.com'), null);
  assert.equal(webmails.webmailForHost('gmail.mailveil.test'), null);
  assert.equal(webmails.webmailForHost('gmail.mailveil.test', { 'gmail.mailveil.test': 'gmail' }).id, 'gmail');
  assert.equal(webmails.hostInDomain('a.b.example', 'b.example'), true);
  assert.equal(webmails.hostInDomain('ab.example', 'b.example'), false);
});
