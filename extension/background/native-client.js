// The one long-lived connectNative port to mailveil-host: request ids, hello/version check, progress
// frames, timeouts, reconnect with exponential backoff, and a named state for every failure so that the
// popup can say what is wrong. Browser-agnostic: the port factory and timers are injected (unit-tested).

/** Protocol version this extension speaks (docs/protocol.md). */
export const kProtocol = 1;
/** Native host name registered by the installer. */
export const kHostName = 'org.mailveil.host';
/** How long a request may wait for its reply (or its next progress frame). */
export const kRequestTimeoutMs = 20000;
/** Reconnect delays after a failure: this, doubled per attempt, up to kMaxBackoffMs. */
export const kInitialBackoffMs = 500;
export const kMaxBackoffMs = 60000;

/**
 * Client states. `ready` is the only one that serves requests; the others name why not.
 * @typedef {'idle'|'connecting'|'ready'|'missing'|'too-old'|'extension-too-old'|'forbidden'|'failed'} HostState
 */
export const kErrorStates = Object.freeze(['missing', 'too-old', 'extension-too-old', 'forbidden', 'failed']);

/** An error carrying a stable code: a host error code (docs/protocol.md) or a client state / `timeout`. */
export class HostError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = 'HostError';
    this.code = code;
  }
}

/** Disconnect messages that mean "no host manifest / binary" in Chrome and Firefox. */
const kMissingPatterns = [/native messaging host not found/i, /no such native application/i, /not registered/i];
const kForbiddenPatterns = [/forbidden/i];

/**
 * The failure a host status stands for: its own state when that is a failure, or, while a retry is connecting,
 * the failure being retried (so that the badge and the popup keep naming it instead of flickering). Null when
 * there is no failure to show.
 * @param {{state: string, error?: object|null, problem?: {state: string, error: object|null}|null}|null} status
 * @returns {{state: string, error: object|null}|null}
 */
export function problemOf(status) {
  if (!status) return null;
  if (kErrorStates.includes(status.state)) return { state: status.state, error: status.error || null };
  return status.state === 'connecting' && status.problem ? status.problem : null;
}

/** Backoff delay before reconnect attempt n (1-based): initial * 2^(n-1), capped. */
export function backoffDelay(attempt, initialMs = kInitialBackoffMs, maxMs = kMaxBackoffMs) {
  const n = Math.max(1, attempt);
  return Math.min(maxMs, initialMs * 2 ** Math.min(n - 1, 30));
}

/** Classifies a disconnect reason into a state. */
export function stateForDisconnect(message, gotAnyMessage) {
  const text = String(message || '');
  if (!gotAnyMessage && kMissingPatterns.some((re) => re.test(text))) return 'missing';
  if (!gotAnyMessage && kForbiddenPatterns.some((re) => re.test(text))) return 'forbidden';
  return 'failed';
}

/** Checks a hello result against our protocol version; returns a state. */
export function stateForHello(result) {
  const min = Number(result && result.min_protocol);
  const max = Number(result && result.max_protocol);
  if (Number.isFinite(max) && max < kProtocol) return 'too-old';
  if (Number.isFinite(min) && min > kProtocol) return 'extension-too-old';
  return 'ready';
}

export class NativeClient {
  /**
   * @param {object} opts
   * @param {(name: string) => object} opts.connectNative  browser's runtime.connectNative
   * @param {string} opts.client         "mailveil-extension/<version>"
   * @param {(status: object) => void} [opts.onStatus] called on every state change
   * @param {{setTimeout: Function, clearTimeout: Function, now: () => number}} [opts.timers]
   * @param {() => string|undefined} [opts.lastError] runtime.lastError message (Chrome reports disconnect reasons there)
   * @param {number} [opts.requestTimeoutMs]
   * @param {number} [opts.initialBackoffMs]
   * @param {number} [opts.maxBackoffMs]
   */
  constructor(opts) {
    this.connectNative_ = opts.connectNative;
    this.client_ = opts.client;
    this.onStatus_ = opts.onStatus || (() => {});
    this.timers_ = opts.timers || {
      setTimeout: (f, ms) => setTimeout(f, ms),
      clearTimeout: (t) => clearTimeout(t),
      now: () => Date.now(),
    };
    this.lastError_ = opts.lastError || (() => undefined);
    this.requestTimeoutMs_ = opts.requestTimeoutMs ?? kRequestTimeoutMs;
    this.initialBackoffMs_ = opts.initialBackoffMs ?? kInitialBackoffMs;
    this.maxBackoffMs_ = opts.maxBackoffMs ?? kMaxBackoffMs;
    /** @type {HostState} */
    this.state_ = 'idle';
    this.error_ = null;
    this.hello_ = null;
    this.port_ = null;
    this.seq_ = 0;
    this.pending_ = new Map();
    this.attempt_ = 0;
    this.retryTimer_ = null;
    this.retryAt_ = 0;
    this.ready_ = null; // promise of the current connection's hello
    this.gotMessage_ = false;
    /** The last failure, kept until the host is ready again (see problemOf). */
    this.problem_ = null;
  }

  /** Snapshot for the UI. `problem`: the failure to show, or null (problemOf). */
  status() {
    const snapshot = {
      state: this.state_,
      error: this.error_,
      hello: this.hello_,
      retryInMs: this.retryTimer_ ? Math.max(0, this.retryAt_ - this.timers_.now()) : null,
      problem: this.problem_,
    };
    return { ...snapshot, problem: problemOf(snapshot) };
  }

  setState_(state, error = null) {
    this.state_ = state;
    this.error_ = error;
    if (kErrorStates.includes(state)) this.problem_ = { state, error };
    else if (state === 'ready') this.problem_ = null;
    this.onStatus_(this.status());
  }

  /** Opens the port (if needed) and resolves once hello succeeded. Rejects with HostError otherwise. */
  ensureReady() {
    if (this.state_ === 'ready' && this.port_) return Promise.resolve(this.hello_);
    if (this.ready_) return this.ready_;
    if (this.retryTimer_ && kErrorStates.includes(this.state_)) {
      // Waiting for the next attempt: fail fast with the known reason rather than hang.
      return Promise.reject(new HostError(this.state_, this.error_ ? this.error_.message : this.state_));
    }
    return this.connect_();
  }

  /** Forgets the backoff and connects now (popup "retry"). An attempt already in flight is reused. */
  reconnectNow() {
    if (this.ready_) return this.ready_;
    if (this.retryTimer_) this.timers_.clearTimeout(this.retryTimer_);
    this.retryTimer_ = null;
    this.attempt_ = 0;
    if (this.state_ === 'ready' && this.port_) return Promise.resolve(this.hello_);
    this.dropPort_();
    return this.connect_();
  }

  connect_() {
    this.setState_('connecting');
    this.gotMessage_ = false;
    let port;
    try {
      port = this.connectNative_(kHostName);
    } catch (e) {
      this.onDisconnect_(null, String(e && e.message ? e.message : e));
      return Promise.reject(new HostError(this.state_, this.error_ ? this.error_.message : String(e)));
    }
    this.port_ = port;
    port.onMessage.addListener((msg) => this.onMessage_(port, msg));
    port.onDisconnect.addListener((p) => {
      const reason = (p && p.error && p.error.message) || this.lastError_() || 'the host exited';
      this.onDisconnect_(port, reason);
    });
    const hello = this.send_('hello', { protocol: kProtocol, client: this.client_ }, { internal: true });
    this.ready_ = hello.then(
      (result) => {
        const state = stateForHello(result);
        this.ready_ = null;
        this.hello_ = result;
        if (state !== 'ready') {
          const message =
            state === 'too-old'
              ? `mailveil-host ${result.host_version || '?'} speaks protocol ${result.min_protocol}–${result.max_protocol}; this extension needs ${kProtocol}`
              : `this extension (protocol ${kProtocol}) is older than mailveil-host ${result.host_version || '?'} supports`;
          this.fail_(state, message);
          throw new HostError(state, message);
        }
        this.attempt_ = 0;
        this.setState_('ready');
        return result;
      },
      (err) => {
        this.ready_ = null;
        let state = this.state_;
        if (err.code === 'unsupported_protocol') state = 'too-old';
        else if (err.code === 'forbidden_caller') state = 'forbidden';
        else if (!kErrorStates.includes(state)) state = 'failed';
        this.fail_(state, err.message);
        throw new HostError(state, err.message);
      },
    );
    return this.ready_;
  }

  /** Enters an error state with the port closed and a retry scheduled. */
  fail_(state, message) {
    this.dropPort_();
    this.setState_(state, { code: state, message });
    this.scheduleRetry_();
  }

  /** Closes the port on purpose; requests still waiting on it fail with the current state. */
  dropPort_() {
    const port = this.port_;
    this.port_ = null;
    for (const [id, p] of this.pending_) {
      this.timers_.clearTimeout(p.timer);
      this.pending_.delete(id);
      p.reject(new HostError(this.state_, 'connection to mailveil-host closed'));
    }
    if (port) {
      try {
        port.disconnect();
      } catch {
        // already closed
      }
    }
  }

  scheduleRetry_() {
    if (this.retryTimer_) return;
    this.attempt_ += 1;
    const delay = backoffDelay(this.attempt_, this.initialBackoffMs_, this.maxBackoffMs_);
    this.retryAt_ = this.timers_.now() + delay;
    this.retryTimer_ = this.timers_.setTimeout(() => {
      this.retryTimer_ = null;
      this.connect_().catch(() => {});
    }, delay);
    this.onStatus_(this.status());
  }

  onDisconnect_(port, reason) {
    if (port && port !== this.port_) return; // an old port we dropped on purpose
    this.port_ = null;
    const state =
      kErrorStates.includes(this.state_) && this.state_ !== 'failed'
        ? this.state_
        : stateForDisconnect(reason, this.gotMessage_);
    const message = state === 'missing' ? `mailveil-host is not installed for this browser (${reason})` : reason;
    for (const [id, p] of this.pending_) {
      this.timers_.clearTimeout(p.timer);
      this.pending_.delete(id);
      p.reject(new HostError(state, message));
    }
    this.setState_(state, { code: state, message });
    this.scheduleRetry_();
  }

  onMessage_(port, msg) {
    if (port !== this.port_) return;
    this.gotMessage_ = true;
    if (!msg || typeof msg !== 'object') return;
    const p = this.pending_.get(msg.id);
    if (!p) return;
    if (msg.final === false) {
      if (p.onProgress && msg.progress) p.onProgress(msg.progress);
      this.timers_.clearTimeout(p.timer);
      p.timer = this.timers_.setTimeout(() => this.timeout_(msg.id), p.timeoutMs);
      return;
    }
    this.timers_.clearTimeout(p.timer);
    this.pending_.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else
      p.reject(
        new HostError((msg.error && msg.error.code) || 'internal', (msg.error && msg.error.message) || 'host error'),
      );
  }

  timeout_(id) {
    const p = this.pending_.get(id);
    if (!p) return;
    this.pending_.delete(id);
    p.reject(new HostError('timeout', `no reply from mailveil-host within ${Math.round(p.timeoutMs / 1000)} s`));
  }

  send_(action, fields, { onProgress, timeoutMs, internal } = {}) {
    if (!this.port_) return Promise.reject(new HostError(this.state_, 'not connected'));
    this.seq_ += 1;
    const id = `r${this.seq_}`;
    const ms = timeoutMs ?? this.requestTimeoutMs_;
    return new Promise((resolve, reject) => {
      const timer = this.timers_.setTimeout(() => this.timeout_(id), ms);
      this.pending_.set(id, { resolve, reject, onProgress, timer, timeoutMs: ms, internal });
      try {
        this.port_.postMessage({ ...fields, id, action });
      } catch (e) {
        this.timers_.clearTimeout(timer);
        this.pending_.delete(id);
        reject(new HostError('failed', String(e && e.message ? e.message : e)));
      }
    });
  }

  /**
   * Sends one request once the host is ready.
   * @param {string} action
   * @param {object} [fields]
   * @param {{onProgress?: (p: object) => void, timeoutMs?: number}} [opts]
   */
  async request(action, fields = {}, opts = {}) {
    await this.ensureReady();
    return this.send_(action, fields, opts);
  }
}
