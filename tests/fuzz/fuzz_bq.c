/*
 * libFuzzer target: what bq-load makes of BigQuery's answers (lib/bq.c,
 * lib/bq_load.c, and the token answers of lib/bq_auth.c), through the
 * real client: libcurl talks to an HTTP server in this process, on
 * loopback, that answers every request with the next response the input
 * scripts.
 *
 * The input is a scenario byte, then responses separated by lines of
 * "%%": a status line of three digits, header lines, an empty line, the
 * body ("$SERVER" in a header becomes the server's URL, so a Location
 * can point back here; framing headers are the server's own, and lines
 * that are not headers are left out).  When the script runs out, the
 * server closes connections unanswered.  Any other host is reached
 * through a proxy that refuses connections.  Scenarios:
 * bq_ensure_table (the table's schema compared, dataset and table
 * made); bq_load_ndjson and bq_load_delta (the job history's pages, load
 * jobs inserted, waited for, adopted, retried by generation); a
 * resumable upload of 5 MiB + 1 bytes (the Range header of each 308);
 * bq_create_views; bq_wait_job alone (the low six bits, modulo 6).  Bit
 * 0x40 gives the target a location; bit 0x80 takes the token from the
 * metadata server (the first response then answers it) instead of
 * BQ_ACCESS_TOKEN.
 *
 * Beyond surviving under ASan and UBSan, the server checks what the
 * client sends: every call to BigQuery carries a bearer token and the
 * metadata server's never does; a resumable upload's chunk says where
 * it starts and ends within the upload (bytes A-B/L with A <= B < L and
 * B - A + 1 bytes sent), starts where the last 308's "Range: bytes=0-N"
 * said (N + 1) or at 0 when it had none, and is never sent when N + 1 is
 * beyond the upload.  A failed call must say why.  Waits are not waited:
 * nanosleep returns at once, so a script of RUNNING jobs costs nothing.
 * Built and run by `make fuzz`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bq.h"
#include "bq_auth.h"
#include "bq_load.h"
#include "delta_append.h"
#include "http.h"
#include "reader.h"
#include "writer.h"
#include "rejects.h"
#include "sanitize.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROJECT		"proj-1"
#define DATASET		"vitals"
#define TABLE		"gold_patient_summary"
/* Just past bq.c's multipart limit, so the upload is resumable. */
#define BIG_UPLOAD	((5u << 20) + 1)

#define check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);\
		abort();						\
	}								\
} while (0)

/*
 * The client's waits (backoff, polling a running job) would make a
 * script of RUNNING answers cost seconds each; here time does not pass.
 * bq.c calls nanosleep through the PLT, so this one is taken.
 */
int
nanosleep(const struct timespec *req, struct timespec *rem)
{
	(void)req;
	if (rem != NULL)
		rem->tv_sec = rem->tv_nsec = 0;
	return 0;
}

/* ---- the server ------------------------------------------------------- */

static int listen_fd;
static char server_url[64];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The script of the current run, and what the checks remember. */
static struct {
	const char *p;
	size_t len, at;
	int64_t expect_at;	/* where the next chunk must start; -1: any */
} sv;

static bool
has_prefix_ci(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && strncasecmp(s, prefix, k) == 0;
}

/*
 * A header line as HTTP allows it: a token, a colon, a value without
 * control characters but tabs.  Only such lines are sent: libcurl refuses
 * a response with any other, and the server could not tell which
 * responses the client then saw.
 */
static bool
header_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
	    (s[i] >= '0' && s[i] <= '9') || strchr("!#$%&'*+-.^_`|~",
	    s[i]) != NULL) && s[i] != '\0')
		i++;
	if (i == 0 || i == n || s[i] != ':')
		return false;
	for (i++; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return false;
	return true;
}

/* The value of header name in the request head, or NULL; *n its length. */
static const char *
req_header(const char *head, const char *name, size_t *n)
{
	size_t k = strlen(name);

	for (const char *p = strstr(head, "\r\n"); p != NULL;
	    p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, name, k) == 0 && p[k] == ':') {
			const char *v = p + k + 1, *e;
			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			*n = e ? (size_t)(e - v) : strlen(v);
			return v;
		}
	}
	return NULL;
}

static bool
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* "bytes=0-N" exactly: N + 1; else -1. */
static int64_t
range_next(const char *v, size_t n)
{
	uint64_t x = 0;
	size_t i = 8;

	if (n <= 8 || n > 8 + 18 || memcmp(v, "bytes=0-", 8) != 0)
		return -1;
	for (; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	return (int64_t)x + 1;
}

/* What the client sent, checked. */
static void
check_request(const char *head, size_t body_len)
{
	const char *auth, *cr;
	size_t alen, crlen;
	bool metadata = strncmp(head, "GET /computeMetadata/v1/instance/"
	    "service-accounts/default/token ", 64) == 0;

	auth = req_header(head, "Authorization", &alen);
	if (metadata) {
		check(auth == NULL);
		return;
	}
	check(auth != NULL && alen > 7 && memcmp(auth, "Bearer ", 7) == 0);
	for (size_t i = 7; i < alen; i++)
		check((unsigned char)auth[i] > ' ' && auth[i] != 0x7f);
	if (strncmp(head, "PUT ", 4) != 0 ||
	    (cr = req_header(head, "Content-Range", &crlen)) == NULL)
		return;
	unsigned long long a, b, l;
	char tail;
	char buf[96];
	snprintf(buf, sizeof buf, "%.*s", (int)(crlen < 95 ? crlen : 95), cr);
	if (sscanf(buf, "bytes */%llu%c", &l, &tail) == 1) {
		check(l == BIG_UPLOAD && body_len == 0);
		return;
	}
	check(sscanf(buf, "bytes %llu-%llu/%llu%c", &a, &b, &l, &tail) == 3);
	check(l == BIG_UPLOAD && a <= b && b < l && body_len == b - a + 1);
	if (sv.expect_at >= 0)
		check((uint64_t)sv.expect_at == a);
}

/* The next scripted response into *out; false when there is none. */
static bool
next_response(struct writer *out, bool put)
{
	const char *s, *end, *sep, *line, *body;
	int status = 200;
	size_t n;
	int64_t range = -2;	/* -2: no Range header */

	pthread_mutex_lock(&lock);
	if (sv.at >= sv.len) {
		pthread_mutex_unlock(&lock);
		return false;
	}
	s = sv.p + sv.at;
	n = sv.len - sv.at;
	sep = memmem(s, n, "\n%%\n", 4);
	end = sep ? sep : s + n;
	sv.at = sep ? (size_t)(sep + 4 - sv.p) : sv.len;
	pthread_mutex_unlock(&lock);

	if (end - s >= 3 && s[0] >= '2' && s[0] <= '5' && s[1] >= '0' &&
	    s[1] <= '9' && s[2] >= '0' && s[2] <= '9')
		status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	line = memchr(s, '\n', (size_t)(end - s));
	line = line ? line + 1 : end;
	out->len = 0;
	writer_str(out, "HTTP/1.1 ");
	char st[8];
	snprintf(st, sizeof st, "%d", status);
	writer_str(out, st);
	writer_str(out, " X\r\n");
	/* Headers up to an empty line. */
	body = end;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		const char *next = nl ? nl + 1 : end;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0) {
			body = next;
			break;
		}
		if (header_ok(line, len) &&
		    !has_prefix_ci(line, len, "content-length") &&
		    !has_prefix_ci(line, len, "transfer-encoding") &&
		    !has_prefix_ci(line, len, "connection")) {
			const char *dollar = memmem(line, len, "$SERVER", 7);
			if (dollar != NULL) {
				writer_mem(out, line, (size_t)(dollar - line));
				writer_str(out, server_url);
				writer_mem(out, dollar + 7, len - (size_t)(dollar -
				    line) - 7);
			} else {
				writer_mem(out, line, len);
			}
			writer_str(out, "\r\n");
			if (has_prefix_ci(line, len, "range:")) {
				const char *v = line + 6;
				size_t vl = len - 6;
				while (vl > 0 && *v == ' ')
					v++, vl--;
				range = range_next(v, vl);
			}
		}
		line = next;
		body = end;
	}
	char cl[64];
	snprintf(cl, sizeof cl, "Content-Length: %zu\r\nConnection: close\r\n"
	    "\r\n", (size_t)(end - body));
	writer_str(out, cl);
	writer_mem(out, body, (size_t)(end - body));
	/* A 308 to a PUT says where the next chunk starts. */
	if (put && status == 308) {
		pthread_mutex_lock(&lock);
		sv.expect_at = range == -2 ? 0 : range;
		pthread_mutex_unlock(&lock);
	}
	return true;
}

static void
serve_one(int fd, struct writer *out, char *head, size_t cap)
{
	size_t n = 0, body_len = 0, got;
	const char *v, *end;
	char buf[65536];
	size_t vlen;
	ssize_t k;

	/* The head, then as much body as it says. */
	for (;;) {
		if (n + 1 >= cap)
			return;
		if ((k = recv(fd, head + n, cap - n - 1, 0)) <= 0)
			return;
		n += (size_t)k;
		head[n] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	if ((v = req_header(head, "Content-Length", &vlen)) != NULL)
		body_len = strtoull(v, NULL, 10);
	got = n - (size_t)(end + 4 - head);
	while (got < body_len) {
		size_t want = body_len - got < sizeof buf ? body_len - got :
		    sizeof buf;
		if ((k = recv(fd, buf, want, 0)) <= 0)
			return;
		got += (size_t)k;
	}
	pthread_mutex_lock(&lock);
	check_request(head, body_len);
	pthread_mutex_unlock(&lock);
	if (next_response(out, strncmp(head, "PUT ", 4) == 0))
		send_all(fd, out->buf, out->len);
}

static void *
serve(void *arg)
{
	static char head[1 << 16];
	struct writer out;

	(void)arg;
	writer_open_memory(&out);
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(fd, &out, head, sizeof head);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

/* ---- the client's side ----------------------------------------------- */

static struct http *http;
static struct schema *gold;
static char tmp[64], table_root[128], ndjson_path[128], record_dir[160];
static unsigned char *big;

/* Two Gold rows (only what the schema requires, and a little more). */
static const char gold_rows[] =
    "{\"patient_id\":\"p-1\",\"ward\":\"icu\","
    "\"window_start\":\"2026-03-01T09:58:00.000000Z\","
    "\"window_end\":\"2026-03-01T09:59:00.000000Z\","
    "\"event_date\":\"2026-03-01\",\"readings\":10,"
    "\"heart_rate_mean\":79.8,\"alert_tachycardia_count\":0,"
    "\"alert_bradycardia_count\":0,\"alert_fever_count\":0,"
    "\"alert_hypothermia_count\":0,\"alert_hypoxia_count\":0,"
    "\"alert_hypotension_count\":0,\"alert_hypertension_count\":0,"
    "\"alert_tachypnoea_count\":1,\"anomalous_readings\":0,"
    "\"is_anomaly\":false}\n"
    "{\"patient_id\":\"p-2\",\"ward\":\"surgery\","
    "\"window_start\":\"2026-03-01T09:58:00.000000Z\","
    "\"window_end\":\"2026-03-01T09:59:00.000000Z\","
    "\"event_date\":\"2026-03-01\",\"readings\":9,"
    "\"spo2_min\":91.0,\"alert_tachycardia_count\":0,"
    "\"alert_bradycardia_count\":0,\"alert_fever_count\":0,"
    "\"alert_hypothermia_count\":0,\"alert_hypoxia_count\":2,"
    "\"alert_hypotension_count\":0,\"alert_hypertension_count\":0,"
    "\"alert_tachypnoea_count\":0,\"anomalous_readings\":1,"
    "\"is_anomaly\":true,\"alerting_readings\":4,\"alert\":true,"
    "\"alert_reason\":\"iforest: spo2 low\"}\n";

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "%s: %s\n", what, err);
	abort();
}

/* A Gold table of one version holding the two rows, for bq_load_delta. */
static void
make_table(void)
{
	struct append_options o;
	struct appender *a;
	char *part[] = { "event_date" }, err[1024], detail[256];
	const char *reason, *p = gold_rows;
	enum append_status st;
	int64_t v;
	uint64_t dropped;

	append_options_init(&o);
	if ((a = appender_open(table_root, gold, part, 1, &o, err,
	    sizeof err)) == NULL)
		die("gold table", err);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		if (appender_add(a, p, (size_t)(nl - p), &st, &reason, detail,
		    sizeof detail, err, sizeof err) != 0 || st != APPEND_OK)
			die("gold row", st == APPEND_REJECT ? detail : err);
		p = nl + 1;
	}
	if (appender_commit(a, &v, &dropped, err, sizeof err) != 0)
		die("gold commit", err);
	appender_free(a);
}

static void
cleanup(void)
{
	char cmd[200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
}

static void
start(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof sa;
	pthread_t th;
	char err[512], gcloud[128];
	FILE *fp;

	signal(SIGPIPE, SIG_IGN);
	strcpy(tmp, "/tmp/vl-fuzz-bq.XXXXXX");
	if (mkdtemp(tmp) == NULL)
		abort();
	atexit(cleanup);
	snprintf(table_root, sizeof table_root, "%s/gold", tmp);
	snprintf(record_dir, sizeof record_dir, "%s/_bq_load", table_root);
	snprintf(ndjson_path, sizeof ndjson_path, "%s/gold.ndjson", tmp);
	snprintf(gcloud, sizeof gcloud, "%s/gcloud", tmp);
	mkdir(gcloud, 0700);
	if ((fp = fopen(ndjson_path, "w")) == NULL)
		abort();
	fputs(gold_rows, fp);
	fputs("not json\n", fp);
	fclose(fp);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((listen_fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(listen_fd, 16) != 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&sa, &salen) != 0)
		die("server", strerror(errno));
	snprintf(server_url, sizeof server_url, "http://127.0.0.1:%d",
	    ntohs(sa.sin_port));
	if (pthread_create(&th, NULL, serve, NULL) != 0)
		die("server", "no thread");

	/*
	 * A response may point the client anywhere (a Location); rather
	 * than reach for the network, every host but loopback goes through
	 * a proxy that refuses connections: a socket bound, never listening.
	 */
	struct sockaddr_in dead = { .sin_family = AF_INET };
	socklen_t deadlen = sizeof dead;
	int dead_fd = socket(AF_INET, SOCK_STREAM, 0);
	char proxy[64];
	dead.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (dead_fd < 0 || bind(dead_fd, (struct sockaddr *)&dead,
	    sizeof dead) != 0 || getsockname(dead_fd,
	    (struct sockaddr *)&dead, &deadlen) != 0)
		die("proxy", strerror(errno));
	snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d",
	    ntohs(dead.sin_port));
	setenv("ALL_PROXY", proxy, 1);
	setenv("NO_PROXY", "127.0.0.1,localhost,::1", 1);

	/* No credentials anywhere but what a run chooses. */
	setenv("BQ_LOAD_BACKOFF_MS", "0", 1);
	setenv("TMPDIR", tmp, 1);
	setenv("CLOUDSDK_CONFIG", gcloud, 1);
	setenv("GCE_METADATA_HOST", server_url + 7, 1);
	unsetenv("GOOGLE_APPLICATION_CREDENTIALS");

	if ((gold = schema_load("gold", err, sizeof err)) == NULL)
		die("schema", err);
	if ((http = http_new(err, sizeof err)) == NULL)
		die("http", err);
	make_table();
	big = malloc(BIG_UPLOAD);
	for (size_t i = 0; i < BIG_UPLOAD; i++)
		big[i] = (unsigned char)("{}\n"[i % 3]);
}

/* The record bq_load_delta leaves beside the table: each run starts
 * without it. */
static void
forget_record(void)
{
	char p[300];

	snprintf(p, sizeof p, "%s/%s_%s_%s.json", record_dir, PROJECT, DATASET,
	    TABLE);
	unlink(p);
}

static void
run(struct bq *b, const struct bq_target *t, int scenario)
{
	struct bq_load_totals tot;
	char err[2048] = "";
	int rc = 0;

	switch (scenario) {
	case 0:
		rc = bq_ensure_table(b, t, -1, err, sizeof err);
		break;
	case 1: {
		char *paths[] = { ndjson_path };
		struct reader *in = reader_open(paths, 1, 1 << 20);
		struct rejects rj;
		struct counts n = { 0 };
		rejects_open(&rj, NULL);
		rc = bq_load_ndjson(b, t, in, &rj, &n, -1, &tot, err,
		    sizeof err);
		check(n.rejected == 1);
		if (rc == 0)
			check(tot.rows_in == 2 && tot.jobs >= 1);
		rejects_close(&rj);
		rejects_free(&rj);
		reader_close(in);
		break;
	}
	case 2:
		rc = bq_load_delta(b, t, table_root, -1, &tot, err,
		    sizeof err);
		if (rc == 0)
			check(tot.up_to_date ? tot.to == 0 :
			    tot.from == 0 && tot.to == 0 && tot.rows_in == 2);
		forget_record();
		break;
	case 3: {
		json_t *job = json_pack("{s:{s:s, s:s}}", "jobReference",
		    "projectId", PROJECT, "jobId", "vl_fuzz_big"), *out;
		long st;
		rc = bq_insert_load(b, job, big, BIG_UPLOAD, &st, &out, err,
		    sizeof err);
		json_decref(job);
		if (rc == 0) {
			char why[1024];
			check(st >= 200 && st <= 599);
			bq_error_text(st, out, why, sizeof why);
			(void)bq_error_reason(out);
		}
		json_decref(out);
		break;
	}
	case 4:
		rc = bq_create_views(b, t, -1, err, sizeof err);
		break;
	default: {
		json_t *out;
		rc = bq_wait_job(b, "vl_fuzz_job", t->location, &out, err,
		    sizeof err);
		if (rc == 0)
			check(out != NULL);
		json_decref(out);
		break;
	}
	}
	if (rc != 0)
		check(err[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bq_auth_options ao = { 0 };
	struct bq_options bo = { .project = PROJECT };
	struct bq_target t = { .dataset = DATASET, .table = TABLE };
	struct bq_token *tok;
	struct bq *b;
	char err[512];

	if (size == 0)
		return 0;
	if (http == NULL)
		start();
	t.schema = gold;
	t.location = data[0] & 0x40 ? "EU" : NULL;
	bo.api = server_url;
	if (data[0] & 0x80)
		unsetenv("BQ_ACCESS_TOKEN");
	else
		setenv("BQ_ACCESS_TOKEN", "tok-fuzz", 1);

	pthread_mutex_lock(&lock);
	sv.p = (const char *)data + 1;
	sv.len = size - 1;
	sv.at = 0;
	sv.expect_at = 0;
	pthread_mutex_unlock(&lock);

	tok = bq_token_new(&ao, http);
	if ((b = bq_new(&bo, tok, http, err, sizeof err)) == NULL)
		die("bq_new", err);
	run(b, &t, (data[0] & 0x3F) % 6);
	bq_free(b);
	bq_token_free(tok);

	/* Nothing of this run may reach the next. */
	pthread_mutex_lock(&lock);
	sv.len = sv.at = 0;
	pthread_mutex_unlock(&lock);
	return 0;
}
