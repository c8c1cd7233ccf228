// Gmail (mail.google.com): conversation view. Each expanded message is a div.adn carrying the message id;
// its body is div.a3s. Images arrive rewritten to Google's proxy (googleusercontent.com/meips/…#original);
// links carry data-saferedirecturl, which Gmail follows on click.
'use strict';
(function register(ns) {
  const { addressesIn, addressFrom, defineAdapter, textOf } = ns.adapterKit;
  defineAdapter('gmail', {
    selectors: {
      shell: 'div[role="main"]',
      view: 'div[role="main"] h2.hP',
      message: 'div.adn[data-message-id], div.adn[data-legacy-message-id]',
      body: 'div.a3s',
    },
    messageId: (m) => m.getAttribute('data-legacy-message-id') || m.getAttribute('data-message-id'),
    sender: (m) => addressFrom(m, 'span.gD[email]', ['email']),
    userAddresses(doc) {
      // The tab title reads "Inbox (3) - reader@example.org - Gmail"; the account button names it too.
      const account = doc.querySelector('a[aria-label*="@"][href*="accounts.google.com"]');
      return addressesIn(`${doc.title} ${account ? account.getAttribute('aria-label') : ''}`);
    },
    subject: (m, doc) => textOf(doc, 'div[role="main"] h2.hP'),
    date: (m) => textOf(m, 'span.g3[title], span.g3'),
    onLinkRewritten(a, url) {
      if (a.hasAttribute('data-saferedirecturl')) a.setAttribute('data-saferedirecturl', url);
    },
  });
})(globalThis.mailveil);
