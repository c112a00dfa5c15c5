"""Parser and validator for Fjord's .schema files (format: protocol/schema/README.md).

Strict by design: anything not understood is an error with file:line, so a typo in a schema
fails the build instead of silently producing a wrong codec.
"""

import re
import shlex

PRIMITIVES = {
    # name: (fixed wire size or None, minimal wire size classic, minimal wire size compact)
    'bool': 1, 'int8': 1, 'int16': 2, 'uint16': 2, 'int32': 4, 'uint32': 4, 'int64': 8,
    'float64': 8, 'uuid': 16, 'string': None, 'bytes': None, 'records': None,
}
INT_RANGES = {
    'int8': (-2**7, 2**7 - 1), 'int16': (-2**15, 2**15 - 1), 'uint16': (0, 2**16 - 1),
    'int32': (-2**31, 2**31 - 1), 'uint32': (0, 2**32 - 1), 'int64': (-2**63, 2**63 - 1),
}
NULLABLE_KINDS = {'string', 'bytes', 'records', 'array', 'struct'}
MAX_VERSION = 0x7fff
# Member functions of every generated struct; a field with one of these names gets a '_' suffix.
RESERVED_MEMBERS = {'read', 'write', 'wire_size', 'can_encode', 'decode', 'encode',
                    'encoded_size', 'unknown_tagged_fields'}
CPP_KEYWORDS = set('''alignas alignof and and_eq asm auto bitand bitor bool break case catch char
char8_t char16_t char32_t class compl concept const consteval constexpr constinit const_cast
continue co_await co_return co_yield decltype default delete do double dynamic_cast else enum
explicit export extern false float for friend goto if inline int long mutable namespace new
noexcept not not_eq nullptr operator or or_eq private protected public register
reinterpret_cast requires return short signed sizeof static static_assert static_cast struct
switch template this thread_local throw true try typedef typeid typename union unsigned using
virtual void volatile wchar_t while xor xor_eq'''.split())


class SchemaError(Exception):
    pass


class Versions:
    """A closed version range [lo, hi]; empty when lo > hi. 'N+' is open-ended (hi = MAX)."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    @staticmethod
    def parse(text, where):
        if text == 'none':
            return Versions(1, 0)
        m = re.fullmatch(r'(\d+)(\+|-(\d+))?', text)
        if not m:
            raise SchemaError('%s: bad version range %r' % (where, text))
        lo = int(m.group(1))
        if m.group(2) == '+':
            hi = MAX_VERSION
        elif m.group(3) is not None:
            hi = int(m.group(3))
        else:
            hi = lo
        if lo > hi or hi > MAX_VERSION:
            raise SchemaError('%s: bad version range %r' % (where, text))
        return Versions(lo, hi)

    def empty(self):
        return self.lo > self.hi

    def contains(self, v):
        return self.lo <= v <= self.hi

    def intersect(self, o):
        return Versions(max(self.lo, o.lo), min(self.hi, o.hi))

    def hull(self, o):
        if self.empty():
            return o
        if o.empty():
            return self
        return Versions(min(self.lo, o.lo), max(self.hi, o.hi))

    def covers(self, o):
        return o.empty() or (self.lo <= o.lo and o.hi <= self.hi)

    def __eq__(self, o):
        return (self.empty() and o.empty()) or (self.lo, self.hi) == (o.lo, o.hi)

    def __str__(self):
        if self.empty():
            return 'none'
        if self.hi == MAX_VERSION:
            return '%d+' % self.lo
        return '%d' % self.lo if self.lo == self.hi else '%d-%d' % (self.lo, self.hi)


def snake_case(name):
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', name)
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', s)
    return s.lower()


class Field:
    def __init__(self, name, type_text, where):
        self.name = name
        self.where = where
        self.member = snake_case(name)
        if self.member in CPP_KEYWORDS or self.member in RESERVED_MEMBERS:
            self.member += '_'
        self.is_array = type_text.startswith('[]')
        self.elem = type_text[2:] if self.is_array else type_text
        self.type_text = type_text
        self.versions = None
        self.nullable = Versions(1, 0)
        self.tag = None
        self.tagged = Versions(1, 0)
        self.ignorable = False
        self.default = None       # raw text, or None for the type's zero value
        self.struct = None        # Struct for struct and array-of-struct fields
        self.children = []        # inline struct definition (fields)

    @property
    def kind(self):
        if self.is_array:
            return 'array'
        return self.elem if self.elem in PRIMITIVES else 'struct'

    def elem_is_struct(self):
        return self.elem not in PRIMITIVES

    def nullable_type(self):
        return not self.nullable.empty()


class Struct:
    def __init__(self, name, fields, where, common=False):
        self.name = name
        self.fields = fields
        self.where = where
        self.common = common
        self.range = Versions(1, 0)   # versions in which this struct can appear (computed)


class Message:
    def __init__(self, kind, api, where):
        self.kind = kind              # request | response | data
        self.api = api
        self.where = where
        self.key = None
        self.versions = None
        self.flexible = Versions(1, 0)
        self.deprecated = Versions(1, 0)
        self.listeners = []
        self.fields = []
        self.structs = {}             # name -> Struct, all nested types (inline and common)
        self.order = []               # structs in declaration order (dependencies first)

    @property
    def cpp_name(self):
        if self.kind == 'request':
            return self.api + 'Request'
        if self.kind == 'response':
            return self.api + 'Response'
        return self.api


class SchemaFile:
    def __init__(self, path, stem):
        self.path = path
        self.stem = stem
        self.messages = []
        self.doc = []

    def request(self):
        return next((m for m in self.messages if m.kind == 'request'), None)

    def response(self):
        return next((m for m in self.messages if m.kind == 'response'), None)


def _tokens(text, where):
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as e:
        raise SchemaError('%s: %s' % (where, e))


def _attrs(tokens, allowed, where):
    out = {}
    for t in tokens:
        k, eq, v = t.partition('=')
        if k not in allowed:
            raise SchemaError('%s: unknown attribute %r' % (where, t))
        if (allowed[k] is None) != (eq == ''):
            raise SchemaError('%s: attribute %r %s a value' %
                              (where, k, 'takes no' if allowed[k] is None else 'needs'))
        if k in out:
            raise SchemaError('%s: attribute %r given twice' % (where, k))
        out[k] = v if eq else True
    return out


FIELD_ATTRS = {'nullable': 1, 'tag': 1, 'tagged': 1, 'ignorable': None, 'default': 1}
MESSAGE_ATTRS = {'key': 1, 'versions': 1, 'flexible': 1, 'deprecated': 1, 'listeners': 1}
LISTENERS = ('zkBroker', 'broker', 'controller')


def parse_file(path, stem):
    sf = SchemaFile(path, stem)
    lines = open(path, encoding='utf-8').read().split('\n')
    # (indent, lineno, text) of significant lines
    items = []
    for i, raw in enumerate(lines, 1):
        where = '%s:%d' % (path, i)
        if '\t' in raw:
            raise SchemaError('%s: tab character (indent with spaces)' % where)
        if raw.rstrip() != raw:
            raise SchemaError('%s: trailing whitespace' % where)
        s = raw.strip()
        if not s:
            continue
        if s.startswith('#'):
            if not items:
                sf.doc.append(s[1:].strip())
            continue
        indent = len(raw) - len(raw.lstrip(' '))
        if indent % 2:
            raise SchemaError('%s: indentation must be a multiple of 2' % where)
        items.append((indent // 2, where, s))

    pos = 0

    def parse_fields(depth):
        nonlocal pos
        fields = []
        while pos < len(items) and items[pos][0] >= depth:
            level, where, text = items[pos]
            if level > depth:
                raise SchemaError('%s: unexpected indentation' % where)
            toks = _tokens(text, where)
            if toks[0] == 'struct':
                break
            pos += 1
            if len(toks) < 3:
                raise SchemaError('%s: a field is "Name type vVERSIONS [attributes]"' % where)
            name, type_text, ver = toks[0], toks[1], toks[2]
            if not re.fullmatch(r'[A-Za-z][A-Za-z0-9]*', name):
                raise SchemaError('%s: bad field name %r' % (where, name))
            if not re.fullmatch(r'(\[\])?[A-Za-z][A-Za-z0-9]*', type_text):
                raise SchemaError('%s: bad type %r' % (where, type_text))
            if not ver.startswith('v'):
                raise SchemaError('%s: third word must be the versions, e.g. v0+' % where)
            f = Field(name, type_text, where)
            f.versions = Versions.parse(ver[1:], where)
            a = _attrs(toks[3:], FIELD_ATTRS, where)
            if 'nullable' in a:
                f.nullable = Versions.parse(a['nullable'], where)
            if 'tag' in a:
                if not re.fullmatch(r'\d+', a['tag']):
                    raise SchemaError('%s: bad tag %r' % (where, a['tag']))
                f.tag = int(a['tag'])
            if 'tagged' in a:
                f.tagged = Versions.parse(a['tagged'], where)
            f.ignorable = 'ignorable' in a
            if 'default' in a:
                f.default = a['default']
            f.children = parse_fields(depth + 1)
            fields.append(f)
        return fields

    while pos < len(items):
        level, where, text = items[pos]
        if level != 0:
            raise SchemaError('%s: expected a message line at column 0' % where)
        toks = _tokens(text, where)
        if toks[0] not in ('request', 'response', 'data') or len(toks) < 2:
            raise SchemaError('%s: expected "request|response|data Name attributes"' % where)
        m = Message(toks[0], toks[1], where)
        a = _attrs(toks[2:], MESSAGE_ATTRS, where)
        if 'versions' not in a or 'flexible' not in a:
            raise SchemaError('%s: a message needs versions= and flexible=' % where)
        m.versions = Versions.parse(a['versions'], where)
        m.flexible = Versions.parse(a['flexible'], where)
        if 'deprecated' in a:
            m.deprecated = Versions.parse(a['deprecated'], where)
        if 'key' in a:
            if m.kind != 'request' or not re.fullmatch(r'\d+', a['key']):
                raise SchemaError('%s: key= belongs on the request line, as a number' % where)
            m.key = int(a['key'])
        if 'listeners' in a:
            if m.kind != 'request':
                raise SchemaError('%s: listeners= belongs on the request line' % where)
            m.listeners = a['listeners'].split(',')
            for li in m.listeners:
                if li not in LISTENERS:
                    raise SchemaError('%s: unknown listener %r' % (where, li))
        pos += 1
        m.fields = parse_fields(1)
        commons = []
        while pos < len(items) and items[pos][0] == 1:
            _, swhere, stext = items[pos]
            stoks = _tokens(stext, swhere)
            if len(stoks) != 3 or stoks[0] != 'struct' or not stoks[2].startswith('v'):
                raise SchemaError('%s: expected "struct Name vVERSIONS"' % swhere)
            pos += 1
            s = Struct(stoks[1], parse_fields(2), swhere, common=True)
            Versions.parse(stoks[2][1:], swhere)
            commons.append(s)
            if pos < len(items) and items[pos][0] == 1 and \
                    not _tokens(items[pos][2], items[pos][1])[0] == 'struct':
                raise SchemaError('%s: fields after a struct block belong above it' %
                                  items[pos][1])
        _resolve(m, commons)
        sf.messages.append(m)
    _validate_file(sf)
    return sf


def _resolve(m, commons):
    """Binds struct-typed fields to their Struct and orders struct declarations."""
    for s in commons:
        if s.name in m.structs:
            raise SchemaError('%s: struct %s defined twice' % (s.where, s.name))
        m.structs[s.name] = s

    def collect(fields):
        for f in fields:
            if f.elem_is_struct():
                if f.children:
                    if f.elem in m.structs:
                        raise SchemaError('%s: struct %s defined twice' % (f.where, f.elem))
                    m.structs[f.elem] = Struct(f.elem, f.children, f.where)
                collect(f.children)
            elif f.children:
                raise SchemaError('%s: only struct-typed fields have nested fields' % f.where)
    collect(m.fields)
    for s in commons:
        collect(s.fields)

    def bind(fields):
        for f in fields:
            if f.elem_is_struct():
                if f.elem not in m.structs:
                    raise SchemaError('%s: unknown type %r' % (f.where, f.elem))
                if not f.children and not m.structs[f.elem].common:
                    raise SchemaError('%s: struct %s is defined inline elsewhere; define it '
                                      'as a common struct to share it' % (f.where, f.elem))
                f.struct = m.structs[f.elem]
    bind(m.fields)
    for s in m.structs.values():
        bind(s.fields)
    for name in m.structs:
        if name == m.cpp_name:
            raise SchemaError('%s: struct may not be named like its message' % m.where)

    # Declaration order: a struct after every struct its fields use; cycles are errors.
    state = {}

    def visit(s):
        if state.get(s.name) == 'done':
            return
        if state.get(s.name) == 'active':
            raise SchemaError('%s: struct %s contains itself' % (s.where, s.name))
        state[s.name] = 'active'
        for f in s.fields:
            if f.struct:
                visit(f.struct)
        state[s.name] = 'done'
        m.order.append(s)
    for f in m.fields:
        if f.struct:
            visit(f.struct)
    for s in m.structs.values():
        if s.common and s.name not in state:
            raise SchemaError('%s: common struct %s is never used' % (s.where, s.name))

    # Versions in which each struct can appear, to drop always-true version tests.
    def spread(fields, rng):
        for f in fields:
            if f.struct:
                present = f.versions.intersect(rng)
                new = f.struct.range.hull(present)
                if not (new == f.struct.range):
                    f.struct.range = new
                    spread(f.struct.fields, new)
    spread(m.fields, m.versions)


def _validate_default(f, all_nullable):
    d = f.default
    k = f.kind
    if d is None:
        return
    if d == 'null':
        if k not in NULLABLE_KINDS:
            raise SchemaError('%s: %s cannot default to null' % (f.where, f.type_text))
        if not all_nullable:
            raise SchemaError('%s: default=null needs the field nullable in all its versions'
                              % f.where)
        return
    if k in INT_RANGES:
        if not re.fullmatch(r'-?\d+', d):
            raise SchemaError('%s: bad integer default %r' % (f.where, d))
        lo, hi = INT_RANGES[k]
        if not lo <= int(d) <= hi:
            raise SchemaError('%s: default %s out of range for %s' % (f.where, d, k))
    elif k == 'bool':
        if d not in ('true', 'false'):
            raise SchemaError('%s: bool default must be true or false' % f.where)
    elif k == 'float64':
        try:
            float(d)
        except ValueError:
            raise SchemaError('%s: bad float default %r' % (f.where, d))
    elif k == 'string':
        if '"' in d or '\\' in d or '\n' in d:
            raise SchemaError('%s: string default may not contain quotes or backslashes' %
                              f.where)
    else:
        raise SchemaError('%s: %s fields take no default but null' % (f.where, f.type_text))


def _validate_struct_fields(m, fields, where):
    names, members, tags = set(), set(), set()
    for f in fields:
        if f.name in names or f.member in members:
            raise SchemaError('%s: duplicate field %s' % (f.where, f.name))
        names.add(f.name)
        members.add(f.member)
        if f.versions.empty():
            raise SchemaError('%s: field without versions' % f.where)
        if f.is_array and f.elem in ('records',):
            raise SchemaError('%s: arrays of records are not a Kafka type' % f.where)
        if not f.nullable.empty():
            if f.kind not in NULLABLE_KINDS:
                raise SchemaError('%s: %s cannot be nullable' % (f.where, f.type_text))
            if not f.versions.covers(f.nullable.intersect(f.versions)) or \
                    f.nullable.intersect(f.versions).empty():
                raise SchemaError('%s: nullable versions outside the field versions' % f.where)
        all_nullable = f.nullable.covers(f.versions)
        _validate_default(f, all_nullable)
        if (f.tag is None) != f.tagged.empty():
            raise SchemaError('%s: tag= and tagged= go together' % f.where)
        if f.tag is not None:
            if f.tag in tags:
                raise SchemaError('%s: duplicate tag %d' % (f.where, f.tag))
            tags.add(f.tag)
            if not (f.tagged == f.versions):
                raise SchemaError('%s: tagged versions must equal the field versions' % f.where)
            if f.tagged.hi != MAX_VERSION:
                raise SchemaError('%s: tagged versions must be open-ended (N+)' % f.where)
            if m.flexible.empty() or f.tagged.lo < m.flexible.lo:
                raise SchemaError('%s: tagged field in a non-flexible version' % f.where)


def _validate_file(sf):
    kinds = [m.kind for m in sf.messages]
    if not sf.messages:
        raise SchemaError('%s: no messages' % sf.path)
    if 'data' in kinds:
        if set(kinds) != {'data'}:
            raise SchemaError('%s: data schemas and APIs live in separate files' % sf.path)
    else:
        if kinds != ['request', 'response']:
            raise SchemaError('%s: an API file holds one request, then its response' % sf.path)
        req, resp = sf.messages
        if req.api != resp.api:
            raise SchemaError('%s: request and response name different APIs' % resp.where)
        if req.key is None or not req.listeners:
            raise SchemaError('%s: the request line needs key= and listeners=' % req.where)
        if not (req.versions == resp.versions):
            raise SchemaError('%s: response versions differ from the request' % resp.where)
        if snake_case(req.api) != sf.stem:
            raise SchemaError('%s: file should be named %s.schema' % (sf.path,
                                                                      snake_case(req.api)))
    for m in sf.messages:
        if m.kind == 'data' and (m.key is not None or m.listeners):
            raise SchemaError('%s: data schemas have no key or listeners' % m.where)
        if m.versions.empty() or m.versions.hi == MAX_VERSION:
            raise SchemaError('%s: versions must be a closed range' % m.where)
        if not m.flexible.empty() and (m.flexible.hi != MAX_VERSION):
            raise SchemaError('%s: flexible versions must be open-ended (N+) or none' %
                              m.where)
        if not re.fullmatch(r'[A-Z][A-Za-z0-9]*', m.api):
            raise SchemaError('%s: message names are PascalCase' % m.where)
        _validate_struct_fields(m, m.fields, m.where)
        for s in m.structs.values():
            _validate_struct_fields(m, s.fields, s.where)
        for f in m.fields:
            if f.versions.intersect(m.versions).empty():
                raise SchemaError('%s: field never present in %s' % (f.where, m.versions))
