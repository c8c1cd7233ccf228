// Finds the url() references in a piece of CSS (inline style attribute or <style> text) and rewrites them.
// Pure: no DOM. Shared by the content script (classic script, globalThis.mailveil) and node unit tests.
'use strict';
(function register(ns) {
  /**
   * @typedef {object} CssUrl
   * @property {number} start index of the first character of the whole reference (`url(` or the @import string)
   * @property {number} end   index just past the reference
   * @property {string} url   the URL, unquoted and unescaped, trimmed
   */

  const isIdentChar = (c) => /[A-Za-z0-9_\-\u0080-\uFFFF]/.test(c);

  /** Reads a CSS string starting at the quote at `i`; returns [value, indexAfter]. */
  function readString(css, i) {
    const quote = css[i];
    let out = '';
    let j = i + 1;
    while (j < css.length && css[j] !== quote) {
      if (css[j] === '\\' && j + 1 < css.length) {
        const esc = readEscape(css, j);
        out += esc[0];
        j = esc[1];
        continue;
      }
      if (css[j] === '\n') break; // unterminated string: CSS ends it at the newline
      out += css[j];
      j += 1;
    }
    return [out, Math.min(j + 1, css.length)];
  }

  /** Decodes a backslash escape at `i`; returns [text, indexAfter]. */
  function readEscape(css, i) {
    const hex = /^[0-9A-Fa-f]{1,6}/.exec(css.slice(i + 1, i + 7));
    if (hex) {
      let j = i + 1 + hex[0].length;
      if (css[j] === ' ' || css[j] === '\t' || css[j] === '\n') j += 1;
      const code = parseInt(hex[0], 16);
      const ok = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
      return [ok ? String.fromCodePoint(code) : '\uFFFD', j];
    }
    if (css[i + 1] === '\n') return ['', i + 2];
    return [css[i + 1] ?? '', i + 2];
  }

  /** Skips whitespace from `i`. */
  function skipSpace(css, i) {
    let j = i;
    while (j < css.length && /\s/.test(css[j])) j += 1;
    return j;
  }

  /**
   * Every url() and @import "…" reference in `css`, in order.
   * @param {string} css
   * @returns {CssUrl[]}
   */
  function findCssUrls(css) {
    const text = String(css ?? '');
    const found = [];
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '/' && text[i + 1] === '*') {
        const close = text.indexOf('*/', i + 2);
        i = close < 0 ? text.length : close + 2;
        continue;
      }
      if (c === '"' || c === "'") {
        i = readString(text, i)[1];
        continue;
      }
      if (c === '@' && /^@import\b/i.test(text.slice(i, i + 8))) {
        const j = skipSpace(text, i + 7);
        if (text[j] === '"' || text[j] === "'") {
          const [value, after] = readString(text, j);
          found.push({ start: j, end: after, url: value.trim() });
          i = after;
          continue;
        }
        i = j;
        continue;
      }
      if ((c === 'u' || c === 'U') && /^url\(/i.test(text.slice(i, i + 4)) && (i === 0 || !isIdentChar(text[i - 1]))) {
        let j = skipSpace(text, i + 4);
        let value = '';
        if (text[j] === '"' || text[j] === "'") {
          [value, j] = readString(text, j);
          j = skipSpace(text, j);
          if (text[j] === ')') j += 1;
        } else {
          while (j < text.length && text[j] !== ')') {
            if (text[j] === '\\' && j + 1 < text.length) {
              const esc = readEscape(text, j);
              value += esc[0];
              j = esc[1];
              continue;
            }
            value += text[j];
            j += 1;
          }
          if (text[j] === ')') j += 1;
        }
        found.push({ start: i, end: j, url: value.trim() });
        i = j;
        continue;
      }
      i += 1;
    }
    return found;
  }

  /**
   * Rebuilds `css`, replacing each reference by `replace(ref, index)`; a replacer returning null keeps it.
   * @param {string} css
   * @param {(ref: CssUrl, index: number) => (string|null)} replace
   */
  function rewriteCssUrls(css, replace) {
    const text = String(css ?? '');
    const refs = findCssUrls(text);
    let out = '';
    let last = 0;
    refs.forEach((ref, index) => {
      const replacement = replace(ref, index);
      if (replacement === null || replacement === undefined) return;
      out += text.slice(last, ref.start) + replacement;
      last = ref.end;
    });
    return out + text.slice(last);
  }

  /** The neutral value a blocked reference is replaced with: valid wherever an image is (`none`), or an empty @import. */
  function neutralFor(css, ref) {
    return css[ref.start] === '"' || css[ref.start] === "'" ? '""' : 'none';
  }

  ns.cssUrls = Object.freeze({ findCssUrls, rewriteCssUrls, neutralFor });
})((globalThis.mailveil ??= {}));
