// Outlook.com / Outlook on the web: the reading pane (#ReadingPaneContainerId) holds a conversation
// container whose items are labelled "Email message"; each body is the "Message body" document region.
'use strict';
(function register(ns) {
  const { addressesIn, addressFrom, defineAdapter } = ns.adapterKit;
  defineAdapter('outlook', {
    selectors: {
      shell: '#ReadingPaneContainerId',
      view: '#ReadingPaneContainerId [data-app-section="ConversationContainer"]',
      message: '[data-app-section="ConversationContainer"] div[aria-label="Email message"]',
      body: 'div[aria-label="Message body"]',
    },
    messageId(m) {
      const pathId = /\/id\/([^/?#]+)/.exec(location.pathname);
      return m.getAttribute('data-item-id') || (pathId ? decodeURIComponent(pathId[1]) : null);
    },
    sender: (m) => addressFrom(m, '[data-testid="SenderPersona"], span.OZZZK', ['title', 'aria-label']),
    userAddresses(doc) {
      const me = doc.querySelector('#mectrl_currentAccount_secondary');
      return addressesIn(me ? me.textContent : '');
    },
  });
})(globalThis.mailveil);
