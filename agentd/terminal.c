#include "terminal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "tmux.h"
#include "util.h"
#include "xmalloc.h"

struct info_ctx {
	void	(*done)(json_t *, const char *, void *);
	void	*arg;
};

static void
info_reply(bool ok, const char *out, void *arg)
{
	struct info_ctx *ctx = arg;
	int in_mode, scroll, history, cols, rows, searching;

	if (!ok || sscanf(out, "%d:%d:%d:%d:%d:%d", &in_mode, &scroll, &history,
	    &cols, &rows, &searching) != 6)
		ctx->done(NULL, ok ? "Unexpected reply from tmux" : out, ctx->arg);
	else
		ctx->done(json_pack("{s:s,s:i,s:i,s:i,s:i}", "mode",
		    !in_mode ? "interactive" : searching ? "search" : "scroll",
		    "cols", cols, "rows", rows, "scrollPosition", scroll,
		    "historySize", history), NULL, ctx->arg);
	free(ctx);
}

void
terminal_info(struct session *s, void (*done)(json_t *, const char *, void *),
    void *arg)
{
	struct info_ctx *ctx = xcalloc(1, sizeof *ctx);

	ctx->done = done;
	ctx->arg = arg;
	tmux_command(info_reply, ctx, "display-message -p -t %s "
	    "\"#{pane_in_mode}:#{?scroll_position,#{scroll_position},0}:"
	    "#{history_size}:#{pane_width}:#{pane_height}:"
	    "#{?search_present,1,0}\"", s->pane_id);
}

static void
publish_mode(struct session *s, const char *mode)
{
	char stamp[ISO_TIME_LEN], *topic = xprintf("session:%s:events", s->id);

	broadcast_publish(topic, json_pack("{s:s,s:s,s:s,s:s}", "type",
	    "terminal_mode_change", "sessionId", s->id, "mode", mode,
	    "timestamp", iso_time(now_ms(), stamp)));
	free(topic);
}

void
terminal_set_mode(struct session *s, bool scroll)
{
	if (scroll)
		tmux_command(NULL, NULL, "copy-mode -t %s", s->pane_id);
	else
		tmux_command(NULL, NULL, "if-shell -F -t %s \"#{pane_in_mode}\" "
		    "\"send-keys -t %s -X cancel\"", s->pane_id, s->pane_id);
	publish_mode(s, scroll ? "scroll" : "interactive");
}

void
terminal_scroll(struct session *s, bool up, int lines, bool page,
    const char *edge)
{
	if (edge != NULL && strcmp(edge, "bottom") == 0) {
		terminal_set_mode(s, false);
		return;
	}
	tmux_command(NULL, NULL, "copy-mode -t %s", s->pane_id);
	if (edge != NULL)
		tmux_command(NULL, NULL, "send-keys -t %s -X history-top", s->pane_id);
	else if (page)
		tmux_command(NULL, NULL, "send-keys -t %s -X %s", s->pane_id,
		    up ? "page-up" : "page-down");
	else
		tmux_command(NULL, NULL, "send-keys -t %s -X -N %d %s", s->pane_id,
		    lines, up ? "scroll-up" : "scroll-down");
	publish_mode(s, "scroll");
}

void
terminal_search(struct session *s, const char *query)
{
	char *quoted = tmux_quote(query, strlen(query));

	tmux_command(NULL, NULL, "copy-mode -t %s", s->pane_id);
	/* search-backward-text: the query is literal, no regex to escape. */
	tmux_command(NULL, NULL, "send-keys -t %s -X search-backward-text %s",
	    s->pane_id, quoted);
	free(quoted);
	publish_mode(s, "search");
}

void
terminal_search_action(struct session *s, const char *action)
{
	if (strcmp(action, "cancel") == 0) {
		terminal_set_mode(s, false);
		return;
	}
	tmux_command(NULL, NULL, "send-keys -t %s -X %s", s->pane_id,
	    strcmp(action, "next") == 0 ? "search-again" : "search-reverse");
}
