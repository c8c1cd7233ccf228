// Tracked links whose destination is unknown: the decision (plan.js), the option and remembered senders
// (settings.js), the question kept for the question page (link-questions.js), the label's tooltip
// (content/lib/link-guard.js), and the texts (_locales, shared/i18n.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import '../../extension/shared/i18n.js';
import '../../extension/content/lib/link-guard.js';
import { planDecisions, trackerLabel } from '../../extension/background/plan.js';
import { confirmsTrackedLinks, normaliseSettings } from '../../extension/background/settings.js';
import { LinkQuestions, kMaxQuestions, questionFor } from '../../extension/background/link-questions.js';

const kExtension = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'extension');
const kCatalog = JSON.parse(fs.readFileSync(path.join(kExtension, '_locales/en/messages.json'), 'utf8'));
const { i18n, linkGuard } = globalThis.mailveil;
i18n.useCatalog(kCatalog);

const sendgrid = { id: 'sendgrid', name: 'SendGrid', company: 'Twilio', category: 'esp' };
const elements = [
  { ref: 'e0', kind: 'link', url: 'http://url4242.shop.example/ls/click?upn=TOKEN', text: 'Track my order' },
  { ref: 'e1', kind: 'link', url: 'http://t.list-manage.example/track/click?url=x', text: 'See the offer' },
  { ref: 'e2', kind: 'link', url: 'https://shop.example/about', text: 'About us' },
  { ref: 'e3', kind: 'link', url: '//r.example/c/abc', text: '' },
  { ref: 'e4', kind: 'img', url: 'http://url4242.shop.example/open.gif' },
];
const result = {
  elements: [
    {
      ref: 'e0',
      verdict: 'allow',
      tracked: true,
      tracker: sendgrid,
      evidence_url: 'http://url4242.shop.example/ls/click?upn=[token]',
    },
    { ref: 'e1', verdict: 'rewrite', tracked: true, rewrite_url: 'https://shop.example/p/1', tracker: sendgrid },
    { ref: 'e2', verdict: 'allow' },
    { ref: 'e3', verdict: 'allow', tracked: true },
    { ref: 'e4', verdict: 'block', tracked: true, tracker: sendgrid },
  ],
};
const byRef = (plan) => Object.fromEntries(plan.decisions.map((d) => [d.ref, d]));

test('a tracked link of unknown destination is kept, marked with its company, and asks first when the option says so', () => {
  const d = byRef(planDecisions(elements, result, { confirmTrackedLinks: true }));
  assert.deepEqual(d.e0, {
    ref: 'e0',
    action: 'keep',
    source: 'host',
    tracked: { company: 'Twilio', host: 'url4242.shop.example', confirm: true },
  });
  assert.deepEqual([d.e1.action, d.e1.tracked], ['rewrite', undefined], 'rewritten: straight to the destination');
  assert.equal(d.e2.tracked, undefined, 'a clean link is left alone');
  assert.deepEqual(d.e3.tracked, { company: null, host: 'r.example', confirm: true }, 'no tracker named: its host');
  assert.equal(d.e4.action, 'block', 'only links are guarded');
  const off = byRef(planDecisions(elements, result, { confirmTrackedLinks: false }));
  assert.equal(off.e0.tracked.confirm, false, 'option off (or sender remembered): still marked, no question');
  const allowed = byRef(
    planDecisions(elements, result, { confirmTrackedLinks: true, elementOverrides: { [elements[0].url]: 'allow' } }),
  );
  assert.deepEqual([allowed.e0.source, allowed.e0.tracked.confirm], ['user', false]);
});

test('the company shown is tracker.brand when the host sends it, else tracker.company', () => {
  assert.equal(trackerLabel({ tracker: { ...sendgrid, brand: 'SendGrid (Twilio)' } }), 'SendGrid (Twilio)');
  assert.equal(trackerLabel({ tracker: sendgrid }), 'Twilio');
  assert.equal(trackerLabel({ tracker: { name: 'Some tracker' } }), 'Some tracker');
  assert.equal(trackerLabel({ tracker: { brand: '  ', company: 'X' } }), 'X');
  assert.equal(trackerLabel({ tracker: null }), null);
  assert.equal(trackerLabel(null), null);
});

test('asking is on by default; a remembered sender (address or @domain) is not asked', () => {
  const defaults = normaliseSettings({});
  assert.equal(defaults.confirmTrackedLinks, true);
  assert.deepEqual(defaults.trackedLinkSenders, []);
  assert.equal(confirmsTrackedLinks(defaults, 'news@shop.example'), true);
  const s = normaliseSettings({ trackedLinkSenders: ['News@Shop.example', 'junk', '@lists.example'] });
  assert.deepEqual(s.trackedLinkSenders, ['news@shop.example', '@lists.example'], 'junk dropped');
  assert.equal(confirmsTrackedLinks(s, 'news@shop.example'), false);
  assert.equal(confirmsTrackedLinks(s, 'promo@lists.example'), false);
  assert.equal(confirmsTrackedLinks(s, 'other@shop.example'), true);
  assert.equal(confirmsTrackedLinks(s, null), true, 'no sender: ask');
  assert.equal(confirmsTrackedLinks(normaliseSettings({ confirmTrackedLinks: false }), 'a@b.example'), false);
  assert.equal(normaliseSettings({ confirmTrackedLinks: 'no' }).confirmTrackedLinks, true, 'malformed: default');
});

test('a question exists only for a tracked link of unknown destination, with what the page may show', () => {
  const record = { sender: 'news@shop.example', elements, result };
  const q = questionFor(record, 'e0', 'https://outlook.live.com/mail/');
  assert.deepEqual(q, {
    url: 'http://url4242.shop.example/ls/click?upn=TOKEN',
    text: 'Track my order',
    sender: 'news@shop.example',
    company: 'Twilio',
    host: 'url4242.shop.example',
    evidence: 'http://url4242.shop.example/ls/click?upn=[token]',
  });
  assert.equal(questionFor(record, 'e3', 'https://mail.google.com/').url, 'https://r.example/c/abc');
  assert.equal(questionFor(record, 'e3', 'https://mail.google.com/').evidence, 'https://r.example/…');
  for (const ref of ['e1', 'e2', 'e4', 'e9']) assert.equal(questionFor(record, ref, 'https://x.example/'), null, ref);
  assert.equal(questionFor({ ...record, result: null }, 'e0', ''), null, 'not classified: nothing to open');
  const js = { ...record, elements: [{ ref: 'e0', kind: 'link', url: 'javascript:alert(1)' }] };
  assert.equal(questionFor(js, 'e0', 'https://x.example/'), null, 'only http(s) is ever opened');
});

test('questions: a token each, answered once, kept across a background restart, oldest dropped', async () => {
  const stored = {};
  const area = {
    get: async (k) => ({ [k]: stored[k] }),
    set: async (o) => Object.assign(stored, structuredClone(o)),
  };
  let n = 0;
  let now = 1000;
  const opts = { newToken: () => `t${(n += 1)}`, now: () => (now += 1) };
  const a = new LinkQuestions(area, opts);
  const token = await a.add({ url: 'http://r.example/c', sender: null });
  assert.equal(token, 't1');
  const b = new LinkQuestions(area, opts); // the background restarted
  assert.equal((await b.get(token)).url, 'http://r.example/c');
  assert.equal((await b.take(token)).url, 'http://r.example/c');
  assert.equal(await b.take(token), null, 'an answer is given once');
  assert.equal(await new LinkQuestions(area, opts).get(token), null);
  for (let i = 0; i < kMaxQuestions + 3; i += 1) await b.add({ url: `http://r.example/${i}` });
  assert.equal(Object.keys(stored.linkQuestions).length, kMaxQuestions);
  assert.equal(await b.get('t2'), null, 'the oldest went first');
  assert.equal((await b.get(`t${kMaxQuestions + 4}`)).url, `http://r.example/${kMaxQuestions + 2}`);
});

test('the label tooltip names the company and says the link reports the click', () => {
  const tip = linkGuard.tooltip({ company: 'SendGrid (Twilio)', host: 'url4242.shop.example', confirm: true });
  assert.equal(tip, 'This link reports your click to SendGrid (Twilio). MailVeil asks before opening it.');
  assert.match(
    linkGuard.tooltip({ company: null, host: 'r.example', confirm: false }),
    /the company behind r\.example/,
  );
});

test('i18n: placeholders expand; an unknown name is an error, never an empty label', () => {
  assert.equal(i18n.t('confirmRemember', 'news@shop.example'), 'Do not ask again for links from news@shop.example');
  assert.equal(i18n.t('popupTrackedLinkItem', 'Track', 'Twilio'), '“Track” reports your click to Twilio');
  assert.throws(() => i18n.t('noSuchMessage'), /no message "noSuchMessage"/);
});

test('every text name used in extension/ exists in _locales/en, and every entry is used', () => {
  const used = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name === 'manifest.json') {
        // the store name and description: "__MSG_extName__"
        for (const m of fs.readFileSync(f, 'utf8').matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) used.add(m[1]);
      } else if (/\.(js|html)$/.test(e.name)) {
        const text = fs.readFileSync(f, 'utf8');
        for (const m of text.matchAll(/\bt\(\s*'([A-Za-z0-9_]+)'/g)) used.add(m[1]);
        for (const m of text.matchAll(/data-i18n(?:-title)?="([A-Za-z0-9_]+)"/g)) used.add(m[1]);
        // names kept in tables and looked up later: marked /* i18n */ 'name'
        for (const m of text.matchAll(/\/\* i18n \*\/ '([A-Za-z0-9_]+)'/g)) used.add(m[1]);
        // conditional names: t(cond ? 'a' : 'b')
        for (const m of text.matchAll(/\bt\(\s*[^,()]*\?\s*'([A-Za-z0-9_]+)'\s*:\s*'([A-Za-z0-9_]+)'/g)) {
          used.add(m[1]);
          used.add(m[2]);
        }
      }
    }
  };
  walk(kExtension);
  const defined = new Set(Object.keys(kCatalog));
  assert.deepEqual(
    [...used].filter((n) => !defined.has(n)),
    [],
    'used but not defined',
  );
  assert.deepEqual(
    [...defined].filter((n) => !used.has(n)),
    [],
    'defined but never used',
  );
});

test('_locales/fr has every English text, with the same placeholders', () => {
  const fr = JSON.parse(fs.readFileSync(path.join(kExtension, '_locales/fr/messages.json'), 'utf8'));
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(kCatalog).sort(), 'the same names');
  for (const [name, entry] of Object.entries(kCatalog)) {
    const names = (e) => Object.keys(e.placeholders || {}).sort();
    assert.deepEqual(names(fr[name]), names(entry), `${name}: placeholders`);
    for (const p of names(entry)) {
      assert.ok(
        fr[name].message.includes(`$${p.toUpperCase()}$`) === entry.message.includes(`$${p.toUpperCase()}$`),
        `${name}: $${p}$ used alike`,
      );
    }
    assert.ok(fr[name].message.trim(), `${name}: not empty`);
  }
});
