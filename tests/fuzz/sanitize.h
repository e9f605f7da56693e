/*
 * Included once by each fuzz target.  make fuzz builds with UBSan in its
 * recovering mode and sets no UBSAN_OPTIONS, so a report would only be
 * printed into the log and the run would pass; this makes every report
 * end the run as ASan's do.
 */
#ifndef VL_FUZZ_SANITIZE_H
#define VL_FUZZ_SANITIZE_H

const char *__ubsan_default_options(void);

const char *
__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

#endif
