#!/usr/bin/env python3
"""Misbehaving HTTP server for the signature-update fault-injection tests (loopback only, stdlib only).

    fault_server.py --root DIR [--port 0]

Prints "PORT <n>" on stdout once listening, then serves until killed or until its stdin closes (so a
crashed test never leaves it behind). A request path is /<mode>/<file>; <file> (which may name a
subdirectory, e.g. rig-3/trackers.json) is read from DIR and never from outside it.

Modes:
  ok                 200 with the file; ETag + Last-Modified; 304 for a matching If-None-Match or
                     If-Modified-Since
  notfound           404
  error              500
  stall              200 and a Content-Length, the first 16 bytes, then silence for 120 s
  stall-headers      accepts the connection, sends nothing for 120 s
  truncated          Content-Length 1000 bytes larger than the file; sends the file, closes
  oversized          announces and sends ?bytes=N bytes (default 16 MiB)
  oversized-chunked  sends ?bytes=N bytes chunked, without a Content-Length
  redirect-http      302 to http://127.0.0.1:<port>/ok/<file> (a downgrade to plain http)
  slow               200, the file in 1 KiB pieces 20 ms apart (progress reporting)

The content faults (bad signature, schema-invalid list, RE2-rejected pattern, downgrade) are files the tests
write into DIR and sign with the test-only key: Python's stdlib has no Ed25519.
"""

import argparse
import email.utils
import hashlib
import http.server
import os
import sys
import threading
import time
import urllib.parse

STALL_SECONDS = 120


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def _file(self, name):
        root = os.path.realpath(self.root)
        path = os.path.realpath(os.path.join(root, name))
        if not name or not path.startswith(root + os.sep) or not os.path.isfile(path):
            return None, None
        with open(path, "rb") as f:
            return f.read(), os.stat(path).st_mtime

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (stdlib naming)
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.lstrip("/").split("/", 1)
        mode = parts[0]
        name = parts[1] if len(parts) > 1 else ""
        query = urllib.parse.parse_qs(url.query)
        self.close_connection = True

        if mode == "notfound":
            return self._send(404, b"not found\n")
        if mode == "error":
            return self._send(500, b"internal server error\n")
        if mode == "stall-headers":
            time.sleep(STALL_SECONDS)
            return None
        if mode in ("oversized", "oversized-chunked"):
            return self._oversized(mode, int(query.get("bytes", [str(16 << 20)])[0]))
        if mode == "redirect-http":
            port = self.server.server_address[1]
            return self._send(302, b"", {"Location": "http://127.0.0.1:%d/ok/%s" % (port, name)})

        body, mtime = self._file(name)
        if body is None:
            return self._send(404, b"no such fixture\n")
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        last_modified = email.utils.formatdate(mtime, usegmt=True)

        if mode == "ok":
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            not_modified = False
            if inm is not None:
                not_modified = inm.strip() == etag
            elif ims is not None:
                try:
                    not_modified = email.utils.parsedate_to_datetime(ims).timestamp() >= int(mtime)
                except (TypeError, ValueError):
                    not_modified = False
            if not_modified:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Connection", "close")
                self.end_headers()
                return None
            return self._send(200, body, {"ETag": etag, "Last-Modified": last_modified,
                                          "Content-Type": "application/json"})
        if mode == "stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[:16])
            self.wfile.flush()
            time.sleep(STALL_SECONDS)
            return None
        if mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            return None
        if mode == "slow":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(0, len(body), 1024):
                self.wfile.write(body[i:i + 1024])
                self.wfile.flush()
                time.sleep(0.02)
            return None
        return self._send(400, b"unknown mode\n")

    def _oversized(self, mode, size):
        chunk = b"x" * 65536
        self.send_response(200)
        if mode == "oversized":
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        sent = 0
        try:
            while sent < size:
                piece = chunk[:min(len(chunk), size - sent)]
                if mode == "oversized":
                    self.wfile.write(piece)
                else:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            if mode == "oversized-chunked":
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up at its size cap, as it should


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    Handler.root = args.root
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
