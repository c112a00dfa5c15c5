"""kafka-python producer -> broker -> kafka-python consumer, as a user would run them.

Run by kafka_python_test (GoogleTest) with the venv from tools/python-venv.sh:

    python kafka_python_roundtrip.py <bootstrap> <topic> <partitions> <messages>

Both clients leave api_version unset, so they detect the broker's API versions themselves
(ApiVersions). The producer sends keyed messages with headers and explicit timestamps to every
partition, the consumer reads them back with assigned partitions (no group) from the beginning,
and the script checks that every partition holds exactly what was acknowledged, in order. Prints
one JSON line with what was negotiated and counted; exits 1 with a reason on any mismatch.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def fail(reason):
    print(json.dumps({"ok": False, "reason": reason}))
    sys.exit(1)


def main():
    bootstrap, topic, partitions, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    base_ts = int(time.time() * 1000) - 60_000

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                             client_id="fjord-kafka-python-producer")
    futures = []
    for i in range(count):
        p = i % partitions
        futures.append((i, p, producer.send(
            topic, key=b"key-%d" % i, value=b"value-%d" % i, partition=p,
            headers=[("seq", str(i).encode()), ("empty", b"")], timestamp_ms=base_ts + i)))
    producer.flush(timeout=60)
    acked = {p: [] for p in range(partitions)}  # partition -> [(offset, i)]
    for i, p, f in futures:
        md = f.get(timeout=60)
        if md.partition != p:
            fail("message %d acknowledged on partition %d, sent to %d" % (i, md.partition, p))
        acked[p].append((md.offset, i))
    producer_api = producer.config["api_version"]
    producer.close(timeout=10)

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", client_id="fjord-kafka-python-consumer",
                             consumer_timeout_ms=20_000)
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    got = {p: [] for p in range(partitions)}
    received = 0
    deadline = time.monotonic() + 60
    while received < count and time.monotonic() < deadline:
        for tp, records in consumer.poll(timeout_ms=1000).items():
            for r in records:
                got[tp.partition].append(r)
                received += 1
    consumer_api = consumer.config["api_version"]
    consumer.close()

    for p in range(partitions):
        want = sorted(acked[p])
        have = got[p]
        if len(have) != len(want):
            fail("partition %d: consumed %d messages, %d acknowledged" % (p, len(have), len(want)))
        for (offset, i), r in zip(want, have):
            expected = (offset, b"key-%d" % i, b"value-%d" % i, base_ts + i,
                        [("seq", str(i).encode()), ("empty", b"")])
            actual = (r.offset, r.key, r.value, r.timestamp, list(r.headers))
            if actual != expected:
                fail("partition %d: got %r, want %r" % (p, actual, expected))

    print(json.dumps({"ok": True, "consumed": received,
                      "producer_api_version": list(producer_api),
                      "consumer_api_version": list(consumer_api)}))


if __name__ == "__main__":
    main()
