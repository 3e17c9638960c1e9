/*
 * Key names of POST /sessions/:id/keys mapped to tmux key names
 * (sessions.md, the keys table). Upper-case single letters stay upper-case
 * so they can be typed (an improvement over the reference, which lowercases).
 */
#ifndef CODEPIPER_KEYS_H
#define CODEPIPER_KEYS_H

/* The tmux key name for an API key name; the caller frees. NULL when the
 * name is empty after trimming. */
char	*key_to_tmux(const char *name);

#endif
