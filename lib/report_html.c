/*
 * report_html: report/page.html filled in; see report_html.h.
 */
#include "report_html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "embedded.h"
#include "isotime.h"
#include "jsonw.h"

static const char *
asset(const char *path, size_t *len)
{
	const char *s = embedded_get(path, len);

	/* The assets are part of the program, as the schemas are. */
	if (s == NULL)
		cli_die(EXIT_FAIL, "%s is not compiled in", path);
	return s;
}

static void
put_asset(struct writer *w, const char *path)
{
	size_t len;
	const char *s = asset(path, &len);

	writer_mem(w, s, len);
}

/* JSON text made safe inside a <script> element: '<', '>' and '&' occur
 * only inside JSON strings, where \u003c and the like mean the same. */
static void
put_safe_json(struct writer *w, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '<':
			writer_str(w, "\\u003c");
			break;
		case '>':
			writer_str(w, "\\u003e");
			break;
		case '&':
			writer_str(w, "\\u0026");
			break;
		default:
			writer_char(w, s[i]);
		}
	}
}

/* The data object: meta, the views of vr, the windows of wr (either may
 * be NULL for none). */
static void
write_data(struct report *vr, struct report *wr,
    const struct report_page *pg, struct writer *w)
{
	struct writer m;
	char buf[64];

	writer_open_memory(&m);
	writer_str(&m, "{\"meta\":{\"generator\":");
	jw_string(&m, "vitals-report " VL_VERSION,
	    strlen("vitals-report " VL_VERSION));
	writer_str(&m, ",\"generated\":");
	jw_string(&m, buf, iso_format(buf, pg->generated));
	writer_str(&m, ",\"version\":");
	if (pg->version >= 0)
		jw_int(&m, pg->version);
	else
		jw_null(&m);
	writer_str(&m, ",\"rows\":");
	jw_int(&m, (int64_t)report_rows(vr != NULL ? vr : wr));
	writer_str(&m, ",\"live\":");
	jw_bool(&m, pg->live);
	writer_char(&m, '}');
	if (vr != NULL)
		report_write_data(vr, REPORT_DATA_VIEWS, &m);
	if (wr != NULL)
		report_write_data(wr, REPORT_DATA_WINDOWS, &m);
	writer_char(&m, '}');
	put_safe_json(w, m.buf, m.len);
	writer_close(&m);
}

void
report_html_data(struct report *r, const struct report_page *pg,
    unsigned parts, struct writer *w)
{
	write_data(parts & REPORT_DATA_VIEWS ? r : NULL,
	    parts & REPORT_DATA_WINDOWS ? r : NULL, pg, w);
}

void
report_html_update(struct report *all, struct report *added,
    const struct report_page *pg, struct writer *w)
{
	write_data(all, added, pg, w);
}

void
report_html_write(struct report *r, const struct report_page *pg,
    struct writer *w)
{
	size_t len;
	const char *t = asset("report/page.html", &len), *end = t + len;

	/* The template's <!--vl:NAME--> markers, in any order. */
	while (t < end) {
		const char *m = memmem(t, end - t, "<!--vl:", 7), *e;

		if (m == NULL || (e = memmem(m, end - m, "-->", 3)) == NULL) {
			writer_mem(w, t, end - t);
			break;
		}
		writer_mem(w, t, m - t);
		m += 7;
		if (e - m == 3 && memcmp(m, "css", 3) == 0) {
			put_asset(w, "report/uPlot.min.css");
			put_asset(w, "report/page.css");
		} else if (e - m == 2 && memcmp(m, "js", 2) == 0) {
			put_asset(w, "report/uPlot.iife.min.js");
			put_asset(w, "report/page.js");
		} else if (e - m == 7 && memcmp(m, "license", 7) == 0) {
			put_asset(w, "report/uPlot.LICENSE");
		} else if (e - m == 4 && memcmp(m, "data", 4) == 0) {
			report_html_data(r, pg, REPORT_DATA_ALL, w);
		} else if (e - m == 3 && memcmp(m, "csp", 3) == 0) {
			writer_str(w, pg->live ? "connect-src 'self'" :
			    "connect-src 'none'");
		} else
			cli_die(EXIT_FAIL, "report/page.html: unknown marker "
			    "%.*s", (int)(e - m), m);
		t = e + 3;
	}
	writer_end_record(w);
}
