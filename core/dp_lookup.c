/* core/dp_lookup.c - finding the extension a dialled string selects: contexts, includes, caller id, hints. */
#include "config.h"

#include <string.h>

#include "dp_int.h"
#include "lyre/timing.h"
#include "lyre/utils.h"

/*
 * A lookup follows Asterisk's pbx_find_extension: the context's own
 * extensions in order (literals, then patterns from the most specific;
 * for one name, the caller-id variants first), then each include in file
 * order, depth first.  A context is searched once per lookup, so include
 * loops end, and at most DP_MAX_SEARCH contexts are visited.  Nothing here
 * allocates: the plan is read-only and shared between channel threads.
 */

enum search_result {
	SEARCH_NONE,
	SEARCH_FOUND,
	SEARCH_STOP,	/* an early match ('!') decided MATCHMORE: "no" */
};

/* What an extension must have to count (> 0: that priority). */
#define WANT_ANY 0
#define WANT_HINT (-1)

struct search {
	const char *data;	/* as dialled */
	const char *key;	/* without '-', NULL when too long for a literal */
	size_t keylen;
	const char *cid;
	enum dp_match_mode mode;
	time_t now;
	bool want_hint;		/* hints instead of priorities */
	int want_prio;		/* > 0: only extensions that have this priority */
	const struct dp_context *visited[DP_MAX_SEARCH];
	unsigned nvisited;
	const struct dp_exten *found;
	const char *found_context;
};

/* Asterisk's matchcid: no caller id meets only an empty condition. */
bool dp_exten_cid_ok(const struct dp_exten *e, const char *cid)
{
	if (!e->cid)
		return true;
	if (!cid || !*cid)
		return !*e->cid;
	if (e->cid_is_pattern)
		return dp_pat_match(&e->cidpat, cid, DP_MATCH_EXISTS) != DP_HIT_NONE;
	return dp_literal_match(e->cidkey, cid, DP_MATCH_EXISTS) != DP_HIT_NONE;
}

/*
 * An extension that holds only a hint cannot run, so a call goes on to
 * the next match (a pattern below the hint), as Asterisk does when the
 * priority it looks for is missing.
 */
static bool usable(const struct search *s, const struct dp_exten *e)
{
	if (!dp_exten_cid_ok(e, s->cid))
		return false;
	if (s->want_hint)
		return e->hint != NULL;
	return s->want_prio > 0 ? dp_exten_prio(e, s->want_prio) != NULL : e->nprio > 0;
}

static bool found(struct search *s, const struct dp_context *ctx, const struct dp_exten *e)
{
	s->found = e;
	s->found_context = ctx->name;
	return true;
}

static bool literal_exact(struct search *s, const struct dp_context *ctx)
{
	for (uint32_t h = dp_hash_str(s->key);; h++) {
		uint32_t slot = ctx->lit_hash[h & ctx->lit_mask];

		if (!slot)
			return false;
		if (strcmp(ctx->literals[slot - 1]->key, s->key) != 0)
			continue;
		/* the run of this key: caller-id variants first */
		for (unsigned i = slot - 1; i < ctx->nlit && strcmp(ctx->literals[i]->key, s->key) == 0; i++)
			if (usable(s, ctx->literals[i]))
				return found(s, ctx, ctx->literals[i]);
		return false;
	}
}

/* First literal whose key is >= the dialled key. */
static unsigned literal_lower_bound(const struct dp_context *ctx, const char *key)
{
	unsigned lo = 0, hi = ctx->nlit;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (strcmp(ctx->literals[mid]->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* CANMATCH / MATCHMORE: literals that start with what was dialled. */
static bool literal_prefix(struct search *s, const struct dp_context *ctx)
{
	for (unsigned i = literal_lower_bound(ctx, s->key); i < ctx->nlit; i++) {
		const struct dp_exten *e = ctx->literals[i];

		if (strncmp(e->key, s->key, s->keylen) != 0)
			break;
		if (s->mode == DP_MATCH_MATCHMORE && e->key[s->keylen] == '\0')
			continue;
		if (usable(s, e))
			return found(s, ctx, e);
	}
	return false;
}

static bool search_literals(struct search *s, const struct dp_context *ctx)
{
	if (!s->key || !ctx->nlit)
		return false;
	return s->mode == DP_MATCH_EXISTS ? literal_exact(s, ctx) : literal_prefix(s, ctx);
}

static enum dp_hit pattern_hit(const struct search *s, const struct dp_exten *e)
{
	/* Asterisk lets "_X." name the pattern itself (a Goto to a pattern). */
	if (s->mode == DP_MATCH_EXISTS && s->data[0] == '_' &&
	    dp_pattern_cmp(e->name, s->data) == 0)
		return DP_HIT_MATCH;
	return dp_pat_match(&e->pat, s->data, s->mode);
}

static enum search_result search_patterns(struct search *s, const struct dp_context *ctx)
{
	for (unsigned i = 0; i < ctx->npat; i++) {
		const struct dp_exten *e = ctx->patterns[i];
		enum dp_hit hit = pattern_hit(s, e);

		if (hit == DP_HIT_NONE || !dp_exten_cid_ok(e, s->cid))
			continue;
		/* The first pattern that matches with '!' settles MATCHMORE:
		 * the caller dialled enough (Asterisk's "early match"). */
		if (hit == DP_HIT_EARLY && s->mode == DP_MATCH_MATCHMORE)
			return SEARCH_STOP;
		if (usable(s, e)) {
			found(s, ctx, e);
			return SEARCH_FOUND;
		}
	}
	return SEARCH_NONE;
}

static bool include_open(const struct dp_include *inc, time_t now)
{
	return inc->ctx && (!inc->timed || ly_timing_match(&inc->timing, now));
}

static bool seen(struct search *s, const struct dp_context *ctx)
{
	for (unsigned i = 0; i < s->nvisited; i++)
		if (s->visited[i] == ctx)
			return true;
	return false;
}

static enum search_result search_context(struct search *s, const struct dp_context *ctx)
{
	enum search_result r;

	if (seen(s, ctx) || s->nvisited == DP_MAX_SEARCH)
		return SEARCH_NONE;
	s->visited[s->nvisited++] = ctx;
	if (search_literals(s, ctx))
		return SEARCH_FOUND;
	r = search_patterns(s, ctx);
	if (r != SEARCH_NONE)
		return r;
	/* An early match inside an include ends that include only: the
	 * next one is still searched, as in Asterisk. */
	for (unsigned i = 0; i < ctx->ninclude; i++)
		if (include_open(&ctx->includes[i], s->now) &&
		    search_context(s, ctx->includes[i].ctx) == SEARCH_FOUND)
			return SEARCH_FOUND;
	return SEARCH_NONE;
}

static const struct dp_exten *search(const struct dp_plan *plan, const char *context,
				     const char *exten, const char *cid, enum dp_match_mode mode,
				     time_t now, int want, const char **found_context)
{
	const struct dp_context *ctx = dp_context_find(plan, context);
	char key[DP_MAX_KEY];
	struct search s;

	if (!ctx || !exten)
		return NULL;
	s.data = exten;
	s.key = dp_key_copy(exten, key, sizeof(key)) ? key : NULL;
	s.keylen = s.key ? strlen(key) : 0;
	s.cid = cid;
	s.mode = mode;
	s.now = now;
	s.want_hint = want == WANT_HINT;
	s.want_prio = want;
	s.nvisited = 0;
	s.found = NULL;
	s.found_context = NULL;
	if (search_context(&s, ctx) != SEARCH_FOUND)
		return NULL;
	if (found_context)
		*found_context = s.found_context;
	return s.found;
}

const struct dp_exten *dp_find_exten(const struct dp_plan *plan, const char *context,
				     const char *exten, const char *cid, time_t now,
				     const char **found_context)
{
	return search(plan, context, exten, cid, DP_MATCH_EXISTS, now, WANT_ANY, found_context);
}

/* Asterisk's pbx_find_extension looks for a priority, not an extension:
 * when the best match lacks it, a less specific one that has it runs. */
const struct dp_exten *dp_find_exten_prio(const struct dp_plan *plan, const char *context,
					  const char *exten, const char *cid, int priority,
					  time_t now, const char **found_context)
{
	if (priority < 1)
		return NULL;
	return search(plan, context, exten, cid, DP_MATCH_EXISTS, now, priority, found_context);
}

bool dp_match(const struct dp_plan *plan, const char *context, const char *exten,
	      const char *cid, enum dp_match_mode mode, time_t now)
{
	return search(plan, context, exten, cid, mode, now, WANT_ANY, NULL) != NULL;
}

/* Hints are found like calls (patterns and includes), with no caller id,
 * as Asterisk's ast_get_hint looks them up. */
const char *dp_hint(const struct dp_plan *plan, const char *context, const char *exten)
{
	const struct dp_exten *e = search(plan, context, exten, NULL, DP_MATCH_EXISTS,
					  time(NULL), WANT_HINT, NULL);

	return e ? e->hint : NULL;
}

/* Only the context's own ignorepat lines count, as in ast_ignore_pattern. */
bool dp_ignorepat(const struct dp_plan *plan, const char *context, const char *digits)
{
	const struct dp_context *ctx = dp_context_find(plan, context);

	if (!ctx || !digits)
		return false;
	for (unsigned i = 0; i < ctx->nignore; i++) {
		const struct dp_ignorepat *ig = &ctx->ignorepats[i];
		enum dp_hit hit = ig->is_pattern ?
			dp_pat_match(&ig->pat, digits, DP_MATCH_EXISTS) :
			dp_literal_match(ig->key, digits, DP_MATCH_EXISTS);

		if (hit != DP_HIT_NONE)
			return true;
	}
	return false;
}

bool dp_context_exists(const struct dp_plan *plan, const char *context)
{
	return dp_context_find(plan, context) != NULL;
}
