#!/usr/bin/env python3
"""Tests of the generator itself: the evolution lock catches reordered and retyped fields, and
the parser rejects what it does not understand. Run by ctest (protocol_generator_test)."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cpp  # noqa: E402
import lock  # noqa: E402
import schema  # noqa: E402

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'schema')
REPO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')

BASE = '''# test
request Thing key=0 versions=0-3 flexible=2+ listeners=zkBroker
  Name string v0+
  Count int32 v1+ default=-1
  Items []Item v0+
    Id int64 v0+
  Extra string v2+ nullable=2+ tag=0 tagged=2+ default=null

response Thing versions=0-3 flexible=2+
  ErrorCode int16 v0+
'''


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def parse(self, text):
        path = os.path.join(self.dir, 'thing.schema')
        with open(path, 'w') as f:
            f.write(text)
        return schema.parse_file(path, 'thing')


class LockTest(Base):
    def test_unchanged_schema_passes(self):
        text = lock.render([self.parse(BASE)])
        self.assertEqual(lock.check([self.parse(BASE)], text), [])

    def test_reordered_field_fails(self):
        text = lock.render([self.parse(BASE)])
        swapped = BASE.replace('  Name string v0+\n  Count int32 v1+ default=-1\n',
                               '  Count int32 v1+ default=-1\n  Name string v0+\n')
        problems = lock.check([self.parse(swapped)], text)
        self.assertTrue(any(p.startswith('reordered: ThingRequest') for p in problems), problems)

    def test_retyped_field_fails(self):
        text = lock.render([self.parse(BASE)])
        problems = lock.check([self.parse(BASE.replace('Id int64', 'Id int32'))], text)
        self.assertTrue(any('ThingRequest.Item.Id' in p and 'int64' in p for p in problems),
                        problems)

    def test_retagged_and_added_fields_fail(self):
        text = lock.render([self.parse(BASE)])
        self.assertTrue(lock.check([self.parse(BASE.replace('tag=0', 'tag=1'))], text))
        self.assertTrue(lock.check([self.parse(BASE.replace('  ErrorCode int16 v0+\n',
                                                            '  ErrorCode int16 v0+\n'
                                                            '  More int8 v3+\n'))], text))

    def test_committed_lock_matches_committed_schemas(self):
        files = [schema.parse_file(os.path.join(SCHEMA_DIR, n), n[:-len('.schema')])
                 for n in sorted(os.listdir(SCHEMA_DIR)) if n.endswith('.schema')]
        with open(os.path.join(SCHEMA_DIR, 'fields.lock')) as f:
            self.assertEqual(lock.check(files, f.read()), [])


class StrictnessTest(Base):
    def rejects(self, text, fragment):
        with self.assertRaises(schema.SchemaError) as cm:
            self.parse(text)
        self.assertIn(fragment, str(cm.exception))

    def test_rejects_unknown_attribute(self):
        self.rejects(BASE.replace('Count int32 v1+', 'Count int32 v1+ optional'),
                     'unknown attribute')

    def test_rejects_unknown_type(self):
        self.rejects(BASE.replace('Count int32', 'Count int128'), 'unknown type')

    def test_rejects_tag_in_non_flexible_version(self):
        self.rejects(BASE.replace('tag=0 tagged=2+', 'tag=0 tagged=1+').replace(
            'Extra string v2+ nullable=2+', 'Extra string v1+ nullable=1+'), 'non-flexible')

    def test_rejects_bad_default(self):
        self.rejects(BASE.replace('default=-1', 'default=40000000000'), 'out of range')
        self.rejects(BASE.replace('Name string v0+', 'Name string v0+ default=null'),
                     'nullable in all')

    def test_rejects_nullable_int(self):
        self.rejects(BASE.replace('Count int32 v1+', 'Count int32 v1+ nullable=1+'),
                     'cannot be nullable')

    def test_rejects_duplicate_field_and_tag(self):
        self.rejects(BASE.replace('  Count int32', '  Name int32'), 'duplicate field')

    def test_rejects_bad_indentation(self):
        self.rejects(BASE.replace('    Id int64', '   Id int64'), 'multiple of 2')


class CompileTest(Base):
    """The generated C++ compiles with every compiler we build with (gcc for the product,
    clang for the fuzzers), checked on small schemas that reach the tricky constructs."""

    # A nullable nested struct whose members have default initialisers (DescribeTopicPartitions'
    # Cursor): clang rejected the optional<Cursor>::emplace() that gcc accepted.
    NULLABLE_STRUCT = '''# test
request Thing key=0 versions=0 flexible=0+ listeners=broker
  Cursor Cursor v0+ nullable=0+ default=null
    TopicName string v0+
    PartitionIndex int32 v0+

response Thing versions=0 flexible=0+
  ErrorCode int16 v0+
'''

    def compile_with(self, compiler, text):
        if shutil.which(compiler) is None:
            self.skipTest('%s not installed' % compiler)
        sf = self.parse(text)
        gen = os.path.join(self.dir, 'protocol', 'generated')
        os.makedirs(gen)
        with open(os.path.join(gen, 'thing.h'), 'w') as f:
            f.write(cpp.header(sf))
        with open(os.path.join(gen, 'thing.cc'), 'w') as f:
            f.write(cpp.source(sf))
        run = subprocess.run([compiler, '-std=c++20', '-fsyntax-only', '-Wall', '-Wextra',
                              '-Werror', '-I', REPO_DIR, '-I', self.dir,
                              os.path.join(gen, 'thing.cc')], capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)

    def test_nullable_struct_compiles_with_clang(self):
        self.compile_with('clang++', self.NULLABLE_STRUCT)

    def test_nullable_struct_compiles_with_gcc(self):
        self.compile_with('g++', self.NULLABLE_STRUCT)


if __name__ == '__main__':
    unittest.main()
