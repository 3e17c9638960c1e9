/*
 * agentd's one tmux control-mode client. agentd runs its own tmux server
 * (-L <name>) and talks to it through a single `tmux -C` process: commands go
 * down one socket, `%begin/%end` replies and `%output`, pane-death and exit
 * notifications come back as events on the loop. No tmux process is spawned
 * per request or per tick.
 *
 * Output of a pane reaches us only when its window is linked into the hub
 * session our control client is attached to (tmux_hub_name()).
 */
#ifndef CODEPIPER_TMUX_H
#define CODEPIPER_TMUX_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

#define TMUX_HUB_SESSION "codepiper-hub"

/* Called with the command's output (lines joined by '\n', NUL-terminated)
 * or, when failed, tmux's error text. ok is false on %error or when the
 * control client went away before the reply. */
typedef void (*tmux_reply_cb)(bool ok, const char *output, void *arg);

struct tmux_events {
	void	(*output)(const char *pane_id, const unsigned char *data,
		    size_t len);
	/* exit_status is -1 while tmux has not reaped the process yet. */
	void	(*pane_dead)(const char *pane_id, int exit_status);
	/* The control client or the tmux server went away. */
	void	(*lost)(void);
};

int	 tmux_start(struct event_base *base, const char *socket_name,
	     const char *config_path, const struct tmux_events *events,
	     char **cause);
void	 tmux_stop(void);
/* Run the loop until every command sent has its reply (or timeout). */
void	 tmux_drain(int timeout_ms);
bool	 tmux_is_running(void);
const char *tmux_socket_name(void);

/* Send one command (never several joined with ";": each would get its own
 * reply block and the replies would no longer pair with their callbacks).
 * cb may be NULL for fire-and-forget. Commands run in order. */
void	 tmux_command(tmux_reply_cb cb, void *arg, const char *fmt, ...)
	     __attribute__((format(printf, 3, 4)));

/* Quote any bytes as one tmux argument: a double-quoted string in which
 * everything but plain characters is an octal escape, so quotes, '$', '~',
 * newlines and invalid UTF-8 all arrive intact. The caller frees. */
char	*tmux_quote(const char *s, size_t len);

/* Decode a %output payload (octal escapes) in place; returns the length. */
size_t	 tmux_unescape_output(char *s, size_t len);

#endif
