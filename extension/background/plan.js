// Turns the host's verdicts plus the user's choices into one decision per element. No classification here:
// the host decides what is a tracker; this only layers explicit user overrides on top and picks the safe
// default for anything without a verdict.

import '../shared/element-kinds.js';

const { elementKinds } = globalThis.mailveil;

/**
 * @typedef {object} Decision
 * @property {string} ref
 * @property {'load'|'block'|'rewrite'|'keep'} action  keep: a link left as is
 * @property {string} [url]      rewrite target
 * @property {'host'|'user'|'sender'|'message'|'default'} source  who decided
 * @property {TrackedLink} [tracked] a kept link that reports the click, its destination unknown
 */

/**
 * @typedef {object} TrackedLink
 * @property {string|null} company the name people know (the host's tracker.brand, else tracker.company)
 * @property {string} host         the link's host name, to name the tracker when the host could not
 * @property {boolean} confirm     a click asks first (the option, unless the sender is remembered)
 */

/** The name to show for a verdict's tracker: `brand` ("Mailchimp (Intuit)") when the host sends it. */
export function trackerLabel(verdict) {
  const t = verdict && verdict.tracker;
  if (!t || typeof t !== 'object') return null;
  for (const name of [t.brand, t.company, t.name]) if (typeof name === 'string' && name.trim()) return name.trim();
  return null;
}

/** The host name of a URL as written in a mail (relative or protocol-relative too); '' when unreadable. */
export function hostOf(url) {
  try {
    return new URL(url, 'https://invalid.invalid/').hostname;
  } catch {
    return '';
  }
}

/**
 * @param {object[]} elements  the elements sent to classify
 * @param {object|null} result the host's classify result
 * @param {{elementOverrides?: Record<string, 'allow'|'block'>, loadAll?: boolean, senderAllowed?: boolean,
 *   confirmTrackedLinks?: boolean}} user  confirmTrackedLinks: a click on a tracked link asks first
 * @returns {{decisions: Decision[], release: string[], userAllow: string[], userBlock: string[], loadAll: string[],
 *   senderAllow: string[]}}
 *   release/userAllow/userBlock: element URLs for the network rules, by level; loadAll / senderAllow: the part of
 *   userAllow that is there only because of "load all images for this e-mail" / an allowed sender
 */
export function planDecisions(elements, result, user = {}) {
  const verdicts = new Map();
  for (const v of result && Array.isArray(result.elements) ? result.elements : []) {
    if (v && typeof v.ref === 'string') verdicts.set(v.ref, v);
  }
  const overrides = user.elementOverrides || {};
  const decisions = [];
  const release = [];
  const userAllow = [];
  const userBlock = [];
  const loadAll = [];
  const senderAllow = [];
  for (const el of elements) {
    const fetched = elementKinds.isFetched(el.kind);
    const verdict = verdicts.get(el.ref);
    const override = Object.prototype.hasOwnProperty.call(overrides, el.url) ? overrides[el.url] : null;
    if (!fetched) {
      if (
        el.kind === 'link' &&
        verdict &&
        verdict.verdict === 'rewrite' &&
        typeof verdict.rewrite_url === 'string' &&
        /^https?:\/\//i.test(verdict.rewrite_url) &&
        override !== 'allow'
      ) {
        decisions.push({ ref: el.ref, action: 'rewrite', url: verdict.rewrite_url, source: 'host' });
      } else if (el.kind === 'link' && verdict && verdict.verdict === 'allow' && verdict.tracked === true) {
        // Destination unknown: the link stays, marked, and (unless the user said otherwise) asks before the click.
        const tracked = {
          company: trackerLabel(verdict),
          host: hostOf(el.url),
          confirm: !!user.confirmTrackedLinks && override !== 'allow',
        };
        decisions.push({ ref: el.ref, action: 'keep', source: override === 'allow' ? 'user' : 'host', tracked });
      } else {
        decisions.push({ ref: el.ref, action: 'keep', source: override === 'allow' ? 'user' : 'host' });
      }
      continue;
    }
    if (override === 'allow' || override === 'block') {
      decisions.push({ ref: el.ref, action: override === 'allow' ? 'load' : 'block', source: 'user' });
      (override === 'allow' ? userAllow : userBlock).push(el.url);
      continue;
    }
    if (user.loadAll || user.senderAllowed) {
      decisions.push({ ref: el.ref, action: 'load', source: user.loadAll ? 'message' : 'sender' });
      userAllow.push(el.url);
      (user.loadAll ? loadAll : senderAllow).push(el.url);
      continue;
    }
    if (verdict && verdict.verdict === 'allow') {
      decisions.push({ ref: el.ref, action: 'load', source: 'host' });
      release.push(el.url);
    } else {
      // block, rewrite (meaningless for a fetched element) or no verdict at all (reply truncated): keep it held.
      decisions.push({ ref: el.ref, action: 'block', source: verdict ? 'host' : 'default' });
    }
  }
  return { decisions, release, userAllow, userBlock, loadAll, senderAllow };
}
