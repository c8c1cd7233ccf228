// Pure background modules: network rule compilation, decision planning, badge, settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import '../../extension/shared/webmails.js';
import '../../extension/shared/i18n.js';

// The texts come from _locales (shared/i18n.js); outside a browser, the English catalogue.
globalThis.mailveil.i18n.useCatalog(
  JSON.parse(fs.readFileSync(new URL('../../extension/_locales/en/messages.json', import.meta.url), 'utf8')),
);
import {
  DnrRules,
  compileDefaultDenyRules,
  compileTrackerDomainRule,
  compileUrlRules,
  exactUrlConditions,
  kMaxSessionRules,
  kPriority,
  webmailInitiators,
} from '../../extension/background/dnr.js';
import { planDecisions } from '../../extension/background/plan.js';
import { badgeFor, badgeGrade, kGradeColors } from '../../extension/background/badge.js';
import {
  isSenderAllowed,
  mergeAddresses,
  normaliseSettings,
  parseAddressList,
  parseSenderList,
} from '../../extension/background/settings.js';
import {
  loadAllOf,
  newTabState,
  notePageLoadAllUrls,
  pageLoadAllUrls,
  setPageLoadAll,
} from '../../extension/background/tab-state.js';

const { webmails } = globalThis.mailveil;

test('default-deny: one rule per webmail plus one per image proxy, lowest priority, UI hosts excluded', () => {
  const rules = compileDefaultDenyRules(webmails.list, webmails.fetchedResourceTypes);
  const proxies = webmails.list.reduce((n, w) => n + w.proxies.length, 0);
  assert.equal(rules.length, webmails.list.length + proxies);
  assert.deepEqual(
    rules.map((r) => r.id),
    rules.map((_, i) => i + 1),
    'ids unique and dense',
  );
  for (const r of rules) {
    assert.equal(r.priority, kPriority.defaultDeny);
    assert.equal(r.action.type, 'block');
    assert.ok(r.condition.resourceTypes.includes('image'));
    assert.ok(
      !r.condition.resourceTypes.includes('main_frame') && !r.condition.resourceTypes.includes('xmlhttprequest'),
      "never blocks navigation or the webmail's own API calls",
    );
  }
  const gmail = rules.find(
    (r) => r.condition.initiatorDomains.includes('mail.google.com') && r.condition.excludedRequestDomains,
  );
  assert.ok(gmail.condition.excludedRequestDomains.includes('googleusercontent.com'));
  assert.ok(
    rules.some(
      (r) =>
        r.condition.urlFilter === '||googleusercontent.com/meips/' &&
        r.condition.initiatorDomains.includes('mail.google.com'),
    ),
  );
});

test('default-deny with test aliases: fixture hosts are initiators and their own host is UI', () => {
  const rules = compileDefaultDenyRules(webmails.list, webmails.fetchedResourceTypes, {
    'gmail.mailveil.test': 'gmail',
  });
  const gmail = rules.find(
    (r) => r.condition.initiatorDomains.includes('gmail.mailveil.test') && r.condition.excludedRequestDomains,
  );
  assert.ok(gmail.condition.initiatorDomains.includes('mail.google.com'));
  assert.ok(gmail.condition.excludedRequestDomains.includes('gmail.mailveil.test'));
  const outlook = rules.find((r) => r.condition.initiatorDomains.includes('outlook.live.com'));
  assert.ok(!outlook.condition.initiatorDomains.includes('gmail.mailveil.test'), 'aliases only join their own webmail');
});

test('exact URL conditions: anchored urlFilter; both forms when a fragment exists; regex for wildcard characters', () => {
  assert.deepEqual(
    exactUrlConditions('http://a.example/x.png?q=1'),
    [{ urlFilter: '|http://a.example/x.png?q=1|' }, { urlFilter: '|https://a.example/x.png?q=1|' }],
    'an http URL also matches its HSTS upgrade',
  );
  assert.deepEqual(exactUrlConditions('http://a.example:8080/x.png'), [
    { urlFilter: '|http://a.example:8080/x.png|' },
    { urlFilter: '|https://a.example:8080/x.png|' },
  ]);
  assert.deepEqual(exactUrlConditions('https://a.example/x.png'), [{ urlFilter: '|https://a.example/x.png|' }]);
  assert.deepEqual(exactUrlConditions('https://ci3.googleusercontent.com/meips/T=s0#http://o.example/i.png'), [
    { urlFilter: '|https://ci3.googleusercontent.com/meips/T=s0#http://o.example/i.png|' },
    { urlFilter: '|https://ci3.googleusercontent.com/meips/T=s0|' },
  ]);
  const [star] = exactUrlConditions('https://a.example/img*1.png');
  assert.ok(star.regexFilter, 'a * would be a wildcard in urlFilter');
  assert.ok(new RegExp(star.regexFilter).test('https://a.example/img*1.png'));
  assert.ok(!new RegExp(star.regexFilter).test('https://a.example/img-anything-1.png'));
  assert.deepEqual(exactUrlConditions('not a url'), []);
  assert.deepEqual(
    exactUrlConditions('https://Ä.example/ü.png'),
    [{ urlFilter: '|https://xn--4ca.example/%C3%BC.png|' }],
    'canonical ASCII form',
  );
});

test('tracker-domain rule: valid unique domains, initiators restricted to webmails', () => {
  const initiators = webmailInitiators(webmails.list, { 'gmail.mailveil.test': 'gmail' });
  assert.ok(initiators.includes('mail.google.com') && initiators.includes('gmail.mailveil.test'));
  const rule = compileTrackerDomainRule(
    ['google-analytics.com', 'GOOGLE-ANALYTICS.COM', 'bad domain!', 'weborama.fr'],
    initiators,
  );
  assert.deepEqual(rule.condition.requestDomains, ['google-analytics.com', 'weborama.fr']);
  assert.equal(rule.priority, kPriority.trackerDomains);
  assert.ok(kPriority.trackerDomains > kPriority.release, 'a host mistake cannot release a tracker domain');
  assert.ok(
    kPriority.userAllow > kPriority.trackerDomains && kPriority.userBlock > kPriority.userAllow,
    'the user wins',
  );
  assert.equal(compileTrackerDomainRule([], initiators), null);
});

test('compileUrlRules hands out fresh ids and the requested priority/action', () => {
  let id = 100;
  const rules = compileUrlRules(['https://a.example/1.png', 'https://b.example/2.png#f'], {
    priority: 2,
    action: 'allow',
    initiators: ['mail.google.com'],
    resourceTypes: ['image'],
    nextId: () => id++,
  });
  assert.deepEqual(
    rules.map((r) => r.id),
    [100, 101, 102],
  );
  assert.ok(
    rules.every(
      (r) => r.priority === 2 && r.action.type === 'allow' && r.condition.initiatorDomains[0] === 'mail.google.com',
    ),
  );
});

function fakeDnr(existing = []) {
  const state = { session: [...existing], dynamic: [], calls: 0 };
  return {
    state,
    getSessionRules: async () => [...state.session],
    updateSessionRules: async ({ addRules = [], removeRuleIds = [] }) => {
      state.calls += 1;
      state.session = state.session.filter((r) => !removeRuleIds.includes(r.id));
      for (const r of addRules) {
        assert.ok(!state.session.some((s) => s.id === r.id), `duplicate rule id ${r.id}`);
        state.session.push(r);
      }
    },
    updateDynamicRules: async ({ addRules = [], removeRuleIds = [] }) => {
      state.dynamic = state.dynamic.filter((r) => !removeRuleIds.includes(r.id)).concat(addRules);
    },
  };
}

test('DnrRules: de-duplicates, clears stale rules, removes on request, stays under the session limit', async () => {
  const dnr = fakeDnr([{ id: 7, priority: 2, action: { type: 'allow' }, condition: {} }]);
  const rules = new DnrRules(dnr, { initiators: ['mail.google.com'], resourceTypes: ['image'] });
  assert.equal(await rules.add(['https://a.example/1.png', 'https://a.example/1.png'], 'release'), 1);
  assert.equal(await rules.add(['https://a.example/1.png'], 'release'), 0, 'already released');
  assert.equal(await rules.add(['https://a.example/1.png'], 'userAllow'), 1, 'another level is another rule');
  assert.ok(!dnr.state.session.some((r) => r.id === 7), 'rules from a previous background are cleared');
  assert.ok(
    dnr.state.session.every((r) => r.id > 7),
    'ids continue after the old ones',
  );
  await rules.remove(['https://a.example/1.png'], 'userAllow');
  assert.equal(dnr.state.session.length, 1);
  const many = Array.from({ length: kMaxSessionRules + 50 }, (_, i) => `https://m.example/${i}.png`);
  await rules.add(many, 'release');
  assert.ok(dnr.state.session.length <= kMaxSessionRules, `${dnr.state.session.length} rules`);
  assert.ok(
    dnr.state.session.some((r) => r.condition.urlFilter === `|https://m.example/${kMaxSessionRules + 49}.png|`),
    'newest kept',
  );
  assert.equal(await rules.setTrackerDomains(['weborama.fr']), 1);
  assert.deepEqual(
    dnr.state.dynamic.map((r) => r.id),
    [1],
  );
  assert.equal(await rules.setTrackerDomains([]), 0);
  assert.deepEqual(dnr.state.dynamic, []);
});

const els = [
  { ref: 'e0', kind: 'img', url: 'http://ok.example/a.png' },
  { ref: 'e1', kind: 'img', url: 'http://t.example/p.gif' },
  { ref: 'e2', kind: 'link', url: 'http://click.example/c?url=x' },
  { ref: 'e3', kind: 'css-background', url: 'http://ok.example/bg.png' },
  { ref: 'e4', kind: 'link', url: 'https://plain.example/' },
  { ref: 'e5', kind: 'form', url: 'https://form.example/post' },
];
const result = {
  elements: [
    { ref: 'e0', verdict: 'allow' },
    { ref: 'e1', verdict: 'block', tracker: { company: 'X' } },
    { ref: 'e2', verdict: 'rewrite', rewrite_url: 'https://shop.example/p/1' },
    { ref: 'e4', verdict: 'allow' },
  ],
};
const byRef = (plan) => Object.fromEntries(plan.decisions.map((d) => [d.ref, d]));

test('planDecisions follows the host, and keeps anything without a verdict blocked', () => {
  const plan = planDecisions(els, result);
  const d = byRef(plan);
  assert.equal(d.e0.action, 'load');
  assert.equal(d.e1.action, 'block');
  assert.deepEqual([d.e2.action, d.e2.url], ['rewrite', 'https://shop.example/p/1']);
  assert.deepEqual([d.e3.action, d.e3.source], ['block', 'default'], 'missing from a truncated reply');
  assert.equal(d.e4.action, 'keep');
  assert.equal(d.e5.action, 'keep');
  assert.deepEqual(plan.release, ['http://ok.example/a.png']);
  assert.deepEqual(plan.userAllow, []);
});

test('planDecisions: no host reply at all blocks every fetched element', () => {
  const plan = planDecisions(els, null);
  assert.deepEqual(
    plan.decisions.filter((x) => x.action === 'load'),
    [],
  );
  assert.deepEqual(plan.release, []);
});

test('planDecisions: a rewrite target that is not http(s) is ignored', () => {
  const plan = planDecisions([els[2]], {
    elements: [{ ref: 'e2', verdict: 'rewrite', rewrite_url: 'javascript:alert(1)' }],
  });
  assert.equal(plan.decisions[0].action, 'keep');
});

test('planDecisions: user overrides beat the host, load-all and allowed senders load everything fetched', () => {
  const overrides = { 'http://t.example/p.gif': 'allow', 'http://ok.example/a.png': 'block' };
  let d = byRef(planDecisions(els, result, { elementOverrides: overrides }));
  assert.deepEqual([d.e0.action, d.e0.source], ['block', 'user']);
  assert.deepEqual([d.e1.action, d.e1.source], ['load', 'user']);
  const plan = planDecisions(els, result, { loadAll: true });
  d = byRef(plan);
  assert.ok(['e0', 'e1', 'e3'].every((r) => d[r].action === 'load' && d[r].source === 'message'));
  assert.equal(d.e2.action, 'rewrite', 'links are still cleaned');
  assert.deepEqual(plan.userAllow.sort(), [
    'http://ok.example/a.png',
    'http://ok.example/bg.png',
    'http://t.example/p.gif',
  ]);
  assert.deepEqual(plan.loadAll.sort(), plan.userAllow, 'all of it because of "load all"');
  d = byRef(planDecisions(els, result, { senderAllowed: true }));
  assert.equal(d.e1.source, 'sender');
  assert.deepEqual(planDecisions(els, result, { senderAllowed: true }).loadAll, []);
  assert.deepEqual(planDecisions(els, result, { elementOverrides: overrides, loadAll: true }).loadAll.sort(), [
    'http://ok.example/bg.png',
  ]);
});

test('"load all images": saved only for a message with a stable id; without one, for the page only', () => {
  const settings = normaliseSettings({ loadAllMessages: { 'outlook:AQMk1': true } });
  const tab = newTabState('outlook', 'https://outlook.live.com/mail/');
  const withId = { key: 'outlook:AQMk1', id: 'AQMk1' };
  const anon = { key: 'outlook:anon-1', id: null };
  assert.equal(loadAllOf(withId, settings, tab), 'saved');
  assert.equal(loadAllOf({ key: 'outlook:AQMk2', id: 'AQMk2' }, settings, tab), null);
  assert.equal(loadAllOf(anon, settings, tab), null);
  // A saved entry under the anonymous key (as versions up to 0.1.0 wrote) never applies.
  assert.equal(loadAllOf(anon, { loadAllMessages: { 'outlook:anon-1': true } }, tab), null);
  assert.deepEqual(setPageLoadAll(tab, anon.key, true), []);
  assert.equal(loadAllOf(anon, settings, tab), 'page');
  assert.equal(loadAllOf(anon, settings, newTabState('outlook', '')), null, 'another page: gone');
  notePageLoadAllUrls(tab, anon.key, ['http://t.example/p.gif', 'http://ok.example/a.png']);
  notePageLoadAllUrls(tab, anon.key, ['http://t.example/p.gif']);
  notePageLoadAllUrls(tab, 'outlook:anon-2', ['http://x.example/never.gif']); // no choice for it: ignored
  assert.deepEqual(pageLoadAllUrls(tab).sort(), ['http://ok.example/a.png', 'http://t.example/p.gif']);
  assert.deepEqual(setPageLoadAll(tab, anon.key, false).sort(), ['http://ok.example/a.png', 'http://t.example/p.gif']);
  assert.equal(loadAllOf(anon, settings, tab), null);
  assert.deepEqual(pageLoadAllUrls(tab), []);
  assert.deepEqual(pageLoadAllUrls(null), []);
  assert.equal(loadAllOf(null, settings, tab), null);
  // A tab state stored by an older version has no loadAll.
  assert.equal(loadAllOf(anon, settings, { messages: {} }), null);
});

test('badge: cleared without a mail, "!" for host problems, "?" for unknown layouts, worst grade otherwise', () => {
  const ready = { state: 'ready' };
  assert.equal(badgeFor(null, ready).text, '');
  assert.equal(badgeFor({ webmail: 'gmail', layout: 'none', messages: [] }, ready).text, '');
  for (const state of ['missing', 'too-old', 'forbidden', 'failed', 'extension-too-old']) {
    const b = badgeFor({ webmail: 'gmail', layout: 'ok', messages: [] }, { state });
    assert.equal(b.text, '!', state);
    assert.match(b.title, /helper|extension/);
  }
  const retrying = { state: 'connecting', problem: { state: 'missing', error: null } };
  assert.match(badgeFor({ webmail: 'gmail', layout: 'ok', messages: [] }, retrying).title, /not installed/);
  assert.equal(badgeFor({ webmail: 'gmail', layout: 'ok', messages: [] }, { state: 'connecting' }).text, '');
  assert.equal(badgeFor({ webmail: 'gmail', layout: 'unrecognised', messages: [] }, ready).text, '?');
  assert.equal(badgeFor({ webmail: 'gmail', layout: 'ok', messages: [{ status: 'pending' }] }, ready).text, '…');
  assert.equal(badgeFor({ webmail: 'gmail', layout: 'ok', messages: [{ status: 'error' }] }, ready).text, '!');
  const b = badgeFor(
    {
      webmail: 'gmail',
      layout: 'ok',
      messages: [
        { status: 'done', score: { value: 95, grade: 'A' } },
        { status: 'done', score: { value: 40, grade: 'D' } },
        { status: 'pending' },
      ],
    },
    ready,
  );
  assert.deepEqual([b.text, b.color], ['D', kGradeColors.D]);
  assert.match(b.title, /worst of 2/);
  assert.equal(
    badgeFor(
      { webmail: 'gmail', layout: 'ok', messages: [{ status: 'done', score: { value: 100, grade: 'A' } }] },
      { state: 'idle' },
    ).text,
    'A',
  );
});

test("the badge shows the host's grade and never computes one of its own", () => {
  assert.equal(badgeGrade({ value: 10, grade: 'B' }), 'B');
  // 57 is C in the host's bands and was D in the badge's own (removed) fallback: only the host decides.
  assert.equal(badgeGrade({ value: 57, grade: 'C' }), 'C');
  assert.equal(badgeGrade({ value: 57 }), '57', 'no grade from the host: the score, not a computed letter');
  assert.equal(badgeGrade({ value: 57, grade: 'Z' }), '57');
  assert.equal(badgeGrade({}), '–');
  const b = badgeFor(
    { webmail: 'gmail', layout: 'ok', messages: [{ status: 'done', score: { value: 57 } }] },
    {
      state: 'ready',
    },
  );
  assert.equal(b.text, '57');
  assert.equal(b.title, 'MailVeil: this e-mail scores 57/100');
});

test('settings: address lists, sender allow list by address or domain, normalisation', () => {
  assert.deepEqual(parseAddressList('Me@Example.org, alias@example.org\nnot-an-address me@example.org'), [
    'me@example.org',
    'alias@example.org',
  ]);
  assert.deepEqual(parseSenderList('news@shop.example\n@friends.example\nlists.example\n@@bad'), [
    'news@shop.example',
    '@friends.example',
    '@lists.example',
  ]);
  const s = normaliseSettings({
    userAddresses: ['A@b.example', 'junk'],
    allowedSenders: ['@shop.example'],
    elementOverrides: { 'http://x.example/a': 'allow', 'http://y.example/b': 'maybe', 'javascript:1': 'allow' },
    loadAllMessages: {
      'gmail:1': true,
      'gmail:2': 'yes',
      'outlook:anon-3': true,
      'proton:anon-1#1': true,
      'yahoo:anon-message-7': true,
    },
    updateIntervalHours: -3,
  });
  assert.deepEqual(s.userAddresses, ['a@b.example']);
  assert.deepEqual(s.elementOverrides, { 'http://x.example/a': 'allow' });
  assert.deepEqual(
    s.loadAllMessages,
    { 'gmail:1': true, 'yahoo:anon-message-7': true },
    'page-only keys saved by older versions are dropped',
  );
  assert.equal(s.updateIntervalHours, 24);
  assert.equal(isSenderAllowed(s, 'News@Shop.example'), true);
  assert.equal(isSenderAllowed(s, 'news@evilshop.example'), false);
  assert.equal(isSenderAllowed(s, null), false);
  assert.deepEqual(normaliseSettings(undefined).allowedSenders, []);
  assert.deepEqual(mergeAddresses(['a@x.example'], ['A@x.example', 'b@x.example']), ['a@x.example', 'b@x.example']);
});

test('badge: "off" when the user paused the site; the tooltip leads with the reason for the grade', () => {
  const host = { state: 'ready' };
  const paused = badgeFor({ webmail: 'outlook', layout: 'ok', messages: [], paused: true }, { state: 'missing' });
  assert.equal(paused.text, 'off');
  assert.match(paused.title, /paused on this site: images load without protection/);
  const graded = badgeFor(
    {
      webmail: 'gmail',
      layout: 'ok',
      messages: [
        { status: 'done', score: { value: 0, grade: 'F' }, reason: 'F: 2 companies get your e-mail address' },
        { status: 'done', score: { value: 95, grade: 'A' }, reason: 'A: no tracker found in this mail' },
      ],
    },
    host,
  );
  assert.equal(graded.text, 'F');
  assert.equal(
    graded.title,
    'MailVeil: F: 2 companies get your e-mail address (worst of 2 open messages, score 0/100 (F))',
  );
});
