#!/usr/bin/python3 -u
"""A stand-in for mailveil-host in end-to-end tests, speaking the same framing (docs/protocol.md).

It plays an *old* host: `hello` answers with the protocol range from $MAILVEIL_FAKE_PROTOCOL_RANGE
("min-max", default "0-0", i.e. older than any extension), so the extension must show "host too old".
Every other action is refused with `unsupported_protocol`. Logs to $MAILVEIL_HOME/fake-host.log, never stdout.
"""
import json
import os
import struct
import sys

LOG = os.path.join(os.environ.get("MAILVEIL_HOME", "/tmp"), "fake-host.log")


def log(**kw):
    with open(LOG, "a") as f:
        f.write(json.dumps(kw) + "\n")


def read_frame():
    head = sys.stdin.buffer.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack("=I", head)
    return json.loads(sys.stdin.buffer.read(n).decode("utf-8"))


def write_frame(obj):
    data = json.dumps(obj).encode("utf-8")
    sys.stdout.buffer.write(struct.pack("=I", len(data)) + data)
    sys.stdout.buffer.flush()


def main():
    lo, hi = (int(x) for x in os.environ.get("MAILVEIL_FAKE_PROTOCOL_RANGE", "0-0").split("-"))
    log(event="start", argv=sys.argv[1:])
    while True:
        msg = read_frame()
        if msg is None:
            log(event="eof")
            return
        rid, action = msg.get("id"), msg.get("action")
        if action == "hello":
            write_frame({"id": rid, "action": action, "ok": True, "result": {
                "host_version": "0.0.1", "protocol": hi, "min_protocol": lo, "max_protocol": hi,
                "signatures": {"list_version": 2020010101, "published": "2020-01-01", "trackers": 1, "source": "bundled"},
                "limits": {"max_frame_in": 16777216, "max_frame_out": 1048576, "max_elements": 10000, "max_url_length": 16384}}})
        else:
            write_frame({"id": rid, "action": action, "ok": False,
                         "error": {"code": "unsupported_protocol", "message": "fake old host"}})


if __name__ == "__main__":
    main()
