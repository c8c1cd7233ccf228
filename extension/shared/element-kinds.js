// The kinds of URL-bearing element a mail body holds (the protocol's `kind`, docs/protocol.md), and which of
// them the browser fetches when the mail is displayed. Defined once: the content script's bindings, the plan
// (what a verdict means for an element) and the popup all ask here. A classic script registering
// globalThis.mailveil.elementKinds, imported for that side effect by ES modules.
'use strict';
(function register(ns) {
  /** Fetched by the browser on display: held back until the host's verdict. */
  const fetched = Object.freeze([
    'img',
    'srcset',
    'css-background',
    'background-attr',
    'iframe',
    'video',
    'audio',
    'embed',
    'object',
    'input-image',
    'other',
  ]);
  /** Followed only when the reader acts (click, submit): never fetched on display. */
  const followed = Object.freeze(['link', 'form']);

  ns.elementKinds = Object.freeze({
    fetched,
    followed,
    all: Object.freeze([...fetched, ...followed]),
    /** True for a kind the browser fetches on display (unknown kinds count as fetched: the safe side). */
    isFetched: (kind) => !followed.includes(kind),
  });
})((globalThis.mailveil ??= {}));
