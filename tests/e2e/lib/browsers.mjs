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

/** The page the driver opens to host the popup (tests/e2e/fixtures/slot/, test hook only, not a webmail). */
export const kPopupSlotUrl = 'http://slot.mailveil.test/';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const kTimeScale = Number(process.env.MAILVEIL_E2E_TIME_SCALE) || 1;
/**
 * Deadlines, ms. Every wait returns as soon as its condition holds, so these only bound how long a failure takes
 * to be reported. They are generous because the suite runs on shared, loaded machines (a fresh Firefox profile
 * has taken 19 s to start on a 2-core VM at load 15). MAILVEIL_E2E_TIME_SCALE multiplies them.
 */
export const kDeadline = Object.freeze({
  /** the browser starts and the extension's background is up */
  launch: 120000 * kTimeScale,
  /** one protocol command (CDP / BiDi) */
  protocol: 60000 * kTimeScale,
  /** a page condition: a hook answer, a state, a request in the log, a popup rendered */
  condition: 30000 * kTimeScale,
  /** the browser closes, and every process it started (host included) exits */
  close: 30000 * kTimeScale,
});

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
    /** where the browser saves downloads (the evidence pack) */
    downloads: path.join(dir, 'downloads'),
  };
  for (const d of [sb.home, sb.state, sb.udd, sb.downloads]) fs.mkdirSync(d, { recursive: true });
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
        timeout: kDeadline.launch,
        protocolTimeout: kDeadline.protocol,
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
        { timeout: kDeadline.launch },
      );
      // Downloads go to the sandbox, without asking.
      const cdp = await browser.target().createCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: sandbox.downloads });
    } else {
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: kFirefoxBin,
        headless: true,
        env: sessionEnv(sandbox, env),
        timeout: kDeadline.launch,
        protocolTimeout: kDeadline.protocol,
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
          // Downloads go to the sandbox, without asking.
          'browser.download.folderList': 2,
          'browser.download.dir': sandbox.downloads,
          'browser.download.useDownloadDir': true,
          'browser.download.always_ask_before_handling_new_types': false,
          'browser.download.start_downloads_in_tmp_dir': false,
          'browser.download.alwaysOpenPanel': false,
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
  async hook(page, cmd, args = {}, { timeout = kDeadline.condition } = {}) {
    const nonce = Math.random().toString(36).slice(2, 10);
    await page.evaluate(
      (c, n, a) => window.postMessage({ mailveilTest: { cmd: c, nonce: n, args: a } }, '*'),
      cmd,
      nonce,
      args,
    );
    const handle = await page.waitForSelector(`#mailveil-test-${nonce}`, { timeout });
    const text = await handle.evaluate((e) => e.textContent);
    await handle.evaluate((e) => e.remove());
    return JSON.parse(text);
  }

  /**
   * Polls the tab's state until `done(state)`; returns the last state. `acrossReload`: the page may be reloading
   * meanwhile (the extension reloads it), so a hook call lost with the old document is simply tried again.
   */
  async waitForState(page, done, { timeout = kDeadline.condition, interval = 100, acrossReload = false } = {}) {
    const deadline = Date.now() + timeout;
    let state = null;
    while (Date.now() < deadline) {
      try {
        state = await this.hook(page, 'state', {}, acrossReload ? { timeout: kDeadline.protocol / 10 } : {});
      } catch (e) {
        if (!acrossReload) throw e;
        state = null;
      }
      if (state && done(state)) return state;
      await sleep(interval);
    }
    const err = new Error(
      `timed out waiting for the extension state; last: ${JSON.stringify(state && { badge: state.badge, layout: state.tab && state.tab.layout, host: state.host })}`,
    );
    err.state = state;
    throw err;
  }

  /**
   * Opens the real popup page for the page's tab, in a tab of its own, and returns it once rendered.
   *
   * The driver opens that tab itself and the extension then navigates it to popup.html. The extension must not
   * open it with tabs.create(): Firefox's WebDriver BiDi does not report browsing contexts that live in the
   * extension process (Mozilla bug 1755014), so such a tab is seen only when BiDi happens to notice it before
   * it switches process, a race lost now and then. A tab the driver created stays tracked across that switch.
   * The tab opens in the background so that the webmail tab stays the visible one (Chromium does not fetch CSS
   * background images of hidden tabs, which a test may be waiting for).
   */
  async openPopup(page) {
    const nonce = Math.random().toString(36).slice(2, 10);
    const { tabId } = await this.hook(page, 'state');
    if (!Number.isInteger(tabId)) throw new Error('the extension did not name the tab');
    return this.showInSlot_(
      'show-popup',
      { tab: tabId, nonce },
      (href) => href.includes('/popup/popup.html?') && href.includes(`n=${nonce}`),
    );
  }

  /** Opens the first-run page (welcome/welcome.html) the same way as the popup, and returns it once rendered. */
  async openWelcome() {
    return this.showInSlot_('show-page', { page: 'welcome' }, (href) => href.includes('/welcome/welcome.html'));
  }

  /** A background tab of the driver's on the slot page, turned by the test hook into an extension page. */
  async showInSlot_(cmd, args, wanted) {
    const slot = await this.browser.newPage({ background: true });
    await slot.goto(kPopupSlotUrl);
    // The slot's own test hook asks the extension to navigate the slot; no answer comes back (the page is gone).
    await slot.evaluate(
      (c, n, a) => window.postMessage({ mailveilTest: { cmd: c, nonce: n, args: a } }, '*'),
      cmd,
      Math.random().toString(36).slice(2, 10),
      args,
    );
    const deadline = Date.now() + kDeadline.condition;
    let href = '';
    while (!wanted(href)) {
      if (Date.now() > deadline) throw new Error(`the slot tab never became the ${cmd} page (last URL: ${href})`);
      await sleep(50);
      href = await slot.evaluate(() => location.href).catch(() => ''); // '' while it navigates
    }
    await slot.waitForSelector('body[data-ready="1"]', { timeout: kDeadline.condition });
    return slot;
  }

  /**
   * Runs `action` (a click), then returns the tab it made the extension open, once that tab shows the extension
   * page whose path contains `pathPart` and the page is rendered (body[data-ready]). The extension opens such
   * tabs blank and then navigates them, so that Firefox's WebDriver BiDi reports them (see openPopup).
   */
  async extensionPageOpenedBy(action, pathPart) {
    const known = new Set(this.browser.targets());
    const opened = this.browser.waitForTarget((t) => t.type() === 'page' && !known.has(t), {
      timeout: kDeadline.condition,
    });
    await action();
    const page = await (await opened).page();
    const deadline = Date.now() + kDeadline.condition;
    let href = '';
    while (!href.includes(pathPart)) {
      if (Date.now() > deadline) throw new Error(`the new tab never showed ${pathPart} (last URL: ${href})`);
      await sleep(50);
      href = await page.evaluate(() => location.href).catch(() => ''); // '' while it navigates
    }
    await page.waitForSelector('body[data-ready="1"]', { timeout: kDeadline.condition });
    return page;
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
      await Promise.race([this.browser.close(), sleep(kDeadline.close)]);
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
      listStale: text('#list-stale-text'),
      pauseSite: text('#pause-site'),
      paused: text('#paused-text'),
      noMail: text('#no-mail'),
      listVersion: text('#list-version'),
      updateStatus: text('#update-status'),
      messages: [...document.querySelectorAll('article.message')].map((a) => ({
        key: a.dataset.key,
        status: a.dataset.status,
        score: text('.score', a),
        grade: text('.grade', a),
        reason: text('.reason', a),
        loadAll: text('button.load-all', a),
        allowSender: text('button.allow-sender', a),
        sender: text('.sender', a),
        summary: text('.summary', a),
        findings: [...a.querySelectorAll('.finding')].map((f) => f.textContent),
        trackedLinks: [...a.querySelectorAll('li.tracked-link')].map((li) => li.textContent),
        cards: [...a.querySelectorAll('section.card')].map((c) => ({
          company: c.dataset.company,
          facts: [...c.querySelectorAll('.facts li')].map((li) => li.textContent),
        })),
        rows: [...a.querySelectorAll('.element-row')].map((r) => ({
          ref: r.dataset.ref,
          action: r.dataset.action,
          kind: r.dataset.kind,
          kindText: r.querySelector('.kind').textContent,
          company: r.querySelector('.company').textContent,
          category: r.dataset.category,
          leaks: r.querySelector('.leaks').textContent,
          evidence: r.querySelector('.evidence').textContent,
          verdict: r.querySelector('.verdict').textContent,
        })),
      })),
      // Everything the popup holds, folded details and hidden parts included.
      text: document.body.textContent,
    };
  });
}

/**
 * Waits until the browser has finished writing `name` into the sandbox's downloads (no partial-file companion,
 * a non-empty size that holds between two looks) and returns its text.
 */
export async function waitForDownload(sb, name, timeout = kDeadline.condition) {
  const file = path.join(sb.downloads, name);
  const deadline = Date.now() + timeout;
  let last = -1;
  while (Date.now() < deadline) {
    const partial = fs.readdirSync(sb.downloads).some((f) => /\.(crdownload|part)$/.test(f));
    const size = fs.existsSync(file) ? fs.statSync(file).size : -1;
    if (!partial && size > 0 && size === last) return fs.readFileSync(file, 'utf8');
    last = size;
    await sleep(100);
  }
  throw new Error(`download ${name} never completed in ${sb.downloads} (${fs.readdirSync(sb.downloads).join(', ')})`);
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
export async function waitForNoProcesses(text, timeout = kDeadline.close) {
  const deadline = Date.now() + timeout;
  let left = processesMentioning(text);
  while (left.length && Date.now() < deadline) {
    await sleep(100);
    left = processesMentioning(text);
  }
  return left;
}
