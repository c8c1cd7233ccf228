// The end-to-end tests' only network: an HTTP server on 127.0.0.1 that is at the same time
//   - the browsers' HTTP proxy (every request the browser makes, to any host, arrives here and is logged;
//     CONNECT tunnels are logged and refused, so nothing leaves the machine), and
//   - the origin of every host: <webmail>.mailveil.test serves the fixture pages that reproduce each
//     webmail's message view; any other host answers with an image, as the "remote" images and trackers of
//     the mails (www.google-analytics.com, *.weborama.fr, Gmail's image proxy, …).
// Tests assert from the log which URLs the browser did or did not request.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const kFixtures = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures');
const kGif = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
// A 16x16 PNG for "real" images (banners, photos): any valid image works for loading assertions.
const kPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAGUlEQVR4nGNgoBAwMjAw/KdEMwMDAwMlAAD0GAIBYTeiYgAAAABJRU5ErkJggg==',
  'base64',
);

/** Expands {{sha256 addr}}, {{md5 addr}}, {{sha1 addr}}, {{b64 addr}}, {{urlenc text}} in fixture pages. */
export function expandTemplates(text) {
  return text.replace(/\{\{(sha256|md5|sha1|b64|urlenc) ([^}]+)\}\}/g, (_, fn, arg) => {
    const v = arg.trim();
    if (fn === 'b64') return Buffer.from(v).toString('base64');
    if (fn === 'urlenc') return encodeURIComponent(v);
    return crypto.createHash(fn).update(v).digest('hex');
  });
}

export class FixtureServer {
  constructor() {
    /** @type {{t: number, method: string, host: string, url: string, path: string}[]} */
    this.log = [];
    this.server = http.createServer((req, res) => this.handle_(req, res));
    this.server.on('connect', (req, socket) => {
      const host = String(req.url).replace(/:\d+$/, '');
      this.log.push({ t: Date.now(), method: 'CONNECT', host, url: `https://${req.url}/`, path: '' });
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    this.sockets = new Set();
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return this;
  }

  async stop() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Requests logged since `since` (a log index), optionally filtered. */
  requests(since = 0) {
    return this.log.slice(since);
  }

  mark() {
    return this.log.length;
  }

  handle_(req, res) {
    let url;
    try {
      url = new URL(/^https?:\/\//i.test(req.url) ? req.url : `http://${req.headers.host}${req.url}`);
    } catch {
      res.writeHead(400).end();
      return;
    }
    this.log.push({ t: Date.now(), method: req.method, host: url.hostname, url: url.href, path: url.pathname });
    const m = /^([a-z]+)\.mailveil\.test$/.exec(url.hostname);
    if (m) {
      this.serveFixture_(m[1], url, res);
      return;
    }
    const ext = path.extname(url.pathname).toLowerCase();
    const headers = { 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
    if (ext === '.css') {
      res.writeHead(200, { ...headers, 'content-type': 'text/css' }).end('/* remote stylesheet */');
    } else if (['.png', '.jpg', '.jpeg', '.webp'].includes(ext)) {
      res.writeHead(200, { ...headers, 'content-type': 'image/png' }).end(kPng);
    } else {
      res.writeHead(200, { ...headers, 'content-type': 'image/gif' }).end(kGif);
    }
  }

  serveFixture_(webmail, url, res) {
    const name = url.pathname === '/' ? 'index.html' : url.pathname.replace(/^\/+/, '');
    const shared = name === 'fixture.js' || name.endsWith('.png') || name.endsWith('.gif');
    const file = shared
      ? path.join(kFixtures, path.basename(name))
      : path.join(kFixtures, webmail, path.basename(name));
    if (shared && (name.endsWith('.png') || name.endsWith('.gif'))) {
      res.writeHead(200, {
        'content-type': name.endsWith('.png') ? 'image/png' : 'image/gif',
        'cache-control': 'no-store',
      });
      res.end(name.endsWith('.png') ? kPng : kGif);
      return;
    }
    if (!file.startsWith(kFixtures) || !fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such fixture');
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(expandTemplates(fs.readFileSync(file, 'utf8')));
  }
}
