// Content script entry point: one instance per webmail tab (top frame).
//
//   MutationObserver (document + message iframes)
//        │ every added node / changed URL attribute inside a mail body
//        ▼
//   resources.holdRemote ── remote URLs move to data-mailveil-* before layout (the network default-deny
//        │                   rules catch whatever the browser had already started)
//        ▼ debounced sync()
//   adapter (selectors) → message views → resources.scan → {what: classify} → background → host
//        ▼                                                      │ decisions (host verdict + user overrides)
//   resources.apply ◄─────────────────────────────────────────────┘ release / keep blocked / rewrite links
//
// Layout check: when the webmail's structure is not what the adapter expects, the background is told
// ("unrecognised": badge "?") and nothing is released.
'use strict';
(function start(ns) {
  if (window.top !== window) return;
  const api = globalThis.browser ?? globalThis.chrome;
  const webmail = ns.webmails.webmailForHost(location.hostname, ns.buildConfig.hostAliases);
  const adapter = webmail && ns.adapters && ns.adapters[webmail.id];
  if (!adapter) return;
  const { resources, holdPolicy, linkGuard } = ns;
  const { what } = ns.messages;
  const sel = adapter.selectors;

  /** How long the expected structure may be missing before the layout counts as unrecognised. */
  const kGraceMs = 1500;
  /** Mutations within this window are handled in one pass. */
  const kDebounceMs = 20;

  const now = () => performance.timeOrigin + performance.now();
  const shouldHold = (url) => holdPolicy.shouldHold(url, webmail, location.hostname);

  /**
   * @typedef {object} View one open message
   * @property {Element} container
   * @property {Element} body
   * @property {string} key        webmail:id, unique in the tab
   * @property {string|null} messageId
   * @property {boolean} dirty     needs (re)classification
   * @property {number} generation bumps on every classification; stale replies are dropped
   * @property {number} firstSeenAt
   */
  /** @type {Map<Element, View>} */
  const views = new Map();
  /** @type {Map<Document, MutationObserver>} */
  const observers = new Map();
  const anonIds = new WeakMap();
  let anonCount = 0;
  let syncTimer = 0;
  let layoutTimer = 0;
  let loadedAt = 0;
  let viewSeenAt = 0;
  let layoutState = '';
  let reportedKeys = null;

  function send(msg) {
    try {
      return Promise.resolve(api.runtime.sendMessage(msg)).catch(() => null);
    } catch {
      return Promise.resolve(null); // extension reloaded under us
    }
  }

  function bodyOf(container) {
    if (typeof adapter.bodyOf === 'function') return adapter.bodyOf(container);
    return container.querySelector(sel.body);
  }

  /** The mail body containing node, or null. Everything inside a message iframe is mail content. */
  function containingBody(node) {
    if (node.ownerDocument && node.ownerDocument !== document) return node.ownerDocument.documentElement;
    return sel.body ? node.closest(sel.body) : null;
  }

  function markDirty(node) {
    for (const view of views.values()) {
      const inFrame = view.body.ownerDocument !== document && view.body.ownerDocument === node.ownerDocument;
      if (inFrame || view.body.contains(node)) view.dirty = true;
    }
  }

  const watchedFrames = new WeakSet();
  function watchFrame(frame) {
    if (watchedFrames.has(frame)) return;
    watchedFrames.add(frame);
    const attach = () => {
      const doc = frame.contentDocument;
      if (!doc) return;
      observe(doc);
      if (doc.documentElement) resources.holdRemote(doc.documentElement, shouldHold);
      scheduleSync();
    };
    frame.addEventListener('load', attach);
    attach();
  }

  function handleAdded(node) {
    const body = containingBody(node);
    if (body) {
      resources.holdRemote(node, shouldHold);
      markDirty(node);
      return;
    }
    if (sel.body) {
      if (node.matches(sel.body)) resources.holdRemote(node, shouldHold);
      else node.querySelectorAll(sel.body).forEach((b) => resources.holdRemote(b, shouldHold));
    }
    if (sel.frame) {
      if (node.matches(sel.frame)) watchFrame(node);
      else node.querySelectorAll(sel.frame).forEach(watchFrame);
    }
  }

  function onMutations(records, observer) {
    let touched = false;
    for (const r of records) {
      if (r.type === 'childList') {
        for (const n of r.addedNodes) {
          if (n.nodeType === 1) {
            handleAdded(n);
            touched = true;
          } else if (n.nodeType === 3 && n.parentNode && n.parentNode.nodeName === 'STYLE') {
            handleAdded(n.parentNode);
            touched = true;
          }
        }
        if (r.removedNodes.length) touched = true;
      } else if (r.type === 'attributes' && r.target.nodeType === 1 && containingBody(r.target)) {
        resources.holdRemote(r.target, shouldHold);
        markDirty(r.target);
        touched = true;
      }
    }
    observer.takeRecords(); // the holds just made
    if (touched) scheduleSync();
  }

  function observe(doc) {
    if (observers.has(doc)) return;
    const target = doc.defaultView || doc;
    target.addEventListener('click', onLinkClick, true);
    target.addEventListener('auxclick', onLinkClick, true);
    const observer = new MutationObserver(onMutations);
    observer.observe(doc, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: resources.kWatchedAttributes,
    });
    observers.set(doc, observer);
  }

  /** Handles pending page mutations now, then runs fn (our own DOM writes) and drops the records it caused. */
  function quietly(fn) {
    for (const [doc, observer] of observers) {
      if (!doc.defaultView) {
        observer.disconnect();
        observers.delete(doc);
        continue;
      }
      const pending = observer.takeRecords();
      if (pending.length) onMutations(pending, observer);
    }
    const result = fn();
    for (const observer of observers.values()) observer.takeRecords();
    return result;
  }

  function scheduleSync() {
    if (!syncTimer) syncTimer = setTimeout(sync, kDebounceMs);
  }

  function messageIdOf(container) {
    const id = adapter.messageId ? adapter.messageId(container) : null;
    if (id) return String(id);
    if (!anonIds.has(container)) anonIds.set(container, `anon-${(anonCount += 1)}`);
    return null;
  }

  function sync() {
    syncTimer = 0;
    if (paused) return;
    const seen = new Set();
    const usedKeys = new Map();
    quietly(() => {
      for (const container of document.querySelectorAll(sel.message)) {
        if (sel.frame) container.querySelectorAll(sel.frame).forEach(watchFrame);
        const body = bodyOf(container);
        if (!body) continue;
        const messageId = messageIdOf(container);
        let key = `${webmail.id}:${messageId || anonIds.get(container)}`;
        const n = usedKeys.get(key) || 0;
        usedKeys.set(key, n + 1);
        if (n) key = `${key}#${n}`;
        let view = views.get(container);
        if (!view || view.body !== body || view.key !== key) {
          view = {
            container,
            body,
            key,
            messageId,
            dirty: true,
            generation: 0,
            firstSeenAt: view ? view.firstSeenAt : now(),
          };
          views.set(container, view);
        }
        seen.add(container);
        resources.holdRemote(body, shouldHold); // content that was there before the observer saw it
      }
    });
    for (const container of [...views.keys()]) {
      if (!seen.has(container)) views.delete(container);
    }
    reportOpen();
    for (const view of views.values()) {
      if (view.dirty) classify(view);
    }
    checkLayout();
  }

  function reportOpen() {
    const keys = [...views.values()].map((v) => v.key).sort();
    const joined = keys.join('\n');
    if (joined === reportedKeys) return;
    reportedKeys = joined;
    send({ what: what.openMessages, keys });
  }

  /** What the webmail shows of the mail's headers (subject, date, Message-ID), for the evidence pack. */
  function headersOf(container) {
    const read = (hook) => {
      try {
        const v = typeof adapter[hook] === 'function' ? adapter[hook](container, document) : null;
        return typeof v === 'string' && v ? v : undefined;
      } catch {
        return undefined; // a hook that no longer fits the page costs the evidence pack a line, nothing more
      }
    };
    return { subject: read('subject'), date: read('date'), message_id_header: read('messageIdHeader') };
  }

  async function classify(view) {
    view.dirty = false;
    view.generation += 1;
    const generation = view.generation;
    const { elements, targets, truncated } = quietly(() => resources.scan(view.body));
    const message = {
      webmail: webmail.id,
      user_addresses: adapter.userAddresses ? adapter.userAddresses(document) : [],
      elements,
    };
    if (view.messageId) message.id = view.messageId;
    const sender = adapter.sender ? adapter.sender(view.container) : null;
    if (sender) message.sender = sender;
    const reply = await send({
      what: what.classify,
      key: view.key,
      message,
      headers: headersOf(view.container),
      truncated,
      firstSeenAt: view.firstSeenAt,
    });
    // Without the host's verdicts the reply still carries the user's own choices (ok: false, decisions).
    if (!reply || !Array.isArray(reply.decisions)) return;
    if (view.generation !== generation || views.get(view.container) !== view) return;
    const decisions = new Map(reply.decisions.map((d) => [d.ref, d]));
    const onLink = (node, d, ref) => {
      if (d && d.tracked) linkGuard.mark(node, d.tracked, { key: view.key, ref });
      else linkGuard.unmark(node);
    };
    quietly(() => resources.apply(targets, decisions, { onLinkRewritten: adapter.onLinkRewritten, onLink }));
  }

  /**
   * A click (left, middle, with or without modifier keys, or Enter) on a tracked link that must ask first: the
   * webmail never sees it, the redirector is not contacted, and the background shows the question page.
   * Registered on each document's window in the capture phase, before the webmail's own handlers.
   */
  function onLinkClick(ev) {
    if (ev.type === 'click' ? ev.button !== 0 : ev.button !== 1) return;
    const guard = linkGuard.guardFor(ev.target);
    if (!guard) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    send({ what: what.confirmLink, key: guard.key, ref: guard.ref });
  }

  function setLayout(state, detail) {
    if (state === layoutState) return;
    layoutState = state;
    send({ what: what.layout, state, detail });
  }

  function checkLayout() {
    const t = now();
    const settled = loadedAt && t - loadedAt >= kGraceMs;
    const recheckIn = (ms) => {
      clearTimeout(layoutTimer);
      layoutTimer = setTimeout(
        () => {
          quietly(() => {});
          sync();
        },
        Math.max(ms, 50),
      );
    };
    if (!document.querySelector(sel.shell)) {
      viewSeenAt = 0;
      if (settled) setLayout('unrecognised', 'shell');
      else if (loadedAt) recheckIn(kGraceMs - (t - loadedAt));
      return;
    }
    if (views.size) {
      setLayout('ok', '');
      return;
    }
    if (document.querySelector(sel.view) || document.querySelector(sel.message)) {
      if (!viewSeenAt) viewSeenAt = t;
      if (settled && t - viewSeenAt >= kGraceMs) setLayout('unrecognised', 'message');
      else recheckIn(Math.max(kGraceMs - (t - viewSeenAt), loadedAt ? kGraceMs - (t - loadedAt) : kGraceMs));
      return;
    }
    viewSeenAt = 0;
    setLayout('none', '');
  }

  api.runtime.onMessage.addListener((msg) => {
    if (msg && msg.what === what.reapply && !paused) {
      for (const view of views.values()) view.dirty = true;
      scheduleSync();
    }
  });

  /** The user paused protection on this webmail: the page is left as it is (the network rules allow it too). */
  let paused = false;
  function pause() {
    paused = true;
    clearTimeout(syncTimer);
    clearTimeout(layoutTimer);
    for (const [doc, observer] of observers) {
      observer.disconnect();
      if (doc.documentElement) resources.releaseAll(doc.documentElement);
    }
    observers.clear();
    views.clear();
  }

  send({ what: what.page, webmail: webmail.id }).then((reply) => {
    if (reply && reply.paused) pause();
  });
  observe(document);
  if (document.readyState === 'complete') loadedAt = now();
  else
    window.addEventListener(
      'load',
      () => {
        loadedAt = now();
        scheduleSync();
      },
      { once: true },
    );
  scheduleSync();
})(globalThis.mailveil);
