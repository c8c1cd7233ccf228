// The URL-bearing parts of a mail body: which element/attribute pairs exist, how to read them (srcset and CSS
// hold several URLs), how to hold a remote resource back (neutralise) and how to release it again.
// DOM-facing but policy-free: callers decide which URLs to hold and which to release.
'use strict';
(function register(ns) {
  const { parseSrcset } = ns.srcset;
  const { findCssUrls, rewriteCssUrls, neutralFor } = ns.cssUrls;

  /** Prefix of the attributes that keep a held value. */
  const kHeldPrefix = 'data-mailveil-';
  /** Attribute marking a resource whose fetch the host (or the user) refused. */
  const kBlockedAttr = 'data-mailveil-blocked';
  /** Elements serialised per message at most: the host's `limits.max_elements` (docs/protocol.md). */
  const kMaxElements = 10000;
  /** A link's visible text is sent up to this many characters. */
  const kMaxLinkText = 200;

  /**
   * One binding: elements matching `selector` carry URLs in `attr` (or their text for <style>).
   * `shape`: single | srcset | css. `fetched` (from the kind, shared/element-kinds.js): the browser loads it when
   * the mail is displayed.
   */
  const kBindings = [
    { selector: 'img[src], img[data-mailveil-src]', attr: 'src', kind: 'img', shape: 'single' },
    {
      selector: 'img[srcset], img[data-mailveil-srcset]',
      attr: 'srcset',
      kind: 'srcset',
      shape: 'srcset',
    },
    {
      selector: 'picture > source[srcset], picture > source[data-mailveil-srcset]',
      attr: 'srcset',
      kind: 'srcset',
      shape: 'srcset',
    },
    {
      selector: 'input[type="image" i][src], input[type="image" i][data-mailveil-src]',
      attr: 'src',
      kind: 'input-image',
      shape: 'single',
    },
    {
      selector: 'video[poster], video[data-mailveil-poster]',
      attr: 'poster',
      kind: 'video',
      shape: 'single',
    },
    {
      selector: 'video[src], video[data-mailveil-src], video > source[src], video > source[data-mailveil-src]',
      attr: 'src',
      kind: 'video',
      shape: 'single',
    },
    {
      selector: 'audio[src], audio[data-mailveil-src], audio > source[src], audio > source[data-mailveil-src]',
      attr: 'src',
      kind: 'audio',
      shape: 'single',
    },
    { selector: 'iframe[src], iframe[data-mailveil-src]', attr: 'src', kind: 'iframe', shape: 'single' },
    { selector: 'embed[src], embed[data-mailveil-src]', attr: 'src', kind: 'embed', shape: 'single' },
    {
      selector: 'object[data], object[data-mailveil-data]',
      attr: 'data',
      kind: 'object',
      shape: 'single',
    },
    {
      selector: '[background], [data-mailveil-background]',
      attr: 'background',
      kind: 'background-attr',
      shape: 'single',
    },
    { selector: '[style], [data-mailveil-style]', attr: 'style', kind: 'css-background', shape: 'css' },
    { selector: 'style', attr: null, kind: 'css-background', shape: 'css' },
    { selector: 'a[href], area[href]', attr: 'href', kind: 'link', shape: 'single' },
    { selector: 'form[action]', attr: 'action', kind: 'form', shape: 'single' },
  ].map((b) => Object.freeze({ ...b, fetched: ns.elementKinds.isFetched(b.kind) }));

  /** Attributes whose changes must be watched inside a mail body. */
  const kWatchedAttributes = ['src', 'srcset', 'poster', 'data', 'background', 'style', 'href'];

  const heldName = (binding) => (binding.attr ? kHeldPrefix + binding.attr : `${kHeldPrefix}css`);
  const slot = (binding) => binding.attr || '#text';

  /** The current original value of a binding on a node (the held copy when the resource is held). */
  function originalValue(node, binding) {
    const held = heldName(binding);
    if (node.hasAttribute(held)) return node.getAttribute(held);
    if (!binding.attr) return node.textContent;
    return node.getAttribute(binding.attr);
  }

  /** The URLs inside one value, by shape. */
  function urlsOf(value, shape) {
    if (value === null || value === undefined) return [];
    if (shape === 'srcset') return parseSrcset(value).map((c) => c.url);
    if (shape === 'css') return findCssUrls(value).map((r) => r.url);
    const v = String(value).trim();
    return v ? [v] : [];
  }

  /** http(s) or protocol-relative: something that leaves the page. */
  function isRemoteUrl(url) {
    return /^\s*(https?:)?\/\//i.test(String(url || ''));
  }

  /** Calls fn(node) for root (when an element) and every element under it, in document order. */
  function forEachElement(root, fn) {
    if (!root) return;
    if (root.nodeType === 1) fn(root);
    const doc = root.ownerDocument || root;
    const walker = doc.createTreeWalker(root, 1 /* NodeFilter.SHOW_ELEMENT */);
    let n = walker.nextNode();
    while (n) {
      fn(n);
      n = walker.nextNode();
    }
  }

  // Values this module itself wrote (neutralised or released), so that the observer does not take them for
  // new values written by the page.
  const ownWrites = new WeakMap();
  function isOwnWrite(node, binding, value) {
    const m = ownWrites.get(node);
    return !!m && m.get(slot(binding)) === value;
  }
  function write(node, binding, value) {
    let m = ownWrites.get(node);
    if (!m) {
      m = new Map();
      ownWrites.set(node, m);
    }
    m.set(slot(binding), value);
    if (binding.attr) node.setAttribute(binding.attr, value);
    else node.textContent = value;
  }

  function neutralCss(css, shouldHold) {
    return rewriteCssUrls(css, (ref) => (isRemoteUrl(ref.url) && shouldHold(ref.url) ? neutralFor(css, ref) : null));
  }

  /** Moves `value` into the held attribute and writes the neutral form. */
  function holdValue(node, binding, value, shouldHold) {
    node.setAttribute(heldName(binding), value);
    if (binding.shape === 'css') write(node, binding, neutralCss(value, shouldHold));
    else node.removeAttribute(binding.attr);
  }

  /**
   * Holds back every remote resource under root that `shouldHold(url)` selects: the attribute moves to
   * data-mailveil-<attr> (CSS: the url() references become `none`, the original text is kept).
   * Returns the number of nodes changed.
   */
  function holdRemote(root, shouldHold) {
    let changed = 0;
    forEachElement(root, (node) => {
      for (const binding of kBindings) {
        if (!binding.fetched || !node.matches(binding.selector)) continue;
        const current = binding.attr ? node.getAttribute(binding.attr) : node.textContent;
        if (current === null || isOwnWrite(node, binding, current)) continue;
        if (node.hasAttribute(heldName(binding))) {
          // Held already, and the page wrote a new value since: that value becomes the original.
          holdValue(node, binding, current, shouldHold);
          changed += 1;
          continue;
        }
        const urls = urlsOf(current, binding.shape);
        if (!urls.some((u) => isRemoteUrl(u) && shouldHold(u))) continue;
        holdValue(node, binding, current, shouldHold);
        changed += 1;
      }
    });
    return changed;
  }

  /** Declared size from width/height attributes or inline style (px only); -1 when unknown. */
  function declaredSize(node) {
    const read = (name) => {
      const attr = node.getAttribute(name);
      if (attr !== null && /^\s*\d+(\.\d+)?\s*(px)?\s*$/i.test(attr)) return Math.round(parseFloat(attr));
      const style = node.getAttribute(`${kHeldPrefix}style`) ?? node.getAttribute('style') ?? '';
      const m = new RegExp(`(?:^|;)\\s*${name}\\s*:\\s*(\\d+(?:\\.\\d+)?)px`, 'i').exec(style);
      return m ? Math.round(parseFloat(m[1])) : -1;
    };
    return { width: read('width'), height: read('height') };
  }

  /** False for display:none, visibility:hidden, opacity:0 (on the node or an ancestor) and off-screen boxes. */
  function isVisible(node) {
    if (typeof node.checkVisibility === 'function') {
      if (!node.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    }
    const r = node.getBoundingClientRect();
    const view = node.ownerDocument.defaultView;
    const scrollX = view ? view.scrollX : 0;
    const scrollY = view ? view.scrollY : 0;
    return !(r.right + scrollX < 0 || r.bottom + scrollY < 0);
  }

  function anchorText(node) {
    let text = (node.textContent || '').replace(/\s+/g, ' ').trim();
    if (!text) {
      const img = node.querySelector('img[alt]');
      text = img ? img.getAttribute('alt').trim() : '';
    }
    return text.slice(0, kMaxLinkText);
  }

  /**
   * Serialises the URL-bearing elements under root into protocol elements (docs/protocol.md, classify).
   * @param {Element} root a mail body
   * @param {{maxElements?: number}} [opts]
   * @returns {{elements: object[], targets: Map<string, object>, truncated: boolean}}
   */
  function scan(root, opts = {}) {
    const max = opts.maxElements ?? kMaxElements;
    const elements = [];
    const targets = new Map();
    let truncated = false;
    forEachElement(root, (node) => {
      for (const binding of kBindings) {
        if (!node.matches(binding.selector)) continue;
        const urls = urlsOf(originalValue(node, binding), binding.shape);
        urls.forEach((url, index) => {
          if (!isRemoteUrl(url)) return;
          if (elements.length >= max) {
            truncated = true;
            return;
          }
          const ref = `e${elements.length}`;
          const el = { ref, kind: binding.kind, url };
          if (binding.attr) {
            const declared = declaredSize(node);
            if (declared.width >= 0 || declared.height >= 0) el.declared = declared;
          }
          // A held <img> has no layout box of its own yet: its rendered size would be a lie, so it is omitted.
          const sizedByImage = ['img', 'srcset', 'input-image'].includes(binding.kind);
          if (binding.attr && binding.fetched && !sizedByImage) {
            const r = node.getBoundingClientRect();
            el.rendered = { width: Math.round(r.width), height: Math.round(r.height) };
          }
          el.visible = binding.attr ? isVisible(node) : true;
          if (binding.kind === 'link') el.text = anchorText(node);
          elements.push(el);
          targets.set(ref, { node, binding, index, url });
        });
      }
    });
    return { elements, targets, truncated };
  }

  /** The value a fetched binding should carry given which of its URL indices may load; null = remove. */
  function releasedValue(original, shape, load) {
    if (shape === 'single') return load(0) ? original : null;
    if (shape === 'srcset') {
      // Indices count every candidate, as scan() does; only remote ones were classified.
      const kept = parseSrcset(original).filter((c, i) => !isRemoteUrl(c.url) || load(i));
      return kept.length ? kept.map((c) => (c.descriptor ? `${c.url} ${c.descriptor}` : c.url)).join(', ') : null;
    }
    let i = -1;
    return rewriteCssUrls(original, (ref) => {
      i += 1;
      return !isRemoteUrl(ref.url) || load(i) ? null : neutralFor(original, ref);
    });
  }

  /**
   * Applies per-reference decisions to the scanned targets. A reference without a decision stays blocked.
   * @param {Map<string, object>} targets from scan()
   * @param {Map<string, {action: string, url?: string}>} decisions action: load | block | rewrite | keep
   * @param {{onLinkRewritten?: (node: Element, url: string) => void,
   *   onLink?: (node: Element, decision: object|null, ref: string) => void}} [hooks]  onLink: every link, with
   *   its decision (null: none)
   * @returns {{loaded: number, blocked: number, rewritten: number}}
   */
  function apply(targets, decisions, hooks = {}) {
    const counts = { loaded: 0, blocked: 0, rewritten: 0 };
    // Group the references per (node, binding): a srcset or a stylesheet carries several.
    const groups = new Map();
    for (const [ref, target] of targets) {
      if (!groups.has(target.node)) groups.set(target.node, new Map());
      const perNode = groups.get(target.node);
      const key = slot(target.binding);
      if (!perNode.has(key)) perNode.set(key, { binding: target.binding, refs: [] });
      perNode.get(key).refs.push({ ref, index: target.index });
    }
    for (const [node, perNode] of groups) {
      let nodeBlocked = false;
      for (const { binding, refs } of perNode.values()) {
        const decisionOf = (r) => decisions.get(r.ref) || { action: 'block' };
        if (!binding.fetched) {
          if (binding.kind !== 'link') continue;
          const d = decisionOf(refs[0]);
          if (d.action === 'rewrite' && d.url && node.getAttribute('href') !== d.url) {
            if (!node.hasAttribute(heldName(binding))) node.setAttribute(heldName(binding), node.getAttribute('href'));
            write(node, binding, d.url);
            if (hooks.onLinkRewritten) hooks.onLinkRewritten(node, d.url);
            counts.rewritten += 1;
          }
          if (hooks.onLink) hooks.onLink(node, decisions.get(refs[0].ref) || null, refs[0].ref);
          continue;
        }
        const byIndex = new Map(refs.map((r) => [r.index, decisionOf(r).action]));
        const load = (i) => !byIndex.has(i) || byIndex.get(i) === 'load' || byIndex.get(i) === 'keep';
        for (const r of refs) {
          if (load(r.index)) counts.loaded += 1;
          else counts.blocked += 1;
        }
        if (refs.some((r) => !load(r.index))) nodeBlocked = true;
        const held = heldName(binding);
        const wasHeld = node.hasAttribute(held);
        const original = originalValue(node, binding);
        const next = releasedValue(original, binding.shape, load);
        if (next === null) {
          if (!wasHeld) node.setAttribute(held, original);
          if (binding.attr) node.removeAttribute(binding.attr);
          continue;
        }
        if (next === original) {
          if (!wasHeld) continue; // never held back: nothing to release
          node.removeAttribute(held);
        } else if (!wasHeld) {
          node.setAttribute(held, original);
        }
        // Writing the value, even when unchanged, makes the browser retry a fetch that the network rules refused
        // before this release was allowed.
        write(node, binding, next);
      }
      if (nodeBlocked) node.setAttribute(kBlockedAttr, '');
      else node.removeAttribute(kBlockedAttr);
    }
    return counts;
  }

  /**
   * Gives every held resource under root its original value back and drops the marks: protection paused for
   * this site (the user's choice). Returns the number of values restored.
   */
  function releaseAll(root) {
    let restored = 0;
    forEachElement(root, (node) => {
      for (const binding of kBindings) {
        const held = heldName(binding);
        if (!binding.fetched || !node.hasAttribute(held)) continue;
        const original = node.getAttribute(held);
        node.removeAttribute(held);
        write(node, binding, original);
        restored += 1;
      }
      node.removeAttribute(kBlockedAttr);
    });
    return restored;
  }

  ns.resources = Object.freeze({
    releaseAll,
    kBindings,
    kWatchedAttributes,
    kBlockedAttr,
    isRemoteUrl,
    urlsOf,
    releasedValue,
    holdRemote,
    scan,
    apply,
    forEachElement,
  });
})((globalThis.mailveil ??= {}));
