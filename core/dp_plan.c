/* core/dp_plan.c - the dialplan object: its arena, building contexts and extensions, sorting, freeing. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_int.h"
#include "lyre/utils.h"

/* ---- arena: every string of a plan, freed at once with it ---- */

#define ARENA_CHUNK 65536

struct dp_arena_chunk {
	struct dp_arena_chunk *next;
	size_t used, size;
	char data[];
};

static char *arena_alloc(struct dp_plan *plan, size_t n)
{
	struct dp_arena_chunk *c = plan->arena;

	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = ly_malloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = plan->arena;
		plan->arena = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

const char *dp_arena_strndup(struct dp_plan *plan, const char *s, size_t n)
{
	char *d = arena_alloc(plan, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

const char *dp_arena_strdup(struct dp_plan *plan, const char *s)
{
	return s ? dp_arena_strndup(plan, s, strlen(s)) : NULL;
}

/* ---- small helpers ---- */

/* FNV-1a: short keys, no allocation, good enough spread for digits. */
uint32_t dp_hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void grow(void **array, unsigned *cap, unsigned need, size_t elem)
{
	if (need <= *cap)
		return;
	*cap = *cap ? *cap * 2 : 8;
	if (*cap < need)
		*cap = need;
	*array = ly_realloc(*array, *cap * elem);
}

/* A table of 1 + index, sized to a power of two at least twice n. */
static uint32_t *table_new(unsigned n, uint32_t *mask)
{
	uint32_t size = 16;

	while (size < 2 * n)
		size *= 2;
	*mask = size - 1;
	return ly_calloc(size, sizeof(uint32_t));
}

struct dp_plan *dp_plan_new(void)
{
	struct dp_plan *plan = ly_calloc(1, sizeof(*plan));

	atomic_init(&plan->refs, 1);
	plan->general.autofallthrough = true;
	plan->ctx_hash = table_new(0, &plan->ctx_mask);
	return plan;
}

void dp_plan_warn(struct dp_plan *plan, const char *file, int line, const char *fmt, ...)
{
	struct ly_buf b;
	va_list ap;

	ly_buf_init(&b);
	ly_buf_printf(&b, "%s:%d: ", file, line);
	va_start(ap, fmt);
	ly_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	grow((void **)&plan->warnings, &plan->capwarning, plan->nwarning + 1, sizeof(char *));
	plan->warnings[plan->nwarning++] = b.data;
}

void dp_plan_foreach_warning(const struct dp_plan *plan,
			     void (*fn)(const char *msg, void *arg), void *arg)
{
	for (unsigned i = 0; i < plan->nwarning; i++)
		fn(plan->warnings[i], arg);
}

/* ---- contexts ---- */

static void ctx_hash_insert(struct dp_plan *plan, unsigned index)
{
	uint32_t h = dp_hash_str(plan->contexts[index]->name);

	while (plan->ctx_hash[h & plan->ctx_mask])
		h++;
	plan->ctx_hash[h & plan->ctx_mask] = index + 1;
}

/* Context names compare exactly, as Asterisk's context table does. */
struct dp_context *dp_context_find(const struct dp_plan *plan, const char *name)
{
	uint32_t h;

	if (!plan || !name)
		return NULL;
	for (h = dp_hash_str(name);; h++) {
		uint32_t slot = plan->ctx_hash[h & plan->ctx_mask];

		if (!slot)
			return NULL;
		if (strcmp(plan->contexts[slot - 1]->name, name) == 0)
			return plan->contexts[slot - 1];
	}
}

/* A context written twice ([x] ... [x]) is one context, as Asterisk's
 * ast_context_find_or_create makes it. */
struct dp_context *dp_context_get_or_add(struct dp_plan *plan, const char *name,
					 const char *file, int line)
{
	struct dp_context *ctx = dp_context_find(plan, name);

	if (ctx)
		return ctx;
	ctx = ly_calloc(1, sizeof(*ctx));
	ctx->name = dp_arena_strdup(plan, name);
	ctx->file = file;
	ctx->line = line;
	ctx->build_hash = table_new(0, &ctx->build_mask);
	grow((void **)&plan->contexts, &plan->capcontext, plan->ncontext + 1, sizeof(ctx));
	plan->contexts[plan->ncontext++] = ctx;
	if (2 * plan->ncontext > plan->ctx_mask + 1) {
		free(plan->ctx_hash);
		plan->ctx_hash = table_new(plan->ncontext, &plan->ctx_mask);
		for (unsigned i = 0; i < plan->ncontext; i++)
			ctx_hash_insert(plan, i);
	} else {
		ctx_hash_insert(plan, plan->ncontext - 1);
	}
	return ctx;
}

/* ---- extensions ---- */

static bool same_cid(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static uint32_t exten_hash(const char *key, const char *cid)
{
	return dp_hash_str(key) ^ (cid ? dp_hash_str(cid) * 31u + 1u : 0);
}

static void build_hash_insert(struct dp_context *ctx, unsigned index)
{
	const struct dp_exten *e = ctx->extens[index];
	uint32_t h = exten_hash(e->key, e->cid);

	while (ctx->build_hash[h & ctx->build_mask])
		h++;
	ctx->build_hash[h & ctx->build_mask] = index + 1;
}

static struct dp_exten *build_find(const struct dp_context *ctx, const char *key, const char *cid)
{
	for (uint32_t h = exten_hash(key, cid);; h++) {
		uint32_t slot = ctx->build_hash[h & ctx->build_mask];

		if (!slot)
			return NULL;
		if (strcmp(ctx->extens[slot - 1]->key, key) == 0 &&
		    same_cid(ctx->extens[slot - 1]->cid, cid))
			return ctx->extens[slot - 1];
	}
}

static void exten_set_cid(struct dp_plan *plan, struct dp_exten *e, const char *cid)
{
	char key[DP_MAX_KEY];

	if (!cid)
		return;
	e->cid = dp_arena_strdup(plan, cid);
	e->cid_is_pattern = cid[0] == '_';
	if (e->cid_is_pattern)
		dp_pat_compile(cid, &e->cidpat);
	else
		e->cidkey = dp_key_copy(cid, key, sizeof(key)) ? dp_arena_strdup(plan, key) : e->cid;
}

/*
 * The same name with and without '-' fluff ("555-1234", "5551234") is one
 * extension, as in Asterisk where ext_cmp finds them equal.  The loader
 * checks lengths, so the key always fits.
 */
struct dp_exten *dp_exten_get_or_add(struct dp_plan *plan, struct dp_context *ctx,
				     const char *name, const char *cid, const char *file, int line)
{
	char key[DP_MAX_KEY];
	struct dp_exten *e;

	if (!dp_key_copy(name, key, sizeof(key)))
		ly_strlcpy(key, name, sizeof(key));
	e = build_find(ctx, key, cid);
	if (e)
		return e;
	e = ly_calloc(1, sizeof(*e));
	e->name = dp_arena_strdup(plan, name);
	e->key = dp_arena_strdup(plan, key);
	e->is_pattern = name[0] == '_';
	if (e->is_pattern)
		dp_pat_compile(name, &e->pat);
	exten_set_cid(plan, e, cid);
	e->file = file;
	e->line = line;
	grow((void **)&ctx->extens, &ctx->capexten, ctx->nexten + 1, sizeof(e));
	ctx->extens[ctx->nexten++] = e;
	if (2 * ctx->nexten > ctx->build_mask + 1) {
		free(ctx->build_hash);
		ctx->build_hash = table_new(ctx->nexten, &ctx->build_mask);
		for (unsigned i = 0; i < ctx->nexten; i++)
			build_hash_insert(ctx, i);
	} else {
		build_hash_insert(ctx, ctx->nexten - 1);
	}
	return e;
}

static int prio_search(const struct dp_exten *e, int priority, unsigned *at)
{
	unsigned lo = 0, hi = e->nprio;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (e->prios[mid].priority < priority)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < e->nprio && e->prios[lo].priority == priority;
}

int dp_exten_add_prio(struct dp_exten *e, const struct dp_prio *prio,
		      const struct dp_prio **clash)
{
	unsigned at;

	if (prio_search(e, prio->priority, &at)) {
		*clash = &e->prios[at];
		return EEXIST;
	}
	grow((void **)&e->prios, &e->capprio, e->nprio + 1, sizeof(*prio));
	memmove(&e->prios[at + 1], &e->prios[at], (e->nprio - at) * sizeof(*prio));
	e->prios[at] = *prio;
	e->nprio++;
	return 0;
}

/* ---- finishing: the lookup layout ---- */

/* For the same name, an extension with a caller-id condition comes first,
 * those ordered by their caller-id patterns (Asterisk's add_extension2). */
static int cmp_cid(const struct dp_exten *a, const struct dp_exten *b)
{
	if (!a->cid || !b->cid)
		return (a->cid ? -1 : 0) + (b->cid ? 1 : 0);
	return dp_pattern_cmp(a->cid, b->cid);
}

static int cmp_literal_extens(const void *pa, const void *pb)
{
	const struct dp_exten *a = *(const struct dp_exten *const *)pa;
	const struct dp_exten *b = *(const struct dp_exten *const *)pb;
	int cmp = strcmp(a->key, b->key);

	return cmp ? cmp : cmp_cid(a, b);
}

static int cmp_pattern_extens(const void *pa, const void *pb)
{
	const struct dp_exten *a = *(const struct dp_exten *const *)pa;
	const struct dp_exten *b = *(const struct dp_exten *const *)pb;
	int cmp = dp_pattern_cmp(a->name, b->name);

	if (!cmp)
		cmp = cmp_cid(a, b);
	/* "_1xx" and "_1XX" score the same: keep the order stable anyway */
	return cmp ? cmp : strcmp(a->key, b->key);
}

static void build_literal_hash(struct dp_context *ctx)
{
	ctx->lit_hash = table_new(ctx->nlit, &ctx->lit_mask);
	for (unsigned i = 0; i < ctx->nlit; i++) {
		uint32_t h;

		if (i && strcmp(ctx->literals[i - 1]->key, ctx->literals[i]->key) == 0)
			continue;	/* the run's first entry stands for it */
		for (h = dp_hash_str(ctx->literals[i]->key); ctx->lit_hash[h & ctx->lit_mask]; h++)
			;
		ctx->lit_hash[h & ctx->lit_mask] = i + 1;
	}
}

static void context_finish(struct dp_plan *plan, struct dp_context *ctx)
{
	ctx->literals = ly_calloc(ctx->nexten + 1, sizeof(*ctx->literals));
	ctx->patterns = ly_calloc(ctx->nexten + 1, sizeof(*ctx->patterns));
	for (unsigned i = 0; i < ctx->nexten; i++) {
		struct dp_exten *e = ctx->extens[i];

		/* the plan is read-only from now on: give back the slack */
		if (e->nprio && e->nprio < e->capprio) {
			e->prios = ly_realloc(e->prios, e->nprio * sizeof(*e->prios));
			e->capprio = e->nprio;
		}
		if (e->is_pattern)
			ctx->patterns[ctx->npat++] = e;
		else
			ctx->literals[ctx->nlit++] = e;
		plan->nprio_total += e->nprio;
	}
	qsort(ctx->literals, ctx->nlit, sizeof(*ctx->literals), cmp_literal_extens);
	qsort(ctx->patterns, ctx->npat, sizeof(*ctx->patterns), cmp_pattern_extens);
	build_literal_hash(ctx);
	free(ctx->build_hash);
	ctx->build_hash = NULL;
	plan->nexten_total += ctx->nexten;
}

static void resolve_includes(struct dp_plan *plan, struct dp_context *ctx)
{
	for (unsigned i = 0; i < ctx->ninclude; i++) {
		struct dp_include *inc = &ctx->includes[i];

		inc->ctx = dp_context_find(plan, inc->name);
		if (!inc->ctx)
			dp_plan_warn(plan, inc->file, inc->line,
				     "context '%s' includes '%s', which does not exist",
				     ctx->name, inc->name);
	}
}

void dp_plan_finish(struct dp_plan *plan)
{
	for (unsigned i = 0; i < plan->ncontext; i++)
		context_finish(plan, plan->contexts[i]);
	for (unsigned i = 0; i < plan->ncontext; i++)
		resolve_includes(plan, plan->contexts[i]);
}

/* ---- lifetime ---- */

static void exten_free(struct dp_exten *e)
{
	dp_pat_free(&e->pat);
	dp_pat_free(&e->cidpat);
	free(e->prios);
	free(e);
}

static void context_free(struct dp_context *ctx)
{
	for (unsigned i = 0; i < ctx->nexten; i++)
		exten_free(ctx->extens[i]);
	free(ctx->extens);
	free(ctx->literals);
	free(ctx->patterns);
	free(ctx->lit_hash);
	free(ctx->build_hash);
	free(ctx->includes);
	for (unsigned i = 0; i < ctx->nignore; i++)
		dp_pat_free(&ctx->ignorepats[i].pat);
	free(ctx->ignorepats);
	free(ctx);
}

static void plan_free(struct dp_plan *plan)
{
	for (unsigned i = 0; i < plan->ncontext; i++)
		context_free(plan->contexts[i]);
	free(plan->contexts);
	free(plan->ctx_hash);
	free(plan->globals);
	for (unsigned i = 0; i < plan->nwarning; i++)
		free(plan->warnings[i]);
	free(plan->warnings);
	while (plan->arena) {
		struct dp_arena_chunk *next = plan->arena->next;

		free(plan->arena);
		plan->arena = next;
	}
	free(plan);
}

struct dp_plan *dp_plan_ref(struct dp_plan *plan)
{
	if (plan)
		atomic_fetch_add_explicit(&plan->refs, 1, memory_order_relaxed);
	return plan;
}

void dp_plan_unref(struct dp_plan *plan)
{
	if (plan && atomic_fetch_sub_explicit(&plan->refs, 1, memory_order_acq_rel) == 1)
		plan_free(plan);
}

/* ---- accessors ---- */

const struct dp_general *dp_plan_general(const struct dp_plan *plan)
{
	return &plan->general;
}

void dp_plan_foreach_global(const struct dp_plan *plan,
			    void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
	for (unsigned i = 0; i < plan->nglobal; i++)
		fn(plan->globals[i].name, plan->globals[i].value, arg);
}

unsigned dp_plan_context_count(const struct dp_plan *plan)
{
	return plan ? plan->ncontext : 0;
}

unsigned dp_plan_exten_count(const struct dp_plan *plan)
{
	return plan ? plan->nexten_total : 0;
}

const struct dp_prio *dp_exten_prio(const struct dp_exten *e, int priority)
{
	unsigned at;

	return e && prio_search(e, priority, &at) ? &e->prios[at] : NULL;
}

int dp_exten_label(const struct dp_exten *e, const char *label)
{
	if (!e || !label)
		return -1;
	for (unsigned i = 0; i < e->nprio; i++)
		if (e->prios[i].label && strcmp(e->prios[i].label, label) == 0)
			return e->prios[i].priority;
	return -1;
}

unsigned dp_exten_prio_count(const struct dp_exten *e)
{
	return e ? e->nprio : 0;
}

const struct dp_prio *dp_exten_prio_at(const struct dp_exten *e, unsigned index)
{
	return e && index < e->nprio ? &e->prios[index] : NULL;
}

const char *dp_exten_name(const struct dp_exten *e)
{
	return e ? e->name : NULL;
}
