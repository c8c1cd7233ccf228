// Options page: own addresses, sender allow list, update interval, and the lists of per-e-mail and
// per-element overrides (removable).
import { loadSettings, parseAddressList, parseSenderList, saveSettings } from '../background/settings.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
let settings = null;

function removable(text, onRemove) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Remove';
  button.addEventListener('click', onRemove);
  li.append(`${text} `, button);
  return li;
}

function render() {
  $('addresses').value = settings.userAddresses.join('\n');
  $('senders').value = settings.allowedSenders.join('\n');
  $('interval').value = String(settings.updateIntervalHours);
  $('load-all').replaceChildren(
    ...Object.keys(settings.loadAllMessages).map((key) =>
      removable(key, () => {
        delete settings.loadAllMessages[key];
        save();
      }),
    ),
  );
  $('overrides').replaceChildren(
    ...Object.entries(settings.elementOverrides).map(([url, action]) =>
      removable(`${action}: ${url}`, () => {
        delete settings.elementOverrides[url];
        save();
      }),
    ),
  );
}

async function save() {
  settings.userAddresses = parseAddressList($('addresses').value);
  settings.allowedSenders = parseSenderList($('senders').value);
  settings.updateIntervalHours = Number($('interval').value);
  settings = await saveSettings(api.storage.local, settings);
  await api.runtime.sendMessage({ what: 'settings-changed' });
  render();
  $('saved').textContent = 'Saved.';
}

$('save').addEventListener('click', save);
loadSettings(api.storage.local).then((s) => {
  settings = s;
  render();
});
