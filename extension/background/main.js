// Background entry point (Chrome: module service worker; Firefox: module event page). Wires the browser's
// events to the native client, the network rules, the per-tab state and the badge. Listeners are registered
// synchronously at top level, as MV3 requires; state is loaded lazily by `ready`.
import '../shared/webmails.js';
import '../shared/build-config.js';
import '../shared/messages.js';
import { HostError, NativeClient } from './native-client.js';
import { DnrRules, webmailInitiators } from './dnr.js';
import { planDecisions } from './plan.js';
import { badgeFor } from './badge.js';
import { iconDot, paintIcon } from './icon.js';
import { reasonText } from '../popup/view-model.js';
import {
  confirmsTrackedLinks,
  isPaused,
  isSenderAllowed,
  loadSettings,
  mergeAddresses,
  parseAddressList,
  parseSenderList,
  saveSettings,
} from './settings.js';
import { LinkQuestions, questionFor } from './link-questions.js';
import {
  TabStore,
  loadAllOf,
  notePageLoadAllUrls,
  openMessages,
  pageLoadAllUrls,
  setPageLoadAll,
} from './tab-state.js';

const api = globalThis.browser ?? globalThis.chrome;
const { webmails, buildConfig, messages } = globalThis.mailveil;
const { what } = messages;
const kManifest = api.runtime.getManifest();
const kExtensionOrigin = api.runtime.getURL('');
const kUpdateAlarm = 'signature-update';
/** The first-run page: checks for the helper, shows the install command, turns green when it answers. */
const kWelcomePage = 'welcome/welcome.html';
/**
 * How long `update` may stay silent: it downloads and verifies the list. Each progress frame restarts the wait
 * (native-client.js); other requests use the client's kRequestTimeoutMs.
 */
const kUpdateTimeoutMs = 120000;

const tabs = new TabStore(api.storage.session || null);
const questions = new LinkQuestions(api.storage.session || null);
/** runtime.getBrowserInfo exists in Firefox only; its rules need the `imageset` type as well (webmails.js). */
const kBrowser = typeof api.runtime.getBrowserInfo === 'function' ? 'firefox' : 'chrome';
const dnr = new DnrRules(api.declarativeNetRequest, {
  initiators: webmailInitiators(webmails.list, buildConfig.hostAliases),
  resourceTypes: webmails.resourceTypesFor(kBrowser),
});
let settings = null;
let signatures = null; // {list_version, published, trackers, source}
let rulesVersion = null;
/** Signature update in progress or last outcome, for the popup. */
let update = { running: false };

const client = new NativeClient({
  connectNative: (name) => api.runtime.connectNative(name),
  client: `mailveil-extension/${kManifest.version}`,
  lastError: () => (api.runtime.lastError ? api.runtime.lastError.message : undefined),
  onStatus: onHostStatus,
});

const ready = (async () => {
  settings = await loadSettings(api.storage.local);
  await tabs.load();
  await ensureAlarm();
  await applyPause();
  // The default icon (tabs without a webmail): a grey dot, never the green of a good grade.
  await paintIcon(api.action, iconDot(null)).catch(() => {});
})();

/** The page hosts (test aliases included) of the webmails where the user paused protection. */
function pausedPageHosts() {
  const aliases = buildConfig.hostAliases || {};
  return settings.pausedWebmails.flatMap((id) => {
    const w = webmails.list.find((x) => x.id === id);
    return w ? [...w.hosts, ...Object.keys(aliases).filter((h) => aliases[h] === id)] : [];
  });
}

/** Installs the network rule of the paused webmails (dynamic rules persist; this keeps them in step). */
async function applyPause() {
  await dnr.setPaused(pausedPageHosts()).catch(() => {});
}

let lastHostState = 'idle';
function onHostStatus(status) {
  if (status.hello && status.hello.signatures) signatures = status.hello.signatures;
  const was = lastHostState;
  lastHostState = status.state;
  if (was === status.state) return;
  ready.then(() => {
    for (const tabId of tabs.ids()) refreshBadge(tabId);
    broadcast({ what: what.stateChanged });
    if (status.state === 'ready') {
      refreshRules();
      // Messages that could not be checked while the host was away get another chance.
      for (const tabId of tabs.ids()) {
        if (openMessages(tabs.get(tabId)).some((m) => m.status === 'error')) tellTab(tabId, { what: what.reapply });
      }
    }
  });
}

function broadcast(msg) {
  try {
    Promise.resolve(api.runtime.sendMessage(msg)).catch(() => {});
  } catch {
    // no listener (popup closed)
  }
}

function tellTab(tabId, msg) {
  try {
    Promise.resolve(api.tabs.sendMessage(tabId, msg)).catch(() => {});
  } catch {
    // tab gone
  }
}

function errorOf(e) {
  return e instanceof HostError
    ? { code: e.code, message: e.message }
    : { code: 'internal', message: String(e && e.message ? e.message : e) };
}

async function refreshBadge(tabId) {
  const tab = tabs.get(tabId);
  if (!tab) return;
  const messages = openMessages(tab).map((m) => ({
    status: m.status,
    score: m.result ? m.result.score : null,
    reason: m.result ? reasonText(m.result.score) : null,
  }));
  const paused = !!settings && isPaused(settings, tab.webmail);
  const b = badgeFor({ webmail: tab.webmail, layout: tab.layout, messages, paused }, client.status());
  const dot = iconDot(b);
  try {
    await Promise.all([
      paintIcon(api.action, dot, tabId),
      api.action.setBadgeText({ tabId, text: b.text }),
      api.action.setBadgeBackgroundColor({ tabId, color: b.color }),
      api.action.setTitle({ tabId, title: b.title }),
      api.action.setBadgeTextColor ? api.action.setBadgeTextColor({ tabId, color: '#ffffff' }) : null,
    ]);
    tab.badge = { ...b, dot, at: performance.timeOrigin + performance.now() };
  } catch {
    // the tab closed meanwhile
  }
}

/** Ends the tab's page-only "load all images" choices: their allow rules go (plan.js re-adds what is still needed). */
async function withdrawPageLoadAll(tab) {
  const urls = pageLoadAllUrls(tab);
  if (tab) tab.loadAll = {};
  if (urls.length) await dnr.remove(urls, 'userAllow').catch(() => {});
}

async function refreshRules() {
  try {
    const rules = await client.request('rules');
    if (rules.list_version === rulesVersion) return;
    await dnr.setTrackerDomains(rules.block_domains);
    rulesVersion = rules.list_version;
  } catch {
    // host unavailable: the previous dynamic rule stays installed (dynamic rules persist)
  }
}

async function ensureAlarm() {
  const hours = settings ? settings.updateIntervalHours : 24;
  const existing = await api.alarms.get(kUpdateAlarm);
  if (!hours) {
    if (existing) await api.alarms.clear(kUpdateAlarm);
    return;
  }
  if (existing && existing.periodInMinutes === hours * 60) return;
  await api.alarms.create(kUpdateAlarm, { delayInMinutes: hours * 60, periodInMinutes: hours * 60 });
}

/** Runs the host's `update` action, relaying progress frames to the popup. */
async function runUpdate(rollback = false) {
  if (update.running) return update;
  update = { running: true, rollback, received: 0, total: 0, startedAt: Date.now() };
  broadcast({ what: what.updateProgress, update });
  try {
    const result = await client.request('update', rollback ? { rollback: true } : {}, {
      timeoutMs: kUpdateTimeoutMs,
      onProgress: (p) => {
        update = { ...update, received: Number(p.received) || 0, total: Number(p.total) || 0 };
        broadcast({ what: what.updateProgress, update });
      },
    });
    if (result && result.signatures) signatures = result.signatures;
    update = { running: false, status: result ? result.status : 'unknown', signatures, finishedAt: Date.now() };
    await refreshRules();
  } catch (e) {
    update = { running: false, error: errorOf(e), finishedAt: Date.now() };
  }
  broadcast({ what: what.updateProgress, update });
  return update;
}

function pageWebmail(sender) {
  try {
    return webmails.webmailForHost(new URL(sender.url).hostname, buildConfig.hostAliases);
  } catch {
    return null;
  }
}

function absoluteUrl(url, base) {
  try {
    return new URL(url, base || 'https://invalid.invalid/').href;
  } catch {
    return null;
  }
}

// --- content script messages -------------------------------------------------------------------------------

async function onClassify(msg, sender, webmail) {
  const tabId = sender.tab.id;
  const tab = tabs.ensure(tabId, webmail.id, sender.url);
  const key = String(msg.key || '');
  const m = msg.message && typeof msg.message === 'object' ? msg.message : {};
  const elements = Array.isArray(m.elements) ? m.elements : [];
  const message = {
    webmail: webmail.id,
    user_addresses: mergeAddresses(Array.isArray(m.user_addresses) ? m.user_addresses : [], settings.userAddresses),
    elements,
  };
  if (typeof m.id === 'string') message.id = m.id;
  if (typeof m.sender === 'string') message.sender = m.sender;
  const headers = msg.headers && typeof msg.headers === 'object' ? msg.headers : {};
  const record = {
    key,
    id: message.id || null,
    webmail: webmail.id,
    sender: message.sender || null,
    userAddresses: message.user_addresses,
    status: 'pending',
    error: null,
    elements,
    result: null,
    decisions: [],
    truncated: !!msg.truncated,
    // What the webmail shows of the mail's headers, for the evidence pack only (never sent to classify).
    headers: Object.fromEntries(
      ['subject', 'date', 'message_id_header']
        .filter((k) => typeof headers[k] === 'string' && headers[k])
        .map((k) => [k, headers[k].slice(0, 1000)]),
    ),
    firstSeenAt: Number(msg.firstSeenAt) || 0,
    classifiedAt: 0,
    badgeAt: 0,
  };
  tab.messages[key] = record;
  if (!tab.openKeys.includes(key)) tab.openKeys.push(key);
  refreshBadge(tabId);
  let result = null;
  try {
    result = await client.request('classify', { message });
  } catch (e) {
    record.status = 'error';
    record.error = errorOf(e);
  }
  // Without the host's verdicts (helper missing or failing) the user's own choices still apply: "Show images
  // without protection", allowed senders, per-element Allow / Block. Everything else keeps the safe default.
  const loadAll = loadAllOf(record, settings, tab);
  const plan = planDecisions(elements, result, {
    elementOverrides: settings.elementOverrides,
    loadAll: !!loadAll,
    senderAllowed: isSenderAllowed(settings, message.sender),
    confirmTrackedLinks: confirmsTrackedLinks(settings, message.sender),
  });
  const abs = (urls) => urls.map((u) => absoluteUrl(u, sender.url)).filter(Boolean);
  record.loadAllUrls = abs(plan.loadAll);
  record.senderAllowUrls = abs(plan.senderAllow);
  if (loadAll === 'page') notePageLoadAllUrls(tab, key, record.loadAllUrls);
  await Promise.all([
    dnr.add(abs(plan.release), 'release'),
    dnr.add(abs(plan.userAllow), 'userAllow'),
    dnr.add(abs(plan.userBlock), 'userBlock'),
  ]).catch(() => {});
  record.decisions = plan.decisions;
  if (!result) {
    await refreshBadge(tabId);
    tabs.save();
    broadcast({ what: what.stateChanged, tabId });
    return { ok: false, error: record.error, decisions: plan.decisions };
  }
  record.status = 'done';
  record.result = result;
  record.classifiedAt = Date.now();
  if (tabs.get(tabId) === tab && tab.messages[key] === record) {
    await refreshBadge(tabId);
    record.badgeAt = tab.badge ? tab.badge.at : 0; // when the badge first showed this message's result
  }
  tabs.save();
  broadcast({ what: what.stateChanged, tabId });
  return { ok: true, decisions: plan.decisions };
}

async function onContentMessage(msg, sender) {
  if (!sender.tab) return { ok: false, error: { code: 'not_a_webmail' } };
  // Test builds only: the end-to-end hook, also on the popup slot page, which is not a webmail.
  if (buildConfig.test && msg.what.startsWith(messages.testPrefix)) return onTestMessage(msg, sender);
  const webmail = pageWebmail(sender);
  if (!webmail) return { ok: false, error: { code: 'not_a_webmail' } };
  const tabId = sender.tab.id;
  switch (msg.what) {
    case what.page: {
      // A new page: the previous page's "load all images" choices for messages without an id end here. The
      // state is replaced first, so that this page's classify requests never land in the old one; the rule
      // updates are queued, so the new page's rules come after the withdrawal.
      const previous = tabs.get(tabId);
      tabs.reset(tabId, webmail.id, sender.url);
      await withdrawPageLoadAll(previous);
      await refreshBadge(tabId);
      client.ensureReady().catch(() => {}); // learn early whether the host is there
      return { ok: true, paused: isPaused(settings, webmail.id) };
    }
    case what.layout: {
      const tab = tabs.ensure(tabId, webmail.id, sender.url);
      tab.layout = ['ok', 'none', 'unrecognised'].includes(msg.state) ? msg.state : 'pending';
      tab.layoutDetail = String(msg.detail || '');
      await refreshBadge(tabId);
      tabs.save();
      broadcast({ what: what.stateChanged, tabId });
      return { ok: true };
    }
    case what.openMessages:
      tabs.ensure(tabId, webmail.id, sender.url);
      tabs.setOpen(tabId, Array.isArray(msg.keys) ? msg.keys.map(String) : []);
      await refreshBadge(tabId);
      return { ok: true };
    case what.classify:
      return onClassify(msg, sender, webmail);
    case what.confirmLink: {
      const tab = tabs.get(tabId);
      const record = tab ? tab.messages[String(msg.key || '')] : null;
      const question = questionFor(record, String(msg.ref || ''), sender.url);
      if (!question)
        return { ok: false, error: { code: 'not_found', message: 'not a tracked link of an open e-mail' } };
      const token = await questions.add({ ...question, webmailTabId: tabId });
      await openQuestionPage(sender.tab, token);
      return { ok: true };
    }
    default:
      return { ok: false, error: { code: 'unknown_message' } };
  }
}

/**
 * Opens the question page for a tracked link next to the webmail tab. The tab is created blank and then sent to
 * the page: a tab created directly on an extension page lives in Firefox's extension process from the start,
 * where WebDriver BiDi never reports it (Mozilla bug 1755014), and the end-to-end tests must find it.
 */
async function openQuestionPage(webmailTab, token) {
  const created = await api.tabs.create({
    url: 'about:blank',
    active: true,
    openerTabId: webmailTab.id,
    index: webmailTab.index + 1,
  });
  await api.tabs.update(created.id, { url: api.runtime.getURL(`confirm/confirm.html?t=${encodeURIComponent(token)}`) });
}

async function onTestMessage(msg, sender) {
  const tabId = sender.tab.id;
  if (msg.what === what.testState) {
    return {
      ok: true,
      tabId,
      badge: {
        text: await api.action.getBadgeText({ tabId }),
        color: await api.action.getBadgeBackgroundColor({ tabId }),
        title: await api.action.getTitle({ tabId }),
      },
      tab: tabs.get(tabId),
      host: client.status(),
      signatures,
      update,
      settings,
    };
  }
  if (msg.what === what.testShowPopup) {
    // The sender's tab was opened by the test driver (a blank page on the slot host) and becomes the popup of
    // args.tab. Firefox's WebDriver BiDi never reports a tab that the extension creates itself (it lives in the
    // extension process, Mozilla bug 1755014), but it keeps tracking a tab it created when that tab navigates
    // into the extension process.
    const shown = Number(msg.args && msg.args.tab);
    if (!Number.isInteger(shown)) return { ok: false, error: { code: 'bad_request', message: 'args.tab' } };
    const nonce = encodeURIComponent(String((msg.args && msg.args.nonce) || ''));
    await api.tabs.update(tabId, { url: api.runtime.getURL(`popup/popup.html?tab=${shown}&n=${nonce}`) });
    return { ok: true };
  }
  if (msg.what === what.testShowPage) {
    // The same for the first-run page, which a release build opens itself when installed.
    if (!msg.args || msg.args.page !== 'welcome') return { ok: false, error: { code: 'bad_request', message: 'page' } };
    await api.tabs.update(tabId, { url: api.runtime.getURL(kWelcomePage) });
    return { ok: true };
  }
  return { ok: false, error: { code: 'unknown_message' } };
}

// --- popup / options messages ------------------------------------------------------------------------------

/** Settings changes, one at a time: two quick clicks in the popup must not both start from the same copy. */
let settingsQueue = Promise.resolve();
function queueSettings(fn) {
  const job = settingsQueue.then(fn);
  settingsQueue = job.catch(() => {});
  return job;
}

function changeSettings(mutate) {
  return queueSettings(async () => {
    const next = structuredClone(settings);
    mutate(next);
    settings = await saveSettings(api.storage.local, next);
    await ensureAlarm();
    return settings;
  });
}

async function onPageMessage(msg, sender) {
  const tabId = Number(msg.tabId);
  const tab = Number.isInteger(tabId) ? tabs.get(tabId) : null;
  switch (msg.what) {
    case what.popupState:
      // Opening the popup is a good moment to (re)learn the host's state.
      if (client.status().state === 'idle') await client.ensureReady().catch(() => {});
      return {
        ok: true,
        version: kManifest.version,
        host: client.status(),
        signatures,
        update,
        tab,
        webmailLabel: tab && tab.webmail ? (webmails.list.find((w) => w.id === tab.webmail) || {}).label : null,
        settings: { elementOverrides: settings.elementOverrides, allowedSenders: settings.allowedSenders },
        paused: !!tab && isPaused(settings, tab.webmail),
        loadAll: Object.fromEntries(openMessages(tab).map((m) => [m.key, loadAllOf(m, settings, tab)])),
      };
    case what.retryHost:
      await client.reconnectNow().catch(() => {});
      return { ok: true, host: client.status() };
    case what.updateSignatures:
      runUpdate(!!msg.rollback);
      return { ok: true, update };
    case what.setOverride: {
      const url = String(msg.url || '');
      const action = msg.action === 'allow' || msg.action === 'block' ? msg.action : null;
      const previous = settings.elementOverrides[url];
      await changeSettings((s) => {
        if (action) s.elementOverrides[url] = action;
        else delete s.elementOverrides[url];
      });
      if (previous && previous !== action) {
        const abs = absoluteUrl(url, tab ? tab.pageUrl : undefined);
        if (abs) await dnr.remove([abs], previous === 'allow' ? 'userAllow' : 'userBlock');
      }
      for (const id of tabs.ids()) tellTab(id, { what: what.reapply });
      return { ok: true };
    }
    case what.loadAll: {
      const key = String(msg.key || '');
      const on = msg.on !== false;
      const record = tab ? tab.messages[key] : null;
      if (record && !record.id) {
        // No stable id: for this page only (tab-state.js loadAllOf).
        const withdrawn = setPageLoadAll(tab, key, on);
        if (withdrawn.length) await dnr.remove(withdrawn, 'userAllow').catch(() => {});
        tabs.save();
      } else if (record || !on) {
        await changeSettings((s) => {
          if (on) s.loadAllMessages[key] = true;
          else delete s.loadAllMessages[key];
        });
        if (!on && record && record.loadAllUrls) await dnr.remove(record.loadAllUrls, 'userAllow').catch(() => {});
      } else {
        return { ok: false, error: { code: 'not_found', message: 'that e-mail is no longer open' } };
      }
      if (Number.isInteger(tabId)) tellTab(tabId, { what: what.reapply });
      return { ok: true };
    }
    case what.report: {
      const record = tab && tab.messages[String(msg.key || '')];
      const element = record && record.elements.find((e) => e.ref === msg.ref);
      if (!element) return { ok: false, error: { code: 'not_found', message: 'that element is no longer open' } };
      try {
        const report = await client.request('report', {
          kind: msg.kind === 'false-block' ? 'false-block' : 'missed',
          webmail: record.webmail,
          user_addresses: record.userAddresses,
          element,
        });
        return { ok: true, report };
      } catch (e) {
        return { ok: false, error: errorOf(e) };
      }
    }
    case what.allowSender: {
      // One exact address, as shown on the button: From can be spoofed, so never a whole domain from one click.
      const [address] = parseAddressList(String(msg.sender || ''));
      if (!address) return { ok: false, error: { code: 'invalid_value', message: 'not an e-mail address' } };
      const on = msg.on !== false;
      await changeSettings((s) => {
        s.allowedSenders = on
          ? parseSenderList([...s.allowedSenders, address].join('\n'))
          : s.allowedSenders.filter((e) => e !== address);
      });
      if (!on) {
        const urls = tabs
          .ids()
          .flatMap((id) => openMessages(tabs.get(id)))
          .filter((m) => m.sender === address)
          .flatMap((m) => m.senderAllowUrls || []);
        if (urls.length) await dnr.remove(urls, 'userAllow').catch(() => {});
      }
      for (const id of tabs.ids()) tellTab(id, { what: what.reapply });
      return { ok: true };
    }
    case what.pauseSite: {
      const id = String(msg.webmail || '');
      if (!webmails.list.some((w) => w.id === id))
        return { ok: false, error: { code: 'invalid_value', message: 'not a supported webmail' } };
      const on = msg.on !== false;
      await changeSettings((s) => {
        s.pausedWebmails = on ? [...s.pausedWebmails, id] : s.pausedWebmails.filter((w) => w !== id);
      });
      await applyPause();
      // The pages start again under the new choice (paused: left alone; resumed: held and checked from the start).
      for (const t of tabs.ids()) {
        if (tabs.get(t).webmail === id) await Promise.resolve(api.tabs.reload(t)).catch(() => {});
      }
      return { ok: true };
    }
    case what.evidence: {
      const record = tab && tab.messages[String(msg.key || '')];
      if (!record) return { ok: false, error: { code: 'not_found', message: 'that e-mail is no longer open' } };
      const message = {
        webmail: record.webmail,
        user_addresses: record.userAddresses,
        elements: record.elements,
        ...(record.headers || {}),
      };
      if (record.id) message.id = record.id;
      if (record.sender) message.sender = record.sender;
      try {
        const pack = await client.request('evidence', { lang: msg.lang === 'fr' ? 'fr' : 'en', message });
        return { ok: true, html: String(pack.html || ''), filename: String(pack.filename || 'mailveil-evidence.html') };
      } catch (e) {
        return { ok: false, error: errorOf(e) };
      }
    }
    case what.welcomeState: {
      if (client.status().state === 'idle') await client.ensureReady().catch(() => {});
      const platform = await Promise.resolve(api.runtime.getPlatformInfo()).catch(() => ({ os: 'linux' }));
      return { ok: true, host: client.status(), platform: { os: platform.os } };
    }
    case what.linkQuestion: {
      const q = await questions.get(msg.token);
      if (!q) return { ok: false, error: { code: 'expired' } };
      return { ok: true, company: q.company, host: q.host, text: q.text, sender: q.sender, evidence: q.evidence };
    }
    case what.linkAnswer: {
      const q = await questions.take(msg.token);
      if (!q) return { ok: false, error: { code: 'expired' } };
      const pageTab = sender.tab ? sender.tab.id : null;
      if (!msg.open) {
        if (pageTab !== null) await api.tabs.remove(pageTab).catch(() => {});
        await Promise.resolve(api.tabs.update(q.webmailTabId, { active: true })).catch(() => {});
        return { ok: true };
      }
      if (msg.remember && q.sender) {
        await changeSettings((s) => {
          s.trackedLinkSenders = parseSenderList([...s.trackedLinkSenders, q.sender].join('\n'));
        });
        for (const id of tabs.ids()) tellTab(id, { what: what.reapply });
      }
      // The reader's explicit choice: only now is the link (and so the redirector) opened.
      if (pageTab !== null) await api.tabs.update(pageTab, { url: q.url });
      else await api.tabs.create({ url: q.url, openerTabId: q.webmailTabId });
      return { ok: true };
    }
    case what.optionsState:
      return { ok: true, settings };
    case what.saveOptions: {
      const next = await changeSettings((s) => {
        if (Array.isArray(msg.userAddresses)) s.userAddresses = msg.userAddresses;
        if (Array.isArray(msg.allowedSenders)) s.allowedSenders = msg.allowedSenders;
        if (msg.updateIntervalHours !== undefined) s.updateIntervalHours = Number(msg.updateIntervalHours);
        if (typeof msg.confirmTrackedLinks === 'boolean') s.confirmTrackedLinks = msg.confirmTrackedLinks;
        if (Array.isArray(msg.trackedLinkSenders)) s.trackedLinkSenders = msg.trackedLinkSenders;
      });
      for (const id of tabs.ids()) tellTab(id, { what: what.reapply });
      return { ok: true, settings: next };
    }
    default:
      return { ok: false, error: { code: 'unknown_message' } };
  }
}

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || typeof msg.what !== 'string' || sender.id !== api.runtime.id) return false;
  const fromPage = typeof sender.url === 'string' && sender.url.startsWith(kExtensionOrigin);
  if (messages.broadcasts.includes(msg.what)) return false; // our own broadcasts
  const job = ready.then(() => (fromPage ? onPageMessage(msg, sender) : onContentMessage(msg, sender)));
  job.then(sendResponse, (e) => sendResponse({ ok: false, error: errorOf(e) }));
  return true;
});

api.tabs.onRemoved.addListener((tabId) => {
  ready.then(async () => {
    await withdrawPageLoadAll(tabs.get(tabId));
    tabs.delete(tabId);
  });
});

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === kUpdateAlarm) ready.then(() => runUpdate(false));
});

api.runtime.onInstalled.addListener((details) => {
  ready.then(ensureAlarm);
  // A new user first sees whether the helper is there, and how to install it. Test builds leave the tabs alone
  // (the end-to-end driver opens the page itself).
  if (details && details.reason === 'install' && !buildConfig.test) {
    Promise.resolve(api.tabs.create({ url: api.runtime.getURL(kWelcomePage) })).catch(() => {});
  }
});
