// Options page: own addresses, sender allow list, update interval, and the lists of per-e-mail and
// per-element overrides (removable). Every change goes through the background, the settings' one writer (so a
// change made in the popup meanwhile is never overwritten by this page's older copy).
import '../shared/messages.js';
import '../shared/i18n.js';
import { parseAddressList, parseSenderList } from '../background/settings.js';
import { maskForDisplay } from '../popup/view-model.js';

const api = globalThis.browser ?? globalThis.chrome;
const { messages, i18n } = globalThis.mailveil;
const { what } = messages;
const $ = (id) => document.getElementById(id);
let settings = null;

function removable(text, onRemove, label = i18n.t('optionsRemove')) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.addEventListener('click', onRemove);
  li.append(`${text} `, button);
  return li;
}

/** Sends a change to the background, then shows the settings it answers with (or reloads them). */
async function change(msg) {
  const reply = await api.runtime.sendMessage(msg);
  if (!reply || !reply.ok) {
    $('saved').textContent = i18n.t(
      'optionsNotSaved',
      reply && reply.error ? reply.error.message || reply.error.code : '',
    );
    return false;
  }
  await load();
  return true;
}

function render() {
  $('addresses').value = settings.userAddresses.join('\n');
  $('senders').value = settings.allowedSenders.join('\n');
  $('interval').value = String(settings.updateIntervalHours);
  $('confirm-links').checked = settings.confirmTrackedLinks;
  $('link-senders').value = settings.trackedLinkSenders.join('\n');
  $('load-all').replaceChildren(
    ...Object.keys(settings.loadAllMessages).map((key) =>
      removable(key, () => change({ what: what.loadAll, key, on: false })),
    ),
  );
  $('paused').replaceChildren(
    ...settings.pausedWebmails.map((id) =>
      removable(id, () => change({ what: what.pauseSite, webmail: id, on: false }), i18n.t('optionsResume')),
    ),
  );
  $('overrides').replaceChildren(
    ...Object.entries(settings.elementOverrides).map(([url, action]) =>
      // Masked as in the popup: a saved URL may carry the reader's address or its hash.
      removable(`${action}: ${maskForDisplay(url)}`, () => change({ what: what.setOverride, url, action: null })),
    ),
  );
}

async function load() {
  const reply = await api.runtime.sendMessage({ what: what.optionsState });
  settings = reply.settings;
  render();
}

async function save() {
  const saved = await change({
    what: what.saveOptions,
    userAddresses: parseAddressList($('addresses').value),
    allowedSenders: parseSenderList($('senders').value),
    updateIntervalHours: Number($('interval').value),
    confirmTrackedLinks: $('confirm-links').checked,
    trackedLinkSenders: parseSenderList($('link-senders').value),
  });
  if (saved) $('saved').textContent = i18n.t('optionsSaved');
}

i18n.localise(document);
$('save').addEventListener('click', save);
load();
