// User settings kept in storage.local, and their validation. Pure except load/save helpers.

export const kDefaultSettings = Object.freeze({
  /** The reader's own addresses, added to those the webmail page shows (leak detection). */
  userAddresses: [],
  /** Senders (address or @domain) whose mails load every image. */
  allowedSenders: [],
  /** element URL -> 'allow' | 'block' (the popup's per-element override). */
  elementOverrides: {},
  /** "webmail:message-id" -> true: "load all images for this e-mail" (stable message ids only). */
  loadAllMessages: {},
  /** Signature update check interval, hours (0 = never). */
  updateIntervalHours: 24,
  /** Ask (on an extension page) before opening a tracked link whose destination is unknown. */
  confirmTrackedLinks: true,
  /** Senders (address or @domain) whose tracked links open without asking ("Do not ask again"). */
  trackedLinkSenders: [],
  /** Webmail ids (shared/webmails.js) where protection is paused: every image loads, nothing is checked. */
  pausedWebmails: [],
});

const kAddress = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/**
 * Keys of messages without a stable id (content/main.js counts them afresh on each page load). Versions up to
 * 0.1.0 saved "load all images" under such keys, where the choice then applied to unrelated mails; they are
 * dropped on read.
 */
const kPageOnlyKey = /^[a-z]+:anon-\d+(#\d+)?$/;

/** Splits free text (lines, commas, spaces) into lower-cased, valid, unique addresses. */
export function parseAddressList(text) {
  const out = [];
  for (const part of String(text || '').split(/[\s,;]+/)) {
    const a = part.trim().toLowerCase();
    if (kAddress.test(a) && !out.includes(a)) out.push(a);
  }
  return out;
}

/** Like parseAddressList but also accepts "@domain" and "domain" entries (allow-list by domain). */
export function parseSenderList(text) {
  const out = [];
  for (const part of String(text || '').split(/[\s,;]+/)) {
    let a = part.trim().toLowerCase();
    if (!a) continue;
    if (!a.includes('@')) a = `@${a}`;
    const ok = kAddress.test(a) || /^@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(a);
    if (ok && !out.includes(a)) out.push(a);
  }
  return out;
}

/** Fills defaults and drops anything malformed. */
export function normaliseSettings(raw) {
  const r = raw && typeof raw === 'object' ? raw : {};
  const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
  const overrides = {};
  for (const [url, v] of Object.entries(obj(r.elementOverrides))) {
    if ((v === 'allow' || v === 'block') && /^(https?:)?\/\//i.test(url)) overrides[url] = v;
  }
  const loadAll = {};
  for (const [key, v] of Object.entries(obj(r.loadAllMessages))) {
    if (v === true && !kPageOnlyKey.test(key)) loadAll[key] = true;
  }
  const hours = Number(r.updateIntervalHours);
  return {
    userAddresses: parseAddressList((Array.isArray(r.userAddresses) ? r.userAddresses : []).join(' ')),
    allowedSenders: parseSenderList((Array.isArray(r.allowedSenders) ? r.allowedSenders : []).join(' ')),
    elementOverrides: overrides,
    loadAllMessages: loadAll,
    updateIntervalHours:
      Number.isFinite(hours) && hours >= 0 && hours <= 24 * 30 ? hours : kDefaultSettings.updateIntervalHours,
    confirmTrackedLinks:
      typeof r.confirmTrackedLinks === 'boolean' ? r.confirmTrackedLinks : kDefaultSettings.confirmTrackedLinks,
    trackedLinkSenders: parseSenderList((Array.isArray(r.trackedLinkSenders) ? r.trackedLinkSenders : []).join(' ')),
    pausedWebmails: [
      ...new Set((Array.isArray(r.pausedWebmails) ? r.pausedWebmails : []).filter((w) => /^[a-z]+$/.test(w))),
    ],
  };
}

/** True when the sender's address or its @domain is on a sender list (parseSenderList entries). */
export function senderListed(list, sender) {
  const s = String(sender || '')
    .trim()
    .toLowerCase();
  if (!s.includes('@')) return false;
  const domain = s.slice(s.lastIndexOf('@'));
  return list.some((entry) => entry === s || entry === domain);
}

/** True when the sender's address or its domain is on the allow list (their images always load). */
export function isSenderAllowed(settings, sender) {
  return senderListed(settings.allowedSenders, sender);
}

/** True when a click on a tracked link of this sender's mail asks first (the option, minus remembered senders). */
export function confirmsTrackedLinks(settings, sender) {
  return settings.confirmTrackedLinks && !senderListed(settings.trackedLinkSenders, sender);
}

/** True when protection is paused on this webmail (shared/webmails.js id). */
export function isPaused(settings, webmailId) {
  return !!webmailId && settings.pausedWebmails.includes(webmailId);
}

/** Union of two address lists, lower-cased, unique. */
export function mergeAddresses(a, b) {
  return parseAddressList([...(a || []), ...(b || [])].join(' '));
}

/** Reads settings from a storage area (browser.storage.local). */
export async function loadSettings(area) {
  const got = await area.get('settings');
  return normaliseSettings(got && got.settings);
}

/** Writes settings after normalising them. */
export async function saveSettings(area, settings) {
  const clean = normaliseSettings(settings);
  await area.set({ settings: clean });
  return clean;
}
