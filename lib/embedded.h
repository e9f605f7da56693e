/*
 * embedded: files compiled into the library (the schemas, the default
 * model and vitals-report's page), so a tool finds them wherever it runs from.
 */
#ifndef VL_EMBEDDED_H
#define VL_EMBEDDED_H

#include <stddef.h>

/* The contents of a file by its path in the source tree, e.g.
 * "schemas/silver.json", NUL-terminated; NULL if it was not embedded.
 * The memory is static: never free it. */
const char *embedded_get(const char *path, size_t *len);

#endif
