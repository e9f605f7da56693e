/*
 * report_serve: vitals-report --serve, the page over HTTP (libmicrohttpd)
 * kept current as the Gold table grows.
 *
 * Two paths only: "/" is the page as lib/report_html.c writes it, made
 * from the rows read so far, with live set; "/events" is a Server-Sent
 * Events stream of updates, one event a new table version ("id:" the
 * version, "data:" its update object, report_html_update).  A client
 * that asks for versions after ?since=V (or the Last-Event-ID it got)
 * that are no longer kept, or a version that touched rows (a remove
 * with dataChange), gets "event: reload".  Anything else is 404; only GET
 * and HEAD are answered; no part of a request reaches the file system.
 *
 * The server listens on 127.0.0.1 unless another numeric address is
 * asked for, and on loopback it answers only requests whose Host header
 * names the loopback (a page elsewhere cannot read it through DNS
 * rebinding).  The calling thread polls the table's _delta_log for the
 * next version every 300 ms and folds the rows of its new files into the
 * report; libmicrohttpd's threads answer requests, one a connection,
 * under one mutex with it.  Nothing from the rows is logged.
 */
#ifndef VL_REPORT_SERVE_H
#define VL_REPORT_SERVE_H

#include <stddef.h>

#include "delta.h"
#include "report.h"
#include "report_html.h"

struct serve_options {
	const char *listen;	/* numeric address; NULL for 127.0.0.1 */
	int port;		/* 0: any free one */
	int verbose;		/* -q: -1; -v: 1 */
};

/* Records libmicrohttpd's version for -V; call before the options. */
void report_serve_init(void);

/*
 * Serves *r, read from the table t at root (both the caller's; *r and t
 * are updated as versions arrive, *r replaced when a version touched
 * rows), until a stop signal.  Prints the URL
 * on stderr unless quiet.  0 after a stop, or -1 with err when it cannot
 * listen or the table cannot be read any more.
 */
int report_serve(const char *root, struct delta_table *t, struct report **r,
    const struct report_page *pg, const struct serve_options *o, char *err,
    size_t errlen);

#endif
