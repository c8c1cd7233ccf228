// First-run page: checks whether the helper program (mailveil-host) answers, shows the one command that
// installs it on this operating system (with a copy button), and turns green as soon as it answers.
import '../shared/messages.js';
import '../shared/i18n.js';
import { hostProblem } from '../popup/view-model.js';

const api = globalThis.browser ?? globalThis.chrome;
const { messages, i18n } = globalThis.mailveil;
const { what } = messages;
const { t } = i18n;
const $ = (id) => document.getElementById(id);

/** The installer command per operating system (runtime.getPlatformInfo().os), run in the MailVeil folder. */
const kInstallCommands = Object.freeze({
  win: 'py manifests\\mailveil-install.py install',
  mac: 'python3 manifests/mailveil-install.py install',
  linux: 'python3 manifests/mailveil-install.py install',
});
/** While the helper is missing, the page asks again this often (it turns green by itself once installed). */
const kRecheckMs = 3000;

let recheckTimer = 0;

function show(reply) {
  if (!reply || !reply.ok) return;
  const os = Object.prototype.hasOwnProperty.call(kInstallCommands, reply.platform.os) ? reply.platform.os : 'linux';
  $('command').textContent = kInstallCommands[os];
  $('install-where').textContent = t(os === 'win' ? 'welcomeWhereWindows' : 'welcomeWhere');
  const problem = hostProblem(reply.host);
  let state = 'checking';
  if (reply.host.state === 'ready') state = 'ready';
  else if (problem) state = problem.state === 'missing' ? 'missing' : 'problem';
  $('status').dataset.state = state;
  if (state === 'ready') {
    const sig = reply.host.hello && reply.host.hello.signatures;
    $('status-text').textContent = t('welcomeReady', reply.host.hello.host_version, sig ? sig.list_version : '?');
  } else if (state === 'missing') {
    $('status-text').textContent = t('welcomeMissing');
  } else if (problem) {
    $('status-text').textContent = problem.text;
  } else {
    $('status-text').textContent = t('welcomeChecking');
  }
  $('install').hidden = state === 'ready';
  $('done').hidden = state !== 'ready';
  clearTimeout(recheckTimer);
  if (state !== 'ready') recheckTimer = setTimeout(check, kRecheckMs);
}

async function load() {
  show(await api.runtime.sendMessage({ what: what.welcomeState }));
}

/** Asks the background to try the helper now (skipping its back-off), then shows the outcome. */
async function check() {
  await api.runtime.sendMessage({ what: what.retryHost }).catch(() => null);
  await load();
}

i18n.localise(document);
$('copy').addEventListener('click', () => {
  // The command is selected (visible, and ready for Ctrl+C should both copies below be refused), then copied.
  const range = document.createRange();
  range.selectNodeContents($('command'));
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  const copied = () => {
    $('copied').hidden = false;
  };
  if (document.execCommand('copy')) copied();
  else if (navigator.clipboard) navigator.clipboard.writeText($('command').textContent).then(copied, () => {});
});
$('check').addEventListener('click', check);
api.runtime.onMessage.addListener((msg) => {
  if (msg && msg.what === what.stateChanged) load();
});
load().finally(() => document.body.setAttribute('data-ready', '1'));
