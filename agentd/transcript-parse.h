/*
 * One line of a Claude Code transcript (JSONL), parsed into what agentd
 * records: the event type, the API usage of assistant lines, the tool calls
 * they make and the tool results user lines carry. Pure: no database, no
 * I/O, so the unit tests and a fuzzer drive it directly.
 *
 * Transcripts are large (tool results and prompt snapshots make lines of
 * tens of kilobytes), so a line is not loaded into a JSON tree: one pass
 * validates it as strict JSON (RFC 8259, valid UTF-8, nesting up to
 * jansson's 2048) and notes where the few members we need are; only those
 * are decoded. The line itself is what gets stored.
 */
#ifndef CODEPIPER_TRANSCRIPT_PARSE_H
#define CODEPIPER_TRANSCRIPT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pricing.h"

struct transcript_tool_use {
	char		*id;		/* tool_use id, or NULL */
	char		*name;		/* never empty */
};

struct transcript_tool_result {
	char		*tool_use_id;
	bool		 is_error;
};

struct transcript_line {
	/* The line's JSON value, without surrounding blanks: borrowed from
	 * the buffer given to transcript_parse_line(). */
	const char	*json;
	size_t		 json_len;
	char		*type;		/* the line's "type", else "unknown" */
	int64_t		 timestamp;	/* its own "timestamp" in ms, or -1 */
	bool		 is_message;	/* a user or assistant line */

	/* Assistant lines with message.usage: one API message's usage. */
	bool		 has_usage;
	char		*message_id;	/* message.id, or NULL */
	char		*model;		/* message.model, else "unknown" */
	struct token_counts usage;

	struct transcript_tool_use	*tool_uses;	/* assistant lines */
	size_t				 ntool_uses;
	struct transcript_tool_result	*tool_results;	/* user lines */
	size_t				 ntool_results;
};

#define TRANSCRIPT_LINE_OK	0
#define TRANSCRIPT_LINE_SKIP	1	/* blank line or a JSON null */
#define TRANSCRIPT_LINE_INVALID	(-1)	/* not JSON; *cause says why */

/*
 * Parse len bytes (one line without its '\n'). On TRANSCRIPT_LINE_OK the
 * caller frees with transcript_line_free(); otherwise nothing is left to
 * free, except *cause (when cause is not NULL) after
 * TRANSCRIPT_LINE_INVALID.
 */
int	 transcript_parse_line(const char *buf, size_t len,
	     struct transcript_line *out, char **cause);
void	 transcript_line_free(struct transcript_line *line);

/* "2026-02-15T10:00:02.422Z" (or with an offset) -> epoch ms; -1 if bad. */
int64_t	 transcript_parse_time(const char *iso);

#endif
