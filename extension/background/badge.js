// What the toolbar badge shows for a tab. Pure (texts from _locales through shared/i18n.js).
import '../shared/i18n.js';
import { problemOf } from './native-client.js';

const { t } = globalThis.mailveil.i18n;

export const kGradeColors = Object.freeze({
  A: '#1a7f37',
  B: '#4d8c2a',
  C: '#9a6700',
  D: '#bc4c00',
  E: '#cf222e',
  F: '#82071e',
});
export const kStateColors = Object.freeze({ error: '#b00020', unknown: '#57606a', pending: '#57606a' });

/**
 * What the badge shows for a score: the host's grade letter. The extension never computes a grade (the bands
 * are the host's, docs/scoring.md); a score without a valid grade shows its value instead.
 */
export function badgeGrade(score) {
  if (score && typeof score.grade === 'string' && /^[A-F]$/.test(score.grade)) return score.grade;
  const v = Number(score && score.value);
  return Number.isFinite(v) ? String(Math.round(v)) : '–';
}

const kHostProblems = Object.freeze({
  missing: /* i18n */ 'badgeHostMissing',
  'too-old': /* i18n */ 'badgeHostTooOld',
  'extension-too-old': /* i18n */ 'badgeExtensionTooOld',
  forbidden: /* i18n */ 'badgeHostForbidden',
  failed: /* i18n */ 'badgeHostFailed',
});

/**
 * @param {{webmail: string|null, layout: string, messages: object[], paused?: boolean}|null} tab  messages: the
 *   open ones, each {status: 'pending'|'done'|'error', score?, reason?}; reason: the sentence saying why (popup/
 *   view-model.js reasonText); paused: the user paused protection on the site
 * @param {{state: string}} host
 * @returns {{text: string, color: string, title: string}}
 */
export function badgeFor(tab, host) {
  if (!tab || !tab.webmail) return { text: '', color: kStateColors.unknown, title: 'MailVeil' };
  if (tab.paused) {
    return {
      text: 'off',
      color: kStateColors.unknown,
      title: t('badgePaused'),
    };
  }
  const problem = problemOf(host);
  if (problem && kHostProblems[problem.state])
    return { text: '!', color: kStateColors.error, title: t(kHostProblems[problem.state]) };
  if (tab.layout === 'unrecognised') {
    return {
      text: '?',
      color: kStateColors.unknown,
      title: t('badgeLayoutUnknown'),
    };
  }
  const messages = tab.messages || [];
  if (!messages.length) return { text: '', color: kStateColors.unknown, title: t('badgeNoMail') };
  if (messages.some((m) => m.status === 'error')) {
    return {
      text: '!',
      color: kStateColors.error,
      title: t('badgeNotChecked'),
    };
  }
  const done = messages.filter((m) => m.status === 'done' && m.score);
  if (!done.length) return { text: '…', color: kStateColors.pending, title: t('badgeChecking') };
  const worst = done.reduce((a, b) => (Number(b.score.value) < Number(a.score.value) ? b : a));
  const grade = badgeGrade(worst.score);
  const n = done.length;
  const score = `${worst.score.value}/100${kGradeColors[grade] ? ` (${grade})` : ''}`;
  // The plain sentence first (the host's reason, localised by the caller), the number after.
  let title;
  if (worst.reason)
    title = n > 1 ? t('badgeReasonWorst', worst.reason, n, score) : t('badgeReason', worst.reason, score);
  else title = n > 1 ? t('badgeScoreWorst', n, score) : t('badgeScore', score);
  return { text: grade, color: kGradeColors[grade] || kStateColors.unknown, title };
}
