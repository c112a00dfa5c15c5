#!/usr/bin/env python3
"""A recording TCP proxy for the Kafka protocol.

Listens on 127.0.0.1:<listen-port>, forwards every connection to the upstream broker, and records
each request frame and each response frame (the bytes after the 4-byte size prefix: header +
body) as its own file in --out, plus one JSON line per frame in --out/index.jsonl:

  {"conn": 3, "seq": 17, "direction": "request", "api_key": 3, "api_version": 12,
   "correlation_id": 5, "client_id": "rdkafka", "size": 42, "file": "c003_0017_k03_v12_request.bin"}

A response is matched to its request by correlation id (per connection), so it is labelled
with the request's api key and version. acks=0 produce requests have no response.

The broker advertises its own address in Metadata; run it with advertised.listeners pointing at
this proxy's port so that clients keep talking through the proxy after bootstrap.

Stops on SIGTERM/SIGINT. Python 3 standard library only.
"""

import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading


class Recorder:
    """Writes frames to files and index lines; thread-safe."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.lock = threading.Lock()
        self.seq = 0
        self.index = open(os.path.join(out_dir, "index.jsonl"), "a", encoding="utf-8")

    def record(self, conn, direction, api_key, api_version, correlation_id, client_id, frame):
        with self.lock:
            self.seq += 1
            name = "c%03d_%04d_k%02d_v%02d_%s.bin" % (
                conn, self.seq, api_key if api_key >= 0 else 99, max(api_version, 0), direction)
            with open(os.path.join(self.out_dir, name), "wb") as f:
                f.write(frame)
            entry = {
                "conn": conn, "seq": self.seq, "direction": direction, "api_key": api_key,
                "api_version": api_version, "correlation_id": correlation_id,
                "client_id": client_id, "size": len(frame), "file": name,
            }
            self.index.write(json.dumps(entry) + "\n")
            self.index.flush()


def parse_request_header(frame):
    """api_key, api_version, correlation_id, client_id (request header v1/v2 prefix)."""
    api_key, api_version, correlation_id = struct.unpack_from(">hhi", frame, 0)
    client_id = None
    # ControlledShutdown v0 has header v0 (no client id); every other request has one.
    if not (api_key == 7 and api_version == 0) and len(frame) >= 10:
        (n,) = struct.unpack_from(">h", frame, 8)
        if n >= 0:
            client_id = frame[10:10 + n].decode("utf-8", "replace")
    return api_key, api_version, correlation_id, client_id


def read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def pump(src, dst, conn, direction, recorder, inflight, lock):
    """Copies length-prefixed frames from src to dst, recording each."""
    try:
        while True:
            size_bytes = read_exact(src, 4)
            if size_bytes is None:
                break
            (size,) = struct.unpack(">i", size_bytes)
            frame = read_exact(src, size) if size > 0 else b""
            if frame is None:
                break
            if direction == "request":
                key, ver, corr, client = parse_request_header(frame)
                with lock:
                    inflight[corr] = (key, ver, client)
            else:
                (corr,) = struct.unpack_from(">i", frame, 0)
                with lock:
                    key, ver, client = inflight.pop(corr, (-1, -1, None))
            recorder.record(conn, direction, key, ver, corr, client, frame)
            dst.sendall(size_bytes + frame)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(args):
    recorder = Recorder(args.out)
    host, port = args.upstream.rsplit(":", 1)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.listen_port))
    listener.listen(64)

    def stop(*_):
        listener.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("capture_proxy: 127.0.0.1:%d -> %s, recording into %s" %
          (args.listen_port, args.upstream, args.out), file=sys.stderr, flush=True)
    conn_id = 0
    while True:
        client, _ = listener.accept()
        conn_id += 1
        upstream = socket.create_connection((host, int(port)))
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        inflight, lock = {}, threading.Lock()
        for src, dst, direction in ((client, upstream, "request"), (upstream, client, "response")):
            threading.Thread(target=pump, daemon=True,
                             args=(src, dst, conn_id, direction, recorder, inflight, lock)).start()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen-port", type=int, required=True)
    p.add_argument("--upstream", required=True, help="host:port of the real broker")
    p.add_argument("--out", required=True, help="folder for frames and index.jsonl")
    serve(p.parse_args())


if __name__ == "__main__":
    main()
