#!/usr/bin/env python3
"""Fjord's Kafka message generator: protocol/schema/*.schema -> C++ codecs.

  generate.py --schema-dir DIR --lock FILE --out DIR     generate (fails on a lock mismatch)
  generate.py --schema-dir DIR --lock FILE --update-lock  rewrite the lock from the schemas

Outputs (in --out): <stem>.h/.cc and <stem>_sample.cc per schema file, all_messages.h,
samples.h, api_keys.h, api_table.cc. Files are rewritten only when their content changes, so
an unrelated schema edit does not recompile every codec.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cpp  # noqa: E402
import lock  # noqa: E402
import samples  # noqa: E402
import schema  # noqa: E402
import tables  # noqa: E402


def load(schema_dir):
    files = []
    for name in sorted(os.listdir(schema_dir)):
        if not name.endswith('.schema'):
            continue
        stem = name[:-len('.schema')]
        files.append(schema.parse_file(os.path.join(schema_dir, name), stem))
    if not files:
        raise schema.SchemaError('%s: no .schema files' % schema_dir)
    seen_types, seen_keys = {}, {}
    for sf in files:
        for m in sf.messages:
            if m.cpp_name in seen_types:
                raise schema.SchemaError('%s: %s already defined in %s' %
                                         (m.where, m.cpp_name, seen_types[m.cpp_name]))
            seen_types[m.cpp_name] = m.where
            if m.key is not None:
                if m.key in seen_keys:
                    raise schema.SchemaError('%s: api key %d already used by %s' %
                                             (m.where, m.key, seen_keys[m.key]))
                seen_keys[m.key] = m.where
    return files


def write_if_changed(path, text):
    try:
        with open(path, encoding='utf-8') as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--schema-dir', required=True)
    ap.add_argument('--lock', required=True)
    ap.add_argument('--out')
    ap.add_argument('--update-lock', action='store_true')
    args = ap.parse_args()
    try:
        files = load(args.schema_dir)
    except schema.SchemaError as e:
        print('error: %s' % e, file=sys.stderr)
        return 1
    if args.update_lock:
        write_if_changed(args.lock, lock.render(files))
        print('wrote %s' % args.lock)
        return 0
    if not args.out:
        ap.error('--out is required unless --update-lock')
    try:
        lock_text = open(args.lock, encoding='utf-8').read()
    except FileNotFoundError:
        lock_text = ''
    problems = lock.check(files, lock_text)
    if problems:
        print('error: the message schemas differ from %s:' % args.lock, file=sys.stderr)
        for p in problems[:50]:
            print('  ' + p, file=sys.stderr)
        print('A field that changes order, type, versions or tag changes the bytes of released '
              'versions. If the change is deliberate, run\n  %s --schema-dir %s --lock %s '
              '--update-lock\nand commit the lock with the schema.' %
              (sys.argv[0], args.schema_dir, args.lock), file=sys.stderr)
        return 1
    out = args.out
    os.makedirs(out, exist_ok=True)
    for sf in files:
        write_if_changed(os.path.join(out, sf.stem + '.h'), cpp.header(sf))
        write_if_changed(os.path.join(out, sf.stem + '.cc'), cpp.source(sf))
        write_if_changed(os.path.join(out, sf.stem + '_sample.cc'), samples.source(sf))
    write_if_changed(os.path.join(out, 'all_messages.h'), tables.all_messages(files))
    write_if_changed(os.path.join(out, 'samples.h'), samples.declarations(files))
    write_if_changed(os.path.join(out, 'api_keys.h'), tables.api_keys(files))
    write_if_changed(os.path.join(out, 'api_table.cc'), tables.api_table(files))
    return 0


if __name__ == '__main__':
    sys.exit(main())
