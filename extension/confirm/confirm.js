// The question page before a tracked link whose destination is unknown is opened: who learns of the click and
// what, the link's visible text, "Open anyway" / "Cancel", and "Do not ask again" for the sender. It knows the
// question by its token only (background/link-questions.js); the link itself stays in the background until
// the reader chooses to open it.
import '../shared/messages.js';
import '../shared/i18n.js';

const api = globalThis.browser ?? globalThis.chrome;
const { messages, i18n } = globalThis.mailveil;
const { what } = messages;
const { t } = i18n;
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('t') || '';

function show(question) {
  const company = question.company || t('trackerAtHost', question.host);
  document.title = t('confirmPageTitle');
  $('heading').textContent = t('confirmHeading', company);
  $('learn-intro').textContent = t('confirmWhatTheyLearn', company);
  $('link-text').textContent = question.text ? `“${question.text}”` : t('confirmNoText');
  for (const el of document.querySelectorAll('.sender-row')) el.hidden = !question.sender;
  $('sender').textContent = question.sender || '';
  $('host').textContent = question.host;
  $('evidence').textContent = question.evidence;
  $('remember-row').hidden = !question.sender;
  $('remember-text').textContent = question.sender ? t('confirmRemember', question.sender) : '';
  $('question').hidden = false;
  $('cancel').focus();
}

function expired() {
  $('question').hidden = true;
  $('gone').hidden = false;
}

async function answer(open) {
  $('open').disabled = true;
  $('cancel').disabled = true;
  const reply = await api.runtime.sendMessage({ what: what.linkAnswer, token, open, remember: $('remember').checked });
  if (!reply || !reply.ok) expired();
}

i18n.localise(document);
$('open').addEventListener('click', () => answer(true));
$('cancel').addEventListener('click', () => answer(false));
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') answer(false);
});
api.runtime
  .sendMessage({ what: what.linkQuestion, token })
  .then((reply) => (reply && reply.ok ? show(reply) : expired()))
  .catch(expired)
  .finally(() => document.body.setAttribute('data-ready', '1'));
