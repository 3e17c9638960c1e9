/*
 * bench-http: latency of agentd requests over its Unix socket, on one
 * persistent connection (as the CLI and codepiper-fcgi use it).
 *
 *   bench-http SOCKET latency METHOD PATH [BODY] N
 *       N requests; prints "median_ms p99_ms mean_ms"
 *   bench-http SOCKET create-sessions N CWD PROVIDER
 *       N POST /sessions; prints "total_ms" then one id per line on stderr
 *   bench-http SOCKET echo-latency ID N
 *       N times: send a unique marker, poll /output until it shows;
 *       prints "median_ms p99_ms"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "unix-http.h"
#include "xmalloc.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
print_stats(double *samples, int n)
{
	double sum = 0;
	int i;

	qsort(samples, (size_t)n, sizeof *samples, compare_double);
	for (i = 0; i < n; i++)
		sum += samples[i];
	printf("%.3f %.3f %.3f\n", samples[n / 2], samples[(int)(n * 0.99)],
	    sum / n);
}

static int
request(struct unix_http_conn *conn, const char *method, const char *path,
    const char *body, struct unix_http_response *out)
{
	static const struct unix_http_header json = { "Content-Type",
	    "application/json" };
	char *cause = NULL;

	memset(out, 0, sizeof *out);
	if (unix_http_request(conn, method, path, &json, 1, body,
	    body ? strlen(body) : 0, 30000, out, &cause) != UNIX_HTTP_OK) {
		fprintf(stderr, "bench-http: %s %s: %s\n", method, path, cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
latency(struct unix_http_conn *conn, const char *method, const char *path,
    const char *body, int n)
{
	struct unix_http_response r;
	double *samples = xcalloc((size_t)n, sizeof *samples);
	int i;

	for (i = 0; i < n; i++) {
		double t0 = now_ms();
		if (request(conn, method, path, body, &r) != 0)
			return 1;
		samples[i] = now_ms() - t0;
		if (r.status >= 300) {
			fprintf(stderr, "bench-http: %s %s -> %d %s\n", method, path,
			    r.status, r.body);
			return 1;
		}
		unix_http_response_free(&r);
	}
	print_stats(samples, n);
	free(samples);
	return 0;
}

static int
create_sessions(struct unix_http_conn *conn, int n, const char *cwd,
    const char *provider)
{
	struct unix_http_response r;
	char *body = xprintf("{\"provider\":\"%s\",\"cwd\":\"%s\"}", provider, cwd);
	double t0 = now_ms();
	int i;

	for (i = 0; i < n; i++) {
		if (request(conn, "POST", "/sessions", body, &r) != 0)
			return 1;
		if (r.status != 201) {
			fprintf(stderr, "bench-http: create -> %d %s\n", r.status, r.body);
			return 1;
		}
		json_t *j = json_loads(r.body, 0, NULL);
		fprintf(stderr, "%s\n", json_string_value(json_object_get(
		    json_object_get(j, "session"), "id")));
		json_decref(j);
		unix_http_response_free(&r);
	}
	printf("%.1f\n", now_ms() - t0);
	free(body);
	return 0;
}

static int
echo_latency(struct unix_http_conn *conn, const char *id, int n)
{
	struct unix_http_response r;
	double *samples = xcalloc((size_t)n, sizeof *samples);
	char *send_path = xprintf("/sessions/%s/send", id);
	char *output_path = xprintf("/sessions/%s/output", id);
	int i;

	for (i = 0; i < n; i++) {
		char marker[64], *body;
		double t0, deadline;
		int seen = 0;

		snprintf(marker, sizeof marker, "mark%dx%ld", i, (long)now_ms());
		body = xprintf("{\"text\":\"%s\"}", marker);
		t0 = now_ms();
		deadline = t0 + 5000;
		if (request(conn, "POST", send_path, body, &r) != 0)
			return 1;
		unix_http_response_free(&r);
		while (!seen && now_ms() < deadline) {
			if (request(conn, "GET", output_path, NULL, &r) != 0)
				return 1;
			seen = strstr(r.body, marker) != NULL;
			unix_http_response_free(&r);
		}
		samples[i] = now_ms() - t0;
		free(body);
		if (!seen) {
			fprintf(stderr, "bench-http: marker never showed\n");
			return 1;
		}
	}
	print_stats(samples, n);
	free(samples);
	free(send_path);
	free(output_path);
	return 0;
}

int
main(int argc, char **argv)
{
	struct unix_http_conn *conn;
	int rc = 2;

	if (argc < 3)
		goto usage;
	conn = unix_http_conn_new(argv[1]);
	if (strcmp(argv[2], "latency") == 0 && (argc == 6 || argc == 7))
		rc = latency(conn, argv[3], argv[4], argc == 7 ? argv[5] : NULL,
		    atoi(argv[argc - 1]));
	else if (strcmp(argv[2], "create-sessions") == 0 && argc == 6)
		rc = create_sessions(conn, atoi(argv[3]), argv[4], argv[5]);
	else if (strcmp(argv[2], "echo-latency") == 0 && argc == 5)
		rc = echo_latency(conn, argv[3], atoi(argv[4]));
	unix_http_conn_free(conn);
	if (rc != 2)
		return rc;
usage:
	fprintf(stderr, "usage: see the comment at the top of bench-http.c\n");
	return 2;
}
