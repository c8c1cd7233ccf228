// Yahoo Mail (mail.yahoo.com): message views are marked with data-test-id attributes; remote images go
// through Yahoo's proxy (*.yusercontent.com/mail?url=…).
'use strict';
(function register(ns) {
  const { addressesIn, addressFrom, defineAdapter, textOf } = ns.adapterKit;
  defineAdapter('yahoo', {
    selectors: {
      shell: '#mail-app-component',
      view: '[data-test-id="message-group-view"], [data-test-id="message-view"]',
      message: '[data-test-id="message-view"]',
      body: '[data-test-id="message-view-body-content"]',
    },
    messageId(m) {
      const pathId = /\/messages\/([^/?#]+)/.exec(location.pathname);
      return m.getAttribute('data-message-id') || (pathId ? decodeURIComponent(pathId[1]) : null);
    },
    sender: (m) =>
      addressFrom(m, '[data-test-id="message-from"] [data-test-id="email-pill"], [data-test-id="message-from"]', [
        'title',
        'data-email',
      ]),
    subject: (m, doc) => textOf(doc, '[data-test-id="message-group-subject-text"]'),
    date: (m) => textOf(m, '[data-test-id="message-date"]'),
    userAddresses(doc) {
      const me = doc.querySelector('[data-test-id="account-email"], #ybarAccountMenu [data-email]');
      return me ? addressesIn(`${me.getAttribute('data-email') || ''} ${me.textContent}`) : [];
    },
  });
})(globalThis.mailveil);
