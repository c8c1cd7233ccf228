// Helpers shared by the webmail adapters. Adapters hold selectors and small hooks only; everything else
// (observing, holding, serialising, enforcing, layout checks) lives once in content/main.js and lib/.
'use strict';
(function register(ns) {
  /** Subject and date lines are cut to this length before they are sent to the host. */
  const kMaxHeaderText = 500;
  const kAddress =
    /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+/g;

  /** Every e-mail address in a text, lower-cased, without duplicates, in order. */
  function addressesIn(text) {
    const out = [];
    for (const m of String(text || '').matchAll(kAddress)) {
      const a = m[0].toLowerCase();
      if (!out.includes(a)) out.push(a);
    }
    return out;
  }

  /** The first address found in the given attributes (then the text) of the first matching element. */
  function addressFrom(root, selector, attributes = []) {
    const el = root && root.querySelector(selector);
    if (!el) return null;
    for (const name of attributes) {
      const found = addressesIn(el.getAttribute(name));
      if (found.length) return found[0];
    }
    return addressesIn(el.textContent)[0] || null;
  }

  /** The trimmed text (or `title`, when set) of the first element matching selector under root; null if none. */
  function textOf(root, selector) {
    const el = root && root.querySelector(selector);
    if (!el) return null;
    const text = (el.getAttribute('title') || el.textContent || '').replace(/\s+/g, ' ').trim();
    return text ? text.slice(0, kMaxHeaderText) : null;
  }

  /**
   * Registers an adapter. Required: selectors.shell (present once the app has loaded), selectors.view (a message
   * or conversation is open), selectors.message (one message container), and selectors.body or bodyOf().
   * Optional hooks for the evidence pack: subject(container, doc), date(container, doc), messageIdHeader(container)
   * (the Message-ID header, where the webmail shows it).
   */
  function defineAdapter(id, adapter) {
    const s = adapter.selectors || {};
    for (const key of ['shell', 'view', 'message']) {
      if (typeof s[key] !== 'string' || !s[key]) throw new Error(`adapter ${id}: selectors.${key} missing`);
    }
    if (!s.body && typeof adapter.bodyOf !== 'function') throw new Error(`adapter ${id}: no body selector`);
    ns.adapters = ns.adapters || {};
    ns.adapters[id] = Object.freeze({ id, ...adapter });
  }

  ns.adapterKit = Object.freeze({ addressesIn, addressFrom, defineAdapter, textOf });
})((globalThis.mailveil ??= {}));
