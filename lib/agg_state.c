#include "agg_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "safefile.h"
#include "xalloc.h"

#define STATE_FORMAT	1

/* ---- saving ---- */

struct save_ctx {
	struct writer *w;
	uint32_t source;
	void (*save)(const void *, struct writer *);
};

static void
save_window(const struct window *win, int64_t first_pos, void *arg)
{
	struct save_ctx *c = arg;

	wr_str(c->w, "{\"source\":");
	jw_int(c->w, c->source);
	wr_str(c->w, ",\"patient_id\":");
	jw_string(c->w, win->patient_id, win->id_len);
	wr_str(c->w, ",\"start\":");
	jw_int(c->w, win->start);
	wr_str(c->w, ",\"first_pos\":");
	jw_int(c->w, first_pos);
	wr_str(c->w, ",\"data\":");
	c->save(win->data, c->w);
	wr_str(c->w, "}\n");
}

int
agg_state_save(const char *path, const struct window_table *t,
    int64_t width, int64_t lateness, const struct agg_state_source *src,
    uint32_t nsrc, void (*save)(const void *, struct writer *),
    char *err, size_t errlen)
{
	struct writer w;
	struct save_ctx c = { .w = &w, .save = save };
	struct window_source_state st;
	int rc;

	writer_open_memory(&w);
	wr_str(&w, "{\"vitals_agg_state\":");
	jw_int(&w, STATE_FORMAT);
	wr_str(&w, ",\"window_usec\":");
	jw_int(&w, width);
	wr_str(&w, ",\"lateness_usec\":");
	jw_int(&w, lateness);
	wr_str(&w, ",\"sources\":[");
	for (uint32_t i = 0; i < nsrc; i++) {
		window_source_get(t, i, &st);
		wr_str(&w, i ? ",{\"topic\":" : "{\"topic\":");
		if (src[i].topic != NULL)
			jw_string(&w, src[i].topic, src[i].topic_len);
		else
			jw_null(&w);
		wr_str(&w, ",\"partition\":");
		jw_int(&w, src[i].partition);
		wr_str(&w, ",\"gold_through\":");
		jw_int(&w, src[i].gold_through);
		wr_str(&w, ",\"seen\":");
		jw_bool(&w, st.seen);
		wr_str(&w, ",\"max_time\":");
		jw_int(&w, st.max_time);
		wr_str(&w, ",\"watermark\":");
		jw_int(&w, st.wm);
		wr_str(&w, ",\"max_pos\":");
		jw_int(&w, st.max_pos);
		wr_char(&w, '}');
	}
	wr_str(&w, "]}\n");
	for (c.source = 0; c.source < nsrc; c.source++)
		window_each_open(t, c.source, save_window, &c);
	rc = safefile_write(path, w.buf, w.len, err, errlen);
	writer_close(&w);
	return rc;
}

/* ---- loading ---- */

/* The whole file, NUL-terminated; NULL with errno. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		return NULL;
	do {
		xgrow(&buf, &cap, n + 65536, 1);
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
	} while (got > 0);
	if (ferror(fp)) {
		int saved = errno;
		fclose(fp);
		free(buf);
		errno = saved;
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static bool
get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

/* The file's lines as JSON values: the header first.  NULL with err. */
static json_t *
parse_lines(char *text, char *err, size_t errlen)
{
	json_t *all = json_array();
	json_error_t je;
	char *line = text, *nl;
	size_t k = 0;

	for (; *line != '\0'; line = nl + 1) {
		json_t *v;
		k++;
		if ((nl = strchr(line, '\n')) == NULL) {
			snprintf(err, errlen, "line %zu is cut short", k);
			goto fail;
		}
		*nl = '\0';
		v = json_loads(line, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(v)) {
			json_decref(v);
			snprintf(err, errlen, "line %zu is not a JSON object",
			    k);
			goto fail;
		}
		json_array_append_new(all, v);
	}
	if (json_array_size(all) == 0) {
		snprintf(err, errlen, "empty");
		goto fail;
	}
	return all;
fail:
	json_decref(all);
	return NULL;
}

int
agg_state_load(const char *path, struct window_table *t, int64_t width,
    int64_t lateness, const struct agg_state_hooks *h, size_t *windows,
    char *err, size_t errlen)
{
	json_t *all = NULL, *head, *srcs, *s;
	uint32_t *map = NULL;
	size_t len, i;
	char *text;
	int64_t x, y;
	int rc = 0;

	err[0] = '\0';
	*windows = 0;
	if ((text = slurp(path, &len)) == NULL) {
		if (errno != ENOENT)
			snprintf(err, errlen, "%s", strerror(errno));
		return 0;
	}
	if (strlen(text) != len) {
		snprintf(err, errlen, "not a state file (it holds a NUL)");
		goto out;
	}
	if ((all = parse_lines(text, err, errlen)) == NULL)
		goto out;
	head = json_array_get(all, 0);
	srcs = json_object_get(head, "sources");
	if (!get_int(head, "vitals_agg_state", &x) || x != STATE_FORMAT ||
	    !json_is_array(srcs)) {
		snprintf(err, errlen, "not a state file of this version");
		goto out;
	}
	if (!get_int(head, "window_usec", &x) || x != width ||
	    !get_int(head, "lateness_usec", &y) || y != lateness) {
		snprintf(err, errlen, "saved with another --window or "
		    "--lateness");
		goto out;
	}
	/* Every source must find Gold where the state left it before any
	 * of it is taken up. */
	map = xcalloc(json_array_size(srcs) + 1, sizeof *map);
	json_array_foreach(srcs, i, s) {
		json_t *topic = json_object_get(s, "topic");
		const char *tp = json_is_string(topic) ?
		    json_string_value(topic) : NULL;
		size_t tl = tp != NULL ? json_string_length(topic) : 0;
		int64_t part, want, now;
		if ((!json_is_string(topic) && !json_is_null(topic)) ||
		    !get_int(s, "partition", &part) ||
		    !get_int(s, "gold_through", &want)) {
			snprintf(err, errlen, "source %zu is malformed", i);
			goto out;
		}
		now = h->gold_through(h->arg, tp, tl, part);
		if (now != want) {
			snprintf(err, errlen, "Gold is at offset %lld of "
			    "partition %lld, the state expects %lld (Gold's "
			    "last rows before the stop were not committed, "
			    "or the state is stale)", (long long)now,
			    (long long)part, (long long)want);
			goto out;
		}
		map[i] = h->source(h->arg, tp, tl, part);
	}
	json_array_foreach(srcs, i, s) {
		struct window_source_state st;
		json_t *seen = json_object_get(s, "seen");
		if (!json_is_boolean(seen) ||
		    !get_int(s, "max_time", &st.max_time) ||
		    !get_int(s, "watermark", &st.wm) ||
		    !get_int(s, "max_pos", &st.max_pos)) {
			snprintf(err, errlen, "source %zu is malformed", i);
			goto out;
		}
		st.seen = json_is_true(seen);
		window_source_set(t, map[i], &st);
	}
	for (i = 1; i < json_array_size(all); i++) {
		json_t *o = json_array_get(all, i);
		json_t *id = json_object_get(o, "patient_id");
		int64_t src, start, first;
		struct window *w;
		if (!get_int(o, "source", &src) || src < 0 ||
		    (size_t)src >= json_array_size(srcs) ||
		    !json_is_string(id) || json_string_length(id) == 0 ||
		    !get_int(o, "start", &start) ||
		    !get_int(o, "first_pos", &first) ||
		    (w = window_restore(t, map[src], first,
		    json_string_value(id), json_string_length(id),
		    start)) == NULL) {
			snprintf(err, errlen, "line %zu: not a window that fits",
			    i + 1);
			goto out;
		}
		if (h->load(w->data, json_object_get(o, "data")) != 0) {
			h->release(w->data);
			snprintf(err, errlen, "line %zu: its data is malformed",
			    i + 1);
			goto out;
		}
		(*windows)++;
	}
	rc = 1;
out:
	json_decref(all);
	free(map);
	free(text);
	return rc;
}
