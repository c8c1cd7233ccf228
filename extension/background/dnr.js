// declarativeNetRequest: the network half of blocking (docs/extension.md, "Blocking").
//
//   priority 1  static default-deny  remote images/media/fonts/styles requested by a webmail page, except the
//                                    webmail's own interface hosts; its image proxies are denied too
//   priority 2  session allow        exact URLs the host judged safe ("released")
//   priority 3  dynamic block        domains the signature list says are trackers through and through
//   priority 4  session allow        the user's explicit choices (allow this element / load all for this mail)
//   priority 5  session block        the user's "block this element"
//   priority 6  dynamic allow        protection paused by the user on a webmail: everything it requests loads
//
// Higher priority wins, so a host mistake can never release a known tracker domain, and a user choice beats both.
// The compile functions are pure (pack script, unit tests); DnrRules wraps the browser API.

export const kPriority = Object.freeze({
  defaultDeny: 1,
  release: 2,
  trackerDomains: 3,
  userAllow: 4,
  userBlock: 5,
  paused: 6,
});
/** Dynamic rule id of the tracker-domain rule. */
export const kTrackerRuleId = 1;
/** Dynamic rule id of the rule allowing everything on paused webmails. */
export const kPauseRuleId = 2;
/** Session rules above this count are pruned, oldest first (Chrome allows 5000). */
export const kMaxSessionRules = 4500;

/**
 * Initiator domains of all webmails (plus test aliases) for rule conditions.
 * @param {{hosts: string[]}[]} webmails
 * @param {Record<string, string>} [aliases]
 */
export function webmailInitiators(webmails, aliases = {}) {
  const out = [];
  for (const w of webmails) for (const h of w.hosts) if (!out.includes(h)) out.push(h);
  for (const h of Object.keys(aliases)) if (!out.includes(h)) out.push(h);
  return out;
}

/**
 * The static default-deny ruleset (extension/rules/default-deny.json).
 * @param {{id: string, hosts: string[], uiDomains: string[], proxies: {domain: string, path: string}[]}[]} webmails
 * @param {string[]} resourceTypes
 * @param {Record<string, string>} [aliases] extra page hosts -> webmail id (test builds)
 */
export function compileDefaultDenyRules(webmails, resourceTypes, aliases = {}) {
  const rules = [];
  let id = 1;
  for (const w of webmails) {
    const pageHosts = [...w.hosts, ...Object.keys(aliases).filter((h) => aliases[h] === w.id)];
    rules.push({
      id: id++,
      priority: kPriority.defaultDeny,
      action: { type: 'block' },
      condition: {
        initiatorDomains: pageHosts,
        excludedRequestDomains: [...w.uiDomains, ...pageHosts.filter((h) => !w.hosts.includes(h))],
        resourceTypes: [...resourceTypes],
      },
    });
    for (const p of w.proxies) {
      rules.push({
        id: id++,
        priority: kPriority.defaultDeny,
        action: { type: 'block' },
        condition: {
          initiatorDomains: pageHosts,
          urlFilter: `||${p.domain}${p.path}`,
          resourceTypes: [...resourceTypes],
        },
      });
    }
  }
  return rules;
}

/** The dynamic rule blocking the list's tracker-only domains when a webmail page requests them. */
export function compileTrackerDomainRule(blockDomains, initiators) {
  const domains = [
    ...new Set((blockDomains || []).map((d) => String(d).toLowerCase()).filter((d) => /^[a-z0-9.-]+$/.test(d))),
  ];
  if (!domains.length) return null;
  return {
    id: kTrackerRuleId,
    priority: kPriority.trackerDomains,
    action: { type: 'block' },
    condition: { requestDomains: domains, initiatorDomains: [...initiators] },
  };
}

/**
 * The dynamic rule that lifts every block for pages of the paused webmails (the user's "pause on this site").
 * @param {string[]} pageHosts the paused webmails' page hosts
 * @param {string[]} resourceTypes
 */
export function compilePauseRule(pageHosts, resourceTypes) {
  if (!pageHosts.length) return null;
  return {
    id: kPauseRuleId,
    priority: kPriority.paused,
    action: { type: 'allow' },
    condition: { initiatorDomains: [...pageHosts], resourceTypes: [...resourceTypes] },
  };
}

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Longer regexes exceed the browsers' regex memory budget; such a URL keeps the urlFilter form. */
const kMaxRegexUrlLength = 1500;

/**
 * Conditions matching exactly one URL as the browser requests it. Browsers differ on whether the fragment is
 * part of the matched URL, so a URL with a fragment gets both forms. An http URL also gets its https form:
 * the browser upgrades http requests to HSTS hosts (Chromium's preload list holds www.google-analytics.com, for
 * one) before the rules see them, and the rule must still match the same resource. urlFilter has no escape for
 * its wildcards (`*`, `^`, inner `|`): such URLs use an anchored regexFilter instead.
 * @param {string} url absolute URL (resolved, canonical)
 * @returns {object[]} condition fragments ({urlFilter} or {regexFilter})
 */
export function exactUrlConditions(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const hrefs = [parsed.href];
  if (parsed.protocol === 'http:') {
    parsed.protocol = 'https:';
    hrefs.push(parsed.href);
  }
  const forms = hrefs.flatMap((href) => {
    const hash = href.indexOf('#');
    return hash >= 0 ? [href, href.slice(0, hash)] : [href];
  });
  return forms.map((u) => {
    const needsRegex = /[*^|]/.test(u) || /[^\x20-\x7e]/.test(u);
    if (needsRegex && u.length < kMaxRegexUrlLength) return { regexFilter: `^${escapeRegex(u)}$` }; // else: closest match
    return { urlFilter: `|${u.replace(/\|/g, '%7C')}|` };
  });
}

/** Session rules for a list of URLs at one priority/action. `nextId` hands out rule ids. */
export function compileUrlRules(urls, { priority, action, initiators, resourceTypes, nextId }) {
  const rules = [];
  for (const url of urls) {
    for (const cond of exactUrlConditions(url)) {
      rules.push({
        id: nextId(),
        priority,
        action: { type: action },
        condition: { ...cond, initiatorDomains: [...initiators], resourceTypes: [...resourceTypes] },
      });
    }
  }
  return rules;
}

/** Wraps browser.declarativeNetRequest: keeps the session rules de-duplicated and bounded. */
export class DnrRules {
  /**
   * @param {object} dnr browser.declarativeNetRequest
   * @param {{initiators: string[], resourceTypes: string[]}} opts
   */
  constructor(dnr, opts) {
    this.dnr_ = dnr;
    this.initiators_ = opts.initiators;
    this.resourceTypes_ = opts.resourceTypes;
    this.known_ = new Map(); // "priority|action|url" -> rule ids (insertion order = age)
    this.nextId_ = 1;
    this.loaded_ = null;
    this.queue_ = Promise.resolve();
  }

  load_() {
    if (!this.loaded_) {
      this.loaded_ = this.dnr_.getSessionRules().then((rules) => {
        for (const r of rules) this.nextId_ = Math.max(this.nextId_, r.id + 1);
        // Rules from before a background restart are not tracked; clear them to stay within bounds.
        if (rules.length) return this.dnr_.updateSessionRules({ removeRuleIds: rules.map((r) => r.id) });
        return undefined;
      });
    }
    return this.loaded_;
  }

  /** Serialises updates: the API is asynchronous and ids must not collide. */
  enqueue_(fn) {
    const run = this.queue_.then(() => this.load_()).then(fn);
    this.queue_ = run.catch(() => {});
    return run;
  }

  /**
   * Adds session rules for URLs not yet covered at that priority.
   * @param {string[]} urls absolute URLs
   * @param {'release'|'userAllow'|'userBlock'} level
   */
  add(urls, level) {
    const priority = kPriority[level];
    const action = level === 'userBlock' ? 'block' : 'allow';
    return this.enqueue_(async () => {
      const fresh = [...new Set(urls)].filter((u) => !this.known_.has(`${priority}|${u}`));
      if (!fresh.length) return 0;
      const addRules = [];
      for (const url of fresh) {
        const rules = compileUrlRules([url], {
          priority,
          action,
          initiators: this.initiators_,
          resourceTypes: this.resourceTypes_,
          nextId: () => this.nextId_++,
        });
        this.known_.set(
          `${priority}|${url}`,
          rules.map((r) => r.id),
        );
        addRules.push(...rules);
      }
      const removeRuleIds = [];
      let count = [...this.known_.values()].reduce((n, ids) => n + ids.length, 0);
      for (const [key, ids] of this.known_) {
        if (count <= kMaxSessionRules) break;
        this.known_.delete(key);
        removeRuleIds.push(...ids);
        count -= ids.length;
      }
      await this.dnr_.updateSessionRules({
        addRules: addRules.filter((r) => !removeRuleIds.includes(r.id)),
        removeRuleIds,
      });
      return addRules.length;
    });
  }

  /** Removes the rules of these URLs at one level (a user override withdrawn). */
  remove(urls, level) {
    const priority = kPriority[level];
    return this.enqueue_(async () => {
      const removeRuleIds = [];
      for (const url of urls) {
        const key = `${priority}|${url}`;
        if (this.known_.has(key)) {
          removeRuleIds.push(...this.known_.get(key));
          this.known_.delete(key);
        }
      }
      if (removeRuleIds.length) await this.dnr_.updateSessionRules({ removeRuleIds });
    });
  }

  /** Installs (or replaces, or removes) the rule lifting every block on the paused webmails' pages. */
  async setPaused(pageHosts) {
    const rule = compilePauseRule(pageHosts, this.resourceTypes_);
    await this.dnr_.updateDynamicRules({ removeRuleIds: [kPauseRuleId], addRules: rule ? [rule] : [] });
  }

  /** Installs (or replaces) the tracker-domain rule. */
  async setTrackerDomains(blockDomains) {
    const rule = compileTrackerDomainRule(blockDomains, this.initiators_);
    await this.dnr_.updateDynamicRules({ removeRuleIds: [kTrackerRuleId], addRules: rule ? [rule] : [] });
    return rule ? rule.condition.requestDomains.length : 0;
  }
}
