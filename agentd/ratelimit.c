/*
 * The limiters' tables: string keys in a small chained hash table each.
 */
#include "ratelimit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xmalloc.h"

#define NBUCKETS		1024
#define OVERFLOW_KEY		"(overflow)"

#define LOGIN_TIER1_FAILURES	5
#define LOGIN_TIER1_LOCK_MS	(15 * 60 * 1000)
#define LOGIN_TIER2_FAILURES	10
#define LOGIN_TIER2_LOCK_MS	(60 * 60 * 1000)
#define LOGIN_TIER3_FAILURES	20
#define LOGIN_TIER3_LOCK_MS	(24 * 60 * 60 * 1000)
/* A client's failures are forgotten after this long without a new one. */
#define LOGIN_MEMORY_MS		LOGIN_TIER3_LOCK_MS

#define API_DEFAULT_MAX		300
#define API_DEFAULT_WINDOW_MS	10000

struct entry {
	char		*key;
	struct entry	*next;
	/* login */
	int		 failures;
	int		 inflight;
	int64_t		 last_failure_at;
	int64_t		 locked_until;
	/* api */
	int64_t		 window_start;
	int64_t		 count;
};

struct table {
	struct entry	*buckets[NBUCKETS];
	size_t		 nentries;
	bool		 (*stale)(const struct entry *, int64_t now);
};

static bool	login_stale(const struct entry *, int64_t);
static bool	api_stale(const struct entry *, int64_t);

static struct table login_table = { .stale = login_stale };
static struct table api_table = { .stale = api_stale };
static int64_t api_max = API_DEFAULT_MAX;
static int64_t api_window_ms = API_DEFAULT_WINDOW_MS;
static struct {
	int64_t	window_start;
	int	failures;
} second_factor;

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % NBUCKETS;
}

static bool
login_stale(const struct entry *e, int64_t now)
{
	return e->inflight == 0 && e->locked_until <= now &&
	    e->last_failure_at + LOGIN_MEMORY_MS <= now;
}

static bool
api_stale(const struct entry *e, int64_t now)
{
	return e->window_start + api_window_ms <= now;
}

static void
sweep(struct table *t, int64_t now)
{
	struct entry **p, *e;
	size_t i;

	for (i = 0; i < NBUCKETS; i++) {
		for (p = &t->buckets[i]; (e = *p) != NULL;) {
			if (t->stale(e, now)) {
				*p = e->next;
				free(e->key);
				free(e);
				t->nentries--;
			} else
				p = &e->next;
		}
	}
}

static struct entry *
find(struct table *t, const char *key)
{
	struct entry *e;

	for (e = t->buckets[hash(key)]; e != NULL; e = e->next) {
		if (strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

static struct entry *
lookup(struct table *t, const char *key, int64_t now, bool create)
{
	struct entry *e;
	unsigned b;

	if ((e = find(t, key)) != NULL || !create)
		return e;
	if (t->nentries >= RATELIMIT_MAX_KEYS) {
		sweep(t, now);
		if (t->nentries >= RATELIMIT_MAX_KEYS) {
			if ((e = find(t, OVERFLOW_KEY)) != NULL)
				return e;
			key = OVERFLOW_KEY;
		}
	}
	e = xcalloc(1, sizeof *e);
	e->key = xstrdup(key);
	b = hash(key);
	e->next = t->buckets[b];
	t->buckets[b] = e;
	t->nentries++;
	return e;
}

static int64_t
env_positive(const char *name, int64_t fallback)
{
	const char *v = getenv(name), *errstr;
	int64_t n;

	if (v == NULL || parse_int64(v, 1, INT64_MAX / 2, &n, &errstr) != 0)
		return fallback;
	return n;
}

void
ratelimit_init(void)
{
	api_max = env_positive("CODEPIPER_API_RATE_LIMIT_MAX", API_DEFAULT_MAX);
	api_window_ms = env_positive("CODEPIPER_API_RATE_LIMIT_WINDOW_MS",
	    API_DEFAULT_WINDOW_MS);
}

static void
table_clear(struct table *t)
{
	struct entry *e, *next;
	size_t i;

	for (i = 0; i < NBUCKETS; i++) {
		for (e = t->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e->key);
			free(e);
		}
		t->buckets[i] = NULL;
	}
	t->nentries = 0;
}

void
ratelimit_shutdown(void)
{
	table_clear(&login_table);
	table_clear(&api_table);
}

static int
seconds_until(int64_t until, int64_t now)
{
	int64_t s = (until - now + 999) / 1000;

	return s < 1 ? 1 : (int)s;
}

int
login_limit_begin(const char *key, int64_t now, int *retry_after_s)
{
	struct entry *e = lookup(&login_table, key, now, true);
	int allowed_inflight;

	if (e->locked_until > now) {
		*retry_after_s = seconds_until(e->locked_until, now);
		return -1;
	}
	if (e->failures > 0 && e->last_failure_at + LOGIN_MEMORY_MS <= now)
		e->failures = 0;
	/*
	 * Attempts in flight may all fail: never let more run than the
	 * failures left before the next lock (one at a time once locked
	 * before).
	 */
	allowed_inflight = e->failures >= LOGIN_TIER1_FAILURES ? 1 :
	    LOGIN_TIER1_FAILURES - e->failures;
	if (e->inflight >= allowed_inflight) {
		*retry_after_s = 1;
		return -1;
	}
	e->inflight++;
	return 0;
}

static struct entry *
end_attempt(const char *key)
{
	struct entry *e = find(&login_table, key);

	if (e == NULL)
		e = find(&login_table, OVERFLOW_KEY);
	if (e != NULL && e->inflight > 0)
		e->inflight--;
	return e;
}

void
login_limit_failure(const char *key, int64_t now)
{
	struct entry *e = end_attempt(key);

	if (e == NULL)
		e = lookup(&login_table, key, now, true);
	e->failures++;
	e->last_failure_at = now;
	if (e->failures >= LOGIN_TIER3_FAILURES)
		e->locked_until = now + LOGIN_TIER3_LOCK_MS;
	else if (e->failures >= LOGIN_TIER2_FAILURES)
		e->locked_until = now + LOGIN_TIER2_LOCK_MS;
	else if (e->failures >= LOGIN_TIER1_FAILURES)
		e->locked_until = now + LOGIN_TIER1_LOCK_MS;
}

void
login_limit_success(const char *key)
{
	struct entry *e = end_attempt(key);

	if (e != NULL && strcmp(e->key, OVERFLOW_KEY) != 0) {
		e->failures = 0;
		e->last_failure_at = 0;
		e->locked_until = 0;
	}
}

void
login_limit_neutral(const char *key)
{
	end_attempt(key);
}

int
second_factor_limit_check(int64_t now, int *retry_after_s)
{
	if (second_factor.window_start + LOGIN_SECOND_FACTOR_WINDOW_MS <= now) {
		second_factor.window_start = now;
		second_factor.failures = 0;
	}
	if (second_factor.failures >= LOGIN_SECOND_FACTOR_MAX) {
		*retry_after_s = seconds_until(second_factor.window_start +
		    LOGIN_SECOND_FACTOR_WINDOW_MS, now);
		return -1;
	}
	return 0;
}

void
second_factor_limit_failure(int64_t now)
{
	if (second_factor.window_start + LOGIN_SECOND_FACTOR_WINDOW_MS <= now) {
		second_factor.window_start = now;
		second_factor.failures = 0;
	}
	second_factor.failures++;
}

int
api_limit_hit(const char *key, int64_t now, int *retry_after_s)
{
	struct entry *e = lookup(&api_table, key, now, true);

	if (e->window_start + api_window_ms <= now) {
		e->window_start = now;
		e->count = 0;
	}
	if (e->count >= api_max) {
		*retry_after_s = seconds_until(e->window_start + api_window_ms,
		    now);
		return -1;
	}
	e->count++;
	return 0;
}
