#include "faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charting.h"
#include "isotime.h"
#include "jsonw.h"
#include "xalloc.h"

static const char *const kind_names[NFAULTS] = {
	[FAULT_NONE] = "none", [FAULT_MALFORMED] = "malformed",
	[FAULT_MISSING_FIELD] = "missing_field",
	[FAULT_WRONG_TYPE] = "wrong_type", [FAULT_FAHRENHEIT] = "fahrenheit",
	[FAULT_DUPLICATE] = "duplicate", [FAULT_OUT_OF_ORDER] = "out_of_order",
	[FAULT_LATE] = "late", [FAULT_DROPOUT] = "dropout",
	[FAULT_IMPOSSIBLE] = "impossible",
};

/* What a schema field is filled with. */
enum fid {
	F_NULL, F_PATIENT_ID, F_DEVICE_ID, F_WARD, F_TIMESTAMP, F_HR, F_TEMP,
	F_SPO2, F_RR, F_BP, F_TRUTH,
	/* inside truth */
	F_EPISODE, F_EPISODE_ID, F_FAULT
};

static const struct {
	const char *name;
	enum fid id;
} known[] = {
	{ "patient_id", F_PATIENT_ID }, { "device_id", F_DEVICE_ID },
	{ "ward", F_WARD }, { "timestamp", F_TIMESTAMP },
	{ "heart_rate", F_HR }, { "temperature", F_TEMP }, { "spo2", F_SPO2 },
	{ "respiration_rate", F_RR }, { "blood_pressure", F_BP },
	{ "truth", F_TRUTH }, { "episode", F_EPISODE },
	{ "episode_id", F_EPISODE_ID }, { "fault", F_FAULT },
};

struct slot {
	const char *name;	/* the schema's; not owned */
	size_t len;
	enum fid id;
};

/* A reading on its way out, with what is wrong with it. */
struct msg {
	struct reading r;
	uint8_t fault;		/* enum fault_kind */
	uint8_t variant;	/* which form of the fault */
	uint8_t field;		/* enum fid the fault hits */
	bool copy;		/* the second line of a duplicate */
	uint16_t cut;		/* where a truncated line ends, of 65536 */
};

struct held {
	int64_t due;
	uint64_t seq;		/* keeps equal due times in arrival order */
	struct msg msg;
};

struct faults {
	struct writer *w;
	double rate;
	int64_t interval;
	struct slot *slot;	/* top-level fields in schema order */
	size_t nslot;
	struct slot *sub;	/* the truth object's fields */
	size_t nsub;
	/* Per patient, the text of the leading fields that never change
	 * ({"patient_id":"...","device_id":"...","ward":"..." in the
	 * reading schema), so the common line starts with one copy. */
	const struct patient *pat;	/* the cohort's array, or NULL */
	size_t npat;
	size_t nconst;		/* leading slots the texts cover */
	char *prefix;		/* patient i's is [off[i], off[i + 1]) */
	size_t *off;
	int32_t day;		/* the day whose date is in date[] */
	char date[12];
	struct held *heap;	/* held back, a min-heap on (due, seq) */
	size_t nheld, capheld;
	uint64_t seq;
	uint64_t count[NFAULTS];
};

/* Room a malformed line is built in, so no flush splits it. */
#define LINE_ROOM	8192

const char *
fault_name(enum fault_kind k)
{
	return kind_names[k];
}

/* Maps each field of s to what fills it; -1 if a field cannot be. */
static int
map_fields(const struct schema *s, bool top, struct slot **out, size_t *n,
    char *err, size_t errlen)
{
	*out = xcalloc(s->n ? s->n : 1, sizeof **out);
	*n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct field *fd = &s->f[i];
		enum fid id = F_NULL;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			if (strcmp(fd->name, known[k].name) == 0)
				id = known[k].id;
		/* truth's fields belong inside it, and only there */
		if ((top && id >= F_EPISODE) || (!top && id < F_EPISODE) ||
		    (id == F_TRUTH && fd->type != FT_STRUCT))
			id = F_NULL;
		if (id == F_NULL && !fd->nullable) {
			snprintf(err, errlen, "reading schema: field '%s' is "
			    "not one vitals-gen can fill", fd->name);
			return -1;
		}
		(*out)[*n].name = fd->name;
		(*out)[*n].len = fd->name_len;
		(*out)[*n].id = id;
		(*n)++;
	}
	return 0;
}

struct faults *
faults_new(const struct schema *s, struct writer *w, double rate, bool truth,
    int64_t interval, char *err, size_t errlen)
{
	struct faults *f = xcalloc(1, sizeof *f);
	size_t keep = 0;

	f->w = w;
	f->rate = rate;
	f->interval = interval;
	f->day = INT32_MIN;
	if (map_fields(s, true, &f->slot, &f->nslot, err, errlen) != 0)
		goto fail;
	for (size_t i = 0; i < f->nslot; i++) {
		const struct field *fd = &s->f[i];
		if (f->slot[i].id == F_TRUTH) {
			/* Without --truth the stream carries no label. */
			if (!truth)
				continue;
			if (map_fields(fd->sub, false, &f->sub, &f->nsub, err,
			    errlen) != 0)
				goto fail;
		}
		f->slot[keep++] = f->slot[i];
	}
	f->nslot = keep;
	return f;
fail:
	faults_free(f);
	return NULL;
}

void
faults_free(struct faults *f)
{
	if (f == NULL)
		return;
	free(f->slot);
	free(f->sub);
	free(f->heap);
	free(f->prefix);
	free(f->off);
	free(f);
}

uint64_t
faults_count(const struct faults *f, enum fault_kind k)
{
	return f->count[k];
}

/* --- writing one line ------------------------------------------------ */

/* "2026-01-01T08:00:05.000Z" with its quotes; the date part is formatted
 * once a day, not once a reading. */
static void
put_time(struct faults *f, struct writer *w, int64_t t)
{
	int32_t day = usec_to_days(t);
	int64_t ms = (t - (int64_t)day * USEC_PER_DAY) / 1000;
	char *p;
	int v;

	if (day != f->day) {
		iso_format_date(f->date, day);
		f->date[10] = 'T';
		f->day = day;
	}
	p = writer_reserve(w, 26);
	*p++ = '"';
	memcpy(p, f->date, 11);
	p += 11;
	v = (int)(ms / 3600000);
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	*p++ = ':';
	v = (int)(ms / 60000 % 60);
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	*p++ = ':';
	v = (int)(ms / 1000 % 60);
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	*p++ = '.';
	v = (int)(ms % 1000);
	*p++ = (char)('0' + v / 100);
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	*p++ = 'Z';
	*p++ = '"';
	w->len += 26;
}

/* A double with at most one decimal, as fmt_double would write it but
 * without its search for the shortest form; anything else goes to it. */
static void
put_tenths(struct writer *w, double v)
{
	int64_t t = (int64_t)(v * 10 + (v < 0 ? -0.5 : 0.5));
	char *p;

	if ((double)t / 10 != v || t < 0 || t > 100000) {
		jw_double(w, v);
		return;
	}
	p = writer_reserve(w, 24);
	p += fmt_int(p, t / 10);
	*p++ = '.';
	*p++ = (char)('0' + t % 10);
	w->len = (size_t)(p - w->buf);
}

/* A vital as the schema types it, or as the wrong_type fault garbles it:
 * variant 0 quotes the number ("88"), variant 1 writes "n/a". */
static void
put_vital(struct writer *w, double v, bool integer, const struct msg *ls,
    enum fid id)
{
	char buf[32];
	size_t n;

	if (ls->fault == FAULT_WRONG_TYPE && ls->field == id) {
		if (ls->variant == 1) {
			writer_mem(w, "\"n/a\"", 5);
			return;
		}
		n = integer ? fmt_int(buf, (int64_t)v) : fmt_double(buf, v);
		writer_char(w, '"');
		writer_mem(w, buf, n);
		writer_char(w, '"');
		return;
	}
	if (integer)
		jw_int(w, (int64_t)v);
	else
		put_tenths(w, v);
}

static void
put_bp(struct writer *w, const struct msg *ls)
{
	char buf[48];
	size_t n;

	if (ls->fault == FAULT_WRONG_TYPE && ls->field == F_BP) {
		jw_int(w, ls->r.sbp);
		return;
	}
	buf[0] = '"';
	n = 1 + fmt_int(buf + 1, ls->r.sbp);
	buf[n++] = '/';
	n += fmt_int(buf + n, ls->r.dbp);
	buf[n++] = '"';
	writer_mem(w, buf, n);
}

static void
put_truth(struct faults *f, struct writer *w, const struct msg *ls)
{
	if (ls->r.episode == NULL && ls->fault == FAULT_NONE) {
		jw_null(w);
		return;
	}
	if (f->nsub == 0) {
		writer_mem(w, "{}", 2);
		return;
	}
	for (size_t i = 0; i < f->nsub; i++) {
		const struct slot *s = &f->sub[i];
		jw_key(w, s->name, s->len, i == 0);
		if (s->id == F_EPISODE && ls->r.episode != NULL)
			jw_string(w, ls->r.episode, strlen(ls->r.episode));
		else if (s->id == F_EPISODE_ID && ls->r.episode_id != 0)
			jw_int(w, ls->r.episode_id);
		else if (s->id == F_FAULT && ls->fault != FAULT_NONE)
			jw_string(w, kind_names[ls->fault],
			    strlen(kind_names[ls->fault]));
		else
			jw_null(w);
	}
	writer_char(w, '}');
}

static void
put_value(struct faults *f, struct writer *w, const struct msg *ls,
    enum fid id)
{
	const struct patient *p = ls->r.patient;
	const char *ward;
	double temp;
	static const unsigned absent_bit[] = { [F_HR] = ABSENT_HR,
	    [F_TEMP] = ABSENT_TEMP, [F_SPO2] = ABSENT_SPO2, [F_RR] = ABSENT_RR,
	    [F_BP] = ABSENT_BP };

	if (id < sizeof absent_bit / sizeof absent_bit[0] &&
	    (ls->r.absent & absent_bit[id])) {
		jw_null(w);
		return;
	}
	switch (id) {
	case F_PATIENT_ID:
		jw_string(w, p->id, p->id_len);
		break;
	case F_DEVICE_ID:
		jw_string(w, p->device_id, strlen(p->device_id));
		break;
	case F_WARD:
		ward = ward_name(p->ward);
		jw_string(w, ward, strlen(ward));
		break;
	case F_TIMESTAMP:
		if (ls->fault == FAULT_WRONG_TYPE && ls->field == F_TIMESTAMP)
			jw_int(w, ls->r.t / 1000);	/* epoch ms */
		else
			put_time(f, w, ls->r.t);
		break;
	case F_HR:
		put_vital(w, ls->r.hr, true, ls, id);
		break;
	case F_TEMP:
		temp = ls->r.temp;
		if (ls->fault == FAULT_FAHRENHEIT)
			temp = (double)(int64_t)((temp * 9 / 5 + 32) * 10 +
			    0.5) / 10;
		put_vital(w, temp, false, ls, id);
		break;
	case F_SPO2:
		if (ls->fault == FAULT_DROPOUT && ls->variant == 2)
			jw_null(w);
		else
			put_vital(w, ls->r.spo2, false, ls, id);
		break;
	case F_RR:
		put_vital(w, ls->r.rr, true, ls, id);
		break;
	case F_BP:
		put_bp(w, ls);
		break;
	case F_TRUTH:
		put_truth(f, w, ls);
		break;
	default:
		jw_null(w);
		break;
	}
}

/* Garbage a broken gateway appends: each leaves the line invalid. */
static const char *const trailers[] = { "}", ",", "]", "\"", "}{" };

/* Breaks the line in w->buf[start..w->len) so no JSON parser takes it. */
static void
mangle(struct writer *w, size_t start, const struct msg *ls)
{
	size_t len = w->len - start;
	char *q;

	switch (ls->variant) {
	case 0:
		/* Cut anywhere after the '{' and before the last '}': no
		 * proper prefix of an object is JSON. */
		w->len = start + 1 + (size_t)ls->cut * (len - 2) / 65536;
		break;
	case 1:
		writer_str(w, trailers[ls->cut % (sizeof trailers /
		    sizeof trailers[0])]);
		break;
	default:
		/* A key quoted with an apostrophe, as hand-rolled printers
		 * do. */
		q = memchr(w->buf + start, '"', len);
		if (q != NULL)
			*q = '\'';
		else
			writer_char(w, '}');
		break;
	}
}

static bool
constant(enum fid id)
{
	return id == F_PATIENT_ID || id == F_DEVICE_ID || id == F_WARD ||
	    id == F_NULL;
}

void
faults_add_patients(struct faults *f, const struct patient *p, size_t n)
{
	struct writer m;
	struct msg ls;

	for (f->nconst = 0; f->nconst < f->nslot &&
	    constant(f->slot[f->nconst].id); f->nconst++)
		;
	free(f->prefix);
	free(f->off);
	f->pat = p;
	f->npat = n;
	f->off = xcalloc(n + 1, sizeof *f->off);
	writer_open_memory(&m);
	memset(&ls, 0, sizeof ls);
	for (size_t i = 0; i < n; i++) {
		ls.r.patient = &p[i];
		for (size_t k = 0; k < f->nconst; k++) {
			jw_key(&m, f->slot[k].name, f->slot[k].len, k == 0);
			put_value(f, &m, &ls, f->slot[k].id);
		}
		f->off[i + 1] = m.len;
	}
	f->prefix = xmalloc(m.len + 1);
	memcpy(f->prefix, m.buf, m.len);
	writer_close(&m);
}

static void
write_line(struct faults *f, const struct msg *ls)
{
	struct writer *w = f->w;
	const struct patient *p = ls->r.patient;
	size_t start = 0, i = 0;
	bool first = true;

	if (ls->fault == FAULT_MALFORMED) {
		writer_reserve(w, LINE_ROOM + p->id_len * 6);
		start = w->len;
	}
	/* The patient's ready-made leading fields, unless one of them is
	 * the field left out. */
	if (f->nconst > 0 && p >= f->pat && p < f->pat + f->npat &&
	    ls->fault != FAULT_MISSING_FIELD) {
		size_t k = (size_t)(p - f->pat);
		writer_mem(w, f->prefix + f->off[k], f->off[k + 1] - f->off[k]);
		i = f->nconst;
		first = false;
	}
	for (; i < f->nslot; i++) {
		const struct slot *s = &f->slot[i];
		if (ls->fault == FAULT_MISSING_FIELD && ls->field == s->id)
			continue;
		jw_key(w, s->name, s->len, first);
		first = false;
		put_value(f, w, ls, s->id);
	}
	if (first)
		writer_char(w, '{');
	writer_char(w, '}');
	if (ls->fault == FAULT_MALFORMED)
		mangle(w, start, ls);
	writer_char(w, '\n');
	if (ls->fault != FAULT_NONE && !ls->copy)
		f->count[ls->fault]++;
	writer_end_record(w);
}

/* --- choosing a fault ------------------------------------------------ */

/* Fields a wrong_type fault can hit. */
static const enum fid retypable[] = { F_HR, F_TEMP, F_SPO2, F_RR, F_BP,
    F_TIMESTAMP };

static void
choose(struct faults *f, struct msg *ls, struct rng *rng)
{
	struct reading *r = &ls->r;
	int tmp;

	ls->fault = (uint8_t)(1 + rng_below(rng, NFAULTS - 1));
	switch (ls->fault) {
	case FAULT_MALFORMED:
		ls->variant = (uint8_t)rng_below(rng, 3);
		ls->cut = (uint16_t)rng_below(rng, 65536);
		break;
	case FAULT_MISSING_FIELD:
		/* Any field but the label itself. */
		do
			ls->field = f->slot[rng_below(rng, f->nslot)].id;
		while (ls->field == F_TRUTH && f->nslot > 1);
		break;
	case FAULT_WRONG_TYPE:
		ls->field = retypable[rng_below(rng,
		    sizeof retypable / sizeof retypable[0])];
		ls->variant = (uint8_t)rng_below(rng, 2);
		break;
	case FAULT_DROPOUT:
		ls->variant = (uint8_t)rng_below(rng, 3);
		if (ls->variant == 0)
			r->hr = 0;
		else if (ls->variant == 1)
			r->spo2 = 0;
		break;
	case FAULT_IMPOSSIBLE:
		ls->variant = (uint8_t)rng_below(rng, 5);
		if (ls->variant == 0)
			r->hr = 350 + (int)rng_below(rng, 100);
		else if (ls->variant == 1)
			r->temp = (460 + (int)rng_below(rng, 140)) / 10.0;
		else if (ls->variant == 2)
			r->spo2 = 101 + (int)rng_below(rng, 30);
		else if (ls->variant == 3)
			r->rr = 90 + (int)rng_below(rng, 60);
		else {
			tmp = r->sbp;
			r->sbp = r->dbp;
			r->dbp = tmp;
		}
		break;
	}
}

/* --- holding back ---------------------------------------------------- */

static bool
before(const struct held *a, const struct held *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
hold(struct faults *f, const struct msg *ls, int64_t due)
{
	size_t i, parent;
	struct held h = { .due = due, .seq = f->seq++, .msg = *ls };

	xgrow(&f->heap, &f->capheld, f->nheld + 1, sizeof *f->heap);
	for (i = f->nheld++; i > 0; i = parent) {
		parent = (i - 1) / 2;
		if (!before(&h, &f->heap[parent]))
			break;
		f->heap[i] = f->heap[parent];
	}
	f->heap[i] = h;
}

/* Removes the earliest held line into *out. */
static void
unhold(struct faults *f, struct held *out)
{
	struct held last;
	size_t i = 0, c;

	*out = f->heap[0];
	last = f->heap[--f->nheld];
	for (;;) {
		c = 2 * i + 1;
		if (c >= f->nheld)
			break;
		if (c + 1 < f->nheld && before(&f->heap[c + 1], &f->heap[c]))
			c++;
		if (!before(&f->heap[c], &last))
			break;
		f->heap[i] = f->heap[c];
		i = c;
	}
	if (f->nheld > 0)
		f->heap[i] = last;
}

static uint64_t
release(struct faults *f, int64_t until, uint64_t budget)
{
	struct held h;
	uint64_t n = 0;

	while (n < budget && f->nheld > 0 && f->heap[0].due <= until) {
		unhold(f, &h);
		write_line(f, &h.msg);
		n++;
	}
	return n;
}

uint64_t
faults_emit(struct faults *f, const struct reading *r, struct rng *rng,
    uint64_t budget)
{
	uint64_t n = 0;
	struct msg ls;

	if (f->nheld > 0)
		n = release(f, r->t, budget);
	if (n >= budget)
		return n;
	memset(&ls, 0, sizeof ls);
	ls.r = *r;
	if (f->rate > 0 && rng_uniform(rng) < f->rate)
		choose(f, &ls, rng);
	switch (ls.fault) {
	case FAULT_OUT_OF_ORDER:
		hold(f, &ls, r->t + (int64_t)(f->interval *
		    rng_range(rng, 1.2, 3.0)));
		return n;
	case FAULT_LATE:
		hold(f, &ls, r->t + (int64_t)rng_range(rng, 60e6, 600e6));
		return n;
	case FAULT_DUPLICATE:
		write_line(f, &ls);
		if (++n >= budget)
			return n;
		ls.copy = true;
		write_line(f, &ls);
		return n + 1;
	default:
		write_line(f, &ls);
		return n + 1;
	}
}

uint64_t
faults_drain(struct faults *f, uint64_t budget)
{
	return release(f, INT64_MAX, budget);
}
