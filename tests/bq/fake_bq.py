#!/usr/bin/python3
"""A loopback BigQuery for the tests of bq-load (BigQuery cannot run here).

It speaks the parts of the REST API v2 that bq-load uses: datasets and
tables get/insert, load jobs with multipart and resumable media upload,
query jobs (DDL), jobs get and list; and it plays Google's token
endpoint (RS256 JWT and refresh-token grants) and the metadata server.
Every JSON body a client sends is checked against BigQuery's published
discovery document (--discovery): unknown properties, int64 fields not
sent as strings, int32 fields not sent as numbers and values outside an
enum are refused with 400 and recorded.  Load jobs apply their rows when
they turn DONE, all or nothing, after checking each row against the
table's schema.  Faults are injected through /_fault; /_requests,
/_jobs, /_tables/P/D/T and /_violations show what happened.  See
tests/bq/README.md.  Standard library only.
"""
import argparse, base64, json, os, random, re, signal, subprocess, sys
import tempfile, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
S = {
    'datasets': set(), 'tables': {}, 'jobs': {}, 'order': [],
    'uploads': {}, 'faults': [], 'requests': [], 'violations': [],
    'tokens': set(),
}
OPT = None
SCHEMAS = None


def gerr(code, reason, message):
    status = {400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED',
              403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
              409: 'ALREADY_EXISTS', 429: 'RESOURCE_EXHAUSTED',
              500: 'INTERNAL', 502: 'UNAVAILABLE', 503: 'UNAVAILABLE'}
    return code, {'error': {'code': code, 'message': message,
                            'status': status.get(code, 'UNKNOWN'),
                            'errors': [{'reason': reason, 'message': message,
                                        'domain': 'global'}]}}


# ---- validation against the discovery document ----

def validate(value, schema, path, out):
    # Google's JSON APIs take null as "not given" (the bq tool sends some).
    if value is None:
        return
    if '$ref' in schema:
        ref = SCHEMAS.get(schema['$ref'])
        if ref is not None:
            validate(value, ref, path, out)
        return
    t = schema.get('type')
    fmt = schema.get('format')
    if t == 'object':
        if not isinstance(value, dict):
            out.append('%s: expected an object' % path)
            return
        props = schema.get('properties')
        addl = schema.get('additionalProperties')
        for k, v in value.items():
            if props is not None and k in props:
                validate(v, props[k], path + '.' + k, out)
            elif addl is not None:
                validate(v, addl, path + '.' + k, out)
            elif props is not None:
                out.append('%s.%s: unknown field' % (path, k))
    elif t == 'array':
        if not isinstance(value, list):
            out.append('%s: expected an array' % path)
            return
        for i, v in enumerate(value):
            validate(v, schema.get('items', {}), '%s[%d]' % (path, i), out)
    elif t == 'string':
        if fmt in ('int64', 'uint64'):
            if not (isinstance(value, str) and re.fullmatch(r'-?\d+', value)):
                out.append('%s: an %s must be sent as a string of digits'
                           % (path, fmt))
        elif not isinstance(value, str):
            out.append('%s: expected a string' % path)
        elif 'enum' in schema and value not in schema['enum']:
            out.append('%s: %r is not one of %s' % (path, value,
                                                     schema['enum']))
    elif t == 'integer':
        if not isinstance(value, int) or isinstance(value, bool):
            out.append('%s: expected a JSON number (%s)' % (path, fmt))
    elif t == 'number':
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append('%s: expected a number' % path)
    elif t == 'boolean':
        if not isinstance(value, bool):
            out.append('%s: expected a boolean' % path)


def check_body(obj, name):
    if SCHEMAS is None:
        return None
    problems = []
    validate(obj, {'$ref': name}, name, problems)
    if problems:
        with LOCK:
            S['violations'].extend(problems)
        return gerr(400, 'invalid', 'Invalid request: ' + '; '.join(problems))
    return None


# ---- rows ----

TS = re.compile(r'\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)?')
DATE = re.compile(r'\d{4}-\d\d-\d\d')


def check_row(row, fields, where):
    if not isinstance(row, dict):
        return '%s: not a JSON object' % where
    known = {f['name'].lower(): f for f in fields}
    for k in row:
        if k.lower() not in known:
            return '%s: no such field: %s' % (where, k)
    for f in fields:
        v = row.get(f['name'])
        mode = f.get('mode', 'NULLABLE')
        if v is None:
            if mode == 'REQUIRED':
                return '%s: missing required field %s' % (where, f['name'])
            continue
        t = f['type']
        ok = True
        if t == 'STRING':
            ok = isinstance(v, str)
        elif t in ('INTEGER', 'INT64'):
            ok = (isinstance(v, int) and not isinstance(v, bool)) or \
                (isinstance(v, str) and re.fullmatch(r'-?\d+', v))
        elif t in ('FLOAT', 'FLOAT64'):
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        elif t in ('BOOLEAN', 'BOOL'):
            ok = isinstance(v, bool)
        elif t == 'TIMESTAMP':
            ok = isinstance(v, str) and TS.fullmatch(v)
        elif t == 'DATE':
            ok = isinstance(v, str) and DATE.fullmatch(v)
        elif t in ('RECORD', 'STRUCT'):
            e = check_row(v, f.get('fields', []), where + '.' + f['name'])
            if e:
                return e
        if not ok:
            return '%s: field %s: %r is not a %s' % (where, f['name'], v, t)
    return None


def apply_load(job, data):
    """Runs a load job's work when it turns DONE; sets status/statistics."""
    cfg = job['configuration']['load']
    dt = cfg['destinationTable']
    key = (dt['projectId'], dt['datasetId'], dt['tableId'])
    fmt = cfg.get('sourceFormat', 'CSV')

    def fail(reason, msg):
        job['status']['errorResult'] = {'reason': reason, 'message': msg}
        job['status']['errors'] = [{'reason': reason, 'message': msg}]

    tab = S['tables'].get(key)
    if tab is None:
        if cfg.get('createDisposition', 'CREATE_IF_NEEDED') == 'CREATE_NEVER' \
                or 'schema' not in cfg:
            return fail('notFound', 'Not found: Table %s:%s.%s' % key)
        tab = {'schema': cfg['schema'], 'rows': [], 'type': 'TABLE'}
        S['tables'][key] = tab
    fields = tab['schema'].get('fields', [])
    rows = []
    if fmt == 'NEWLINE_DELIMITED_JSON':
        bad = 0
        for n, line in enumerate(data.split(b'\n'), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                e = 'line %d: not JSON' % n
            else:
                e = check_row(row, fields, 'line %d' % n)
            if e:
                bad += 1
                if bad > int(cfg.get('maxBadRecords', 0)):
                    return fail('invalid', 'Error while reading data: ' + e)
                continue
            rows.append(row)
    disp = cfg.get('writeDisposition', 'WRITE_APPEND')
    if disp == 'WRITE_EMPTY' and tab['rows']:
        return fail('duplicate', 'table is not empty')
    if disp == 'WRITE_TRUNCATE':
        tab['rows'] = []
    tab['rows'].extend(rows)
    job['statistics']['load'] = {
        'inputFiles': '1', 'inputFileBytes': str(len(data)),
        'outputRows': str(len(rows)), 'outputBytes': str(len(data)),
        'badRecords': '0'}


def apply_query(job):
    sql = job['configuration']['query'].get('query', '')
    words = re.findall(r'[A-Za-z]+', sql.split(' AS ')[0])[:6]
    up = ' '.join(w.upper() for w in words)
    st = 'SELECT'
    if up.startswith('CREATE OR REPLACE MATERIALIZED VIEW') or \
            up.startswith('CREATE MATERIALIZED VIEW'):
        st = 'CREATE_MATERIALIZED_VIEW'
    elif up.startswith('CREATE'):
        st = 'CREATE_TABLE'
    job['statistics']['query'] = {'statementType': st}
    m = re.search(r'VIEW\s+(?:IF NOT EXISTS\s+)?`?([\w.:-]+)`?', sql, re.I)
    if m and st == 'CREATE_MATERIALIZED_VIEW':
        parts = m.group(1).split('.')
        if len(parts) >= 2:
            p = parts[0] if len(parts) == 3 else job['jobReference']['projectId']
            S['tables'][(p, parts[-2], parts[-1])] = {
                'schema': {'fields': []}, 'rows': [],
                'type': 'MATERIALIZED_VIEW', 'query': sql}


# ---- jobs ----

def new_job(project, body, data, kind, what):
    ref = body.get('jobReference') or {}
    jid = ref.get('jobId') or 'job_%016x' % random.getrandbits(64)
    if not re.fullmatch(r'[A-Za-z0-9_-]{1,1024}', jid):
        return gerr(400, 'invalid', 'Invalid job ID "%s"' % jid)
    loc = ref.get('location', 'US')
    with LOCK:
        if jid in S['jobs']:
            return gerr(409, 'duplicate', 'Already Exists: Job %s:%s.%s'
                        % (project, loc, jid))
        job = {'kind': 'bigquery#job', 'id': '%s:%s.%s' % (project, loc, jid),
               'jobReference': {'projectId': project, 'jobId': jid,
                                'location': loc},
               'configuration': body.get('configuration', {}),
               'status': {'state': 'PENDING'},
               'statistics': {'creationTime': str(int(time.time() * 1000))},
               '_data': data, '_kind': kind, '_gets': 0, '_need': 2,
               '_fail': False}
        for f in take_faults(what + ' ' + jid, ('slow', 'fail_job')):
            if 'slow' in f:
                job['_need'] += int(f['slow'])
            if f.get('fail_job'):
                job['_fail'] = True
        S['jobs'][jid] = job
        S['order'].append(jid)
        if job['_need'] <= 0:
            finish(job)
        return 200, public(job)


def finish(job):
    job['status']['state'] = 'DONE'
    if job['_fail']:
        job['status']['errorResult'] = {'reason': 'backendError',
                                        'message': 'injected failure'}
        job['status']['errors'] = [job['status']['errorResult']]
    elif job['_kind'] == 'load':
        apply_load(job, job['_data'] or b'')
    else:
        apply_query(job)
    job['_data'] = None


def public(job):
    return {k: v for k, v in job.items() if not k.startswith('_')}


def get_job(jid):
    with LOCK:
        job = S['jobs'].get(jid)
        if job is None:
            return gerr(404, 'notFound', 'Not found: Job %s' % jid)
        if job['status']['state'] != 'DONE':
            job['_gets'] += 1
            if job['_gets'] >= job['_need']:
                finish(job)
            else:
                job['status']['state'] = 'RUNNING'
        return 200, public(job)


def list_jobs(project, q):
    with LOCK:
        ids = [j for j in reversed(S['order'])
               if S['jobs'][j]['jobReference']['projectId'] == project]
    start = int(q.get('pageToken', ['0'])[0] or 0)
    n = int(q.get('maxResults', ['1000'])[0])
    page = ids[start:start + n]
    out = {'kind': 'bigquery#jobList', 'jobs': []}
    for jid in page:
        j = S['jobs'][jid]
        e = {'id': j['id'], 'jobReference': j['jobReference'],
             'state': j['status']['state'], 'status': j['status']}
        out['jobs'].append(e)
    if start + n < len(ids):
        out['nextPageToken'] = str(start + n)
    return 200, out


# ---- faults ----

def take_faults(what, kinds):
    """The faults whose match covers `what`, of the given kinds, used once."""
    got = []
    with LOCK:
        for f in S['faults']:
            if f['count'] <= 0 or not any(k in f for k in kinds):
                continue
            if re.search(f['match'], what):
                f['count'] -= 1
                got.append(f)
        S['faults'] = [f for f in S['faults'] if f['count'] > 0]
    return got


# ---- the token endpoint and the metadata server ----

def b64url(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


def issue_token():
    tok = 'fake-%032x' % random.getrandbits(128)
    with LOCK:
        S['tokens'].add(tok)
    return 200, {'access_token': tok, 'expires_in': 3600,
                 'token_type': 'Bearer'}


def token_endpoint(form, server_url):
    bad = lambda why: (400, {'error': 'invalid_grant',
                             'error_description': why})
    gt = form.get('grant_type', [''])[0]
    if gt == 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        if not OPT.jwt_public_key:
            return bad('no public key configured')
        try:
            h, c, sig = form['assertion'][0].split('.')
            head = json.loads(b64url(h))
            claims = json.loads(b64url(c))
        except (KeyError, ValueError):
            return bad('malformed assertion')
        if head.get('alg') != 'RS256':
            return bad('alg must be RS256')
        with tempfile.TemporaryDirectory() as d:
            open(d + '/msg', 'wb').write((h + '.' + c).encode())
            open(d + '/sig', 'wb').write(b64url(sig))
            r = subprocess.run(['openssl', 'dgst', '-sha256', '-verify',
                                OPT.jwt_public_key, '-signature', d + '/sig',
                                d + '/msg'], capture_output=True)
        if r.returncode != 0:
            return bad('bad signature')
        now = time.time()
        if claims.get('aud') != server_url + '/token':
            return bad('aud is not this token URI')
        if not (claims.get('iat', 0) - 300 <= now <= claims.get('exp', 0)) \
                or claims['exp'] - claims['iat'] > 3600:
            return bad('iat/exp out of range')
        if not re.search(r'bigquery|cloud-platform', claims.get('scope', '')):
            return bad('scope')
        return issue_token()
    if gt == 'refresh_token':
        if not OPT.refresh:
            return bad('no refresh token configured')
        cid, secret, rt = OPT.refresh.split(':', 2)
        if (form.get('client_id', [''])[0], form.get('client_secret', [''])[0],
                form.get('refresh_token', [''])[0]) != (cid, secret, rt):
            return bad('wrong client or refresh token')
        return issue_token()
    return bad('unsupported grant_type')


# ---- multipart ----

def parse_multipart(ctype, body):
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not m:
        return None, None
    sep = b'--' + m.group(1).encode()
    parts = body.split(sep)
    got = []
    for p in parts[1:]:
        if p.startswith(b'--'):
            break
        p = p[2:] if p.startswith(b'\r\n') else p[1:] if p.startswith(b'\n') else p
        i = p.find(b'\r\n\r\n')
        j = p.find(b'\n\n')
        if i >= 0 and (j < 0 or i <= j):
            content = p[i + 4:]
        elif j >= 0:
            content = p[j + 2:]
        else:
            continue
        if content.endswith(b'\r\n'):
            content = content[:-2]
        elif content.endswith(b'\n'):
            content = content[:-1]
        got.append(content)
    if len(got) != 2:
        return None, None
    return got[0], got[1]


# ---- the handler ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def url(self):
        return 'http://127.0.0.1:%d' % self.server.server_address[1]

    def send(self, code, obj=None, headers=(), text=None):
        if text is not None:
            body = text.encode()
            ct = 'text/plain'
        elif obj is None:
            body, ct = b'', 'application/json'
        else:
            body = json.dumps(obj).encode()
            ct = 'application/json; charset=UTF-8'
        self.send_response(code)
        self.send_header('Content-Type', ct)
        self.send_header('Content-Length', str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.status_sent = code

    def read_body(self, what):
        n = int(self.headers.get('Content-Length') or 0)
        for f in take_faults(what, ('drop_after',)):
            self.rfile.read(min(n, int(f['drop_after'])))
            self.close_connection = True
            self.dropped = True
            return None
        return self.rfile.read(n) if n > 0 else b''

    def do_GET(self):
        self.handle_any('GET')

    def do_POST(self):
        self.handle_any('POST')

    def do_PUT(self):
        self.handle_any('PUT')

    def do_DELETE(self):
        self.handle_any('DELETE')

    def handle_any(self, method):
        self.status_sent = None
        self.dropped = False
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        what = '%s %s%s' % (method, u.path, '?' + u.query if u.query else '')
        self.what = what
        entry = {'method': method, 'path': u.path, 'query': u.query,
                 'content_type': self.headers.get('Content-Type'),
                 'authorization': 'Authorization' in self.headers}
        try:
            body = self.read_body(what)
            if body is None:
                entry['status'] = 'dropped'
                return
            entry['body_length'] = len(body)
            self.route(method, u.path, q, body, what)
        except Exception as e:  # the fake must not die
            sys.stderr.write('fake_bq: %s %s: %r\n' % (method, u.path, e))
            if self.status_sent is None:
                self.send(*gerr(500, 'internalError', 'fake: %r' % e))
        finally:
            if not u.path.startswith('/_'):
                entry['status'] = self.status_sent if not self.dropped \
                    else 'dropped'
                with LOCK:
                    S['requests'].append(entry)
                if OPT.log:
                    with open(OPT.log, 'a') as fp:
                        fp.write(json.dumps(entry) + '\n')

    def authorized(self):
        a = self.headers.get('Authorization', '')
        tok = a[7:] if a.startswith('Bearer ') else None
        with LOCK:
            ok = tok is not None and (tok in OPT.token or tok in S['tokens'])
        if not ok:
            self.send(*gerr(401, 'unauthorized', 'Request is missing or has '
                            'an invalid authentication credential.'))
        return ok

    def route(self, method, path, q, body, what):
        # control API
        if path == '/_fault' and method == 'POST':
            f = json.loads(body or b'{}')
            f.setdefault('count', 1)
            f.setdefault('match', '.')
            with LOCK:
                S['faults'].append(f)
            return self.send(200, {})
        if path == '/_reset':
            with LOCK:
                S['faults'] = []
            return self.send(200, {})
        if path in ('/_requests', '/_jobs', '/_violations'):
            with LOCK:
                if path == '/_requests':
                    lines = [json.dumps(r) for r in S['requests']]
                elif path == '/_jobs':
                    lines = [json.dumps(public(S['jobs'][j]))
                             for j in S['order']]
                else:
                    lines = list(S['violations'])
            return self.send(200, text=''.join(l + '\n' for l in lines))
        m = re.fullmatch(r'/_tables/([^/]+)/([^/]+)/([^/]+)', path)
        if m:
            tab = S['tables'].get(m.groups())
            if tab is None:
                return self.send(404, text='')
            return self.send(200, text=''.join(json.dumps(r) + '\n'
                                               for r in tab['rows']))
        # tokens and metadata
        if path == '/token' and method == 'POST':
            return self.send(*token_endpoint(
                urllib.parse.parse_qs(body.decode()), self.url()))
        if path.startswith('/computeMetadata/v1/'):
            if self.headers.get('Metadata-Flavor') != 'Google':
                return self.send(403, text='Missing Metadata-Flavor header')
            if path.endswith('/service-accounts/default/token'):
                return self.send(*issue_token())
            if path.endswith('/project/project-id'):
                return self.send(200, text='test-project')
            return self.send(404, text='')
        # injected errors
        for f in take_faults(what, ('status',)):
            code = int(f['status'])
            reason = f.get('reason') or ('rateLimitExceeded' if code in
                                         (403, 429) else 'backendError')
            return self.send(*gerr(code, reason, 'injected %d' % code))
        for f in take_faults(what, ('delay_ms',)):
            time.sleep(int(f['delay_ms']) / 1000)
        if not self.authorized():
            return
        m = re.fullmatch(r'/(upload/)?bigquery/v2/projects/([^/]+)(/.*)', path)
        if not m:
            return self.send(*gerr(404, 'notFound', 'no such path ' + path))
        upload, project, rest = m.group(1), m.group(2), m.group(3)
        if upload:
            return self.upload(method, project, rest, q, body)
        j = json.loads(body) if body else None
        if rest == '/datasets' and method == 'POST':
            e = check_body(j, 'Dataset')
            if e:
                return self.send(*e)
            key = (project, j['datasetReference']['datasetId'])
            with LOCK:
                if key in S['datasets']:
                    return self.send(*gerr(409, 'duplicate',
                                           'Already Exists: Dataset %s:%s' % key))
                S['datasets'].add(key)
            return self.send(200, j)
        mm = re.fullmatch(r'/datasets/([^/]+)', rest)
        if mm and method == 'GET':
            if (project, mm.group(1)) not in S['datasets']:
                return self.send(*gerr(404, 'notFound',
                                       'Not found: Dataset %s:%s' % (project, mm.group(1))))
            return self.send(200, {'datasetReference': {
                'projectId': project, 'datasetId': mm.group(1)}})
        mm = re.fullmatch(r'/datasets/([^/]+)/tables', rest)
        if mm and method == 'POST':
            e = check_body(j, 'Table')
            if e:
                return self.send(*e)
            ds = mm.group(1)
            if (project, ds) not in S['datasets']:
                return self.send(*gerr(404, 'notFound', 'Not found: Dataset'))
            key = (project, ds, j['tableReference']['tableId'])
            with LOCK:
                if key in S['tables']:
                    return self.send(*gerr(409, 'duplicate', 'Already Exists: Table'))
                S['tables'][key] = {'schema': j.get('schema', {'fields': []}),
                                    'rows': [], 'type': 'TABLE', 'def': j}
            return self.send(200, j)
        mm = re.fullmatch(r'/datasets/([^/]+)/tables/([^/]+)', rest)
        if mm and method == 'GET':
            tab = S['tables'].get((project,) + mm.groups())
            if tab is None:
                return self.send(*gerr(404, 'notFound', 'Not found: Table'))
            out = dict(tab.get('def', {}))
            out.update({'tableReference': {'projectId': project,
                                           'datasetId': mm.group(1),
                                           'tableId': mm.group(2)},
                        'schema': tab['schema'], 'type': tab['type'],
                        'numRows': str(len(tab['rows']))})
            return self.send(200, out)
        if rest == '/jobs' and method == 'POST':
            e = check_body(j, 'Job')
            if e:
                return self.send(*e)
            return self.send(*new_job(project, j, None, 'query', self.what))
        if rest == '/jobs' and method == 'GET':
            return self.send(*list_jobs(project, q))
        mm = re.fullmatch(r'/jobs/([^/]+)', rest)
        if mm and method == 'GET':
            return self.send(*get_job(mm.group(1)))
        return self.send(*gerr(404, 'notFound', 'no such method ' + rest))

    def upload(self, method, project, rest, q, body):
        if rest != '/jobs':
            return self.send(*gerr(404, 'notFound', 'no such upload path'))
        kind = q.get('uploadType', [''])[0]
        if method == 'POST' and kind == 'multipart':
            meta, data = parse_multipart(self.headers.get('Content-Type', ''),
                                         body)
            if meta is None:
                return self.send(*gerr(400, 'invalid', 'bad multipart body'))
            j = json.loads(meta)
            e = check_body(j, 'Job')
            if e:
                return self.send(*e)
            return self.send(*new_job(project, j, data, 'load', self.what))
        if method == 'POST' and kind == 'resumable':
            j = json.loads(body)
            e = check_body(j, 'Job')
            if e:
                return self.send(*e)
            jid = (j.get('jobReference') or {}).get('jobId')
            if jid and jid in S['jobs']:
                loc = j['jobReference'].get('location', 'US')
                return self.send(*gerr(409, 'duplicate',
                                       'Already Exists: Job %s:%s.%s' % (project, loc, jid)))
            uid = '%032x' % random.getrandbits(128)
            with LOCK:
                S['uploads'][uid] = {'job': j, 'data': bytearray(),
                                     'project': project}
            loc = '%s/upload/bigquery/v2/projects/%s/jobs?uploadType=' \
                  'resumable&upload_id=%s' % (self.url(), project, uid)
            return self.send(200, None, headers=[('Location', loc)])
        if method == 'PUT' and kind == 'resumable':
            uid = q.get('upload_id', [''])[0]
            up = S['uploads'].get(uid)
            if up is None:
                return self.send(*gerr(404, 'notFound', 'no such upload'))
            cr = self.headers.get('Content-Range', '')
            m = re.fullmatch(r'bytes (\*|(\d+)-(\d+))/(\*|\d+)', cr)
            if not m:
                return self.send(*gerr(400, 'invalid', 'bad Content-Range'))
            total = None if m.group(4) == '*' else int(m.group(4))
            if m.group(1) != '*':
                a, b = int(m.group(2)), int(m.group(3))
                have = len(up['data'])
                if a > have or b - a + 1 != len(body):
                    return self.send(*gerr(400, 'invalid', 'bad chunk'))
                up['data'][a:] = body
            have = len(up['data'])
            if total is not None and have >= total:
                if 'result' not in up:
                    up['result'] = new_job(up['project'], up['job'],
                                           bytes(up['data'][:total]), 'load',
                                           self.what)
                return self.send(*up['result'])
            hdr = [('Range', 'bytes=0-%d' % (have - 1))] if have else []
            return self.send(308, None, headers=hdr)
        return self.send(*gerr(400, 'invalid', 'bad upload request'))


def main():
    global OPT, SCHEMAS
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--discovery')
    ap.add_argument('--token', action='append', default=[])
    ap.add_argument('--jwt-public-key')
    ap.add_argument('--refresh')
    ap.add_argument('--log')
    OPT = ap.parse_args()
    if OPT.discovery and os.path.exists(OPT.discovery):
        SCHEMAS = json.load(open(OPT.discovery))['schemas']
    else:
        sys.stderr.write('fake_bq: no discovery document: request bodies '
                         'not validated\n')
    class Server(ThreadingHTTPServer):
        def handle_error(self, request, addr):
            # A client that hangs up (a test's kill -9) is not news.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, addr)
    srv = Server(('127.0.0.1', 0), Handler)
    srv.daemon_threads = True
    tmp = OPT.port_file + '.tmp'
    with open(tmp, 'w') as fp:
        fp.write('http://127.0.0.1:%d\n' % srv.server_address[1])
    os.rename(tmp, OPT.port_file)
    stop = lambda *a: threading.Thread(target=srv.shutdown).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()


if __name__ == '__main__':
    main()
