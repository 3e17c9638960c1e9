#include "shell-split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/*
 * Deeper nesting of substitutions and `bash -c` than this is not something an
 * agent writes by accident; refusing it also bounds the recursion.
 */
#define SHELL_SPLIT_MAX_DEPTH	16

struct split {
	char	**parts;
	size_t	  count;
	size_t	  cap;
};

struct text {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

struct words {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static int	split_string(struct split *, const char *, size_t, int);
static int	split_list(struct split *, const char *, size_t, size_t *, int,
		    int);
static int	scan_backtick(struct split *, const char *, size_t, size_t *,
		    int);
static int	scan_parameter(struct split *, const char *, size_t, size_t *,
		    int);

/* Reserved words that may open a command; the command proper follows. */
static const char *const opening_words[] = {
	"!", "if", "then", "else", "elif", "do", "while", "until", NULL
};

/* Reserved words that close a compound command; nothing runs from them. */
static const char *const closing_words[] = {
	"}", "fi", "done", "esac", NULL
};

static const char *const shell_names[] = {
	"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", NULL
};

/*
 * Commands that run the rest of their arguments as a command, so that
 * `sudo -u root bash -c '...'` is looked into as well; with the letters of
 * their short options that take the next word as an argument.
 */
static const struct wrapper {
	const char	*name;
	const char	*options_with_argument;
} wrappers[] = {
	{ "env", "uCS" },
	{ "sudo", "ugCDhprtTU" },
	{ "exec", "a" },
	{ "nohup", "" },
	{ "command", "" },
	{ "builtin", "" },
	{ "nice", "n" },
	{ "xargs", "adEILnPs" },
	{ NULL, NULL }
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
word_in(const char *word, size_t len, const char *const *list)
{
	size_t	i;

	for (i = 0; list[i] != NULL; i++) {
		if (strlen(list[i]) == len && memcmp(list[i], word, len) == 0)
			return 1;
	}
	return 0;
}

static void
text_add(struct text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = t->len + n + 1 < 64 ? 64 : (t->len + n + 1) * 2;
		t->s = xrealloc(t->s, t->cap);
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void
text_add_char(struct text *t, char c)
{
	text_add(t, &c, 1);
}

static void
split_insert(struct split *sp, size_t at, char *part)
{
	if (sp->count == sp->cap) {
		sp->cap = sp->cap == 0 ? 8 : sp->cap * 2;
		sp->parts = xreallocarray(sp->parts, sp->cap,
		    sizeof *sp->parts);
	}
	memmove(&sp->parts[at + 1], &sp->parts[at],
	    (sp->count - at) * sizeof *sp->parts);
	sp->parts[at] = part;
	sp->count++;
}

static void
words_push(struct words *w, struct text *t)
{
	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 8 : w->cap * 2;
		w->v = xreallocarray(w->v, w->cap, sizeof *w->v);
	}
	w->v[w->n++] = t->s != NULL ? t->s : xstrdup("");
	memset(t, 0, sizeof *t);
}

static void
words_free(struct words *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
}

/*
 * The words of one simple command with quotes and escapes removed, the way
 * the shell hands them to the program.  Expansions are left as written.
 */
static int
shell_words(const char *s, struct words *w)
{
	struct text	 t = { 0 };
	const char	*q;
	size_t		 len = strlen(s), i = 0;
	int		 in_word = 0;
	char		 c;

	while (i < len) {
		c = s[i];
		if (is_blank(c)) {
			if (in_word)
				words_push(w, &t);
			in_word = 0;
			i++;
			continue;
		}
		in_word = 1;
		if (c == '\\') {
			if (i + 1 < len && s[i + 1] != '\n')
				text_add_char(&t, s[i + 1]);
			i += 2;
		} else if (c == '\'') {
			if ((q = memchr(s + i + 1, '\'', len - i - 1)) == NULL)
				goto fail;
			text_add(&t, s + i + 1, q - (s + i + 1));
			i = q - s + 1;
		} else if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len &&
				    strchr("\\\"$`\n", s[i + 1]) != NULL) {
					if (s[i + 1] != '\n')
						text_add_char(&t, s[i + 1]);
					i++;
					continue;
				}
				text_add_char(&t, s[i]);
			}
			if (i >= len)
				goto fail;
			i++;
		} else if (c == '$' && i + 1 < len && s[i + 1] == '\'') {
			for (i += 2; i < len && s[i] != '\''; i++) {
				if (s[i] != '\\' || i + 1 >= len) {
					text_add_char(&t, s[i]);
					continue;
				}
				switch (s[++i]) {
				case 'n':
					text_add_char(&t, '\n');
					break;
				case 't':
					text_add_char(&t, '\t');
					break;
				case 'r':
					text_add_char(&t, '\r');
					break;
				case '\\':
				case '\'':
				case '"':
					text_add_char(&t, s[i]);
					break;
				default:
					text_add_char(&t, '\\');
					text_add_char(&t, s[i]);
					break;
				}
			}
			if (i >= len)
				goto fail;
			i++;
		} else {
			text_add_char(&t, c);
			i++;
		}
	}
	if (in_word)
		words_push(w, &t);
	return 0;

fail:
	/* Nothing half-split is handed back: the caller owns no words. */
	free(t.s);
	words_free(w);
	memset(w, 0, sizeof *w);
	return -1;
}

static int
is_assignment(const char *word)
{
	const char	*p = word;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	    *p == '_'))
		return 0;
	for (p++; *p != '\0' && *p != '='; p++) {
		if (*p == '+' && p[1] == '=')
			continue;
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	}
	return *p == '=';
}

static const struct wrapper *
find_wrapper(const char *word)
{
	size_t	i;

	for (i = 0; wrappers[i].name != NULL; i++) {
		if (strcmp(wrappers[i].name, word) == 0)
			return &wrappers[i];
	}
	return NULL;
}

static int
is_shell(const char *word)
{
	const char	*base = strrchr(word, '/');

	base = base != NULL ? base + 1 : word;
	return word_in(base, strlen(base), shell_names);
}

/*
 * `bash -c STRING`, `sh -lc STRING`, `eval WORDS`: the string is a command
 * line of its own, so split it too and add its parts after the outer one.
 */
static int
split_nested_shell(struct split *sp, const char *part, int depth)
{
	const struct wrapper	*wr;
	struct words		 w = { 0 };
	struct text		 joined = { 0 };
	const char		*o, *p;
	size_t			 k = 0, i;
	int			 has_c = 0, takes, rc = 0;

	if (shell_words(part, &w) != 0)
		return -1;
	while (k < w.n && is_assignment(w.v[k]))
		k++;
	while (k < w.n && (wr = find_wrapper(w.v[k])) != NULL) {
		for (k++; k < w.n; k++) {
			o = w.v[k];
			if (is_assignment(o))
				continue;
			if (o[0] != '-')
				break;
			if (o[1] != '\0' && o[2] == '\0' &&
			    strchr(wr->options_with_argument, o[1]) != NULL)
				k++;
		}
	}
	if (k < w.n && strcmp(w.v[k], "eval") == 0) {
		for (i = k + 1; i < w.n; i++) {
			if (i > k + 1)
				text_add_char(&joined, ' ');
			text_add(&joined, w.v[i], strlen(w.v[i]));
		}
		if (joined.s != NULL)
			rc = split_string(sp, joined.s, joined.len, depth + 1);
		free(joined.s);
	} else if (k < w.n && is_shell(w.v[k])) {
		for (k++; k < w.n; k++) {
			o = w.v[k];
			if (o[0] != '-' && o[0] != '+')
				break;
			if (strcmp(o, "-") == 0 || strcmp(o, "--") == 0) {
				k++;
				break;
			}
			if (o[1] == '-') {
				if (strcmp(o, "--rcfile") == 0 ||
				    strcmp(o, "--init-file") == 0)
					k++;
				continue;
			}
			/* -o NAME and -O NAME take the next word. */
			takes = 0;
			for (p = o + 1; *p != '\0'; p++) {
				if (*p == 'c')
					has_c = 1;
				if (*p == 'o' || *p == 'O')
					takes++;
			}
			k += takes;
		}
		if (has_c && k < w.n)
			rc = split_string(sp, w.v[k], strlen(w.v[k]), depth + 1);
	}
	words_free(&w);
	return rc;
}

/*
 * A closing reserved word alone or followed by redirections ends a compound
 * command and runs nothing; anything else after it stays a part to judge.
 */
static int
only_closes(const char *p, const char *e)
{
	while (p < e && !is_blank(*p))
		p++;
	while (p < e && is_blank(*p))
		p++;
	if (p == e || *p == '<' || *p == '>')
		return 1;
	if (*p == '&' && p + 1 < e && p[1] == '>')
		return 1;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	return p < e && (*p == '<' || *p == '>');
}

static size_t
first_word_length(const char *p, const char *e)
{
	const char	*q = p;

	while (q < e && !is_blank(*q))
		q++;
	return q - p;
}

static int
finish_part(struct split *sp, const char *s, size_t start, size_t end,
    size_t slot, int group, int depth)
{
	const char	*p = s + start, *e = s + end;
	char		*part;
	size_t		 n;

	/* A ( ) group is no command itself; its parts were added inside. */
	if (group)
		return 0;
	for (;;) {
		while (p < e && is_blank(*p))
			p++;
		while (e > p && is_blank(e[-1]))
			e--;
		n = first_word_length(p, e);
		if (n == 0 || !word_in(p, n, opening_words))
			break;
		p += n;
	}
	if (p == e)
		return 0;
	if (word_in(p, first_word_length(p, e), closing_words) &&
	    only_closes(p, e))
		return 0;
	part = xstrndup(p, e - p);
	split_insert(sp, slot, part);
	return split_nested_shell(sp, part, depth);
}

/* Inside "...": only $( ), ${ } and backticks matter, and \ escapes. */
static int
scan_double(struct split *sp, const char *s, size_t len, size_t *ip,
    int depth)
{
	size_t	i = *ip + 1;

	while (i < len) {
		switch (s[i]) {
		case '"':
			*ip = i + 1;
			return 0;
		case '\\':
			if (i + 1 >= len)
				return -1;
			i += 2;
			break;
		case '`':
			if (scan_backtick(sp, s, len, &i, depth + 1) != 0)
				return -1;
			break;
		case '$':
			if (i + 1 < len && s[i + 1] == '(') {
				i += 2;
				if (split_list(sp, s, len, &i, ')', depth + 1) != 0)
					return -1;
			} else if (i + 1 < len && s[i + 1] == '{') {
				if (scan_parameter(sp, s, len, &i, depth + 1) != 0)
					return -1;
			} else
				i++;
			break;
		default:
			i++;
			break;
		}
	}
	return -1;
}

/*
 * `...`: the old form of $( ).  Backslash quotes ` \ and $ inside it, so the
 * body is unescaped first and then split as a command line of its own.
 */
static int
scan_backtick(struct split *sp, const char *s, size_t len, size_t *ip,
    int depth)
{
	struct text	t = { 0 };
	size_t		i = *ip + 1;
	int		rc;

	while (i < len && s[i] != '`') {
		if (s[i] == '\\' && i + 1 < len) {
			if (s[i + 1] != '`' && s[i + 1] != '\\' && s[i + 1] != '$')
				text_add_char(&t, '\\');
			text_add_char(&t, s[i + 1]);
			i += 2;
			continue;
		}
		text_add_char(&t, s[i++]);
	}
	if (i >= len) {
		free(t.s);
		return -1;
	}
	rc = t.s != NULL ? split_string(sp, t.s, t.len, depth) : 0;
	free(t.s);
	*ip = i + 1;
	return rc;
}

/* ${ ... }: quotes and substitutions inside it still run. */
static int
scan_parameter(struct split *sp, const char *s, size_t len, size_t *ip,
    int depth)
{
	const char	*q;
	size_t		 i = *ip + 2;

	if (depth > SHELL_SPLIT_MAX_DEPTH)
		return -1;
	while (i < len) {
		switch (s[i]) {
		case '}':
			*ip = i + 1;
			return 0;
		case '\\':
			if (i + 1 >= len)
				return -1;
			i += 2;
			break;
		case '\'':
			if ((q = memchr(s + i + 1, '\'', len - i - 1)) == NULL)
				return -1;
			i = q - s + 1;
			break;
		case '"':
			if (scan_double(sp, s, len, &i, depth) != 0)
				return -1;
			break;
		case '`':
			if (scan_backtick(sp, s, len, &i, depth + 1) != 0)
				return -1;
			break;
		case '$':
			if (i + 1 < len && s[i + 1] == '(') {
				i += 2;
				if (split_list(sp, s, len, &i, ')', depth + 1) != 0)
					return -1;
			} else if (i + 1 < len && s[i + 1] == '{') {
				if (scan_parameter(sp, s, len, &i, depth + 1) != 0)
					return -1;
			} else
				i++;
			break;
		default:
			i++;
			break;
		}
	}
	return -1;
}

/* $'...': backslash escapes, including \'. */
static int
scan_ansi_quote(const char *s, size_t len, size_t *ip)
{
	size_t	i = *ip + 2;

	while (i < len) {
		if (s[i] == '\\') {
			i += 2;
			continue;
		}
		if (s[i] == '\'') {
			*ip = i + 1;
			return 0;
		}
		i++;
	}
	return -1;
}

/*
 * Split the command list that starts at *pos.  closer is 0 for a whole
 * string, ')' for the inside of $( ), ( ), <( ) and >( ).  The part being
 * read is inserted at the index it started at, so a command comes before the
 * commands found inside its substitutions.
 */
static int
split_list(struct split *sp, const char *s, size_t len, size_t *pos,
    int closer, int depth)
{
	const char	*q;
	size_t		 i = *pos, start = i, cut = SIZE_MAX, slot = sp->count;
	size_t		 separator;
	int		 word_start = 1, command_start = 1, group = 0;
	int		 redirect = 0;

	if (depth > SHELL_SPLIT_MAX_DEPTH)
		return -1;

	while (i < len) {
		separator = 0;
		switch (s[i]) {
		case ')':
			if (closer != ')')
				return -1;
			if (finish_part(sp, s, start, cut != SIZE_MAX ? cut : i,
			    slot, group, depth) != 0)
				return -1;
			*pos = i + 1;
			return 0;
		case ' ':
		case '\t':
		case '\r':
			i++;
			word_start = 1;
			redirect = 0;
			continue;
		case '\n':
			separator = 1;
			break;
		case ';':
			/* ; and the case terminators ;; ;& ;;& */
			separator = 1;
			if (i + 1 < len && (s[i + 1] == ';' || s[i + 1] == '&'))
				separator = 2;
			if (separator == 2 && s[i + 1] == ';' && i + 2 < len &&
			    s[i + 2] == '&')
				separator = 3;
			break;
		case '&':
			/* >& <& and &> &>> are redirections, not separators. */
			if (redirect || (i + 1 < len && s[i + 1] == '>')) {
				i++;
				word_start = command_start = redirect = 0;
				continue;
			}
			separator = i + 1 < len && s[i + 1] == '&' ? 2 : 1;
			break;
		case '|':
			/* >| is a redirection; || and |& are separators. */
			if (redirect) {
				i++;
				word_start = command_start = redirect = 0;
				continue;
			}
			separator = 1;
			if (i + 1 < len && (s[i + 1] == '|' || s[i + 1] == '&'))
				separator = 2;
			break;
		case '#':
			if (!word_start)
				break;
			if (cut == SIZE_MAX)
				cut = i;
			while (i < len && s[i] != '\n')
				i++;
			continue;
		case '{':
			/*
			 * A lone { opens a group (or a function body): what
			 * follows is a command of its own.
			 */
			if (word_start && (i + 1 == len || is_blank(s[i + 1])))
				separator = 1;
			break;
		case '\\':
			if (i + 1 >= len)
				return -1;
			i += 2;
			word_start = command_start = redirect = 0;
			continue;
		case '\'':
			if ((q = memchr(s + i + 1, '\'', len - i - 1)) == NULL)
				return -1;
			i = q - s + 1;
			word_start = command_start = redirect = 0;
			continue;
		case '"':
			if (scan_double(sp, s, len, &i, depth) != 0)
				return -1;
			word_start = command_start = redirect = 0;
			continue;
		case '`':
			if (scan_backtick(sp, s, len, &i, depth + 1) != 0)
				return -1;
			word_start = command_start = redirect = 0;
			continue;
		case '$':
			if (i + 1 < len && s[i + 1] == '(') {
				i += 2;
				if (split_list(sp, s, len, &i, ')', depth + 1) != 0)
					return -1;
			} else if (i + 1 < len && s[i + 1] == '{') {
				if (scan_parameter(sp, s, len, &i, depth + 1) != 0)
					return -1;
			} else if (i + 1 < len && s[i + 1] == '\'') {
				if (scan_ansi_quote(s, len, &i) != 0)
					return -1;
			} else if (i + 1 < len && s[i + 1] == '"') {
				i++;
				if (scan_double(sp, s, len, &i, depth) != 0)
					return -1;
			} else
				i++;
			word_start = command_start = redirect = 0;
			continue;
		case '(':
			if (command_start)
				group = 1;
			i++;
			if (split_list(sp, s, len, &i, ')', depth + 1) != 0)
				return -1;
			word_start = command_start = redirect = 0;
			continue;
		case '<':
			if (i + 1 < len && s[i + 1] == '<') {
				/* <<< is a here-string; << starts a heredoc. */
				if (i + 2 < len && s[i + 2] == '<') {
					i += 3;
					word_start = command_start = 0;
					redirect = 0;
					continue;
				}
				return -1;
			}
			/* FALLTHROUGH */
		case '>':
			i++;
			word_start = command_start = 0;
			redirect = 1;
			continue;
		default:
			break;
		}
		if (separator == 0) {
			i++;
			word_start = command_start = redirect = 0;
			continue;
		}
		if (finish_part(sp, s, start, cut != SIZE_MAX ? cut : i, slot,
		    group, depth) != 0)
			return -1;
		i += separator;
		start = i;
		cut = SIZE_MAX;
		slot = sp->count;
		group = redirect = 0;
		word_start = command_start = 1;
	}
	if (closer != 0)
		return -1;
	if (finish_part(sp, s, start, cut != SIZE_MAX ? cut : len, slot, group,
	    depth) != 0)
		return -1;
	*pos = i;
	return 0;
}

static int
split_string(struct split *sp, const char *s, size_t len, int depth)
{
	size_t	pos = 0;

	return split_list(sp, s, len, &pos, 0, depth);
}

int
shell_split(const char *command, char ***out_parts, size_t *out_count)
{
	struct split	sp = { 0 };

	*out_parts = NULL;
	*out_count = 0;
	if (command == NULL)
		return -1;
	if (split_string(&sp, command, strlen(command), 0) != 0) {
		shell_split_free(sp.parts, sp.count);
		return -1;
	}
	*out_parts = sp.parts;
	*out_count = sp.count;
	return 0;
}

void
shell_split_free(char **parts, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++)
		free(parts[i]);
	free(parts);
}
