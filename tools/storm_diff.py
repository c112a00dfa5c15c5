#!/usr/bin/env python3
"""Compares two brokers' answers to the same requests: Fjord's and Kafka's.

Each input is a dump written by request_storm_test with FJORD_STORM_DUMP=FILE (one line per
unmutated sample request: "api_key version request_hex answer_hex|closed|held"). Answers are
decoded with Fjord's schemas (protocol/schema) and compared field by field, leaving out what
differs between any two brokers (ids, hosts, ports, timestamps, throttle times, generated
names). What is printed is where the two answered differently:

  tools/storm_diff.py /tmp/dump.fjord /tmp/dump.kafka [--all]

By default only error codes, error messages and the answer's kind (answered, closed, held)
are compared; --all compares every field.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'protocol', 'generator'))
import schema  # noqa: E402

SCHEMA_DIR = os.path.join(os.path.dirname(__file__), '..', 'protocol', 'schema')
API_VERSIONS_KEY = 18
# Fields whose values differ between any two brokers or runs.
VOLATILE = {'ThrottleTimeMs', 'NodeId', 'Host', 'Port', 'Rack', 'ClusterId', 'ControllerId',
            'LeaderId', 'LeaderEpoch', 'TopicId', 'ProducerId', 'ProducerEpoch', 'MemberId',
            'GenerationId', 'Timestamp', 'LogAppendTimeMs', 'SessionId', 'BrokerId',
            'CoordinatorKey', 'ZkMigrationReady', 'FinalizedFeaturesEpoch', 'Epoch',
            'ClusterAuthorizedOperations', 'TopicAuthorizedOperations', 'ReplicaNodes',
            'IsrNodes', 'OfflineReplicas', 'ApiKeys', 'SupportedFeatures',
            'FinalizedFeatures', 'Brokers', 'NodeEndpoints', 'Configs'}


NAME_KEYS = ('Name', 'ResourceName', 'GroupId', 'MemberId', 'Key')


class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, n):
        if self.p + n > len(self.d):
            raise ValueError('truncated')
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def fixed(self, fmt):
        return struct.unpack('>' + fmt, self.take(struct.calcsize(fmt)))[0]

    def uvarint(self):
        v = shift = 0
        while True:
            b = self.take(1)[0]
            v |= (b & 0x7f) << shift
            if not b & 0x80:
                return v
            shift += 7


FIXED = {'bool': '?', 'int8': 'b', 'int16': 'h', 'uint16': 'H', 'int32': 'i', 'uint32': 'I',
         'int64': 'q', 'float64': 'd'}


def read_value(r, f, elem, v, flex):
    if elem in FIXED:
        return r.fixed(FIXED[elem])
    if elem == 'uuid':
        return r.take(16).hex()
    if elem in ('string', 'bytes', 'records'):
        if flex:
            n = r.uvarint() - 1
        else:
            n = r.fixed('h') if elem == 'string' else r.fixed('i')
        if n < 0:
            return None
        b = r.take(n)
        return b.decode('utf-8', 'replace') if elem == 'string' else '<%d bytes>' % n
    # a struct
    if f.nullable.contains(v) and not f.is_array:
        if r.fixed('b') < 0:
            return None
    return read_struct(r, f.struct.fields, v, flex)


def read_field(r, f, v, flex):
    if not f.is_array:
        return read_value(r, f, f.elem, v, flex)
    n = (r.uvarint() - 1) if flex else r.fixed('i')
    if n < 0:
        return None
    return [read_value(r, f, f.elem, v, flex) for _ in range(n)]


def read_struct(r, fields, v, flex):
    out = {}
    tagged = {}
    for f in fields:
        if not f.versions.contains(v):
            continue
        if f.tag is not None and f.tagged.contains(v):
            tagged[f.tag] = f
            continue
        out[f.name] = read_field(r, f, v, flex)
    if flex:
        for _ in range(r.uvarint()):
            tag, size = r.uvarint(), r.uvarint()
            body = r.take(size)
            if tag in tagged:
                out[tagged[tag].name] = read_field(Reader(body), tagged[tag], v, flex)
    return out


def load_responses():
    out = {}
    for name in sorted(os.listdir(SCHEMA_DIR)):
        if not name.endswith('.schema'):
            continue
        sf = schema.parse_file(os.path.join(SCHEMA_DIR, name), name[:-len('.schema')])
        req, resp = sf.request(), sf.response()
        if req is not None and resp is not None:
            out[req.key] = resp
    return out


def decode(responses, key, v, answer):
    if answer in ('closed', 'held'):
        return answer
    m = responses.get(key)
    if m is None:
        return 'no schema'
    flex = m.flexible.contains(v)
    r = Reader(bytes.fromhex(answer))
    r.fixed('i')  # correlation id
    if flex and key != API_VERSIONS_KEY:
        for _ in range(r.uvarint()):
            r.uvarint()
            r.take(r.uvarint())
    try:
        body = read_struct(r, m.fields, v, flex)
    except ValueError as e:
        return 'undecodable: %s' % e
    return body


def interesting(name, only_errors):
    if name in VOLATILE:
        return False
    return not only_errors or name.startswith('Error') or name.endswith('ErrorCode') or \
        name.endswith('ErrorMessage')


def diff(a, b, path, only_errors, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k in VOLATILE:
                continue
            if isinstance(a.get(k), (dict, list)) or isinstance(b.get(k), (dict, list)):
                diff(a.get(k), b.get(k), path + '.' + k, only_errors, out)
            elif interesting(k, only_errors) and a.get(k) != b.get(k):
                out.append('%s.%s: fjord %r, kafka %r' % (path, k, a.get(k), b.get(k)))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b) and not only_errors:
            out.append('%s: fjord %d entries, kafka %d' % (path, len(a), len(b)))
        # Entries with a name are matched by it (Kafka orders some results its own way).
        key = next((k for k in NAME_KEYS if a and isinstance(a[0], dict) and k in a[0]), None)
        if key and b and all(isinstance(y, dict) for y in b):
            by_name = {}
            for y in b:
                by_name.setdefault(y.get(key), y)
            for x in a:
                diff(x, by_name.get(x.get(key), {}), '%s[%s]' % (path, x.get(key)), only_errors,
                     out)
            return
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, '%s[%d]' % (path, i), only_errors, out)
    elif type(a) is not type(b) or (not isinstance(a, (dict, list)) and a != b):
        if not only_errors or isinstance(a, str) or isinstance(b, str):
            out.append('%s: fjord %s, kafka %s' % (path, short(a), short(b)))


def short(x):
    s = repr(x)
    return s if len(s) < 200 else s[:200] + '...'


def read_dump(path):
    out = {}
    for line in open(path):
        f = line.split()
        key, v, req, answer = f if len(f) == 4 else (f[0], f[1], '', f[2])  # empty body
        out.setdefault((int(key), int(v), req), answer)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    only_errors = '--all' not in sys.argv
    if len(args) != 2:
        sys.exit(__doc__)
    responses = load_responses()
    fjord, kafka = read_dump(args[0]), read_dump(args[1])
    differing = 0
    for (key, v, req) in sorted(fjord):
        if (key, v, req) not in kafka:
            continue
        a = decode(responses, key, v, fjord[(key, v, req)])
        b = decode(responses, key, v, kafka[(key, v, req)])
        out = []
        diff(a, b, '', only_errors, out)
        if out:
            differing += 1
            name = responses[key].api if key in responses else key
            print('%s (key %d) v%d, request %s' % (name, key, v, req[:80]))
            for line in out:
                print('   ', line)
    common = len(set(fjord) & set(kafka))
    print('%d requests in both dumps, %d answered differently' % (common, differing))


if __name__ == '__main__':
    main()
