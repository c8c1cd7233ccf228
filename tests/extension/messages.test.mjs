// The extension's message names live in one module (extension/shared/messages.js): no part types its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import '../../extension/shared/messages.js';

const kExtension = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'extension');
const { messages } = globalThis.mailveil;

function sources(dir = kExtension) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(f));
    else if (e.name.endsWith('.js') && f !== path.join(kExtension, 'shared/messages.js'))
      out.push({ file: path.relative(kExtension, f), text: fs.readFileSync(f, 'utf8') });
  }
  return out;
}

test('message names: unique, and every one is a member of the shared module', () => {
  const names = Object.values(messages.what);
  assert.equal(new Set(names).size, names.length, 'no two members share a name');
  for (const b of messages.broadcasts) assert.ok(names.includes(b));
  for (const n of names.filter((x) => x.startsWith(messages.testPrefix)))
    assert.ok(Object.isFrozen(messages.what) && n.length > messages.testPrefix.length);
});

test('no source types a message name of its own, and every name it uses exists', () => {
  const typed = [];
  const unknown = [];
  const used = new Map();
  const names = Object.values(messages.what);
  for (const { file, text } of sources()) {
    // {what: 'x'}, msg.what === 'x', case 'x': (with a message name)
    for (const m of text.matchAll(/(?<!typeof\s+[\w.]*)\bwhat\s*(?::|===|!==)\s*(['"`])([^'"`]*)\1/g)) {
      if (!m[2].startsWith('${ns.messages.testPrefix}')) typed.push(`${file}: ${m[0]}`);
    }
    for (const m of text.matchAll(/\bcase\s+(['"`])([^'"`]+)\1\s*:/g))
      if (names.includes(m[2])) typed.push(`${file}: ${m[0]}`);
    for (const m of text.matchAll(/(?<![.\w])what\.([A-Za-z]+)\b/g)) {
      if (!Object.prototype.hasOwnProperty.call(messages.what, m[1])) unknown.push(`${file}: what.${m[1]}`);
      used.set(m[1], (used.get(m[1]) || 0) + 1);
    }
  }
  assert.deepEqual(typed, [], 'message names typed by hand');
  assert.deepEqual(unknown, [], 'names that are not in shared/messages.js');
  // Each message has a sender and a receiver (the test hook builds its names from testPrefix).
  const lonely = Object.entries(messages.what)
    .filter(([, v]) => !v.startsWith(messages.testPrefix))
    .filter(([k]) => (used.get(k) || 0) < 2)
    .map(([k]) => k);
  assert.deepEqual(lonely, [], 'messages sent but never handled, or handled but never sent');
});
