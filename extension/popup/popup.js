// The toolbar popup: host status, the open e-mail(s) with their findings, overrides, reports, updates.
import '../shared/messages.js';
import '../shared/element-kinds.js';
import '../shared/i18n.js';
import {
  blockedCount,
  elementRows,
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

function verdictText(row) {
  if (row.kind === 'link') {
    if (row.action === 'rewrite') return 'link cleaned';
    return row.tracked ? 'tracked link (destination unknown)' : 'link';
  }
  const who =
    { user: ' (your choice)', message: ' (all images loaded)', sender: ' (allowed sender)', default: ' (no verdict)' }[
      row.source
    ] || '';
  return `${row.action === 'load' ? 'loaded' : 'blocked'}${who}`;
}

function overrideButtons(record, row) {
  const box = h('span', { className: 'actions' });
  if (elementKinds.isFetched(row.kind)) {
    if (row.override !== 'allow') {
      box.append(
        h('button', {
          type: 'button',
          className: 'override-allow',
          text: 'Allow',
          title: 'Always load this element',
          onclick: () => setOverride(row.url, 'allow'),
        }),
      );
    }
    if (row.override !== 'block') {
      box.append(
        h('button', {
          type: 'button',
          className: 'override-block',
          text: 'Block',
          title: 'Never load this element',
          onclick: () => setOverride(row.url, 'block'),
        }),
      );
    }
    if (row.override) {
      box.append(
        h('button', {
          type: 'button',
          className: 'override-reset',
          text: 'Reset',
          onclick: () => setOverride(row.url, null),
        }),
      );
    }
  }
  const kind = row.action === 'block' || row.action === 'rewrite' ? 'false-block' : 'missed';
  box.append(
    h('button', {
      type: 'button',
      className: 'report-btn',
      dataset: { kind },
      text: kind === 'missed' ? 'Report missed tracker' : 'Report false block',
      onclick: () => makeReport(record.key, row.ref, kind),
    }),
  );
  return box;
}

function elementTable(record, rows) {
  const table = h(
    'table',
    { className: 'elements' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Element', 'Company', 'Category', 'What leaks', 'Evidence', 'Status', ''].map((t) => h('th', { text: t })),
      ),
    ),
  );
  const body = h('tbody');
  for (const row of rows) {
    body.append(
      h(
        'tr',
        { className: 'element-row', dataset: { ref: row.ref, action: row.action } },
        h('td', { className: 'kind', text: row.kind }),
        h('td', { className: 'company', text: row.company || '' }),
        h('td', { className: 'category', text: row.category || '' }),
        h('td', { className: 'leaks', text: row.leaks.join('; ') }),
        h('td', {
          className: 'evidence',
          text: row.action === 'rewrite' && row.rewriteUrl ? `${row.evidence} → ${row.rewriteUrl}` : row.evidence,
        }),
        h('td', { className: 'verdict', text: verdictText(row) }),
        h('td', {}, overrideButtons(record, row)),
      ),
    );
  }
  table.append(body);
  return table;
}

function messageArticle(record) {
  const article = h('article', { className: 'message', dataset: { key: record.key, status: record.status } });
  const head = h('h2');
  if (record.status === 'done' && record.result && record.result.score) {
    const score = record.result.score;
    head.append(
      'Score ',
      h('span', { className: 'score', text: `${score.value}/100` }),
      ' ',
      h('span', { className: `grade grade-${score.grade}`, text: score.grade }),
    );
  } else if (record.status === 'error') {
    head.append(
      h('span', {
        className: 'error',
        text: `Not checked: ${record.error ? record.error.message : 'error'}. Remote images stay blocked.`,
      }),
    );
  } else {
    head.append('Checking…');
  }
  article.append(head);
  if (record.sender) article.append(h('p', { className: 'sender', text: `From ${record.sender}` }));
  if (record.status !== 'done') return article;
  const overrides = state.settings.elementOverrides;
  const rows = elementRows(record, overrides);
  article.append(h('p', { className: 'summary', text: summaryText(record.result, { blocked: blockedCount(record) }) }));
  const loadAll = state.loadAll[record.key] || null;
  article.append(
    h('button', {
      type: 'button',
      className: 'load-all',
      dataset: { on: loadAll ? '1' : '0', scope: record.id ? 'saved' : 'page' },
      text: loadAll ? 'Stop loading all images for this e-mail' : 'Load all images for this e-mail',
      title: record.id
        ? null
        : 'This webmail gives the e-mail no lasting id, so the choice lasts until the page is reloaded or closed.',
      onclick: () => ask({ what: what.loadAll, key: record.key, on: !loadAll }).then(refresh),
    }),
  );
  const findings = record.result.findings || [];
  if (findings.length) {
    article.append(
      h(
        'ul',
        { className: 'findings' },
        ...findings.map((f) =>
          h('li', {
            className: `finding severity-${f.severity}`,
            dataset: { ref: f.ref || '' },
            text: `${f.company ? `${f.company}: ` : ''}${f.message}`,
          }),
        ),
      ),
    );
  }
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
  const notable = rows.filter((r) => r.notable);
  const others = rows.filter((r) => !r.notable);
  if (notable.length) article.append(elementTable(record, notable));
  if (others.length) {
    article.append(
      h(
        'details',
        { className: 'others' },
        h('summary', { text: `Other remote elements (${others.length})` }),
        elementTable(record, others),
      ),
    );
  }
  if (record.result.truncated)
    article.append(
      h('p', {
        className: 'quiet',
        text: `${record.result.omitted} elements had no verdict (reply too large) and stay blocked.`,
      }),
    );
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
  $('layout-warning').hidden = !(tab && tab.layout === 'unrecognised');
  if (tab && tab.layout === 'unrecognised') {
    $('layout-warning-text').textContent =
      `${state.webmailLabel}'s layout is not recognised: MailVeil cannot find the open e-mail, so it cannot check it. Remote images stay blocked (safe default) until MailVeil is updated for the new layout.`;
  }
  let note = '';
  if (!tab || !tab.webmail) note = 'This tab is not a supported webmail (Gmail, Outlook, Yahoo Mail, Proton Mail).';
  else if (!open.length && tab.layout !== 'unrecognised') note = 'No e-mail open.';
  $('no-mail').hidden = !note;
  $('no-mail').textContent = note;
  $('messages').replaceChildren(...open.map(messageArticle));
  $('list-version').textContent = signaturesText(state.signatures);
  const legend = gradeLegend(state.host && state.host.hello ? state.host.hello.grades : undefined);
  $('grade-legend').hidden = !legend;
  $('grade-legend').textContent = legend || '';
  renderUpdate(state.update);
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

async function makeReport(key, ref, kind) {
  const reply = await ask({ what: what.report, key, ref, kind });
  $('report').hidden = false;
  if (!reply || !reply.ok) {
    $('report-text').value =
      `Could not build the report: ${reply && reply.error ? reply.error.message || reply.error.code : 'no reply'}`;
    return;
  }
  $('report-text').value = reply.report.text;
  if (reportUrl) URL.revokeObjectURL(reportUrl);
  reportUrl = URL.createObjectURL(new Blob([JSON.stringify(reply.report.json, null, 2)], { type: 'application/json' }));
  $('report-save').href = reportUrl;
}

$('retry-host').addEventListener('click', () => ask({ what: what.retryHost }).then(refresh));
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

currentTabId()
  .then((id) => {
    tabId = id;
    return refresh();
  })
  .finally(() => document.body.setAttribute('data-ready', '1'));
