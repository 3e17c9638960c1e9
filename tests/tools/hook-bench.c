/*
 * hook-bench: time a hook command the way Claude Code runs it, many times.
 *
 *   hook-bench N PAYLOAD-FILE EXPECT -- PROGRAM [ARGS...]
 *
 * Each round starts PROGRAM (posix_spawnp) with the payload on its stdin,
 * reads its stdout to the end and waits for it: the time from before the
 * spawn to its exit, i.e. process start to decision printed. Every round's
 * stdout must contain EXPECT and the exit status must be 0, or the run
 * fails. Prints "rounds N median_us M p99_us P min_us A max_us B".
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
compare(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static char *
read_all(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		return NULL;
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* One round: 0 and the elapsed time, or -1 with a message. */
static int
round_trip(char **argv, const char *payload, size_t len, const char *expect,
    long long *elapsed)
{
	posix_spawn_file_actions_t	 fa;
	char				 out[65536];
	size_t				 used = 0;
	ssize_t				 n;
	long long			 t0;
	pid_t				 pid;
	int				 in[2], op[2], status;

	if (pipe(in) != 0 || pipe(op) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, op[0]);
	t0 = now_us();
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		fprintf(stderr, "hook-bench: cannot start %s\n", argv[0]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(op[1]);
	if (write(in[1], payload, len) != (ssize_t)len)
		fprintf(stderr, "hook-bench: short write\n");
	close(in[1]);
	while ((n = read(op[0], out + used, sizeof out - 1 - used)) > 0)
		used += (size_t)n;
	close(op[0]);
	out[used] = '\0';
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	*elapsed = now_us() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strstr(out, expect) == NULL) {
		fprintf(stderr, "hook-bench: unexpected answer (status %d): %s\n",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	long long	*t;
	char		*payload, *end;
	size_t		 len;
	long		 rounds, i;

	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr, "usage: hook-bench N PAYLOAD-FILE EXPECT -- "
		    "PROGRAM [ARGS...]\n");
		return 2;
	}
	rounds = strtol(argv[1], &end, 10);
	if (*end != '\0' || rounds < 1 || rounds > 1000000) {
		fprintf(stderr, "hook-bench: bad round count %s\n", argv[1]);
		return 2;
	}
	if ((payload = read_all(argv[2], &len)) == NULL) {
		fprintf(stderr, "hook-bench: cannot read %s\n", argv[2]);
		return 2;
	}
	if ((t = calloc((size_t)rounds, sizeof *t)) == NULL)
		return 1;
	for (i = 0; i < rounds; i++) {
		if (round_trip(argv + 5, payload, len, argv[3], &t[i]) != 0)
			return 1;
	}
	qsort(t, (size_t)rounds, sizeof *t, compare);
	printf("rounds %ld median_us %lld p99_us %lld min_us %lld max_us %lld\n",
	    rounds, t[rounds / 2], t[(rounds * 99) / 100 < rounds ?
	    (rounds * 99) / 100 : rounds - 1], t[0], t[rounds - 1]);
	free(t);
	free(payload);
	return 0;
}
