#!/usr/bin/env python3
"""Decodes captured Kafka frames into JSON, driven by Apache Kafka's message definitions.

Used only to describe golden files (protocol/test/golden/manifest.json): it reads the JSON
message specs from shared/reference/kafka-message-specs/ at run time (they are not part of the
project) and decodes a request or response frame (header + body, no size prefix) at a given
version. Decoding is strict: a frame with bytes left over, or one that runs short, is an error,
which is what makes the decoded values trustworthy as expected values for the C++ codecs.

  kafka_decode.py --specs DIR --api-key 3 --version 12 --request FILE.bin
"""

import argparse
import json
import os
import re
import struct
import sys


def parse_versions(s):
    """"0+", "3-5", "7", "none" -> (lo, hi) inclusive, or None."""
    if s is None or s == "none":
        return None
    if s.endswith("+"):
        return (int(s[:-1]), 1 << 15)
    if "-" in s:
        lo, hi = s.split("-")
        return (int(lo), int(hi))
    return (int(s), int(s))


def in_versions(s, v):
    r = parse_versions(s)
    return r is not None and r[0] <= v <= r[1]


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        text = "\n".join(line for line in f if not line.lstrip().startswith("//"))
    return json.loads(text)


class Specs:
    def __init__(self, folder):
        self.by_key = {}
        self.headers = {}
        for name in os.listdir(folder):
            if not name.endswith(".json"):
                continue
            spec = load_spec(os.path.join(folder, name))
            if spec.get("type") in ("request", "response") and "apiKey" in spec:
                self.by_key[(spec["apiKey"], spec["type"])] = spec
            elif spec.get("type") == "header":
                self.headers[spec["name"]] = spec

    def api_name(self, api_key):
        return self.by_key[(api_key, "request")]["name"][: -len("Request")]


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("frame runs short at byte %d (wanted %d)" % (self.pos, n))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def fixed(self, fmt):
        size = struct.calcsize(fmt)
        return struct.unpack(">" + fmt, self.take(size))[0]

    def uvarint(self):
        shift = result = 0
        while True:
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def varint(self):
        u = self.uvarint()
        return (u >> 1) ^ -(u & 1)

    def varlong(self):
        return self.varint()


def decode_records(data):
    """Summary of a record set: batches (magic 2) or legacy messages (magic 0/1)."""
    out = {"size": len(data), "batches": []}
    r = Reader(data)
    while len(data) - r.pos >= 17:
        start = r.pos
        base_offset = r.fixed("q")
        length = r.fixed("i")
        if len(data) - r.pos < length:
            out["partial_tail_bytes"] = len(data) - start  # fetch may cut the last batch
            break
        body = Reader(r.take(length))
        if length >= 5 and body.data[4] == 2:
            batch = {"magic": 2, "base_offset": base_offset}
            batch["partition_leader_epoch"] = body.fixed("i")
            body.fixed("b")
            batch["crc"] = body.fixed("I")
            attributes = body.fixed("h")
            batch["attributes"] = attributes
            batch["compression"] = ["none", "gzip", "snappy", "lz4", "zstd"][attributes & 7]
            batch["last_offset_delta"] = body.fixed("i")
            batch["base_timestamp"] = body.fixed("q")
            batch["max_timestamp"] = body.fixed("q")
            batch["producer_id"] = body.fixed("q")
            batch["producer_epoch"] = body.fixed("h")
            batch["base_sequence"] = body.fixed("i")
            count = body.fixed("i")
            batch["record_count"] = count
            if attributes & 7 == 0:
                records = []
                for _ in range(count):
                    rec = Reader(body.take(body.varint()))
                    rec.fixed("b")
                    ts = rec.varlong()
                    od = rec.varint()
                    klen = rec.varint()
                    key = rec.take(klen).decode("utf-8", "replace") if klen >= 0 else None
                    vlen = rec.varint()
                    value = rec.take(vlen).decode("utf-8", "replace") if vlen >= 0 else None
                    headers = rec.varint()
                    records.append({"offset_delta": od, "timestamp_delta": ts, "key": key,
                                    "value": value, "header_count": headers})
                batch["records"] = records
        else:
            batch = {"offset": base_offset}
            batch["crc"] = body.fixed("I")
            batch["magic"] = body.fixed("b")
            attributes = body.fixed("b")
            batch["compression"] = ["none", "gzip", "snappy", "lz4"][attributes & 3]
            if batch["magic"] == 1:
                batch["timestamp"] = body.fixed("q")
            klen = body.fixed("i")
            batch["key"] = body.take(klen).decode("utf-8", "replace") if klen >= 0 else None
            vlen = body.fixed("i")
            batch["value"] = body.take(vlen).decode("utf-8", "replace") if vlen >= 0 else None
            batch["record_count"] = 1
        out["batches"].append(batch)
    if r.pos < len(data) and "partial_tail_bytes" not in out:
        out["partial_tail_bytes"] = len(data) - r.pos
    out["record_count"] = sum(b["record_count"] for b in out["batches"])
    return out


class Decoder:
    def __init__(self, spec, version):
        self.version = version
        self.flexible = in_versions(spec.get("flexibleVersions", "none"), version)
        self.common = {s["name"]: s for s in spec.get("commonStructs", [])}

    def struct(self, r, fields):
        v = self.version
        out = {}
        tagged = {}
        for f in fields:
            if "tag" in f and self.flexible and in_versions(f.get("taggedVersions"), v):
                tagged[f["tag"]] = f
                continue
            if not in_versions(f["versions"], v):
                continue
            out[f["name"]] = self.field(r, f)
        if self.flexible:
            for _ in range(r.uvarint()):
                tag = r.uvarint()
                data = Reader(r.take(r.uvarint()))
                if tag in tagged:
                    out[tagged[tag]["name"]] = self.field(data, tagged[tag])
                else:
                    out.setdefault("_unknown_tags", {})[str(tag)] = data.data.hex()
        return out

    def subfields(self, f, type_name):
        if "fields" in f:
            return f["fields"]
        return self.common[type_name]["fields"]

    def field(self, r, f):
        v = self.version
        t = f["type"]
        flexible = self.flexible and f.get("flexibleVersions") != "none"
        nullable = in_versions(f.get("nullableVersions"), v)
        if t.startswith("[]"):
            n = r.uvarint() - 1 if flexible else r.fixed("i")
            if n < 0:
                return None
            elem = t[2:]
            if elem in PRIMITIVES:
                return [self.primitive(r, elem, flexible, False) for _ in range(n)]
            fields = self.subfields(f, elem)
            return [self.struct(r, fields) for _ in range(n)]
        if t in PRIMITIVES:
            return self.primitive(r, t, flexible, nullable)
        if nullable and r.fixed("b") < 0:
            return None
        return self.struct(r, self.subfields(f, t))

    def primitive(self, r, t, flexible, nullable):
        fmt = PRIMITIVES[t]
        if fmt:
            return r.fixed(fmt)
        if t == "uuid":
            return r.take(16).hex()
        n = r.uvarint() - 1 if flexible else (r.fixed("h") if t == "string" else r.fixed("i"))
        if n < 0:
            return None
        raw = r.take(n)
        if t == "string":
            return raw.decode("utf-8")
        if t == "records":
            return decode_records(raw)
        return {"bytes_hex": raw.hex()}


PRIMITIVES = {"int8": "b", "int16": "h", "uint16": "H", "int32": "i", "int64": "q",
              "float64": "d", "bool": "?", "string": None, "bytes": None, "records": None,
              "uuid": None}


def decode_frame(specs, api_key, version, kind, frame):
    """{"header": {...}, "body": {...}} for a request or response frame; raises ValueError."""
    spec = specs.by_key[(api_key, kind)]
    dec = Decoder(spec, version)
    r = Reader(frame)
    if kind == "request":
        hversion = 0 if (api_key == 7 and version == 0) else (2 if dec.flexible else 1)
        hspec = specs.headers["RequestHeader"]
    else:
        # ApiVersions responses keep header v0 so that any client can read the error code.
        hversion = 1 if dec.flexible and api_key != 18 else 0
        hspec = specs.headers["ResponseHeader"]
    hdec = Decoder(hspec, hversion)
    header = hdec.struct(r, hspec["fields"])
    header["_version"] = hversion
    body = dec.struct(r, spec["fields"])
    if r.pos != len(frame):
        raise ValueError("%d bytes left over after the body" % (len(frame) - r.pos))
    return {"header": header, "body": body}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--specs", required=True)
    p.add_argument("--api-key", type=int, required=True)
    p.add_argument("--version", type=int, required=True)
    p.add_argument("--response", action="store_true")
    p.add_argument("file")
    a = p.parse_args()
    with open(a.file, "rb") as f:
        frame = f.read()
    kind = "response" if a.response else "request"
    json.dump(decode_frame(Specs(a.specs), a.api_key, a.version, kind, frame), sys.stdout,
              indent=1)
    print()


if __name__ == "__main__":
    main()
