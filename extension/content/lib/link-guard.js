// Tracked links whose destination is unknown (the host's verdict `allow` with `tracked: true`): a small label
// right after the link, whose tooltip names the company the click reports to, and the guard that a click asks
// first (content/main.js intercepts the click and the background shows the question page). DOM-facing; what to
// mark and whether to ask come from the background's decisions (plan.js).
'use strict';
(function register(ns) {
  /** Attribute marking our label, so that it is found again (and never taken for mail content). */
  const kIndicatorAttr = 'data-mailveil-indicator';
  /** Set on a guarded link while a click on it asks first. */
  const kGuardAttr = 'data-mailveil-tracked';
  // Inline !important declarations beat the mail's own style sheets, whatever they say about span.
  const kIndicatorCss = [
    'all: initial',
    'display: inline-block',
    'margin: 0 0 0 0.3em',
    'padding: 0 0.4em',
    'border-radius: 0.7em',
    'background: #8250df',
    'color: #ffffff',
    'font: 600 10px/1.6 system-ui, sans-serif',
    'vertical-align: middle',
    'white-space: nowrap',
    'cursor: help',
  ]
    .map((d) => `${d} !important`)
    .join('; ');

  /** link element -> {key, ref, confirm} */
  const guards = new WeakMap();

  function indicatorOf(link) {
    const next = link.nextElementSibling;
    return next && next.hasAttribute(kIndicatorAttr) ? next : null;
  }

  /** The tooltip for a tracked link (shared/i18n.js names). */
  function tooltip(tracked) {
    const { t } = ns.i18n;
    const company = tracked.company || t('trackerAtHost', tracked.host || '?');
    return t(tracked.confirm ? 'trackedLinkTooltipAsk' : 'trackedLinkTooltip', company);
  }

  /**
   * Marks a tracked link: the label after it (not inside, so that clicking the label never follows the link) and
   * the guard. Idempotent: a link classified again gets its label updated, not a second one.
   * @param {Element} link <a> or <area>
   * @param {{company: string|null, host: string, confirm: boolean}} tracked  plan.js TrackedLink
   * @param {{key: string, ref: string}} where the message and element, for the background
   */
  function mark(link, tracked, where) {
    guards.set(link, { key: where.key, ref: where.ref, confirm: !!tracked.confirm });
    if (tracked.confirm) link.setAttribute(kGuardAttr, 'ask');
    else link.setAttribute(kGuardAttr, '');
    if (link.localName === 'area') return; // inside a <map>: nowhere to show a label
    const text = tooltip(tracked);
    let label = indicatorOf(link);
    if (!label) {
      label = link.ownerDocument.createElement('span');
      label.setAttribute(kIndicatorAttr, '');
      label.setAttribute('role', 'img');
      label.style.cssText = kIndicatorCss;
      label.textContent = ns.i18n.t('trackedLinkBadge');
      link.after(label);
    }
    label.title = text;
    label.setAttribute('aria-label', text);
  }

  /** Removes the label and the guard (the link is no longer tracked-opaque, or the mail was re-classified). */
  function unmark(link) {
    guards.delete(link);
    link.removeAttribute(kGuardAttr);
    const label = indicatorOf(link);
    if (label) label.remove();
  }

  /** The guard of the link an event happened in, when a click on it must ask first; else null. */
  function guardFor(target) {
    const link = target && typeof target.closest === 'function' ? target.closest('a[href], area[href]') : null;
    const guard = link ? guards.get(link) : null;
    return guard && guard.confirm ? guard : null;
  }

  ns.linkGuard = Object.freeze({ kIndicatorAttr, kGuardAttr, mark, unmark, guardFor, tooltip });
})((globalThis.mailveil ??= {}));
