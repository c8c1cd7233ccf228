// Supported webmails: where they live and which of their hosts carry the webmail's own interface.
// Loaded as a classic script (content scripts share it through globalThis.mailveil) and as a side-effect
// ES module (background, pack script, unit tests). Data only: no logic, no browser API.
'use strict';
(function register(ns) {
  /**
   * @typedef {object} WebmailInfo
   * @property {string} id          protocol `webmail` value
   * @property {string} label       shown to the user
   * @property {string[]} hosts     hostnames the webmail's pages are served from (content-script matches)
   * @property {string[]} uiDomains domains serving the webmail's own interface (never default-denied)
   * @property {{domain: string, path: string}[]} proxies  image-proxy endpoints that fetch mail images on the
   *   reader's behalf: default-denied even though they sit on a uiDomain
   */
  /** @type {WebmailInfo[]} */
  const webmails = [
    {
      id: 'gmail',
      label: 'Gmail',
      hosts: ['mail.google.com'],
      uiDomains: ['google.com', 'gstatic.com', 'googleusercontent.com', 'googleapis.com', 'ggpht.com'],
      proxies: [
        { domain: 'googleusercontent.com', path: '/meips/' },
        { domain: 'googleusercontent.com', path: '/proxy/' },
      ],
    },
    {
      id: 'outlook',
      label: 'Outlook',
      hosts: ['outlook.live.com', 'outlook.office.com', 'outlook.office365.com', 'outlook.cloud.microsoft'],
      uiDomains: [
        'live.com',
        'office.com',
        'office365.com',
        'office.net',
        'outlook.com',
        'cloud.microsoft',
        'static.microsoft',
        'microsoft.com',
        'microsoftonline.com',
        'msauth.net',
        'msftauth.net',
      ],
      // Outlook.com fetches mail images through its own proxy (cosmicpimg-prod.services.web.outlook.com/proxy/
      // ?u=<original>): on an interface domain, yet every proxied tracker reaches its owner through it.
      proxies: [{ domain: 'outlook.com', path: '/proxy/' }],
    },
    {
      id: 'yahoo',
      label: 'Yahoo Mail',
      hosts: ['mail.yahoo.com'],
      uiDomains: ['yahoo.com', 'yimg.com', 'yahooapis.com'],
      proxies: [{ domain: 'yusercontent.com', path: '/mail' }],
    },
    {
      id: 'proton',
      label: 'Proton Mail',
      hosts: ['mail.proton.me', 'mail.protonmail.com'],
      uiDomains: ['proton.me', 'protonmail.com'],
      proxies: [
        { domain: 'proton.me', path: '/api/core/v4/images' },
        { domain: 'protonmail.com', path: '/api/core/v4/images' },
      ],
    },
  ];

  /** Resource types a mail body can make the browser fetch; the default-deny and release rules cover these. */
  const fetchedResourceTypes = ['image', 'media', 'object', 'font', 'stylesheet'];
  /**
   * Firefox gives responsive images (`<img srcset>`, `<picture><source>`) a type of their own, `imageset`, which
   * its rules' `image` does not match; Chrome knows no such type and refuses a rule naming it.
   */
  const firefoxResourceTypes = [...fetchedResourceTypes, 'imageset'];

  /** The fetched resource types for the rules of one browser ('chrome' | 'firefox'). */
  function resourceTypesFor(browser) {
    return browser === 'firefox' ? firefoxResourceTypes : fetchedResourceTypes;
  }

  /** True when host equals domain or is a subdomain of it. */
  function hostInDomain(host, domain) {
    return host === domain || host.endsWith(`.${domain}`);
  }

  /**
   * The webmail a page host belongs to; `aliases` maps extra hostnames (test builds) to webmail ids.
   * @returns {WebmailInfo|null}
   */
  function webmailForHost(host, aliases = {}) {
    const h = String(host || '').toLowerCase();
    const aliased = Object.prototype.hasOwnProperty.call(aliases, h) ? aliases[h] : null;
    return webmails.find((w) => w.id === aliased || w.hosts.includes(h)) || null;
  }

  ns.webmails = Object.freeze({
    list: webmails,
    fetchedResourceTypes,
    resourceTypesFor,
    hostInDomain,
    webmailForHost,
  });
})((globalThis.mailveil ??= {}));
