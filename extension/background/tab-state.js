// Per-tab state: which webmail, whether its layout was recognised, the open messages and their results.
// Mirrored to storage.session so that a restarted background (MV3 workers and event pages stop when idle)
// still answers the popup.

/**
 * @typedef {object} MessageRecord
 * @property {string} key            webmail:message-id, unique within the tab
 * @property {string|null} id        the webmail's message id
 * @property {string} webmail
 * @property {string|null} sender
 * @property {string[]} userAddresses sent to the host
 * @property {'pending'|'done'|'error'} status
 * @property {{code: string, message: string}|null} error
 * @property {object[]} elements     what the content script serialised
 * @property {object|null} result    the host's classify result
 * @property {object[]} decisions    what was enforced (plan.js)
 * @property {number} firstSeenAt    when the content script saw the message (ms epoch)
 * @property {number} classifiedAt
 */

/**
 * @typedef {object} TabState
 * @property {string|null} webmail
 * @property {string} pageUrl
 * @property {'pending'|'ok'|'none'|'unrecognised'} layout
 * @property {string} layoutDetail
 * @property {string[]} openKeys
 * @property {Record<string, MessageRecord>} messages
 * @property {{text: string, color: string, title: string, at: number}|null} badge
 * @property {Record<string, string[]>} loadAll  "load all images" for messages without a stable id, for this
 *   page only: key -> the URLs allowed under it so far (their network rules are withdrawn when it ends)
 */

/** Writes to storage.session are batched over this window. */
export const kSaveDelayMs = 250;

export function newTabState(webmail, pageUrl) {
  return {
    webmail,
    pageUrl: pageUrl || '',
    layout: 'pending',
    layoutDetail: '',
    openKeys: [],
    messages: {},
    badge: null,
    loadAll: {},
  };
}

/**
 * Whether "load all images" is on for a message, and where that choice lives: 'saved' in the settings for a
 * message with a stable id (the webmail's own message id), 'page' in the tab's state for one without. A message
 * without an id has a key counted afresh on each page load (webmail:anon-N, content/main.js); saved, the choice
 * would apply to whichever unrelated mail gets that number after a reload.
 * @param {MessageRecord|null} record
 * @param {{loadAllMessages: Record<string, boolean>}} settings
 * @param {TabState|null} tab
 * @returns {'saved'|'page'|null}
 */
export function loadAllOf(record, settings, tab) {
  if (!record) return null;
  if (record.id) return settings.loadAllMessages[record.key] ? 'saved' : null;
  return tab && tab.loadAll && Object.prototype.hasOwnProperty.call(tab.loadAll, record.key) ? 'page' : null;
}

/** Turns the page-only choice for `key` on or off; returns the URLs whose allow rules must be withdrawn. */
export function setPageLoadAll(tab, key, on) {
  tab.loadAll = tab.loadAll || {};
  const allowed = tab.loadAll[key] || [];
  if (on) {
    tab.loadAll[key] = allowed;
    return [];
  }
  delete tab.loadAll[key];
  return allowed;
}

/** Remembers the URLs allowed under a page-only choice (to withdraw them when it ends). */
export function notePageLoadAllUrls(tab, key, urls) {
  if (!tab.loadAll || !tab.loadAll[key]) return;
  tab.loadAll[key] = [...new Set([...tab.loadAll[key], ...urls])];
}

/** Every URL allowed under the tab's page-only choices (they end with the page). */
export function pageLoadAllUrls(tab) {
  return tab && tab.loadAll ? [...new Set(Object.values(tab.loadAll).flat())] : [];
}

/** The open messages of a tab, in open order. */
export function openMessages(tab) {
  if (!tab) return [];
  return tab.openKeys.map((k) => tab.messages[k]).filter(Boolean);
}

export class TabStore {
  /** @param {object|null} area browser.storage.session (null: memory only) */
  constructor(area) {
    this.area_ = area;
    /** @type {Map<number, TabState>} */
    this.tabs_ = new Map();
    this.saveTimer_ = null;
  }

  async load() {
    if (!this.area_) return;
    try {
      const got = await this.area_.get('tabs');
      for (const [id, state] of Object.entries((got && got.tabs) || {})) this.tabs_.set(Number(id), state);
    } catch {
      // storage.session unavailable: memory only
    }
  }

  get(tabId) {
    return this.tabs_.get(tabId) || null;
  }

  reset(tabId, webmail, pageUrl) {
    const state = newTabState(webmail, pageUrl);
    this.tabs_.set(tabId, state);
    this.save();
    return state;
  }

  ensure(tabId, webmail, pageUrl) {
    return this.get(tabId) || this.reset(tabId, webmail, pageUrl);
  }

  delete(tabId) {
    this.tabs_.delete(tabId);
    this.save();
  }

  ids() {
    return [...this.tabs_.keys()];
  }

  /** Keeps only the listed open messages (and their records). */
  setOpen(tabId, keys) {
    const tab = this.get(tabId);
    if (!tab) return;
    tab.openKeys = [...keys];
    for (const k of Object.keys(tab.messages)) if (!keys.includes(k)) delete tab.messages[k];
    this.save();
  }

  /** Debounced write to storage.session. */
  save() {
    if (!this.area_ || this.saveTimer_) return;
    this.saveTimer_ = setTimeout(() => {
      this.saveTimer_ = null;
      this.area_.set({ tabs: Object.fromEntries(this.tabs_) }).catch(() => {});
    }, kSaveDelayMs);
  }
}
