/*
 * ratelimit: the in-memory limiters of spec/auth.md §7 and §8, keyed by the
 * real client (origin_client_address()), reset when the daemon restarts.
 *
 * - The login limiter counts failed sign-ins per client and locks the client
 *   out for 15 min after 5 failures, 1 h after 10 and 24 h after 20. Unlike
 *   the reference, the count survives the end of a lock (so the tiers really
 *   escalate) and is forgotten only after a success or 24 h without a
 *   failure. Attempts still being checked (scrypt runs on a worker) count
 *   as failures until they end, so a burst of concurrent guesses cannot
 *   overtake the lock.
 * - The second-factor limiter is global (all clients): once the password is
 *   right, TOTP/recovery guesses are bounded whatever address they come from.
 * - The API limiter is a fixed window per client: CODEPIPER_API_RATE_LIMIT_MAX
 *   requests (default 300) per CODEPIPER_API_RATE_LIMIT_WINDOW_MS (10000).
 *
 * Keys are copied. Memory is bounded: at most RATELIMIT_MAX_KEYS clients are
 * tracked per limiter; past that, stale entries are swept and, if still full,
 * new clients share one overflow entry (they are limited together rather
 * than not at all).
 */
#ifndef CODEPIPER_RATELIMIT_H
#define CODEPIPER_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_MAX_KEYS		4096
#define LOGIN_SECOND_FACTOR_MAX		30		/* failures ... */
#define LOGIN_SECOND_FACTOR_WINDOW_MS	(15 * 60 * 1000)	/* ... per window */

/* Reads the API limiter's environment variables; call once at start. */
void	 ratelimit_init(void);
void	 ratelimit_shutdown(void);

/*
 * Login: before checking a password. Returns 0 and counts the attempt as in
 * flight, or -1 with *retry_after_s when the client is locked out. Every 0
 * must be followed by exactly one of login_limit_failure/_success/_neutral.
 */
int	 login_limit_begin(const char *key, int64_t now, int *retry_after_s);
void	 login_limit_failure(const char *key, int64_t now);
void	 login_limit_success(const char *key);
void	 login_limit_neutral(const char *key);	/* neither (mfaRequired) */

/* The global second-factor limiter: 0 allowed, -1 with *retry_after_s. */
int	 second_factor_limit_check(int64_t now, int *retry_after_s);
void	 second_factor_limit_failure(int64_t now);

/* API: 0 allowed (and counted), -1 with *retry_after_s. */
int	 api_limit_hit(const char *key, int64_t now, int *retry_after_s);

#endif
