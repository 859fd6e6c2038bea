/* core/dp_pattern.c - extension patterns: syntax check, compiling, matching, and Asterisk's ordering. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_int.h"
#include "lyre/utils.h"

/*
 * The rules are Asterisk's (main/pbx.c, extension_match_core and ext_cmp):
 *   - a name starting with '_' is a pattern: X = [0-9], Z = [1-9],
 *     N = [2-9] (either case), [a-c7] a set, '.' one or more of anything,
 *     '!' zero or more of anything, ending the match early;
 *   - '-' is "eye candy" and ignored, in names and in dialled digits, so
 *     _NXX-XXXX and 555-1234 read well;
 *   - everything else compares exactly, case included: Asterisk compares
 *     extension characters with '==' and hashes names with strcmp, so
 *     extension "abc" is not reached by dialling "ABC".  Lyre keeps that.
 */

/* ---- character sets ---- */

static void cset_add(struct dp_cset *s, unsigned char c)
{
	s->w[c >> 6] |= (uint64_t)1 << (c & 63);
}

static void cset_add_range(struct dp_cset *s, unsigned char lo, unsigned char hi)
{
	for (unsigned c = lo; c <= hi; c++)
		cset_add(s, (unsigned char)c);
}

static bool cset_has(const struct dp_cset *s, unsigned char c)
{
	return (s->w[c >> 6] >> (c & 63)) & 1;
}

static bool cset_empty(const struct dp_cset *s)
{
	return !(s->w[0] | s->w[1] | s->w[2] | s->w[3]);
}

/*
 * The members of "[...]" from start (after '[') to end (the ']').  "a-c"
 * is a range only when a character follows the '-' inside the set, so a
 * '-' just before ']' is literal, as in Asterisk.
 */
static void cset_parse(struct dp_cset *s, const char *start, const char *end)
{
	for (const char *p = start; p < end; p++) {
		if (p + 2 < end && p[1] == '-') {
			if ((unsigned char)p[0] <= (unsigned char)p[2])
				cset_add_range(s, (unsigned char)p[0], (unsigned char)p[2]);
			p += 2;
		} else {
			cset_add(s, (unsigned char)*p);
		}
	}
}

/* The set of a wildcard letter, or false for an ordinary character. */
static bool cset_wildcard(char c, struct dp_cset *s)
{
	switch (c) {
	case 'X': case 'x':
		cset_add_range(s, '0', '9');
		return true;
	case 'Z': case 'z':
		cset_add_range(s, '1', '9');
		return true;
	case 'N': case 'n':
		cset_add_range(s, '2', '9');
		return true;
	default:
		return false;
	}
}

/* ---- checking and compiling ---- */

int dp_pattern_check(const char *pattern, const char **why)
{
	const char *p = pattern[0] == '_' ? pattern + 1 : pattern;

	if (pattern[0] != '_')
		return 0;
	for (; *p; p++) {
		if (*p != '[')
			continue;
		p = strchr(p, ']');
		if (!p) {
			*why = "'[' without a closing ']'";
			return EINVAL;
		}
	}
	return 0;
}

static void pat_push(struct dp_pat *out, unsigned *cap, const struct dp_cset *s)
{
	if (out->npos == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		out->pos = ly_realloc(out->pos, *cap * sizeof(*out->pos));
	}
	out->pos[out->npos++] = *s;
}

/*
 * One set per position, so that matching is a table test per digit.  The
 * pattern stops at '.', '!' or '/' (the caller-id separator): Asterisk
 * accepts anything once '.' or '!' is reached, so what follows them never
 * matters.  An unterminated '[' becomes an empty set, which matches
 * nothing: Asterisk fails the match when it reaches such a set.
 */
void dp_pat_compile(const char *pattern, struct dp_pat *out)
{
	const char *p = pattern[0] == '_' ? pattern + 1 : pattern;
	unsigned cap = 0;

	memset(out, 0, sizeof(*out));
	for (; *p && *p != '/'; p++) {
		struct dp_cset s = { { 0 } };
		const char *end;

		if (*p == '-' || *p == ' ')
			continue;
		if (*p == '.' || *p == '!') {
			out->tail = *p == '.' ? DP_TAIL_DOT : DP_TAIL_BANG;
			return;
		}
		if (*p != '[') {
			if (!cset_wildcard(*p, &s))
				cset_add(&s, (unsigned char)*p);
			pat_push(out, &cap, &s);
			continue;
		}
		end = strchr(p + 1, ']');
		if (!end) {
			pat_push(out, &cap, &s);
			return;
		}
		cset_parse(&s, p + 1, end);
		if (!cset_empty(&s))	/* "[]" is skipped, as in Asterisk */
			pat_push(out, &cap, &s);
		p = end;
	}
}

void dp_pat_free(struct dp_pat *p)
{
	free(p->pos);
	p->pos = NULL;
	p->npos = 0;
}

/* ---- matching ---- */

/* What the pattern says once the digits ran out at position i. */
static enum dp_hit pat_at_end_of_data(const struct dp_pat *p, unsigned i, enum dp_match_mode mode)
{
	if (i < p->npos)	/* more positions to fill: a prefix */
		return mode == DP_MATCH_EXISTS ? DP_HIT_NONE : DP_HIT_MATCH;
	switch (p->tail) {
	case DP_TAIL_BANG:
		return DP_HIT_EARLY;
	case DP_TAIL_DOT:	/* '.' still wants one more character */
		return mode == DP_MATCH_EXISTS ? DP_HIT_NONE : DP_HIT_MATCH;
	case DP_TAIL_NONE:
	default:
		return mode == DP_MATCH_MATCHMORE ? DP_HIT_NONE : DP_HIT_MATCH;
	}
}

enum dp_hit dp_pat_match(const struct dp_pat *p, const char *data, enum dp_match_mode mode)
{
	const unsigned char *d = (const unsigned char *)data;
	unsigned i = 0;

	for (;; d++) {
		if (*d == '-')
			continue;
		if (!*d || i == p->npos)
			break;
		if (!cset_has(&p->pos[i], *d))
			return DP_HIT_NONE;
		i++;
	}
	if (!*d)
		return pat_at_end_of_data(p, i, mode);
	/* digits left over after the last position */
	if (p->tail == DP_TAIL_DOT)
		return DP_HIT_MATCH;
	return p->tail == DP_TAIL_BANG ? DP_HIT_EARLY : DP_HIT_NONE;
}

/* Dialled data against a literal key (no '-' in it): Asterisk's rules for
 * non-pattern names, where a prefix "can match" and a longer name "matches more". */
enum dp_hit dp_literal_match(const char *key, const char *data, enum dp_match_mode mode)
{
	const char *k = key;
	const char *d = data;

	for (;; d++) {
		if (*d == '-')
			continue;
		if (!*d)
			break;
		if (*k != *d)
			return DP_HIT_NONE;	/* differs, or the name is shorter */
		k++;
	}
	if (mode == DP_MATCH_EXISTS)
		return *k ? DP_HIT_NONE : DP_HIT_MATCH;
	if (mode == DP_MATCH_MATCHMORE)
		return *k ? DP_HIT_MATCH : DP_HIT_NONE;
	return DP_HIT_MATCH;
}

bool dp_key_copy(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '-' || *s == ' ')
			continue;
		if (n + 1 >= size)
			return false;
		out[n++] = *s;
	}
	out[n] = '\0';
	return true;
}

bool dp_pattern_match(const char *pattern, const char *exten, enum dp_match_mode mode)
{
	char key[DP_MAX_KEY];
	struct dp_pat p;
	enum dp_hit hit;

	if (!pattern || !exten)
		return false;
	if (pattern[0] != '_')
		return dp_key_copy(pattern, key, sizeof(key)) &&
		       dp_literal_match(key, exten, mode) != DP_HIT_NONE;
	dp_pat_compile(pattern, &p);
	hit = dp_pat_match(&p, exten, mode);
	dp_pat_free(&p);
	return hit != DP_HIT_NONE;
}

/* ---- ordering ---- */

/*
 * Asterisk's ext_cmp: literal names sort before patterns; two patterns
 * compare position by position by a score whose bits 0-7 are the lowest
 * character of the position's set and bits 8-15 the number of characters
 * in it, so a position with fewer choices is more specific (1 < N < Z < X).
 * The wildcards score above any set: '.' (0x18000) before '!' (0x28000)
 * before the end of the pattern (0x30000); a broken set scores 0x40000.
 * Equal scores fall back to the sets themselves, lower characters first.
 * Examples from the Asterisk documentation: _1XX < _NXX < _X.  and
 * _NXXXXXX < _X. ; 12 < _12 (literals first).
 */
#define SCORE_DOT 0x18000
#define SCORE_BANG 0x28000
#define SCORE_END 0x30000
#define SCORE_BROKEN 0x40000

struct cmp_cursor {
	const char *p;
	bool ended;
	unsigned char bits[32];	/* bit (7 - c % 8) of byte c / 8: low characters weigh most */
};

static void cmp_add(struct cmp_cursor *c, unsigned char ch, int *count)
{
	unsigned char mask = (unsigned char)(1u << (7 - ch % 8));

	if (c->bits[ch / 8] & mask)
		return;
	c->bits[ch / 8] |= mask;
	*count += 0x100;
}

static int cmp_score_set(struct cmp_cursor *c, const char *end)
{
	unsigned char lowest = 0xff;
	int count = 0;

	for (; c->p < end; c->p++) {
		unsigned char lo = (unsigned char)c->p[0], hi = lo;

		if (c->p + 2 < end && c->p[1] == '-') {
			hi = (unsigned char)c->p[2];
			c->p += 2;
		}
		if (lo < lowest)
			lowest = lo;
		for (unsigned ch = lo; ch <= hi; ch++)
			cmp_add(c, (unsigned char)ch, &count);
	}
	c->p++;		/* the ']' */
	return count ? count | lowest : 0;
}

static int cmp_score_wild(struct cmp_cursor *c, unsigned char lo, unsigned char hi)
{
	int count = 0;

	for (unsigned ch = lo; ch <= hi; ch++)
		cmp_add(c, (unsigned char)ch, &count);
	return count | lo;
}

/* The score of the next position of a pattern; fills c->bits. */
static int cmp_next(struct cmp_cursor *c)
{
	for (;;) {
		unsigned char ch;
		const char *end;
		int score;

		memset(c->bits, 0, sizeof(c->bits));
		do
			ch = (unsigned char)*c->p++;
		while (ch == '-');
		switch (ch) {
		case '\0':
			c->ended = true;
			return SCORE_END;
		case '.':
			return SCORE_DOT;
		case '!':
			return SCORE_BANG;
		case 'N': case 'n':
			return cmp_score_wild(c, '2', '9');
		case 'X': case 'x':
			return cmp_score_wild(c, '0', '9');
		case 'Z': case 'z':
			return cmp_score_wild(c, '1', '9');
		case '[':
			end = strchr(c->p, ']');
			if (!end)
				return SCORE_BROKEN;
			score = cmp_score_set(c, end);
			if (score)
				return score;
			continue;	/* an empty set is no position */
		default:
			c->bits[ch / 8] = (unsigned char)(1u << (7 - ch % 8));
			return 0x100 | ch;
		}
	}
}

static int cmp_patterns(const char *a, const char *b)
{
	struct cmp_cursor l = { .p = a }, r = { .p = b };

	for (;;) {
		int cmp = cmp_next(&l) - cmp_next(&r);

		if (!cmp)	/* same score: the set with lower characters first */
			cmp = memcmp(r.bits, l.bits, sizeof(l.bits));
		if (cmp || l.ended)
			return cmp;
	}
}

/* Two literal names, ignoring the '-' fluff. */
static int cmp_literals(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-')
			a++;
		while (*b == '-')
			b++;
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
}

int dp_pattern_cmp(const char *a, const char *b)
{
	bool pa = a[0] == '_', pb = b[0] == '_';
	int cmp;

	if (pa != pb)
		return pa ? 1 : -1;
	cmp = pa ? cmp_patterns(a + 1, b + 1) : cmp_literals(a, b);
	return cmp < 0 ? -1 : cmp > 0;
}
