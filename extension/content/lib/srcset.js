// Parses srcset attribute values into their candidate URLs (HTML "parse a srcset attribute", simplified:
// descriptors are kept as text). Pure: no DOM.
'use strict';
(function register(ns) {
  /**
   * @param {string} value a srcset attribute
   * @returns {{url: string, descriptor: string}[]}
   */
  function parseSrcset(value) {
    const text = String(value ?? '');
    const out = [];
    let i = 0;
    while (i < text.length) {
      while (i < text.length && (/\s/.test(text[i]) || text[i] === ',')) i += 1;
      if (i >= text.length) break;
      let j = i;
      while (j < text.length && !/\s/.test(text[j])) j += 1;
      let url = text.slice(i, j);
      let descriptor = '';
      if (url.endsWith(',')) {
        url = url.replace(/,+$/, '');
      } else {
        // Descriptors run to the next comma outside parentheses.
        let k = j;
        let depth = 0;
        while (k < text.length) {
          if (text[k] === '(') depth += 1;
          else if (text[k] === ')') depth = Math.max(0, depth - 1);
          else if (text[k] === ',' && depth === 0) break;
          k += 1;
        }
        descriptor = text.slice(j, k).trim();
        j = k + 1;
      }
      if (url) out.push({ url, descriptor });
      i = j;
    }
    return out;
  }

  ns.srcset = Object.freeze({ parseSrcset });
})((globalThis.mailveil ??= {}));
