#!/usr/bin/env python3
"""Installs mailveil-host and registers it as native-messaging host org.mailveil.host.

One command installs the binary (and the bundled signature list), writes the host manifests for Chrome,
Chromium, Edge, Brave and Firefox with the absolute binary path and the fixed extension ids, and writes
<bindir>/mailveil-host.callers.json, which the host checks its caller against. `uninstall` removes exactly
what `install` writes. Linux is the tested platform; for macOS and Windows the same tool computes the
locations (`show --os macos|windows`), and on Windows also produces the registry entries as a .reg file.

  mailveil-install.py install [--system] [--prefix DIR] [--host-binary FILE] [--browsers chrome,firefox,...]
  mailveil-install.py uninstall [--system] [--prefix DIR] [--browsers ...]
  mailveil-install.py show [--os linux|macos|windows] [--system]

Exit status: 0 on success, 1 on a usage or file error (the message says which file).
"""
import argparse
import json
import os
import platform
import shutil
import stat
import sys

HOST_NAME = "org.mailveil.host"
HOST_DESCRIPTION = "MailVeil e-mail tracking protection"
BINARY_NAME = "mailveil-host"
CALLERS_SUFFIX = ".callers.json"
CHROME_EXTENSION_IDS = ["celkdkpfmogfmihpiofdidjkhbcliejm"]
FIREFOX_EXTENSION_IDS = ["mailveil@mailveil.org"]
BROWSERS = ["chrome", "chromium", "edge", "brave", "firefox"]
CHROMIUM_FAMILY = {"chrome", "chromium", "edge", "brave"}

# Where each browser looks for host manifests. "~" is the user's home; Windows entries are registry keys
# (the manifest itself goes into the install directory and the key's default value points at it).
MANIFEST_DIRS = {
    "linux": {
        "user": {
            "chrome": "~/.config/google-chrome/NativeMessagingHosts",
            "chromium": "~/.config/chromium/NativeMessagingHosts",
            "edge": "~/.config/microsoft-edge/NativeMessagingHosts",
            "brave": "~/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
            "firefox": "~/.mozilla/native-messaging-hosts",
        },
        "system": {
            "chrome": "/etc/opt/chrome/native-messaging-hosts",
            "chromium": "/etc/chromium/native-messaging-hosts",
            "edge": "/etc/opt/edge/native-messaging-hosts",
            "brave": "/etc/opt/brave/native-messaging-hosts",
            "firefox": "/usr/lib/mozilla/native-messaging-hosts",
        },
    },
    "macos": {
        "user": {
            "chrome": "~/Library/Application Support/Google/Chrome/NativeMessagingHosts",
            "chromium": "~/Library/Application Support/Chromium/NativeMessagingHosts",
            "edge": "~/Library/Application Support/Microsoft Edge/NativeMessagingHosts",
            "brave": "~/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts",
            "firefox": "~/Library/Application Support/Mozilla/NativeMessagingHosts",
        },
        "system": {
            "chrome": "/Library/Google/Chrome/NativeMessagingHosts",
            "chromium": "/Library/Application Support/Chromium/NativeMessagingHosts",
            "edge": "/Library/Microsoft/Edge/NativeMessagingHosts",
            "brave": "/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts",
            "firefox": "/Library/Application Support/Mozilla/NativeMessagingHosts",
        },
    },
}
REGISTRY_KEYS = {
    "chrome": r"Software\Google\Chrome\NativeMessagingHosts",
    "chromium": r"Software\Chromium\NativeMessagingHosts",
    "edge": r"Software\Microsoft\Edge\NativeMessagingHosts",
    "brave": r"Software\BraveSoftware\Brave-Browser\NativeMessagingHosts",
    "firefox": r"Software\Mozilla\NativeMessagingHosts",
}
DEFAULT_PREFIX = {
    ("linux", "user"): "~/.local",
    ("linux", "system"): "/usr/local",
    ("macos", "user"): "~/Library/Application Support/MailVeil",
    ("macos", "system"): "/Library/Application Support/MailVeil",
    ("windows", "user"): r"%LOCALAPPDATA%\MailVeil",
    ("windows", "system"): r"%ProgramFiles%\MailVeil",
}


class InstallError(Exception):
    """A problem the user can act on; the message names the file or option."""


def current_os():
    name = platform.system().lower()
    return {"darwin": "macos", "windows": "windows"}.get(name, "linux")


def expand(path, home):
    if path.startswith("~"):
        return os.path.join(home, path[2:]) if len(path) > 1 else home
    return path


class Layout:
    """Every path one installation touches, computed once from the options."""

    def __init__(self, args):
        self.os = args.os or current_os()
        self.scope = "system" if args.system else "user"
        self.home = os.path.expanduser("~") if not args.home else os.path.abspath(args.home)
        self.browsers = args.browsers
        prefix = args.prefix or DEFAULT_PREFIX[(self.os, self.scope)]
        self.prefix = expand(prefix, self.home) if self.os != "windows" else prefix
        if self.os == "windows":
            self.bindir = self.prefix
            self.binary = self.prefix + "\\" + BINARY_NAME + ".exe"
            self.share = self.prefix
        else:
            self.prefix = os.path.abspath(self.prefix)
            self.bindir = os.path.join(self.prefix, "bin")
            self.binary = os.path.join(self.bindir, BINARY_NAME)
            # The host finds the bundled list at <exe dir>/../share/mailveil/trackers.json (paths.h).
            self.share = os.path.join(self.prefix, "share", "mailveil")
        self.callers = self.binary.replace(".exe", "") + CALLERS_SUFFIX
        self.signatures = (self.share + "\\trackers.json") if self.os == "windows" else os.path.join(self.share, "trackers.json")
        self.chrome_ids = args.chrome_extension_id or CHROME_EXTENSION_IDS
        self.firefox_ids = args.firefox_extension_id or FIREFOX_EXTENSION_IDS
        self.extra_chromium_dirs = [os.path.join(os.path.abspath(d), "NativeMessagingHosts") for d in (args.chromium_user_data_dir or [])]

    def manifest_targets(self):
        """(browser, manifest file path, registry key or None) for each selected browser."""
        out = []
        for browser in self.browsers:
            if self.os == "windows":
                hive = "HKEY_LOCAL_MACHINE" if self.scope == "system" else "HKEY_CURRENT_USER"
                kind = "firefox" if browser == "firefox" else "chromium"
                path = self.prefix + "\\" + HOST_NAME + "." + kind + ".json"
                out.append((browser, path, hive + "\\" + REGISTRY_KEYS[browser] + "\\" + HOST_NAME))
            else:
                d = expand(MANIFEST_DIRS[self.os][self.scope][browser], self.home)
                out.append((browser, os.path.join(d, HOST_NAME + ".json"), None))
        if self.os != "windows" and any(b in CHROMIUM_FAMILY for b in self.browsers):
            for d in self.extra_chromium_dirs:
                out.append(("chromium", os.path.join(d, HOST_NAME + ".json"), None))
        return out


def host_manifest(layout, browser):
    # Windows manifests sit next to the binary and may name it relatively (the registry value cannot expand
    # %LOCALAPPDATA%); elsewhere the path must be absolute.
    path = BINARY_NAME + ".exe" if layout.os == "windows" else layout.binary
    m = {"name": HOST_NAME, "description": HOST_DESCRIPTION, "path": path, "type": "stdio"}
    if browser == "firefox":
        m["allowed_extensions"] = list(layout.firefox_ids)
    else:
        m["allowed_origins"] = ["chrome-extension://%s/" % i for i in layout.chrome_ids]
    return m


def callers_file(layout):
    return {
        "allowed_origins": ["chrome-extension://%s/" % i for i in layout.chrome_ids],
        "allowed_extensions": list(layout.firefox_ids),
    }


def registry_file(layout):
    """A .reg file registering every selected browser (Windows)."""
    lines = ["Windows Registry Editor Version 5.00", ""]
    for _browser, path, key in layout.manifest_targets():
        lines.append("[%s]" % key)
        lines.append('@="%s"' % path.replace("\\", "\\\\"))
        lines.append("")
    return "\r\n".join(lines)


def write_json(path, obj, dry_run, mode=0o644):
    text = json.dumps(obj, indent=2) + "\n"
    if dry_run:
        print("would write %s" % path)
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    print("wrote %s" % path)


def copy_file(src, dest, mode, dry_run):
    if dry_run:
        print("would copy %s -> %s" % (src, dest))
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + ".tmp"
    shutil.copyfile(src, tmp)
    os.chmod(tmp, mode)
    os.replace(tmp, dest)
    print("installed %s" % dest)


def find_default_binary():
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in (os.path.join(here, "..", "build", "native_host", BINARY_NAME), os.path.join(here, BINARY_NAME)):
        if os.path.isfile(cand):
            return os.path.abspath(cand)
    return None


def find_default_signatures():
    here = os.path.dirname(os.path.abspath(__file__))
    cand = os.path.join(here, "..", "signatures", "trackers.json")
    return os.path.abspath(cand) if os.path.isfile(cand) else None


def cmd_install(layout, args):
    if layout.os != current_os():
        raise InstallError("install writes files for this machine (%s); use `show --os %s` to see another platform's layout"
                           % (current_os(), layout.os))
    binary = args.host_binary or find_default_binary()
    if not binary or not os.path.isfile(binary):
        raise InstallError("host binary not found%s; build it (cmake --build build --target mailveil-host) or pass --host-binary"
                           % (": " + binary if binary else ""))
    if not os.access(binary, os.X_OK):
        raise InstallError("%s is not executable" % binary)
    signatures = args.signatures or find_default_signatures()
    if signatures and not os.path.isfile(signatures):
        raise InstallError("signature list not found: %s" % signatures)
    if os.path.abspath(binary) != layout.binary:
        copy_file(binary, layout.binary, 0o755, args.dry_run)
    if signatures and os.path.abspath(signatures) != layout.signatures:
        copy_file(signatures, layout.signatures, 0o644, args.dry_run)
    write_json(layout.callers, callers_file(layout), args.dry_run)
    for browser, path, _key in layout.manifest_targets():
        write_json(path, host_manifest(layout, browser), args.dry_run)
    print("MailVeil host installed for: %s" % ", ".join(layout.browsers))


def remove(path, dry_run):
    if not os.path.lexists(path):
        return False
    if dry_run:
        print("would remove %s" % path)
        return True
    os.remove(path)
    print("removed %s" % path)
    for d in (os.path.dirname(path),):
        try:
            os.rmdir(d)  # only when empty
        except OSError:
            pass
    return True


def cmd_uninstall(layout, args):
    if layout.os != current_os():
        raise InstallError("uninstall works on this machine only (%s)" % current_os())
    for _browser, path, _key in layout.manifest_targets():
        remove(path, args.dry_run)
    remove(layout.callers, args.dry_run)
    remove(layout.binary, args.dry_run)
    remove(layout.signatures, args.dry_run)
    print("MailVeil host removed for: %s (your data in the MailVeil state directory is kept)" % ", ".join(layout.browsers))


def cmd_show(layout, args):
    info = {
        "os": layout.os,
        "scope": layout.scope,
        "binary": layout.binary,
        "signatures": layout.signatures,
        "callers_file": layout.callers,
        "callers": callers_file(layout),
        "manifests": [
            {"browser": b, "path": p, "registry_key": k, "manifest": host_manifest(layout, b)}
            for b, p, k in layout.manifest_targets()
        ],
    }
    if layout.os == "windows":
        info["registry_file"] = registry_file(layout)
    if args.reg_out:
        if layout.os != "windows":
            raise InstallError("--reg-out needs --os windows")
        with open(args.reg_out, "w", encoding="utf-16") as f:
            f.write(registry_file(layout))
        print("wrote %s" % args.reg_out, file=sys.stderr)
    print(json.dumps(info, indent=2))


def parse_args(argv):
    p = argparse.ArgumentParser(description="Install or remove the MailVeil native-messaging host.")
    p.add_argument("command", choices=["install", "uninstall", "show"])
    p.add_argument("--system", action="store_true", help="all users (needs root); default: the current user")
    p.add_argument("--prefix", help="installation prefix (binary in PREFIX/bin, list in PREFIX/share/mailveil)")
    p.add_argument("--host-binary", help="the mailveil-host to install (default: build/native_host/mailveil-host)")
    p.add_argument("--signatures", help="the trackers.json to install next to it (default: signatures/trackers.json)")
    p.add_argument("--browsers", default=",".join(BROWSERS),
                   help="comma-separated subset of %s (default: all)" % ",".join(BROWSERS))
    p.add_argument("--chromium-user-data-dir", action="append",
                   help="also register in <DIR>/NativeMessagingHosts (a Chromium --user-data-dir); repeatable")
    p.add_argument("--chrome-extension-id", action="append", help="allowed Chrome extension id (default: the published one)")
    p.add_argument("--firefox-extension-id", action="append", help="allowed Firefox add-on id (default: mailveil@mailveil.org)")
    p.add_argument("--os", choices=["linux", "macos", "windows"], help="target platform for `show` (default: this one)")
    p.add_argument("--home", help=argparse.SUPPRESS)  # tests: a temporary home directory
    p.add_argument("--reg-out", help="with `show --os windows`: write the registry entries to this .reg file")
    p.add_argument("--dry-run", action="store_true", help="print what would be done")
    args = p.parse_args(argv)
    browsers = [b.strip() for b in args.browsers.split(",") if b.strip()]
    unknown = [b for b in browsers if b not in BROWSERS]
    if unknown or not browsers:
        p.error("unknown browser(s): %s (choose from %s)" % (", ".join(unknown) or "none given", ", ".join(BROWSERS)))
    args.browsers = browsers
    for i in args.chrome_extension_id or []:
        if len(i) != 32 or any(c not in "abcdefghijklmnop" for c in i):
            p.error("not a Chrome extension id: %s" % i)
    return args


def main(argv):
    args = parse_args(argv)
    layout = Layout(args)
    try:
        {"install": cmd_install, "uninstall": cmd_uninstall, "show": cmd_show}[args.command](layout, args)
    except (InstallError, OSError) as e:
        print("mailveil-install: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
