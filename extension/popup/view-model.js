// Pure presentation helpers for the popup (unit-tested): nothing here touches the DOM or browser APIs.
import { problemOf } from '../background/native-client.js';
import { hostOf, trackerLabel } from '../background/plan.js';

/** Human text for each host problem state; what the user can do about it. */
export const kHostProblemText = Object.freeze({
  missing:
    'The MailVeil helper program (mailveil-host) is not installed for this browser. Remote images in your webmail stay blocked. Run the MailVeil installer (mailveil-install.py install), then press Try again.',
  'too-old':
    'The installed MailVeil helper program is too old for this extension. Remote images stay blocked until you update mailveil-host.',
  'extension-too-old': 'This extension is older than the installed helper program supports. Update the extension.',
  forbidden:
    'The MailVeil helper program refuses this extension (it was installed for another extension id). Re-run the installer.',
  failed:
    'The MailVeil helper program stopped unexpectedly. Remote images stay blocked. MailVeil retries automatically.',
});

/**
 * Problem text for a host status, or null when the host is fine (or not contacted yet). While a retry is
 * connecting, the failure being retried is still the one shown.
 */
export function hostProblem(status) {
  const problem = problemOf(status);
  if (!problem || !kHostProblemText[problem.state]) return null;
  const detail = problem.error && problem.error.message ? problem.error.message : '';
  return { state: problem.state, text: kHostProblemText[problem.state], detail };
}

/** A URL shortened for display: scheme, host and path; the query (where personal tokens live) elided. */
export function maskForDisplay(url) {
  const text = String(url || '');
  const m = /^((?:https?:)?\/\/[^/?#]*)([^?#]*)([?#].*)?$/i.exec(text);
  if (!m) return text.slice(0, 80);
  const path = m[2].length > 60 ? `${m[2].slice(0, 57)}…` : m[2];
  return `${m[1]}${path}${m[3] ? '?…' : ''}`;
}

const kEncodingNames = Object.freeze({
  plain: 'in clear',
  'url-encoded': 'URL-encoded',
  base64: 'Base64',
  base64url: 'Base64url',
  hex: 'hex',
  md5: 'MD5 hash',
  sha1: 'SHA-1 hash',
  sha224: 'SHA-224 hash',
  sha256: 'SHA-256 hash',
  sha384: 'SHA-384 hash',
  sha512: 'SHA-512 hash',
  'md5-base64': 'MD5 hash (Base64)',
  'sha1-base64': 'SHA-1 hash (Base64)',
  'sha256-base64': 'SHA-256 hash (Base64)',
  'base64-embedded': 'inside Base64 data',
});

/** "your address m…@example.org (SHA-256 hash) in query:uid" */
export function leakText(leak) {
  const enc = kEncodingNames[leak.encoding] || leak.encoding;
  const who = leak.company ? ` → ${leak.company}` : '';
  return `${leak.address || 'your address'} (${enc}) in ${leak.where}${who}`;
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
    `Blocked ${counts ? counts.blocked : s.blocked}`,
    `Links cleaned ${s.rewritten ?? 0}`,
    `Address leaks ${s.leaks ?? 0}`,
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
  if (!sig) return 'Signature list: unknown (helper not reached)';
  return `List ${sig.list_version} (${sig.published}) · ${sig.trackers} trackers · ${sig.source}`;
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
  return `Grades: ${bands.map((b, i) => `${b.grade} ${b.min}–${i ? bands[i - 1].min - 1 : 100}`).join(' · ')}`;
}

/** Progress text for an update state. */
export function updateText(update) {
  if (!update) return '';
  if (update.running) {
    if (update.total) return `Downloading… ${Math.round((100 * update.received) / update.total)}%`;
    return update.received ? `Downloading… ${Math.round(update.received / 1024)} KiB` : 'Checking for a new list…';
  }
  if (update.error)
    return `Update failed: ${update.error.message || update.error.code}. The current list stays in use.`;
  const status = {
    updated: 'Signature list updated.',
    not_modified: 'The signature list is up to date.',
    rolled_back: 'Previous list restored.',
  };
  return status[update.status] || '';
}
