// TEST BUILDS ONLY (tools/pack-extension.mjs --test adds it to the manifest; release builds do not ship it).
// Lets the end-to-end tests, which drive the page, read what only the extension can see: the badge and the
// tab's state. The page posts {mailveilTest: {cmd, nonce}}; the answer is written to <pre id="mailveil-test-NONCE">.
// It also runs on the popup slot page (slot.mailveil.test), whose `show-popup` turns that tab into the popup.
'use strict';
(function start(ns) {
  if (!ns.buildConfig.test || window.top !== window) return;
  const api = globalThis.browser ?? globalThis.chrome;
  window.addEventListener('message', async (ev) => {
    if (ev.source !== window || !ev.data || typeof ev.data.mailveilTest !== 'object') return;
    const { cmd, nonce, args } = ev.data.mailveilTest;
    let reply;
    try {
      reply = await api.runtime.sendMessage({ what: `${ns.messages.testPrefix}${cmd}`, args });
    } catch (e) {
      reply = { ok: false, error: String(e && e.message ? e.message : e) };
    }
    const pre = document.createElement('pre');
    pre.id = `mailveil-test-${nonce}`;
    pre.hidden = true;
    pre.textContent = JSON.stringify(reply ?? null);
    document.documentElement.appendChild(pre);
  });
})(globalThis.mailveil);
