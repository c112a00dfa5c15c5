"""kafka-python consumers in a group (the classic protocol), as a user would run them.

Run by kafka_python_test (GoogleTest) with the venv from tools/python-venv.sh:

    python kafka_python_group.py <bootstrap> <topic> <partitions> <messages>

1. A producer writes <messages> keyed messages round-robin over the partitions.
2. Consumer A subscribes with group "<topic>-g", reads about half, commits synchronously and
   closes (LeaveGroup). Consumer B in the same group resumes from A's committed offsets and
   reads the rest: together they read every message exactly once.
3. The admin client lists the group and its committed offsets (every partition at its end).
4. Two consumers of a second group poll on their own threads at once: the coordinator splits
   the partitions between them (disjoint, every partition assigned), and the admin client
   describes a Stable group of two members.
Prints one JSON line; exits 1 with a reason on any mismatch.
"""
import json
import sys
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition


def fail(reason):
    print(json.dumps({"ok": False, "reason": reason}))
    sys.exit(1)


def consumer(bootstrap, group, client_id):
    return KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                         auto_offset_reset="earliest", client_id=client_id,
                         session_timeout_ms=10_000, heartbeat_interval_ms=500)


def read(c, want, deadline_s):
    """Polls until `want` messages arrived or the deadline; returns [(partition, offset)]."""
    got = []
    deadline = time.monotonic() + deadline_s
    while len(got) < want and time.monotonic() < deadline:
        for tp, records in c.poll(timeout_ms=500).items():
            got.extend((tp.partition, r.offset) for r in records)
    return got


def main():
    bootstrap, topic, partitions, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    group = topic + "-g"

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    futures = [producer.send(topic, key=b"k%d" % i, value=b"v%d" % i, partition=i % partitions)
               for i in range(count)]
    producer.flush(timeout=60)
    end = {p: 0 for p in range(partitions)}
    for f in futures:
        md = f.get(timeout=60)
        end[md.partition] = max(end[md.partition], md.offset + 1)
    producer.close(timeout=10)

    # --- 2. commit, leave, resume ---
    a = consumer(bootstrap, group, "kp-group-a")
    a.subscribe([topic])
    first = read(a, count // 2, 60)
    if not first:
        fail("consumer A read nothing")
    a.commit()
    a_assignment = sorted(tp.partition for tp in a.assignment())
    a.close()
    b = consumer(bootstrap, group, "kp-group-b")
    b.subscribe([topic])
    second = read(b, count - len(first), 60)
    b.commit()
    b.close()
    seen = first + second
    if len(seen) != count or len(set(seen)) != count:
        fail("A read %d, B read %d (%d distinct); want %d exactly once"
             % (len(first), len(second), len(set(seen)), count))

    # --- 3. admin views ---
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    listed = [g[0] for g in admin.list_consumer_groups()]
    if group not in listed:
        fail("list_consumer_groups %r lacks %s" % (listed, group))
    committed = {tp.partition: om.offset
                 for tp, om in admin.list_consumer_group_offsets(group).items()}
    if committed != end:
        fail("committed offsets %r, want the log ends %r" % (committed, end))

    # --- 4. two members at once ---
    group2 = topic + "-g2"
    members = [consumer(bootstrap, group2, "kp-pair-%d" % i) for i in range(2)]
    stop = threading.Event()
    errors = []

    def run(c):
        try:
            c.subscribe([topic])
            while not stop.is_set():
                c.poll(timeout_ms=200)
        except Exception as e:  # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=(c,)) for c in members]
    for t in threads:
        t.start()
    split = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not errors:
        sets = [set(tp.partition for tp in c.assignment()) for c in members]
        if all(sets) and not (sets[0] & sets[1]) and sets[0] | sets[1] == set(range(partitions)):
            desc = admin.describe_consumer_groups([group2])[0]
            if desc.state == "Stable" and len(desc.members) == 2:
                split = [sorted(s) for s in sets]
                break
        time.sleep(0.1)
    described = admin.describe_consumer_groups([group2])[0]
    stop.set()
    for t in threads:
        t.join()
    for c in members:
        c.close()
    admin.close()
    if errors:
        fail("pair consumer failed: %s" % errors)
    if split is None:
        fail("the two members never split the partitions; group %s" % (described,))

    print(json.dumps({"ok": True, "a_read": len(first), "b_read": len(second),
                      "a_assignment": a_assignment, "pair_split": split,
                      "protocol": described.protocol, "members": len(described.members)}))


if __name__ == "__main__":
    main()
