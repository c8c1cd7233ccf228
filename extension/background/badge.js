// What the toolbar badge shows for a tab. Pure.
import { problemOf } from './native-client.js';

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
  missing: 'MailVeil: the helper program (mailveil-host) is not installed',
  'too-old': 'MailVeil: the helper program is too old for this extension',
  'extension-too-old': 'MailVeil: this extension is too old for the installed helper program',
  forbidden: 'MailVeil: the helper program refuses this extension',
  failed: 'MailVeil: the helper program stopped',
});

/**
 * @param {{webmail: string|null, layout: string, messages: object[]}|null} tab  messages: the open ones,
 *   each {status: 'pending'|'done'|'error', score?}
 * @param {{state: string}} host
 * @returns {{text: string, color: string, title: string}}
 */
export function badgeFor(tab, host) {
  if (!tab || !tab.webmail) return { text: '', color: kStateColors.unknown, title: 'MailVeil' };
  const problem = problemOf(host);
  if (problem && kHostProblems[problem.state])
    return { text: '!', color: kStateColors.error, title: kHostProblems[problem.state] };
  if (tab.layout === 'unrecognised') {
    return {
      text: '?',
      color: kStateColors.unknown,
      title: "MailVeil: this webmail's layout is not recognised; remote images stay blocked",
    };
  }
  const messages = tab.messages || [];
  if (!messages.length) return { text: '', color: kStateColors.unknown, title: 'MailVeil: no e-mail open' };
  if (messages.some((m) => m.status === 'error')) {
    return {
      text: '!',
      color: kStateColors.error,
      title: 'MailVeil: this e-mail could not be checked; remote images stay blocked',
    };
  }
  const done = messages.filter((m) => m.status === 'done' && m.score);
  if (!done.length) return { text: '…', color: kStateColors.pending, title: 'MailVeil: checking this e-mail' };
  const worst = done.reduce((a, b) => (Number(b.score.value) < Number(a.score.value) ? b : a));
  const grade = badgeGrade(worst.score);
  const n = done.length;
  const what = n > 1 ? `the worst of ${n} open messages` : 'this e-mail';
  return {
    text: grade,
    color: kGradeColors[grade] || kStateColors.unknown,
    title: `MailVeil: ${what} scores ${worst.score.value}/100${kGradeColors[grade] ? ` (${grade})` : ''}`,
  };
}
