#!/usr/bin/env node
// README screenshots, made from the end-to-end fixtures so that they stay current:
//   docs/screenshots/badge.png      the toolbar icon and badge as the extension set them for the Gmail fixture
//   docs/screenshots/popup.png      the popup for that mail
//   docs/screenshots/first-run.png  the first-run page before the helper is installed
//   docs/screenshots/audit-report.png  `mailveil-host scan --report` over the fixtures' mails
// Usage: node tools/screenshots.mjs [--host build/native_host/mailveil-host] [--out docs/screenshots]
// It runs the test build in Debian's chromium (headless) through the e2e harness (tests/e2e/lib/), with the
// fixture server as the only network.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FixtureServer, expandTemplates } from '../tests/e2e/lib/fixture-server.mjs';
import {
  Session,
  hostBinary,
  installHost,
  kRoot,
  makeSandbox,
  waitForNoProcesses,
} from '../tests/e2e/lib/browsers.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const kHost = path.resolve(arg('--host', hostBinary() || 'build/native_host/mailveil-host'));
const kOut = path.resolve(arg('--out', path.join(kRoot, 'docs/screenshots')));
const kGmail = 'http://gmail.mailveil.test/bouygues.html';
/** Fixture mails scanned for the audit report (their <template> bodies, as the webmail would show them). */
const kReportMails = [
  'gmail/bouygues.html',
  'outlook/newsletter.html',
  'outlook/newsletter-fr.html',
  'yahoo/personal.html',
  'proton/conversation.html',
];

/** The bodies of a fixture page's mails (its <template>s), with the fixture server's {{…}} expanded. */
function fixtureMails(rel) {
  const text = expandTemplates(fs.readFileSync(path.join(kRoot, 'tests/e2e/fixtures', rel), 'utf8'));
  return [...text.matchAll(/<template[^>]*>([\s\S]*?)<\/template>/g)].map((m) => m[1]);
}

/** The toolbar as the user sees it: the icon drawn by the extension's own code, with the badge it set. */
async function badgeShot(session, state, file) {
  const iconCode = fs
    .readFileSync(path.join(kRoot, 'extension/background/icon.js'), 'utf8')
    .replace(/^import .*$/gm, '')
    .replace(/^export /gm, '');
  const page = await session.newPage();
  await page.setViewport({ width: 520, height: 96, deviceScaleFactor: 2 });
  await page.setContent(`<!doctype html><meta charset="utf-8">
    <style>body{margin:0;font:13px system-ui,sans-serif;background:#dfe1e5}
    .bar{display:flex;align-items:center;gap:10px;height:44px;padding:0 12px;background:#f1f3f4;border-bottom:1px solid #c4c7c5}
    .url{flex:1;background:#fff;border-radius:16px;padding:6px 14px;color:#444}
    .action{position:relative;width:32px;height:32px}
    .badge{position:absolute;right:-6px;bottom:-2px;min-width:14px;padding:0 3px;border-radius:3px;color:#fff;
      font:bold 10px/14px system-ui,sans-serif;text-align:center}
    .tip{margin:6px 12px;padding:4px 8px;background:#3c4043;color:#fff;border-radius:4px;display:inline-block}</style>
    <div class="bar"><div class="url">mail.google.com</div>
      <div class="action"><canvas id="icon" width="32" height="32" style="width:32px;height:32px"></canvas>
      <div class="badge" id="badge"></div></div></div>
    <div class="tip" id="tip"></div>`);
  await page.evaluate(
    (code, badge) => {
      // eslint-disable-next-line no-new-func
      const { drawIcon } = new Function(`${code}; return { drawIcon };`)();
      drawIcon(document.getElementById('icon').getContext('2d'), 32, badge.dot);
      const b = document.getElementById('badge');
      b.textContent = badge.text;
      b.style.background = badge.color;
      document.getElementById('tip').textContent = badge.title;
    },
    iconCode,
    state.tab.badge,
  );
  await page.screenshot({ path: file });
  await page.close();
}

async function main() {
  if (!fs.existsSync(kHost)) throw new Error(`${kHost} missing: build the host first`);
  execFileSync('node', [path.join(kRoot, 'tools/pack-extension.mjs'), '--test'], { stdio: 'inherit' });
  fs.mkdirSync(kOut, { recursive: true });
  const server = await new FixtureServer().start();
  const sandbox = makeSandbox('screenshots');
  let session = null;
  try {
    // First run, before the helper is installed.
    session = await Session.launch('chromium', { sandbox, proxyPort: server.port });
    const welcome = await session.openWelcome();
    await welcome.waitForSelector('#status[data-state="missing"]');
    await welcome.bringToFront();
    await welcome.setViewport({ width: 900, height: 760 });
    await welcome.screenshot({ path: path.join(kOut, 'first-run.png'), fullPage: true });
    await session.close();

    // With the helper: a graded mail, its badge and its popup.
    installHost(sandbox, kHost);
    session = await Session.launch('chromium', { sandbox, proxyPort: server.port });
    const page = await session.newPage();
    await page.goto(kGmail);
    const state = await session.waitForState(page, (s) => /^[A-F]$/.test(s.badge.text || '') && s.tab.badge);
    await badgeShot(session, state, path.join(kOut, 'badge.png'));
    const popup = await session.openPopup(page);
    await popup.bringToFront();
    await popup.setViewport({ width: 460, height: 1400 }); // tall: no scroll bar eating the width
    await popup.evaluate(() => document.querySelector('section.card details')?.setAttribute('open', ''));
    const height = await popup.evaluate(() => document.documentElement.scrollHeight);
    await popup.screenshot({ path: path.join(kOut, 'popup.png'), clip: { x: 0, y: 0, width: 460, height } });
    await session.close();
    session = null;

    // The audit report over the fixtures' mails.
    const mails = path.join(sandbox.dir, 'mails');
    fs.mkdirSync(mails);
    let n = 0;
    for (const rel of kReportMails) {
      for (const body of fixtureMails(rel)) fs.writeFileSync(path.join(mails, `mail-${(n += 1)}.html`), body);
    }
    const report = path.join(sandbox.dir, 'audit.html');
    execFileSync(
      kHost,
      [
        'scan',
        '--quiet',
        '--report',
        report,
        '--address',
        'reader.one@example.org',
        '--address',
        'reader.two@example.net',
        mails,
      ],
      { env: { ...process.env, MAILVEIL_HOME: sandbox.state, HOME: sandbox.home } },
    );
    session = await Session.launch('chromium', { sandbox, proxyPort: server.port });
    const audit = await session.newPage();
    await audit.setViewport({ width: 1000, height: 900 });
    await audit.goto(`file://${report}`);
    await audit.screenshot({ path: path.join(kOut, 'audit-report.png') });
  } finally {
    if (session) await session.close();
    await server.stop();
    await waitForNoProcesses(sandbox.dir);
    fs.rmSync(sandbox.dir, { recursive: true, force: true });
  }
  for (const f of fs.readdirSync(kOut)) console.log(path.join(path.relative(process.cwd(), kOut), f));
}

main().catch((e) => {
  console.error(`screenshots: ${e.stack || e.message}`);
  process.exit(1);
});
