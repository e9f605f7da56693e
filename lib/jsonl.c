#include "jsonl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int
jsonl_append(json_t *obj, void *array, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return json_array_append(array, obj);
}

int
jsonl_read(const char *path, int flags, jsonl_fn fn, void *arg, char *err,
    size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, why[400];
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int rc = 1;

	if (fp == NULL) {
		if (errno == ENOENT && (flags & JSONL_MISSING_OK))
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 1 && (len = getline(&line, &cap, fp)) >= 0) {
		json_error_t je;
		json_t *o;

		lineno++;
		why[0] = '\0';
		if ((flags & JSONL_WHOLE_LINES) && line[len - 1] != '\n') {
			snprintf(why, sizeof why, "the line is cut short");
		} else if (strspn(line, " \t\r\n") == (size_t)len) {
			continue;
		} else if ((o = json_loadb(line, (size_t)len,
		    JSON_REJECT_DUPLICATES, &je)) == NULL) {
			snprintf(why, sizeof why, "%s", je.text);
		} else if (!json_is_object(o)) {
			snprintf(why, sizeof why, "not a JSON object");
			json_decref(o);
		} else {
			if (fn(o, arg, why, sizeof why) != 0 && why[0] == '\0')
				snprintf(why, sizeof why, "refused");
			json_decref(o);
		}
		if (why[0] != '\0') {
			snprintf(err, errlen, "%s:%ld: %s", path, lineno, why);
			rc = -1;
		}
	}
	/* getline returns -1 at the end, on a read error and on no memory
	 * alike: only the end of the file is the end. */
	if (rc == 1 && !feof(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
}
