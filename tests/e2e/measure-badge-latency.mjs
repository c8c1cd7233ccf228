#!/usr/bin/env node
// Measures the time from a message being rendered (inserted into the webmail page) to the badge showing its
// grade, in chromium and firefox-esr with the real host, over N re-renders of the Gmail Bouygues fixture
// (each a new message id, so every one is classified anew; the native port is already open).
//
//   node tests/e2e/measure-badge-latency.mjs [--runs 20] [--browsers chromium,firefox] [--json out.json]
//
// "render": fixture.js timestamp just before the message enters the DOM (page clock);
// "badge":  the background's timestamp once action.setBadgeText with the grade resolved (record.badgeAt).
// Both are performance.timeOrigin + performance.now(), i.e. wall-clock milliseconds with sub-ms resolution.
import fs from 'node:fs';
import { FixtureServer } from './lib/fixture-server.mjs';
import { Session, hostBinary, installHost, makeSandbox, sleep, waitForNoProcesses } from './lib/browsers.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', '20'));
const browsers = opt('browsers', 'chromium,firefox').split(',');
const jsonOut = opt('json', null);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};

async function measure(kind, server, host) {
  const sandbox = makeSandbox(`${kind}-latency`);
  installHost(sandbox, host);
  const session = await Session.launch(kind, { sandbox, proxyPort: server.port });
  const samples = [];
  let first = null;
  const version = await session.browser.version();
  try {
    const page = await session.newPage();
    await page.goto('http://gmail.mailveil.test/bouygues.html');
    const s0 = await session.waitForState(page, (s) => /^[A-F]$/.test(s.badge.text));
    const r0 = Object.values(s0.tab.messages)[0];
    first = r0.badgeAt - (await page.evaluate(() => window.mvFixture.renderedAt.m1));
    for (let i = 0; i < runs; i++) {
      await sleep(150);
      const renderedAt = await page.evaluate(() => window.mvFixture.reopen('m1'));
      const state = await session.waitForState(
        page,
        (s) => {
          const recs = Object.values(s.tab.messages).filter((m) => m.key.includes('reopen-'));
          return recs.length === 1 && recs[0].badgeAt > renderedAt && /^[A-F]$/.test(s.badge.text);
        },
        { interval: 50 },
      );
      const rec = Object.values(state.tab.messages).find((m) => m.key.includes('reopen-'));
      samples.push(rec.badgeAt - renderedAt);
    }
    await page.close();
  } finally {
    await session.close();
    await waitForNoProcesses(sandbox.dir);
    fs.rmSync(sandbox.dir, { recursive: true, force: true });
  }
  return {
    browser: kind,
    version,
    runs: samples.length,
    first_page_ms: Math.round(first * 10) / 10,
    median_ms: Math.round(quantile(samples, 0.5) * 10) / 10,
    p90_ms: Math.round(quantile(samples, 0.9) * 10) / 10,
    min_ms: Math.round(Math.min(...samples) * 10) / 10,
    max_ms: Math.round(Math.max(...samples) * 10) / 10,
    samples_ms: samples.map((x) => Math.round(x * 10) / 10),
  };
}

const host = hostBinary();
if (!host) {
  console.error('mailveil-host not found: set MAILVEIL_HOST');
  process.exit(2);
}
const server = await new FixtureServer().start();
const results = [];
try {
  for (const kind of browsers) {
    const r = await measure(kind, server, host);
    results.push(r);
    console.log(
      `${kind} (${r.version}): render -> badge over ${r.runs} opens: median ${r.median_ms} ms, p90 ${r.p90_ms} ms, min ${r.min_ms}, max ${r.max_ms} (first page, port cold: ${r.first_page_ms} ms)`,
    );
  }
} finally {
  await server.stop();
}
if (jsonOut)
  fs.writeFileSync(jsonOut, `${JSON.stringify({ host, date: new Date().toISOString(), results }, null, 2)}\n`);
