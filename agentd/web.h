/*
 * web: the embedded web edge of `agentd --web` (docs/deploy.md). Lays out
 * <data>/web/ (0700), renders the nginx template compiled into agentd into
 * <data>/web/nginx.conf, and has the supervisor run
 *
 *   codepiper-fcgi --socket <data>/web/fcgi.sock --backend <web socket>
 *   codepiper-ws   --socket <data>/web/ws.sock   --backend <web socket>
 *                                        (when that program is built)
 *   nginx -e stderr -p <data>/web/tmp/ -c <data>/web/nginx.conf
 *
 * The programs are looked up next to agentd's executable; nginx is
 * $CODEPIPER_NGINX, else /usr/sbin/nginx, else found on $PATH. The static
 * root is --web-dir, else the dashboard built in the source tree next to
 * the build (nginx/dashboard/dist), else a small placeholder page written to
 * <data>/web/placeholder/.
 *
 * The children get a minimal environment (no secret of agentd's reaches the
 * edge): PATH, HOME, locale, TZ, TMPDIR, sanitizer options, and the
 * CODEPIPER_* settings that describe the web edge (allowed origins, proxy
 * trust, CODEPIPER_WS_*).
 */
#ifndef CODEPIPER_WEB_H
#define CODEPIPER_WEB_H

#include <event2/event.h>

/* Start the web edge; -1 with *cause when it cannot be set up at all. */
int	 web_start(struct event_base *base, char **cause);
/* Stop every child (SIGTERM, then wait). */
void	 web_stop(void);

#endif
