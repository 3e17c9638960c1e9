/*
 * Logging to stderr with a timestamp and a level. The daemon's only log sink:
 * agentd runs under a supervisor or in a terminal, which keeps stderr.
 * Never pass a secret (password, token, cookie, env-set value) to these.
 */
#ifndef CODEPIPER_LOG_H
#define CODEPIPER_LOG_H

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

void	log_set_level(enum log_level level);
void	log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* An invariant broke: log where and abort, so the bug is found, not hidden. */
#define BUG(msg) log_bug(__FILE__, __LINE__, msg)
void	log_bug(const char *file, int line, const char *msg)
	    __attribute__((noreturn));

#endif
