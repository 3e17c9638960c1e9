/*
 * Relaying one FastCGI request from nginx to agentd's web socket and the
 * answer back.
 *
 * A struct relay belongs to one worker thread and owns that thread's
 * persistent HTTP/1.1 connection to agentd (common/unix-http.h), reopened
 * on demand. It holds no other state: no sessions, no secrets, no cache.
 * Request bodies and Cookie/Authorization values are forwarded, never
 * logged.
 */
#ifndef CODEPIPER_FCGI_RELAY_H
#define CODEPIPER_FCGI_RELAY_H

#include <stddef.h>

#include <fcgiapp.h>

/*
 * Largest request body relayed: nginx's client_max_body_size 11m. agentd
 * applies the finer per-route limits (1 MiB, 10 MiB + 1 KiB).
 */
#define RELAY_MAX_REQUEST_BODY	((size_t)11 * 1024 * 1024)

struct relay_config {
	const char	*backend_path;	/* agentd's web socket */
	int		 timeout_ms;	/* one exchange with agentd */
};

struct relay;

/* config must outlive the relay. */
struct relay	*relay_new(const struct relay_config *config);
void		 relay_free(struct relay *relay);
/* Answer request: forward it, or reply with a JSON error. Never fails. */
void		 relay_handle(struct relay *relay, FCGX_Request *request);

#endif
