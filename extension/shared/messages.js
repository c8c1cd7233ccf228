// The messages between the extension's parts (runtime.sendMessage / tabs.sendMessage), named once. Every sender
// and receiver uses these names; tests/extension/messages.test.mjs checks that no other `what` string is typed
// anywhere in extension/. A classic script, as the content scripts need (they cannot be ES modules): it
// registers globalThis.mailveil.messages; the background, popup and options import it for that side effect.
//
// Every request is {what, ...fields}; every reply is {ok: true, ...} or {ok: false, error: {code, message?}}.
'use strict';
(function register(ns) {
  /**
   * Content script -> background.
   * @typedef {{what: 'page', webmail: string}} PageMessage  a webmail page (re)loaded: a fresh tab state;
   *   reply: {ok, paused} (paused: the user paused protection on this webmail, the page is left alone)
   * @typedef {{what: 'layout', state: 'ok'|'none'|'unrecognised', detail?: string}} LayoutMessage
   * @typedef {{what: 'open-messages', keys: string[]}} OpenMessagesMessage  the message views open now
   * @typedef {{what: 'classify', key: string, message: {id?: string, sender?: string, user_addresses: string[],
   *   elements: object[]}, headers: {subject?: string, date?: string, message_id_header?: string},
   *   truncated: boolean, firstSeenAt: number}} ClassifyMessage  headers: kept for the evidence pack
   *   reply: {ok: true, decisions: {ref: string, action: 'load'|'block'|'rewrite'|'keep', url?: string,
   *   source: string, tracked?: {company: string|null, host: string, confirm: boolean}}[]}; when the host could
   *   not check the mail: {ok: false, error, decisions} (the user's own choices, everything else blocked)
   * @typedef {{what: 'confirm-link', key: string, ref: string}} ConfirmLinkMessage  a click on a tracked link
   *   that asks first: the background opens the question page (confirm/confirm.html)
   *
   * Background -> content script.
   * @typedef {{what: 'reapply'}} ReapplyMessage  classify every open message again (settings or host changed)
   *
   * Background -> extension pages (broadcasts; the background ignores them).
   * @typedef {{what: 'state-changed', tabId?: number}} StateChangedMessage  no tabId: every tab
   * @typedef {{what: 'update-progress', update: object}} UpdateProgressMessage
   *
   * Popup -> background (every one carries the popup's tabId).
   * @typedef {{what: 'popup-state', tabId: number}} PopupStateMessage
   *   reply: {ok, version, host, signatures, update, tab, webmailLabel, settings: {elementOverrides}, loadAll}
   * @typedef {{what: 'retry-host'}} RetryHostMessage
   * @typedef {{what: 'update-signatures', rollback?: boolean}} UpdateSignaturesMessage
   * @typedef {{what: 'set-override', url: string, action: 'allow'|'block'|null}} SetOverrideMessage
   * @typedef {{what: 'load-all', key: string, on: boolean}} LoadAllMessage
   * @typedef {{what: 'report', key: string, ref: string, kind: 'missed'|'false-block'}} ReportMessage
   * @typedef {{what: 'allow-sender', sender: string, on: boolean}} AllowSenderMessage  one exact address
   * @typedef {{what: 'pause-site', webmail: string, on: boolean}} PauseSiteMessage  the webmail's tabs reload
   * @typedef {{what: 'evidence', key: string, lang: 'en'|'fr'}} EvidenceMessage
   *   reply: {ok, html, filename}: the host's evidence pack of one open mail (docs/protocol.md `evidence`)
   *
   * First-run page (welcome/welcome.html) -> background.
   * @typedef {{what: 'welcome-state'}} WelcomeStateMessage  reply: {ok, host, platform: {os}}
   *   (retry-host too: "Check again")
   *
   * Question page (confirm/confirm.html?t=TOKEN) -> background.
   * @typedef {{what: 'link-question', token: string}} LinkQuestionMessage
   *   reply: {ok, company, host, text, sender, evidence} (never the link itself: it carries personal tokens)
   * @typedef {{what: 'link-answer', token: string, open: boolean, remember?: boolean}} LinkAnswerMessage
   *   open: the page's tab goes to the link; else it closes. remember: the sender's tracked links stop asking.
   *
   * Options page -> background (also set-override and load-all, to remove saved choices).
   * @typedef {{what: 'options-state'}} OptionsStateMessage  reply: {ok, settings}
   * @typedef {{what: 'save-options', userAddresses: string[], allowedSenders: string[],
   *   updateIntervalHours: number, confirmTrackedLinks: boolean, trackedLinkSenders: string[]}} SaveOptionsMessage
   *   reply: {ok, settings}
   *
   * Test builds only: the end-to-end hook (content/test-hook.js) -> background.
   * @typedef {{what: 'test-state'}} TestStateMessage
   * @typedef {{what: 'test-show-popup', args: {tab: number, nonce: string}}} TestShowPopupMessage
   * @typedef {{what: 'test-show-page', args: {page: 'welcome'}}} TestShowPageMessage  the slot tab becomes that page
   */
  const what = Object.freeze({
    page: 'page',
    layout: 'layout',
    openMessages: 'open-messages',
    classify: 'classify',
    reapply: 'reapply',
    stateChanged: 'state-changed',
    updateProgress: 'update-progress',
    popupState: 'popup-state',
    retryHost: 'retry-host',
    updateSignatures: 'update-signatures',
    setOverride: 'set-override',
    loadAll: 'load-all',
    report: 'report',
    allowSender: 'allow-sender',
    pauseSite: 'pause-site',
    evidence: 'evidence',
    welcomeState: 'welcome-state',
    confirmLink: 'confirm-link',
    linkQuestion: 'link-question',
    linkAnswer: 'link-answer',
    optionsState: 'options-state',
    saveOptions: 'save-options',
    testState: 'test-state',
    testShowPopup: 'test-show-popup',
    testShowPage: 'test-show-page',
  });

  /** Broadcasts from the background to its pages: the background's own listener ignores them. */
  const broadcasts = Object.freeze([what.stateChanged, what.updateProgress]);
  /** Prefix of the test hook's messages (a test command `state` travels as `test-state`). */
  const testPrefix = 'test-';

  ns.messages = Object.freeze({ what, broadcasts, testPrefix });
})((globalThis.mailveil ??= {}));
