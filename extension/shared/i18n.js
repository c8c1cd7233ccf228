// User-facing text, looked up by name in _locales/<lang>/messages.json through the browser's i18n API, so that
// every string lives in one place and a translation is one more file. A classic script (content scripts need
// it) registering globalThis.mailveil.i18n; ES modules import it for that side effect. Outside a browser (unit
// tests) a catalogue in the messages.json format can be set with useCatalog().
'use strict';
(function register(ns) {
  const api = globalThis.browser ?? globalThis.chrome;
  let catalog = null;

  /** Expands $1…$9 and named $PLACEHOLDERS$ the way the browsers do, for a catalogue entry. */
  function expand(entry, subs) {
    const positional = (text) => text.replace(/\$(\d)/g, (_, n) => (subs[Number(n) - 1] ?? '').toString());
    let text = entry.message;
    for (const [name, p] of Object.entries(entry.placeholders || {})) {
      text = text.split(`$${name.toUpperCase()}$`).join(positional(p.content));
      text = text.split(`$${name}$`).join(positional(p.content));
    }
    return text.replace(/\$\$/g, '$');
  }

  /**
   * The text named `name`, with substitutions. Throws on an unknown name: a missing string is a bug, never an
   * empty label.
   * @param {string} name
   * @param {...(string|number)} subs
   */
  function t(name, ...subs) {
    const values = subs.map(String);
    if (catalog) {
      if (!catalog[name]) throw new Error(`i18n: no message "${name}"`);
      return expand(catalog[name], values);
    }
    const text = api && api.i18n ? api.i18n.getMessage(name, values) : '';
    if (!text) throw new Error(`i18n: no message "${name}"`);
    return text;
  }

  /** Fills every element carrying data-i18n=NAME (its text) and data-i18n-title=NAME (its title) under root. */
  function localise(root) {
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  }

  /** The browser's UI language ("en", "fr-FR"…); "en" outside a browser. */
  function uiLanguage() {
    return !catalog && api && api.i18n && api.i18n.getUILanguage ? api.i18n.getUILanguage() : 'en';
  }

  /**
   * True when `n` takes the singular in the UI language. The rule is a message of its own (pluralSingular: the
   * counts that are singular, "1" in English, "0,1" in French), so a translation brings its own.
   */
  function isSingular(n) {
    return t('pluralSingular')
      .split(',')
      .map((x) => Number(x.trim()))
      .includes(Number(n));
  }

  /** Uses this catalogue (the parsed messages.json) instead of the browser's: unit tests. */
  function useCatalog(messages) {
    catalog = messages;
  }

  ns.i18n = Object.freeze({ t, localise, useCatalog, uiLanguage, isSingular });
})((globalThis.mailveil ??= {}));
