#include "launch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "xmalloc.h"

extern char **environ;

static const char *
next_field(const char **cursor, const char *end)
{
	const char *field = *cursor, *nul;

	if (field >= end || (nul = memchr(field, '\0', (size_t)(end - field))) == NULL)
		return NULL;
	*cursor = nul + 1;
	return field;
}

static int
read_count(const char **cursor, const char *end, size_t *out)
{
	const char *field = next_field(cursor, end), *errstr;
	int64_t n;

	if (field == NULL || parse_int64(field, 0, 100000, &n, &errstr) != 0)
		return -1;
	*out = (size_t)n;
	return 0;
}

int
launch_exec(const char *path)
{
	const char *cursor, *end, *cwd;
	char *data, **envp, **argv;
	size_t len, nenv, nargv, i;

	if ((data = read_file(path, 16 * 1024 * 1024, &len)) == NULL) {
		fprintf(stderr, "codepiper: cannot read %s: %s\n", path,
		    strerror(errno));
		return 127;
	}
	unlink(path);
	cursor = data;
	end = data + len;
	if ((cwd = next_field(&cursor, end)) == NULL ||
	    read_count(&cursor, end, &nenv) != 0)
		goto bad;
	envp = xcalloc(nenv + 1, sizeof *envp);
	for (i = 0; i < nenv; i++) {
		if ((envp[i] = (char *)next_field(&cursor, end)) == NULL)
			goto bad;
	}
	if (read_count(&cursor, end, &nargv) != 0 || nargv == 0)
		goto bad;
	argv = xcalloc(nargv + 1, sizeof *argv);
	for (i = 0; i < nargv; i++) {
		if ((argv[i] = (char *)next_field(&cursor, end)) == NULL)
			goto bad;
	}
	if (chdir(cwd) != 0) {
		fprintf(stderr, "codepiper: cannot enter %s: %s\n", cwd,
		    strerror(errno));
		return 127;
	}
	environ = envp;
	execvp(argv[0], argv);
	fprintf(stderr, "codepiper: cannot start %s: %s\n", argv[0], strerror(errno));
	return 127;

bad:
	fprintf(stderr, "codepiper: malformed launch file %s\n", path);
	return 127;
}
