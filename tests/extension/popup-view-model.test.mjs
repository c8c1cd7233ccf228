// The popup's presentation helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blockedCount,
  elementRows,
  freshnessWarning,
  gradeLegend,
  hostProblem,
  leakText,
  maskForDisplay,
  signaturesText,
  summaryText,
  updateText,
} from '../../extension/popup/view-model.js';
import fs from 'node:fs';

// The texts come from _locales (shared/i18n.js); outside a browser, the English catalogue.
globalThis.mailveil.i18n.useCatalog(
  JSON.parse(fs.readFileSync(new URL('../../extension/_locales/en/messages.json', import.meta.url), 'utf8')),
);

test('hostProblem names every failure state and says nothing when the host is fine', () => {
  assert.equal(hostProblem({ state: 'ready' }), null);
  assert.equal(hostProblem({ state: 'idle' }), null);
  assert.match(
    hostProblem({ state: 'missing', error: { message: 'Specified native messaging host not found.' } }).text,
    /not installed/,
  );
  assert.equal(hostProblem({ state: 'missing', error: { message: 'x' } }).detail, 'x');
  assert.match(hostProblem({ state: 'too-old' }).text, /too old/);
  // A retry in flight keeps showing the failure it retries.
  const retrying = { state: 'connecting', error: null, problem: { state: 'missing', error: { message: 'y' } } };
  assert.equal(hostProblem(retrying).state, 'missing');
  assert.equal(hostProblem(retrying).detail, 'y');
  assert.equal(hostProblem({ state: 'connecting', error: null, problem: null }), null);
  assert.match(hostProblem({ state: 'forbidden' }).text, /refuses/);
});

test('maskForDisplay drops the query and shortens long paths', () => {
  assert.equal(maskForDisplay('https://a.example/p/x.png?uid=123&e=me%40x.org'), 'https://a.example/p/x.png?…');
  assert.equal(maskForDisplay('//a.example/x'), '//a.example/x');
  assert.ok(maskForDisplay(`https://a.example/${'d/'.repeat(50)}`).endsWith('…'));
});

test('maskForDisplay never shows an address or its hash, in the path or the user-info', () => {
  const hash = 'c4ca4238a0b923820dcc509a6f75849bc4ca4238a0b923820dcc509a6f75849b';
  assert.equal(maskForDisplay(`https://t.example/o/${hash}/p.gif`), 'https://t.example/o/…/p.gif');
  assert.equal(maskForDisplay('https://t.example/u/reader@example.org/p.gif'), 'https://t.example/u/…/p.gif');
  assert.equal(maskForDisplay('https://t.example/u/reader%40example.org'), 'https://t.example/u/…');
  assert.equal(maskForDisplay('https://me@t.example/p.gif'), 'https://t.example/p.gif');
  assert.equal(maskForDisplay('javascript:alert(1)'), '…');
  assert.equal(maskForDisplay('https://cdn.example/newsletter/hero.png'), 'https://cdn.example/newsletter/hero.png');
});

test('elementRows joins elements, verdicts, decisions and overrides', () => {
  const record = {
    elements: [
      { ref: 'e0', kind: 'img', url: 'http://t.example/p.gif?u=1' },
      { ref: 'e1', kind: 'img', url: 'http://ok.example/a.png' },
      { ref: 'e2', kind: 'link', url: 'http://c.example/?url=x' },
    ],
    result: {
      elements: [
        {
          ref: 'e0',
          verdict: 'block',
          tracker: { company: 'Google', category: 'analytics', name: 'Google Analytics' },
          evidence_url: 'http://t.example/p.gif?u=[token]',
          leaks: [{ encoding: 'sha256', where: 'query:el', address: 'r…@example.org', company: 'Google' }],
        },
        { ref: 'e1', verdict: 'allow' },
        { ref: 'e2', verdict: 'allow', tracked: true },
      ],
    },
    decisions: [
      { ref: 'e0', action: 'block', source: 'host' },
      { ref: 'e1', action: 'load', source: 'user' },
      { ref: 'e2', action: 'keep', source: 'host' },
    ],
  };
  const rows = elementRows(record, { 'http://ok.example/a.png': 'allow' });
  assert.deepEqual(
    rows.map((r) => [r.ref, r.action, r.notable]),
    [
      ['e0', 'block', true],
      ['e1', 'load', true],
      ['e2', 'keep', true],
    ],
  );
  assert.equal(rows[0].company, 'Google');
  assert.equal(rows[0].evidence, 'http://t.example/p.gif?u=[token]', "the host's masked URL");
  assert.deepEqual(rows[0].leaks, ['r…@example.org (SHA-256 hash) in query:el → Google']);
  assert.equal(rows[1].override, 'allow');
  assert.equal(rows[1].evidence, 'http://ok.example/a.png');
  assert.equal(rows[2].tracked, true);
  assert.equal(blockedCount(record), 1);
  const plain = elementRows({
    elements: [{ ref: 'e0', kind: 'img', url: 'http://ok.example/a.png?q=1' }],
    result: { elements: [{ ref: 'e0', verdict: 'allow' }] },
    decisions: [],
  });
  assert.equal(plain[0].notable, false);
  assert.equal(plain[0].evidence, 'http://ok.example/a.png?…', 'no evidence from the host: query hidden');
});

test('leakText, summaryText, signaturesText, updateText', () => {
  assert.equal(leakText({ encoding: 'plain', where: 'path' }), 'your address (in clear) in path');
  assert.equal(
    summaryText({ summary: { blocked: 2, rewritten: 3, leaks: 1, companies: ['Google', 'Weborama'] } }),
    'Blocked 2 · Links cleaned 3 · Address leaks 1 · Google, Weborama',
  );
  assert.equal(summaryText(null), '');
  assert.equal(
    signaturesText({ list_version: 2026112301, published: '2026-11-23', trackers: 292, source: 'bundled' }),
    'List 2026112301 (2026-11-23) · 292 trackers · bundled',
  );
  assert.match(signaturesText(null), /unknown/);
  assert.equal(updateText({ running: true, received: 512, total: 1024 }), 'Downloading… 50%');
  assert.equal(updateText({ running: true }), 'Checking for a new list…');
  assert.match(
    updateText({ running: false, error: { code: 'update_failed', message: 'could not resolve host' } }),
    /^Update failed: could not resolve host/,
  );
  assert.equal(updateText({ running: false, status: 'not_modified' }), 'The signature list is up to date.');
});

test('freshnessWarning: a list past its expires date says how old it is and since when, in en and fr', () => {
  const { i18n } = globalThis.mailveil;
  const catalog = (lang) =>
    JSON.parse(fs.readFileSync(new URL(`../../extension/_locales/${lang}/messages.json`, import.meta.url), 'utf8'));
  const note =
    'the signature list 2026112302 is 98 days old: it expired on 2027-02-21 (8 days ago); new trackers are not blocked until it is updated';
  const expired = {
    list_version: 2026112302,
    published: '2026-11-23',
    expires: '2027-02-21',
    age_days: 98,
    expired: true,
    days_past_due: 8,
    freshness_note: note,
    trackers: 292,
    source: 'bundled',
  };
  try {
    assert.equal(
      freshnessWarning(expired),
      'The signature list is 98 days old: it expired 8 days ago. New trackers are not blocked until it is updated.',
    );
    assert.equal(
      freshnessWarning({ ...expired, age_days: 91, days_past_due: 1 }),
      'The signature list is 91 days old: it expired 1 day ago. New trackers are not blocked until it is updated.',
    );
    i18n.useCatalog(catalog('fr'));
    assert.equal(
      freshnessWarning(expired),
      "La liste de signatures a 98 jours : elle a expiré il y a 8 jours. Les nouveaux traceurs ne sont pas bloqués tant qu'elle n'est pas mise à jour.",
    );
    assert.match(freshnessWarning({ ...expired, days_past_due: 1 }), /il y a 1 jour\./);
    // A translation that lacks the message: the host's English sentence.
    const { listExpired, ...partial } = catalog('fr');
    assert.ok(listExpired);
    i18n.useCatalog(partial);
    assert.equal(freshnessWarning(expired), note);
  } finally {
    i18n.useCatalog(catalog('en'));
  }
  // Figures the host could not give (no published date): its sentence; no sentence either: nothing to show.
  assert.equal(freshnessWarning({ ...expired, age_days: null }), note);
  assert.equal(freshnessWarning({ ...expired, age_days: null, freshness_note: '' }), null);
});

test('freshnessWarning says nothing for a fresh list, an older host without the fields, or no list', () => {
  const fresh = {
    list_version: 2026120103,
    published: '2026-12-01',
    expires: '2027-03-01',
    age_days: 7,
    expired: false,
    days_past_due: 0,
    freshness_note: '',
    trackers: 315,
    source: 'bundled',
  };
  assert.equal(freshnessWarning(fresh), null);
  assert.equal(freshnessWarning({ ...fresh, expires: null, age_days: null }), null);
  // An older host: none of the freshness fields.
  assert.equal(
    freshnessWarning({ list_version: 2026112301, published: '2026-11-23', trackers: 292, source: 'bundled' }),
    null,
  );
  assert.equal(freshnessWarning(null), null);
  assert.equal(freshnessWarning(undefined), null);
  // Only a real true counts as expired.
  assert.equal(freshnessWarning({ ...fresh, expired: 'true', age_days: 98, days_past_due: 8 }), null);
});

test("gradeLegend shows the host's band table and nothing when the host sent none", () => {
  const grades = [
    { grade: 'A', min: 90 },
    { grade: 'B', min: 75 },
    { grade: 'C', min: 55 },
    { grade: 'D', min: 35 },
    { grade: 'E', min: 15 },
    { grade: 'F', min: 0 },
  ];
  assert.equal(gradeLegend(grades), 'Grades: A 90–100 · B 75–89 · C 55–74 · D 35–54 · E 15–34 · F 0–14');
  assert.equal(gradeLegend([...grades].reverse()), gradeLegend(grades), 'order does not matter');
  assert.equal(gradeLegend(undefined), null, 'an older host sends no table');
  assert.equal(gradeLegend([]), null);
  assert.equal(gradeLegend([{ grade: 'A', min: 'x' }, { grade: 'Q', min: 3 }, null]), null);
});

test('the reason for a grade: localised by code and count (singular by the language rule), else the host text', async () => {
  const fs = await import('node:fs');
  const { reasonText } = await import('../../extension/popup/view-model.js');
  const { i18n } = globalThis.mailveil;
  const catalog = (lang) =>
    JSON.parse(fs.readFileSync(new URL(`../../extension/_locales/${lang}/messages.json`, import.meta.url), 'utf8'));
  const reason = (code, count, text = 'host text') => ({ grade: 'F', reason: { code, count, companies: [], text } });
  try {
    i18n.useCatalog(catalog('en'));
    assert.equal(
      reasonText(reason('address-leak-open', 2)),
      'F: 2 companies get your e-mail address when you open this mail',
    );
    assert.equal(reasonText(reason('tracking-pixels', 1)), 'F: 1 company learns when you open this mail');
    assert.equal(reasonText(reason('no-tracking', 0)), 'F: no tracker found in this mail');
    assert.equal(reasonText(reason('a-code-of-tomorrow', 3, 'F: what the host says')), 'F: what the host says');
    assert.equal(reasonText({ grade: 'F' }), null);
    i18n.useCatalog(catalog('fr'));
    assert.equal(
      reasonText(reason('address-leak-open', 2)),
      'F : 2 entreprises reçoivent votre adresse e-mail quand vous ouvrez ce courriel',
    );
    assert.equal(reasonText(reason('tracking-pixels', 0)), 'F : 0 entreprise apprend quand vous ouvrez ce courriel');
  } finally {
    i18n.useCatalog(catalog('en'));
  }
});

test('the toolbar dot follows the badge: never green under a bad grade, red for a problem, none when paused', async () => {
  const { iconDot } = await import('../../extension/background/icon.js');
  const { kGradeColors, kStateColors } = await import('../../extension/background/badge.js');
  assert.equal(iconDot({ text: 'F' }), kGradeColors.F);
  assert.notEqual(iconDot({ text: 'F' }), kGradeColors.A);
  assert.equal(iconDot({ text: 'A' }), kGradeColors.A);
  assert.equal(iconDot({ text: '!' }), kStateColors.error);
  assert.equal(iconDot({ text: '?' }), kStateColors.unknown);
  assert.equal(iconDot({ text: '' }), kStateColors.unknown);
  assert.equal(iconDot(null), kStateColors.unknown);
  assert.equal(iconDot({ text: 'off' }), null);
});
