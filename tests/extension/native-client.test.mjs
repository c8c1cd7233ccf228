// NativeClient against a scripted fake port and fake timers: ids, hello/version checks, progress, errors,
// reconnect with backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HostError,
  NativeClient,
  backoffDelay,
  kProtocol,
  problemOf,
  stateForDisconnect,
  stateForHello,
} from '../../extension/background/native-client.js';

class FakeTimers {
  constructor() {
    this.t = 0;
    this.queue = [];
    this.seq = 0;
  }
  now() {
    return this.t;
  }
  setTimeout(fn, ms) {
    const id = ++this.seq;
    this.queue.push({ id, at: this.t + ms, fn });
    return id;
  }
  clearTimeout(id) {
    this.queue = this.queue.filter((q) => q.id !== id);
  }
  /** Runs timers due within `ms`, in order. */
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

function event() {
  const listeners = [];
  return { addListener: (f) => listeners.push(f), fire: (...a) => listeners.forEach((f) => f(...a)) };
}

/** A port whose host behaviour is a function of each posted message. */
class FakePort {
  constructor(behaviour) {
    this.onMessage = event();
    this.onDisconnect = event();
    this.sent = [];
    this.behaviour = behaviour;
    this.closed = false;
  }
  postMessage(msg) {
    if (this.closed) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(msg);
    queueMicrotask(() => this.behaviour(msg, this));
  }
  reply(msg) {
    this.onMessage.fire(msg);
  }
  disconnect() {
    this.closed = true;
  }
  drop(message) {
    this.closed = true;
    this.onDisconnect.fire({ error: message ? { message } : undefined });
  }
}

const helloOk = (msg) => ({
  id: msg.id,
  action: 'hello',
  ok: true,
  result: { host_version: '0.1.0', protocol: 1, min_protocol: 1, max_protocol: 1, signatures: { list_version: 7 } },
});
const flush = () => new Promise((r) => setImmediate(r));

function makeClient(behaviour, opts = {}) {
  const timers = new FakeTimers();
  const ports = [];
  const statuses = [];
  const client = new NativeClient({
    connectNative: (name) => {
      assert.equal(name, 'org.mailveil.host');
      const p = new FakePort(behaviour);
      ports.push(p);
      return p;
    },
    client: 'mailveil-extension/test',
    timers,
    onStatus: (s) => statuses.push(s.state),
    ...opts,
  });
  return { client, timers, ports, statuses };
}

test('hello first, then requests matched to replies by id even out of order', async () => {
  const held = [];
  const { client, ports } = makeClient((msg, port) => {
    if (msg.action === 'hello') port.reply(helloOk(msg));
    else held.push([msg, port]);
  });
  const a = client.request('classify', { message: { elements: [] } });
  const b = client.request('status');
  while (held.length < 2) await flush();
  assert.equal(ports.length, 1, 'one long-lived port');
  assert.equal(ports[0].sent[0].action, 'hello');
  assert.equal(ports[0].sent[0].protocol, kProtocol);
  const [[ma, p], [mb]] = held;
  assert.notEqual(ma.id, mb.id);
  p.reply({ id: mb.id, action: 'status', ok: true, result: { uptime_ms: 5 } });
  p.reply({ id: ma.id, action: 'classify', ok: true, result: { score: { value: 90 } } });
  assert.deepEqual(await b, { uptime_ms: 5 });
  assert.deepEqual(await a, { score: { value: 90 } });
  assert.equal(client.status().state, 'ready');
  assert.equal(client.status().hello.signatures.list_version, 7);
});

test('a host error reply rejects with its code; the port stays up', async () => {
  const { client, ports } = makeClient((msg, port) => {
    if (msg.action === 'hello') port.reply(helloOk(msg));
    else
      port.reply({
        id: msg.id,
        action: msg.action,
        ok: false,
        error: { code: 'too_many_elements', message: 'too many' },
      });
  });
  await assert.rejects(client.request('classify', {}), (e) => e instanceof HostError && e.code === 'too_many_elements');
  await assert.rejects(client.request('classify', {}), /too many/);
  assert.equal(ports.length, 1);
  assert.equal(client.status().state, 'ready');
});

test('progress frames reach onProgress and do not settle the request', async () => {
  const { client } = makeClient((msg, port) => {
    if (msg.action === 'hello') return port.reply(helloOk(msg));
    port.reply({ id: msg.id, action: 'update', ok: true, progress: { received: 10, total: 40 }, final: false });
    port.reply({ id: msg.id, action: 'update', ok: true, progress: { received: 40, total: 40 }, final: false });
    port.reply({ id: msg.id, action: 'update', ok: true, final: true, result: { status: 'updated' } });
  });
  const seen = [];
  const result = await client.request('update', {}, { onProgress: (p) => seen.push(p.received) });
  assert.deepEqual(seen, [10, 40]);
  assert.deepEqual(result, { status: 'updated' });
});

test('a missing host is named "missing", fails fast during backoff, and is retried with growing delays', async () => {
  const { client, timers, ports } = makeClient((msg, port) => port.drop('Specified native messaging host not found.'));
  await assert.rejects(client.request('classify', {}), (e) => e.code === 'missing' && /not installed/.test(e.message));
  assert.equal(client.status().state, 'missing');
  assert.equal(client.status().retryInMs, 500);
  // During the backoff window a request fails at once with the same reason (never hangs, never silent).
  await assert.rejects(client.request('status'), (e) => e.code === 'missing');
  assert.equal(ports.length, 1);
  timers.advance(500);
  await flush();
  assert.equal(ports.length, 2, 'retried after 500 ms');
  assert.equal(client.status().retryInMs, 1000, 'next delay doubles');
  timers.advance(999);
  await flush();
  assert.equal(ports.length, 2);
  timers.advance(1);
  await flush();
  assert.equal(ports.length, 3);
});

test('while a retry connects, the failure being retried stays the problem to show; ready clears it', async () => {
  let mode = 'missing';
  let heldHello = null;
  const { client, timers } = makeClient((msg, port) => {
    if (mode === 'missing') port.drop('Specified native messaging host not found.');
    else heldHello = [msg, port];
  });
  await assert.rejects(client.ensureReady());
  assert.equal(client.status().problem.state, 'missing');
  mode = 'slow';
  timers.advance(500);
  await flush();
  assert.equal(client.status().state, 'connecting');
  assert.equal(client.status().problem.state, 'missing', 'no flicker to "fine" during the retry');
  assert.match(client.status().problem.error.message, /not installed/);
  const [msg, port] = heldHello;
  port.reply(helloOk(msg));
  await flush();
  await flush();
  assert.equal(client.status().state, 'ready');
  assert.equal(client.status().problem, null);
  assert.equal(problemOf({ state: 'connecting' }), null, 'a first connection has nothing to show');
  assert.equal(problemOf({ state: 'too-old', error: null }).state, 'too-old');
  assert.equal(problemOf(null), null);
});

test('the host appearing later is picked up by the retry', async () => {
  let installed = false;
  const { client, timers, statuses } = makeClient((msg, port) => {
    if (!installed) port.drop('No such native application org.mailveil.host');
    else if (msg.action === 'hello') port.reply(helloOk(msg));
  });
  await assert.rejects(client.ensureReady(), (e) => e.code === 'missing');
  installed = true;
  timers.advance(500);
  await flush();
  await flush();
  assert.equal(client.status().state, 'ready');
  assert.ok(statuses.includes('missing') && statuses.at(-1) === 'ready');
});

test('a host whose protocol range excludes ours is "too-old" and gets no requests', async () => {
  const { client, ports } = makeClient((msg, port) => {
    port.reply({
      id: msg.id,
      action: 'hello',
      ok: true,
      result: { host_version: '0.0.1', protocol: 0, min_protocol: 0, max_protocol: 0 },
    });
  });
  await assert.rejects(client.request('classify', {}), (e) => e.code === 'too-old' && /0\.0\.1/.test(e.message));
  assert.equal(client.status().state, 'too-old');
  assert.deepEqual(
    ports[0].sent.map((m) => m.action),
    ['hello'],
  );
  assert.equal(ports[0].closed, true);
});

test('unsupported_protocol and forbidden_caller replies map to named states', async () => {
  const a = makeClient((msg, port) =>
    port.reply({
      id: msg.id,
      action: 'hello',
      ok: false,
      error: { code: 'unsupported_protocol', message: 'protocol 1 outside [2, 3]' },
    }),
  );
  await assert.rejects(a.client.ensureReady(), (e) => e.code === 'too-old');
  const b = makeClient((msg, port) =>
    port.reply({
      id: msg.id,
      action: 'hello',
      ok: false,
      error: { code: 'forbidden_caller', message: 'caller chrome-extension://x/ not allowed' },
    }),
  );
  await assert.rejects(b.client.ensureReady(), (e) => e.code === 'forbidden');
  assert.equal(b.client.status().error.message, 'caller chrome-extension://x/ not allowed');
});

test('a crash while requests are pending rejects them all and schedules a reconnect', async () => {
  let port0;
  const { client, ports } = makeClient((msg, port) => {
    if (msg.action === 'hello') port.reply(helloOk(msg));
    else port0 = port;
  });
  const p1 = client.request('classify', {});
  const p2 = client.request('classify', {});
  while (!port0) await flush();
  await flush();
  port0.drop('Native host has exited.');
  await assert.rejects(p1, (e) => e.code === 'failed');
  await assert.rejects(p2, (e) => e.code === 'failed');
  assert.equal(client.status().state, 'failed');
  assert.ok(client.status().retryInMs > 0);
  assert.equal(ports.length, 1);
});

test('a request without reply times out with code "timeout"', async () => {
  const { client, timers } = makeClient(
    (msg, port) => {
      if (msg.action === 'hello') port.reply(helloOk(msg));
    },
    { requestTimeoutMs: 1000 },
  );
  await client.ensureReady();
  const p = client.request('classify', {});
  await flush();
  timers.advance(1000);
  await assert.rejects(p, (e) => e.code === 'timeout');
});

test('reconnectNow skips the backoff', async () => {
  let installed = false;
  const { client, ports } = makeClient((msg, port) => {
    if (!installed) port.drop('Specified native messaging host not found.');
    else port.reply(helloOk(msg));
  });
  await assert.rejects(client.ensureReady());
  installed = true;
  await client.reconnectNow();
  assert.equal(ports.length, 2);
  assert.equal(client.status().state, 'ready');
});

test('reconnectNow during an automatic attempt in flight reuses it instead of hanging', { timeout: 5000 }, async () => {
  let mode = 'missing';
  let heldHello = null;
  const { client, timers, ports } = makeClient((msg, port) => {
    if (mode === 'missing') port.drop('Specified native messaging host not found.');
    else heldHello = [msg, port];
  });
  await assert.rejects(client.ensureReady());
  mode = 'slow';
  timers.advance(500); // the automatic retry starts and waits for hello
  await flush();
  assert.equal(ports.length, 2);
  const retry = client.reconnectNow();
  assert.equal(ports.length, 2, 'no second port while one is connecting');
  const [msg, port] = heldHello;
  port.reply(helloOk(msg));
  await retry;
  assert.equal(client.status().state, 'ready');
});

test('pure helpers: backoff, disconnect and hello classification', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 8, 20].map((n) => backoffDelay(n)),
    [500, 1000, 2000, 4000, 60000, 60000],
  );
  assert.equal(stateForDisconnect('Specified native messaging host not found.', false), 'missing');
  assert.equal(stateForDisconnect('No such native application org.mailveil.host', false), 'missing');
  assert.equal(stateForDisconnect('Access to the specified native messaging host is forbidden.', false), 'forbidden');
  assert.equal(stateForDisconnect('Native host has exited.', true), 'failed');
  assert.equal(
    stateForDisconnect('Specified native messaging host not found.', true),
    'failed',
    'after a reply it is a crash',
  );
  assert.equal(stateForHello({ min_protocol: 1, max_protocol: 3 }), 'ready');
  assert.equal(stateForHello({ min_protocol: 0, max_protocol: 0 }), 'too-old');
  assert.equal(stateForHello({ min_protocol: 2, max_protocol: 3 }), 'extension-too-old');
});
