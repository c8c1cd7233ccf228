// Pure presentation helpers for the popup (unit-tested): nothing here touches the DOM or browser APIs.
import { problemOf } from '../background/native-client.js';
import { hostOf, trackerLabel } from '../background/plan.js';

import '../shared/i18n.js';

const { i18n } = globalThis.mailveil;

/** _locales messages per score.reason code (docs/scoring.md §7): the singular and the plural sentence. */
const kReasonMessages = Object.freeze({
  'address-leak-open': { one: /* i18n */ 'reasonAddressLeakOpenOne', other: /* i18n */ 'reasonAddressLeakOpenOther' },
  'address-leak-click': {
    one: /* i18n */ 'reasonAddressLeakClickOne',
    other: /* i18n */ 'reasonAddressLeakClickOther',
  },
  'sender-address-leak': { one: /* i18n */ 'reasonSenderAddressLeak', other: 'reasonSenderAddressLeak' },
  'tracking-pixels': { one: /* i18n */ 'reasonTrackingPixelsOne', other: /* i18n */ 'reasonTrackingPixelsOther' },
  'tracked-links': { one: /* i18n */ 'reasonTrackedLinksOne', other: /* i18n */ 'reasonTrackedLinksOther' },
  'sender-tracking-pixels': { one: /* i18n */ 'reasonSenderTrackingPixels', other: 'reasonSenderTrackingPixels' },
  'sender-tracked-links': { one: /* i18n */ 'reasonSenderTrackedLinks', other: 'reasonSenderTrackedLinks' },
  'no-tracking': { one: /* i18n */ 'reasonNoTracking', other: 'reasonNoTracking' },
});

/**
 * The one sentence saying why a mail got its grade: the host's `score.reason` localised by its code and count,
 * else the host's own English `text`; null when the host sent no reason.
 * @param {{grade?: string, reason?: {code: string, count: number, text: string}}|null} score
 */
export function reasonText(score) {
  const r = score && score.reason;
  if (!r || typeof r !== 'object') return null;
  const names = kReasonMessages[r.code];
  const count = Number.isInteger(r.count) && r.count >= 0 ? r.count : null;
  if (names && typeof score.grade === 'string' && /^[A-F]$/.test(score.grade) && count !== null) {
    return i18n.t(i18n.isSingular(count) ? names.one : names.other, score.grade, count);
  }
  return typeof r.text === 'string' && r.text ? r.text : null;
}

/** The _locales message for each host problem state: what it means and what the user can do about it. */
export const kHostProblemText = Object.freeze({
  missing: /* i18n */ 'hostMissing',
  'too-old': /* i18n */ 'hostTooOld',
  'extension-too-old': /* i18n */ 'hostExtensionTooOld',
  forbidden: /* i18n */ 'hostForbidden',
  failed: /* i18n */ 'hostFailed',
});

/**
 * Problem text for a host status, or null when the host is fine (or not contacted yet). While a retry is
 * connecting, the failure being retried is still the one shown.
 */
export function hostProblem(status) {
  const problem = problemOf(status);
  if (!problem || !kHostProblemText[problem.state]) return null;
  const detail = problem.error && problem.error.message ? problem.error.message : '';
  return { state: problem.state, text: i18n.t(kHostProblemText[problem.state]), detail };
}

/**
 * A path segment that may carry the reader: an address (plain or encoded), or a long run of letters and digits
 * such as a hash of the address or a per-recipient token.
 */
const kPersonalSegment = /@|%40|[A-Za-z0-9_+=-]{16,}/i;

/**
 * A URL shortened for display, with nothing personal left: scheme, host and path, every path segment that could
 * carry the reader (kPersonalSegment) shown as "…", the query and fragment (where personal tokens live) elided.
 * Used where the host's masked evidence URL is not at hand (allowed elements, the options' lists).
 */
export function maskForDisplay(url) {
  const text = String(url || '');
  const m = /^((?:https?:)?\/\/[^/?#@]*@?[^/?#]*)([^?#]*)([?#].*)?$/i.exec(text);
  if (!m) return '…';
  const host = m[1].replace(/\/\/[^/?#]*@/, '//'); // user-info is personal too
  const masked = m[2]
    .split('/')
    .map((segment) => (kPersonalSegment.test(segment) ? '…' : segment))
    .join('/');
  const path = masked.length > 60 ? `${masked.slice(0, 57)}…` : masked;
  return `${host}${path}${m[3] ? '?…' : ''}`;
}

/** How the address was encoded (the host's leak `encoding`), in words. */
const kEncodingNames = Object.freeze({
  plain: /* i18n */ 'enc_plain',
  'url-encoded': /* i18n */ 'enc_url_encoded',
  base64: /* i18n */ 'enc_base64',
  base64url: /* i18n */ 'enc_base64url',
  hex: /* i18n */ 'enc_hex',
  md5: /* i18n */ 'enc_md5',
  sha1: /* i18n */ 'enc_sha1',
  sha224: /* i18n */ 'enc_sha224',
  sha256: /* i18n */ 'enc_sha256',
  sha384: /* i18n */ 'enc_sha384',
  sha512: /* i18n */ 'enc_sha512',
  'md5-base64': /* i18n */ 'enc_md5_base64',
  'sha1-base64': /* i18n */ 'enc_sha1_base64',
  'sha256-base64': /* i18n */ 'enc_sha256_base64',
  'base64-embedded': /* i18n */ 'enc_base64_embedded',
});

/** "m…@example.org (SHA-256 hash) in query:uid → Google" */
export function leakText(leak) {
  const enc = Object.prototype.hasOwnProperty.call(kEncodingNames, leak.encoding)
    ? i18n.t(kEncodingNames[leak.encoding])
    : leak.encoding;
  const text = i18n.t('leakText', leak.address || i18n.t('leakYourAddress'), enc, leak.where);
  return leak.company ? `${text} → ${leak.company}` : text;
}

/**
 * Links that report the click and whose destination is unknown (verdict allow, tracked): what the popup lists
 * under "Links that report your click". Rewritten links are not among them: they no longer pass the tracker.
 * @param {ReturnType<typeof elementRows>} rows
 */
export function trackedLinkRows(rows) {
  return rows.filter((r) => r.kind === 'link' && r.verdict === 'allow' && r.tracked);
}

/**
 * One row per element of a message, joined with its verdict and the decision enforced.
 * @param {{elements: object[], result: object|null, decisions: object[]}} record
 * @param {Record<string, string>} overrides element URL -> allow | block
 */
export function elementRows(record, overrides = {}) {
  const verdicts = new Map(((record.result && record.result.elements) || []).map((v) => [v.ref, v]));
  const decisions = new Map((record.decisions || []).map((d) => [d.ref, d]));
  return (record.elements || []).map((el) => {
    const v = verdicts.get(el.ref) || null;
    const d = decisions.get(el.ref) || null;
    const tracker = v && v.tracker ? v.tracker : null;
    const leaks = v && Array.isArray(v.leaks) ? v.leaks : [];
    const override = Object.prototype.hasOwnProperty.call(overrides, el.url) ? overrides[el.url] : null;
    const verdict = v ? v.verdict : 'none';
    return {
      ref: el.ref,
      kind: el.kind,
      url: el.url,
      verdict,
      action: d ? d.action : 'block',
      source: d ? d.source : 'default',
      reasons: v && Array.isArray(v.reasons) ? v.reasons : [],
      company: trackerLabel(v),
      trackerName: tracker ? tracker.name : null,
      category: tracker ? tracker.category : null,
      leaks: leaks.map(leakText),
      evidence: (v && v.evidence_url) || maskForDisplay(el.url),
      rewriteUrl: v && v.rewrite_url ? v.rewrite_url : null,
      tracked: !!(v && v.tracked),
      text: typeof el.text === 'string' ? el.text : '',
      host: hostOf(el.url),
      override,
      notable: !!(
        tracker ||
        leaks.length ||
        verdict === 'block' ||
        verdict === 'rewrite' ||
        (v && v.tracked) ||
        override
      ),
    };
  });
}

/** "Blocked 2 · Links cleaned 3 · Address leaks 1 · Google, Weborama" */
export function summaryText(result, counts) {
  if (!result || !result.summary) return '';
  const s = result.summary;
  const parts = [
    i18n.t('summaryBlocked', counts ? counts.blocked : s.blocked),
    i18n.t('summaryCleaned', s.rewritten ?? 0),
    i18n.t('summaryLeaks', s.leaks ?? 0),
  ];
  if (Array.isArray(s.companies) && s.companies.length) parts.push(s.companies.join(', '));
  return parts.join(' · ');
}

/** Elements actually kept from loading (fetched kinds decided "block"). */
export function blockedCount(record) {
  return (record.decisions || []).filter((d) => d.action === 'block').length;
}

/** "List 2026112301 (2026-11-23) · 262 trackers · bundled" */
export function signaturesText(sig) {
  if (!sig) return i18n.t('listUnknown');
  return i18n.t('listText', sig.list_version, sig.published, sig.trackers, sig.source);
}

/**
 * The warning for a signature list past its `expires` date (a freeze attack, or an update server left
 * unmaintained): "The signature list is 98 days old: it expired 8 days ago. …", or null while the list is fresh
 * and when the host says nothing about freshness (an older host). Every figure is the host's (`signatures`:
 * `expired`, `age_days`, `days_past_due`, docs/protocol.md); the host's English `freshness_note` is the text
 * when a figure is missing or the UI language lacks the message.
 * @param {{expired?: boolean, age_days?: number|null, days_past_due?: number, freshness_note?: string}|null} sig
 */
export function freshnessWarning(sig) {
  if (!sig || sig.expired !== true) return null;
  const note = typeof sig.freshness_note === 'string' && sig.freshness_note ? sig.freshness_note : null;
  const days = (n) => i18n.t(i18n.isSingular(n) ? /* i18n */ 'listDaysOne' : /* i18n */ 'listDaysOther', n);
  const count = (n) => Number.isInteger(n) && n >= 0;
  if (!count(sig.age_days) || !count(sig.days_past_due)) return note;
  try {
    return i18n.t('listExpired', days(sig.age_days), days(sig.days_past_due));
  } catch {
    return note; // a translation without the message
  }
}

/**
 * "Grades: A 90–100 · B 75–89 · …" from the host's band table (hello `result.grades`, descending), or null when
 * the host sent none. Only a legend: grades themselves always come from the host (`score.grade`).
 * @param {{grade: string, min: number}[]|undefined} grades
 */
export function gradeLegend(grades) {
  if (!Array.isArray(grades)) return null;
  const bands = grades
    .filter((g) => g && /^[A-F]$/.test(g.grade) && Number.isInteger(g.min) && g.min >= 0 && g.min <= 100)
    .sort((a, b) => b.min - a.min);
  if (!bands.length) return null;
  return i18n.t(
    'gradeLegend',
    bands.map((b, i) => `${b.grade} ${b.min}–${i ? bands[i - 1].min - 1 : 100}`).join(' · '),
  );
}

/** Progress text for an update state. */
export function updateText(update) {
  if (!update) return '';
  if (update.running) {
    if (update.total) return i18n.t('updatePercent', Math.round((100 * update.received) / update.total));
    return update.received ? i18n.t('updateKiB', Math.round(update.received / 1024)) : i18n.t('updateChecking');
  }
  if (update.error) return i18n.t('updateFailed', update.error.message || update.error.code);
  const status = {
    updated: /* i18n */ 'updateDone',
    not_modified: /* i18n */ 'updateUpToDate',
    rolled_back: /* i18n */ 'updateRolledBack',
  };
  return status[update.status] ? i18n.t(status[update.status]) : '';
}
