// Proton Mail (mail.proton.me): each message of a conversation is an article[data-shortcut-target=
// "message-container"]; its body is rendered inside a same-origin iframe (data-testid="content-iframe").
'use strict';
(function register(ns) {
  const { addressesIn, addressFrom, defineAdapter, textOf } = ns.adapterKit;
  defineAdapter('proton', {
    selectors: {
      shell: 'main.main-area',
      view: '[data-shortcut-target="message-conversation-view"], [data-testid="conversation-view"]',
      message: 'article[data-shortcut-target="message-container"]',
      frame: 'iframe[data-testid="content-iframe"]',
    },
    /** The body lives in the iframe's document; null while the frame is not populated. */
    bodyOf(m) {
      const frame = m.querySelector('iframe[data-testid="content-iframe"]');
      const doc = frame && frame.contentDocument;
      if (!doc || !doc.body) return null;
      return doc.querySelector('#proton-root') || doc.body;
    },
    messageId: (m) => m.getAttribute('data-message-id'),
    sender: (m) => addressFrom(m, '[data-testid="recipients:sender"], .message-recipient-item-address', ['title']),
    subject: (m, doc) => textOf(doc, '[data-testid="conversation-header:subject"]'),
    date: (m) => textOf(m, '[data-testid="item-date-full"], time'),
    userAddresses(doc) {
      const me = doc.querySelector('[data-testid="heading:userdropdown"]');
      return me ? addressesIn(`${me.getAttribute('title') || ''} ${me.textContent}`) : [];
    },
  });
})(globalThis.mailveil);
