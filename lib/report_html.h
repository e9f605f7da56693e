/*
 * report_html: the report as one self-contained HTML page.  The page is
 * report/page.html with the styles (report/uPlot.min.css, page.css), the
 * scripts (report/uPlot.iife.min.js, page.js, all compiled in like the
 * schemas) and the data put in its place; the data is one JSON object in
 * a <script type="application/json"> element that page.js reads.
 *
 * Nothing from the data can end that element or start markup: the JSON
 * has every '<', '>' and '&' written as a \u escape (they can only occur
 * inside its strings), and page.js puts strings on the page as text.  A
 * Content-Security-Policy in the page allows no request at all, or, when
 * live, only to its own origin (the event stream).
 */
#ifndef VL_REPORT_HTML_H
#define VL_REPORT_HTML_H

#include <stdbool.h>
#include <stdint.h>

#include "writer.h"
#include "report.h"

/* What the page says about where its rows came from. */
struct report_page {
	int64_t version;	/* the table's version; -1 for NDJSON */
	int64_t generated;	/* usec since the epoch */
	bool live;		/* served: the page follows /events */
};

/* Writes the whole page on w (errors are left in w for writer_close). */
void report_html_write(struct report *r, const struct report_page *pg,
    struct writer *w);

/* The page's data object, escaped as in the page, with the parts of
 * report_write_data: for the live events, which page.js merges. */
void report_html_data(struct report *r, const struct report_page *pg,
    unsigned parts, struct writer *w);

/* A live update: the views of all (the whole table, now) and the windows
 * of added (the rows of the new commits), escaped as in the page. */
void report_html_update(struct report *all, struct report *added,
    const struct report_page *pg, struct writer *w);

#endif
