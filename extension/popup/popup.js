// The toolbar popup: host status, the open e-mail(s) with their findings, overrides, reports, updates.
import '../shared/messages.js';
import '../shared/element-kinds.js';
import '../shared/i18n.js';
import {
  reasonText,
  blockedCount,
  elementRows,
  freshnessWarning,
  gradeLegend,
  hostProblem,
  signaturesText,
  summaryText,
  trackedLinkRows,
  updateText,
} from './view-model.js';

const api = globalThis.browser ?? globalThis.chrome;
const { messages, elementKinds, i18n } = globalThis.mailveil;
const { t } = i18n;
const { what } = messages;
const $ = (id) => document.getElementById(id);
let tabId = null;
let state = null;
let reportUrl = null;
/** A download's blob URL is revoked after this long (the browser has read it by then). */
const kRevokeDelayMs = 60000;

/** Creates an element; `props` may set className, text, dataset, title, type, and attributes. */
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'onclick') node.addEventListener('click', v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

async function currentTabId() {
  const fromQuery = new URLSearchParams(location.search).get('tab');
  if (fromQuery) return Number(fromQuery);
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab ? tab.id : null;
}

function ask(msg) {
  return api.runtime.sendMessage({ ...msg, tabId });
}

async function refresh() {
  state = await ask({ what: what.popupState });
  render();
}

/** The element's state in plain words (who decided it, when not MailVeil). */
function verdictText(row) {
  if (row.kind === 'link') {
    if (row.action === 'rewrite') return t('verdictLinkCleaned');
    return t(row.tracked ? 'verdictTrackedLink' : 'verdictLink');
  }
  const loaded = row.action === 'load';
  const by = {
    user: /* i18n */ 'verdictByUser',
    message: /* i18n */ 'verdictByMessage',
    sender: /* i18n */ 'verdictBySender',
    default: /* i18n */ 'verdictByDefault',
  }[row.source];
  return t(loaded ? 'verdictLoaded' : 'verdictBlocked', by ? t(by) : '').trim();
}

function overrideButtons(record, row) {
  const box = h('span', { className: 'actions' });
  const button = (className, name, onclick, title) =>
    h('button', { type: 'button', className, text: t(name), title: title ? t(title) : null, onclick });
  if (elementKinds.isFetched(row.kind)) {
    if (row.override !== 'allow')
      box.append(
        button(
          'override-allow',
          /* i18n */ 'popupAllow',
          () => setOverride(row.url, 'allow'),
          /* i18n */ 'popupAllowHint',
        ),
      );
    if (row.override !== 'block')
      box.append(
        button(
          'override-block',
          /* i18n */ 'popupBlock',
          () => setOverride(row.url, 'block'),
          /* i18n */ 'popupBlockHint',
        ),
      );
    if (row.override) box.append(button('override-reset', /* i18n */ 'popupReset', () => setOverride(row.url, null)));
  }
  const kind = row.action === 'block' || row.action === 'rewrite' ? 'false-block' : 'missed';
  const report = button(
    'report-btn',
    kind === 'missed' ? /* i18n */ 'popupReportMissed' : /* i18n */ 'popupReportFalseBlock',
    (ev) => makeReport(record.key, row.ref, kind, ev.currentTarget.closest('.element-row')),
  );
  report.dataset.kind = kind;
  box.append(report);
  return box;
}

/** Copies a text to the clipboard (the popup has the user's click); falls back to selecting it. */
async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h('textarea', {}, text);
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  if (button) button.textContent = t('popupCopied');
}

/**
 * One element, in plain words first: what it is and what MailVeil did; then its masked URL (cut to one line, the
 * whole of it in the tooltip, and a Copy button), the technical detail of its leaks, and the user's buttons.
 */
function elementItem(record, row) {
  const url = row.action === 'rewrite' && row.rewriteUrl ? `${row.evidence} → ${row.rewriteUrl}` : row.evidence;
  return h(
    'li',
    {
      className: 'element-row',
      dataset: { ref: row.ref, action: row.action, kind: row.kind, category: row.category || '' },
    },
    h(
      'div',
      { className: 'element-head' },
      h('span', { className: 'kind', text: kindLabel(row.kind) }),
      ' · ',
      h('span', { className: 'verdict', text: verdictText(row) }),
      h('span', { className: 'company', hidden: '', text: row.company || '' }),
    ),
    row.category ? h('div', { className: 'category quiet', text: categoryLabel(row.category) }) : null,
    h('div', { className: 'leaks', text: row.leaks.join('; ') }),
    h(
      'div',
      { className: 'url-line' },
      h('code', { className: 'evidence', title: url, text: url }),
      h('button', {
        type: 'button',
        className: 'copy-url',
        text: t('popupCopy'),
        title: t('popupCopyUrlHint'),
        onclick: (ev) => copyText(url, ev.currentTarget),
      }),
    ),
    overrideButtons(record, row),
  );
}

/** Element kinds (docs/protocol.md) and tracker categories (signatures), in words. */
const kKindNames = Object.freeze({
  img: /* i18n */ 'kind_img',
  srcset: /* i18n */ 'kind_srcset',
  'css-background': /* i18n */ 'kind_css_background',
  'background-attr': /* i18n */ 'kind_background_attr',
  link: /* i18n */ 'kind_link',
  iframe: /* i18n */ 'kind_iframe',
  video: /* i18n */ 'kind_video',
  audio: /* i18n */ 'kind_audio',
  embed: /* i18n */ 'kind_embed',
  object: /* i18n */ 'kind_object',
  form: /* i18n */ 'kind_form',
  'input-image': /* i18n */ 'kind_input_image',
  other: /* i18n */ 'kind_other',
});
const kCategoryNames = Object.freeze({
  analytics: /* i18n */ 'category_analytics',
  esp: /* i18n */ 'category_esp',
  advertising: /* i18n */ 'category_advertising',
  social: /* i18n */ 'category_social',
  'customer-engagement': /* i18n */ 'category_customer_engagement',
  'marketing-automation': /* i18n */ 'category_marketing_automation',
  'sales-tracker': /* i18n */ 'category_sales_tracker',
  'spam-tracker': /* i18n */ 'category_spam_tracker',
});

/** The kind of an element, in words ("image", "background image", "link"); the code when unknown. */
function kindLabel(kind) {
  return Object.prototype.hasOwnProperty.call(kKindNames, kind) ? t(kKindNames[kind]) : kind;
}

/** The category of a tracker, in words ("e-mail marketing service" for `esp`); the code when unknown. */
function categoryLabel(category) {
  return Object.prototype.hasOwnProperty.call(kCategoryNames, category) ? t(kCategoryNames[category]) : category;
}

/** What a company's elements do to the reader, as short plain sentences (most serious first). */
function companyFacts(rows) {
  const facts = [];
  if (rows.some((r) => r.leaks.length)) facts.push(t('factAddress'));
  if (rows.some((r) => r.kind !== 'link' && (r.verdict === 'block' || r.trackerName))) facts.push(t('factOpens'));
  const links = rows.filter((r) => r.kind === 'link');
  if (links.some((r) => r.tracked || (r.verdict === 'rewrite' && r.trackerName))) facts.push(t('factClicks'));
  else if (links.some((r) => r.verdict === 'rewrite')) facts.push(t('factLinkParams'));
  return facts;
}

/**
 * One card per company: its name, what it learns in plain words, what MailVeil did; the details (each element,
 * its URL, its leaks, the findings about it, the buttons) behind a toggle.
 */
function companyCard(record, company, rows, findings) {
  const blocked = rows.filter((r) => r.action === 'block').length;
  const cleaned = rows.filter((r) => r.action === 'rewrite').length;
  const loaded = rows.filter((r) => r.action === 'load').length;
  const did = [];
  if (blocked) did.push(t('cardBlocked', blocked));
  if (cleaned) did.push(t('cardCleaned', cleaned));
  if (loaded) did.push(t('cardLoaded', loaded));
  const leak = rows.some((r) => r.leaks.length);
  return h(
    'section',
    { className: `card${leak ? ' card-leak' : ''}`, dataset: { company } },
    h('h3', { className: 'card-company', text: company }),
    h('ul', { className: 'facts' }, ...companyFacts(rows).map((f) => h('li', { text: f }))),
    did.length ? h('p', { className: 'card-did quiet', text: did.join(' · ') }) : null,
    h(
      'details',
      { className: 'card-details' },
      h('summary', { text: t('popupDetails') }),
      findings.length ? h('ul', { className: 'findings' }, ...findings.map(findingItem)) : null,
      h('ul', { className: 'elements' }, ...rows.map((r) => elementItem(record, r))),
    ),
  );
}

/** A finding: its plain message; the technical detail (when the host sends one) as a quieter second line. */
function findingItem(f) {
  return h(
    'li',
    { className: `finding severity-${f.severity}`, dataset: { ref: f.ref || '' } },
    `${f.company ? `${f.company}: ` : ''}${f.message}`,
    f.detail ? h('span', { className: 'finding-detail quiet', text: ` (${f.detail})` }) : null,
  );
}

function loadAllButton(record, unprotected) {
  const loadAll = state.loadAll[record.key] || null;
  let text;
  if (unprotected) text = t(loadAll ? 'popupStopUnprotected' : 'popupShowUnprotected');
  else text = t(loadAll ? 'popupStopLoadAll' : 'popupLoadAll');
  return h('button', {
    type: 'button',
    className: 'load-all',
    dataset: { on: loadAll ? '1' : '0', scope: record.id ? 'saved' : 'page' },
    text,
    title: record.id ? null : t('popupPageOnlyHint'),
    onclick: () => ask({ what: what.loadAll, key: record.key, on: !loadAll }).then(refresh),
  });
}

/**
 * "Always show images from news@shop.example": one click, the exact address (From can be spoofed, so the user
 * sees which address is trusted). null without a sender; a note when a whole domain is allowed in the options.
 */
function allowSenderButton(record) {
  if (!record.sender) return null;
  const sender = record.sender.toLowerCase();
  const list = state.settings.allowedSenders || [];
  if (!list.includes(sender) && list.includes(sender.slice(sender.lastIndexOf('@')))) {
    return h('span', {
      className: 'allow-sender-note quiet',
      text: t('popupSenderDomainAllowed', sender.slice(sender.lastIndexOf('@'))),
    });
  }
  const on = list.includes(sender);
  return h('button', {
    type: 'button',
    className: 'allow-sender',
    dataset: { on: on ? '1' : '0', sender },
    text: t(on ? 'popupStopAllowSender' : 'popupAllowSender', sender),
    title: t('popupAllowSenderHint'),
    onclick: () => ask({ what: what.allowSender, sender, on: !on }).then(refresh),
  });
}

/** Asks the host for the mail's evidence pack and saves it as one self-contained HTML file. */
async function saveEvidence(key, button) {
  const status = $('evidence-status');
  status.hidden = false;
  status.dataset.state = 'working';
  status.textContent = t('popupEvidenceWorking');
  if (button) button.disabled = true;
  const lang = (i18n.uiLanguage() || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en';
  const reply = await ask({ what: what.evidence, key, lang });
  if (button) button.disabled = false;
  if (!reply || !reply.ok) {
    status.dataset.state = 'error';
    status.textContent = t('popupEvidenceFailed', reply && reply.error ? reply.error.message || reply.error.code : '');
    return;
  }
  const url = URL.createObjectURL(new Blob([reply.html], { type: 'text/html' }));
  const a = h('a', { href: url, download: reply.filename, hidden: '' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), kRevokeDelayMs);
  status.dataset.state = 'saved';
  status.dataset.filename = reply.filename;
  status.textContent = t('popupEvidenceSaved', reply.filename);
}

function messageArticle(record) {
  const article = h('article', { className: 'message', dataset: { key: record.key, status: record.status } });
  const head = h('h2');
  if (record.status === 'done' && record.result && record.result.score) {
    const score = record.result.score;
    head.append(
      h('span', { className: `grade grade-${score.grade}`, text: score.grade }),
      ' ',
      h('span', { className: 'score', text: `${score.value}/100` }),
    );
  } else if (record.status === 'error') {
    head.append(
      h('span', {
        className: 'error',
        text: t('popupNotChecked', record.error ? record.error.message : ''),
      }),
    );
  } else {
    head.append(t('popupChecking'));
  }
  article.append(head);
  const reason = record.status === 'done' ? reasonText(record.result.score) : null;
  if (reason) article.append(h('p', { className: 'reason', text: reason }));
  if (record.sender) article.append(h('p', { className: 'sender', text: t('popupFrom', record.sender) }));
  if (record.status === 'error') {
    // No verdicts: the user's own way out, said plainly.
    article.append(h('div', { className: 'actions-row' }, loadAllButton(record, true), allowSenderButton(record)));
    return article;
  }
  if (record.status !== 'done') return article;
  const overrides = state.settings.elementOverrides;
  const rows = elementRows(record, overrides);
  article.append(h('p', { className: 'summary', text: summaryText(record.result, { blocked: blockedCount(record) }) }));
  article.append(
    h(
      'div',
      { className: 'actions-row' },
      loadAllButton(record, false),
      allowSenderButton(record),
      h('button', {
        type: 'button',
        className: 'evidence-btn',
        text: t('popupEvidence'),
        title: t('popupEvidenceHint'),
        onclick: (ev) => saveEvidence(record.key, ev.currentTarget),
      }),
    ),
  );
  const findings = record.result.findings || [];
  const tracked = trackedLinkRows(rows);
  if (tracked.length) {
    article.append(
      h(
        'section',
        { className: 'tracked-links' },
        h('h3', { text: t('popupTrackedLinks', tracked.length) }),
        h(
          'ul',
          {},
          ...tracked.map((r) =>
            h('li', {
              className: 'tracked-link',
              dataset: { ref: r.ref },
              title: r.evidence,
              text: t('popupTrackedLinkItem', r.text || r.host, r.company || t('trackerAtHost', r.host)),
            }),
          ),
        ),
      ),
    );
  }
  // One card per company (the host's brand); the elements of no known company under their host.
  const notable = rows.filter((r) => r.notable);
  const groups = new Map();
  for (const r of notable) {
    const name = r.company || r.host || '?';
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(r);
  }
  const used = new Set();
  // The most serious first: who gets the address, then who was blocked, then the rest.
  const weight = (group) =>
    (group.some((r) => r.leaks.length) ? 2 : 0) + (group.some((r) => r.action === 'block') ? 1 : 0);
  const ordered = [...groups].sort((a, b) => weight(b[1]) - weight(a[1]));
  const cards = ordered.map(([company, group]) => {
    const refs = new Set(group.map((r) => r.ref));
    const own = findings.filter((f) => (f.ref && refs.has(f.ref)) || (!f.ref && f.company === company));
    own.forEach((f) => used.add(f));
    return companyCard(record, company, group, own);
  });
  if (cards.length) {
    article.append(h('h3', { className: 'cards-heading', text: t('popupWhoLearns') }), ...cards);
  }
  const general = findings.filter((f) => !used.has(f));
  if (general.length) article.append(h('ul', { className: 'findings general' }, ...general.map(findingItem)));
  const others = rows.filter((r) => !r.notable);
  if (others.length) {
    article.append(
      h(
        'details',
        { className: 'others' },
        h('summary', { text: t('popupOthers', others.length) }),
        h('ul', { className: 'elements' }, ...others.map((r) => elementItem(record, r))),
      ),
    );
  }
  if (record.result.truncated)
    article.append(h('p', { className: 'quiet', text: t('popupTruncated', record.result.omitted) }));
  return article;
}

function render() {
  if (!state || !state.ok) return;
  $('version').textContent = `v${state.version}`;
  const problem = hostProblem(state.host);
  $('host-error').hidden = !problem;
  if (problem) {
    $('host-error').dataset.state = problem.state;
    $('host-error-text').textContent = problem.text;
    $('host-error-detail').textContent = problem.detail;
  }
  const tab = state.tab;
  const open = tab ? tab.openKeys.map((k) => tab.messages[k]).filter(Boolean) : [];
  // The per-site pause: offered wherever MailVeil cannot check the mail (helper missing, layout unknown).
  $('paused').hidden = !state.paused;
  if (state.paused) $('paused-text').textContent = t('popupPausedText', state.webmailLabel);
  const stuck = !state.paused && tab && tab.webmail && (problem || tab.layout === 'unrecognised');
  $('pause-box').hidden = !stuck;
  if (stuck) {
    $('pause-site').textContent = t('popupPauseSite', state.webmailLabel);
    $('pause-hint').textContent = t('popupPauseHint');
  }
  if (state.paused) {
    $('host-error').hidden = true;
    $('layout-warning').hidden = true;
    $('messages').replaceChildren();
    $('no-mail').hidden = true;
    renderSignatures(state.signatures);
    renderUpdate(state.update);
    return;
  }
  $('layout-warning').hidden = !(tab && tab.layout === 'unrecognised');
  if (tab && tab.layout === 'unrecognised') {
    $('layout-warning-text').textContent = t('popupLayoutUnknown', state.webmailLabel);
  }
  let note = '';
  if (!tab || !tab.webmail) note = t('popupNotWebmail');
  else if (!open.length && tab.layout !== 'unrecognised') note = t('popupNoMail');
  $('no-mail').hidden = !note;
  $('no-mail').textContent = note;
  placeReport(null); // out of the articles before they are replaced
  $('messages').replaceChildren(...open.map(messageArticle));
  if (reportRef && !$('report').hidden) {
    const row = document.querySelector(`.element-row[data-ref="${CSS.escape(reportRef)}"]`);
    if (row) {
      row.closest('details')?.setAttribute('open', '');
      placeReport(row);
    }
  }
  renderSignatures(state.signatures);
  const legend = gradeLegend(state.host && state.host.hello ? state.host.hello.grades : undefined);
  $('grade-legend').hidden = !legend;
  $('grade-legend').textContent = legend || '';
  renderUpdate(state.update);
}

/** The list's version line, and a warning while the host says the list is past its `expires` date. */
function renderSignatures(signatures) {
  $('list-version').textContent = signaturesText(signatures);
  const stale = freshnessWarning(signatures);
  $('list-stale').hidden = !stale;
  $('list-stale-text').textContent = stale || '';
}

function renderUpdate(update) {
  $('update-status').textContent = updateText(update);
  $('update-btn').disabled = !!(update && update.running);
  const bar = $('update-progress');
  bar.hidden = !(update && update.running);
  if (update && update.running && update.total) {
    bar.max = update.total;
    bar.value = update.received;
  } else {
    bar.removeAttribute('value');
  }
}

async function setOverride(url, action) {
  await ask({ what: what.setOverride, url, action });
  // The choice shows at once; the element's new status follows when the tab re-applies (state-changed).
  await refresh();
}

/** The report panel sits next to what it reports: under the element's row (back home when that row goes). */
let reportRef = null;
function placeReport(row) {
  const panel = $('report');
  if (row) row.after(panel);
  else $('report-home').append(panel);
}

async function makeReport(key, ref, kind, row) {
  reportRef = ref;
  placeReport(row);
  const reply = await ask({ what: what.report, key, ref, kind });
  $('report').hidden = false;
  if (!reply || !reply.ok) {
    $('report-text').value = t(
      'popupReportFailed',
      reply && reply.error ? reply.error.message || reply.error.code : '',
    );
    return;
  }
  $('report-text').value = reply.report.text;
  if (reportUrl) URL.revokeObjectURL(reportUrl);
  reportUrl = URL.createObjectURL(new Blob([JSON.stringify(reply.report.json, null, 2)], { type: 'application/json' }));
  $('report-save').href = reportUrl;
}

$('retry-host').addEventListener('click', () => ask({ what: what.retryHost }).then(refresh));
$('pause-site').addEventListener('click', () =>
  ask({ what: what.pauseSite, webmail: state.tab.webmail, on: true }).then(refresh),
);
$('resume-site').addEventListener('click', () =>
  ask({ what: what.pauseSite, webmail: state.tab.webmail, on: false }).then(refresh),
);
$('update-btn').addEventListener('click', () =>
  ask({ what: what.updateSignatures }).then((r) => renderUpdate(r.update)),
);
$('open-options').addEventListener('click', (e) => {
  e.preventDefault();
  api.runtime.openOptionsPage();
});
$('report-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('report-text').value);
  } catch {
    $('report-text').select();
    document.execCommand('copy');
  }
});
$('report-close').addEventListener('click', () => {
  $('report').hidden = true;
  reportRef = null;
  placeReport(null);
});

/** State changes come in bursts (one per message of a conversation): one refresh per burst. */
const kRefreshDebounceMs = 100;
let refreshTimer = 0;
api.runtime.onMessage.addListener((msg) => {
  if (!msg) return;
  if (msg.what === what.updateProgress) {
    renderUpdate(msg.update);
    if (!msg.update.running) refresh();
  } else if (msg.what === what.stateChanged && (!msg.tabId || msg.tabId === tabId)) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, kRefreshDebounceMs);
  }
});

i18n.localise(document);
currentTabId()
  .then((id) => {
    tabId = id;
    return refresh();
  })
  .finally(() => document.body.setAttribute('data-ready', '1'));
