// "Ask before opening a tracked link": the questions waiting for an answer on the question page
// (confirm/confirm.html?t=TOKEN). The page gets a token, never the link: the link carries the recipient's
// personal token, and the page shows only what the reader needs to decide. Kept in storage.session so that an
// answer still works after the background was suspended (Firefox event page, Chrome service worker).

import { trackerLabel } from './plan.js';

/** Questions kept at most (oldest dropped): one per click, answered within minutes. */
export const kMaxQuestions = 20;
const kStorageKey = 'linkQuestions';

/**
 * What the question page needs for one element of a classified message, or null when that element is not a
 * tracked link of unknown destination (then nothing may be asked, nor opened).
 * @param {object} record tab-state.js MessageRecord
 * @param {string} ref
 * @param {string} pageUrl the webmail page, to resolve a relative or protocol-relative link
 * @returns {{url: string, text: string, sender: string|null, company: string|null, host: string,
 *   evidence: string}|null}
 */
export function questionFor(record, ref, pageUrl) {
  if (!record || !record.result) return null;
  const el = (record.elements || []).find((e) => e.ref === ref);
  const verdict = (record.result.elements || []).find((v) => v && v.ref === ref);
  if (!el || el.kind !== 'link' || !verdict || verdict.verdict !== 'allow' || verdict.tracked !== true) return null;
  let url;
  try {
    url = new URL(el.url, pageUrl || undefined);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return {
    url: url.href,
    text: typeof el.text === 'string' ? el.text : '',
    sender: record.sender || null,
    company: trackerLabel(verdict),
    host: url.hostname,
    evidence: typeof verdict.evidence_url === 'string' ? verdict.evidence_url : `${url.origin}/…`,
  };
}

export class LinkQuestions {
  /**
   * @param {object|null} area browser.storage.session (null: memory only)
   * @param {{newToken?: () => string, now?: () => number}} [opts]
   */
  constructor(area, opts = {}) {
    this.area_ = area;
    this.newToken_ = opts.newToken || (() => crypto.randomUUID());
    this.now_ = opts.now || (() => Date.now());
    this.questions_ = null; // token -> question (+ at, tabId)
  }

  async load_() {
    if (this.questions_) return this.questions_;
    let stored = {};
    try {
      const got = this.area_ ? await this.area_.get(kStorageKey) : null;
      stored = (got && got[kStorageKey]) || {};
    } catch {
      // storage.session unavailable: memory only
    }
    this.questions_ ??= new Map(Object.entries(stored));
    return this.questions_;
  }

  async save_() {
    if (!this.area_) return;
    await this.area_.set({ [kStorageKey]: Object.fromEntries(this.questions_) }).catch(() => {});
  }

  /** Stores a question; returns its token. */
  async add(question) {
    const questions = await this.load_();
    const token = this.newToken_();
    questions.set(token, { ...question, at: this.now_() });
    const byAge = [...questions.entries()].sort((a, b) => a[1].at - b[1].at);
    while (byAge.length > kMaxQuestions) questions.delete(byAge.shift()[0]);
    await this.save_();
    return token;
  }

  /** The question for a token, or null. */
  async get(token) {
    const questions = await this.load_();
    return questions.get(String(token)) || null;
  }

  /** Removes and returns the question (an answer is given once). */
  async take(token) {
    const questions = await this.load_();
    const question = questions.get(String(token)) || null;
    if (question) {
      questions.delete(String(token));
      await this.save_();
    }
    return question;
  }
}
