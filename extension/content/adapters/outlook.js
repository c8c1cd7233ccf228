// Outlook.com / Outlook on the web: the reading pane (#ReadingPaneContainerId) holds a conversation container
// (data-app-section="ConversationContainer"); each message body is a document region whose id starts with
// "UniqueMessageBody". Anchored on ids and data attributes only: Outlook translates its aria-labels ("Email
// message", "Message body", "Message électronique", "Nachrichtentext"…), so none of them is used.
'use strict';
(function register(ns) {
  const { addressesIn, addressFrom, defineAdapter, textOf } = ns.adapterKit;
  const kConversation = '[data-app-section="ConversationContainer"]';
  const kBody = '[id^="UniqueMessageBody"]';
  defineAdapter('outlook', {
    selectors: {
      shell: '#ReadingPaneContainerId',
      view: `#ReadingPaneContainerId ${kConversation}`,
      // One message: the element directly holding a body (its header with the sender sits beside the body).
      message: `${kConversation} div:has(> ${kBody})`,
      body: kBody,
    },
    messageId(m) {
      const item = m.closest('[data-item-id]');
      const pathId = /\/id\/([^/?#]+)/.exec(location.pathname);
      return (item && item.getAttribute('data-item-id')) || (pathId ? decodeURIComponent(pathId[1]) : null);
    },
    sender: (m) => addressFrom(m, '[id$="_FROM"], [data-testid="SenderPersona"], span.OZZZK', ['title', 'aria-label']),
    userAddresses(doc) {
      const me = doc.querySelector('#mectrl_currentAccount_secondary');
      return addressesIn(me ? me.textContent : '');
    },
    subject: (m, doc) => textOf(doc, `[id$="_SUBJECT"][role="heading"], ${kConversation} [role="heading"]`),
    date: (m) => textOf(m, '[data-testid="SentReceivedSavedTime"]'),
  });
})(globalThis.mailveil);
