// Launching Debian's chromium and firefox-esr headless with puppeteer-core, the unpacked test build of the
// extension, every request routed through the logging fixture server, and a private HOME (Firefox reads
// native-messaging manifests from $HOME/.mozilla) and MAILVEIL_HOME (the host's state and log).
// Recipe: /work/shared/docs/browser-e2e.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import puppeteer from 'puppeteer-core';

export const kRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
export const kChromeExtensionId = 'celkdkpfmogfmihpiofdidjkhbcliejm';
/** Fixed moz-extension UUID (pref extensions.webextensions.uuids) so that pages can be addressed. */
export const kFirefoxUuid = '5f0c1e7a-3b2d-4c6e-9a8f-1d2e3f4a5b6c';
export const kChromiumBin = process.env.CHROMIUM_BIN || '/usr/lib/chromium/chromium';
export const kFirefoxBin = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The host binary under test: $MAILVEIL_HOST, else build/native_host/mailveil-host, else build-ext's. */
export function hostBinary() {
  const candidates = [
    process.env.MAILVEIL_HOST,
    path.join(kRoot, 'build/native_host/mailveil-host'),
    path.join(kRoot, 'build-ext/native_host/mailveil-host'),
  ];
  return candidates.find((c) => c && fs.existsSync(c)) || null;
}

/** A scratch directory tree for one browser session. */
export function makeSandbox(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mailveil-e2e-${label}-`));
  const sb = {
    dir,
    home: path.join(dir, 'home'),
    prefix: path.join(dir, 'prefix'),
    state: path.join(dir, 'state'),
    udd: path.join(dir, 'udd'),
  };
  for (const d of [sb.home, sb.state, sb.udd]) fs.mkdirSync(d, { recursive: true });
  return sb;
}

/** Installs a host binary for the sandbox's profiles with the project's installer (the command users run). */
export function installHost(sb, binary, { signatures } = {}) {
  const args = [
    path.join(kRoot, 'manifests/mailveil-install.py'),
    'install',
    '--prefix',
    sb.prefix,
    '--home',
    sb.home,
    '--host-binary',
    binary,
    '--browsers',
    'chromium,firefox',
    '--chromium-user-data-dir',
    sb.udd,
  ];
  if (signatures) args.push('--signatures', signatures);
  return execFileSync('python3', args, { encoding: 'utf8' });
}

export function uninstallHost(sb) {
  return execFileSync(
    'python3',
    [
      path.join(kRoot, 'manifests/mailveil-install.py'),
      'uninstall',
      '--prefix',
      sb.prefix,
      '--home',
      sb.home,
      '--browsers',
      'chromium,firefox',
      '--chromium-user-data-dir',
      sb.udd,
    ],
    { encoding: 'utf8' },
  );
}

function sessionEnv(sb, extra = {}) {
  return { ...process.env, HOME: sb.home, MAILVEIL_HOME: sb.state, ...extra };
}

export class Session {
  constructor(kind, browser, sb) {
    this.kind = kind;
    this.browser = browser;
    this.sb = sb;
  }

  /**
   * @param {'chromium'|'firefox'} kind
   * @param {{sandbox: object, proxyPort: number, env?: object}} opts
   */
  static async launch(kind, { sandbox, proxyPort, env }) {
    const ext = path.join(kRoot, 'dist', `test-${kind === 'chromium' ? 'chrome' : 'firefox'}`);
    if (!fs.existsSync(path.join(ext, 'manifest.json')))
      throw new Error(`${ext} missing: run node tools/pack-extension.mjs --test`);
    let browser;
    if (kind === 'chromium') {
      browser = await puppeteer.launch({
        executablePath: kChromiumBin,
        ignoreDefaultArgs: true,
        headless: false, // --headless=new is passed below
        env: sessionEnv(sandbox, env),
        protocolTimeout: 30000,
        args: [
          '--headless=new',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--no-default-browser-check',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-quic',
          '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,Translate,OptimizationHints',
          `--user-data-dir=${sandbox.udd}`,
          `--load-extension=${ext}`,
          '--window-size=1280,900',
          `--proxy-server=http://127.0.0.1:${proxyPort}`,
          '--proxy-bypass-list=<-loopback>',
          'about:blank',
        ],
      });
      await browser.waitForTarget(
        (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${kChromeExtensionId}/`),
        { timeout: 15000 },
      );
    } else {
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: kFirefoxBin,
        headless: true,
        env: sessionEnv(sandbox, env),
        protocolTimeout: 30000,
        extraPrefsFirefox: {
          'network.proxy.type': 1,
          'network.proxy.http': '127.0.0.1',
          'network.proxy.http_port': proxyPort,
          'network.proxy.ssl': '127.0.0.1',
          'network.proxy.ssl_port': proxyPort,
          'network.proxy.no_proxies_on': '',
          'network.proxy.allow_hijacking_localhost': true,
          'dom.security.https_first': false,
          'dom.security.https_only_mode': false,
          'extensions.webextensions.uuids': JSON.stringify({ 'mailveil@mailveil.org': kFirefoxUuid }),
        },
      });
      const id = await browser.installExtension(ext);
      if (id !== 'mailveil@mailveil.org') throw new Error(`unexpected add-on id ${id}`);
    }
    return new Session(kind, browser, sandbox);
  }

  async newPage() {
    return this.browser.newPage();
  }

  /** Sends a test-hook command through the page (test builds only) and returns the extension's answer. */
  async hook(page, cmd, args = {}) {
    const nonce = Math.random().toString(36).slice(2, 10);
    await page.evaluate(
      (c, n, a) => window.postMessage({ mailveilTest: { cmd: c, nonce: n, args: a } }, '*'),
      cmd,
      nonce,
      args,
    );
    const handle = await page.waitForSelector(`#mailveil-test-${nonce}`, { timeout: 15000 });
    const text = await handle.evaluate((e) => e.textContent);
    await handle.evaluate((e) => e.remove());
    return JSON.parse(text);
  }

  /** Polls the tab's state until `done(state)`; returns the last state. */
  async waitForState(page, done, { timeout = 15000, interval = 100 } = {}) {
    const deadline = Date.now() + timeout;
    let state = null;
    while (Date.now() < deadline) {
      state = await this.hook(page, 'state');
      if (done(state)) return state;
      await sleep(interval);
    }
    const err = new Error(
      `timed out waiting for the extension state; last: ${JSON.stringify(state && { badge: state.badge, layout: state.tab && state.tab.layout, host: state.host })}`,
    );
    err.state = state;
    throw err;
  }

  /** Opens the real popup page for the page's tab (in a tab of its own) and returns it once rendered. */
  async openPopup(page) {
    const nonce = Math.random().toString(36).slice(2, 10);
    const { popupTabId } = await this.hook(page, 'open-popup', { nonce });
    if (popupTabId === undefined) throw new Error('popup tab not created');
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      for (const p of await this.browser.pages()) {
        let href = '';
        try {
          href = await p.evaluate(() => location.href);
        } catch {
          continue;
        }
        if (href.includes('/popup/popup.html?') && href.includes(`n=${nonce}`)) {
          await p.waitForSelector('body[data-ready="1"]', { timeout: 10000 });
          return p;
        }
      }
      await sleep(100);
    }
    throw new Error('popup page not found');
  }

  /** Closes a page (popup tabs opened by the extension included). */
  static async closePage(p) {
    try {
      await p.close();
    } catch {
      try {
        await p.evaluate(() => window.close());
      } catch {
        // gone already
      }
    }
  }

  async close() {
    const proc = this.browser.process();
    try {
      await Promise.race([this.browser.close(), sleep(10000)]);
    } finally {
      if (proc && proc.exitCode === null && proc.pid) {
        try {
          process.kill(proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
}

/** Everything the popup shows, read from its DOM. */
export async function readPopup(popup) {
  return popup.evaluate(() => {
    const text = (sel, root = document) => {
      const el = root.querySelector(sel);
      return el && !el.closest('[hidden]') ? el.textContent.trim() : null;
    };
    return {
      hostError: text('#host-error-text'),
      hostErrorState: document.querySelector('#host-error').hidden
        ? null
        : document.querySelector('#host-error').dataset.state,
      layoutWarning: text('#layout-warning-text'),
      noMail: text('#no-mail'),
      listVersion: text('#list-version'),
      updateStatus: text('#update-status'),
      messages: [...document.querySelectorAll('article.message')].map((a) => ({
        key: a.dataset.key,
        status: a.dataset.status,
        score: text('.score', a),
        grade: text('.grade', a),
        sender: text('.sender', a),
        summary: text('.summary', a),
        findings: [...a.querySelectorAll('.finding')].map((f) => f.textContent),
        rows: [...a.querySelectorAll('tr.element-row')].map((r) => ({
          ref: r.dataset.ref,
          action: r.dataset.action,
          kind: r.querySelector('.kind').textContent,
          company: r.querySelector('.company').textContent,
          category: r.querySelector('.category').textContent,
          leaks: r.querySelector('.leaks').textContent,
          evidence: r.querySelector('.evidence').textContent,
          verdict: r.querySelector('.verdict').textContent,
        })),
      })),
      text: document.body.innerText,
    };
  });
}

/** PIDs of live processes whose command line mentions `text` (a sandbox path), this test run's own. */
export function processesMentioning(text) {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmd.includes(text) && !/\) Z /.test(stat)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Waits until no process mentions `text`; returns those still alive after `timeout`. */
export async function waitForNoProcesses(text, timeout = 5000) {
  const deadline = Date.now() + timeout;
  let left = processesMentioning(text);
  while (left.length && Date.now() < deadline) {
    await sleep(100);
    left = processesMentioning(text);
  }
  return left;
}
