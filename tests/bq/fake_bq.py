#!/usr/bin/python3
"""A loopback BigQuery for the tests of bq-load (BigQuery cannot run here).

It speaks the parts of the REST API v2 that a loader uses: datasets and
tables (get, insert, list, delete, patch), load jobs with multipart and
resumable media upload, query jobs (DDL is understood well enough to
create materialized views), jobs get, list and cancel, jobs.query and
getQueryResults, tabledata.insertAll; and it plays Google's OAuth token
endpoint (RS256 JWT and refresh-token grants) and the GCE metadata
server.  With --discovery, every JSON body and every query parameter a
client sends is checked against BigQuery's published discovery document:
unknown properties, int64 fields not sent as strings, int32 fields not
sent as numbers and values outside an enum are refused with 400 and
recorded.  Load jobs apply their rows when they turn DONE, all or
nothing, after checking each row against the table's schema.  Faults are
injected through /_fault; /_requests, /_jobs, /_tables/P/D/T and
/_violations show what happened.  See tests/bq/README.md.

Python 3 standard library only (and the openssl command for RS256).
"""
import argparse
import base64
import binascii
import datetime
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
OPT = None
DISC = None		# the discovery document, or None: nothing validated
SCHEMAS = {}
RNG = random.SystemRandom()


def fresh_state():
    return {
        'datasets': {},		# (p, d) -> dataset resource
        'tables': {},		# (p, d, t) -> table record (see new_table)
        'jobs': {},		# (p, jobId) -> job record
        'seq': 0,		# job creation counter (jobs.list order)
        'uploads': {},		# upload_id -> resumable session
        'faults': [],
        'requests': [],
        'violations': [],
        'tokens': set(),	# tokens this fake issued
        'insert_ids': {},	# (p, d, t) -> insertIds seen by insertAll
        'query_requests': {},	# (p, requestId) -> jobId (jobs.query)
    }


S = fresh_state()


def now_ms():
    return int(time.time() * 1000)


def rand_id(prefix, bits=64):
    return '%s%0*x' % (prefix, bits // 4, RNG.getrandbits(bits))


class Reply(Exception):
    """Raised anywhere in a handler to answer with (code, body)."""

    def __init__(self, code, body, headers=()):
        super().__init__(code)
        self.code, self.body, self.headers = code, body, list(headers)


STATUS = {400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED',
          403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 405: 'UNIMPLEMENTED',
          409: 'ALREADY_EXISTS', 411: 'INVALID_ARGUMENT',
          412: 'FAILED_PRECONDITION', 429: 'RESOURCE_EXHAUSTED',
          500: 'INTERNAL', 501: 'UNIMPLEMENTED', 502: 'UNAVAILABLE',
          503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED'}


def gerr(code, reason, message, **extra):
    """A (code, body) pair in Google's JSON error format."""
    e = {'message': message, 'domain': 'global', 'reason': reason}
    e.update(extra)
    return code, {'error': {'code': code, 'message': message,
                            'errors': [e],
                            'status': STATUS.get(code, 'UNKNOWN')}}


def fail(code, reason, message, **extra):
    raise Reply(*gerr(code, reason, message, **extra))


def job_error(reason, message, location=None):
    e = {'reason': reason, 'message': message}
    if location:
        e['location'] = location
    return e


# ---------------------------------------------------------------------------
# Validation against the discovery document

INT_RE = re.compile(r'-?[0-9]+')
UINT_RE = re.compile(r'[0-9]+')
DATETIME_RE = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?'
                         r'(Z|[+-]\d\d:\d\d)?')
DURATION_RE = re.compile(r'-?\d+(\.\d{1,9})?s')


# Values the discovery document lists only in its descriptions (there, the
# type is a plain string), which the service itself refuses otherwise.
DISPOSITIONS = {'WRITE_APPEND', 'WRITE_TRUNCATE', 'WRITE_TRUNCATE_DATA',
                'WRITE_EMPTY'}
DESC_ENUMS = {
    ('JobConfigurationLoad', 'sourceFormat'): {
        'CSV', 'DATASTORE_BACKUP', 'NEWLINE_DELIMITED_JSON', 'AVRO',
        'PARQUET', 'ORC'},
    ('JobConfigurationLoad', 'writeDisposition'): DISPOSITIONS,
    ('JobConfigurationQuery', 'writeDisposition'): DISPOSITIONS,
    ('JobConfigurationTableCopy', 'writeDisposition'): DISPOSITIONS,
    ('JobConfigurationLoad', 'createDisposition'): {'CREATE_IF_NEEDED',
                                                    'CREATE_NEVER'},
    ('JobConfigurationQuery', 'createDisposition'): {'CREATE_IF_NEEDED',
                                                     'CREATE_NEVER'},
    ('JobConfigurationTableCopy', 'createDisposition'): {'CREATE_IF_NEEDED',
                                                         'CREATE_NEVER'},
    ('JobConfigurationLoad', 'schemaUpdateOptions'): {
        'ALLOW_FIELD_ADDITION', 'ALLOW_FIELD_RELAXATION'},
    ('JobConfigurationQuery', 'schemaUpdateOptions'): {
        'ALLOW_FIELD_ADDITION', 'ALLOW_FIELD_RELAXATION'},
    ('JobConfigurationLoad', 'encoding'): {
        'UTF-8', 'ISO-8859-1', 'UTF-16BE', 'UTF-16LE', 'UTF-32BE',
        'UTF-32LE'},
    ('JobConfigurationQuery', 'priority'): {'INTERACTIVE', 'BATCH'},
    ('TimePartitioning', 'type'): {'DAY', 'HOUR', 'MONTH', 'YEAR'},
    ('TableFieldSchema', 'mode'): {'NULLABLE', 'REQUIRED', 'REPEATED'},
    ('TableFieldSchema', 'type'): {
        'STRING', 'BYTES', 'INTEGER', 'INT64', 'FLOAT', 'FLOAT64',
        'BOOLEAN', 'BOOL', 'TIMESTAMP', 'DATE', 'TIME', 'DATETIME',
        'GEOGRAPHY', 'NUMERIC', 'BIGNUMERIC', 'DECIMAL', 'BIGDECIMAL',
        'JSON', 'RECORD', 'STRUCT', 'RANGE', 'INTERVAL'},
}
CASELESS = {('TableFieldSchema', 'mode'), ('TableFieldSchema', 'type')}


def validate(value, schema, path, out, sname=None):
    """Appends to out a message per place where value breaks schema."""
    if value is None:		# proto3 JSON: null is the default value
        return
    if '$ref' in schema:
        ref = SCHEMAS.get(schema['$ref'])
        if ref is not None:
            validate(value, ref, path, out, schema['$ref'])
        return
    t = schema.get('type')
    fmt = schema.get('format')
    if t == 'object':
        if not isinstance(value, dict):
            out.append((path, 'Invalid value at \'%s\': expected an object, '
                        'got %s' % (path, short(value))))
            return
        props = schema.get('properties')
        addl = schema.get('additionalProperties')
        for k, v in value.items():
            if props is not None and k in props:
                validate(v, props[k], path + '.' + k, out)
                allowed = DESC_ENUMS.get((sname, k))
                if allowed and v is not None:
                    for x in v if isinstance(v, list) else [v]:
                        if isinstance(x, str) and (
                                x.upper() if (sname, k) in CASELESS
                                else x) not in allowed:
                            out.append((path + '.' + k, 'Invalid value at '
                                        '\'%s.%s\': "%s" is not one of %s'
                                        % (path, k, x,
                                           ', '.join(sorted(allowed)))))
            elif addl is not None:
                validate(v, addl, '%s[%s]' % (path, json.dumps(k)), out)
            elif props is not None:
                out.append((path + '.' + k, 'Invalid JSON payload received. '
                            'Unknown name "%s" at \'%s\': Cannot find field.'
                            % (k, path)))
    elif t == 'array':
        if not isinstance(value, list):
            out.append((path, 'Invalid value at \'%s\': expected an array, '
                        'got %s' % (path, short(value))))
            return
        for i, v in enumerate(value):
            validate(v, schema.get('items', {}), '%s[%d]' % (path, i), out)
    elif t == 'string':
        if fmt in ('int64', 'uint64'):
            rx = INT_RE if fmt == 'int64' else UINT_RE
            if not (isinstance(value, str) and rx.fullmatch(value)):
                out.append((path, 'Invalid value at \'%s\' (%s): %s; this '
                            'fake requires %s fields as JSON strings of '
                            'digits, as Google\'s clients send them'
                            % (path, 'TYPE_' + fmt.upper(), short(value),
                               fmt)))
            return
        if not isinstance(value, str):
            out.append((path, 'Invalid value at \'%s\' (TYPE_STRING): %s'
                        % (path, short(value))))
            return
        if 'enum' in schema and value not in schema['enum']:
            out.append((path, 'Invalid value at \'%s\': "%s" is not one of '
                        '%s' % (path, value, ', '.join(schema['enum']))))
        elif fmt in ('google-datetime', 'date-time') and \
                not DATETIME_RE.fullmatch(value):
            out.append((path, 'Invalid value at \'%s\' (%s): "%s"'
                        % (path, fmt, value)))
        elif fmt == 'google-duration' and not DURATION_RE.fullmatch(value):
            out.append((path, 'Invalid value at \'%s\' (google-duration): '
                        '"%s"' % (path, value)))
        elif fmt == 'byte':
            try:
                base64.b64decode(value.replace('-', '+').replace('_', '/') +
                                 '=' * (-len(value) % 4), validate=True)
            except (binascii.Error, ValueError):
                out.append((path, 'Invalid value at \'%s\' (TYPE_BYTES): '
                            'not base64' % path))
    elif t == 'integer':
        if not isinstance(value, int) or isinstance(value, bool):
            out.append((path, 'Invalid value at \'%s\' (TYPE_%s): %s; '
                        'expected a JSON number' % (
                            path, (fmt or 'int32').upper(), short(value))))
        elif fmt == 'uint32' and not 0 <= value < 2 ** 32 or \
                fmt != 'uint32' and not -2 ** 31 <= value < 2 ** 31:
            out.append((path, 'Invalid value at \'%s\' (TYPE_%s): %d is out '
                        'of range' % (path, (fmt or 'int32').upper(), value)))
    elif t == 'number':
        if isinstance(value, str) and value in ('NaN', 'Infinity',
                                                '-Infinity'):
            return
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append((path, 'Invalid value at \'%s\' (TYPE_DOUBLE): %s'
                        % (path, short(value))))
    elif t == 'boolean':
        if not isinstance(value, bool):
            out.append((path, 'Invalid value at \'%s\' (TYPE_BOOL): %s'
                        % (path, short(value))))
    # 'any' and untyped: anything goes


def short(v):
    s = json.dumps(v)
    return s if len(s) <= 60 else s[:57] + '...'


def record_violation(handler, problems):
    with LOCK:
        for where, msg in problems:
            S['violations'].append({'request': handler.what_logged,
                                    'where': where, 'message': msg})
    handler.entry['error'] = '; '.join(m for _, m in problems)


def check_body(handler, obj, name):
    """Checks obj against the schema `name`; a 400 Reply if it breaks it."""
    if not isinstance(obj, dict):
        problems = [(name, 'Invalid JSON payload received: the body must be '
                     'a JSON object')]
    elif DISC is None:
        return
    else:
        problems = []
        validate(obj, {'$ref': name}, name[0].lower() + name[1:], problems)
    if problems:
        record_violation(handler, problems)
        fail(400, 'invalid', '; '.join(m for _, m in problems[:5]))


def required(handler, cond, what):
    """A semantic requirement of the API (those are in the descriptions)."""
    if not cond:
        record_violation(handler, [(what, 'Required parameter is missing: '
                                    + what)])
        fail(400, 'invalid', 'Required parameter is missing: ' + what)


STD_PARAMS = set(['upload_id'])		# the session URI's own parameter


def check_query(handler, resource, method, q):
    """Query parameters against the discovery document's method."""
    if DISC is None:
        return
    try:
        params = dict(DISC['parameters'])
        params.update(DISC['resources'][resource]['methods'][method]
                      .get('parameters', {}))
    except KeyError:
        return
    problems = []
    for k, vals in q.items():
        p = params.get(k)
        if p is None or p.get('location') == 'path':
            if k in STD_PARAMS:
                continue
            problems.append(('query.' + k, 'Invalid JSON payload received. '
                             'Unknown name "%s": Cannot bind query parameter.'
                             % k))
            continue
        if len(vals) > 1 and not p.get('repeated'):
            problems.append(('query.' + k, 'query parameter %s given %d '
                             'times' % (k, len(vals))))
        for v in vals:
            t, fmt = p.get('type'), p.get('format')
            ok = True
            if t == 'boolean':
                ok = v in ('true', 'false', '1', '0', 'True', 'False')
            elif t == 'integer':
                ok = bool(INT_RE.fullmatch(v))
            elif fmt in ('int64', 'uint64'):
                ok = bool(INT_RE.fullmatch(v))
            elif 'enum' in p:
                ok = v in p['enum']
            if not ok:
                problems.append(('query.' + k, 'Invalid value for query '
                                 'parameter %s: "%s"' % (k, v)))
    if problems:
        record_violation(handler, problems)
        fail(400, 'invalid', '; '.join(m for _, m in problems[:5]))


# ---------------------------------------------------------------------------
# Table schemas and rows

TYPES = {'STRING': 'STRING', 'BYTES': 'BYTES', 'INTEGER': 'INTEGER',
         'INT64': 'INTEGER', 'FLOAT': 'FLOAT', 'FLOAT64': 'FLOAT',
         'BOOLEAN': 'BOOLEAN', 'BOOL': 'BOOLEAN', 'TIMESTAMP': 'TIMESTAMP',
         'DATE': 'DATE', 'TIME': 'TIME', 'DATETIME': 'DATETIME',
         'INTERVAL': 'INTERVAL', 'GEOGRAPHY': 'GEOGRAPHY',
         'NUMERIC': 'NUMERIC', 'DECIMAL': 'NUMERIC',
         'BIGNUMERIC': 'BIGNUMERIC', 'BIGDECIMAL': 'BIGNUMERIC',
         'JSON': 'JSON', 'RECORD': 'RECORD', 'STRUCT': 'RECORD',
         'RANGE': 'RANGE'}
NAME_RE = re.compile(r'[A-Za-z_][A-Za-z0-9_]{0,299}')


def norm_type(t):
    return TYPES.get((t or '').upper())


def check_schema(fields, where='schema'):
    """An error message if a table schema is not one BigQuery accepts."""
    if not isinstance(fields, list):
        return '%s.fields: not a list' % where
    seen = set()
    for f in fields:
        if not isinstance(f, dict):
            return '%s: a field is not an object' % where
        name = f.get('name')
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            return ('Invalid field name "%s". Fields must contain only '
                    'letters, numbers, and underscores, start with a letter '
                    'or underscore, and be at most 300 characters long.'
                    % name)
        if name.lower() in seen:
            return 'Field %s already exists in schema' % name
        seen.add(name.lower())
        t = norm_type(f.get('type'))
        if t is None:
            return 'Invalid value for type: %s is not a valid value' % \
                f.get('type')
        if (f.get('mode') or 'NULLABLE').upper() not in \
                ('NULLABLE', 'REQUIRED', 'REPEATED'):
            return 'Invalid value for mode: %s is not a valid value' % \
                f.get('mode')
        if t == 'RECORD':
            if not f.get('fields'):
                return 'Field %s is type RECORD but has no schema' % name
            e = check_schema(f['fields'], where + '.' + name)
            if e:
                return e
    return None


def check_layout(fields, tp, clustering):
    """Errors in timePartitioning/clustering against the schema."""
    top = {f['name'].lower(): f for f in fields}
    if tp:
        if (tp.get('type') or 'DAY') not in ('DAY', 'HOUR', 'MONTH', 'YEAR'):
            return 'Invalid time partitioning type %s' % tp.get('type')
        fld = tp.get('field')
        if fld:
            f = top.get(fld.lower())
            if f is None:
                return ('The field specified for time partitioning can only '
                        'be a top-level field: %s not found' % fld)
            if norm_type(f['type']) not in ('TIMESTAMP', 'DATE', 'DATETIME'):
                return ('Partitioning field %s must be of type TIMESTAMP, '
                        'DATE or DATETIME, not %s' % (fld, f['type']))
            if (f.get('mode') or 'NULLABLE') == 'REPEATED':
                return 'Partitioning field %s cannot be REPEATED' % fld
            if norm_type(f['type']) == 'DATE' and \
                    (tp.get('type') or 'DAY') == 'HOUR':
                return 'HOUR partitioning is not allowed on DATE field %s' % \
                    fld
    if clustering:
        cf = clustering.get('fields') or []
        if len(cf) > 4:
            return 'Too many clustering fields: %d, only 4 are allowed' % \
                len(cf)
        for c in cf:
            f = top.get(str(c).lower())
            if f is None:
                return 'The field specified for clustering cannot be found ' \
                    'in the schema. Invalid field: %s' % c
            if norm_type(f['type']) in ('RECORD', 'FLOAT', 'JSON',
                                        'GEOGRAPHY') or \
                    (f.get('mode') or 'NULLABLE') == 'REPEATED':
                return 'Field %s of type %s%s is not supported for ' \
                    'clustering' % (c, f.get('mode', '') + ' ', f['type'])
    return None


TS_RE = re.compile(r'(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)'
                   r'(?:\.(\d{1,6}))?)?)?\s*(Z|UTC|[+-]\d\d(?::?\d\d)?)?',
                   re.I)
DATE_RE = re.compile(r'(\d{4})-(\d\d)-(\d\d)')
DT_RE = re.compile(r'(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)'
                   r'(?:\.(\d{1,6}))?)?)?')
TIME_RE = re.compile(r'(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?')
NUM_RE = re.compile(r'[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?')


def parse_ts(v):
    """A UTC datetime from a TIMESTAMP JSON value, or None."""
    m = TS_RE.fullmatch(v.strip()) if isinstance(v, str) else None
    if not m:
        return None
    try:
        d = datetime.datetime(int(m[1]), int(m[2]), int(m[3]),
                              int(m[4] or 0), int(m[5] or 0), int(m[6] or 0),
                              int((m[7] or '0').ljust(6, '0')))
    except ValueError:
        return None
    z = (m[8] or 'Z').upper()
    if z not in ('Z', 'UTC'):
        sign = -1 if z[0] == '-' else 1
        hh, mm = int(z[1:3]), int(z[-2:]) if len(z) > 3 else 0
        if hh > 23 or mm > 59:
            return None
        d -= sign * datetime.timedelta(hours=hh, minutes=mm)
    return d


def valid_date(m):
    try:
        datetime.date(int(m[1]), int(m[2]), int(m[3]))
        return True
    except ValueError:
        return False


def check_scalar(t, v):
    """True when JSON value v loads into a column of BigQuery type t."""
    if t == 'STRING' or t == 'GEOGRAPHY':
        return isinstance(v, str)
    if t == 'INTEGER':
        if isinstance(v, bool):
            return False
        if isinstance(v, str) and re.fullmatch(r'[+-]?\d+', v.strip()):
            v = int(v)
        return isinstance(v, int) and -2 ** 63 <= v < 2 ** 63
    if t == 'FLOAT':
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == 'BOOLEAN':
        return isinstance(v, bool)
    if t in ('NUMERIC', 'BIGNUMERIC'):
        return (isinstance(v, (int, float)) and not isinstance(v, bool)) or \
            (isinstance(v, str) and bool(NUM_RE.fullmatch(v.strip())))
    if t == 'TIMESTAMP':
        return parse_ts(v) is not None
    if t == 'DATE':
        m = DATE_RE.fullmatch(v) if isinstance(v, str) else None
        return bool(m) and valid_date(m)
    if t == 'DATETIME':
        m = DT_RE.fullmatch(v) if isinstance(v, str) else None
        if not m or not valid_date(m):
            return False
        return int(m[4] or 0) < 24 and int(m[5] or 0) < 60 and \
            int(m[6] or 0) < 60
    if t == 'TIME':
        m = TIME_RE.fullmatch(v) if isinstance(v, str) else None
        return bool(m) and int(m[1]) < 24 and int(m[2]) < 60 and \
            int(m[3] or 0) < 60
    if t == 'BYTES':
        if not isinstance(v, str):
            return False
        try:
            base64.b64decode(v, validate=True)
            return True
        except (binascii.Error, ValueError):
            return False
    return True		# JSON, INTERVAL, RANGE: anything


def check_row(row, fields, ignore_unknown, where=''):
    """(error, cleaned row): error is None when row fits the schema."""
    if not isinstance(row, dict):
        return 'the row is not a JSON object', None
    known = {f['name'].lower(): f for f in fields}
    out = {}
    for k, v in row.items():
        f = known.get(k.lower())
        if f is None:
            if ignore_unknown:
                continue
            return 'No such field: %s%s.' % (where, k), None
        out[k] = v
    for f in fields:
        name = f['name']
        keys = [k for k in out if k.lower() == name.lower()]
        v = out[keys[0]] if keys else None
        mode = (f.get('mode') or 'NULLABLE').upper()
        t = norm_type(f['type'])
        if v is None:
            if mode == 'REQUIRED':
                return 'Missing required field: %s%s.' % (where, name), None
            continue
        vals = v if mode == 'REPEATED' else [v]
        if mode == 'REPEATED' and not isinstance(v, list):
            return 'Repeated field %s%s must be a JSON array.' % \
                (where, name), None
        if mode != 'REPEATED' and isinstance(v, list):
            return 'Array specified for non-repeated field: %s%s.' % \
                (where, name), None
        for x in vals:
            if x is None:
                return 'Only optional fields can be set to NULL. Field: ' \
                    '%s%s.' % (where, name), None
            if t == 'RECORD':
                e, cleaned = check_row(x, f.get('fields', []),
                                       ignore_unknown, where + name + '.')
                if e:
                    return e, None
            elif not check_scalar(t, x):
                return 'Cannot convert value to %s: %s. Field: %s%s; ' \
                    'Value: %s' % (t.lower(), short(x), where, name,
                                   short(x)), None
        if t == 'RECORD' and ignore_unknown:
            cl = [check_row(x, f.get('fields', []), True)[1] for x in vals]
            out[keys[0]] = cl if mode == 'REPEATED' else cl[0]
    return None, out


def infer_schema(rows):
    """A schema for autodetect from the first rows' JSON types."""
    fields = {}
    order = []
    for r in rows[:100]:
        if not isinstance(r, dict):
            continue
        for k, v in r.items():
            if v is None or k.lower() in fields:
                continue
            if isinstance(v, bool):
                t = 'BOOLEAN'
            elif isinstance(v, int):
                t = 'INTEGER'
            elif isinstance(v, float):
                t = 'FLOAT'
            elif isinstance(v, dict):
                t = 'RECORD'
            elif isinstance(v, str) and TS_RE.fullmatch(v) and \
                    ('T' in v or ' ' in v):
                t = 'TIMESTAMP'
            elif isinstance(v, str) and DATE_RE.fullmatch(v):
                t = 'DATE'
            else:
                t = 'STRING'
            f = {'name': k, 'type': t, 'mode': 'NULLABLE'}
            if t == 'RECORD':
                f['fields'] = infer_schema([v])
            fields[k.lower()] = f
            order.append(k.lower())
    return [fields[k] for k in order]


def schema_merge(old, new, options, where=''):
    """(error, merged fields) when loading with schema `new` into `old`."""
    add = 'ALLOW_FIELD_ADDITION' in options
    relax = 'ALLOW_FIELD_RELAXATION' in options
    newby = {f['name'].lower(): f for f in new}
    merged = []
    for f in old:
        n = newby.pop(f['name'].lower(), None)
        name = where + f['name']
        if n is None:
            if (f.get('mode') or 'NULLABLE') == 'REQUIRED' and not relax:
                return 'Field %s is missing in new schema' % name, None
            if not relax and not add:
                return 'Field %s is missing in new schema' % name, None
            g = dict(f)
            if (f.get('mode') or 'NULLABLE') == 'REQUIRED':
                g['mode'] = 'NULLABLE'
            merged.append(g)
            continue
        ot, nt = norm_type(f['type']), norm_type(n['type'])
        if ot != nt:
            return 'Field %s has changed type from %s to %s' % \
                (name, f['type'], n['type']), None
        om = (f.get('mode') or 'NULLABLE').upper()
        nm = (n.get('mode') or 'NULLABLE').upper()
        g = dict(f)
        if om != nm:
            if om == 'REQUIRED' and nm == 'NULLABLE' and relax:
                g['mode'] = 'NULLABLE'
            else:
                return 'Field %s has changed mode from %s to %s' % \
                    (name, om, nm), None
        if ot == 'RECORD':
            e, sub = schema_merge(f.get('fields', []), n.get('fields', []),
                                  options, name + '.')
            if e:
                return e, None
            g['fields'] = sub
        merged.append(g)
    for n in new:
        if n['name'].lower() not in newby:
            continue
        if not add:
            return 'Cannot add fields (field: %s%s)' % (where, n['name']), \
                None
        if (n.get('mode') or 'NULLABLE').upper() == 'REQUIRED':
            return 'Cannot add required fields to an existing schema. ' \
                '(field: %s%s)' % (where, n['name']), None
        merged.append(n)
    return None, merged


def partition_id(tp, row, default):
    """The partition a row goes to in a table partitioned by tp."""
    if not tp:
        return None
    kind = tp.get('type') or 'DAY'
    fld = tp.get('field')
    if fld:
        v = None
        for k, x in row.items():
            if k.lower() == fld.lower():
                v = x
        if v is None:
            return '__NULL__'
        d = parse_ts(v) if isinstance(v, str) else None
        if d is None:
            return '__UNPARTITIONED__'
    else:
        if default:
            return default
        d = datetime.datetime.utcnow()
    return d.strftime({'DAY': '%Y%m%d', 'HOUR': '%Y%m%d%H', 'MONTH': '%Y%m',
                       'YEAR': '%Y'}[kind])


def new_table(project, ds, tid, body, kind='TABLE'):
    t = now_ms()
    return {'project': project, 'dataset': ds, 'table': tid, 'type': kind,
            'schema': (body.get('schema') or {}).get('fields') or [],
            'def': {k: v for k, v in body.items()
                    if k not in ('tableReference', 'schema', 'numRows',
                                 'numBytes', 'type', 'id', 'kind',
                                 'creationTime', 'lastModifiedTime')},
            'rows': [],		# [pid, row]
            'files': [],	# Parquet bytes (rows not decoded)
            'parquet_rows': 0, 'created': t, 'modified': t}


def table_resource(tab):
    out = dict(tab['def'])
    loc = S['datasets'].get((tab['project'], tab['dataset']), {}).get(
        'location', 'US')
    n = len(tab['rows']) + tab['parquet_rows']
    out.update({
        'kind': 'bigquery#table',
        'id': '%s:%s.%s' % (tab['project'], tab['dataset'], tab['table']),
        'selfLink': '%s/bigquery/v2/projects/%s/datasets/%s/tables/%s' % (
            server_url(), tab['project'], tab['dataset'], tab['table']),
        'tableReference': {'projectId': tab['project'],
                           'datasetId': tab['dataset'],
                           'tableId': tab['table']},
        'schema': {'fields': tab['schema']},
        'type': tab['type'],
        'location': loc,
        'creationTime': str(tab['created']),
        'lastModifiedTime': str(tab['modified']),
        'numRows': str(n),
        'numBytes': str(sum(len(json.dumps(r)) for _, r in tab['rows']) +
                        sum(len(b) for b in tab['files'])),
    })
    if tab['type'] != 'TABLE':
        out.pop('numRows')
        out.pop('numBytes')
    return out


# ---------------------------------------------------------------------------
# Parquet: the footer only (row count and columns; data pages not decoded)

class Thrift:
    """Just enough of the Thrift compact protocol to read FileMetaData."""

    def __init__(self, buf):
        self.b, self.i = buf, 0

    def byte(self):
        c = self.b[self.i]
        self.i += 1
        return c

    def varint(self):
        shift = n = 0
        while True:
            c = self.byte()
            n |= (c & 0x7f) << shift
            shift += 7
            if not c & 0x80:
                return n

    def zigzag(self):
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, t):
        if t in (1, 2):
            return t == 1
        if t == 3:
            return self.byte()
        if t in (4, 5, 6):
            return self.zigzag()
        if t == 7:
            self.i += 8
            return None
        if t == 8:
            n = self.varint()
            s = self.b[self.i:self.i + n]
            self.i += n
            return s
        if t in (9, 10):
            h = self.byte()
            n, et = h >> 4, h & 15
            if n == 15:
                n = self.varint()
            if et in (1, 2):
                return [self.byte() == 1 for _ in range(n)]
            return [self.value(et) for _ in range(n)]
        if t == 11:
            n = self.varint()
            if n == 0:
                return {}
            kv = self.byte()
            return {self.value(kv >> 4): self.value(kv & 15)
                    for _ in range(n)}
        if t == 12:
            return self.struct()
        raise ValueError('thrift type %d' % t)

    def struct(self):
        out = {}
        fid = 0
        while True:
            h = self.byte()
            if h == 0:
                return out
            delta, t = h >> 4, h & 15
            fid = fid + delta if delta else self.zigzag()
            out[fid] = self.value(t)


def parquet_footer(data):
    """(num_rows, schema fields) from a Parquet file's footer."""
    if len(data) < 12 or data[:4] != b'PAR1' or data[-4:] != b'PAR1':
        raise ValueError('not a Parquet file (no PAR1 magic)')
    n = struct.unpack('<I', data[-8:-4])[0]
    if n + 12 > len(data):
        raise ValueError('bad footer length')
    md = Thrift(data[-8 - n:-8]).struct()
    elems = md.get(2) or []
    pos = [1]		# elems[0] is the root

    def group(count):
        fields = []
        for _ in range(count):
            if pos[0] >= len(elems):
                raise ValueError('truncated schema')
            e = elems[pos[0]]
            pos[0] += 1
            name = (e.get(4) or b'').decode('utf-8', 'replace')
            rep = {0: 'REQUIRED', 1: 'NULLABLE', 2: 'REPEATED'}.get(e.get(3),
                                                                    'NULLABLE')
            kids = e.get(5)
            lt = e.get(10) or {}
            ct = e.get(6)
            if kids:
                sub = group(kids)
                if 3 in lt or ct == 3:		# LIST: list<element>
                    inner = sub[0] if sub else {'type': 'STRING'}
                    if inner.get('type') == 'RECORD' and \
                            len(inner.get('fields', [])) == 1:
                        inner = inner['fields'][0]
                    f = dict(inner, name=name, mode='REPEATED')
                else:
                    f = {'name': name, 'type': 'RECORD', 'mode': rep,
                         'fields': sub}
            else:
                f = {'name': name, 'type': parquet_type(e), 'mode': rep}
            fields.append(f)
        return fields

    root = elems[0] if elems else {}
    fields = group(root.get(5) or 0)
    return md.get(3) or 0, fields


def parquet_type(e):
    pt, ct, lt = e.get(1), e.get(6), e.get(10) or {}
    if 5 in lt or ct == 5:
        return 'NUMERIC'
    if pt == 0:
        return 'BOOLEAN'
    if pt == 1:
        if 6 in lt or ct == 6:
            return 'DATE'
        if 7 in lt or ct == 7:
            return 'TIME'
        return 'INTEGER'
    if pt == 2:
        ts = lt.get(8)
        if ts is not None:
            unit = ts.get(2) or {}
            if 3 in unit:
                return 'INTEGER'	# NANOS does not map (it lands as INT64)
            return 'TIMESTAMP' if ts.get(1, True) else 'DATETIME'
        if ct in (9, 10):
            return 'TIMESTAMP'
        if 7 in lt or ct == 8:
            return 'TIME'
        return 'INTEGER'
    if pt == 3:
        return 'TIMESTAMP'
    if pt in (4, 5):
        return 'FLOAT'
    if pt == 6:
        if 12 in lt or ct == 19:
            return 'JSON'
        if 1 in lt or 4 in lt or ct in (0, 4):
            return 'STRING'
        return 'BYTES'
    return 'BYTES'


def parquet_fits(cols, fields):
    """An error when a Parquet file's columns do not load into fields."""
    by = {f['name'].lower(): f for f in fields}
    have = set()
    for c in cols:
        f = by.get(c['name'].lower())
        if f is None:
            return 'Provided Schema does not match the table. Cannot add ' \
                'fields (field: %s)' % c['name']
        have.add(c['name'].lower())
        ft, ct = norm_type(f['type']), c['type']
        ok = ft == ct or (ct == 'INTEGER' and ft in ('NUMERIC', 'BIGNUMERIC',
                                                     'FLOAT')) or \
            (ct == 'NUMERIC' and ft in ('BIGNUMERIC', 'STRING')) or \
            (ct == 'STRING' and ft in ('JSON', 'GEOGRAPHY')) or \
            (ct == 'DATETIME' and ft == 'TIMESTAMP') or ct == 'RECORD'
        if not ok:
            return 'Parquet column \'%s\' has type %s which does not match ' \
                'the target type %s' % (c['name'], ct, f['type'])
        if c['mode'] == 'REPEATED' and \
                (f.get('mode') or 'NULLABLE') != 'REPEATED':
            return 'Parquet column \'%s\' is repeated but field %s is ' \
                'not' % (c['name'], f['name'])
    for f in fields:
        if (f.get('mode') or '') == 'REQUIRED' and f['name'].lower() \
                not in have:
            return 'Required field %s is not in the Parquet file' % f['name']
    return None


# ---------------------------------------------------------------------------
# Jobs

JOBID_RE = re.compile(r'[A-Za-z0-9_-]{1,1024}')


def job_kind(cfg):
    kinds = [k for k in ('load', 'query', 'copy', 'extract')
             if isinstance(cfg, dict) and cfg.get(k) is not None]
    return kinds


def check_job(handler, project, body, with_data):
    """Checks a job insert before anything is created; its (jobId, loc)."""
    ref = body.get('jobReference') or {}
    cfg = body.get('configuration')
    required(handler, isinstance(cfg, dict), 'configuration')
    kinds = job_kind(cfg)
    required(handler, len(kinds) == 1,
             'configuration.load, .query, .copy or .extract (one of them)')
    if with_data:
        required(handler, kinds == ['load'], 'configuration.load (a media '
                 'upload is a load job)')
    if kinds == ['load']:
        dt = cfg['load'].get('destinationTable') or {}
        for k in ('projectId', 'datasetId', 'tableId'):
            required(handler, dt.get(k), 'configuration.load.'
                     'destinationTable.' + k)
        if not with_data:
            required(handler, cfg['load'].get('sourceUris'),
                     'configuration.load.sourceUris')
    if kinds == ['query']:
        required(handler, isinstance(cfg['query'].get('query'), str) and
                 cfg['query']['query'].strip(), 'configuration.query.query')
    jid = ref.get('jobId')
    if jid is not None and not (isinstance(jid, str) and
                                JOBID_RE.fullmatch(jid)):
        record_violation(handler, [('jobReference.jobId', 'Invalid job ID '
                                    '"%s"' % jid)])
        fail(400, 'invalid', 'Invalid job ID "%s". Job IDs must be '
             'alphanumeric (plus underscores and dashes) and must be at most '
             '1024 characters long.' % jid)
    if ref.get('projectId') not in (None, project):
        record_violation(handler, [('jobReference.projectId',
                                    'jobReference.projectId %s is not the '
                                    'project %s of the path'
                                    % (ref['projectId'], project))])
        fail(400, 'invalid', 'Invalid project ID in jobReference: %s is not '
             '%s' % (ref['projectId'], project))
    loc = ref.get('location')
    if kinds == ['load']:
        dt = cfg['load']['destinationTable']
        dkey = (dt['projectId'], dt['datasetId'])
        ds = S['datasets'].get(dkey)
        if ds is None:
            fail(404, 'notFound', 'Not found: Dataset %s:%s' % dkey)
        if loc is not None and loc.upper() != ds['location'].upper():
            fail(404, 'notFound', 'Not found: Dataset %s:%s was not found in '
                 'location %s' % (dkey + (loc,)))
        loc = loc or ds['location']
    jid = jid or rand_id('job_', 128)
    loc = loc or 'US'
    if (project, jid) in S['jobs']:
        fail(409, 'duplicate', 'Already Exists: Job %s:%s.%s'
             % (project, S['jobs'][(project, jid)]['jobReference']
                ['location'], jid))
    return jid, loc


def new_job(handler, project, body, data, whats):
    """Creates a job (checked by check_job); its public resource."""
    with LOCK:
        jid, loc = check_job(handler, project, body, data is not None)
        cfg = json.loads(json.dumps(body['configuration']))
        kind = job_kind(cfg)[0]
        cfg['jobType'] = kind.upper()
        S['seq'] += 1
        job = {'kind': 'bigquery#job', 'etag': rand_id('', 64),
               'id': '%s:%s.%s' % (project, loc, jid),
               'selfLink': '%s/bigquery/v2/projects/%s/jobs/%s?location=%s'
                           % (server_url(), project, jid, loc),
               'user_email': 'loader@%s.iam.gserviceaccount.com' % project,
               'jobReference': {'projectId': project, 'jobId': jid,
                                'location': loc},
               'configuration': cfg,
               'status': {'state': 'PENDING'},
               'statistics': {'creationTime': str(now_ms())},
               '_data': data, '_kind': kind, '_gets': 0, '_need': 2,
               '_fail': None, '_seq': S['seq']}
        for f in take_faults(['%s %s' % (w, jid) for w in whats],
                             ('slow', 'fail_job')):
            if 'slow' in f:
                job['_need'] += int(f['slow'])
            if f.get('fail_job'):
                job['_fail'] = f.get('reason') or 'backendError'
        if cfg.get('dryRun'):
            job['_seq'] = None
            finish(job, dry=True)
            return public(job)
        S['jobs'][(project, jid)] = job
        if job['_need'] <= 0:
            finish(job)
        return public(job)


def finish(job, dry=False):
    st = job['statistics']
    st.setdefault('startTime', str(now_ms()))
    job['status'] = {'state': 'DONE'}
    err = None
    if job['_fail']:
        r = job['_fail']
        err = job_error(r, 'Injected failure (fault fail_job): %s'
                        % ('An internal error occurred and the request '
                           'could not be completed.' if r == 'backendError'
                           else 'the job failed'))
        job['status']['errors'] = [err]
    elif job['_kind'] == 'load':
        err = None if dry else run_load(job, job['_data'])
    elif job['_kind'] == 'query':
        err = run_query(job, dry)
    else:
        err = job_error('invalid', 'this fake runs only load and query jobs')
    if err:
        job['status']['errorResult'] = err
        job['status'].setdefault('errors', [err])
    st['endTime'] = str(now_ms())
    job['_data'] = None


def public(job):
    return json.loads(json.dumps({k: v for k, v in job.items()
                                  if not k.startswith('_')}))


def run_load(job, data):
    """A load job's work, applied when it turns DONE; an error or None."""
    cfg = job['configuration']['load']
    dt = cfg['destinationTable']
    tid = dt['tableId']
    deco = None
    m = re.fullmatch(r'(.+)\$(\d{4}|\d{6}|\d{8}|\d{10})', tid)
    if m:
        tid, deco = m.group(1), m.group(2)
    key = (dt['projectId'], dt['datasetId'], tid)
    fmt = cfg.get('sourceFormat') or 'CSV'
    loc = None		# media uploads have no file name to point at
    if data is None:
        uris = cfg.get('sourceUris') or []
        return job_error('notFound', 'Not found: URI %s (this fake has no '
                         'Cloud Storage; send the data as a media upload)'
                         % (uris[0] if uris else '?'))
    if (dt['projectId'], dt['datasetId']) not in S['datasets']:
        return job_error('notFound', 'Not found: Dataset %s:%s' % key[:2])
    cfg_fields = (cfg.get('schema') or {}).get('fields')
    if cfg_fields is not None:
        e = check_schema(cfg_fields)
        if e:
            return job_error('invalid', e)
    tab = S['tables'].get(key)
    if tab is not None and tab['type'] != 'TABLE':
        return job_error('invalid', 'Cannot load into %s %s:%s.%s' %
                         ((tab['type'].lower().replace('_', ' '),) + key))
    disp = cfg.get('writeDisposition') or 'WRITE_APPEND'
    options = cfg.get('schemaUpdateOptions') or []
    if options and disp == 'WRITE_TRUNCATE' and deco is None or \
            options and disp == 'WRITE_EMPTY':
        return job_error('invalid', 'Schema update options should only be '
                         'specified with WRITE_APPEND disposition, or with '
                         'WRITE_TRUNCATE disposition on a table partition.')
    pq = None
    if fmt == 'PARQUET':
        try:
            pq = parquet_footer(data)
        except (ValueError, IndexError, KeyError, struct.error) as e:
            return job_error('invalid', 'Error while reading data, error '
                             'message: Input file is not in Parquet format: '
                             '%s' % e, loc)
    elif fmt != 'NEWLINE_DELIMITED_JSON':
        return job_error('invalid', 'this fake loads only '
                         'NEWLINE_DELIMITED_JSON and PARQUET, not %s' % fmt)

    # Parse the NDJSON first: autodetect may need the rows.
    parsed = []		# (line number, byte offset, value or error)
    if pq is None:
        off = 0
        for n, line in enumerate(data.split(b'\n'), 1):
            at = off
            off += len(line) + 1
            if not line.strip():
                continue
            try:
                parsed.append((n, at, json.loads(line.decode('utf-8')), None))
            except (ValueError, UnicodeDecodeError) as e:
                parsed.append((n, at, None, 'JSON parsing error in row '
                               'starting at position %d: %s' % (at, e)))

    tp = cfg.get('timePartitioning')
    cl = cfg.get('clustering')
    creating = tab is None
    if creating:
        if (cfg.get('createDisposition') or 'CREATE_IF_NEEDED') == \
                'CREATE_NEVER':
            return job_error('notFound', 'Not found: Table %s:%s.%s' % key)
        fields = cfg_fields
        if fields is None and pq is not None:
            fields = pq[1]
        if fields is None and cfg.get('autodetect'):
            fields = infer_schema([v for _, _, v, e in parsed if e is None])
        if fields is None:
            return job_error('invalid', 'No schema specified on job or '
                             'table.')
        e = check_layout(fields, tp, cl)
        if e:
            return job_error('invalid', e)
        body = {'schema': {'fields': fields}}
        if tp:
            body['timePartitioning'] = tp
        if cl:
            body['clustering'] = cl
        tab = new_table(key[0], key[1], key[2], body)
        new_fields = fields
    else:
        ttp = tab['def'].get('timePartitioning')
        if tp and (not ttp or (tp.get('type') or 'DAY') !=
                   (ttp.get('type') or 'DAY') or
                   (tp.get('field') or '').lower() !=
                   (ttp.get('field') or '').lower()):
            spec = lambda p: 'interval(type:%s,field:%s)' % (
                (p.get('type') or 'DAY').lower(), p.get('field') or '') \
                if p else 'none'
            return job_error('invalid', 'Incompatible table partitioning '
                             'specification. Expects partitioning '
                             'specification %s, but input partitioning '
                             'specification is %s' % (spec(ttp), spec(tp)))
        if cfg_fields is None:
            new_fields = tab['schema']
        elif disp == 'WRITE_TRUNCATE' and deco is None:
            new_fields = cfg_fields
        else:
            e, new_fields = schema_merge(tab['schema'], cfg_fields, options)
            if e:
                return job_error('invalid', 'Provided Schema does not match '
                                 'Table %s:%s.%s. %s.' % (key + (e,)))
        if pq is not None and cfg_fields is None and options:
            e, new_fields = schema_merge(tab['schema'], pq[1], options)
            if e:
                return job_error('invalid', 'Provided Schema does not match '
                                 'Table %s:%s.%s. %s.' % (key + (e,)))
    ptp = tab['def'].get('timePartitioning') if not creating else tp
    if deco is not None and not ptp:
        return job_error('invalid', 'Cannot use partition decorator %s on '
                         'non-partitioned table %s:%s.%s' % ((deco,) + key))

    rows, errors = [], []
    ignore = bool(cfg.get('ignoreUnknownValues'))
    bad = 0
    maxbad = int(cfg.get('maxBadRecords') or 0)
    if pq is not None:
        e = parquet_fits(pq[1], new_fields)
        if e:
            return job_error('invalid', 'Error while reading data, error '
                             'message: ' + e, loc)
    for n, at, v, perr in parsed:
        e = perr
        if e is None:
            e, row = check_row(v, new_fields, ignore)
            if e:
                e = 'JSON parsing error in row starting at position %d: %s' \
                    % (at, e)
        if e is None:
            pid = partition_id(ptp, row, deco)
            if deco is not None and pid != deco:
                return job_error('invalid', 'Some rows belong to different '
                                 'partitions rather than destination '
                                 'partition %s (line %d)' % (deco, n), loc)
            rows.append([pid, row])
            continue
        bad += 1
        errors.append(job_error('invalid', 'Error while reading data, error '
                                'message: line %d: %s' % (n, e), loc))
    if bad > maxbad:
        first = errors[0]['message'].split('error message: ', 1)[1]
        summary = job_error('invalid', 'Error while reading data, error '
                            'message: JSON table encountered too many '
                            'errors, giving up. Rows: %d; errors: %d. Please '
                            'look into the errors[] collection for more '
                            'details. First error: %s' % (len(parsed), bad,
                                                          first), loc)
        job['status']['errors'] = [summary] + errors[:100]
        return summary
    # Apply, all or nothing.
    if disp == 'WRITE_EMPTY':
        there = tab['rows'] if deco is None else \
            [r for r in tab['rows'] if r[0] == deco]
        if there or (deco is None and tab['parquet_rows']):
            return job_error('duplicate', 'Already Exists: Table %s:%s.%s'
                             % key)
    if creating:
        S['tables'][key] = tab
    if disp in ('WRITE_TRUNCATE', 'WRITE_TRUNCATE_DATA'):
        if deco is None:
            tab['rows'] = []
            tab['files'] = []
            tab['parquet_rows'] = 0
        else:
            tab['rows'] = [r for r in tab['rows'] if r[0] != deco]
    tab['schema'] = new_fields if disp != 'WRITE_TRUNCATE_DATA' else \
        tab['schema']
    tab['rows'].extend(rows)
    out_rows = len(rows)
    if pq is not None:
        tab['files'].append(bytes(data))
        tab['parquet_rows'] += pq[0]
        out_rows = pq[0]
    tab['modified'] = now_ms()
    if errors:
        job['status']['errors'] = errors[:100]
    job['statistics']['load'] = {
        'inputFiles': '1', 'inputFileBytes': str(len(data)),
        'outputRows': str(out_rows),
        'outputBytes': str(sum(len(json.dumps(r)) for _, r in rows)
                           if pq is None else len(data)),
        'badRecords': str(bad)}
    return None


# ---- query jobs: DDL is parsed, nothing else is run ----

IDENT = r'(?:`[^`]+`|[A-Za-z0-9_][A-Za-z0-9_-]*)(?:\s*\.\s*(?:`[^`]+`|' \
    r'[A-Za-z_][A-Za-z0-9_]*))*'


def strip_sql(sql):
    sql = re.sub(r'/\*.*?\*/', ' ', sql, flags=re.S)
    return re.sub(r'(--|#)[^\n]*', ' ', sql)


def split_name(text, project, default_ds):
    parts = []
    for seg in re.findall(r'`[^`]+`|[^.\s`]+', text):
        parts.extend(seg.strip('`').split('.'))
    if len(parts) == 1:
        if not default_ds:
            return None
        return (default_ds.get('projectId') or project,
                default_ds['datasetId'], parts[0])
    if len(parts) == 2:
        return project, parts[0], parts[1]
    if len(parts) == 3:
        return tuple(parts)
    return None


def statement_of(sql):
    s = strip_sql(sql).strip().lstrip('(').strip()
    w = [x.upper() for x in re.findall(r'[A-Za-z_]+', s[:200])]
    w2 = [x for x in w if x not in ('OR', 'REPLACE', 'TEMP', 'TEMPORARY',
                                    'IF', 'NOT', 'EXISTS')]
    if not w:
        return 'SELECT'
    if w[0] in ('SELECT', 'WITH'):
        return 'SELECT'
    if w[0] in ('INSERT', 'UPDATE', 'DELETE', 'MERGE', 'ASSERT',
                'TRUNCATE'):
        return w[0] if w[0] != 'TRUNCATE' else 'TRUNCATE_TABLE'
    if w[0] == 'CALL':
        return 'CALL'
    if w[0] in ('CREATE', 'DROP', 'ALTER') and len(w2) > 1:
        obj = w2[1]
        if obj == 'MATERIALIZED':
            obj = 'MATERIALIZED_VIEW'
        elif obj in ('SNAPSHOT', 'EXTERNAL', 'SEARCH', 'ROW', 'TABLE'):
            obj = {'SNAPSHOT': 'SNAPSHOT_TABLE', 'EXTERNAL': 'EXTERNAL_TABLE',
                   'SEARCH': 'SEARCH_INDEX', 'ROW': 'ROW_ACCESS_POLICY',
                   'TABLE': 'TABLE'}[obj]
            if w2[2:3] == ['FUNCTION']:
                obj = 'TABLE_FUNCTION'
        if w[0] == 'CREATE' and obj == 'TABLE' and \
                re.search(r'\bAS\s*\(?\s*(SELECT|WITH)\b', s, re.I):
            return 'CREATE_TABLE_AS_SELECT'
        return '%s_%s' % (w[0], obj)
    return 'SCRIPT'


def as_query(s):
    """The SELECT after the first top-level AS of a CREATE ... AS."""
    m = re.search(r'\bAS\s*(\(?\s*(?:SELECT|WITH)\b.*)$', s, re.I | re.S)
    return m.group(1).strip().rstrip(';').strip() if m else None


def mv_options(s, head):
    out = {'enableRefresh': True, 'refreshIntervalMs': '1800000'}
    m = re.search(r'\bOPTIONS\s*\((.*?)\)\s*AS\b', head, re.I | re.S)
    if m:
        for k, v in re.findall(r'(\w+)\s*=\s*((?:INTERVAL\s+)?"[^"]*"|'
                               r'\'[^\']*\'|[^,)]+)', m.group(1)):
            k, v = k.lower(), v.strip()
            if k == 'enable_refresh':
                out['enableRefresh'] = v.lower() == 'true'
            elif k == 'refresh_interval_minutes':
                try:
                    out['refreshIntervalMs'] = str(int(float(v) * 60000))
                except ValueError:
                    pass
            elif k == 'allow_non_incremental_definition':
                out['allowNonIncrementalDefinition'] = v.lower() == 'true'
            elif k == 'max_staleness':
                out['maxStaleness'] = v
    return out


def run_query(job, dry):
    """A query job's effect: the DDL understood; an error or None."""
    q = job['configuration']['query']
    sql = q.get('query') or ''
    project = job['jobReference']['projectId']
    st = statement_of(sql)
    stats = {'statementType': st, 'totalBytesProcessed': '0',
             'totalBytesBilled': '0', 'cacheHit': False}
    job['statistics']['query'] = stats
    job['statistics']['totalBytesProcessed'] = '0'
    legacy = q.get('useLegacySql')
    if legacy is None:
        legacy = job.get('_default_legacy', True)
    if legacy and (st != 'SELECT' or '`' in sql):
        return job_error('invalid', 'Syntax error in legacy SQL: %s '
                         'statements need standard SQL (set '
                         'useLegacySql to false)' % st, 'query')
    s = strip_sql(sql).strip()
    dds = q.get('defaultDataset')
    if st in ('CREATE_TABLE', 'CREATE_TABLE_AS_SELECT', 'CREATE_VIEW',
              'CREATE_MATERIALIZED_VIEW', 'CREATE_SNAPSHOT_TABLE',
              'CREATE_EXTERNAL_TABLE', 'DROP_TABLE', 'DROP_VIEW',
              'DROP_MATERIALIZED_VIEW', 'DROP_SNAPSHOT_TABLE',
              'DROP_EXTERNAL_TABLE'):
        m = re.match(r'(CREATE|DROP)\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?'
                     r'\s+)?(?:MATERIALIZED\s+VIEW|VIEW|TABLE|SNAPSHOT\s+'
                     r'TABLE|EXTERNAL\s+TABLE)\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?'
                     r'(' + IDENT + ')', s, re.I)
        if not m:
            return job_error('invalid', 'Syntax error: the fake could not '
                             'find the name in: %s' % s[:100], 'query')
        key = split_name(m.group(3), project, dds)
        if key is None:
            return job_error('invalid', 'Table "%s" must be qualified with a '
                             'dataset (e.g. dataset.table).' % m.group(3),
                             'query')
        stats['ddlTargetTable'] = {'projectId': key[0], 'datasetId': key[1],
                                   'tableId': key[2]}
        if (key[0], key[1]) not in S['datasets']:
            return job_error('notFound', 'Not found: Dataset %s:%s was not '
                             'found in location %s' % (
                                 key[0], key[1],
                                 job['jobReference']['location']))
        exists = S['tables'].get(key)
        if m.group(1).upper() == 'DROP':
            if exists is None:
                if m.group(2):
                    stats['ddlOperationPerformed'] = 'SKIP'
                    return None
                return job_error('notFound', 'Not found: Table %s:%s.%s' %
                                 key)
            stats['ddlOperationPerformed'] = 'DROP'
            if not dry:
                del S['tables'][key]
            return None
        replace = bool(re.match(r'CREATE\s+OR\s+REPLACE\b', s, re.I))
        if exists is not None and not replace:
            if m.group(2):
                stats['ddlOperationPerformed'] = 'SKIP'
                return None
            return job_error('duplicate', 'Already Exists: Table %s:%s.%s' %
                             key)
        stats['ddlOperationPerformed'] = 'REPLACE' if exists else 'CREATE'
        body = as_query(s)
        head = s[:len(s) - len(body)] if body else s
        kind = 'TABLE'
        tdef = {}
        if st in ('CREATE_MATERIALIZED_VIEW', 'CREATE_VIEW'):
            if body is None:
                return job_error('invalid', 'Syntax error: expected AS '
                                 'SELECT in %s' % s[:100], 'query')
            for ref in re.findall(r'\b(?:FROM|JOIN)\s+(' + IDENT + ')', body,
                                  re.I):
                if '.' not in ref:
                    continue		# a CTE or an alias
                rk = split_name(ref, project, dds)
                # alias.column (EXTRACT(x FROM t.c)) names no dataset
                if rk and rk[:2] in S['datasets'] and \
                        rk not in S['tables']:
                    return job_error('notFound', 'Not found: Table %s:%s.%s '
                                     'was not found in location %s' % (
                                         rk + (job['jobReference']
                                               ['location'],)))
            if st == 'CREATE_MATERIALIZED_VIEW':
                kind = 'MATERIALIZED_VIEW'
                tdef['materializedView'] = dict(mv_options(s, head),
                                                query=body)
            else:
                kind = 'VIEW'
                tdef['view'] = {'query': body, 'useLegacySql': False}
        pm = re.search(r'\bPARTITION\s+BY\s+(?:(DATE|TIMESTAMP_TRUNC|'
                       r'DATETIME_TRUNC|DATE_TRUNC)\s*\(\s*(\w+)\s*(?:,\s*'
                       r'(\w+)\s*)?\)|(\w+))', head, re.I)
        if pm:
            fld = pm.group(2) or pm.group(4)
            unit = (pm.group(3) or 'DAY').upper()
            tdef['timePartitioning'] = {'type': unit, 'field': fld}
        cm = re.search(r'\bCLUSTER\s+BY\s+([\w\s,]+?)(?:\bOPTIONS\b|\bAS\b|$)',
                       head, re.I)
        if cm:
            tdef['clustering'] = {'fields': [c.strip() for c in
                                             cm.group(1).split(',')
                                             if c.strip()]}
        if not dry:
            tab = new_table(key[0], key[1], key[2], tdef, kind)
            S['tables'][key] = tab
        return None
    if st == 'CALL':
        m = re.search(r'REFRESH_MATERIALIZED_VIEW\s*\(\s*[\'"]([^\'"]+)',
                      s, re.I)
        if m:
            key = split_name(m.group(1), project, dds)
            tab = S['tables'].get(key) if key else None
            if tab is None or tab['type'] != 'MATERIALIZED_VIEW':
                return job_error('notFound', 'Not found: Materialized view '
                                 '%s' % m.group(1))
            if not dry:
                tab['def']['materializedView']['lastRefreshTime'] = \
                    str(now_ms())
        return None
    if st in ('INSERT', 'UPDATE', 'DELETE', 'MERGE'):
        stats['numDmlAffectedRows'] = '0'
    return None


def find_job(project, jid, q):
    job = S['jobs'].get((project, jid))
    loc = (q.get('location') or [None])[0]
    if job is None or loc is not None and \
            loc.upper() != job['jobReference']['location'].upper():
        fail(404, 'notFound', 'Not found: Job %s:%s.%s' % (
            project, loc or (job or {}).get('jobReference', {}).get(
                'location', 'US'), jid))
    return job


def advance(job):
    """One more look at a job: PENDING -> RUNNING -> DONE."""
    if job['status']['state'] != 'DONE':
        job['_gets'] += 1
        if job['_gets'] >= job['_need']:
            finish(job)
        else:
            job['status']['state'] = 'RUNNING'
            job['statistics'].setdefault('startTime', str(now_ms()))


def list_jobs(project, q):
    proj = (q.get('projection') or ['minimal'])[0]
    states = set(s.upper() for s in q.get('stateFilter') or [])
    lo = int((q.get('minCreationTime') or ['0'])[0])
    hi = int((q.get('maxCreationTime') or [str(2 ** 63)])[0])
    n = int((q.get('maxResults') or ['50'])[0])
    n = max(1, min(n, 1000))
    tok = (q.get('pageToken') or [''])[0]
    below = None
    if tok:
        m = re.fullmatch(r's(\d+)', tok)
        if not m:
            fail(400, 'invalid', 'Invalid page token: %s' % tok)
        below = int(m.group(1))
    jobs = sorted((j for (p, _), j in S['jobs'].items() if p == project),
                  key=lambda j: -j['_seq'])
    out = {'kind': 'bigquery#jobList', 'etag': rand_id('', 64), 'jobs': []}
    for j in jobs:
        if below is not None and j['_seq'] >= below:
            continue
        c = int(j['statistics']['creationTime'])
        if not lo <= c <= hi or states and j['status']['state'] not in states:
            continue
        if len(out['jobs']) == n:
            out['nextPageToken'] = 's%d' % (out['jobs'][-1]['_seq'])
            break
        e = {'id': j['id'], 'kind': 'bigquery#job',
             'jobReference': j['jobReference'],
             'state': j['status']['state'], 'status': j['status'],
             'statistics': j['statistics'], 'user_email': j['user_email'],
             '_seq': j['_seq']}
        if 'errorResult' in j['status']:
            e['errorResult'] = j['status']['errorResult']
        if proj == 'full':
            e['configuration'] = j['configuration']
        out['jobs'].append(e)
    for e in out['jobs']:
        del e['_seq']
    if not out['jobs']:
        del out['jobs']
    return json.loads(json.dumps(out))


def query_response(job, kind='bigquery#queryResponse'):
    st = job['status']
    if st['state'] == 'DONE' and 'errorResult' in st:
        e = st['errorResult']
        code = {'notFound': 404, 'duplicate': 409, 'backendError': 500,
                'accessDenied': 403}.get(e['reason'], 400)
        fail(code, e['reason'], e['message'])
    out = {'kind': kind, 'jobReference': job['jobReference'],
           'jobComplete': st['state'] == 'DONE'}
    if out['jobComplete']:
        qs = job['statistics'].get('query', {})
        out.update({'totalRows': '0', 'rows': [], 'schema': {'fields': []},
                    'totalBytesProcessed': '0', 'cacheHit': False})
        for k in ('ddlOperationPerformed', 'ddlTargetTable',
                  'numDmlAffectedRows'):
            if k in qs:
                out[k] = qs[k]
        if kind == 'bigquery#getQueryResultsResponse':
            out.pop('ddlOperationPerformed', None)
            out.pop('ddlTargetTable', None)
    return json.loads(json.dumps(out))


# ---------------------------------------------------------------------------
# Faults

def take_faults(whats, kinds):
    """The live faults of the given kinds matching one of `whats`, each
    used once."""
    if isinstance(whats, str):
        whats = [whats]
    got = []
    with LOCK:
        for f in S['faults']:
            if f['count'] <= 0 or not any(k in f for k in kinds):
                continue
            if any(f['_re'].search(w) for w in whats):
                f['count'] -= 1
                got.append(f)
        S['faults'] = [f for f in S['faults'] if f['count'] > 0]
    return got


FAULT_KEYS = ('status', 'drop_after', 'fail_job', 'slow', 'delay_ms',
              'partial')


def check_fault(f):
    """A fault from its JSON, checked and compiled (a 400 Reply if bad)."""
    if not isinstance(f, dict) or not any(k in f for k in FAULT_KEYS):
        fail(400, 'invalid', 'a fault is an object with one of %s' %
             ', '.join(FAULT_KEYS))
    f = dict(f)
    f.setdefault('count', 1)
    f.setdefault('match', '.')
    try:
        f['_re'] = re.compile(f['match'])
        f['count'] = int(f['count'])
        for k in ('status', 'drop_after', 'slow', 'delay_ms', 'partial'):
            if k in f:
                f[k] = int(f[k])
    except (re.error, TypeError, ValueError) as e:
        fail(400, 'invalid', 'bad fault: %s' % e)
    if 'status' in f and not 400 <= f['status'] <= 599:
        fail(400, 'invalid', 'a fault status is 4xx or 5xx')
    return f


# ---------------------------------------------------------------------------
# Tokens and the metadata server

def b64url(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


def issue_token():
    tok = 'ya29.fake-%s' % rand_id('', 128)
    with LOCK:
        S['tokens'].add(tok)
    return 200, {'access_token': tok, 'expires_in': 3600,
                 'token_type': 'Bearer'}


KEY_BYTES = []


def key_bytes():
    """The size in bytes of an RSA signature by --jwt-public-key's key."""
    if not KEY_BYTES:
        r = subprocess.run(['openssl', 'pkey', '-pubin', '-in',
                            OPT.jwt_public_key, '-noout', '-text_pub'],
                           capture_output=True, text=True)
        m = re.search(r'\((\d+) bit\)', r.stdout)
        KEY_BYTES.append((int(m.group(1)) + 7) // 8 if m else -1)
    return KEY_BYTES[0]


def token_endpoint(form, urls):
    def bad(why, code=400, err='invalid_grant'):
        return code, {'error': err, 'error_description': why}
    gt = form.get('grant_type', [''])[0]
    if gt == 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        if not OPT.jwt_public_key:
            return bad('no --jwt-public-key: JWT grants are refused')
        try:
            h, c, sig = form['assertion'][0].split('.')
            if not all(re.fullmatch(r'[A-Za-z0-9_-]+', x) for x in (h, c, sig)):
                raise ValueError('not base64url')
            head = json.loads(b64url(h))
            claims = json.loads(b64url(c))
            rawsig = b64url(sig)
        except (KeyError, ValueError, binascii.Error):
            return bad('Invalid JWT: malformed assertion')
        if not isinstance(head, dict) or head.get('alg') != 'RS256':
            return bad('Invalid JWT: alg must be RS256')
        if not isinstance(claims, dict):
            return bad('Invalid JWT: the claims are not an object')
        with tempfile.TemporaryDirectory() as d:
            with open(d + '/msg', 'wb') as fp:
                fp.write((h + '.' + c).encode())
            with open(d + '/sig', 'wb') as fp:
                fp.write(rawsig)
            r = subprocess.run(['openssl', 'dgst', '-sha256', '-verify',
                                OPT.jwt_public_key, '-signature', d + '/sig',
                                d + '/msg'], capture_output=True)
        # openssl reads only the key's size of the signature file: a
        # longer signature must not pass for the shorter one.
        if r.returncode != 0 or len(rawsig) != key_bytes():
            return bad('Invalid JWT Signature.')
        if claims.get('aud') not in urls:
            return bad('Invalid JWT: Failed audience check. The right '
                       'audience is %s' % urls[0])
        iat, exp = claims.get('iat'), claims.get('exp')
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                   for x in (iat, exp)):
            return bad('Invalid JWT: iat and exp must be numbers')
        t = time.time()
        if exp <= iat or exp - iat > 3600:
            return bad('Invalid JWT: exp must be after iat, by at most '
                       '3600 seconds')
        if iat > t + 300 or exp < t - 300:
            return bad('Invalid JWT: Token must be a short-lived token (60 '
                       'minutes) and in a reasonable timeframe. Check your '
                       'iat and exp values in the JWT claim.')
        if not claims.get('iss'):
            return bad('Invalid JWT: no iss')
        if not re.search(r'auth/(bigquery|cloud-platform)\b',
                         str(claims.get('scope', ''))):
            return bad('Invalid JWT: scope must include '
                       'https://www.googleapis.com/auth/bigquery or '
                       '.../cloud-platform', err='invalid_scope')
        return issue_token()
    if gt == 'refresh_token':
        if not OPT.refresh:
            return bad('no --refresh: refresh-token grants are refused')
        cid, secret, rt = OPT.refresh.split(':', 2)
        if (form.get('client_id', [''])[0], form.get('client_secret', [''])[0]
                ) != (cid, secret):
            return bad('The OAuth client was not found.', 401,
                       'invalid_client')
        if form.get('refresh_token', [''])[0] != rt:
            return bad('Bad Request')
        return issue_token()
    return bad('Invalid grant_type: %s' % gt, err='unsupported_grant_type')


# ---------------------------------------------------------------------------
# Multipart

def parse_multipart(ctype, body):
    """(json part, data part) of a multipart/related body, CRLF or LF."""
    m = re.search(r'boundary=(?:"([^"]+)"|([^;\s]+))', ctype or '', re.I)
    if not m or not (ctype or '').lower().startswith('multipart/'):
        raise ValueError('not multipart with a boundary')
    sep = b'--' + (m.group(1) or m.group(2)).encode()
    chunks = body.split(sep)
    if len(chunks) < 3:
        raise ValueError('no parts')
    parts = []
    for p in chunks[1:]:
        if p.startswith(b'--'):
            break
        p = p[2:] if p.startswith(b'\r\n') else p[1:] if \
            p.startswith(b'\n') else p
        i, j = p.find(b'\r\n\r\n'), p.find(b'\n\n')
        if p.startswith((b'\r\n', b'\n')):	# no headers at all
            head, content = b'', p[2 if p.startswith(b'\r\n') else 1:]
        elif i >= 0 and (j < 0 or i <= j):
            head, content = p[:i], p[i + 4:]
        elif j >= 0:
            head, content = p[:j], p[j + 2:]
        else:
            raise ValueError('a part without a blank line after its headers')
        if content.endswith(b'\r\n'):
            content = content[:-2]
        elif content.endswith(b'\n'):
            content = content[:-1]
        hdrs = {}
        for line in re.split(rb'\r?\n', head):
            if b':' in line:
                k, v = line.split(b':', 1)
                hdrs[k.strip().lower().decode('latin-1')] = \
                    v.strip().decode('latin-1')
        if hdrs.get('content-transfer-encoding', '').lower() == 'base64':
            content = base64.b64decode(content)
        parts.append((hdrs, content))
    else:
        raise ValueError('no closing boundary')
    if len(parts) != 2:
        raise ValueError('%d parts, expected 2 (metadata and media)' %
                         len(parts))
    ct = parts[0][0].get('content-type', 'application/json').lower()
    if not ct.startswith('application/json'):
        raise ValueError('the first part is %s, not application/json' % ct)
    return parts[0][1], parts[1][1]


# ---------------------------------------------------------------------------
# HTTP

URL = None


def server_url():
    return URL


class Dropped(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fake_bq'
    sys_version = ''
    timeout = 120
    # One write per response (headers and body together), and no Nagle:
    # a response split in two small writes meets the client's delayed ACK
    # and costs 40 ms.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    # ---- plumbing ----

    def send(self, code, obj=None, headers=(), text=None, ctype=None):
        if text is not None:
            body = text.encode()
            ct = ctype or 'text/plain; charset=UTF-8'
        elif obj is None:
            body, ct = b'', None
        else:
            body = (json.dumps(obj, indent=1) + '\n').encode()
            ct = 'application/json; charset=UTF-8'
        self.send_response(code)
        if ct:
            self.send_header('Content-Type', ct)
        self.send_header('Content-Length', str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)
        self.wfile.flush()
        self.status_sent = code

    def read_raw(self, n):
        data = self.rfile.read(n)
        if len(data) < n:
            self.close_connection = True
            raise Dropped()
        return data

    def read_body(self, whats):
        """The request body; None when a drop_after fault swallowed it."""
        te = (self.headers.get('Transfer-Encoding') or '').lower()
        cl = self.headers.get('Content-Length')
        drop = take_faults(whats, ('drop_after',))
        limit = drop[0]['drop_after'] if drop else None
        if 'chunked' in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise Dropped()
                size = int(line.split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b'\r\n', b'\n',
                                                            b''):
                        pass
                    break
                out += self.read_raw(size)
                self.read_raw(2)
                if limit is not None and len(out) >= limit:
                    break
            body = bytes(out)
        elif cl is not None:
            if not re.fullmatch(r'\s*\d+\s*', cl):
                self.close_connection = True
                raise Reply(*gerr(400, 'badRequest', 'bad Content-Length'))
            n = int(cl)
            body = self.read_raw(min(n, limit) if limit is not None else n)
        else:
            body = b''
        if limit is not None:
            return None
        return body

    def drop(self):
        """Closes the connection without a response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def handle_any(self):
        self.status_sent = None
        method = self.command
        u = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(u.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        what = '%s %s%s' % (method, u.path, '?' + u.query if u.query else '')
        control = path.startswith('/_')
        safe_query = re.sub(r'(^|&)(access_token|oauth_token|key)=[^&]*',
                            r'\1\2=REDACTED', u.query)
        self.what = what
        self.what_logged = '%s %s%s' % (method, u.path, '?' + safe_query
                                        if safe_query else '')
        self.entry = entry = {
            'time': round(time.time(), 3), 'method': method, 'path': u.path,
            'query': safe_query,
            'content_type': self.headers.get('Content-Type'),
            'body_length': None,
            'authorization': 'Authorization' in self.headers,
            'status': None, 'error': None}
        try:
            body = self.read_body([] if control else [what])
            if body is None:
                entry['status'] = 'dropped'
                self.drop()
                return
            entry['body_length'] = len(body)
            if not control:
                for f in take_faults(what, ('delay_ms',)):
                    time.sleep(f['delay_ms'] / 1000)
                for f in take_faults(what, ('status',)):
                    code = f['status']
                    reason = f.get('reason') or (
                        'rateLimitExceeded' if code in (403, 429)
                        else 'backendError' if code >= 500 else 'invalid')
                    msg = f.get('message') or {
                        'rateLimitExceeded': 'Exceeded rate limits: too '
                        'many api requests per user per method for this '
                        'user_method.',
                        'quotaExceeded': 'Quota exceeded: Your table '
                        'exceeded quota for imports or query appends per '
                        'table.',
                        'backendError': 'Backend error. Please try again.',
                    }.get(reason, 'Injected %d (%s)' % (code, reason))
                    hdr = []
                    if 'retry_after' in f:
                        hdr = [('Retry-After', str(f['retry_after']))]
                    raise Reply(*gerr(code, reason, msg), headers=hdr)
            self.route(method, path, q, body)
        except Reply as r:
            if r.code >= 400 and entry['error'] is None and \
                    isinstance(r.body, dict) and \
                    isinstance(r.body.get('error'), dict):
                entry['error_message'] = r.body['error'].get('message')
            self.send(r.code, r.body, headers=r.headers)
        except Dropped:
            entry['status'] = 'dropped'
            self.close_connection = True
        except (ConnectionError, socket.timeout):
            entry['status'] = 'dropped'
            self.close_connection = True
        except Exception as e:  # the fake must not die
            sys.stderr.write('fake_bq: %s %s: %s' % (
                method, u.path, traceback.format_exc()))
            if self.status_sent is None:
                try:
                    self.close_connection = True
                    self.send(*gerr(500, 'internalError', 'fake_bq: %s: %s'
                                    % (type(e).__name__, e)))
                except OSError:
                    pass
        finally:
            if entry['status'] is None:
                entry['status'] = self.status_sent
            if not control:
                line = json.dumps(entry)
                with LOCK:
                    S['requests'].append(entry)
                    if OPT.log:
                        with open(OPT.log, 'a') as fp:
                            fp.write(line + '\n')

    def json_body(self, body):
        if not body.strip():
            fail(400, 'invalid', 'Invalid JSON payload received: an empty '
                 'body')
        try:
            return json.loads(body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError) as e:
            fail(400, 'invalid', 'Invalid JSON payload received. %s' % e)

    def authorized(self):
        a = self.headers.get('Authorization')
        if a is None:
            fail(401, 'required', 'Request is missing required '
                 'authentication credential. Expected OAuth 2 access token, '
                 'login cookie or other valid authentication credential.',
                 location='Authorization', locationType='header')
        tok = a[7:].strip() if a[:7].lower() == 'bearer ' else None
        with LOCK:
            ok = tok is not None and (tok in OPT.token or tok in S['tokens'])
        if not ok:
            raise Reply(*gerr(401, 'authError', 'Request had invalid '
                              'authentication credentials. Expected OAuth 2 '
                              'access token, login cookie or other valid '
                              'authentication credential.',
                              location='Authorization',
                              locationType='header'),
                        headers=[('WWW-Authenticate',
                                  'Bearer realm="https://accounts.google.com/'
                                  '", error="invalid_token"')])

    def token_urls(self):
        urls = [URL + '/token']
        host = self.headers.get('Host')
        if host:
            urls.insert(0, 'http://%s/token' % host)
        return urls

    # ---- routing ----

    def route(self, method, path, q, body):
        if path.startswith('/_'):
            return self.control(method, path, q, body)
        if path == '/token':
            if method != 'POST':
                fail(405, 'badRequest', 'use POST')
            form = urllib.parse.parse_qs(body.decode('utf-8', 'replace'))
            return self.send(*token_endpoint(form, self.token_urls()))
        if path.startswith('/computeMetadata/'):
            return self.metadata(path)
        if path in ('/discovery/v1/apis/bigquery/v2/rest', '/$discovery/rest'):
            if DISC is None:
                fail(404, 'notFound', 'no discovery document loaded')
            d = dict(DISC, rootUrl=URL + '/', mtlsRootUrl=URL + '/',
                     baseUrl=URL + '/bigquery/v2/')
            return self.send(200, d)
        m = re.fullmatch(r'/(upload/|resumable/upload/)?bigquery/v2/projects/'
                         r'([^/]+)(/.*)?', path)
        if not m:
            fail(404, 'notFound', 'Not found: %s %s' % (method, path))
        self.authorized()
        upload, project, rest = m.group(1), m.group(2), m.group(3) or ''
        if upload:
            return self.upload(method, project, rest, q, body)
        return self.api(method, project, rest, q, body)

    def control(self, method, path, q, body):
        if path == '/_fault':
            f = self.json_body(body)
            fs = [check_fault(x) for x in (f if isinstance(f, list) else [f])]
            with LOCK:
                S['faults'].extend(fs)
            return self.send(200, {'faults': len(S['faults'])})
        if path == '/_reset':
            with LOCK:
                S['faults'] = []
                try:
                    everything = bool(q.get('all')) or bool(
                        body.strip() and json.loads(body).get('all'))
                except (ValueError, AttributeError):
                    everything = False
                if everything:
                    keep = S['tokens']
                    S.clear()
                    S.update(fresh_state())
                    S['tokens'] = keep
            return self.send(200, {})
        if path == '/_revoke':
            with LOCK:
                S['tokens'] = set()
            return self.send(200, {})
        with LOCK:
            if path == '/_requests':
                lines = [json.dumps(r) for r in S['requests']]
            elif path == '/_jobs':
                lines = [json.dumps(public(j)) for j in
                         sorted(S['jobs'].values(), key=lambda j: j['_seq'])]
            elif path == '/_violations':
                lines = [json.dumps(v) for v in S['violations']]
            elif path == '/_faults':
                lines = [json.dumps({k: v for k, v in f.items()
                                     if k != '_re'}) for f in S['faults']]
            else:
                m = re.fullmatch(r'/_tables/([^/]+)/([^/]+)/([^/]+)', path)
                tab = S['tables'].get(m.groups()) if m else None
                if tab is None:
                    return self.send(404, text='no such table\n')
                lines = [json.dumps(r) for _, r in tab['rows']]
        return self.send(200, text=''.join(x + '\n' for x in lines),
                         ctype='application/x-ndjson')

    def metadata(self, path):
        if self.headers.get('Metadata-Flavor') != 'Google' or \
                'X-Forwarded-For' in self.headers:
            return self.send(403, text='Missing Metadata-Flavor:Google '
                             'header.\n', ctype='text/html; charset=UTF-8')
        hdr = [('Metadata-Flavor', 'Google')]
        p = path.rstrip('/')
        if p == '/computeMetadata/v1/instance/service-accounts/default/token':
            code, obj = issue_token()
            return self.send(code, obj, headers=hdr)
        texts = {
            '/computeMetadata/v1/project/project-id': 'test-project',
            '/computeMetadata/v1/project/numeric-project-id': '123456789',
            '/computeMetadata/v1/instance/service-accounts/default/email':
                'loader@test-project.iam.gserviceaccount.com',
            '/computeMetadata/v1/instance/service-accounts/default/scopes':
                'https://www.googleapis.com/auth/cloud-platform',
            '/computeMetadata/v1': '',
        }
        if p in texts:
            return self.send(200, text=texts[p], headers=hdr,
                             ctype='application/text')
        return self.send(404, text='Not found\n', headers=hdr)

    def api(self, method, project, rest, q, body):
        # ---- datasets ----
        if rest == '/datasets':
            if method == 'POST':
                check_query(self, 'datasets', 'insert', q)
                j = self.json_body(body)
                check_body(self, j, 'Dataset')
                ref = j.get('datasetReference') or {}
                required(self, ref.get('datasetId'),
                         'datasetReference.datasetId')
                if ref.get('projectId') not in (None, project):
                    fail(400, 'invalid', 'Invalid project ID in '
                         'datasetReference: %s' % ref['projectId'])
                if not re.fullmatch(r'[A-Za-z0-9_]{1,1024}', ref['datasetId']):
                    fail(400, 'invalid', 'Invalid dataset ID "%s". Dataset '
                         'IDs must be alphanumeric (plus underscores) and '
                         'must be at most 1024 characters long.'
                         % ref['datasetId'])
                key = (project, ref['datasetId'])
                with LOCK:
                    if key in S['datasets']:
                        fail(409, 'duplicate', 'Already Exists: Dataset '
                             '%s:%s' % key)
                    t = str(now_ms())
                    ds = dict(j)
                    ds.update({'kind': 'bigquery#dataset',
                               'id': '%s:%s' % key,
                               'datasetReference': {'projectId': project,
                                                    'datasetId': key[1]},
                               'location': j.get('location') or 'US',
                               'creationTime': t, 'lastModifiedTime': t,
                               'etag': rand_id('', 64)})
                    S['datasets'][key] = ds
                return self.send(200, ds)
            if method == 'GET':
                check_query(self, 'datasets', 'list', q)
                with LOCK:
                    dss = [{'kind': 'bigquery#dataset', 'id': d['id'],
                            'datasetReference': d['datasetReference'],
                            'location': d['location']}
                           for (p, _), d in sorted(S['datasets'].items())
                           if p == project]
                out = {'kind': 'bigquery#datasetList'}
                if dss:
                    out['datasets'] = dss
                return self.send(200, out)
        m = re.fullmatch(r'/datasets/([^/]+)', rest)
        if m:
            key = (project, m.group(1))
            with LOCK:
                ds = S['datasets'].get(key)
                if ds is None:
                    fail(404, 'notFound', 'Not found: Dataset %s:%s' % key)
                if method == 'GET':
                    check_query(self, 'datasets', 'get', q)
                    return self.send(200, ds)
                if method == 'DELETE':
                    check_query(self, 'datasets', 'delete', q)
                    tabs = [k for k in S['tables'] if k[:2] == key]
                    if tabs and (q.get('deleteContents') or ['false'])[0] \
                            != 'true':
                        fail(400, 'resourceInUse', 'Dataset %s:%s is still '
                             'in use' % key)
                    for k in tabs:
                        del S['tables'][k]
                    del S['datasets'][key]
                    return self.send(204)
        # ---- tables ----
        m = re.fullmatch(r'/datasets/([^/]+)/tables', rest)
        if m:
            key = (project, m.group(1))
            if method == 'POST':
                check_query(self, 'tables', 'insert', q)
                j = self.json_body(body)
                check_body(self, j, 'Table')
                ref = j.get('tableReference') or {}
                required(self, ref.get('tableId'), 'tableReference.tableId')
                return self.send(200, self.insert_table(key, j))
            if method == 'GET':
                check_query(self, 'tables', 'list', q)
                with LOCK:
                    if key not in S['datasets']:
                        fail(404, 'notFound', 'Not found: Dataset %s:%s' %
                             key)
                    tabs = [table_resource(t) for k, t in
                            sorted(S['tables'].items()) if k[:2] == key]
                out = {'kind': 'bigquery#tableList',
                       'totalItems': len(tabs)}
                if tabs:
                    out['tables'] = [{k: t[k] for k in
                                      ('kind', 'id', 'tableReference',
                                       'type', 'creationTime') if k in t}
                                     for t in tabs]
                return self.send(200, out)
        m = re.fullmatch(r'/datasets/([^/]+)/tables/([^/]+)(/insertAll|'
                         r'/data)?', rest)
        if m:
            key = (project, m.group(1), m.group(2))
            if m.group(3) == '/insertAll' and method == 'POST':
                check_query(self, 'tabledata', 'insertAll', q)
                j = self.json_body(body)
                check_body(self, j, 'TableDataInsertAllRequest')
                return self.send(200, self.insert_all(key, j))
            with LOCK:
                tab = S['tables'].get(key)
                if tab is None:
                    if key[:2] not in S['datasets']:
                        fail(404, 'notFound', 'Not found: Dataset %s:%s' %
                             key[:2])
                    fail(404, 'notFound', 'Not found: Table %s:%s.%s' % key)
                if m.group(3) == '/data' and method == 'GET':
                    check_query(self, 'tabledata', 'list', q)
                    return self.send(200, {
                        'kind': 'bigquery#tableDataList',
                        'totalRows': str(len(tab['rows'])),
                        'rows': [{'f': [{'v': r.get(f['name'])}
                                        for f in tab['schema']]}
                                 for _, r in tab['rows']]})
                if m.group(3):
                    fail(404, 'notFound', 'no such method')
                if method == 'GET':
                    check_query(self, 'tables', 'get', q)
                    return self.send(200, table_resource(tab))
                if method == 'DELETE':
                    check_query(self, 'tables', 'delete', q)
                    del S['tables'][key]
                    return self.send(204)
                if method in ('PATCH', 'PUT'):
                    check_query(self, 'tables', 'patch' if method == 'PATCH'
                                else 'update', q)
                    j = self.json_body(body)
                    check_body(self, j, 'Table')
                    return self.send(200, self.patch_table(tab, j,
                                                           method == 'PUT'))
        # ---- jobs ----
        if rest == '/jobs':
            if method == 'POST':
                check_query(self, 'jobs', 'insert', q)
                j = self.json_body(body)
                check_body(self, j, 'Job')
                return self.send(200, new_job(self, project, j, None,
                                              [self.what]))
            if method == 'GET':
                check_query(self, 'jobs', 'list', q)
                with LOCK:
                    return self.send(200, list_jobs(project, q))
        m = re.fullmatch(r'/jobs/([^/]+)(/cancel)?', rest)
        if m:
            with LOCK:
                if m.group(2) and method == 'POST':
                    check_query(self, 'jobs', 'cancel', q)
                    job = find_job(project, m.group(1), q)
                    if job['status']['state'] != 'DONE':
                        job['_fail'] = 'stopped'
                        job['_data'] = None
                        finish(job)
                        job['status']['errorResult']['message'] = \
                            'Job execution was cancelled: User requested ' \
                            'cancellation'
                    return self.send(200, {'kind': 'bigquery#jobCancel'
                                           'Response', 'job': public(job)})
                if not m.group(2) and method == 'GET':
                    check_query(self, 'jobs', 'get', q)
                    job = find_job(project, m.group(1), q)
                    advance(job)
                    return self.send(200, public(job))
        if rest == '/queries' and method == 'POST':
            check_query(self, 'jobs', 'query', q)
            j = self.json_body(body)
            check_body(self, j, 'QueryRequest')
            required(self, isinstance(j.get('query'), str) and
                     j['query'].strip(), 'query')
            return self.send(200, self.jobs_query(project, j))
        m = re.fullmatch(r'/queries/([^/]+)', rest)
        if m and method == 'GET':
            check_query(self, 'jobs', 'getQueryResults', q)
            with LOCK:
                job = find_job(project, m.group(1), q)
                advance(job)
                return self.send(200, query_response(
                    job, 'bigquery#getQueryResultsResponse'))
        fail(404, 'notFound', 'Not found: %s /bigquery/v2/projects/%s%s (not '
             'implemented by this fake)' % (method, project, rest))

    def insert_table(self, dkey, j):
        ref = j['tableReference']
        if ref.get('projectId') not in (None, dkey[0]) or \
                ref.get('datasetId') not in (None, dkey[1]):
            fail(400, 'invalid', 'tableReference %s.%s does not match the '
                 'path %s.%s' % (ref.get('projectId'), ref.get('datasetId'),
                                 dkey[0], dkey[1]))
        tid = ref['tableId']
        if not re.fullmatch(r'[\w-]{1,1024}', tid):
            fail(400, 'invalid', 'Invalid table ID "%s".' % tid)
        kind = 'TABLE'
        if j.get('materializedView') is not None:
            kind = 'MATERIALIZED_VIEW'
            required(self, (j['materializedView'] or {}).get('query'),
                     'materializedView.query')
        elif j.get('view') is not None:
            kind = 'VIEW'
            required(self, (j['view'] or {}).get('query'), 'view.query')
        fields = (j.get('schema') or {}).get('fields') or []
        e = check_schema(fields) or check_layout(
            fields, j.get('timePartitioning'), j.get('clustering'))
        if e:
            fail(400, 'invalid', e)
        key = dkey + (tid,)
        with LOCK:
            if dkey not in S['datasets']:
                fail(404, 'notFound', 'Not found: Dataset %s:%s' % dkey)
            if key in S['tables']:
                fail(409, 'duplicate', 'Already Exists: Table %s:%s.%s' % key)
            tab = new_table(dkey[0], dkey[1], tid, j, kind)
            S['tables'][key] = tab
            return table_resource(tab)

    def patch_table(self, tab, j, replace):
        if 'schema' in j:
            new = (j.get('schema') or {}).get('fields') or []
            e = check_schema(new)
            if not e:
                e, merged = schema_merge(tab['schema'], new,
                                         ['ALLOW_FIELD_ADDITION',
                                          'ALLOW_FIELD_RELAXATION'])
                if not e and len(merged) != len(new):
                    e = 'Provided Schema does not match Table. Field %s is ' \
                        'missing in new schema' % next(
                            f['name'] for f in tab['schema']
                            if f['name'].lower() not in
                            {n['name'].lower() for n in new})
            if e:
                fail(400, 'invalid', e)
            tab['schema'] = merged
        for k, v in j.items():
            if k in ('tableReference', 'schema', 'id', 'kind', 'type',
                     'numRows', 'numBytes', 'creationTime',
                     'lastModifiedTime'):
                continue
            if k in ('timePartitioning', 'materializedView', 'view') and \
                    v != tab['def'].get(k) and k == 'timePartitioning':
                fail(400, 'invalid', 'Cannot change partitioning spec')
            tab['def'][k] = v
        tab['modified'] = now_ms()
        return table_resource(tab)

    def insert_all(self, key, j):
        with LOCK:
            tab = S['tables'].get(key)
            if tab is None:
                fail(404, 'notFound', 'Not found: Table %s:%s.%s' % key)
            seen = S['insert_ids'].setdefault(key, set())
            rows = j.get('rows') or []
            skip = bool(j.get('skipInvalidRows'))
            ignore = bool(j.get('ignoreUnknownValues'))
            good, errs = [], []
            for i, r in enumerate(rows):
                e, row = check_row(r.get('json'), tab['schema'], ignore)
                if e:
                    errs.append({'index': i, 'errors': [{
                        'reason': 'invalid', 'location': '', 'debugInfo': '',
                        'message': e}]})
                else:
                    good.append((i, r.get('insertId'), row))
            if errs and not skip:
                bad = {e['index'] for e in errs}
                for i, _, _ in good:
                    if i not in bad:
                        errs.append({'index': i, 'errors': [{
                            'reason': 'stopped', 'location': '',
                            'debugInfo': '', 'message': ''}]})
                errs.sort(key=lambda e: e['index'])
                return {'kind': 'bigquery#tableDataInsertAllResponse',
                        'insertErrors': errs}
            tp = tab['def'].get('timePartitioning')
            for _, iid, row in good:
                if iid and iid in seen:
                    continue
                if iid:
                    seen.add(iid)
                tab['rows'].append([partition_id(tp, row, None), row])
            out = {'kind': 'bigquery#tableDataInsertAllResponse'}
            if errs:
                out['insertErrors'] = errs
            return out

    def jobs_query(self, project, j):
        rid = j.get('requestId')
        with LOCK:
            if rid and (project, rid) in S['query_requests']:
                job = S['jobs'][(project, S['query_requests'][(project,
                                                                rid)])]
                return query_response(job)
            qcfg = {'query': j['query']}
            for k in ('useLegacySql', 'defaultDataset', 'maximumBytesBilled',
                      'queryParameters', 'parameterMode', 'labels',
                      'useQueryCache', 'createSession', 'connectionProperties'
                      ):
                if k in j:
                    qcfg[k] = j[k]
            labels = qcfg.pop('labels', None)
            body = {'configuration': {'query': qcfg}}
            if labels:
                body['configuration']['labels'] = labels
            if j.get('dryRun'):
                body['configuration']['dryRun'] = True
            if j.get('location'):
                body['jobReference'] = {'location': j['location']}
            pub = new_job(self, project, body, None, [self.what])
            if j.get('dryRun'):
                return query_response(pub)
            job = S['jobs'][(project, pub['jobReference']['jobId'])]
            if rid:
                S['query_requests'][(project, rid)] = \
                    pub['jobReference']['jobId']
            job['_need'] -= 1		# jobs.query waits a little itself
            advance(job)
            return query_response(job)

    def upload(self, method, project, rest, q, body):
        if rest != '/jobs':
            fail(404, 'notFound', 'Not found: %s upload path %s' %
                 (method, rest))
        kind = (q.get('uploadType') or [''])[0]
        if method == 'POST' and kind == 'multipart':
            check_query(self, 'jobs', 'insert', q)
            try:
                meta, data = parse_multipart(self.headers.get('Content-Type'),
                                             body)
            except (ValueError, binascii.Error) as e:
                fail(400, 'badRequest', 'Invalid multipart request: %s' % e)
            j = self.json_body(meta)
            check_body(self, j, 'Job')
            return self.send(200, new_job(self, project, j, bytes(data),
                                          [self.what]))
        if method == 'POST' and kind == 'resumable':
            check_query(self, 'jobs', 'insert', q)
            j = self.json_body(body)
            check_body(self, j, 'Job')
            xlen = self.headers.get('X-Upload-Content-Length')
            if xlen is not None and not re.fullmatch(r'\d+', xlen.strip()):
                fail(400, 'badRequest', 'bad X-Upload-Content-Length')
            with LOCK:
                check_job(self, project, j, True)	# fails early, as real
                uid = rand_id('ADPyc', 160)
                S['uploads'][uid] = {
                    'job': j, 'data': bytearray(), 'project': project,
                    'total': int(xlen) if xlen is not None else None,
                    'ctype': self.headers.get('X-Upload-Content-Type'),
                    'init': self.what, 'result': None}
            loc = '%s/upload/bigquery/v2/projects/%s/jobs?uploadType=' \
                  'resumable&upload_id=%s' % (URL, project, uid)
            return self.send(200, None, headers=[
                ('Location', loc), ('X-GUploader-UploadID', uid)])
        if method == 'PUT' and kind == 'resumable':
            with LOCK:
                return self.upload_put(project, q, body)
        fail(400, 'badRequest', 'Unsupported upload: %s uploadType=%s' %
             (method, kind or '(none)'))

    def upload_put(self, project, q, body):
        uid = (q.get('upload_id') or [''])[0]
        up = S['uploads'].get(uid)
        if up is None or up['project'] != project:
            fail(404, 'notFound', 'No such upload session: %s' % uid)
        if up['result'] is not None:
            code, jid = up['result']
            if code != 200:
                raise Reply(code, jid)
            return self.send(200, public(S['jobs'][(project, jid)]))
        cr = self.headers.get('Content-Range')
        if cr is None:
            cr = 'bytes 0-%d/%d' % (len(body) - 1, len(body)) if body else \
                'bytes */%d' % len(up['data'])
        m = re.fullmatch(r'\s*bytes\s+(\*|(\d+)-(\d+))/(\*|\d+)\s*', cr)
        if not m:
            fail(400, 'badRequest', 'Invalid Content-Range: %s' % cr)
        total = None if m.group(4) == '*' else int(m.group(4))
        if total is not None:
            if up['total'] is not None and total != up['total']:
                fail(400, 'badRequest', 'Content-Range total %d differs from '
                     'the declared length %d' % (total, up['total']))
            if total < len(up['data']):
                fail(400, 'badRequest', 'Content-Range total %d is less than '
                     'the %d bytes already received' % (total,
                                                         len(up['data'])))
            up['total'] = total
        have = len(up['data'])
        if m.group(1) != '*':
            a, b = int(m.group(2)), int(m.group(3))
            if b < a or b - a + 1 != len(body):
                fail(400, 'badRequest', 'Content-Range %s does not match the '
                     '%d bytes sent' % (cr, len(body)))
            if up['total'] is not None and b >= up['total']:
                fail(400, 'badRequest', 'Content-Range %s goes past the end'
                     % cr)
            if a > have:
                fail(400, 'badRequest', 'Content-Range %s starts after the '
                     '%d bytes received: bytes are missing' % (cr, have))
            chunk = body[have - a:]
            part = take_faults(self.what, ('partial',))
            if part:		# the server kept only some of the chunk
                chunk = chunk[:max(0, part[0]['partial'])]
                up['data'] += chunk
                have = len(up['data'])
                return self.send(308, None, headers=(
                    [('Range', 'bytes=0-%d' % (have - 1))] if have else []))
            up['data'] += chunk
            have = len(up['data'])
        elif body:
            fail(400, 'badRequest', 'a status query (bytes */N) has no body')
        if up['total'] is not None and have == up['total']:
            try:
                pub = new_job(self, project, up['job'], bytes(up['data']),
                              [up['init'], self.what])
            except Reply as r:
                up['result'] = (r.code, r.body)
                up['data'] = bytearray()
                raise
            up['result'] = (200, pub['jobReference']['jobId'])
            up['data'] = bytearray()
            return self.send(200, pub)
        return self.send(308, None, headers=(
            [('Range', 'bytes=0-%d' % (have - 1))] if have else []))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, addr):
        e = sys.exc_info()[1]
        if isinstance(e, (ConnectionError, socket.timeout)):
            return	# a client that hangs up (a test's kill -9) is not news
        sys.stderr.write('fake_bq: error on a connection from %s:\n%s'
                         % (addr, traceback.format_exc()))


def main():
    global OPT, DISC, SCHEMAS, URL
    ap = argparse.ArgumentParser(description='A loopback fake of the '
                                 'BigQuery REST API v2 for tests.')
    ap.add_argument('--port-file', required=True,
                    help='where to write http://127.0.0.1:PORT')
    ap.add_argument('--discovery', help='the BigQuery v2 discovery document')
    ap.add_argument('--token', action='append', default=[],
                    help='an access token to accept (repeatable)')
    ap.add_argument('--jwt-public-key', help='PEM public key for JWT grants')
    ap.add_argument('--refresh', help='CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN')
    ap.add_argument('--log', help='append each request as a JSON line')
    OPT = ap.parse_args()
    if OPT.refresh and OPT.refresh.count(':') < 2:
        ap.error('--refresh wants CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN')
    if OPT.discovery and os.path.isfile(OPT.discovery):
        with open(OPT.discovery) as fp:
            DISC = json.load(fp)
        SCHEMAS = DISC.get('schemas', {})
    else:
        sys.stderr.write('fake_bq: no discovery document: request bodies '
                         'not validated\n')
    srv = Server(('127.0.0.1', 0), Handler)
    URL = 'http://127.0.0.1:%d' % srv.server_address[1]
    d = os.path.dirname(os.path.abspath(OPT.port_file))
    fd, tmp = tempfile.mkstemp(dir=d, prefix='.port.')
    with os.fdopen(fd, 'w') as fp:
        fp.write(URL + '\n')
    os.rename(tmp, OPT.port_file)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
