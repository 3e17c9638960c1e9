/*
 * A session's pane as a terminal the user scrolls and searches: tmux copy
 * mode behind the terminal routes (sessions.md, "Terminal mode endpoints").
 */
#ifndef CODEPIPER_TERMINAL_H
#define CODEPIPER_TERMINAL_H

#include <stdbool.h>

#include <jansson.h>

#include "session.h"

/* {"mode","cols","rows","scrollPosition","historySize"} or NULL + error. */
void	terminal_info(struct session *s,
	    void (*done)(json_t *info, const char *error, void *arg), void *arg);
void	terminal_set_mode(struct session *s, bool scroll);
/* lines 1..1000 (ignored for page); edge: "top" / "bottom" or NULL. */
void	terminal_scroll(struct session *s, bool up, int lines, bool page,
	    const char *edge);
void	terminal_search(struct session *s, const char *query);
/* "next" | "previous" | "cancel" */
void	terminal_search_action(struct session *s, const char *action);

#endif
