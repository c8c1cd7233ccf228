// The popup's presentation helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blockedCount,
  elementRows,
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
