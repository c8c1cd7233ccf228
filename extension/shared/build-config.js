// Build-time settings. tools/pack-extension.mjs replaces this file in test builds; release builds ship it as is.
'use strict';
(function register(ns) {
  ns.buildConfig = Object.freeze({
    /** Test build: the page-to-extension test hook is active. Never true in a release build. */
    test: false,
    /** Extra hostnames served as a webmail (test fixtures): hostname -> webmail id. */
    hostAliases: Object.freeze({}),
  });
})((globalThis.mailveil ??= {}));
