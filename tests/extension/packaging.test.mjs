// Build outputs: per-browser manifests, test builds, reproducible zips; and the host installer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  browserManifest,
  checkSourceConsistency,
  defaultDenyRules,
  kTestHostAliases,
  kTestPopupSlotHost,
  writeZip,
} from '../../tools/pack-extension.mjs';

const kRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const kInstaller = path.join(kRoot, 'manifests/mailveil-install.py');
const source = JSON.parse(fs.readFileSync(path.join(kRoot, 'extension/manifest.json'), 'utf8'));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mailveil-unit-'));

test('the committed rules and manifest agree with shared/webmails.js', () => {
  assert.doesNotThrow(() => checkSourceConsistency());
  const committed = JSON.parse(fs.readFileSync(path.join(kRoot, 'extension/rules/default-deny.json'), 'utf8'));
  assert.deepEqual(committed, defaultDenyRules());
});

test('Chrome manifest: fixed key, service worker, no Firefox keys; Firefox: gecko id, scripts, no key', () => {
  const chrome = browserManifest(source, 'chrome', false);
  assert.equal(typeof chrome.key, 'string');
  assert.equal(chrome.background.service_worker, 'background/main.js');
  assert.equal(chrome.background.scripts, undefined);
  assert.equal(chrome.browser_specific_settings, undefined);
  const firefox = browserManifest(source, 'firefox', false);
  assert.equal(firefox.browser_specific_settings.gecko.id, 'mailveil@mailveil.org');
  assert.deepEqual(firefox.background.scripts, ['background/main.js']);
  assert.equal(firefox.key, undefined);
  assert.equal(firefox.background.service_worker, undefined);
});

test('minimum permissions, no host permissions beyond the webmails, no remote code', () => {
  assert.deepEqual([...source.permissions].sort(), ['alarms', 'declarativeNetRequest', 'nativeMessaging', 'storage']);
  assert.equal(source.host_permissions, undefined);
  for (const m of source.content_scripts[0].matches)
    assert.match(m, /^https:\/\/(mail\.google\.com|outlook\.|mail\.yahoo\.com|mail\.proton)/);
  assert.ok(!source.content_security_policy, 'default CSP: no remote scripts');
  const offenders = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (/\.(js|html)$/.test(e.name)) {
        const text = fs.readFileSync(f, 'utf8');
        if (/\beval\(|new Function\(|import\(\s*['"`]https?:|<script[^>]+src=["']https?:|importScripts\(/.test(text))
          offenders.push(f);
      }
    }
  };
  walk(path.join(kRoot, 'extension'));
  assert.deepEqual(offenders, []);
});

test('test build: fixture hosts, test hook; release build has neither', () => {
  const t = browserManifest(source, 'chrome', true);
  for (const h of Object.keys(kTestHostAliases)) assert.ok(t.content_scripts[0].matches.includes(`http://${h}/*`));
  assert.ok(t.content_scripts[0].js.includes('content/test-hook.js'));
  // The popup slot page (not a webmail) gets the test hook only.
  const slot = t.content_scripts.find((cs) => cs.matches.includes(`http://${kTestPopupSlotHost}/*`));
  assert.deepEqual(slot.js, ['shared/build-config.js', 'shared/messages.js', 'content/test-hook.js']);
  assert.ok(!Object.keys(kTestHostAliases).includes(kTestPopupSlotHost));
  const r = browserManifest(source, 'chrome', false);
  assert.equal(r.content_scripts.length, 1);
  assert.ok(!r.content_scripts[0].js.includes('content/test-hook.js'));
  assert.ok(!r.content_scripts[0].matches.some((m) => m.includes('mailveil.test')));
  assert.ok(
    defaultDenyRules(kTestHostAliases).some((x) =>
      (x.condition.initiatorDomains || []).includes('gmail.mailveil.test'),
    ),
  );
});

test('writeZip produces a valid, reproducible archive', () => {
  const dir = tmp();
  try {
    fs.mkdirSync(path.join(dir, 'in/sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'in/a.txt'), 'hello '.repeat(100));
    fs.writeFileSync(path.join(dir, 'in/sub/b.bin'), Buffer.from([0, 1, 2, 3]));
    writeZip(path.join(dir, '1.zip'), path.join(dir, 'in'), ['a.txt', 'sub/b.bin']);
    writeZip(path.join(dir, '2.zip'), path.join(dir, 'in'), ['a.txt', 'sub/b.bin']);
    assert.deepEqual(fs.readFileSync(path.join(dir, '1.zip')), fs.readFileSync(path.join(dir, '2.zip')));
    const check = spawnSync('unzip', ['-t', path.join(dir, '1.zip')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(
      execFileSync('unzip', ['-p', path.join(dir, '1.zip'), 'a.txt'], { encoding: 'utf8' }),
      'hello '.repeat(100),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function runInstaller(args) {
  return spawnSync('python3', [kInstaller, ...args], { encoding: 'utf8' });
}

test('installer: install writes binary, list, callers file and one manifest per browser; uninstall removes them', () => {
  const dir = tmp();
  try {
    const bin = path.join(dir, 'mailveil-host-built');
    fs.writeFileSync(bin, '#!/bin/sh\n');
    fs.chmodSync(bin, 0o755);
    const common = [
      '--prefix',
      path.join(dir, 'p'),
      '--home',
      path.join(dir, 'h'),
      '--chromium-user-data-dir',
      path.join(dir, 'udd'),
    ];
    const r = runInstaller(['install', '--host-binary', bin, ...common]);
    assert.equal(r.status, 0, r.stderr);
    const binary = path.join(dir, 'p/bin/mailveil-host');
    assert.ok(fs.statSync(binary).mode & 0o100, 'executable');
    assert.ok(fs.existsSync(path.join(dir, 'p/share/mailveil/trackers.json')), 'bundled list next to it');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'p/bin/mailveil-host.callers.json'), 'utf8')), {
      allowed_origins: ['chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/'],
      allowed_extensions: ['mailveil@mailveil.org'],
    });
    const expected = {
      '.config/google-chrome/NativeMessagingHosts': 'chrome',
      '.config/chromium/NativeMessagingHosts': 'chrome',
      '.config/microsoft-edge/NativeMessagingHosts': 'chrome',
      '.config/BraveSoftware/Brave-Browser/NativeMessagingHosts': 'chrome',
      '.mozilla/native-messaging-hosts': 'firefox',
    };
    for (const [rel, kind] of Object.entries(expected)) {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'h', rel, 'org.mailveil.host.json'), 'utf8'));
      assert.equal(m.name, 'org.mailveil.host');
      assert.equal(m.path, binary, 'absolute path');
      assert.equal(m.type, 'stdio');
      if (kind === 'firefox') assert.deepEqual(m.allowed_extensions, ['mailveil@mailveil.org']);
      else assert.deepEqual(m.allowed_origins, ['chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/']);
    }
    assert.ok(fs.existsSync(path.join(dir, 'udd/NativeMessagingHosts/org.mailveil.host.json')));
    const u = runInstaller(['uninstall', ...common]);
    assert.equal(u.status, 0, u.stderr);
    const left = execFileSync('find', [dir, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(left, [bin], 'only the source binary remains');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('installer: --system targets the system directories; macOS and Windows layouts are produced', () => {
  const sys = JSON.parse(runInstaller(['show', '--system', '--os', 'linux']).stdout);
  assert.equal(sys.binary, '/usr/local/bin/mailveil-host');
  const paths = Object.fromEntries(sys.manifests.map((m) => [m.browser, m.path]));
  assert.equal(paths.chrome, '/etc/opt/chrome/native-messaging-hosts/org.mailveil.host.json');
  assert.equal(paths.chromium, '/etc/chromium/native-messaging-hosts/org.mailveil.host.json');
  assert.equal(paths.firefox, '/usr/lib/mozilla/native-messaging-hosts/org.mailveil.host.json');
  const mac = JSON.parse(runInstaller(['show', '--os', 'macos', '--home', '/Users/me']).stdout);
  assert.equal(
    mac.manifests.find((m) => m.browser === 'firefox').path,
    '/Users/me/Library/Application Support/Mozilla/NativeMessagingHosts/org.mailveil.host.json',
  );
  assert.equal(
    mac.manifests.find((m) => m.browser === 'chrome').path,
    '/Users/me/Library/Application Support/Google/Chrome/NativeMessagingHosts/org.mailveil.host.json',
  );
  const win = JSON.parse(runInstaller(['show', '--os', 'windows', '--prefix', 'C:\\MailVeil']).stdout);
  assert.equal(
    win.manifests.find((m) => m.browser === 'chrome').registry_key,
    'HKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts\\org.mailveil.host',
  );
  assert.equal(
    win.manifests.find((m) => m.browser === 'firefox').registry_key,
    'HKEY_CURRENT_USER\\Software\\Mozilla\\NativeMessagingHosts\\org.mailveil.host',
  );
  assert.equal(win.manifests[0].manifest.path, 'mailveil-host.exe', 'relative to the manifest on Windows');
  assert.match(win.registry_file, /^Windows Registry Editor Version 5\.00/);
  assert.match(win.registry_file, /@="C:\\\\MailVeil\\\\org\.mailveil\.host\.chromium\.json"/);
  const winSys = JSON.parse(runInstaller(['show', '--os', 'windows', '--system', '--prefix', 'C:\\MailVeil']).stdout);
  assert.ok(winSys.manifests.every((m) => m.registry_key.startsWith('HKEY_LOCAL_MACHINE\\')));
});

test('installer: clear errors for a missing binary, unknown browsers, and cross-OS installs', () => {
  const dir = tmp();
  try {
    const r = runInstaller(['install', '--host-binary', path.join(dir, 'nope'), '--prefix', dir, '--home', dir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /host binary not found/);
    assert.notEqual(runInstaller(['show', '--browsers', 'netscape']).status, 0);
    const x = runInstaller(['install', '--os', 'windows', '--prefix', dir, '--home', dir]);
    assert.equal(x.status, 1);
    assert.match(x.stderr, /show --os windows/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
