"""Emits the C++ codec for one parsed schema file: a header with one struct per message and per
nested type, and a source with their read/write/wire_size/can_encode bodies.

Every struct S gets:
  void read(Reader&, int16_t v)            decode the fields present in v (no range check)
  void write(Writer&, int16_t v) const     encode; precondition: can_encode(v)
  size_t wire_size(int16_t v) const        exact encoded size (file regions included)
  bool can_encode(int16_t v) const         false if v cannot carry the data (see below)
Messages additionally get decode/encode/encoded_size with the version-range check.

can_encode follows Kafka's generated write(): a non-ignorable field holding a non-default
value in a version that lacks it, null in a non-nullable version, or unknown tagged fields in
a non-flexible version make the message unencodable (Kafka throws
UnsupportedVersionException / NullPointerException there).
"""

from schema import INT_RANGES, PRIMITIVES

CPP_SCALAR = {
    'bool': 'bool', 'int8': 'int8_t', 'int16': 'int16_t', 'uint16': 'uint16_t',
    'int32': 'int32_t', 'uint32': 'uint32_t', 'int64': 'int64_t', 'float64': 'double',
    'uuid': '::fjord::Uuid',
}
CPP_VAR = {'string': 'std::string', 'bytes': '::fjord::Bytes', 'records': '::fjord::RecordsRef'}
WIRE_METHOD = {
    'bool': 'bool', 'int8': 'int8', 'int16': 'int16', 'uint16': 'uint16', 'int32': 'int32',
    'uint32': 'uint32', 'int64': 'int64', 'float64': 'float64', 'uuid': 'uuid',
}


def cond(vs, ctx):
    """C++ test for 'v in vs' given v is known to be in ctx: True, False, or an expression."""
    inter = vs.intersect(ctx)
    if inter.empty():
        return False
    if inter == ctx:
        return True
    parts = []
    if inter.lo > ctx.lo:
        parts.append('v >= %d' % inter.lo)
    if inter.hi < ctx.hi:
        parts.append('v <= %d' % inter.hi)
    return ' && '.join(parts)


def expr(c):
    return 'true' if c is True else 'false' if c is False else '(%s)' % c


def elem_type(f):
    if f.elem in CPP_SCALAR:
        return CPP_SCALAR[f.elem]
    if f.elem in CPP_VAR:
        return CPP_VAR[f.elem]
    return f.elem


def member_type(f):
    if f.is_array:
        t = 'std::vector<%s>' % elem_type(f)
    else:
        t = elem_type(f)
    if f.nullable_type() and f.kind != 'records':
        t = 'std::optional<%s>' % t
    return t


def int_literal(kind, value):
    lo, hi = INT_RANGES[kind]
    if value == lo and lo < 0:
        return 'std::numeric_limits<%s>::min()' % CPP_SCALAR[kind]
    suffix = 'LL' if kind == 'int64' else 'U' if kind == 'uint32' else ''
    return '%d%s' % (value, suffix)


def default_value(f):
    """C++ expression of the field's default (of member_type), or None for 'T{}'."""
    k, d = f.kind, f.default
    if k in INT_RANGES:
        return int_literal(k, int(d or 0))
    if k == 'bool':
        return d or 'false'
    if k == 'float64':
        return repr(float(d or 0))
    if d == 'null':
        return 'std::nullopt' if k != 'records' else None
    if k == 'string' and d:
        return '"%s"' % d
    if f.nullable_type() and k != 'records':
        # Nullable without default=null: Kafka's default is the empty value, not null.
        return 'std::string()' if k == 'string' and not f.is_array else \
            '%s()' % member_type(f)[len('std::optional<'):-1]
    return None


def is_default(f, x):
    """C++ test that x (the member) holds the field's default value."""
    k, d = f.kind, f.default
    if k in INT_RANGES or k in ('bool', 'float64'):
        return '%s == %s' % (x, default_value(f))
    if k == 'uuid':
        return '%s.is_zero()' % x
    if k == 'records':
        return '%s.is_null' % x
    if f.nullable_type():
        if d == 'null':
            return '!%s.has_value()' % x
        if k == 'string' and d:
            return '%s == "%s"' % (x, d)
        if k == 'struct':
            return '(%s.has_value() && *%s == %s{})' % (x, x, f.elem)
        return '(%s.has_value() && %s->empty())' % (x, x)
    if k == 'string' and d:
        return '%s == "%s"' % (x, d)
    if k == 'struct':
        return '%s == %s{}' % (x, f.elem)
    return '%s.empty()' % x


def min_size(f, compact):
    """Smallest wire size of one element of f, for bounding hostile array counts."""
    if f.elem in PRIMITIVES and PRIMITIVES[f.elem]:
        return PRIMITIVES[f.elem]
    if f.elem == 'string':
        return 1 if compact else 2
    if f.elem in ('bytes', 'records'):
        return 1 if compact else 4
    return 1


class Emitter:
    def __init__(self, msg):
        self.m = msg

    def flex(self, ctx):
        return cond(self.m.flexible, ctx)

    # ---- read -------------------------------------------------------------------------------
    def read_value(self, f, x, r, compact, nullable, out, ind):
        """Lines that decode field f into x from reader r."""
        k = f.kind
        p = ' ' * ind
        if k in WIRE_METHOD:
            out.append('%s%s = %s.read_%s();' % (p, x, r, WIRE_METHOD[k]))
        elif k in ('string', 'bytes'):
            if f.nullable_type():
                out.append('%s::fjord::msg::codec::read_%s(%s, %s, %s, %s);' %
                           (p, k, r, compact, nullable, x))
            else:
                out.append('%s::fjord::msg::codec::read_%s(%s, %s, %s);' % (p, k, r, compact, x))
        elif k == 'records':
            out.append('%s::fjord::msg::codec::read_records(%s, %s, %s, %s);' %
                       (p, r, compact, nullable, x))
        elif k == 'struct':
            if f.nullable_type():
                # emplace(T{}), not emplace(): clang with libstdc++ judges a nested struct
                # with default member initialisers not default-constructible while the
                # enclosing struct is incomplete, and caches that answer (CWG 1397).
                out.append('%sif (::fjord::msg::codec::read_struct_present(%s, %s)) '
                           '%s.emplace(decltype(%s)::value_type{}).read(%s, v);' %
                           (p, r, nullable, x, x, r))
                out.append('%selse %s.reset();' % (p, x))
            else:
                out.append('%s%s.read(%s, v);' % (p, x, r))
        else:
            out.append('%s{' % p)
            out.append('%s  const int32_t n = ::fjord::msg::codec::read_array_length(%s, %s, %s, '
                       '%d);' % (p, r, compact, nullable, min_size(f, False)))
            a = x
            if f.nullable_type():
                out.append('%s  if (n >= 0) {' % p)
                out.append('%s    auto& a = %s.emplace();' % (p, x))
                a, ind2 = 'a', ind + 4
            else:
                ind2 = ind + 2
            q = ' ' * ind2
            e = f.elem
            if e in WIRE_METHOD:
                if e != 'uuid':
                    out.append('%s%s.reserve(static_cast<size_t>(n > 0 ? n : 0));' % (q, a))
                out.append('%sfor (int32_t i = 0; i < n; ++i) %s.push_back(%s.read_%s());' %
                           (q, a, r, WIRE_METHOD[e]))
            elif e in ('string', 'bytes'):
                out.append('%sfor (int32_t i = 0; i < n && %s.ok(); ++i) '
                           '::fjord::msg::codec::read_%s(%s, %s, %s.emplace_back());' %
                           (q, r, e, r, compact, a))
            elif e == 'records':
                raise AssertionError('arrays of records')
            else:
                out.append('%sfor (int32_t i = 0; i < n && %s.ok(); ++i) '
                           '%s.emplace_back().read(%s, v);' % (q, r, a, r))
            if f.nullable_type():
                out.append('%s  } else {' % p)
                out.append('%s    %s.reset();' % (p, x))
                out.append('%s  }' % p)
            out.append('%s}' % p)

    # ---- write ------------------------------------------------------------------------------
    def write_value(self, f, x, compact, nullable, out, ind):
        k = f.kind
        p = ' ' * ind
        if k in WIRE_METHOD:
            out.append('%sw.write_%s(%s);' % (p, WIRE_METHOD[k], x))
        elif k in ('string', 'bytes', 'records'):
            out.append('%s::fjord::msg::codec::write_%s(w, %s, %s);' % (p, k, compact, x))
        elif k == 'struct':
            if f.nullable_type():
                out.append('%s::fjord::msg::codec::write_struct_present(w, %s, %s.has_value());' %
                           (p, nullable, x))
                out.append('%sif (%s) %s->write(w, v);' % (p, x, x))
            else:
                out.append('%s%s.write(w, v);' % (p, x))
        else:
            a = x
            if f.nullable_type():
                out.append('%sif (!%s) {' % (p, x))
                out.append('%s  w.write_array_length(-1, %s);' % (p, compact))
                out.append('%s} else {' % p)
                a, ind = '(*%s)' % x, ind + 2
            q = ' ' * ind
            out.append('%sw.write_array_length(static_cast<int32_t>(%s.size()), %s);' %
                       (q, a, compact))
            e = f.elem
            if e in WIRE_METHOD:
                body = 'w.write_%s(e);' % WIRE_METHOD[e]
            elif e in ('string', 'bytes'):
                body = '::fjord::msg::codec::write_%s(w, %s, e);' % (e, compact)
            else:
                body = 'e.write(w, v);'
            out.append('%sfor (const auto& e : %s) %s' % (q, a, body))
            if f.nullable_type():
                out.append('%s}' % p)

    # ---- size -------------------------------------------------------------------------------
    def size_value(self, f, x, acc, compact, nullable, out, ind):
        k = f.kind
        p = ' ' * ind
        if k in WIRE_METHOD:
            out.append('%s%s += %d;' % (p, acc, PRIMITIVES[k]))
        elif k in ('string', 'bytes', 'records'):
            out.append('%s%s += ::fjord::msg::codec::%s_size(%s, %s);' % (p, acc, k, compact, x))
        elif k == 'struct':
            if f.nullable_type():
                out.append('%sif (%s) %s += 1;' % (p, nullable, acc))
                out.append('%sif (%s) %s += %s->wire_size(v);' % (p, x, acc, x))
            else:
                out.append('%s%s += %s.wire_size(v);' % (p, acc, x))
        else:
            a = x
            if f.nullable_type():
                out.append('%sif (!%s) {' % (p, x))
                out.append('%s  %s += ::fjord::msg::codec::array_length_size(%s, -1);' %
                           (p, acc, compact))
                out.append('%s} else {' % p)
                a, ind = '(*%s)' % x, ind + 2
            q = ' ' * ind
            out.append('%s%s += ::fjord::msg::codec::array_length_size(%s, '
                       'static_cast<int64_t>(%s.size()));' % (q, acc, compact, a))
            e = f.elem
            if e in WIRE_METHOD:
                out.append('%s%s += %s.size() * %d;' % (q, acc, a, PRIMITIVES[e]))
            elif e in ('string', 'bytes'):
                out.append('%sfor (const auto& e : %s) %s += ::fjord::msg::codec::%s_size(%s, e);'
                           % (q, a, acc, e, compact))
            else:
                out.append('%sfor (const auto& e : %s) %s += e.wire_size(v);' % (q, a, acc))
            if f.nullable_type():
                out.append('%s}' % p)

    # ---- per struct -------------------------------------------------------------------------
    @staticmethod
    def each_regular(regular, ctx, out, emit):
        """Calls emit(f, nullable, indent) for every untagged field the versions in ctx may hold,
        inside `if (<version condition>)` where only some of them do."""
        for f in regular:
            c = cond(f.versions, ctx)
            if c is False:
                continue
            n = expr(cond(f.nullable, f.versions.intersect(ctx)))
            if c is True:
                emit(f, n, 2)
            else:
                out.append('  if (%s) {' % c)
                emit(f, n, 4)
                out.append('  }')

    @staticmethod
    def open_flex(flex, out):
        """Opens the tagged-fields part, inside `if (<flexible>)` unless every version in the
        context is flexible; returns its indent. close_flex ends it."""
        if flex is not True:
            out.append('  if (%s) {' % flex)
        return 2 if flex is True else 4

    @staticmethod
    def close_flex(flex, out):
        if flex is not True:
            out.append('  }')

    def struct_body(self, qual, fields, ctx):
        """Definitions of read/write/wire_size/can_encode for one struct."""
        flex = self.flex(ctx)
        out = []
        regular = [f for f in fields if f.tag is None]
        tagged = sorted([f for f in fields if f.tag is not None], key=lambda f: f.tag)
        C = expr(flex)

        # read
        out.append('void %s::read([[maybe_unused]] ::fjord::Reader& r, '
                   '[[maybe_unused]] int16_t v) {' % qual)
        self.each_regular(regular, ctx, out, lambda f, n, ind: self.read_value(
            f, 'this->' + f.member, 'r', C, n, out, ind))
        if flex is not False:
            ind = self.open_flex(flex, out)
            p = ' ' * ind
            live = [f for f in tagged if cond(f.versions, ctx) is not False]
            if not live:
                out.append('%s::fjord::msg::codec::read_tagged_fields(r, this->unknown_tagged_fields, '
                           '[](uint32_t, ::fjord::Reader&) { return false; });' % p)
            else:
                out.append('%s::fjord::msg::codec::read_tagged_fields(r, this->unknown_tagged_fields, '
                           '[&](uint32_t tag, ::fjord::Reader& t) {' % p)
                out.append('%s  switch (tag) {' % p)
                for f in live:
                    c = cond(f.versions, ctx)
                    n = expr(cond(f.nullable, f.versions.intersect(ctx)))
                    out.append('%s    case %d:' % (p, f.tag))
                    if c is True:
                        self.read_value(f, 'this->' + f.member, 't', 'true', n, out, ind + 6)
                        out.append('%s      return true;' % p)
                    else:
                        out.append('%s      if (!(%s)) return false;' % (p, c))
                        self.read_value(f, 'this->' + f.member, 't', 'true', n, out, ind + 6)
                        out.append('%s      return true;' % p)
                out.append('%s    default:' % p)
                out.append('%s      return false;' % p)
                out.append('%s  }' % p)
                out.append('%s});' % p)
            self.close_flex(flex, out)
        out.append('}')
        out.append('')

        # write
        out.append('void %s::write([[maybe_unused]] ::fjord::Writer& w, '
                   '[[maybe_unused]] int16_t v) const {' % qual)
        self.each_regular(regular, ctx, out, lambda f, n, ind: self.write_value(
            f, 'this->' + f.member, C, n, out, ind))
        if flex is not False:
            ind = self.open_flex(flex, out)
            p = ' ' * ind
            live = [f for f in tagged if cond(f.versions, ctx) is not False]
            count = ['this->unknown_tagged_fields.size()']
            for f in live:
                c = cond(f.versions, ctx)
                has = '!(%s)' % is_default(f, 'this->' + f.member)
                if c is not True:
                    has = '(%s) && %s' % (c, has)
                out.append('%sconst bool has_%s = %s;' % (p, f.member, has))
                count.append('(has_%s ? 1 : 0)' % f.member)
            out.append('%sw.write_uvarint(%s);' % (p, ' + '.join(count)))
            if live:
                out.append('%s::fjord::msg::codec::UnknownTagWriter unknown(w, '
                           'this->unknown_tagged_fields);' % p)
                for f in live:
                    n = expr(cond(f.nullable, f.versions.intersect(ctx)))
                    out.append('%sif (has_%s) {' % (p, f.member))
                    out.append('%s  unknown.write_before(%d);' % (p, f.tag))
                    out.append('%s  w.write_uvarint(%d);' % (p, f.tag))
                    out.append('%s  size_t size = 0;' % p)
                    self.size_value(f, 'this->' + f.member, 'size', 'true', n, out, ind + 2)
                    out.append('%s  w.write_uvarint(size);' % p)
                    self.write_value(f, 'this->' + f.member, 'true', n, out, ind + 2)
                    out.append('%s}' % p)
                out.append('%sunknown.write_rest();' % p)
            else:
                out.append('%s::fjord::msg::codec::UnknownTagWriter(w, this->unknown_tagged_fields)'
                           '.write_rest();' % p)
            self.close_flex(flex, out)
        out.append('}')
        out.append('')

        # wire_size
        out.append('size_t %s::wire_size([[maybe_unused]] int16_t v) const {' % qual)
        out.append('  size_t n = 0;')
        self.each_regular(regular, ctx, out, lambda f, n, ind: self.size_value(
            f, 'this->' + f.member, 'n', C, n, out, ind))
        if flex is not False:
            ind = self.open_flex(flex, out)
            p = ' ' * ind
            out.append('%ssize_t count = this->unknown_tagged_fields.size();' % p)
            out.append('%sn += ::fjord::msg::codec::unknown_tagged_size(this->unknown_tagged_fields);' %
                       p)
            for f in tagged:
                c = cond(f.versions, ctx)
                if c is False:
                    continue
                nl = expr(cond(f.nullable, f.versions.intersect(ctx)))
                has = '!(%s)' % is_default(f, 'this->' + f.member)
                if c is not True:
                    has = '(%s) && %s' % (c, has)
                out.append('%sif (%s) {' % (p, has))
                out.append('%s  ++count;' % p)
                out.append('%s  size_t size = 0;' % p)
                self.size_value(f, 'this->' + f.member, 'size', 'true', nl, out, ind + 2)
                out.append('%s  n += ::fjord::uvarint_size(%d) + ::fjord::uvarint_size(size) + '
                           'size;' % (p, f.tag))
                out.append('%s}' % p)
            out.append('%sn += ::fjord::uvarint_size(count);' % p)
            self.close_flex(flex, out)
        out.append('  return n;')
        out.append('}')
        out.append('')

        # can_encode
        out.append('bool %s::can_encode([[maybe_unused]] int16_t v) const {' % qual)
        for f in fields:
            c = cond(f.versions, ctx)
            x = 'this->' + f.member
            present = []
            if c is not False and f.nullable_type():
                nc = cond(f.nullable, f.versions.intersect(ctx))
                if nc is not True:
                    null = '%s.is_null' % x if f.kind == 'records' else '!%s.has_value()' % x
                    if nc is False:
                        present.append('if (%s) return false;' % null)
                    else:
                        present.append('if (!(%s) && %s) return false;' % (nc, null))
            if c is not False and f.struct is not None and may_fail(f.struct, self.m):
                if f.is_array:
                    a = '*%s' % x if f.nullable_type() else x
                    loop = 'for (const auto& e : %s) if (!e.can_encode(v)) return false;' % a
                    present.append(('if (%s) ' % x if f.nullable_type() else '') + loop)
                elif f.nullable_type():
                    present.append('if (%s && !%s->can_encode(v)) return false;' % (x, x))
                else:
                    present.append('if (!%s.can_encode(v)) return false;' % x)
            absent = None
            if c is not True and not f.ignorable:
                absent = 'if (!(%s)) return false;' % is_default(f, x)
            if c is True:
                out += ['  ' + s for s in present]
            elif c is False:
                if absent:
                    out.append('  ' + absent)
            else:
                if present:
                    out.append('  if (%s) {' % c)
                    out += ['    ' + s for s in present]
                    out.append('  }%s' % (' else {' if absent else ''))
                    if absent:
                        out.append('    ' + absent)
                        out.append('  }')
                elif absent:
                    out.append('  if (!(%s)) {' % c)
                    out.append('    ' + absent)
                    out.append('  }')
        if self.m.flexible.empty():
            pass
        elif flex is False:
            out.append('  if (!this->unknown_tagged_fields.empty()) return false;')
        elif flex is not True:
            out.append('  if (!%s && !this->unknown_tagged_fields.empty()) return false;' % expr(flex))
        out.append('  return true;')
        out.append('}')
        out.append('')
        return out


def may_fail(struct_or_msg, msg):
    """Whether can_encode of a struct can ever return false (else recursion is skipped)."""
    memo = msg.__dict__.setdefault('_may_fail', {})
    key = id(struct_or_msg)
    if key in memo:
        return memo[key]
    memo[key] = False
    ctx = struct_or_msg.range if hasattr(struct_or_msg, 'range') else msg.versions
    fields = struct_or_msg.fields
    res = False
    if not msg.flexible.empty() and cond(msg.flexible, ctx) is not True:
        res = True
    for f in fields:
        c = cond(f.versions, ctx)
        if c is not True and not f.ignorable:
            res = True
        if c is not False and f.nullable_type() and \
                cond(f.nullable, f.versions.intersect(ctx)) is not True:
            res = True
        if c is not False and f.struct is not None and may_fail(f.struct, msg):
            res = True
    memo[key] = res
    return res


def declare_struct(name, fields, msg, ind, extra=()):
    p = ' ' * ind
    out = ['%sstruct %s {' % (p, name)]
    out += ['%s  %s' % (p, e) if e else '' for e in extra]
    for f in fields:
        d = default_value(f)
        t = member_type(f)
        if d is None:
            out.append('%s  %s %s;' % (p, t, f.member))
        elif d == 'std::nullopt':
            out.append('%s  %s %s;' % (p, t, f.member))
        else:
            out.append('%s  %s %s = %s;' % (p, t, f.member, d))
    if not msg.flexible.empty():
        out.append('%s  ::fjord::msg::UnknownTaggedFields unknown_tagged_fields;' % p)
    out.append('')
    out.append('%s  void read(::fjord::Reader& r, int16_t version);' % p)
    out.append('%s  void write(::fjord::Writer& w, int16_t version) const;' % p)
    out.append('%s  size_t wire_size(int16_t version) const;' % p)
    out.append('%s  bool can_encode(int16_t version) const;' % p)
    return out


def header(sf):
    out = ['// Generated by protocol/generator from protocol/schema/%s.schema. Do not edit.' %
           sf.stem]
    for d in sf.doc:
        out.append('// %s' % d if d else '//')
    out += ['#pragma once', '', '#include <cstdint>', '#include <limits>', '#include <optional>',
            '#include <string>', '#include <string_view>', '#include <vector>', '',
            '#include "protocol/api_codec.h"', '', 'namespace fjord::msg {', '']
    for m in sf.messages:
        key = m.key if m.kind != 'response' else sf.request().key
        extra = []
        if m.kind != 'data':
            extra.append('static constexpr int16_t kApiKey = %d;' % key)
        extra += ['static constexpr std::string_view kName = "%s";' % m.cpp_name,
                  'static constexpr int16_t kMinVersion = %d;' % m.versions.lo,
                  'static constexpr int16_t kMaxVersion = %d;' % m.versions.hi,
                  'static constexpr int16_t kFlexibleFrom = %d;  // -1: never' %
                  (-1 if m.flexible.empty() else m.flexible.lo), '']
        for s in m.order:
            extra += declare_struct(s.name, s.fields, m, 0)
            extra.append('  friend bool operator==(const %s&, const %s&) = default;' %
                         (s.name, s.name))
            extra.append('};')
            extra.append('')
        lines = declare_struct(m.cpp_name, m.fields, m, 0, extra)
        lines += [
            '',
            '  // Decodes version `version` (kUnsupportedVersion outside [kMinVersion, kMaxVersion]);',
            '  // trailing input is left to the caller (decode_exact in api_codec.h rejects it).',
            '  ::fjord::DecodeError decode(::fjord::Reader& r, int16_t version);',
            '  // Precondition (asserted in debug builds): can_encode(version).',
            '  void encode(::fjord::Writer& w, int16_t version) const;',
            '  size_t encoded_size(int16_t version) const { return wire_size(version); }',
            '  friend bool operator==(const %s&, const %s&) = default;' % (m.cpp_name, m.cpp_name),
            '};', '']
        out += lines
    out.append('}  // namespace fjord::msg')
    return '\n'.join(out) + '\n'


def source(sf):
    out = ['// Generated by protocol/generator from protocol/schema/%s.schema. Do not edit.' %
           sf.stem, '#include "protocol/generated/%s.h"' % sf.stem, '', '#include <cassert>', '',
           'namespace fjord::msg {', '']
    for m in sf.messages:
        em = Emitter(m)
        for s in m.order:
            out += em.struct_body('%s::%s' % (m.cpp_name, s.name), s.fields, s.range)
        out += em.struct_body(m.cpp_name, m.fields, m.versions)
        out += [
            '::fjord::DecodeError %s::decode(::fjord::Reader& r, int16_t version) {' % m.cpp_name,
            '  if (version < kMinVersion || version > kMaxVersion) {',
            '    return ::fjord::DecodeError::kUnsupportedVersion;',
            '  }',
            '  *this = %s{};' % m.cpp_name,
            '  read(r, version);',
            '  return r.error();',
            '}', '',
            'void %s::encode(::fjord::Writer& w, int16_t version) const {' % m.cpp_name,
            '  assert(version >= kMinVersion && version <= kMaxVersion && can_encode(version));',
            '  write(w, version);',
            '}', '']
    out.append('}  // namespace fjord::msg')
    return '\n'.join(out) + '\n'
