#!/usr/bin/env python3
"""Fjord and Apache Kafka 3.9 side by side on this machine (issue 6).

Starts each broker alone on a free loopback port (log dirs side by side on one filesystem, the
same segment size, flushing left to the OS), runs the same clients against it, and writes
<out>/report.md (medians, Fjord/Kafka ratios, the targets), <out>/results.json (every raw
number) and <out>/latency.png (end-to-end latency distributions).

    tools/bench/bench.py                     # full run: 3 repetitions (about 21 minutes)
    tools/bench/bench.py --reps 1            # one repetition
    tools/bench/bench.py --smoke             # tiny counts, checks its own output (ctest)

Phases (each repetition runs Fjord and Kafka alternately, each on a fresh broker and data dir;
before each produce and consume workload, untimed, the memory it will take is touched and freed,
see prewarm):
  1. throughput: 1 KiB to 1 and 6 partitions, none and lz4 (fjord-loadgen); 100-byte messages
     with acks=all (each with one producer instance, then with two); a 2 GiB topic filled,
     then consumed (fjord-loadgen with one consumer instance, with two, with one again on
     the warmed-up broker, then Kafka's ConsumerPerformance); Kafka's ProducerPerformance once
     as a cross-check.
  2. latency at a fixed rate (half of Kafka's median 6-partition rate from phase 1), then a
     1,000-partition topic: resident memory idle and under load, time from start to serving.
Run with Debian's /usr/bin/python3 (its python3-matplotlib draws the chart).
"""

import argparse
import base64
import ctypes
import datetime
import json
import math
import mmap
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGETS = ("fjord", "kafka")
KAFKA_BUNDLE = "kafka-3.9.0"
# What bin/kafka-server-start.sh and bin/kafka-run-class.sh give Kafka 3.9 by default.
KAFKA_JVM_DEFAULT = [
    "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true",
]
KAFKA_HEAP_DEFAULT = "1G"

PROFILES = {
    "full": {
        "reps": 3,
        "tp_messages": 2_000_000,       # workload 1, 1 KiB messages
        # Workload 4, 100-byte messages, acks=all. 2,000,000 of them took 0.6-1.8 s, so client
        # start-up and noise set the figure (per-repetition ratios 1.50 / 0.92 / 1.14 in one
        # run); 10,000,000 take 3-13 s.
        "small_messages": 10_000_000,
        "consume_bytes": 2 << 30,       # workload 3, the pre-filled topic
        "java_messages": 1_000_000,     # ProducerPerformance cross-check
        "latency_seconds": 20,          # workload 2, measured part
        "latency_rate": None,           # None: half of Kafka's median from workload 1
        "partitions_many": 1000,        # workload 5
        "load_messages": 500_000,       # produced to the 1,000-partition topic for "under load"
        "settle_seconds": 5,            # idle time before the idle RSS is read
    },
    "smoke": {
        "reps": 1,
        "tp_messages": 20_000,
        "small_messages": 20_000,
        "consume_bytes": 20 << 20,
        "java_messages": 20_000,
        "latency_seconds": 2,
        "latency_rate": 2_000,
        "partitions_many": 200,
        "load_messages": 20_000,
        "settle_seconds": 1,
    },
}

# ---------------------------------------------------------------------------------------------
# Processes: every child dies with the harness (PR_SET_PDEATHSIG), and is stopped explicitly.

_children = []
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    os.setsid()


# CPUs the brokers (and whatever else spawn starts: ZooKeeper) and the clients (whatever run
# starts) are confined to; None: every CPU, the default. --broker-cpus / --client-cpus set them,
# to measure with the clients off the brokers' cores.
CPUS = {"broker": None, "client": None}


def _child_setup(role):
    def setup():
        _die_with_parent()
        if CPUS[role]:
            os.sched_setaffinity(0, CPUS[role])
    return setup


def parse_cpus(text):
    """'0', '0-1', '0,2-3' -> a set of CPU numbers this process may run on."""
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    allowed = os.sched_getaffinity(0)
    if not cpus or not cpus <= allowed:
        raise argparse.ArgumentTypeError(f"{text}: not among the CPUs here {sorted(allowed)}")
    return cpus


def spawn(argv, log_path, cwd=None, env=None):
    log = open(log_path, "ab")
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         cwd=cwd, env=env, preexec_fn=_child_setup("broker"))
    log.close()
    _children.append(p)
    return p


def stop_process(p, grace=60.0):
    """SIGTERM, then SIGKILL after `grace` seconds. Returns the seconds it took to exit."""
    if p.poll() is not None:
        return 0.0
    t0 = time.monotonic()
    try:
        os.killpg(p.pid, signal.SIGTERM if grace > 0 else signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        p.wait(timeout=max(grace, 5))
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    return time.monotonic() - t0


def stop_all_children():
    for p in _children:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def _on_signal(sig, _frame):
    stop_all_children()
    sys.exit(128 + sig)


def run(argv, timeout, log_path=None):
    """Runs a client to completion (killed at `timeout`); returns (rc, stdout)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, preexec_fn=_child_setup("client"))
    _children.append(p)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        err += f"\nbench: killed after {timeout} s".encode()
    if log_path:
        with open(log_path, "ab") as f:
            f.write(b"$ " + " ".join(argv).encode() + b"\n" + err)
    return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")


_ports_given = set()


def free_port():
    """A loopback port nothing listens on, and one this process has not handed out before:
    the OS may offer a port it just offered again (it did, for Kafka's listener and its
    controller's, and Kafka refused to start)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def proc_status(pid):
    """VmRSS, RssAnon and RssFile of `pid` in bytes ({} once it is gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                    out[key] = int(rest.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, ProcessLookupError):
        return float("nan")


class RssSampler:
    """Peak VmRSS of a process while a workload runs, sampled every 100 ms."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, proc_status(self.pid).get("VmRSS", 0))
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------------------------
# A Metadata v1 request over a raw socket: "serving" means the broker lists itself and, when a
# topic is named, every one of its partitions with a leader.

def _kstr(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def request(port, api_key, version, body, client_id="fjord-bench", timeout=2.0):
    """One request (header v1, correlation id 7) on a fresh connection to 127.0.0.1:`port`; the
    response after its size and correlation id. ConnectionError if the broker closes first."""
    req = struct.pack(">hhi", api_key, version, 7) + _kstr(client_id) + body
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(req)) + req)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
    return buf[8:]


def metadata_v1(port, topic=None, timeout=2.0):
    """Metadata v1 from the broker on `port` (all topics' names when `topic` is None):
    {"brokers": [id, ...], "controller": id, "topics": {name: (error, [(index, error, leader,
    replicas, isr), ...])}}."""
    body = struct.pack(">i", 0) if topic is None else struct.pack(">i", 1) + _kstr(topic)
    buf = request(port, 3, 1, body, timeout=timeout)
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take(">h")
        v = buf[pos:pos + max(n, 0)].decode()
        pos += max(n, 0)
        return v

    def ids():
        return [take(">i") for _ in range(take(">i"))]

    brokers = []
    for _ in range(take(">i")):
        brokers.append(take(">i"))
        string()
        take(">i")
        string()  # rack
    controller = take(">i")
    topics = {}
    for _ in range(take(">i")):
        err = take(">h")
        name = string()
        take(">b")
        parts = []
        for _ in range(take(">i")):
            perr, index, leader = take(">h"), take(">i"), take(">i")
            parts.append((index, perr, leader, ids(), ids()))
        topics[name] = (err, parts)
    return {"brokers": brokers, "controller": controller, "topics": topics}


def metadata(port, topic=None, timeout=2.0):
    """(broker ids, {topic: (error, [(index, error, leader), ...])})."""
    md = metadata_v1(port, topic, timeout)
    return md["brokers"], {name: (err, [p[:3] for p in parts])
                           for name, (err, parts) in md["topics"].items()}


def serving(port, broker_id, topic=None, partitions=0):
    try:
        brokers, topics = metadata(port, topic)
    except (OSError, struct.error, UnicodeDecodeError):
        return False
    if broker_id not in brokers:
        return False
    if topic is None:
        return True
    err, parts = topics.get(topic, (-1, []))
    return (err == 0 and len(parts) == partitions and
            all(e == 0 and leader == broker_id for _, e, leader in parts))


def wait_for(cond, timeout, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        if cond():
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------

def base_broker_props(port, data_dir):
    """The properties every benchmarked broker starts from, Fjord or Kafka, alone (Broker) or
    in cluster_bench.py's clusters; each adds its own (ids, controller or ZooKeeper)."""
    return {
        "listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "default.replication.factor": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # The same heap-independent settings for both: 1 GiB segments (the default, stated
        # so), no log.flush.* keys (flushing left to the OS, the default of both).
        "log.segment.bytes": "1073741824",
    }


class Broker:
    BROKER_ID = 1

    def __init__(self, target, workdir, build_dir, heap, log):
        self.target, self.build_dir, self.heap = target, build_dir, heap
        self.dir = workdir / target
        self.data = self.dir / "data"
        self.port = free_port()
        self.proc = None
        self.pids = []
        shutil.rmtree(self.dir, ignore_errors=True)
        self.data.mkdir(parents=True)
        self.props = base_broker_props(self.port, self.data)
        if target == "kafka":
            cport = free_port()
            self.props.update({
                "process.roles": "broker,controller",
                "node.id": str(self.BROKER_ID),
                "controller.quorum.voters": f"{self.BROKER_ID}@127.0.0.1:{cport}",
                "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{cport}",
                "controller.listener.names": "CONTROLLER",
                "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name": "PLAINTEXT",
            })
        else:
            self.props["broker.id"] = str(self.BROKER_ID)
        self.props_file = self.dir / "server.properties"
        self.props_file.write_text(
            "".join(f"{k}={v}\n" for k, v in sorted(self.props.items())))
        self.log = log
        if target == "kafka":
            # Not starting with '-', which StorageTool would read as an option (Kafka's own
            # Uuid.randomUuid never hands such an id out).
            cluster = "-"
            while cluster.startswith("-"):
                cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            rc, out, err = run(java_cmd("kafka.tools.StorageTool",
                                        ["format", "-t", cluster, "-c", str(self.props_file)]),
                               120)
            if rc != 0:
                raise RuntimeError(f"kafka.tools.StorageTool format failed: {out}{err}")

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def command(self):
        if self.target == "fjord":
            return [str(self.build_dir / "bin" / "fjord-server"), str(self.props_file)]
        return java_cmd("kafka.Kafka", [str(self.props_file)],
                        [f"-Xmx{self.heap}", f"-Xms{self.heap}"] + KAFKA_JVM_DEFAULT)

    def start(self, topic=None, partitions=0, timeout=180):
        """Starts the broker; returns the seconds from spawn to serving (topic with leaders)."""
        t0 = time.monotonic()
        self.proc = spawn(self.command(), self.log, cwd=self.dir)
        self.pids.append(self.proc.pid)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.target} exited with {self.proc.returncode}; "
                                   f"see {self.log}")
            return serving(self.port, self.BROKER_ID, topic, partitions)
        wait_for(ready, timeout, what=f"{self.target} to serve")
        return time.monotonic() - t0

    def stop(self, grace=60.0):
        return stop_process(self.proc, grace) if self.proc else 0.0

    @property
    def pid(self):
        return self.proc.pid


def java_cmd(main_class, args, jvm=None):
    jars = REPO / ".cache" / "jars" / KAFKA_BUNDLE
    return (["java"] + (jvm or ["-Xmx1g"]) +
            [f"-Dlog4j.configuration=file:{REPO / 'tools' / 'log4j' / 'log4j.properties'}",
             "-cp", f"{jars}/*", main_class] + list(args))


# ---------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args, prof, out):
        self.args, self.prof, self.out = args, prof, out
        self.work = out / "work"
        self.loadgen = str(args.build_dir / "bin" / "fjord-loadgen")
        self.raw = []       # every measurement: dict(target, rep, phase, name, ...)
        self.sessions = []  # broker sessions: start-up, stop, logs
        self.broker_pids = []  # Broker objects, for the pids the smoke check looks for

    def broker(self, target, rep, phase):
        (self.out / "logs").mkdir(exist_ok=True)
        b = Broker(target, self.work, self.args.build_dir, self.args.kafka_heap,
                   self.out / "logs" / f"{target}-phase{phase}-rep{rep}.log")
        self.broker_pids.append(b)
        return b

    def log(self, msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def loadgen_json(self, broker, args, timeout):
        rc, out, err = run([self.loadgen, "--bootstrap", broker.bootstrap] + args, timeout,
                           self.out / "clients.log")
        lines = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]
        if rc != 0 or not lines:
            raise RuntimeError(f"fjord-loadgen {' '.join(args)} failed (rc {rc}): {err[-2000:]}")
        if len(lines) == 1:
            return lines[0]
        # Latency mode prints the producer's line and the consumer's (with the distribution).
        res = next(x for x in lines if x.get("mode") == "latency")
        res["producer"] = next(x for x in lines if x.get("mode") == "produce")
        return res

    def create(self, broker, topic, partitions):
        t0 = time.monotonic()
        self.loadgen_json(broker, ["--mode", "create", "--topic", topic,
                                   "--partitions", str(partitions)], 120)
        wait_for(lambda: serving(broker.port, broker.BROKER_ID, topic, partitions), 120,
                 what=f"{topic} to have leaders")
        return time.monotonic() - t0

    def measure(self, broker, rep, phase, name, fn, warm=0):
        """Runs fn() while sampling the broker's RSS and CPU; records and returns its dict.
        warm: about how much memory the workload takes (page cache it writes, the client's
        fetch buffers), made ready first (see prewarm)."""
        # Untimed: the gigabytes earlier workloads left dirty in the page cache are written back
        # first. Otherwise their writeback (kernel threads on the same two cores, and dirty-page
        # throttling of writers) would fall on the next workload, and hardest after the broker
        # that wrote fastest.
        os.sync()
        if warm:
            prewarm(warm)
        cpu0 = cpu_seconds(broker.pid)
        with RssSampler(broker.pid) as s:
            t0 = time.monotonic()
            res = fn()
            wall = time.monotonic() - t0
        res = dict(res)
        if res.get("fetch_thread_cpu_seconds") is not None and res.get("seconds"):
            # One consumer instance: the share of the run its librdkafka fetch thread spent on
            # a CPU. Near 100 %, that thread set the rate; well below, it waited: for the
            # broker's data, or for a CPU the broker and the rest of the client held.
            res["fetch_thread_cpu_pct"] = round(
                100 * res["fetch_thread_cpu_seconds"] / res["seconds"], 1)
        res.update(target=broker.target, rep=rep, phase=phase, name=name, prewarmed_bytes=warm,
                   broker_cpu_seconds=round(cpu_seconds(broker.pid) - cpu0, 3),
                   broker_peak_rss_bytes=s.peak, wall_seconds=round(wall, 3))
        self.raw.append(res)
        fig = res.get("mb_per_sec", res.get("p99_ms", ""))
        self.log(f"  {broker.target} rep {rep} {name}: {fig}")
        return res

    def produce(self, broker, topic, messages, size, acks="1", compression="none", spread=0,
                producers=1):
        return lambda: self.loadgen_json(broker, [
            "--mode", "produce", "--topic", topic, "--messages", str(messages),
            "--size", str(size), "--acks", acks, "--compression", compression,
            "--linger-ms", "5", "--batch-bytes", "65536", "--producers", str(producers)] +
            (["--spread", str(spread)] if spread else []), 900)

    # Phase 1 ---------------------------------------------------------------------------------
    def phase1(self, rep, target):
        p = self.prof
        b = self.broker(target, rep, 1)
        session = {"target": target, "rep": rep, "phase": 1}
        try:
            session["start_empty_seconds"] = b.start()
            # Each produce workload once with one producer instance and once with two: one
            # librdkafka handle sends (and compresses) on one thread, which on two cores can
            # be what limits, rather than the broker.
            for producers in (1, 2):
                suffix = "" if producers == 1 else "_2prod"
                for parts in (1, 6):
                    for comp in ("none", "lz4"):
                        topic = f"tp-{parts}p-{comp}{suffix}"
                        self.create(b, topic, parts)
                        self.measure(b, rep, 1, f"produce_1k_{parts}p_{comp}{suffix}",
                                     self.produce(b, topic, p["tp_messages"], 1024, "1", comp,
                                                  producers=producers),
                                     warm=p["tp_messages"] * 1024)
                self.create(b, f"small{suffix}", 6)
                self.measure(b, rep, 1, f"produce_100b_acks_all_6p{suffix}",
                             self.produce(b, f"small{suffix}", p["small_messages"], 100, "all",
                                          producers=producers),
                             warm=p["small_messages"] * 100)
            # Workload 3: fill a 2 GiB topic, then read it from the beginning. The fill puts
            # message i in partition i % 6: librdkafka's sticky partitioner left partitions up
            # to 70 % apart in size, and once ConsumerPerformance has read its smallest
            # partition to the end, each fetch for that partition alone waits
            # fetch.max.wait.ms (500 ms) on either broker while the others still hold data, so
            # the figure measured how uneven the fill happened to be rather than the broker.
            # Even so the Java consumer's fetches drift apart (its heartbeat thread hands it
            # responses early), and a fetch for the partitions it has read to the end alone
            # then waits those 500 ms, as on either broker it must, while the rest are still
            # to come (one Fjord broker: 2 GiB read to the end at 497 MB/s, the same 2 GiB of
            # a longer topic at 909). So the topic holds 1/32 more than is read, and no
            # partition is read to its end while the clock runs.
            n = p["consume_bytes"] // 1024
            self.create(b, "fill", 6)
            self.measure(b, rep, 1, "fill_1k_6p",
                         self.produce(b, "fill", n + n // 32, 1024, spread=6),
                         warm=(n + n // 32) * 1024)
            consume = ["--mode", "consume", "--topic", "fill", "--messages", str(n)]
            # The consumers' fetch buffers and queues (librdkafka's queued.max.messages.kbytes
            # is 64 MiB per instance) come from freshly freed memory too.
            fetch_memory = min(p["consume_bytes"], 512 << 20)
            self.measure(b, rep, 1, "consume_1k_6p",
                         lambda: self.loadgen_json(b, consume, 900), warm=fetch_memory)
            # Two consumer instances (partitions 0, 2, 4 and 1, 3, 5; two librdkafka fetch
            # threads), as workloads 1 and 4 run with two producers: one fetch thread is what
            # limits against either broker.
            self.measure(b, rep, 1, "consume_1k_6p_2cons",
                         lambda: self.loadgen_json(b, consume + ["--consumers", "2"], 900),
                         warm=fetch_memory)
            # The first read is the first fetch traffic a fresh broker serves; for Kafka its
            # fetch path has not been JIT-compiled yet. The third read is with both warmed up.
            self.measure(b, rep, 1, "consume_1k_6p_again",
                         lambda: self.loadgen_json(b, consume, 900), warm=fetch_memory)
            self.measure(b, rep, 1, "java_consume_1k_6p",
                         lambda: self.consumer_perf(b, "fill", n), warm=fetch_memory)
            self.create(b, "java-tp", 6)
            self.measure(b, rep, 1, "java_produce_1k_6p_none",
                         lambda: self.producer_perf(b, "java-tp", p["java_messages"]),
                         warm=p["java_messages"] * 1024)
        finally:
            # The data is thrown away: no need to wait for a clean shutdown.
            b.stop(grace=0)
            self.sessions.append(session)
            shutil.rmtree(b.data, ignore_errors=True)

    def producer_perf(self, broker, topic, n):
        rc, out, err = run(java_cmd("org.apache.kafka.tools.ProducerPerformance", [
            "--topic", topic, "--num-records", str(n), "--record-size", "1024",
            "--throughput", "-1", "--producer-props", f"bootstrap.servers={broker.bootstrap}",
            "acks=1", "linger.ms=5", "batch.size=65536", "compression.type=none"]), 900,
            self.out / "clients.log")
        last = [ln for ln in out.splitlines() if "records sent" in ln]
        if rc != 0 or not last:
            raise RuntimeError(f"ProducerPerformance failed (rc {rc}): {out[-1000:]}{err[-2000:]}")
        # "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, ..."
        f = last[-1].replace("(", "").split()
        return {"messages": int(f[0]), "msgs_per_sec": float(f[3]), "mb_per_sec": float(f[5]),
                "avg_latency_ms": float(f[7]), "max_latency_ms": float(f[11]), "line": last[-1]}

    def consumer_perf(self, broker, topic, n):
        rc, out, err = run(java_cmd("org.apache.kafka.tools.ConsumerPerformance", [
            "--bootstrap-server", broker.bootstrap, "--topic", topic, "--messages", str(n),
            "--timeout", "60000", "--group", f"bench-perf-{time.monotonic_ns()}"]), 900,
            self.out / "clients.log")
        rows = [ln for ln in out.splitlines() if ln.count(",") >= 9 and ln[:1].isdigit()]
        if rc != 0 or not rows:
            raise RuntimeError(f"ConsumerPerformance failed (rc {rc}): {out[-1000:]}{err[-2000:]}")
        # start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
        # rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
        c = [x.strip() for x in rows[-1].split(",")]
        return {"messages": int(c[4]), "mb_per_sec": float(c[8]), "msgs_per_sec": float(c[9]),
                "mb_per_sec_with_rebalance": float(c[3]), "rebalance_ms": float(c[6]),
                "line": rows[-1]}

    # Phase 2 ---------------------------------------------------------------------------------
    def phase2(self, rep, target, rate):
        p = self.prof
        b = self.broker(target, rep, 2)
        session = {"target": target, "rep": rep, "phase": 2}
        try:
            session["start_empty_seconds"] = b.start()
            self.create(b, "lat", 6)
            warm = rate  # one second
            n = rate * p["latency_seconds"] + warm
            self.measure(b, rep, 2, "latency_1k_6p", lambda: self.loadgen_json(b, [
                "--mode", "latency", "--topic", "lat", "--messages", str(n), "--size", "1024",
                "--acks", "1", "--linger-ms", "5", "--batch-bytes", "65536",
                "--rate", str(rate), "--warmup", str(warm)], 900))
            many = p["partitions_many"]
            session["create_many_seconds"] = self.create(b, "many", many)
            time.sleep(p["settle_seconds"])  # a measured idle period, not a synchronisation
            self.record_rss(b, rep, "rss_idle_many_before_load")
            # Message i to partition i % many: every partition holds data, so the clean
            # shutdown below closes (flushes, snapshots) all of them in every run. With
            # librdkafka's sticky partitioner it was 16 partitions in one run and all of them
            # in the next, and the shutdown took 0.5 s or 6 s on either broker.
            self.measure(b, rep, 2, "load_many",
                         self.produce(b, "many", p["load_messages"], 1024, spread=many))
            self.record_rss(b, rep, "rss_after_load_many")
            stop = b.stop()
            self.raw.append({"target": target, "rep": rep, "phase": 2,
                             "name": "shutdown_many", "seconds": round(stop, 3)})
            secs = b.start(topic="many", partitions=many)
            self.raw.append({"target": target, "rep": rep, "phase": 2,
                             "name": "startup_many", "seconds": round(secs, 3)})
            self.log(f"  {target} rep {rep} start-up with {many} partitions: {secs:.2f} s")
            time.sleep(p["settle_seconds"])
            self.record_rss(b, rep, "rss_idle_many")
        finally:
            b.stop(grace=0)
            self.sessions.append(session)
            shutil.rmtree(b.data, ignore_errors=True)

    def record_rss(self, b, rep, name):
        st = proc_status(b.pid)
        self.raw.append({"target": b.target, "rep": rep, "phase": 2, "name": name,
                         "rss_bytes": st.get("VmRSS", 0), "rss_anon_bytes": st.get("RssAnon", 0),
                         "rss_file_bytes": st.get("RssFile", 0), "hwm_bytes": st.get("VmHWM", 0)})
        self.log(f"  {b.target} rep {rep} {name}: {st.get('VmRSS', 0) / 2**20:.1f} MiB")

    def values(self, target, name, key):
        return [r[key] for r in self.raw
                if r["target"] == target and r["name"] == name and key in r]

    def by_rep(self, target, name, key):
        return {r["rep"]: r[key] for r in self.raw
                if r["target"] == target and r["name"] == name and key in r}

    def median(self, target, name, key):
        v = self.values(target, name, key)
        return statistics.median(v) if v else None

    def run(self):
        reps = self.args.reps or self.prof["reps"]
        self.work.mkdir(parents=True, exist_ok=True)
        for rep in range(1, reps + 1):
            order = TARGETS if rep % 2 else TARGETS[::-1]
            for t in order:
                self.log(f"phase 1, repetition {rep}/{reps}: {t}")
                self.phase1(rep, t)
        rate = self.prof["latency_rate"] or self.args.latency_rate
        if not rate:
            kafka_max = self.median("kafka", "produce_1k_6p_none", "msgs_per_sec")
            rate = int(kafka_max / 2)
        self.latency_rate = rate
        for rep in range(1, reps + 1):
            order = TARGETS if rep % 2 else TARGETS[::-1]
            for t in order:
                self.log(f"phase 2, repetition {rep}/{reps}: {t} (latency at {rate} msgs/s)")
                self.phase2(rep, t, rate)
        shutil.rmtree(self.work / "fjord" / "data", ignore_errors=True)
        shutil.rmtree(self.work / "kafka" / "data", ignore_errors=True)
        return reps


# ---------------------------------------------------------------------------------------------
# Report

# (label, measurement name, key, unit, scale, target: ("min"|"max", ratio) or None)
FIGURES = [
    ("Produce 1 KiB, 1 partition, none", "produce_1k_1p_none", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Produce 1 KiB, 1 partition, lz4", "produce_1k_1p_lz4", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Produce 1 KiB, 6 partitions, none", "produce_1k_6p_none", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Produce 1 KiB, 6 partitions, lz4", "produce_1k_6p_lz4", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Produce 100 B, acks=all, 6 partitions", "produce_100b_acks_all_6p", "msgs_per_sec", "msg/s", 1, ("min", 1.5)),
    ("Produce 1 KiB, 1 partition, none, 2 producers", "produce_1k_1p_none_2prod", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Produce 1 KiB, 1 partition, lz4, 2 producers", "produce_1k_1p_lz4_2prod", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Produce 1 KiB, 6 partitions, none, 2 producers", "produce_1k_6p_none_2prod", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Produce 1 KiB, 6 partitions, lz4, 2 producers", "produce_1k_6p_lz4_2prod", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Produce 100 B, acks=all, 6 partitions, 2 producers", "produce_100b_acks_all_6p_2prod", "msgs_per_sec", "msg/s", 1, ("min", 1.5)),
    ("Produce 1 KiB, 6 partitions (ProducerPerformance)", "java_produce_1k_6p_none", "mb_per_sec", "MB/s", 1, None),
    ("Fill 2 GiB + 1/32 topic (produce, 6 partitions)", "fill_1k_6p", "mb_per_sec", "MB/s", 1, None),
    ("Consume 2 GiB topic (fjord-loadgen)", "consume_1k_6p", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Consume 2 GiB topic (fjord-loadgen, 2 consumers)", "consume_1k_6p_2cons", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("Consume 2 GiB topic, third read (fjord-loadgen, brokers warmed up)", "consume_1k_6p_again", "mb_per_sec", "MB/s", 1, None),
    ("Consume 2 GiB topic (ConsumerPerformance, fetch rate)", "java_consume_1k_6p", "mb_per_sec", "MB/s", 1, ("min", 1.5)),
    ("End-to-end latency p50", "latency_1k_6p", "p50_ms", "ms", 1, None),
    ("End-to-end latency p99", "latency_1k_6p", "p99_ms", "ms", 1, ("max", 0.5)),
    ("End-to-end latency p99.9", "latency_1k_6p", "p999_ms", "ms", 1, None),
    ("End-to-end latency max", "latency_1k_6p", "max_ms", "ms", 1, None),
    ("RSS idle, 1,000 partitions (after restart)", "rss_idle_many", "rss_bytes", "MiB", 2**-20, ("max", 0.2)),
    ("RSS peak under load, 1,000 partitions", "load_many", "broker_peak_rss_bytes", "MiB", 2**-20, ("max", 0.2)),
    ("RSS peak, produce 1 KiB 6 partitions", "produce_1k_6p_none", "broker_peak_rss_bytes", "MiB", 2**-20, ("max", 0.2)),
    ("RSS peak, consume 2 GiB", "consume_1k_6p", "broker_peak_rss_bytes", "MiB", 2**-20, ("max", 0.2)),
    ("Start-up to serving, 1,000 partitions", "startup_many", "seconds", "s", 1, ("max", 0.1)),
    ("Clean shutdown (SIGTERM), 1,000 partitions", "shutdown_many", "seconds", "s", 1, None),
    ("Broker CPU, produce 1 KiB 6 partitions none", "produce_1k_6p_none", "broker_cpu_seconds", "s", 1, None),
    ("Client CPU (fjord-loadgen), produce 1 KiB 6 partitions none", "produce_1k_6p_none", "client_cpu_seconds", "s", 1, None),
    ("Broker CPU, produce 100 B acks=all", "produce_100b_acks_all_6p", "broker_cpu_seconds", "s", 1, None),
    ("Broker CPU, consume 2 GiB", "consume_1k_6p", "broker_cpu_seconds", "s", 1, None),
    # The consumer's own CPU for the same 2 GiB, and the share of the run its one librdkafka
    # fetch thread was on a CPU: near 100 %, that thread, not the broker, set the consume rate.
    ("Client CPU (fjord-loadgen), consume 2 GiB", "consume_1k_6p", "client_cpu_seconds", "s", 1, None),
    ("Client fetch thread on a CPU, consume 2 GiB (fjord-loadgen, share of the run)", "consume_1k_6p", "fetch_thread_cpu_pct", "%", 1, None),
    ("Broker CPU, consume 2 GiB (ConsumerPerformance)", "java_consume_1k_6p", "broker_cpu_seconds", "s", 1, None),
]


def fmt(v):
    if v is None:
        return "–"
    if 0 < abs(v) < 0.01:  # a ratio such as Fjord's latency over Kafka's
        return f"{v:.{-math.floor(math.log10(abs(v)))}f}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def summarise(bench):
    rows = []
    for label, name, key, unit, scale, target in FIGURES:
        f = bench.median("fjord", name, key)
        k = bench.median("kafka", name, key)
        f = f * scale if f is not None else None
        k = k * scale if k is not None else None
        ratio = f / k if f is not None and k else None
        # Fjord's figure over Kafka's in each repetition (the two ran one after the other):
        # how far the ratio moves from run to run on this machine.
        fr, kr = bench.by_rep("fjord", name, key), bench.by_rep("kafka", name, key)
        ratios = [fr[i] / kr[i] for i in sorted(fr) if i in kr and kr[i]]
        met = None
        if target and ratio is not None:
            met = ratio >= target[1] if target[0] == "min" else ratio <= target[1]
        rows.append({"figure": label, "measurement": name, "key": key, "unit": unit,
                     "fjord": f, "kafka": k, "ratio": ratio, "ratio_per_rep": ratios,
                     "target": (("≥ " if target[0] == "min" else "≤ ") + f"{target[1]}×")
                     if target else None, "met": met})
    return rows


def prewarm(nbytes):
    """Touches then frees nbytes (plus an eighth for indexes and slack) of anonymous memory,
    right before a workload that takes about that much (page cache it writes, or a client's
    buffers). A VM that backs guest memory lazily and takes free memory back (free page
    reporting; see page_cache_write_rates) otherwise makes the workload's first touch of that
    memory several times slower, by an amount that varies at random from run to run and
    falls hardest on the broker that writes fastest; memory freed just now is still backed
    when the workload takes it. The same for both brokers, outside the timed part: what
    remains is the broker, as on a machine whose memory is its own."""
    nbytes += nbytes // 8
    m = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    chunk = b"\1" * (1 << 20)
    for off in range(0, nbytes - len(chunk) + 1, len(chunk)):
        m[off:off + len(chunk)] = chunk
    m.close()


def page_cache_write_rates(directory, mib=512):
    """MB/s of writing `mib` MiB into the page cache, then again right after deleting the first
    file (into the memory just freed). On a VM that backs guest memory lazily and takes free
    memory back (free page reporting) the first can be several times slower: every workload
    that writes or allocates pays that, more or less at random. Shown so the reader can tell."""
    chunk = b"\0" * (1 << 20)
    rates = []
    for i in range(2):
        path = Path(directory) / f"page-cache-probe-{i}"
        t = time.monotonic()
        with open(path, "wb") as f:
            for _ in range(mib):
                f.write(chunk)
        rates.append(round(mib * 2**20 / 1e6 / (time.monotonic() - t)))
        path.unlink()
    return rates


def write_report(bench, reps, rows, out, started, machine):
    a, p = bench.args, bench.prof
    page_cache = ""
    if "page_cache_mb_s" in machine:  # not in results from before it was measured
        first, again = machine["page_cache_mb_s"]
        page_cache = (f" Page-cache writes at the start: {first:,} MB/s, then {again:,} MB/s "
                      "into the memory just freed (where the first is far lower, the machine "
                      "backs memory lazily and every workload that writes pays for it at "
                      "random). So before each produce and consume workload, untimed and "
                      "the same for both brokers, as much memory as it will take (page cache "
                      "written, consumers' buffers) is touched and freed, to be backed when "
                      "the workload takes it.")
    pinning = "".join(
        f" {who} confined to CPU(s) {', '.join(map(str, machine[key]))}."
        for who, key in (("Brokers", "broker_cpus"), ("Clients", "client_cpus")) if key in machine)
    lines = [
        f"# Fjord vs Apache Kafka 3.9 — {started}",
        "",
        f"Profile `{a.profile}`, {reps} repetition(s), medians; ratio = Fjord / Kafka (the "
        "last column: each repetition's, Fjord and Kafka having run one after the other). "
        f"Machine: {machine['cpus']} CPUs, {machine['mem_gib']:.1f} GiB RAM, load average "
        f"{machine['load_before']} before and {machine['load_after']} after the run "
        f"(other work on the machine makes every figure noisier).{page_cache}{pinning}",
        "",
        f"- Kafka 3.9.0 (KRaft, broker+controller in one JVM): heap `-Xmx{a.kafka_heap} "
        f"-Xms{a.kafka_heap}`, JVM options of bin/kafka-run-class.sh "
        f"(`{' '.join(KAFKA_JVM_DEFAULT[:3])} …`), {machine['java']}.",
        "- Both: one broker alone on a loopback port, log dirs side by side under "
        f"`{bench.work}`, log.segment.bytes=1073741824, no log.flush.* keys (the OS flushes); "
        "every other setting at its default.",
        f"- Workload 1: {p['tp_messages']:,} × 1 KiB, acks=1, linger 5 ms, batch 64 KiB "
        f"(fjord-loadgen, librdkafka). Workload 4: {p['small_messages']:,} × 100 B, acks=all. "
        "Workloads 1 and 4 run once with one producer instance and once with two (each its "
        "own librdkafka handle and sending thread, sharing the messages). "
        f"Workload 3: {p['consume_bytes'] * 33 / 32 / 2**20:,.0f} MiB filled into 6 equal "
        "partitions (message i to partition i mod 6), then the first "
        f"{p['consume_bytes'] / 2**20:,.0f} MiB consumed from the beginning, so that no "
        "partition is read to its end while timed: once, then by two consumer instances "
        "sharing the partitions, then once more with the broker warmed up, then by "
        "ConsumerPerformance. Each repetition starts a fresh broker, so Kafka's JIT is still "
        "warming up during the first reads; the third read is the nearest to steady state. "
        "ProducerPerformance: "
        f"{p['java_messages']:,} × 1 KiB, same producer settings.",
        f"- Workload 2: 1 KiB to 6 partitions at {bench.latency_rate:,} msg/s for "
        f"{p['latency_seconds']} s after 1 s of warm-up (half of Kafka's median rate for "
        "6 partitions/none in workload 1 unless fixed), one process producing and consuming.",
        f"- Workload 5: a {p['partitions_many']:,}-partition topic; idle RSS "
        f"{p['settle_seconds']} s after a restart; under load = peak while producing "
        f"{p['load_messages']:,} × 1 KiB to it (message i to partition i mod "
        f"{p['partitions_many']:,}), then a clean shutdown (SIGTERM) and a start; start-up = "
        "spawn of the process until Metadata lists every partition with its leader.",
        "",
        "| Figure | Unit | Fjord | Kafka | Fjord/Kafka | Target | | Fjord/Kafka per repetition |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for r in rows:
        mark = "" if r["met"] is None else ("met" if r["met"] else "**missed**")
        per_rep = " / ".join(fmt(x) for x in r.get("ratio_per_rep", [])) if reps > 1 else ""
        lines.append(f"| {r['figure']} | {r['unit']} | {fmt(r['fjord'])} | {fmt(r['kafka'])} | "
                     f"{fmt(r['ratio']) + '×' if r['ratio'] is not None else '–'} | "
                     f"{r['target'] or ''} | {mark} | {per_rep} |")
    lines += ["", "Every raw number: results.json. Latency distributions: latency.png.", ""]
    (out / "report.md").write_text("\n".join(lines))


def draw_latency(bench, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    colors = {"fjord": "tab:blue", "kafka": "tab:orange"}
    for t in TARGETS:
        runs = [r for r in bench.raw if r["target"] == t and r["name"] == "latency_1k_6p"]
        for i, r in enumerate(runs):
            xs = [-math.log10(max(1 - q / 100, 1e-6)) for q, _ in r["curve"]]
            ys = [max(ms, 1e-3) for _, ms in r["curve"]]
            ax.plot(xs, ys, color=colors[t], alpha=0.9 if i == 0 else 0.45,
                    label=f"{t} (rep {r['rep']})")
    ticks = [0, 1, 2, 3, 4, 5]
    ax.set_xticks(ticks)
    ax.set_xticklabels(["0", "90", "99", "99.9", "99.99", "99.999"])
    ax.set_xlabel("percentile")
    ax.set_yscale("log")
    ax.set_ylabel("end-to-end latency (ms)")
    ax.set_title(f"1 KiB messages at {bench.latency_rate:,} msg/s, 6 partitions")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Smoke check: reads the files back and fails on anything missing or absurd.

def check(out):
    problems = []
    report = (out / "report.md").read_text()
    data = json.loads((out / "results.json").read_text())
    if f"| {FIGURES[0][0]} |" not in report:
        problems.append("report.md has no table")
    for row in data["summary"]:
        # CPU seconds come in clock ticks (10 ms): a tiny smoke workload may take none.
        least = 0 if "cpu" in row["key"] else 1e-9
        for t in TARGETS:
            v = row[t]
            if v is None or not math.isfinite(v) or v < least:
                problems.append(f"{row['figure']}: {t} = {v}")
        if row["unit"] == "ms" and row["fjord"] is not None and row["fjord"] > 60_000:
            problems.append(f"{row['figure']}: {row['fjord']} ms")
        if row["unit"] == "MiB" and any(v and not 1 <= v <= 65536 for v in (row["fjord"], row["kafka"])):
            problems.append(f"{row['figure']}: RSS out of range")
    for r in data["raw"]:
        if "delivered" in r and (r["delivered"] != r["messages"] or r.get("failed")):
            problems.append(f"{r['target']} {r['name']}: {r['delivered']}/{r['messages']} delivered")
        if "p50_ms" in r and not r["p50_ms"] <= r["p99_ms"] <= r["p999_ms"] <= r["max_ms"]:
            problems.append(f"{r['target']} {r['name']}: percentiles out of order")
    png = (out / "latency.png").read_bytes()
    if not png.startswith(b"\x89PNG") or len(png) < 2000:
        problems.append("latency.png is not a chart")
    for pid in data["broker_pids"]:
        if os.path.exists(f"/proc/{pid}") and "zombie" not in open(f"/proc/{pid}/status").read():
            problems.append(f"process {pid} still runs")
    return problems


def rerender(out):
    data = json.loads((out / "results.json").read_text())
    a = argparse.Namespace(profile=data["profile"], kafka_heap=data["kafka_heap"])
    bench = Bench.__new__(Bench)
    bench.args, bench.prof, bench.raw = a, data["settings"], data["raw"]
    bench.latency_rate, bench.work = data["latency_rate"], out / "work"
    rows = summarise(bench)
    data["summary"] = rows
    (out / "results.json").write_text(json.dumps(data, indent=1))
    draw_latency(bench, out)
    write_report(bench, data["reps"], rows, out, data["started"], data["machine"])
    print((out / "report.md").read_text())
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="tiny counts, 1 repetition, self-check")
    ap.add_argument("--reps", type=int, help="repetitions (default 3; smoke 1)")
    ap.add_argument("--build-dir", type=Path, default=REPO / "build")
    ap.add_argument("--out", type=Path, help="results folder (default bench-results/<time>)")
    ap.add_argument("--kafka-heap", default=KAFKA_HEAP_DEFAULT, help="Kafka -Xmx/-Xms (1G)")
    ap.add_argument("--latency-rate", type=int, help="fixed rate for workload 2 (msg/s)")
    ap.add_argument("--broker-cpus", type=parse_cpus, metavar="LIST",
                    help="confine the brokers to these CPUs, e.g. 0 or 0-3 (default: all)")
    ap.add_argument("--client-cpus", type=parse_cpus, metavar="LIST",
                    help="confine the clients (fjord-loadgen, the Java tools) to these CPUs")
    ap.add_argument("--report-only", type=Path, metavar="DIR",
                    help="rewrite DIR/report.md and latency.png from DIR/results.json")
    a = ap.parse_args()
    if a.report_only:
        return rerender(a.report_only.resolve())
    a.profile = "smoke" if a.smoke else "full"
    a.build_dir = a.build_dir.resolve()
    prof = PROFILES[a.profile]
    CPUS["broker"], CPUS["client"] = a.broker_cpus, a.client_cpus
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H-%M-%SZ")
    out = (a.out or REPO / "bench-results" / started).resolve()
    if a.smoke:
        shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    for prog in ("fjord-server", "fjord-loadgen"):
        if not (a.build_dir / "bin" / prog).exists():
            sys.exit(f"bench: {a.build_dir / 'bin' / prog} is not built (cmake --build {a.build_dir})")
    subprocess.run(["bash", str(REPO / "tools" / "fetch-jars.sh"), KAFKA_BUNDLE], check=True)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    machine = {"cpus": os.cpu_count(), "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
               "mem_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
               "java": java.splitlines()[0] if java else "java ?",
               "page_cache_mb_s": page_cache_write_rates(out, 64 if a.smoke else 512)}
    for role in ("broker", "client"):
        if CPUS[role]:
            machine[f"{role}_cpus"] = sorted(CPUS[role])
    bench = Bench(a, prof, out)
    t0 = time.monotonic()
    try:
        reps = bench.run()
    except BaseException as e:
        stop_all_children()
        # Keep what was measured: a failure late in a long run should not lose the rest.
        (out / "results.json").write_text(json.dumps({
            "started": started, "profile": a.profile, "error": repr(e), "settings": prof,
            "kafka_heap": a.kafka_heap, "latency_rate": getattr(bench, "latency_rate", None),
            "machine": machine, "raw": bench.raw, "sessions": bench.sessions}, indent=1))
        print(f"bench: failed ({e!r}); what was measured is in {out / 'results.json'}")
        raise
    finally:
        stop_all_children()
    machine["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = summarise(bench)
    (out / "results.json").write_text(json.dumps({
        "started": started, "profile": a.profile, "reps": reps, "settings": prof,
        "kafka_heap": a.kafka_heap, "kafka_jvm_options": KAFKA_JVM_DEFAULT,
        "latency_rate": bench.latency_rate, "machine": machine,
        "seconds": round(time.monotonic() - t0, 1), "summary": rows, "raw": bench.raw,
        "sessions": bench.sessions, "broker_pids": [p for b in bench.broker_pids for p in b.pids]}, indent=1))
    draw_latency(bench, out)
    write_report(bench, reps, rows, out, started, machine)
    shutil.rmtree(bench.work / "fjord" / "data", ignore_errors=True)
    print((out / "report.md").read_text())
    print(f"bench: results in {out}")
    if a.smoke:
        problems = check(out)
        if problems:
            print("bench smoke check FAILED:\n  " + "\n  ".join(problems))
            return 1
        print("bench smoke check: report.md, results.json and latency.png are sane")
    return 0


if __name__ == "__main__":
    sys.exit(main())
