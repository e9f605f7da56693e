#include "agg_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
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

	writer_str(c->w, "{\"source\":");
	jw_int(c->w, c->source);
	writer_str(c->w, ",\"patient_id\":");
	jw_string(c->w, win->patient_id, win->id_len);
	writer_str(c->w, ",\"start\":");
	jw_int(c->w, win->start);
	writer_str(c->w, ",\"first_pos\":");
	jw_int(c->w, first_pos);
	writer_str(c->w, ",\"data\":");
	c->save(win->data, c->w);
	writer_str(c->w, "}\n");
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
	writer_str(&w, "{\"vitals_agg_state\":");
	jw_int(&w, STATE_FORMAT);
	writer_str(&w, ",\"window_usec\":");
	jw_int(&w, width);
	writer_str(&w, ",\"lateness_usec\":");
	jw_int(&w, lateness);
	writer_str(&w, ",\"sources\":[");
	for (uint32_t i = 0; i < nsrc; i++) {
		window_source_get(t, i, &st);
		writer_str(&w, i ? ",{\"topic\":" : "{\"topic\":");
		if (src[i].topic != NULL)
			jw_string(&w, src[i].topic, src[i].topic_len);
		else
			jw_null(&w);
		writer_str(&w, ",\"partition\":");
		jw_int(&w, src[i].partition);
		writer_str(&w, ",\"gold_through\":");
		jw_int(&w, src[i].gold_through);
		writer_str(&w, ",\"seen\":");
		jw_bool(&w, st.seen);
		writer_str(&w, ",\"max_time\":");
		jw_int(&w, st.max_time);
		writer_str(&w, ",\"watermark\":");
		jw_int(&w, st.wm);
		writer_str(&w, ",\"max_pos\":");
		jw_int(&w, st.max_pos);
		writer_char(&w, '}');
	}
	writer_str(&w, "]}\n");
	for (c.source = 0; c.source < nsrc; c.source++)
		window_each_open(t, c.source, save_window, &c);
	rc = safefile_write(path, w.buf, w.len, err, errlen);
	writer_close(&w);
	return rc;
}

/* ---- loading ---- */

static bool
get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

int
agg_state_load(const char *path, struct window_table *t, int64_t width,
    int64_t lateness, const struct agg_state_hooks *h, size_t *windows,
    char *err, size_t errlen)
{
	json_t *all = NULL, *head, *srcs, *s;
	uint32_t *map = NULL;
	size_t i;
	int64_t x, y;
	int rc = 0;

	err[0] = '\0';
	*windows = 0;
	/* Written whole by safefile_write: a last line without its newline
	 * is not a state this tool saved. */
	all = json_array();
	if ((rc = jsonl_read(path, JSONL_MISSING_OK | JSONL_WHOLE_LINES,
	    jsonl_append, all, err, errlen)) != 1)
		goto out;
	rc = 0;
	if (json_array_size(all) == 0) {
		snprintf(err, errlen, "%s: empty", path);
		goto out;
	}
	head = json_array_get(all, 0);
	srcs = json_object_get(head, "sources");
	if (!get_int(head, "vitals_agg_state", &x) || x != STATE_FORMAT ||
	    !json_is_array(srcs)) {
		snprintf(err, errlen, "%s: not a state file of this version",
		    path);
		goto out;
	}
	if (!get_int(head, "window_usec", &x) || x != width ||
	    !get_int(head, "lateness_usec", &y) || y != lateness) {
		snprintf(err, errlen, "%s: saved with another --window or "
		    "--lateness", path);
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
			snprintf(err, errlen, "%s: source %zu is malformed",
			    path, i);
			goto out;
		}
		now = h->gold_through(h->arg, tp, tl, part);
		if (now != want) {
			snprintf(err, errlen, "%s: Gold is at offset %lld of "
			    "partition %lld, the state expects %lld (Gold's "
			    "last rows before the stop were not committed, "
			    "or the state is stale)", path, (long long)now,
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
			snprintf(err, errlen, "%s: source %zu is malformed",
			    path, i);
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
			snprintf(err, errlen, "%s:%zu: not a window that fits",
			    path, i + 1);
			goto out;
		}
		if (h->load(w->data, json_object_get(o, "data")) != 0) {
			h->release(w->data);
			snprintf(err, errlen, "%s:%zu: its data is malformed",
			    path, i + 1);
			goto out;
		}
		(*windows)++;
	}
	rc = 1;
out:
	json_decref(all);
	free(map);
	return rc < 0 ? 0 : rc;
}
