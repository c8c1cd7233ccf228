// The adapters are data plus small hooks: check they are complete and that the shared address helpers work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../extension/shared/webmails.js';
import '../../extension/content/lib/adapter-kit.js';
import '../../extension/content/adapters/gmail.js';
import '../../extension/content/adapters/outlook.js';
import '../../extension/content/adapters/yahoo.js';
import '../../extension/content/adapters/proton.js';

const { adapters, adapterKit, webmails } = globalThis.mailveil;

test('every supported webmail has an adapter with the required selectors', () => {
  for (const w of webmails.list) {
    const a = adapters[w.id];
    assert.ok(a, `adapter for ${w.id}`);
    for (const key of ['shell', 'view', 'message']) assert.equal(typeof a.selectors[key], 'string', `${w.id}.${key}`);
    assert.ok(a.selectors.body || typeof a.bodyOf === 'function', `${w.id} body`);
    assert.equal(typeof a.userAddresses, 'function', `${w.id}.userAddresses`);
    assert.equal(typeof a.sender, 'function', `${w.id}.sender`);
  }
});

test('defineAdapter rejects an adapter without structural checks', () => {
  assert.throws(
    () => adapterKit.defineAdapter('broken', { selectors: { shell: 'x', view: 'y' } }),
    /selectors.message/,
  );
  assert.throws(
    () => adapterKit.defineAdapter('broken', { selectors: { shell: 'x', view: 'y', message: 'z' } }),
    /body/,
  );
});

test('addressesIn extracts unique lower-cased addresses', () => {
  assert.deepEqual(
    adapterKit.addressesIn('Inbox (3) - Reader.One@Example.org - Gmail; reader.one@example.org, b+tag@x.co.uk'),
    ['reader.one@example.org', 'b+tag@x.co.uk'],
  );
  assert.deepEqual(adapterKit.addressesIn('no address here @ all'), []);
});

test('gmail reads the reader address from the tab title and the account button', () => {
  const doc = {
    title: 'Inbox (3) - reader.one@example.org - Gmail',
    querySelector: () => ({ getAttribute: () => 'Google Account: Reader (alias@example.org)' }),
  };
  assert.deepEqual(adapters.gmail.userAddresses(doc), ['reader.one@example.org', 'alias@example.org']);
});

test('gmail keeps its click-through attribute in step with a rewritten link', () => {
  const attrs = new Map([['data-saferedirecturl', 'https://www.google.com/url?q=https://t.example/c']]);
  const a = { hasAttribute: (n) => attrs.has(n), setAttribute: (n, v) => attrs.set(n, v) };
  adapters.gmail.onLinkRewritten(a, 'https://shop.example/p/42');
  assert.equal(attrs.get('data-saferedirecturl'), 'https://shop.example/p/42');
});
