#!/usr/bin/env python3
"""Picks golden frames out of raw captures (capture_proxy.py output) and describes them.

For each client folder in --raw and each (api key, version) seen there, it keeps one request and
the response to it, as <out>/<client>/<api>_v<N>_<request|response>.bin (header + body, without
the 4-byte size prefix). Preference: a Fetch whose response holds records, else the first
exchange. Every kept frame is decoded strictly with kafka_decode.py (no byte left over), and
<out>/manifest.json lists per file: client, api key and name, version, header version,
correlation id, client id, notable values (topics, group id, member id, record count, values,
error codes) and the full decoded header and body. <out>/README.md gets a table of the same.
"""

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kafka_decode  # noqa: E402
from kafka_decode import snake  # noqa: E402

CLIENT_SOFTWARE = {
    "librdkafka": "librdkafka 2.0.2 (kcat 1.7.1)",
    "librdkafka-fallback-0.9.0": "librdkafka 2.0.2 (kcat 1.7.1), api.version.request=false, "
                                 "broker.version.fallback=0.9.0",
    "java-3.9.0": "Apache Kafka 3.9.0 Java clients (kafka-topics, kafka-console-producer, "
                  "kafka-console-consumer)",
    "java-2.8.2": "Apache Kafka 2.8.2 Java clients (kafka-topics, kafka-console-producer, "
                  "kafka-console-consumer)",
}


def walk(node, key=None):
    """Yields (key, value) for every value in a decoded tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v, key)
    yield key, node


def notable(decoded, api_name):
    body = decoded["body"]
    n = {}
    topics, groups, members, errors, values, protocols = [], [], [], set(), [], []
    group_api = api_name in ("JoinGroup", "SyncGroup")
    records = 0
    for k, v in walk(body):
        if isinstance(v, str) and group_api and k in ("Name", "ProtocolName"):
            if v not in protocols:
                protocols.append(v)
        elif isinstance(v, str) and k in ("Name", "Topic", "TopicName") and api_name != "ApiVersions":
            if v not in topics:
                topics.append(v)
        if isinstance(v, str) and (k == "GroupId" or (api_name == "FindCoordinator" and k == "Key")):
            groups.append(v)
        if k == "CoordinatorKeys" and isinstance(v, list):
            groups.extend(x for x in v if isinstance(x, str))
        if k == "MemberId" and isinstance(v, str) and v and v not in members:
            members.append(v)
        if k == "ErrorCode" and isinstance(v, int):
            errors.add(v)
        if isinstance(v, dict) and "batches" in v and "record_count" in v:
            records += v["record_count"]
            for b in v["batches"]:
                for r in b.get("records", [b] if "value" in b else []):
                    values.append("%s:%s" % (r.get("key"), r.get("value")))
    if topics:
        n["topics"] = topics
    if groups:
        n["group_ids"] = sorted(set(groups))
    if members:
        n["member_ids"] = members
    if protocols:
        n["protocols"] = protocols
    if any(isinstance(v, dict) and "batches" in v for _, v in walk(body)):
        n["record_count"] = records
        n["records"] = values
    if errors:
        n["error_codes"] = sorted(errors)
    if api_name == "ApiVersions":
        for k in ("ClientSoftwareName", "ClientSoftwareVersion"):
            if body.get(k) is not None:
                n[snake(k)] = body[k]
        if body.get("ApiKeys") is not None:
            n["api_key_count"] = len(body["ApiKeys"])
    return n


def pick(entries, raw, specs):
    """{(api_key, version): (request_entry, response_entry or None)}.

    Per API and version, the first exchange with the best score: a response over none, a
    response without error codes over one with (a first JoinGroup is answered
    MEMBER_ID_REQUIRED, a first FindCoordinator may be COORDINATOR_NOT_AVAILABLE), for
    Fetch a response that carries records over an empty long poll, and one that names topics
    (a Metadata answer about the client's topic over an admin client's brokers-only one).
    """
    responses = {(e["conn"], e["correlation_id"]): e for e in entries
                 if e["direction"] == "response"}
    best = {}
    for e in entries:
        if e["direction"] != "request":
            continue
        key = (e["api_key"], e["api_version"])
        resp = responses.get((e["conn"], e["correlation_id"]))
        score = (0, 0, 0, 0)
        if resp is not None:
            with open(os.path.join(raw, resp["file"]), "rb") as f:
                d = kafka_decode.decode_frame(specs, key[0], key[1], "response", f.read())
            n = notable(d, specs.api_name(key[0]))
            score = (1, int(set(n.get("error_codes", [0])) == {0}),
                     int(n.get("record_count", 0) > 0), int("topics" in n))
        if key not in best or score > best[key][0]:
            best[key] = (score, e, resp)
    return {k: (e, r) for k, (_, e, r) in best.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--raw", required=True)
    p.add_argument("--specs", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--clients", nargs="+", required=True)
    a = p.parse_args()
    specs = kafka_decode.Specs(a.specs)
    manifest = []
    for client in a.clients:
        raw = os.path.join(a.raw, client)
        with open(os.path.join(raw, "index.jsonl"), encoding="utf-8") as f:
            entries = [json.loads(line) for line in f]
        chosen = pick(entries, raw, specs)
        dest = os.path.join(a.out, client)
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        for (api_key, version), (req, resp) in sorted(chosen.items()):
            api = specs.api_name(api_key)
            for entry, kind in ((req, "request"), (resp, "response")):
                if entry is None:
                    continue
                name = "%s_v%d_%s.bin" % (kafka_decode.snake(api), version, kind)
                with open(os.path.join(raw, entry["file"]), "rb") as f:
                    frame = f.read()
                decoded = kafka_decode.decode_frame(specs, api_key, version, kind, frame)
                with open(os.path.join(dest, name), "wb") as f:
                    f.write(frame)
                manifest.append({
                    "file": "%s/%s" % (client, name),
                    "client": client,
                    "client_software": CLIENT_SOFTWARE.get(client, client),
                    "direction": kind,
                    "api_key": api_key,
                    "api_name": api,
                    "api_version": version,
                    "header_version": decoded["header"]["_version"],
                    "correlation_id": entry["correlation_id"],
                    "client_id": req["client_id"],
                    "size": len(frame),
                    "notable": notable(decoded, api),
                    "decoded": decoded,
                })
    with open(os.path.join(a.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")
    write_readme(a.out, manifest)


def write_readme(out, manifest):
    lines = [
        "# Golden Kafka protocol frames from real clients",
        "",
        "Each `<client>/<api>_v<N>_<request|response>.bin` is one frame exactly as it crossed",
        "the wire between a real client and Apache Kafka 3.9.0 (KRaft, single node), **without**",
        "the 4-byte size prefix: request header + body, or response header + body. One request",
        "and the response to it per client, API and version.",
        "",
        "Header versions: requests use header v1 (v2 from the API's first flexible version);",
        "responses header v0 (v1 when flexible) — except ApiVersions responses, always v0.",
        "",
        "`manifest.json` lists for every file: client, api_key, api_name, api_version,",
        "header_version, correlation_id, client_id, `notable` (topics, group ids, member ids,",
        "record count and `key:value` of each record, error codes) and `decoded`: the complete",
        "header and body, decoded with Kafka's own message definitions by",
        "`integration-tests/capture/kafka_decode.py` (strict: every byte consumed). Records are",
        "summarised (batches with their header fields, and each uncompressed record's key and",
        "value). Bytes fields appear as hex. Member ids, producer ids, timestamps, CRCs and",
        "topic ids are those of the capture run.",
        "",
        "Every client produced the records `k1:one`, `k2:two`, `k3:three` (key:value) to",
        "partition 0 of its topic, read them back, and read them again in a consumer group",
        "that commits its offsets.",
        "",
        "Reproduce (about a minute): `integration-tests/capture/capture_golden.sh` (see the",
        "script for what each client does). The capture overwrites this folder; frames differ",
        "run to run in member ids, timestamps, producer ids and topic ids.",
        "",
        "Worth knowing when testing against these files:",
        "",
        "- `librdkafka-fallback-0.9.0/fetch_v1_response.bin`: the record set holds the three",
        "  magic-0 messages that Kafka down-converted from its magic-2 log, followed by 4 bytes",
        "  `ff ff ff ff` (`partial_tail_bytes` in the manifest): Kafka sends down-converted data",
        "  padded to the size it announced, and clients skip a partial trailing message.",
        "- Fetch v13+ (`java-3.9.0/fetch_v17_*`) names topics by topic id only; the id is in",
        "  `decoded` (hex) and is the one Metadata v12 in the same folder reports for `golden-java`.",
        "- The librdkafka fallback client sends no ApiVersions (api.version.request=false).",
        "- The broker was a KRaft broker: its ApiVersions responses list a KRaft broker's APIs",
        "  and versions, not those of a ZooKeeper-mode broker (what Fjord advertises may differ).",
        "- JoinGroup files are the successful join; the first JoinGroup of each member was",
        "  answered MEMBER_ID_REQUIRED (79, KIP-394) and is not kept.",
        "",
        "| file | client id | api key | v | bytes | notable |",
        "|---|---|---|---|---|---|",
    ]
    for m in manifest:
        n = m["notable"]
        parts = []
        for k in ("topics", "group_ids", "protocols", "record_count", "error_codes",
                  "client_software_name", "client_software_version", "api_key_count"):
            if k in n:
                parts.append("%s=%s" % (k, n[k] if not isinstance(n[k], list)
                                        else ",".join(map(str, n[k]))))
        lines.append("| `%s` | %s | %d %s | %d | %d | %s |" % (
            m["file"], m["client_id"], m["api_key"], m["api_name"], m["api_version"], m["size"],
            " ".join(parts)))
    clients = []
    for m in manifest:
        if m["client"] not in clients:
            clients.append(m["client"])
    lines += ["", "Clients:", ""]
    for c in clients:
        lines.append("- `%s`: %s" % (c, CLIENT_SOFTWARE.get(c, c)))
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
