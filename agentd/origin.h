/*
 * origin: what agentd can tell about the browser behind a web request, and
 * the checks based on it (spec/auth.md §9, websocket.md §2).
 *
 * Everything here trusts only what codepiper-fcgi sets itself on the web
 * listener: X-CodePiper-Client-Addr (nginx's REMOTE_ADDR) and
 * X-CodePiper-Scheme. The proxy headers (X-Forwarded-For, X-Real-IP,
 * X-Forwarded-Proto, Forwarded) count only with
 * CODEPIPER_TRUST_PROXY_HEADERS=1 and only when the peer nginx saw is a
 * loopback address, i.e. a reverse proxy on this machine (improvement over
 * the reference, which trusted them from anyone).
 *
 * Configuration is read once by origin_init() from the environment:
 * CODEPIPER_ALLOWED_ORIGINS, CODEPIPER_TRUST_PROXY_HEADERS,
 * CODEPIPER_FORCE_SECURE_COOKIES; and the daemon's --host.
 */
#ifndef CODEPIPER_ORIGIN_H
#define CODEPIPER_ORIGIN_H

#include <stdbool.h>

#include "httpd.h"

void	 origin_init(const char *web_host);
void	 origin_shutdown(void);

/*
 * The client a request comes from, as a rate-limit and audit key: an IP
 * literal for web requests ("unknown" if fcgi did not say), "unix" for the
 * CLI socket. The caller frees.
 */
char	*origin_client_address(struct request *req);

/* Should cookies set in answer to req carry Secure? */
bool	 origin_request_is_secure(struct request *req);

/*
 * The API's CSRF check for a state-changing request (POST, PUT, PATCH,
 * DELETE; others always pass): 0 allowed, or -1 with *error the static
 * message for the 403.
 */
int	 origin_check_csrf(struct request *req, const char **error);

/*
 * DNS-rebinding defence (auth.md §9 improvement): the Host header must name
 * a loopback host, the daemon's --host or an allowed origin. 0 allowed (also
 * when there is no Host), -1 refused.
 */
int	 origin_check_host(struct request *req);

/*
 * The WebSocket upgrade's origin rule: no Origin passes; otherwise its
 * hostname must be localhost, 127.0.0.1, ::1 or allowed. 0, or -1 with
 * *error "Invalid Origin header" / "Origin not allowed".
 */
int	 origin_check_websocket(const char *origin, const char **error);

#endif
