/*
 * iforest_impl: what lib/iforest.c (the model and its scoring),
 * lib/iforest_train.c (growing a forest) and lib/iforest_io.c (the model
 * file) share among themselves.  Callers use iforest.h only: a model
 * reaches them complete, through iforest_train or iforest_parse/load.
 */
#ifndef VL_IFOREST_IMPL_H
#define VL_IFOREST_IMPL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "iforest.h"

/* The message of a failure, into the caller's err[errlen] (nothing when
 * errlen is 0).  Inline and static, so each module has its own. */
static inline void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Checks d feature names: none NULL or empty, none twice.  Returns 0, or
 * -1 with a message naming the first bad one.  The trainer and the
 * loader both hold names to this, so a saved model always loads.
 */
int iforest_check_names(const char *const *names, size_t d, char *err,
    size_t errlen);

/*
 * Builds m's scoring layout (fnode, value, count, uses, each tree's base
 * and depth) from m->tree[0..n_trees), trees as grown or as loaded and
 * checked: the last step of making a model, whichever way it is made.
 * Returns -1 with a message if a leaf is deeper than IFOREST_MAX_DEPTH;
 * what was allocated is then m's, for iforest_free.
 */
int iforest_build_layout(struct iforest *m, char *err, size_t errlen);

#endif
