/*
 * Transcript tailing (transcripts-and-analytics.md §3, §4): one tailer per
 * Claude Code session follows its JSONL transcript and records every
 * complete line as an event (source "transcript"), its API usage in
 * token_usage (once per message id) and its tool calls in tool_uses.
 *
 * The path comes from the session (the SessionStart hook sets
 * transcript_path; adoption and resume load it) or, until the hook speaks,
 * from discovery: Claude Code's deterministic
 * $HOME/.claude/projects/<cwd, non-alphanumerics as '-'>/<session id>.jsonl.
 *
 * Reads are driven by inotify (one descriptor, one libevent event): a file
 * that exists is watched; one that does not yet is waited for by watching
 * its nearest existing folder. Nothing polls.
 *
 * Exactly once: the stored offset (transcript_offsets) always points just
 * past a complete line, and it is written in the same transaction as the
 * rows the lines before it produced. A kill -9 at any moment therefore
 * neither loses nor repeats a line; a partial last line is left for the
 * next read. A replaced (other inode) or truncated file is read again from
 * its start; token usage is still counted once thanks to the message ids.
 */
#ifndef CODEPIPER_TRANSCRIPT_H
#define CODEPIPER_TRANSCRIPT_H

#include <stdint.h>

#include <event2/event.h>

/* Register the session listener and the inotify watch. 0 or -1. */
int	 transcripts_init(struct event_base *base);
/*
 * After adoption: read what ended sessions' transcripts gained while agentd
 * was down (an agent that exited then), then forget them.
 */
void	 transcripts_catch_up(void);
void	 transcripts_shutdown(void);

/* Claude Code's transcript path for a working folder and its session id,
 * under $CLAUDE_CONFIG_DIR or $HOME/.claude. The caller frees. */
char	*transcript_claude_path(const char *cwd,
	     const char *claude_session_id);

struct transcript_stats {
	int64_t	lines;		/* complete lines consumed */
	int64_t	bytes;		/* bytes consumed (offset gained) */
	int64_t	usage_rows;	/* lines that carried API usage */
};

/*
 * Read path for session_id from its stored offset to the last complete line,
 * now, without watching (tests, benchmarks). The session row must exist.
 * 0, or -1 on a database or file error. stats may be NULL.
 */
int	 transcript_ingest_file(const char *session_id, const char *path,
	     struct transcript_stats *stats);

#endif
