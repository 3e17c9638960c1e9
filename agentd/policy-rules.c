#include "policy-rules.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell-split.h"
#include "xmalloc.h"

/*
 * Patterns are compiled into a small program for a backtracking matcher
 * with a (instruction, position) memo, so a pattern costs at most
 * instructions x value-length steps per star instead of exponential time.
 * The compiler follows picomatch 2 (micromatch 4) with {bash: true}: it
 * takes the same three routes picomatch takes (a plain-text fast path, a
 * handful of fixed shapes, and the full parser) because each route gives `*`
 * slightly different dot and slash rules, and the observed vectors in
 * hooks-and-policies.md §5.3 depend on those differences.
 */

/* picomatch refuses longer patterns (it throws; the reference then fails). */
#define GLOB_MAX_PATTERN	65536
#define GLOB_MAX_NESTING	32
/* Recursion guard of the matcher; past it a pattern does not match. */
#define GLOB_MAX_DEPTH		2000

enum glob_op {
	GLOB_LIT,	/* pool[x .. x+y) */
	GLOB_QMARK,	/* one character, not '/' (GLOB_F_NODOT: nor '.') */
	GLOB_CLASS,	/* one character in classes[x] */
	GLOB_STAR,	/* any run, limits in flags */
	GLOB_NODOT,	/* the next character is not '.' */
	GLOB_ONE,	/* a next character exists and is not a line break */
	GLOB_END,	/* at the end of the value */
	GLOB_SPLIT,	/* try pc+x, then pc+y */
	GLOB_JMP,	/* continue at pc+x */
	GLOB_NOT,	/* fail if pc+x reaches GLOB_FOUND, else continue at pc+y */
	GLOB_FOUND,	/* end of a lookahead body */
	GLOB_MATCH,	/* end of the pattern: matched if at end of value */
	GLOB_FAIL
};

#define GLOB_F_NODOT	0x01
#define GLOB_F_SEGMENT	0x02	/* star: not a leading '.', not a '/' before '.' */
#define GLOB_F_NOSLASH	0x04	/* star: [^/]*? (line breaks allowed) */

struct glob_insn {
	uint8_t		op;
	uint8_t		flags;
	int32_t		x;
	int32_t		y;
};

struct glob_class {
	int		 negated;
	uint32_t	*ranges;	/* lo, hi pairs, inclusive */
	size_t		 nranges;
};

struct glob {
	char			*source;
	int			 negated;
	struct glob_insn	*code;
	size_t			 ncode;
	char			*pool;
	size_t			 pool_len;
	size_t			 pool_cap;
	struct glob_class	*classes;
	size_t			 nclasses;
	int			 branches;
	/* picomatch's regex would not compile: it then matches nothing. */
	int			 never;
};

/* Code being built; jumps are relative, so fragments move freely. */
struct frag {
	struct glob_insn	*code;
	size_t			 n;
	size_t			 cap;
};

/* picomatch's token types, as far as its decisions look at them. */
enum glob_token {
	TOKEN_BOS,
	TOKEN_SLASH,
	TOKEN_TEXT,
	TOKEN_DOT,
	TOKEN_STAR,
	TOKEN_GLOBSTAR,
	TOKEN_QMARK,
	TOKEN_BRACKET,
	TOKEN_OPEN,
	TOKEN_CLOSE,
	TOKEN_BRACE,
	TOKEN_COMMA,
	TOKEN_PLUS,
	TOKEN_AT
};

struct glob_parser {
	struct glob	*g;
	const char	*p;
	size_t		 len;
	size_t		 i;
	enum glob_token	 hist[3];	/* previous token, the one before ... */
	int		 emitted;	/* any output yet (extglob one-char rule) */
	int		 never;		/* picomatch would build an invalid regex */
	int		 parens;
	int		 nesting;
	int		 too_deep;
	/* What the last ')' closed: '(' or '@' a group, else the extglob. */
	char		 closed;
	/*
	 * no_close[i]: the '(' at i was tried and never closes.  Without it
	 * nested unclosed parentheses retry each other exponentially.
	 */
	uint8_t		*no_close;
};

struct glob_state {
	size_t		i;
	enum glob_token	hist[3];
	int		emitted;
	int		parens;
};

struct policy_pattern {
	int		 has_empty;
	struct glob	**positive;
	size_t		 npositive;
	struct glob	**negative;
	size_t		 nnegative;
};

struct rule_arg {
	char			*key;
	struct policy_pattern	*pattern;
};

struct compiled_rule {
	char			*id;
	char			*action;
	enum policy_action	 decision;
	char			*reason;
	/* Set when a stored rule cannot be used: evaluation stops there. */
	char			*invalid;
	struct policy_pattern	*tool;
	struct policy_pattern	*cwd;
	struct policy_pattern	*session;
	struct rule_arg		*args;
	size_t			 nargs;
	int			 has_command;
};

struct compiled_policy {
	char			*id;
	char			*session_id;
	json_int_t		 priority;
	size_t			 order;
	struct compiled_rule	*rules;
	size_t			 nrules;
};

struct policy_set_compiled {
	struct compiled_policy	*policies;
	size_t			 count;
};

static void	parse_alternatives(struct glob_parser *, int, int, struct frag *,
		    int *, int *);
static void	glob_free(struct glob *);

/* ---------------------------------------------------------------------- */
/* Fragments */

static void
frag_emit(struct frag *f, int op, int flags, int32_t x, int32_t y)
{
	if (f->n == f->cap) {
		f->cap = f->cap == 0 ? 16 : f->cap * 2;
		f->code = xreallocarray(f->code, f->cap, sizeof *f->code);
	}
	f->code[f->n].op = op;
	f->code[f->n].flags = flags;
	f->code[f->n].x = x;
	f->code[f->n].y = y;
	f->n++;
}

static void
frag_append(struct frag *dst, const struct frag *src)
{
	size_t	i;

	for (i = 0; i < src->n; i++) {
		frag_emit(dst, src->code[i].op, src->code[i].flags,
		    src->code[i].x, src->code[i].y);
	}
}

static void
frag_free(struct frag *f)
{
	free(f->code);
	memset(f, 0, sizeof *f);
}

/* Move dst[from ..] into a fragment of its own. */
static void
frag_cut(struct frag *dst, size_t from, struct frag *out)
{
	size_t	i;

	memset(out, 0, sizeof *out);
	for (i = from; i < dst->n; i++) {
		frag_emit(out, dst->code[i].op, dst->code[i].flags,
		    dst->code[i].x, dst->code[i].y);
	}
	dst->n = from;
}

/* alts[0] | alts[1] | ...; consumes the alternatives. */
static void
frag_alternation(struct frag *out, struct frag *alts, size_t count)
{
	size_t	total = 0, base, i;

	for (i = 0; i < count; i++)
		total += alts[i].n + (i + 1 < count ? 2 : 0);
	base = out->n;
	for (i = 0; i < count; i++) {
		if (i + 1 < count) {
			frag_emit(out, GLOB_SPLIT, 0, 1, (int32_t)alts[i].n + 2);
			frag_append(out, &alts[i]);
			frag_emit(out, GLOB_JMP, 0,
			    (int32_t)(base + total - out->n), 0);
		} else
			frag_append(out, &alts[i]);
		frag_free(&alts[i]);
	}
}

static void
frag_optional(struct frag *out, struct frag *body)
{
	frag_emit(out, GLOB_SPLIT, 0, 1, (int32_t)body->n + 1);
	frag_append(out, body);
	frag_free(body);
}

static void
frag_repeat(struct frag *out, struct frag *body, int at_least_once)
{
	size_t	start = out->n;

	if (at_least_once) {
		frag_append(out, body);
		frag_emit(out, GLOB_SPLIT, 0, -(int32_t)body->n, 1);
	} else {
		frag_emit(out, GLOB_SPLIT, 0, 1, (int32_t)body->n + 2);
		frag_append(out, body);
		frag_emit(out, GLOB_JMP, 0, -(int32_t)(out->n - start), 0);
	}
	frag_free(body);
}

/* ---------------------------------------------------------------------- */
/* Pattern building blocks */

static int32_t
glob_pool_add(struct glob *g, const char *s, size_t n)
{
	size_t	at = g->pool_len;

	if (g->pool_len + n > g->pool_cap) {
		g->pool_cap = (g->pool_len + n) * 2 + 16;
		g->pool = xrealloc(g->pool, g->pool_cap);
	}
	memcpy(g->pool + g->pool_len, s, n);
	g->pool_len += n;
	return (int32_t)at;
}

static void
emit_literal(struct glob_parser *gp, struct frag *f, const char *s, size_t n)
{
	if (n == 0)
		return;
	frag_emit(f, GLOB_LIT, 0, glob_pool_add(gp->g, s, n), (int32_t)n);
	gp->emitted = 1;
}

static void
emit_star(struct frag *f, int flags)
{
	frag_emit(f, GLOB_STAR, flags, 0, 0);
}

/* picomatch's globstar: (?:(?!(?:^|\/)\.).)*? */
static void
emit_segment_star(struct frag *f)
{
	emit_star(f, GLOB_F_SEGMENT);
}

static void
emit_maybe_slash(struct glob_parser *gp, struct frag *f)
{
	struct frag	slash = { 0 };

	emit_literal(gp, &slash, "/", 1);
	frag_optional(f, &slash);
}

static void
push_token(struct glob_parser *gp, enum glob_token t)
{
	gp->hist[2] = gp->hist[1];
	gp->hist[1] = gp->hist[0];
	gp->hist[0] = t;
}

static void
save_state(const struct glob_parser *gp, struct glob_state *st)
{
	st->i = gp->i;
	memcpy(st->hist, gp->hist, sizeof st->hist);
	st->emitted = gp->emitted;
	st->parens = gp->parens;
}

static void
restore_state(struct glob_parser *gp, const struct glob_state *st)
{
	gp->i = st->i;
	memcpy(gp->hist, st->hist, sizeof gp->hist);
	gp->emitted = st->emitted;
	gp->parens = st->parens;
}

static int
is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static size_t
utf8_length(const unsigned char *s, size_t len)
{
	size_t	need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 1;
	if (need > len)
		return 1;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	}
	return need;
}

static uint32_t
utf8_decode(const unsigned char *s, size_t len, size_t *n)
{
	uint32_t	c;
	size_t		i;

	*n = utf8_length(s, len);
	if (*n == 1)
		return s[0];
	c = s[0] & (0xff >> (*n + 1));
	for (i = 1; i < *n; i++)
		c = (c << 6) | (s[i] & 0x3f);
	return c;
}

/* ---------------------------------------------------------------------- */
/* Bracket expressions */

struct class_builder {
	uint32_t	*ranges;
	size_t		 n;
	size_t		 cap;
};

static void
class_add(struct class_builder *cb, uint32_t lo, uint32_t hi)
{
	if (cb->n + 2 > cb->cap) {
		cb->cap = cb->cap == 0 ? 16 : cb->cap * 2;
		cb->ranges = xreallocarray(cb->ranges, cb->cap,
		    sizeof *cb->ranges);
	}
	cb->ranges[cb->n++] = lo;
	cb->ranges[cb->n++] = hi;
}

/* picomatch's POSIX_REGEX_SOURCE, as ranges. */
static int
class_add_posix(struct class_builder *cb, const char *name, size_t n)
{
	static const char	 punct[] = "-!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}~";
	const char		*p;

#define IS(s)	(n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
	if (IS("alnum") || IS("alpha") || IS("word")) {
		class_add(cb, 'a', 'z');
		class_add(cb, 'A', 'Z');
		if (!IS("alpha"))
			class_add(cb, '0', '9');
		if (IS("word"))
			class_add(cb, '_', '_');
	} else if (IS("ascii"))
		class_add(cb, 0, 0x7f);
	else if (IS("blank")) {
		class_add(cb, ' ', ' ');
		class_add(cb, '\t', '\t');
	} else if (IS("cntrl")) {
		class_add(cb, 0, 0x1f);
		class_add(cb, 0x7f, 0x7f);
	} else if (IS("digit"))
		class_add(cb, '0', '9');
	else if (IS("graph"))
		class_add(cb, 0x21, 0x7e);
	else if (IS("lower"))
		class_add(cb, 'a', 'z');
	else if (IS("print"))
		class_add(cb, 0x20, 0x7e);
	else if (IS("punct")) {
		for (p = punct; *p != '\0'; p++)
			class_add(cb, (unsigned char)*p, (unsigned char)*p);
	} else if (IS("space")) {
		class_add(cb, '\t', '\r');
		class_add(cb, ' ', ' ');
	} else if (IS("upper"))
		class_add(cb, 'A', 'Z');
	else if (IS("xdigit")) {
		class_add(cb, 'A', 'F');
		class_add(cb, 'a', 'f');
		class_add(cb, '0', '9');
	} else
		return -1;
#undef IS
	return 0;
}

static int32_t
glob_class_add(struct glob *g, struct class_builder *cb, int negated)
{
	g->classes = xreallocarray(g->classes, g->nclasses + 1,
	    sizeof *g->classes);
	g->classes[g->nclasses].negated = negated;
	g->classes[g->nclasses].ranges = cb->ranges;
	g->classes[g->nclasses].nranges = cb->n / 2;
	memset(cb, 0, sizeof *cb);
	return (int32_t)g->nclasses++;
}

/*
 * One element of a bracket expression as JavaScript reads the class
 * picomatch builds: a character (escaped or not), a POSIX set, or '-'.
 */
struct class_element {
	int		kind;	/* 0 character, 1 unescaped '-', 2 set done */
	uint32_t	c;
};

/*
 * [ ... ] at gp->i.  Returns 0 and emits the class (and picomatch's literal
 * alternative) or -1 when there is no closing bracket, leaving gp->i alone.
 */
static int
parse_bracket(struct glob_parser *gp, struct frag *f)
{
	struct class_builder	 cb = { 0 };
	struct class_element	*el = NULL;
	struct frag		 alts[2] = { { 0 }, { 0 } };
	const unsigned char	*p = (const unsigned char *)gp->p;
	const char		*colon;
	size_t			 j = gp->i + 1, nel = 0, k, n, start;
	int			 first = 1, negated = 0, posix = 0, regexy = 0;
	uint32_t		 lo, hi;

	if (memchr(gp->p + j, ']', gp->len - j) == NULL)
		return -1;
	if (j < gp->len && p[j] == '^') {
		negated = 1;
		j++;
	}
	start = j;
	el = xreallocarray(NULL, gp->len - j + 1, sizeof *el);
	while (j < gp->len) {
		if (p[j] == ']' && !first)
			break;
		if (p[j] == '\\') {
			if (j + 1 >= gp->len)
				goto fail;
			el[nel].kind = 0;
			el[nel++].c = utf8_decode(p + j + 1, gp->len - j - 1, &n);
			j += 1 + n;
		} else if (p[j] == '[' && j + 1 < gp->len && p[j + 1] == ':' &&
		    (colon = strstr(gp->p + j + 2, ":]")) != NULL &&
		    class_add_posix(&cb, gp->p + j + 2,
		    colon - (gp->p + j + 2)) == 0) {
			posix = 1;
			el[nel].kind = 2;
			el[nel++].c = 0;
			j = colon - gp->p + 2;
		} else if (p[j] == '-' && !(j + 1 < gp->len && p[j + 1] == ']')) {
			el[nel].kind = 1;
			el[nel++].c = '-';
			j++;
		} else {
			el[nel].kind = 0;
			el[nel++].c = utf8_decode(p + j, gp->len - j, &n);
			j += n;
		}
		first = 0;
	}
	if (j >= gp->len)
		goto fail;

	for (k = 0; k < nel; k++) {
		if (el[k].kind == 2)
			continue;
		if (el[k].kind == 0 && k + 2 < nel && el[k + 1].kind == 1 &&
		    el[k + 2].kind == 0) {
			lo = el[k].c;
			hi = el[k + 2].c;
			if (lo > hi)
				gp->never = 1;	/* a JavaScript SyntaxError */
			class_add(&cb, lo, hi);
			k += 2;
			continue;
		}
		class_add(&cb, el[k].c, el[k].c);
	}
	/* [^...] never matches a slash (picomatch appends one). */
	if (negated && !posix && memchr(gp->p + start, '/', j - start) == NULL)
		class_add(&cb, '/', '/');
	for (k = start; k < j; k++) {
		if (strchr("-*+?.^${}(|)[]", gp->p[k]) != NULL)
			regexy = 1;
	}
	if (negated)
		regexy = 1;
	free(el);

	frag_emit(&alts[1], GLOB_CLASS, 0, glob_class_add(gp->g, &cb,
	    negated), 0);
	if (!regexy && !posix) {
		/* picomatch also matches the brackets literally: [ab] or "[ab]". */
		emit_literal(gp, &alts[0], gp->p + gp->i, j + 1 - gp->i);
		frag_alternation(f, alts, 2);
	} else {
		frag_append(f, &alts[1]);
		frag_free(&alts[1]);
	}
	gp->emitted = 1;
	gp->i = j + 1;
	return 0;

fail:
	free(el);
	free(cb.ranges);
	return -1;
}

/* ---------------------------------------------------------------------- */
/* The full parser (picomatch's parse()) */

/*
 * {a..b}: picomatch sorts the two ends and builds the class [a-b].  Returns
 * -1 when the braces do not hold a range.
 */
static int
parse_brace_range(struct glob_parser *gp, size_t open, size_t close,
    struct frag *f)
{
	struct class_builder	 cb = { 0 };
	const char		*s = gp->p + open + 1, *dots, *l, *r;
	size_t			 n = close - open - 1, ln, rn, k, m;
	uint32_t		 lo, hi;

	if ((dots = memmem(s, n, "..", 2)) == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		if (strchr("@![],$*+?^{}()|\\/\"", s[k]) != NULL)
			return -1;
	}
	l = s;
	ln = dots - s;
	r = dots + 2;
	rn = s + n - r;
	if (ln == 0 || rn == 0 || memmem(r, rn, "..", 2) != NULL)
		return -1;
	if (memcmp(l, r, ln < rn ? ln : rn) > 0 ||
	    (memcmp(l, r, ln < rn ? ln : rn) == 0 && ln > rn)) {
		const char	*t = l;

		l = r;
		r = t;
		k = ln;
		ln = rn;
		rn = k;
	}
	/* The class is "[" l "-" r "]": l's last and r's first make a range. */
	for (k = 0; k + 1 < ln; k++)
		class_add(&cb, (unsigned char)l[k], (unsigned char)l[k]);
	lo = utf8_decode((const unsigned char *)l + ln - 1, 1, &m);
	hi = utf8_decode((const unsigned char *)r, rn, &m);
	if (lo > hi)
		gp->never = 1;
	class_add(&cb, lo, hi);
	for (k = m; k < rn; k++)
		class_add(&cb, (unsigned char)r[k], (unsigned char)r[k]);
	frag_emit(f, GLOB_CLASS, 0, glob_class_add(gp->g, &cb, 0), 0);
	gp->emitted = 1;
	return 0;
}

/* Text runs picomatch copies in one token (REGEX_NON_SPECIAL_CHARS). */
static size_t
text_run(const struct glob_parser *gp, size_t from)
{
	size_t	j = from;

	while (j < gp->len && strchr("@![].,$*+?^{}()|\\/", gp->p[j]) == NULL)
		j++;
	return j - from;
}

/* A JavaScript quantifier after the last atom of f (from atom). */
static void
quantify_atom(struct glob_parser *gp, struct frag *f, size_t atom, char q)
{
	struct frag	body;
	int		op;
	int32_t		at, len, n;

	if (atom == SIZE_MAX || atom >= f->n) {
		gp->never = 1;		/* "Nothing to repeat" */
		return;
	}
	op = f->code[atom].op;
	if (op == GLOB_STAR || op == GLOB_NODOT || op == GLOB_ONE) {
		gp->never = 1;
		return;
	}
	/* On a literal the quantifier binds to its last character only. */
	if (op == GLOB_LIT && atom + 1 == f->n && f->code[atom].y > 1) {
		at = f->code[atom].x;
		len = f->code[atom].y;
		n = len;
		while (n > 1 && (gp->g->pool[at + n - 1] & 0xc0) == 0x80)
			n--;
		n--;
		f->code[atom].y = n;
		frag_emit(f, GLOB_LIT, 0, at + n, len - n);
		atom++;
	}
	frag_cut(f, atom, &body);
	if (q == '?')
		frag_optional(f, &body);
	else
		frag_repeat(f, &body, 1);
}

/*
 * Extglob ?( *( +( !( at gp->i.  Returns -1 (nothing consumed) when its
 * parenthesis never closes; picomatch then leaves the characters as text.
 */
static int
parse_extglob(struct glob_parser *gp, struct frag *f, char kind)
{
	struct glob_parser	 sub;
	struct glob_state	 st;
	struct frag		 body = { 0 }, look = { 0 };
	size_t			 open = gp->i, k;
	int			 at_start = !gp->emitted, final, inner_star;
	int			 found;

	if (gp->no_close[open + 1])
		return -1;
	if (gp->nesting >= GLOB_MAX_NESTING) {
		gp->too_deep = gp->never = 1;
		return 0;
	}
	save_state(gp, &st);
	gp->i += 2;
	push_token(gp, kind == '*' ? TOKEN_STAR : TOKEN_TEXT);
	push_token(gp, TOKEN_OPEN);
	gp->emitted = 1;
	gp->parens++;
	gp->nesting++;
	parse_alternatives(gp, ')', 0, &body, NULL, &found);
	gp->nesting--;
	gp->parens--;
	if (!found || gp->never) {
		frag_free(&body);
		if (gp->never)
			return 0;
		gp->no_close[open + 1] = 1;
		restore_state(gp, &st);
		return -1;
	}
	push_token(gp, TOKEN_CLOSE);
	gp->closed = kind;
	if (at_start)
		frag_emit(f, GLOB_ONE, 0, 0, 0);

	switch (kind) {
	case '*':
		frag_repeat(f, &body, 0);
		break;
	case '+':
		frag_repeat(f, &body, 1);
		break;
	case '?':
		frag_optional(f, &body);
		break;
	case '!':
		final = 1;
		for (k = gp->i; k < gp->len; k++) {
			if (gp->p[k] != ')')
				final = 0;
		}
		inner_star = memchr(gp->p + open + 2, '*',
		    gp->i - open - 3) != NULL;
		frag_append(&look, &body);
		frag_free(&body);
		if (final)
			frag_emit(&look, GLOB_END, 0, 0, 0);
		else if (inner_star && gp->i + 1 < gp->len &&
		    gp->p[gp->i] == '.' &&
		    strcspn(gp->p + gp->i + 1, "\\/.") == gp->len - gp->i - 1) {
			/* !(*.d).ts: the lookahead also covers ".ts". */
			memset(&sub, 0, sizeof sub);
			sub.g = gp->g;
			sub.p = gp->p + gp->i;
			sub.len = gp->len - gp->i;
			sub.hist[0] = sub.hist[1] = sub.hist[2] = TOKEN_BOS;
			sub.no_close = gp->no_close + gp->i;
			sub.nesting = gp->nesting;
			parse_alternatives(&sub, 0, 0, &look, NULL, &found);
			if (sub.too_deep)
				gp->too_deep = gp->never = 1;
			final = 1;
		}
		frag_emit(&look, GLOB_FOUND, 0, 0, 0);
		frag_emit(f, GLOB_NOT, 0, 1, (int32_t)look.n + 1);
		frag_append(f, &look);
		frag_free(&look);
		emit_star(f, final ? GLOB_F_SEGMENT : GLOB_F_NOSLASH);
		break;
	}
	return 0;
}

/*
 * A slash at gp->i followed by a double star that fills a whole segment:
 * picomatch makes it optional at the end, (?:\/GS|$), and between segments,
 * (?:\/GS\/|\/|$).  Returns 0 when it handled such a globstar.
 */
static int
parse_slash_globstar(struct glob_parser *gp, struct frag *f)
{
	struct frag	alts[3] = { { 0 }, { 0 }, { 0 } };
	size_t		j = gp->i + 3;
	int		after_star;

	if (gp->hist[0] == TOKEN_BOS || gp->len - gp->i < 3 ||
	    memcmp(gp->p + gp->i + 1, "**", 2) != 0 ||
	    (j < gp->len && gp->p[j] != '/'))
		return -1;
	after_star = gp->hist[0] == TOKEN_STAR || gp->hist[0] == TOKEN_GLOBSTAR;
	while (gp->len - j >= 3 && memcmp(gp->p + j, "/**", 3) == 0 &&
	    (j + 3 == gp->len || gp->p[j + 3] == '/'))
		j += 3;
	if (j == gp->len) {
		emit_literal(gp, &alts[0], "/", 1);
		emit_segment_star(&alts[0]);
		if (after_star)
			frag_append(f, &alts[0]);
		else {
			frag_emit(&alts[1], GLOB_END, 0, 0, 0);
			frag_alternation(f, alts, 2);
		}
		frag_free(&alts[0]);
		gp->i = j;
		push_token(gp, TOKEN_GLOBSTAR);
		return 0;
	}
	emit_literal(gp, &alts[0], "/", 1);
	emit_segment_star(&alts[0]);
	emit_literal(gp, &alts[0], "/", 1);
	emit_literal(gp, &alts[1], "/", 1);
	if (j + 1 < gp->len) {
		frag_emit(&alts[2], GLOB_END, 0, 0, 0);
		frag_alternation(f, alts, 3);
	} else
		frag_alternation(f, alts, 2);
	gp->i = j + 1;
	push_token(gp, TOKEN_GLOBSTAR);
	push_token(gp, TOKEN_SLASH);
	return 0;
}

static void
parse_star(struct glob_parser *gp, struct frag *f, size_t *star_at)
{
	struct frag	alts[3] = { { 0 }, { 0 }, { 0 } };
	enum glob_token	prior = gp->hist[1];
	size_t		j = gp->i + 1;
	int		start;

	if (gp->hist[0] != TOKEN_STAR || *star_at == SIZE_MAX) {
		/* A single star: .*? after a slash or at the start no dot. */
		*star_at = f->n;
		if (gp->hist[0] == TOKEN_BOS || gp->hist[0] == TOKEN_SLASH)
			frag_emit(f, GLOB_NODOT, 0, 0, 0);
		emit_star(f, 0);
		gp->emitted = 1;
		gp->i++;
		push_token(gp, TOKEN_STAR);
		return;
	}

	/* The second star of a run. */
	start = prior == TOKEN_SLASH || prior == TOKEN_BOS;
	if (!start || (j < gp->len && gp->p[j] != '/')) {
		gp->i++;
		push_token(gp, TOKEN_STAR);
		return;
	}
	while (gp->len - j >= 3 && memcmp(gp->p + j, "/**", 3) == 0 &&
	    (j + 3 == gp->len || gp->p[j + 3] == '/'))
		j += 3;
	f->n = *star_at;
	*star_at = SIZE_MAX;
	if (prior == TOKEN_BOS && j < gp->len) {
		/* A leading globstar segment: (?:^|\/|GS\/) */
		emit_literal(gp, &alts[1], "/", 1);
		emit_segment_star(&alts[2]);
		emit_literal(gp, &alts[2], "/", 1);
		frag_alternation(f, alts, 3);
		gp->i = j + 1;
		push_token(gp, TOKEN_GLOBSTAR);
		push_token(gp, TOKEN_SLASH);
		return;
	}
	emit_segment_star(f);
	gp->i = j;
	push_token(gp, TOKEN_GLOBSTAR);
}

/* picomatch puts (?=.) before an opening extglob, outside its group. */
static size_t
skip_one(const struct frag *f, size_t atom)
{
	if (atom < f->n && f->code[atom].op == GLOB_ONE)
		return atom + 1;
	return atom;
}

/*
 * Items until '|', the closer, or (inside braces) ','.  prev tracking is
 * global like picomatch's, so groups see the token before them.
 */
static void
parse_sequence(struct glob_parser *gp, int closer, struct frag *f)
{
	struct glob_state	 st;
	struct frag		 group = { 0 };
	size_t			 star_at = SIZE_MAX, atom = SIZE_MAX, n, open;
	int			 found, comma;
	char			 c, next, next2;

	while (gp->i < gp->len && !gp->never) {
		c = gp->p[gp->i];
		next = gp->i + 1 < gp->len ? gp->p[gp->i + 1] : '\0';
		next2 = gp->i + 2 < gp->len ? gp->p[gp->i + 2] : '\0';
		if (c == '|' || (closer != 0 && c == closer) ||
		    (c == ',' && closer == '}'))
			return;
		if (c != '*')
			star_at = SIZE_MAX;

		switch (c) {
		case '\\':
			atom = f->n;
			if (next == '\0') {
				emit_literal(gp, f, "\\", 1);
				gp->i++;
			} else {
				n = utf8_length((const unsigned char *)gp->p +
				    gp->i + 1, gp->len - gp->i - 1);
				emit_literal(gp, f, gp->p + gp->i + 1, n);
				gp->i += 1 + n;
			}
			push_token(gp, TOKEN_TEXT);
			continue;
		case '"':
			/* Quoted text is literal and leaves prev alone. */
			n = gp->i + 1;
			while (n < gp->len && gp->p[n] != '"')
				n++;
			atom = f->n;
			emit_literal(gp, f, gp->p + gp->i + 1, n - gp->i - 1);
			gp->i = n < gp->len ? n + 1 : n;
			continue;
		case '(':
			if (gp->no_close[gp->i]) {
				atom = f->n;
				emit_literal(gp, f, "(", 1);
				gp->i++;
				push_token(gp, TOKEN_OPEN);
				continue;
			}
			if (gp->nesting >= GLOB_MAX_NESTING) {
				gp->too_deep = gp->never = 1;
				return;
			}
			open = gp->i;
			save_state(gp, &st);
			gp->i++;
			push_token(gp, TOKEN_OPEN);
			gp->emitted = 1;
			gp->parens++;
			gp->nesting++;
			parse_alternatives(gp, ')', 0, &group, NULL, &found);
			gp->nesting--;
			gp->parens--;
			if (gp->never) {
				frag_free(&group);
				return;
			}
			if (!found) {
				frag_free(&group);
				gp->no_close[open] = 1;
				restore_state(gp, &st);
				atom = f->n;
				emit_literal(gp, f, "(", 1);
				gp->i++;
				push_token(gp, TOKEN_OPEN);
				continue;
			}
			atom = f->n;
			frag_append(f, &group);
			frag_free(&group);
			push_token(gp, TOKEN_CLOSE);
			gp->closed = '(';
			continue;
		case ')':
			atom = f->n;
			emit_literal(gp, f, ")", 1);
			gp->i++;
			push_token(gp, TOKEN_CLOSE);
			gp->closed = '(';
			continue;
		case '[':
			atom = f->n;
			if (parse_bracket(gp, f) != 0) {
				emit_literal(gp, f, "[", 1);
				gp->i++;
			}
			push_token(gp, TOKEN_BRACKET);
			continue;
		case '{':
			if (gp->nesting >= GLOB_MAX_NESTING) {
				gp->too_deep = gp->never = 1;
				return;
			}
			open = gp->i;
			gp->i++;
			push_token(gp, TOKEN_BRACE);
			gp->emitted = 1;
			gp->nesting++;
			comma = 0;
			parse_alternatives(gp, '}', 0, &group, &comma, &found);
			gp->nesting--;
			if (!found || gp->never) {
				/* An open brace makes picomatch's regex invalid. */
				frag_free(&group);
				gp->never = 1;
				return;
			}
			atom = f->n;
			if (comma)
				frag_append(f, &group);
			else if (parse_brace_range(gp, open, gp->i - 1, f) != 0) {
				emit_literal(gp, f, "{", 1);
				frag_append(f, &group);
				emit_literal(gp, f, "}", 1);
			}
			frag_free(&group);
			push_token(gp, TOKEN_BRACE);
			continue;
		case '/':
			if (parse_slash_globstar(gp, f) == 0) {
				atom = SIZE_MAX;
				continue;
			}
			atom = f->n;
			emit_literal(gp, f, "/", 1);
			gp->i++;
			push_token(gp, TOKEN_SLASH);
			continue;
		case '.':
			atom = f->n;
			emit_literal(gp, f, ".", 1);
			gp->i++;
			push_token(gp, TOKEN_DOT);
			continue;
		case '?':
			if (gp->hist[0] != TOKEN_OPEN && next == '(' &&
			    next2 != '?') {
				atom = f->n;
				if (parse_extglob(gp, f, '?') == 0) {
					atom = skip_one(f, atom);
					continue;
				}
			}
			if (gp->hist[0] == TOKEN_OPEN) {
				atom = f->n;
				emit_literal(gp, f, "?", 1);
			} else if (gp->hist[0] == TOKEN_CLOSE) {
				/*
				 * After *( +( ?( JavaScript reads a lazy
				 * quantifier: no change in what matches.
				 */
				if (gp->closed == '\0' ||
				    strchr("*+?", gp->closed) == NULL)
					quantify_atom(gp, f, atom, '?');
				atom = SIZE_MAX;
			} else {
				atom = f->n;
				frag_emit(f, GLOB_QMARK,
				    gp->hist[0] == TOKEN_BOS ||
				    gp->hist[0] == TOKEN_SLASH ? GLOB_F_NODOT : 0,
				    0, 0);
				gp->emitted = 1;
			}
			gp->i++;
			push_token(gp, TOKEN_QMARK);
			continue;
		case '!':
			if (next == '(' && (next2 != '?' || gp->i + 3 >= gp->len ||
			    strchr("!=<:", gp->p[gp->i + 3]) == NULL)) {
				atom = f->n;
				if (parse_extglob(gp, f, '!') == 0) {
					atom = skip_one(f, atom);
					continue;
				}
			}
			break;
		case '+':
			if (next == '(' && next2 != '?') {
				atom = f->n;
				if (parse_extglob(gp, f, '+') == 0) {
					atom = skip_one(f, atom);
					continue;
				}
			}
			if (gp->hist[0] != TOKEN_OPEN &&
			    (gp->hist[0] == TOKEN_BRACKET ||
			    gp->hist[0] == TOKEN_CLOSE ||
			    gp->hist[0] == TOKEN_BRACE || gp->parens > 0)) {
				/* )*+ )++ )?+ are JavaScript syntax errors. */
				if (gp->hist[0] == TOKEN_CLOSE &&
				    gp->closed != '\0' &&
				    strchr("*+?", gp->closed) != NULL)
					gp->never = 1;
				else
					quantify_atom(gp, f, atom, '+');
				atom = SIZE_MAX;
			} else {
				atom = f->n;
				emit_literal(gp, f, "+", 1);
			}
			gp->i++;
			push_token(gp, TOKEN_PLUS);
			continue;
		case '@':
			if (next == '(' && next2 != '?') {
				gp->i++;
				push_token(gp, TOKEN_AT);
				continue;
			}
			break;
		case '*':
			if (next == '(' && next2 != '?' && next2 != '\0') {
				atom = f->n;
				if (parse_extglob(gp, f, '*') == 0) {
					atom = skip_one(f, atom);
					star_at = SIZE_MAX;
					continue;
				}
			}
			atom = SIZE_MAX;
			parse_star(gp, f, &star_at);
			continue;
		case ',':
			atom = f->n;
			emit_literal(gp, f, ",", 1);
			gp->i++;
			push_token(gp, TOKEN_COMMA);
			continue;
		default:
			break;
		}
		/* Plain text, with the run of ordinary characters after it. */
		n = utf8_length((const unsigned char *)gp->p + gp->i,
		    gp->len - gp->i);
		n += text_run(gp, gp->i + n);
		atom = f->n;
		emit_literal(gp, f, gp->p + gp->i, n);
		gp->i += n;
		push_token(gp, TOKEN_TEXT);
	}
}

/*
 * Sequences separated by '|' (and ',' inside braces) up to closer, or to the
 * end when closer is 0.  *found says whether the closer was there.
 */
static void
parse_alternatives(struct glob_parser *gp, int closer, int top,
    struct frag *out, int *comma, int *found)
{
	struct frag	*alts = NULL;
	size_t		 n = 0;
	char		 c;

	*found = 0;
	for (;;) {
		alts = xreallocarray(alts, n + 1, sizeof *alts);
		memset(&alts[n], 0, sizeof alts[n]);
		parse_sequence(gp, closer, &alts[n]);
		n++;
		if (gp->never)
			break;
		if (gp->i >= gp->len) {
			*found = closer == 0;
			break;
		}
		c = gp->p[gp->i++];
		if (c == closer) {
			*found = 1;
			break;
		}
		if (c == ',' && comma != NULL)
			*comma = 1;
		push_token(gp, c == ',' ? TOKEN_COMMA : TOKEN_TEXT);
	}
	if (*found && top && (gp->hist[0] == TOKEN_STAR ||
	    gp->hist[0] == TOKEN_BRACKET))
		emit_maybe_slash(gp, &alts[n - 1]);
	if (*found && !gp->never)
		frag_alternation(out, alts, n);
	else {
		while (n > 0)
			frag_free(&alts[--n]);
	}
	free(alts);
}

/* ---------------------------------------------------------------------- */
/* The two fast paths */

/*
 * picomatch's parse.fastpaths(): fixed shapes for patterns that start with
 * '.' or '*'; stars there are .*? (they may cross "/.").
 */
static int
fast_shape(struct glob_parser *gp, const char *s, size_t n, struct frag *f)
{
	struct frag	prefix = { 0 };
	const char	*dot;
	size_t		k;

#define IS(x)	(n == sizeof(x) - 1 && memcmp(s, x, n) == 0)
	if (IS("*")) {
		frag_emit(f, GLOB_NODOT, 0, 0, 0);
		frag_emit(f, GLOB_ONE, 0, 0, 0);
		emit_star(f, 0);
	} else if (IS(".*")) {
		emit_literal(gp, f, ".", 1);
		frag_emit(f, GLOB_ONE, 0, 0, 0);
		emit_star(f, 0);
	} else if (IS("*.*")) {
		frag_emit(f, GLOB_NODOT, 0, 0, 0);
		emit_star(f, 0);
		emit_literal(gp, f, ".", 1);
		frag_emit(f, GLOB_ONE, 0, 0, 0);
		emit_star(f, 0);
	} else if (IS("*/*")) {
		frag_emit(f, GLOB_NODOT, 0, 0, 0);
		emit_star(f, 0);
		emit_literal(gp, f, "/", 1);
		frag_emit(f, GLOB_ONE, 0, 0, 0);
		frag_emit(f, GLOB_NODOT, 0, 0, 0);
		emit_star(f, 0);
	} else if (IS("**")) {
		frag_emit(f, GLOB_NODOT, 0, 0, 0);
		emit_segment_star(f);
	} else if (IS("**/*") || IS("**/*.*") || IS("**/.*")) {
		frag_emit(&prefix, GLOB_NODOT, 0, 0, 0);
		emit_segment_star(&prefix);
		emit_literal(gp, &prefix, "/", 1);
		frag_optional(f, &prefix);
		if (IS("**/.*"))
			emit_literal(gp, f, ".", 1);
		else {
			frag_emit(f, GLOB_NODOT, 0, 0, 0);
			if (IS("**/*.*")) {
				emit_star(f, 0);
				emit_literal(gp, f, ".", 1);
			}
		}
		frag_emit(f, GLOB_ONE, 0, 0, 0);
		emit_star(f, 0);
	} else {
		/* X.ext where X is one of the above. */
		if ((dot = memrchr(s, '.', n)) == NULL || dot == s + n - 1)
			return -1;
		for (k = dot - s + 1; k < n; k++) {
			if (!is_word_char((unsigned char)s[k]))
				return -1;
		}
		if (fast_shape(gp, s, dot - s, f) != 0)
			return -1;
		emit_literal(gp, f, dot, s + n - dot);
	}
#undef IS
	gp->emitted = 1;
	return 0;
}

/*
 * Patterns without any of / ( ) [ ] { } " that do not start with * or !:
 * picomatch escapes everything but * and ?, and its stars are globstars.
 */
static void
compile_plain(struct glob_parser *gp, struct frag *f)
{
	const char	*p = gp->p;
	size_t		 i = 0, n;

	while (i < gp->len) {
		if (p[i] == '*') {
			while (i < gp->len && p[i] == '*')
				i++;
			emit_segment_star(f);
		} else if (p[i] == '?') {
			frag_emit(f, GLOB_QMARK, i == 0 ? GLOB_F_NODOT : 0, 0, 0);
			i++;
		} else if (p[i] == '\\') {
			if (i + 1 == gp->len) {
				gp->never = 1;	/* a dangling \ breaks the regex */
				return;
			}
			n = utf8_length((const unsigned char *)p + i + 1,
			    gp->len - i - 1);
			emit_literal(gp, f, p + i + 1, n);
			i += 1 + n;
		} else {
			n = utf8_length((const unsigned char *)p + i,
			    gp->len - i);
			emit_literal(gp, f, p + i, n);
			i += n;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Compiling and matching one glob */

static void
glob_free(struct glob *g)
{
	size_t	i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nclasses; i++)
		free(g->classes[i].ranges);
	free(g->classes);
	free(g->code);
	free(g->pool);
	free(g->source);
	free(g);
}

static struct glob *
glob_compile(const char *pattern, char **cause)
{
	struct glob		*g;
	struct glob_parser	 gp;
	struct frag		 f = { 0 };
	const char		*s = pattern;
	size_t			 len = strlen(pattern), count, i;
	int			 found;

	if (len > GLOB_MAX_PATTERN) {
		if (cause != NULL)
			xasprintf(cause, "pattern longer than %d characters",
			    GLOB_MAX_PATTERN);
		return NULL;
	}
	g = xcalloc(1, sizeof *g);
	g->source = xstrdup(pattern);

	if (strcmp(s, "***") == 0)
		s = "*";
	else if (strcmp(s, "**/**") == 0 || strcmp(s, "**/**/**") == 0)
		s = "**";
	len = strlen(s);
	memset(&gp, 0, sizeof gp);
	gp.g = g;
	gp.hist[0] = gp.hist[1] = gp.hist[2] = TOKEN_BOS;

	if (len >= 2 && s[0] == '.' && s[1] == '/') {
		s += 2;
		len -= 2;
	}
	gp.p = s;
	gp.len = len;
	gp.no_close = xcalloc(len + 1, 1);
	if ((pattern[0] == '.' || pattern[0] == '*') &&
	    fast_shape(&gp, s, len, &f) == 0)
		emit_maybe_slash(&gp, &f);
	else {
		f.n = 0;
		if (len > 0 && s[0] != '*' && s[0] != '!' &&
		    strpbrk(s, "/()[]{}\"") == NULL)
			compile_plain(&gp, &f);
		else {
			/* A leading run of '!' negates when it is odd. */
			count = 0;
			while (gp.i < len && s[gp.i] == '!' &&
			    !(gp.i + 1 < len && s[gp.i + 1] == '(' &&
			    !(gp.i + 2 < len && s[gp.i + 2] == '?'))) {
				count++;
				gp.i++;
			}
			g->negated = count % 2;
			parse_alternatives(&gp, 0, 1, &f, NULL, &found);
		}
	}
	free(gp.no_close);
	if (gp.too_deep) {
		frag_free(&f);
		glob_free(g);
		if (cause != NULL) {
			xasprintf(cause, "pattern nested deeper than %d levels",
			    GLOB_MAX_NESTING);
		}
		return NULL;
	}
	if (gp.never) {
		g->never = 1;
		f.n = 0;
		frag_emit(&f, GLOB_FAIL, 0, 0, 0);
	} else
		frag_emit(&f, GLOB_MATCH, 0, 0, 0);
	g->code = f.code;
	g->ncode = f.n;
	for (i = 0; i < g->ncode; i++) {
		if (g->code[i].op == GLOB_SPLIT || g->code[i].op == GLOB_STAR ||
		    g->code[i].op == GLOB_NOT)
			g->branches = 1;
	}
	return g;
}

struct glob_run {
	const struct glob	*g;
	const unsigned char	*v;
	size_t			 len;
	uint8_t			*memo;		/* 2 bits per (pc, pos) */
	unsigned		 depth;
	int			 overflow;
};

#define MEMO_UNSEEN	0
#define MEMO_FAILED	1	/* or being explored */
#define MEMO_FOUND	2

static int
memo_get(const struct glob_run *r, size_t pc, size_t pos)
{
	size_t	k = pc * (r->len + 1) + pos;

	return (r->memo[k / 4] >> ((k % 4) * 2)) & 3;
}

static void
memo_set(struct glob_run *r, size_t pc, size_t pos, int value)
{
	size_t	k = pc * (r->len + 1) + pos;

	r->memo[k / 4] &= ~(3 << ((k % 4) * 2));
	r->memo[k / 4] |= value << ((k % 4) * 2);
}

/* JavaScript's . stops at \n, \r, U+2028 and U+2029. */
static int
line_break_at(const struct glob_run *r, size_t pos)
{
	const unsigned char	*v = r->v + pos;

	if (*v == '\n' || *v == '\r')
		return 1;
	return r->len - pos >= 3 && v[0] == 0xe2 && v[1] == 0x80 &&
	    (v[2] == 0xa8 || v[2] == 0xa9);
}

/* How many bytes a star may take at pos: 0 when it must stop there. */
static size_t
star_step(const struct glob_run *r, int flags, size_t pos)
{
	if (pos >= r->len)
		return 0;
	if (flags & GLOB_F_NOSLASH) {
		if (r->v[pos] == '/')
			return 0;
		return utf8_length(r->v + pos, r->len - pos);
	}
	if (line_break_at(r, pos))
		return 0;
	if (flags & GLOB_F_SEGMENT) {
		if (pos == 0 && r->v[0] == '.')
			return 0;
		if (r->v[pos] == '/' && pos + 1 < r->len && r->v[pos + 1] == '.')
			return 0;
	}
	return utf8_length(r->v + pos, r->len - pos);
}

static int
class_has(const struct glob_class *cl, uint32_t c)
{
	size_t	i;

	for (i = 0; i < cl->nranges; i++) {
		if (c >= cl->ranges[2 * i] && c <= cl->ranges[2 * i + 1])
			return !cl->negated;
	}
	return cl->negated;
}

static int	glob_run_at(struct glob_run *, size_t, size_t);

static int
glob_star(struct glob_run *r, size_t pc, size_t pos)
{
	const struct glob_insn	*in = &r->g->code[pc], *next = in + 1;
	size_t			 e = pos, n;

	for (;;) {
		/* A literal next can only start where its first byte is. */
		if ((next->op != GLOB_LIT || (e < r->len &&
		    r->v[e] == (unsigned char)r->g->pool[next->x])) &&
		    glob_run_at(r, pc + 1, e))
			return 1;
		if (r->overflow)
			return 0;
		if ((n = star_step(r, in->flags, e)) == 0)
			break;
		e += n;
	}
	/* A later start in the same run has a subset of these ends. */
	for (n = pos + 1; n <= e; n++) {
		if (memo_get(r, pc, n) == MEMO_UNSEEN)
			memo_set(r, pc, n, MEMO_FAILED);
	}
	return 0;
}

static int
glob_run_at(struct glob_run *r, size_t pc, size_t pos)
{
	const struct glob_insn	*in;
	size_t			 n, state_pc = SIZE_MAX, state_pos = 0;
	uint32_t		 c;
	int			 found = 0, m;

	if (r->depth >= GLOB_MAX_DEPTH) {
		r->overflow = 1;
		return 0;
	}
	r->depth++;
	for (;;) {
		in = &r->g->code[pc];
		switch (in->op) {
		case GLOB_LIT:
			n = in->y;
			if (r->len - pos < n ||
			    memcmp(r->v + pos, r->g->pool + in->x, n) != 0)
				goto out;
			pos += n;
			pc++;
			continue;
		case GLOB_QMARK:
		case GLOB_CLASS:
			if (pos >= r->len)
				goto out;
			c = utf8_decode(r->v + pos, r->len - pos, &n);
			if (in->op == GLOB_QMARK && (c == '/' ||
			    ((in->flags & GLOB_F_NODOT) && c == '.')))
				goto out;
			if (in->op == GLOB_CLASS &&
			    !class_has(&r->g->classes[in->x], c))
				goto out;
			pos += n;
			pc++;
			continue;
		case GLOB_NODOT:
			if (pos < r->len && r->v[pos] == '.')
				goto out;
			pc++;
			continue;
		case GLOB_ONE:
			if (pos >= r->len || line_break_at(r, pos))
				goto out;
			pc++;
			continue;
		case GLOB_END:
			if (pos != r->len)
				goto out;
			pc++;
			continue;
		case GLOB_JMP:
			pc += in->x;
			continue;
		case GLOB_MATCH:
			found = pos == r->len;
			goto out;
		case GLOB_FOUND:
			found = 1;
			goto out;
		case GLOB_FAIL:
			goto out;
		default:
			break;
		}

		if ((m = memo_get(r, pc, pos)) != MEMO_UNSEEN) {
			found = m == MEMO_FOUND;
			goto out;
		}
		memo_set(r, pc, pos, MEMO_FAILED);
		state_pc = pc;
		state_pos = pos;
		switch (in->op) {
		case GLOB_SPLIT:
			found = glob_run_at(r, pc + in->x, pos) ||
			    glob_run_at(r, pc + in->y, pos);
			break;
		case GLOB_NOT:
			if (!glob_run_at(r, pc + in->x, pos) && !r->overflow)
				found = glob_run_at(r, pc + in->y, pos);
			break;
		case GLOB_STAR:
			found = glob_star(r, pc, pos);
			break;
		}
		goto out;
	}
out:
	if (found && state_pc != SIZE_MAX)
		memo_set(r, state_pc, state_pos, MEMO_FOUND);
	r->depth--;
	return found;
}

static int
glob_match(const struct glob *g, const char *value)
{
	struct glob_run	 r;
	uint8_t		 small[512];
	size_t		 bytes, i;
	int		 found;

	if (*value == '\0')
		return 0;
	if (strcmp(value, g->source) == 0)
		return 1;
	if (g->never)
		return 0;
	memset(&r, 0, sizeof r);
	r.g = g;
	r.v = (const unsigned char *)value;
	r.len = strlen(value);
	if (g->branches) {
		bytes = (g->ncode * (r.len + 1) + 3) / 4;
		r.memo = bytes <= sizeof small ? small : xmalloc(bytes);
		memset(r.memo, 0, bytes);
	}
	found = glob_run_at(&r, 0, 0);
	if (r.overflow)
		found = 0;
	if (r.memo != NULL && r.memo != small)
		free(r.memo);
	if (g->negated) {
		/* ^(?!^(?:...)$).*$ also needs a value without line breaks. */
		if (found)
			return 0;
		for (i = 0; i < r.len; i++) {
			if (line_break_at(&r, i))
				return 0;
		}
		return 1;
	}
	return found;
}

/* ---------------------------------------------------------------------- */
/* matchPattern */

static int
pattern_json_ok(json_t *pattern)
{
	size_t	 i;
	json_t	*item;

	if (json_is_string(pattern))
		return 1;
	if (!json_is_array(pattern))
		return 0;
	json_array_foreach(pattern, i, item) {
		if (!json_is_string(item))
			return 0;
	}
	return 1;
}

struct policy_pattern *
policy_pattern_compile(json_t *pattern, char **cause)
{
	struct policy_pattern	*pp;
	struct glob		*g;
	json_t			*item;
	const char		*s;
	size_t			 i, count;

	if (!pattern_json_ok(pattern)) {
		if (cause != NULL)
			*cause = xstrdup("must be a string or an array of strings");
		return NULL;
	}
	count = json_is_array(pattern) ? json_array_size(pattern) : 1;
	pp = xcalloc(1, sizeof *pp);
	pp->positive = xcalloc(count, sizeof *pp->positive);
	pp->negative = xcalloc(count, sizeof *pp->negative);
	for (i = 0; i < count; i++) {
		item = json_is_array(pattern) ? json_array_get(pattern, i) :
		    pattern;
		s = json_string_value(item);
		if (*s == '\0') {
			pp->has_empty = 1;
			continue;
		}
		/* A bare "!" is ignored; "!x" excludes what x matches. */
		if (s[0] == '!' && s[1] == '\0')
			continue;
		if ((g = glob_compile(s[0] == '!' ? s + 1 : s, cause)) == NULL) {
			policy_pattern_free(pp);
			return NULL;
		}
		if (s[0] == '!')
			pp->negative[pp->nnegative++] = g;
		else
			pp->positive[pp->npositive++] = g;
	}
	return pp;
}

int
policy_pattern_match(const struct policy_pattern *pp, const char *value)
{
	size_t	i;

	if (value == NULL)
		value = "";
	if (pp->has_empty && *value == '\0')
		return 1;
	for (i = 0; i < pp->nnegative; i++) {
		if (glob_match(pp->negative[i], value))
			return 0;
	}
	for (i = 0; i < pp->npositive; i++) {
		if (glob_match(pp->positive[i], value))
			return 1;
	}
	return 0;
}

void
policy_pattern_free(struct policy_pattern *pp)
{
	size_t	i;

	if (pp == NULL)
		return;
	for (i = 0; i < pp->npositive; i++)
		glob_free(pp->positive[i]);
	for (i = 0; i < pp->nnegative; i++)
		glob_free(pp->negative[i]);
	free(pp->positive);
	free(pp->negative);
	free(pp);
}

/* ---------------------------------------------------------------------- */
/* Values as strings: String(v), and JSON.stringify for objects */

struct strbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static void
strbuf_add(struct strbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
strbuf_add_str(struct strbuf *b, const char *p)
{
	strbuf_add(b, p, strlen(p));
}

static void
strbuf_add_zeros(struct strbuf *b, int count)
{
	while (count-- > 0)
		strbuf_add(b, "0", 1);
}

/* Number.prototype.toString() for a finite double. */
static void
js_number(struct strbuf *b, double v)
{
	char	buf[64], digits[32], *e;
	int	precision, exponent, k = 0, n, i;

	if (v == 0) {
		strbuf_add_str(b, "0");
		return;
	}
	if (v < 0) {
		strbuf_add_str(b, "-");
		v = -v;
	}
	/* The shortest digits that read back as v, as JavaScript prints. */
	for (precision = 1; precision <= 17; precision++) {
		snprintf(buf, sizeof buf, "%.*e", precision - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	e = strchr(buf, 'e');
	exponent = atoi(e + 1);
	for (i = 0; buf + i < e; i++) {
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[k++] = buf[i];
	}
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	n = exponent + 1;
	if (k <= n && n <= 21) {
		strbuf_add(b, digits, k);
		strbuf_add_zeros(b, n - k);
	} else if (0 < n && n <= 21) {
		strbuf_add(b, digits, n);
		strbuf_add(b, ".", 1);
		strbuf_add(b, digits + n, k - n);
	} else if (-6 < n && n <= 0) {
		strbuf_add(b, "0.", 2);
		strbuf_add_zeros(b, -n);
		strbuf_add(b, digits, k);
	} else {
		strbuf_add(b, digits, 1);
		if (k > 1) {
			strbuf_add(b, ".", 1);
			strbuf_add(b, digits + 1, k - 1);
		}
		snprintf(buf, sizeof buf, "e%c%d", n - 1 >= 0 ? '+' : '-',
		    abs(n - 1));
		strbuf_add_str(b, buf);
	}
}

static void
js_quote(struct strbuf *b, const char *s, size_t n)
{
	char	esc[8];
	size_t	i;

	strbuf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '"':
			strbuf_add(b, "\\\"", 2);
			break;
		case '\\':
			strbuf_add(b, "\\\\", 2);
			break;
		case '\b':
			strbuf_add(b, "\\b", 2);
			break;
		case '\f':
			strbuf_add(b, "\\f", 2);
			break;
		case '\n':
			strbuf_add(b, "\\n", 2);
			break;
		case '\r':
			strbuf_add(b, "\\r", 2);
			break;
		case '\t':
			strbuf_add(b, "\\t", 2);
			break;
		default:
			if ((unsigned char)s[i] < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x",
				    (unsigned char)s[i]);
				strbuf_add_str(b, esc);
			} else
				strbuf_add(b, s + i, 1);
			break;
		}
	}
	strbuf_add(b, "\"", 1);
}

static void
js_stringify(struct strbuf *b, json_t *v, int top)
{
	const char	*key;
	json_t		*item;
	size_t		 i;
	char		 buf[32];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		strbuf_add(b, "{", 1);
		i = 0;
		json_object_foreach(v, key, item) {
			if (i++ > 0)
				strbuf_add(b, ",", 1);
			js_quote(b, key, strlen(key));
			strbuf_add(b, ":", 1);
			js_stringify(b, item, 0);
		}
		strbuf_add(b, "}", 1);
		break;
	case JSON_ARRAY:
		strbuf_add(b, "[", 1);
		json_array_foreach(v, i, item) {
			if (i > 0)
				strbuf_add(b, ",", 1);
			js_stringify(b, item, 0);
		}
		strbuf_add(b, "]", 1);
		break;
	case JSON_STRING:
		if (top)
			strbuf_add(b, json_string_value(v), json_string_length(v));
		else
			js_quote(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		strbuf_add_str(b, buf);
		break;
	case JSON_REAL:
		js_number(b, json_real_value(v));
		break;
	case JSON_TRUE:
		strbuf_add_str(b, "true");
		break;
	case JSON_FALSE:
		strbuf_add_str(b, "false");
		break;
	case JSON_NULL:
		strbuf_add_str(b, top ? "" : "null");
		break;
	}
}

char *
policy_value_string(json_t *value)
{
	struct strbuf	b = { 0 };

	if (value != NULL)
		js_stringify(&b, value, 1);
	return b.s != NULL ? b.s : xstrdup("");
}

/* ---------------------------------------------------------------------- */
/* Actions */

const char *
policy_action_name(enum policy_action action)
{
	switch (action) {
	case POLICY_ACTION_ALLOW:
		return "allow";
	case POLICY_ACTION_DENY:
		return "deny";
	case POLICY_ACTION_ASK:
		return "ask";
	default:
		return NULL;
	}
}

int
policy_action_parse(const char *name, enum policy_action *out)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "allow") == 0)
		*out = POLICY_ACTION_ALLOW;
	else if (strcmp(name, "deny") == 0)
		*out = POLICY_ACTION_DENY;
	else if (strcmp(name, "ask") == 0)
		*out = POLICY_ACTION_ASK;
	else
		return -1;
	return 0;
}

const char *
policy_default_reason(enum policy_action default_action)
{
	if (default_action == POLICY_ACTION_DENY)
		return "No matching policy rule found (default deny)";
	return "No matching policy rule found (default ask)";
}

/* ---------------------------------------------------------------------- */
/* Rules: validation and compilation */

static const char *const rule_fields[] = {
	"id", "action", "tool", "args", "cwd", "session", "reason", NULL
};

static int
rule_field_known(const char *key)
{
	size_t	i;

	for (i = 0; rule_fields[i] != NULL; i++) {
		if (strcmp(rule_fields[i], key) == 0)
			return 1;
	}
	return 0;
}

/*
 * Check one pattern field.  name is the field as the message shows it;
 * returns -1 with the message.
 */
static int
check_pattern(json_t *pattern, size_t index, const char *name, char **cause)
{
	struct policy_pattern	*pp;
	char			*why = NULL;

	if (!pattern_json_ok(pattern)) {
		xasprintf(cause, "Field 'rules[%zu].%s' must be a string or an "
		    "array of strings", index, name);
		return -1;
	}
	if ((pp = policy_pattern_compile(pattern, &why)) == NULL) {
		xasprintf(cause, "Field 'rules[%zu].%s' has an invalid pattern: "
		    "%s", index, name, why);
		free(why);
		return -1;
	}
	policy_pattern_free(pp);
	return 0;
}

/*
 * Check one rule.  strict is the write-time validation; otherwise only what
 * would make the rule unusable is an error (the reference stores rules
 * unvalidated, so old rows may hold anything).
 */
static int
check_rule(json_t *rule, size_t index, int strict, char **cause)
{
	static const char *const pattern_fields[] = { "tool", "cwd", "session" };
	const char	*key;
	json_t		*v, *item;
	char		*name;
	size_t		 i;
	int		 rc;

	if (!json_is_object(rule)) {
		xasprintf(cause, "Field 'rules[%zu]' must be an object", index);
		return -1;
	}
	if (strict) {
		json_object_foreach(rule, key, v) {
			if (!rule_field_known(key)) {
				xasprintf(cause, "Unknown field 'rules[%zu].%s' "
				    "(rule fields: id, action, tool, args, cwd, "
				    "session, reason)", index, key);
				return -1;
			}
		}
		v = json_object_get(rule, "id");
		if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
			xasprintf(cause, "Field 'rules[%zu].id' must be a string",
			    index);
			return -1;
		}
		if ((v = json_object_get(rule, "action")) == NULL) {
			xasprintf(cause, "Missing required field: rules[%zu].action",
			    index);
			return -1;
		}
		if (policy_action_parse(json_string_value(v),
		    &(enum policy_action){ 0 }) != 0) {
			xasprintf(cause, "Field 'rules[%zu].action' must be one of: "
			    "allow, deny, ask", index);
			return -1;
		}
	}
	if ((v = json_object_get(rule, "tool")) != NULL &&
	    check_pattern(v, index, pattern_fields[0], cause) != 0)
		return -1;
	if ((v = json_object_get(rule, "args")) != NULL) {
		if (!json_is_object(v)) {
			xasprintf(cause, "Field 'rules[%zu].args' must be an object",
			    index);
			return -1;
		}
		json_object_foreach(v, key, item) {
			xasprintf(&name, "args.%s", key);
			rc = check_pattern(item, index, name, cause);
			free(name);
			if (rc != 0)
				return -1;
		}
	}
	for (i = 1; i < 3; i++) {
		if ((v = json_object_get(rule, pattern_fields[i])) != NULL &&
		    check_pattern(v, index, pattern_fields[i], cause) != 0)
			return -1;
	}
	if (strict) {
		v = json_object_get(rule, "reason");
		if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
			xasprintf(cause, "Field 'rules[%zu].reason' must be a string",
			    index);
			return -1;
		}
	}
	return 0;
}

int
policy_rules_validate(json_t *rules, char **cause)
{
	json_t	*rule;
	size_t	 i;

	if (rules == NULL) {
		*cause = xstrdup("Missing required field: rules");
		return -1;
	}
	if (!json_is_array(rules)) {
		*cause = xstrdup("Field 'rules' must be an array");
		return -1;
	}
	json_array_foreach(rules, i, rule) {
		if (check_rule(rule, i, 1, cause) != 0)
			return -1;
	}
	return 0;
}

static char *
string_or_null(json_t *v)
{
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static void
rule_free(struct compiled_rule *r)
{
	size_t	i;

	free(r->id);
	free(r->action);
	free(r->reason);
	free(r->invalid);
	policy_pattern_free(r->tool);
	policy_pattern_free(r->cwd);
	policy_pattern_free(r->session);
	for (i = 0; i < r->nargs; i++) {
		free(r->args[i].key);
		policy_pattern_free(r->args[i].pattern);
	}
	free(r->args);
}

static void
rule_compile(json_t *rule, size_t index, struct compiled_rule *r)
{
	const char	*key;
	json_t		*args, *v;
	char		*cause = NULL;
	size_t		 n = 0;

	memset(r, 0, sizeof *r);
	if (check_rule(rule, index, 0, &cause) != 0) {
		xasprintf(&r->invalid, "Invalid policy rule: %s", cause);
		free(cause);
		r->id = json_is_object(rule) ?
		    string_or_null(json_object_get(rule, "id")) : NULL;
		return;
	}
	r->id = string_or_null(json_object_get(rule, "id"));
	r->reason = string_or_null(json_object_get(rule, "reason"));
	r->action = string_or_null(json_object_get(rule, "action"));
	if (policy_action_parse(r->action, &r->decision) != 0)
		r->decision = POLICY_ACTION_OTHER;
	if ((v = json_object_get(rule, "tool")) != NULL)
		r->tool = policy_pattern_compile(v, NULL);
	if ((v = json_object_get(rule, "cwd")) != NULL)
		r->cwd = policy_pattern_compile(v, NULL);
	if ((v = json_object_get(rule, "session")) != NULL)
		r->session = policy_pattern_compile(v, NULL);
	if ((args = json_object_get(rule, "args")) != NULL) {
		r->args = xcalloc(json_object_size(args) + 1, sizeof *r->args);
		json_object_foreach(args, key, v) {
			r->args[n].key = xstrdup(key);
			r->args[n].pattern = policy_pattern_compile(v, NULL);
			if (strcmp(key, "command") == 0)
				r->has_command = 1;
			n++;
		}
		r->nargs = n;
	}
}

static void
policy_entry_free(struct compiled_policy *p)
{
	size_t	i;

	for (i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	free(p->id);
	free(p->session_id);
}

static int
policy_order(const void *a, const void *b)
{
	const struct compiled_policy	*pa = a, *pb = b;

	if (pa->priority != pb->priority)
		return pa->priority > pb->priority ? -1 : 1;
	return pa->order < pb->order ? -1 : (pa->order > pb->order);
}

struct policy_set_compiled *
policy_compile(json_t *policies, char **cause)
{
	struct policy_set_compiled	*set;
	struct compiled_policy		*p;
	json_t				*item, *v, *rules, *rule;
	const char			*id;
	size_t				 i, k;

	if (!json_is_array(policies)) {
		*cause = xstrdup("policies must be an array");
		return NULL;
	}
	set = xcalloc(1, sizeof *set);
	set->policies = xcalloc(json_array_size(policies) + 1,
	    sizeof *set->policies);
	json_array_foreach(policies, i, item) {
		if (!json_is_object(item)) {
			xasprintf(cause, "policy %zu is not an object", i);
			goto fail;
		}
		v = json_object_get(item, "id");
		if (!json_is_string(v) || *json_string_value(v) == '\0') {
			xasprintf(cause, "policy %zu has no id", i);
			goto fail;
		}
		id = json_string_value(v);
		v = json_object_get(item, "enabled");
		if (v != NULL && !json_is_boolean(v) && !json_is_integer(v)) {
			xasprintf(cause, "policy %s: enabled must be a boolean", id);
			goto fail;
		}
		if (v != NULL && (json_is_false(v) ||
		    (json_is_integer(v) && json_integer_value(v) == 0)))
			continue;
		v = json_object_get(item, "priority");
		if (v != NULL && !json_is_integer(v)) {
			xasprintf(cause, "policy %s: priority must be an integer",
			    id);
			goto fail;
		}
		rules = json_object_get(item, "rules");
		if (!json_is_array(rules)) {
			xasprintf(cause, "policy %s: rules must be an array", id);
			goto fail;
		}
		p = &set->policies[set->count];
		memset(p, 0, sizeof *p);
		p->priority = v != NULL ? json_integer_value(v) : 0;
		p->order = i;
		v = json_object_get(item, "sessionId");
		if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
			xasprintf(cause, "policy %s: sessionId must be a string or "
			    "null", id);
			goto fail;
		}
		p->id = xstrdup(id);
		p->session_id = string_or_null(v);
		p->rules = xcalloc(json_array_size(rules) + 1, sizeof *p->rules);
		json_array_foreach(rules, k, rule)
			rule_compile(rule, k, &p->rules[p->nrules++]);
		set->count++;
	}
	qsort(set->policies, set->count, sizeof *set->policies, policy_order);
	return set;

fail:
	policy_compiled_free(set);
	return NULL;
}

void
policy_compiled_free(struct policy_set_compiled *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->count; i++)
		policy_entry_free(&set->policies[i]);
	free(set->policies);
	free(set);
}

size_t
policy_compiled_count(const struct policy_set_compiled *set)
{
	return set != NULL ? set->count : 0;
}

/* ---------------------------------------------------------------------- */
/* Evaluation */

/*
 * One thing to decide: the request itself, or the request with args.command
 * replaced by one part of a compound Bash command.  opaque stands for a
 * command that could not be split: rules that look at args.command cannot
 * match it.
 */
struct unit {
	const char	*command;
	int		 opaque;
};

struct decided {
	struct policy_result		 result;
	const struct compiled_rule	*rule;
};

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static int
args_match(const struct compiled_rule *r, const struct policy_request *req,
    const struct unit *u)
{
	const struct rule_arg	*a;
	const char		*value;
	char			*owned;
	json_t			*v;
	size_t			 i;
	int			 ok;

	for (i = 0; i < r->nargs; i++) {
		a = &r->args[i];
		owned = NULL;
		if (u != NULL && strcmp(a->key, "command") == 0 &&
		    (u->command != NULL || u->opaque)) {
			if (u->opaque)
				return 0;
			value = u->command;
		} else {
			v = json_is_object(req->args) ?
			    json_object_get(req->args, a->key) : NULL;
			if (json_is_string(v))
				value = json_string_value(v);
			else
				value = owned = policy_value_string(v);
		}
		/* An empty value never satisfies an args criterion. */
		ok = *value != '\0' && policy_pattern_match(a->pattern, value);
		free(owned);
		if (!ok)
			return 0;
	}
	return 1;
}

static int
rule_matches(const struct compiled_rule *r, const struct policy_request *req,
    const struct unit *u)
{
	if (r->tool != NULL && !policy_pattern_match(r->tool, or_empty(req->tool)))
		return 0;
	if (r->nargs > 0 && !args_match(r, req, u))
		return 0;
	if (r->cwd != NULL && !policy_pattern_match(r->cwd, or_empty(req->cwd)))
		return 0;
	if (r->session != NULL &&
	    !policy_pattern_match(r->session, or_empty(req->session_id)))
		return 0;
	return 1;
}

static enum policy_action
default_action(const struct policy_request *req)
{
	return req->default_action == POLICY_ACTION_DENY ?
	    POLICY_ACTION_DENY : POLICY_ACTION_ASK;
}

static void
decide_default(const struct policy_request *req, int part, struct decided *d)
{
	memset(d, 0, sizeof *d);
	d->result.decision = default_action(req);
	d->result.action = policy_action_name(d->result.decision);
	d->result.reason = policy_default_reason(d->result.decision);
	d->result.rule_index = -1;
	d->result.is_default = 1;
	d->result.part_index = part;
}

/* §5.2: priority order (fixed at compile time), first matching rule wins. */
static void
decide_unit(const struct policy_set_compiled *set,
    const struct policy_request *req, const struct unit *u, int part,
    struct decided *d)
{
	const struct compiled_policy	*p;
	const struct compiled_rule	*r;
	size_t				 i, k;

	for (i = 0; set != NULL && i < set->count; i++) {
		p = &set->policies[i];
		if (p->session_id != NULL &&
		    strcmp(p->session_id, or_empty(req->session_id)) != 0)
			continue;
		for (k = 0; k < p->nrules; k++) {
			r = &p->rules[k];
			if (r->invalid == NULL && !rule_matches(r, req, u))
				continue;
			memset(d, 0, sizeof *d);
			d->rule = r;
			d->result.policy_id = p->id;
			d->result.rule_id = r->id;
			d->result.rule_index = (int)k;
			d->result.part_index = part;
			if (r->invalid != NULL) {
				/* Fail safe: never allow past a broken rule. */
				d->result.decision = default_action(req);
				d->result.action =
				    policy_action_name(d->result.decision);
				d->result.reason = r->invalid;
			} else {
				d->result.decision = r->decision;
				d->result.action = r->action;
				d->result.reason = r->reason;
			}
			return;
		}
	}
	decide_default(req, part, d);
}

static const char *
bash_command(const struct policy_request *req)
{
	json_t	*v;

	if (req->tool == NULL || strcmp(req->tool, "Bash") != 0 ||
	    !json_is_object(req->args))
		return NULL;
	v = json_object_get(req->args, "command");
	if (!json_is_string(v) || *json_string_value(v) == '\0')
		return NULL;
	return json_string_value(v);
}

static int
same_trimmed(const char *part, const char *command)
{
	const char	*end;
	size_t		 n = strlen(part);

	while (*command == ' ' || *command == '\t' || *command == '\n' ||
	    *command == '\r')
		command++;
	end = command + strlen(command);
	while (end > command && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		end--;
	return (size_t)(end - command) == n && memcmp(part, command, n) == 0;
}

enum part_test {
	PART_DENIED_BY_RULE,
	PART_DENIED,
	PART_NOT_ALLOWED_BY_RULE,
	PART_NOT_ALLOWED
};

static int
first_part(const struct decided *parts, size_t n, enum part_test test)
{
	const struct policy_result	*r;
	size_t				 i;

	for (i = 0; i < n; i++) {
		r = &parts[i].result;
		switch (test) {
		case PART_DENIED_BY_RULE:
			if (r->decision == POLICY_ACTION_DENY && !r->is_default)
				return (int)i;
			break;
		case PART_DENIED:
			if (r->decision == POLICY_ACTION_DENY)
				return (int)i;
			break;
		case PART_NOT_ALLOWED_BY_RULE:
			if (r->decision != POLICY_ACTION_ALLOW && !r->is_default)
				return (int)i;
			break;
		case PART_NOT_ALLOWED:
			if (r->decision != POLICY_ACTION_ALLOW)
				return (int)i;
			break;
		}
	}
	return -1;
}

/*
 * Combine the decisions for a compound Bash command (docs/policies.md §5):
 * deny beats ask beats allow, and a rule's word is reported before the
 * default's.  The whole command's own decision counts only when a rule
 * about args.command made it and it is not an allow: an allow for the whole
 * text is exactly what let `ls *` allow `ls x && rm -rf /`.  (Its deny was
 * already taken before splitting.)
 */
static void
combine_parts(const struct decided *whole, const struct decided *parts,
    size_t n, struct policy_result *out)
{
	int	i;

	if ((i = first_part(parts, n, PART_DENIED_BY_RULE)) != -1 ||
	    (i = first_part(parts, n, PART_DENIED)) != -1) {
		*out = parts[i].result;
		return;
	}
	if (!whole->result.is_default && whole->rule->has_command &&
	    whole->result.decision != POLICY_ACTION_ALLOW) {
		*out = whole->result;
		return;
	}
	if ((i = first_part(parts, n, PART_NOT_ALLOWED_BY_RULE)) != -1 ||
	    (i = first_part(parts, n, PART_NOT_ALLOWED)) != -1) {
		*out = parts[i].result;
		return;
	}
	*out = parts[0].result;
}

int
policy_evaluate(const struct policy_set_compiled *set,
    const struct policy_request *req, struct policy_result *out)
{
	struct decided	 whole, opaque, *decided;
	struct unit	 unit;
	const char	*command;
	char		**parts = NULL;
	size_t		 n = 0, i;

	if (req == NULL || out == NULL)
		return -1;
	decide_unit(set, req, NULL, -1, &whole);
	*out = whole.result;
	if ((command = bash_command(req)) == NULL)
		return 0;
	/* A deny from a rule about the command text stands as it is. */
	if (!whole.result.is_default && whole.rule != NULL &&
	    whole.rule->has_command && whole.result.decision == POLICY_ACTION_DENY)
		return 0;

	memset(&unit, 0, sizeof unit);
	if (shell_split(command, &parts, &n) != 0) {
		unit.opaque = 1;
		decide_unit(set, req, &unit, -1, &opaque);
		combine_parts(&whole, &opaque, 1, out);
		return 0;
	}
	if (n == 0 || (n == 1 && same_trimmed(parts[0], command))) {
		shell_split_free(parts, n);
		return 0;
	}
	decided = xcalloc(n, sizeof *decided);
	for (i = 0; i < n; i++) {
		unit.command = parts[i];
		decide_unit(set, req, &unit, (int)i, &decided[i]);
	}
	combine_parts(&whole, decided, n, out);
	free(decided);
	shell_split_free(parts, n);
	return 0;
}
