#!/usr/bin/env python3
"""Replication and failover: Fjord and Apache Kafka 3.9 (ZooKeeper mode) as three-broker
clusters on loopback (issue 7). Reuses bench.py's process, port, Metadata and report helpers.

    tools/bench/cluster_bench.py                 # full run: 3 repetitions
    tools/bench/cluster_bench.py --reps 1        # one repetition
    tools/bench/cluster_bench.py --smoke         # tiny counts, short timeout, checks its output

Each repetition runs Fjord and Kafka alternately. For every zookeeper.session.timeout.ms in
--session-timeouts (default 18000, Kafka's default, and 6000) a fresh ZooKeeper and three fresh
brokers are started (fresh dirs, loopback ports). On the first of them:
  1. throughput: fjord-loadgen produces 1 KiB messages to a 6-partition topic with replication
     factor 3 and min.insync.replicas=2 (message i to partition i mod 6, linger 5 ms, batch
     64 KiB), once with acks=1 and once with acks=all (order alternating per repetition).
On every one of them:
  2. failover: a fresh 6-partition topic (replication factor 3, min.insync.replicas=2) whose
     partition 0 is led by a broker that is not the controller; once every replica is in sync
     and an acks=all Produce to partition 0 succeeds, that leader is SIGKILLed. The two
     surviving brokers are then polled every 10 ms: the time from the kill until Metadata
     (from either survivor) names a new live leader for partition 0, and until an acks=all
     Produce of one record to partition 0 succeeds at the leader Metadata names.
Writes <out>/report.md (medians, Fjord/Kafka ratios) and <out>/results.json (every raw number);
<out> defaults to bench-results/cluster-<time>/. Every process dies with the script (SIGKILL on
the parent's death, killed on SIGINT/SIGTERM) and the cluster directories are removed.
"""

import argparse
import datetime
import json
import math
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (tools/bench/bench.py, issue 6's single-broker harness)
from bench import REPO, TARGETS, KAFKA_BUNDLE, KAFKA_JVM_DEFAULT, KAFKA_HEAP_DEFAULT  # noqa: E402

PROFILES = {
    "full": {"reps": 3, "messages": 1_000_000, "session_timeouts": [18000, 6000]},
    "smoke": {"reps": 1, "messages": 20_000, "session_timeouts": [6000]},
}
PARTITIONS = 6
REPLICATION = 3
MIN_ISR = 2
# The integration harness's ZooKeeper (integration-tests/harness/zookeeper.cc), plus an explicit
# maxSessionTimeout: its default, 20 × tickTime = 10 s, would cut an 18 s session to 10 s.
ZOO_CFG = """tickTime=500
initLimit=10
syncLimit=5
maxSessionTimeout=60000
dataDir={data}
clientPort={port}
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat
"""

# ---------------------------------------------------------------------------------------------
# Raw requests (header v1): CreateTopics v0 with an explicit assignment, Produce v3 of one record.


def call(port, api_key, version, body, timeout=3.0):
    return bench.request(port, api_key, version, body, "fjord-cluster-bench", timeout)


def create_topic(port, topic, assignment, configs, timeout_ms=30000):
    """CreateTopics v0 (to the controller); returns the topic's error code."""
    body = struct.pack(">i", 1) + bench._kstr(topic) + struct.pack(">ih", -1, -1)
    body += struct.pack(">i", len(assignment))
    for index, replicas in enumerate(assignment):
        body += struct.pack(">ii", index, len(replicas)) + b"".join(
            struct.pack(">i", r) for r in replicas)
    body += struct.pack(">i", len(configs))
    for k, v in configs.items():
        body += bench._kstr(k) + bench._kstr(v)
    body += struct.pack(">i", timeout_ms)
    resp = call(port, 19, 0, body, timeout=timeout_ms / 1000 + 5)
    n = struct.unpack_from(">h", resp, 4)[0]
    return struct.unpack_from(">h", resp, 6 + n)[0]


_CRC32C = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C.append(_c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def varint(n):
    n = (n << 1) ^ (n >> 63)  # zigzag
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def record_batch(value):
    """A magic-2 batch of one record (no key, no headers), timestamps now."""
    ts = int(time.time() * 1000)
    body = b"\0" + varint(0) + varint(0) + varint(-1) + varint(len(value)) + value + varint(0)
    after_crc = struct.pack(">hiqqqhii", 0, 0, ts, ts, -1, -1, -1, 1) + varint(len(body)) + body
    return struct.pack(">qiibI", 0, 4 + 1 + 4 + len(after_crc), -1, 2,
                       crc32c(after_crc)) + after_crc


def produce_one(port, topic, partition, acks=-1, timeout_ms=1000):
    """Produce v3 of one record; returns the partition's error code (-1: no answer)."""
    batch = record_batch(b"failover-probe")
    body = (struct.pack(">h", -1) + struct.pack(">hi", acks, timeout_ms) + struct.pack(">i", 1) +
            bench._kstr(topic) + struct.pack(">iii", 1, partition, len(batch)) + batch)
    try:
        resp = call(port, 0, 3, body, timeout=timeout_ms / 1000 + 2)
    except OSError:
        return -1
    pos = 4
    n = struct.unpack_from(">h", resp, pos)[0]
    pos += 2 + n + 4  # name, partitions count
    return struct.unpack_from(">h", resp, pos + 4)[0]


def high_watermarks(port, topic, partitions):
    """ListOffsets v1 (latest, as a consumer: the high watermark) for `partitions` led by the
    broker on `port`; returns {partition: offset} for those answered without error."""
    body = struct.pack(">ii", -1, 1) + bench._kstr(topic) + struct.pack(">i", len(partitions))
    body += b"".join(struct.pack(">iq", p, -1) for p in partitions)
    resp = call(port, 2, 1, body)
    pos = 4
    n = struct.unpack_from(">h", resp, pos)[0]
    pos += 2 + n
    out = {}
    for _ in range(struct.unpack_from(">i", resp, pos)[0]):
        index, err, _ts, offset = struct.unpack_from(">ihqq", resp, pos + 4)
        pos += 22
        if err == 0:
            out[index] = offset
    return out


assert crc32c(b"123456789") == 0xE3069283

# ---------------------------------------------------------------------------------------------


def zk_ruok(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"ruok")
            return s.recv(16) == b"imok"
    except OSError:
        return False


class ClusterBroker(bench.Broker):
    """A broker in ZooKeeper mode with the integration harness's properties
    (integration-tests/harness/broker.cc); start-up and the command line are bench.Broker's."""

    def __init__(self, target, broker_id, cdir, build_dir, heap, zk_connect, session_ms):
        self.target, self.build_dir, self.heap = target, build_dir, heap
        self.BROKER_ID = broker_id
        self.dir = cdir / f"broker-{broker_id}"
        self.data = self.dir / "data"
        self.port = bench.free_port()
        self.proc, self.pids = None, []
        self.data.mkdir(parents=True)
        self.props = bench.base_broker_props(self.port, self.data)
        self.props.update({
            "broker.id": str(broker_id),
            "zookeeper.connect": zk_connect,
            "zookeeper.session.timeout.ms": str(session_ms),
        })
        self.props_file = self.dir / "server.properties"
        self.props_file.write_text("".join(f"{k}={v}\n" for k, v in sorted(self.props.items())))
        self.log = cdir / f"broker-{broker_id}.log"


class Cluster:
    IDS = (1, 2, 3)

    def __init__(self, target, cdir, args, session_ms, logs):
        self.target, self.dir, self.session_ms = target, cdir, session_ms
        shutil.rmtree(cdir, ignore_errors=True)
        (cdir / "zk" / "data").mkdir(parents=True)
        self.zk_port = bench.free_port()
        (cdir / "zk" / "zoo.cfg").write_text(ZOO_CFG.format(data=cdir / "zk" / "data",
                                                            port=self.zk_port))
        self.zk = None
        self.logs = logs
        self.brokers = {i: ClusterBroker(target, i, cdir, args.build_dir, args.kafka_heap,
                                         f"127.0.0.1:{self.zk_port}", session_ms)
                        for i in self.IDS}

    @property
    def bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers.values())

    def start(self, timeout=240):
        t0 = time.monotonic()
        self.zk = bench.spawn(bench.java_cmd("org.apache.zookeeper.server.ZooKeeperServerMain",
                                             [str(self.dir / "zk" / "zoo.cfg")], ["-Xmx256m"]),
                              self.dir / "zk.log")
        bench.wait_for(lambda: self._alive(self.zk, "ZooKeeper") and zk_ruok(self.zk_port),
                       120, 0.1, "ZooKeeper to answer ruok")
        for b in self.brokers.values():  # all at once, then wait for all
            b.proc = bench.spawn(b.command(), b.log, cwd=b.dir)
            b.pids.append(b.proc.pid)

        def ready():
            for b in self.brokers.values():
                self._alive(b.proc, f"{self.target} broker {b.BROKER_ID}")
                if not bench.serving(b.port, b.BROKER_ID):
                    return False
            try:
                md = self.metadata(self.brokers[1])
            except (OSError, struct.error):
                return False
            return sorted(md["brokers"]) == list(self.IDS) and md["controller"] in self.IDS
        bench.wait_for(ready, timeout, 0.1, f"three {self.target} brokers and a controller")
        return time.monotonic() - t0

    def _alive(self, proc, what):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; logs in {self.dir}")
        return True

    @staticmethod
    def metadata(b, topic=None):
        return bench.metadata_v1(b.port, topic)

    def controller(self):
        for b in self.brokers.values():
            if b.proc.poll() is None:
                try:
                    c = self.metadata(b)["controller"]
                except (OSError, struct.error):
                    continue
                if c in self.brokers:
                    return c
        raise RuntimeError("no broker names a controller")

    def create(self, topic):
        """Creates `topic` (6 partitions, replication factor 3, min.insync.replicas=2) with the
        replicas rotated over the brokers so that partition 0's leader is not the controller;
        waits until every live broker lists every partition with its preferred leader and
        every replica in sync."""
        ctrl = self.controller()
        ids = list(self.IDS)
        s = next(i for i, b in enumerate(ids) if b != ctrl)
        assignment = [[ids[(p + s + k) % len(ids)] for k in range(REPLICATION)]
                      for p in range(PARTITIONS)]

        def created():
            err = create_topic(self.brokers[self.controller()].port, topic, assignment,
                               {"min.insync.replicas": str(MIN_ISR)})
            if err not in (0, 36):  # TOPIC_ALREADY_EXISTS: an earlier attempt got through
                raise RuntimeError(f"CreateTopics {topic} on {self.target}: error {err}")
            return True
        bench.wait_for(created, 60, 0.5, f"CreateTopics {topic}")
        bench.wait_for(lambda: self.in_sync(topic, assignment), 120, 0.05,
                       f"{topic} to have its leaders and full ISRs")
        return assignment

    def in_sync(self, topic, assignment):
        for b in self.brokers.values():
            try:
                err, parts = self.metadata(b, topic)["topics"].get(topic, (-1, []))
            except (OSError, struct.error):
                return False
            if err != 0 or len(parts) != len(assignment):
                return False
            for index, perr, leader, _replicas, isr in parts:
                if perr != 0 or leader != assignment[index][0] or len(isr) != REPLICATION:
                    return False
        return True

    def cpu_seconds(self):
        return sum(bench.cpu_seconds(b.proc.pid) for b in self.brokers.values())

    def stop(self):
        for b in self.brokers.values():
            if b.proc:
                bench.stop_process(b.proc, grace=0)
        if self.zk:
            bench.stop_process(self.zk, grace=0)
        self.logs.mkdir(parents=True, exist_ok=True)
        for log in self.dir.glob("*.log"):
            shutil.copy(log, self.logs / f"{self.dir.name}-{log.name}")
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------

class ClusterBench:
    def __init__(self, args, prof, out):
        self.args, self.prof, self.out = args, prof, out
        self.work = out / "work"
        self.loadgen = str(args.build_dir / "bin" / "fjord-loadgen")
        self.raw, self.sessions, self.pids = [], [], []

    def log(self, msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def throughput(self, c, rep, acks):
        topic = f"tp-acks-{acks}"
        assignment = c.create(topic)
        argv = [self.loadgen, "--bootstrap", c.bootstrap, "--mode", "produce", "--topic", topic,
                "--messages", str(self.prof["messages"]), "--size", "1024", "--acks", acks,
                "--compression", "none", "--linger-ms", "5", "--batch-bytes", "65536",
                "--spread", str(PARTITIONS)]
        cpu0 = c.cpu_seconds()
        t0 = time.monotonic()
        rc, out, err = bench.run(argv, 1800, self.out / "clients.log")
        lines = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]
        if rc != 0 or not lines:
            raise RuntimeError(f"fjord-loadgen acks={acks} failed (rc {rc}): {err[-2000:]}")
        # acks=1 is acknowledged before the followers have the data: the figure "replicated"
        # also waits until the high watermarks (advanced by the followers' fetches) add up to
        # every message, measured from the start of fjord-loadgen.
        n = self.prof["messages"]
        leaders = {}
        for p, replicas in enumerate(assignment):
            leaders.setdefault(replicas[0], []).append(p)

        def replicated():
            total = 0
            for leader, parts in leaders.items():
                try:
                    total += sum(high_watermarks(c.brokers[leader].port, topic, parts).values())
                except (OSError, struct.error):
                    return False
            if total > n:
                raise RuntimeError(f"{c.target} {topic}: {total} messages for {n} produced")
            return total == n
        bench.wait_for(replicated, 300, 0.01, f"{topic}'s high watermarks to reach {n}")
        wall = time.monotonic() - t0
        res = dict(lines[0], target=c.target, rep=rep, name=f"produce_rf3_acks_{acks}",
                   acks=acks, session_timeout_ms=c.session_ms,
                   broker_cpu_seconds=round(c.cpu_seconds() - cpu0, 3),
                   replicated_seconds=round(wall, 3),
                   mb_per_sec_replicated=round(n * 1024 / wall / 1e6, 2))
        self.raw.append(res)
        self.log(f"  {c.target} rep {rep} acks={acks}: {res['mb_per_sec']} MB/s acknowledged, "
                 f"{res['mb_per_sec_replicated']} MB/s replicated")

    def failover(self, c, rep):
        topic = "failover"
        assignment = c.create(topic)
        victim_id = assignment[0][0]
        victim = c.brokers[victim_id]
        survivors = [b for i, b in c.brokers.items() if i != victim_id]
        bench.wait_for(lambda: produce_one(victim.port, topic, 0) == 0, 60, 0.1,
                       f"an acks=all produce to {topic}-0 at broker {victim_id}")
        controller = c.controller()
        deadline = c.session_ms / 1000 + 120
        t0 = time.monotonic()
        os.killpg(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait()
        t_md = t_produce = new_leader = None
        attempts, errors = 0, {}
        while t_produce is None:
            now = time.monotonic() - t0
            if now > deadline:
                raise RuntimeError(f"{c.target}: no produce to {topic}-0 succeeded {deadline:.0f}"
                                   f" s after broker {victim_id} was killed (errors {errors})")
            for b in survivors:
                try:
                    parts = c.metadata(b, topic)["topics"].get(topic, (0, []))[1]
                except (OSError, struct.error):
                    continue
                leader = next((p[2] for p in parts if p[0] == 0), -1)
                if leader in c.brokers and leader != victim_id:
                    new_leader = leader
                    if t_md is None:
                        t_md = time.monotonic() - t0
                    break
            if new_leader is not None:
                err = produce_one(c.brokers[new_leader].port, topic, 0, timeout_ms=5000)
                attempts += 1
                if err == 0:
                    t_produce = time.monotonic() - t0
                    break
                errors[err] = errors.get(err, 0) + 1
            time.sleep(0.01)
        res = {"target": c.target, "rep": rep, "name": f"failover_{c.session_ms}",
               "session_timeout_ms": c.session_ms, "killed": victim_id,
               "controller": controller, "new_leader": new_leader,
               "metadata_seconds": round(t_md, 3), "produce_seconds": round(t_produce, 3),
               "produce_attempts": attempts,
               "produce_errors": {str(k): v for k, v in errors.items()}}
        self.raw.append(res)
        self.log(f"  {c.target} rep {rep} failover (session {c.session_ms} ms): metadata "
                 f"{t_md:.2f} s, produce {t_produce:.2f} s (broker {victim_id} killed, "
                 f"{new_leader} leads)")

    def session(self, target, rep, session_ms, with_throughput):
        c = Cluster(target, self.work / f"{target}-{session_ms}", self.args, session_ms,
                    self.out / "logs" / f"rep{rep}")
        s = {"target": target, "rep": rep, "session_timeout_ms": session_ms}
        try:
            s["start_seconds"] = round(c.start(), 3)
            self.pids += [p for b in c.brokers.values() for p in b.pids] + [c.zk.pid]
            if with_throughput:
                for acks in (("1", "all") if rep % 2 else ("all", "1")):
                    self.throughput(c, rep, acks)
            self.failover(c, rep)
        finally:
            c.stop()
            self.sessions.append(s)

    def run(self):
        reps = self.args.reps or self.prof["reps"]
        timeouts = self.args.session_timeouts or self.prof["session_timeouts"]
        for rep in range(1, reps + 1):
            for t in (TARGETS if rep % 2 else TARGETS[::-1]):
                for i, ms in enumerate(timeouts):
                    self.log(f"repetition {rep}/{reps}: {t}, zookeeper.session.timeout.ms={ms}")
                    self.session(t, rep, ms, with_throughput=i == 0)
        return reps, timeouts

    def median(self, target, name, key):
        v = [r[key] for r in self.raw if r["target"] == target and r["name"] == name and key in r]
        return statistics.median(v) if v else None


def summarise(cb, timeouts):
    figures = [
        ("Produce 1 KiB, RF 3, acks=1", "produce_rf3_acks_1", "mb_per_sec", "MB/s"),
        ("Produce 1 KiB, RF 3, acks=all (min.insync.replicas=2)", "produce_rf3_acks_all",
         "mb_per_sec", "MB/s"),
        ("Produce 1 KiB, RF 3, acks=1, until the high watermarks reach the end",
         "produce_rf3_acks_1", "mb_per_sec_replicated", "MB/s"),
        ("Produce 1 KiB, RF 3, acks=all, until the high watermarks reach the end",
         "produce_rf3_acks_all", "mb_per_sec_replicated", "MB/s"),
        ("Broker CPU (3 brokers), acks=1", "produce_rf3_acks_1", "broker_cpu_seconds", "s"),
        ("Broker CPU (3 brokers), acks=all", "produce_rf3_acks_all", "broker_cpu_seconds", "s"),
    ]
    for ms in timeouts:
        figures += [
            (f"Failover, session {ms} ms: kill → Metadata names a new leader",
             f"failover_{ms}", "metadata_seconds", "s"),
            (f"Failover, session {ms} ms: kill → acks=all produce succeeds",
             f"failover_{ms}", "produce_seconds", "s"),
        ]
    rows = []
    for label, name, key, unit in figures:
        f, k = cb.median("fjord", name, key), cb.median("kafka", name, key)
        rows.append({"figure": label, "measurement": name, "key": key, "unit": unit,
                     "fjord": f, "kafka": k, "ratio": f / k if f is not None and k else None})
    # acks=all throughput as a share of acks=1, per target (medians).
    share = {}
    for t in TARGETS:
        one = cb.median(t, "produce_rf3_acks_1", "mb_per_sec")
        alls = cb.median(t, "produce_rf3_acks_all", "mb_per_sec")
        share[t] = alls / one if one and alls is not None else None
    rows.insert(2, {"figure": "acks=all / acks=1 throughput", "measurement": "share",
                    "key": "share", "unit": "×", "fjord": share["fjord"],
                    "kafka": share["kafka"],
                    "ratio": share["fjord"] / share["kafka"]
                    if share["fjord"] is not None and share["kafka"] else None})
    return rows


def write_report(cb, reps, timeouts, rows, out, started, machine):
    a, p = cb.args, cb.prof
    lines = [
        f"# Replication and failover: Fjord vs Apache Kafka 3.9 (ZooKeeper mode) — {started}",
        "",
        f"Profile `{a.profile}`, {reps} repetition(s), medians; ratio = Fjord / Kafka (for the "
        "failover times lower is better). "
        f"Machine: {machine['cpus']} CPUs, {machine['mem_gib']:.1f} GiB RAM, load average "
        f"{machine['load_before']} before and {machine['load_after']} after the run.",
        "",
        "- Cluster: one ZooKeeper (the integration harness's zoo.cfg: tickTime=500, plus "
        "maxSessionTimeout=60000) and three brokers on loopback ports, fresh directories for "
        "every cluster, the integration harness's broker properties, "
        "log.segment.bytes=1073741824, no log.flush.* keys.",
        f"- Kafka 3.9.0 in ZooKeeper mode: heap `-Xmx{a.kafka_heap} -Xms{a.kafka_heap}` per "
        f"broker, JVM options of bin/kafka-run-class.sh, {machine['java']}.",
        f"- Throughput: {p['messages']:,} × 1 KiB, {PARTITIONS} partitions, replication factor "
        f"{REPLICATION}, min.insync.replicas={MIN_ISR}, linger 5 ms, batch 64 KiB, no "
        "compression, message i to partition i mod 6 (fjord-loadgen, librdkafka), "
        f"zookeeper.session.timeout.ms={timeouts[0]}. MB/s = 10^6 bytes per second as "
        "fjord-loadgen reports it (first send to last acknowledgement); \"until the high "
        "watermarks reach the end\" = from fjord-loadgen's start until ListOffsets (latest) "
        "on the leaders adds up to every message, i.e. every message is on the in-sync "
        "followers too (acks=1 acknowledges before that).",
        "- Failover: partition 0's leader (never the controller) is SIGKILLed once all "
        "replicas are in sync; the survivors are polled every 10 ms. Metadata = first "
        "Metadata v1 answer from a survivor naming a live leader other than the killed broker; "
        "produce = first acks=all Produce v3 of one record to partition 0 that the named leader "
        "acknowledges without error (request timeout 5 s; one at a time). Both are dominated by zookeeper.session.timeout.ms "
        "(the killed broker's session must expire before the controller acts).",
        "",
        "| Figure | Unit | Fjord | Kafka | Fjord/Kafka |",
        "|---|---|---:|---:|---:|",
    ]
    for r in rows:
        ratio = bench.fmt(r["ratio"]) + "×" if r["ratio"] is not None else "–"
        lines.append(f"| {r['figure']} | {r['unit']} | {bench.fmt(r['fjord'])} | "
                     f"{bench.fmt(r['kafka'])} | {ratio} |")
    lines += ["", "Every raw number (per repetition, produce errors seen during failover): "
              "results.json. Broker logs: logs/.", ""]
    (out / "report.md").write_text("\n".join(lines))


def check(out, data, work):
    problems = []
    if "| Figure |" not in (out / "report.md").read_text():
        problems.append("report.md has no table")
    for row in data["summary"]:
        for t in TARGETS:
            v = row[t]
            if v is None or not math.isfinite(v) or v <= 0:
                problems.append(f"{row['figure']}: {t} = {v}")
    for r in data["raw"]:
        if "delivered" in r and (r["delivered"] != r["messages"] or r.get("failed")):
            problems.append(f"{r['target']} {r['name']}: {r['delivered']}/{r['messages']}")
        if "killed" in r:
            if r["new_leader"] == r["killed"] or r["killed"] == r["controller"]:
                problems.append(f"{r['target']} {r['name']}: leaders {r}")
            if not 0 < r["metadata_seconds"] <= r["produce_seconds"]:
                problems.append(f"{r['target']} {r['name']}: times out of order")
    for pid in data["pids"]:
        if os.path.exists(f"/proc/{pid}") and "zombie" not in open(f"/proc/{pid}/status").read():
            problems.append(f"process {pid} still runs")
    if work.exists() and any(work.iterdir()):
        problems.append(f"{work} was not cleaned up")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true",
                    help="20,000 messages, 1 repetition, session timeout 6000 only, self-check")
    ap.add_argument("--reps", type=int, help="repetitions (default 3; smoke 1)")
    ap.add_argument("--messages", type=int, help="messages per throughput run (1,000,000)")
    ap.add_argument("--session-timeouts", type=lambda s: [int(x) for x in s.split(",")],
                    help="zookeeper.session.timeout.ms values, comma-separated (18000,6000); "
                         "throughput is measured on the first")
    ap.add_argument("--build-dir", type=Path, default=REPO / "build")
    ap.add_argument("--out", type=Path, help="results folder (default bench-results/cluster-<time>)")
    ap.add_argument("--kafka-heap", default=KAFKA_HEAP_DEFAULT, help="Kafka -Xmx/-Xms per broker")
    a = ap.parse_args()
    a.profile = "smoke" if a.smoke else "full"
    a.build_dir = a.build_dir.resolve()
    prof = dict(PROFILES[a.profile])
    if a.messages:
        prof["messages"] = a.messages
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H-%M-%SZ")
    out = (a.out or REPO / "bench-results" / f"cluster-{started}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    for prog in ("fjord-server", "fjord-loadgen"):
        if not (a.build_dir / "bin" / prog).exists():
            sys.exit(f"cluster_bench: {a.build_dir / 'bin' / prog} is not built "
                     f"(cmake --build {a.build_dir})")
    subprocess.run(["bash", str(REPO / "tools" / "fetch-jars.sh"), KAFKA_BUNDLE], check=True)
    signal.signal(signal.SIGTERM, bench._on_signal)
    signal.signal(signal.SIGINT, bench._on_signal)
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    machine = {"cpus": os.cpu_count(),
               "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
               "mem_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
               "java": java.splitlines()[0] if java else "java ?"}
    cb = ClusterBench(a, prof, out)
    t0 = time.monotonic()
    data = {"started": started, "profile": a.profile, "settings": prof,
            "kafka_heap": a.kafka_heap, "kafka_jvm_options": KAFKA_JVM_DEFAULT,
            "machine": machine}
    try:
        reps, timeouts = cb.run()
    except BaseException as e:
        bench.stop_all_children()
        data.update(error=repr(e), raw=cb.raw, sessions=cb.sessions)
        (out / "results.json").write_text(json.dumps(data, indent=1))
        print(f"cluster_bench: failed ({e!r}); what was measured is in {out / 'results.json'}")
        raise
    finally:
        bench.stop_all_children()
        shutil.rmtree(cb.work, ignore_errors=True)
    machine["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = summarise(cb, timeouts)
    data.update(reps=reps, session_timeouts=timeouts, seconds=round(time.monotonic() - t0, 1),
                summary=rows, raw=cb.raw, sessions=cb.sessions, pids=cb.pids)
    (out / "results.json").write_text(json.dumps(data, indent=1))
    write_report(cb, reps, timeouts, rows, out, started, machine)
    print((out / "report.md").read_text())
    print(f"cluster_bench: results in {out} ({data['seconds']:.0f} s)")
    if a.smoke:
        problems = check(out, data, cb.work)
        if problems:
            print("cluster_bench smoke check FAILED:\n  " + "\n  ".join(problems))
            return 1
        print("cluster_bench smoke check: report.md and results.json are sane, "
              "no process or directory left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
