// Which remote URLs a mail body may not fetch before the host has answered: everything remote except the
// webmail's own interface hosts (whose image proxies still count as remote). Pure: no DOM.
'use strict';
(function register(ns) {
  const { hostInDomain } = ns.webmails;

  /** Parses an absolute or protocol-relative URL; null for anything else. */
  function parseRemote(url) {
    const text = String(url || '').trim();
    if (!/^(https?:)?\/\//i.test(text)) return null;
    try {
      return new URL(text.startsWith('//') ? `https:${text}` : text);
    } catch {
      return null;
    }
  }

  /**
   * True when the URL must be held back until the host's verdict.
   * @param {string} url as written in the DOM
   * @param {{uiDomains: string[], proxies: {domain: string, path: string}[]}} webmail
   * @param {string} pageHost the page's own hostname (its resources are the interface)
   */
  function shouldHold(url, webmail, pageHost) {
    const u = parseRemote(url);
    if (!u) return false;
    const host = u.hostname.toLowerCase();
    if (webmail.proxies.some((p) => hostInDomain(host, p.domain) && u.pathname.startsWith(p.path))) return true;
    if (host === String(pageHost || '').toLowerCase()) return false;
    return !webmail.uiDomains.some((d) => hostInDomain(host, d));
  }

  ns.holdPolicy = Object.freeze({ shouldHold, parseRemote });
})((globalThis.mailveil ??= {}));
