/* core/format.c - the format and translator registries and translation paths. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/module.h"
#include "lyre/utils.h"
#include "media_int.h"

/* Added to a step that lowers the sample rate.  It dwarfs the work any
 * real codec does per second, so a path only narrows the audio when no
 * wideband path exists (format.h). */
#define RATE_LOSS_PENALTY 100000u
/* Longest chain we build; more would mean a broken set of translators. */
#define MAX_STEPS 8

struct trans_step {
	const struct ly_translator *t;
	struct ly_module *out_owner;	/* owner of the format this step makes */
	void *pvt;
};

struct ly_trans_path {
	const struct ly_format *src;
	const struct ly_format *dst;
	unsigned nsteps;
	struct trans_step steps[MAX_STEPS];
};

/* Guards both registries; never held while calling a translator. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_ptrvec formats;
static struct ly_ptrvec translators;

static const struct ly_format *format_find_locked(const char *name)
{
	for (size_t i = 0; i < formats.n; i++) {
		const struct ly_format *f = formats.items[i];

		if (strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

static struct ly_translator *translator_find_locked(const char *name)
{
	for (size_t i = 0; i < translators.n; i++) {
		struct ly_translator *t = translators.items[i];

		if (strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

/* Called by the loader on unload: the loader already forgot the item. */
static void format_remove(void *item)
{
	pthread_mutex_lock(&reg_lock);
	ly_ptrvec_remove(&formats, item);
	pthread_mutex_unlock(&reg_lock);
}

static void translator_remove(void *item)
{
	pthread_mutex_lock(&reg_lock);
	ly_ptrvec_remove(&translators, item);
	pthread_mutex_unlock(&reg_lock);
}

int ly_format_register(struct ly_module *owner, struct ly_format *fmt)
{
	if (!fmt || !fmt->name || !fmt->rate || !fmt->samples)
		return EINVAL;
	pthread_mutex_lock(&reg_lock);
	if (format_find_locked(fmt->name)) {
		pthread_mutex_unlock(&reg_lock);
		ly_error("Format '%s' is already registered", fmt->name);
		return EEXIST;
	}
	fmt->owner = owner;
	ly_ptrvec_push(&formats, fmt);
	pthread_mutex_unlock(&reg_lock);
	ly_module_track(owner, fmt, format_remove);
	ly_verbose(2, "Registered format '%s' (%u Hz)", fmt->name, fmt->rate);
	return 0;
}

void ly_format_unregister(struct ly_format *fmt)
{
	if (!fmt)
		return;
	ly_module_untrack(fmt->owner, fmt);
	format_remove(fmt);
	ly_verbose(2, "Unregistered format '%s'", fmt->name);
}

const struct ly_format *ly_format_find(const char *name)
{
	const struct ly_format *f;

	pthread_mutex_lock(&reg_lock);
	f = format_find_locked(name);
	pthread_mutex_unlock(&reg_lock);
	return f;
}

void ly_format_foreach(void (*fn)(const struct ly_format *fmt, void *arg), void *arg)
{
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < formats.n; i++)
		fn(formats.items[i], arg);
	pthread_mutex_unlock(&reg_lock);
}

int ly_translator_register(struct ly_module *owner, struct ly_translator *t)
{
	if (!t || !t->name || !t->src || !t->dst || !t->translate || strcmp(t->src, t->dst) == 0)
		return EINVAL;
	pthread_mutex_lock(&reg_lock);
	if (translator_find_locked(t->name)) {
		pthread_mutex_unlock(&reg_lock);
		ly_error("Translator '%s' is already registered", t->name);
		return EEXIST;
	}
	t->owner = owner;
	ly_ptrvec_push(&translators, t);
	pthread_mutex_unlock(&reg_lock);
	ly_module_track(owner, t, translator_remove);
	ly_verbose(2, "Registered translator '%s' (%s -> %s, cost %u)", t->name, t->src, t->dst,
		   t->cost);
	return 0;
}

void ly_translator_unregister(struct ly_translator *t)
{
	if (!t)
		return;
	ly_module_untrack(t->owner, t);
	translator_remove(t);
	ly_verbose(2, "Unregistered translator '%s'", t->name);
}

static long format_index_locked(const char *name)
{
	for (size_t i = 0; i < formats.n; i++)
		if (strcmp(((const struct ly_format *)formats.items[i])->name, name) == 0)
			return (long)i;
	return -1;
}

static unsigned step_cost(const struct ly_translator *t, const struct ly_format *from,
			  const struct ly_format *to)
{
	return t->cost + (to->rate < from->rate ? RATE_LOSS_PENALTY : 0);
}

struct search {
	unsigned *dist;
	const struct ly_translator **via;	/* the step that reached each node */
	bool *done;
};

static long closest_open_node(const struct search *s)
{
	long best = -1;

	for (size_t i = 0; i < formats.n; i++)
		if (!s->done[i] && s->dist[i] != UINT_MAX && (best < 0 || s->dist[i] < s->dist[best]))
			best = (long)i;
	return best;
}

static void relax_edges_from(struct search *s, size_t u)
{
	const struct ly_format *from = formats.items[u];

	for (size_t i = 0; i < translators.n; i++) {
		const struct ly_translator *t = translators.items[i];
		long v;

		if (strcmp(t->src, from->name) != 0 || (v = format_index_locked(t->dst)) < 0)
			continue;
		unsigned d = s->dist[u] + step_cost(t, from, formats.items[v]);
		if (d < s->dist[v]) {
			s->dist[v] = d;
			s->via[v] = t;
		}
	}
}

/*
 * The steps from `from` to `to` in order; 0 when there are more than
 * MAX_STEPS.  Such a chain means a broken set of translators, and keeping
 * only part of it would feed the first translator the wrong format.
 */
static unsigned unwind_path(const struct search *s, long from, long to,
			    const struct ly_translator **steps, unsigned *cost)
{
	const struct ly_translator *chain[MAX_STEPS];
	unsigned n = 0;

	for (long v = to; v != from; v = format_index_locked(s->via[v]->src)) {
		if (n == MAX_STEPS)
			return 0;
		chain[n++] = s->via[v];
	}
	for (unsigned i = 0; i < n; i++)
		steps[i] = chain[n - 1 - i];
	*cost = s->dist[to];
	return n;
}

/* Dijkstra over formats (nodes) and translators whose two formats are both
 * registered (edges).  Fills steps in order; returns the step count, or 0
 * when dst cannot be reached (or only by more than MAX_STEPS).  The sets are a handful of codecs, so the
 * O(V^2 + V*E) form is simpler and as fast as a heap. */
static unsigned find_path_locked(const struct ly_format *src, const struct ly_format *dst,
				 const struct ly_translator **steps, unsigned *cost)
{
	long from = format_index_locked(src->name), to = format_index_locked(dst->name);
	struct search s;
	unsigned n = 0;

	if (from < 0 || to < 0 || from == to)
		return 0;
	s.dist = ly_malloc(formats.n * sizeof(*s.dist));
	s.via = ly_calloc(formats.n, sizeof(*s.via));
	s.done = ly_calloc(formats.n, sizeof(*s.done));
	for (size_t i = 0; i < formats.n; i++)
		s.dist[i] = UINT_MAX;
	s.dist[from] = 0;
	for (long u; (u = closest_open_node(&s)) >= 0 && u != to;) {
		s.done[u] = true;
		relax_edges_from(&s, (size_t)u);
	}
	if (s.dist[to] != UINT_MAX)
		n = unwind_path(&s, from, to, steps, cost);
	free(s.dist);
	free(s.via);
	free(s.done);
	return n;
}

int ly_trans_cost(const struct ly_format *src, const struct ly_format *dst, unsigned *steps)
{
	const struct ly_translator *chain[MAX_STEPS];
	unsigned n, cost = 0;

	if (steps)
		*steps = 0;
	if (!src || !dst)
		return -1;
	if (src == dst)
		return 0;
	pthread_mutex_lock(&reg_lock);
	n = find_path_locked(src, dst, chain, &cost);
	pthread_mutex_unlock(&reg_lock);
	if (!n)
		return -1;
	if (steps)
		*steps = n;
	return cost > INT_MAX ? INT_MAX : (int)cost;
}

static void path_release_modules(const struct ly_trans_path *p, unsigned upto)
{
	for (unsigned i = 0; i < upto; i++) {
		ly_module_unref(p->steps[i].t->owner);
		ly_module_unref(p->steps[i].out_owner);
	}
}

/* Each step holds its translator's module and the module of the format it
 * produces, because the frames it makes point at that format.  All or
 * nothing: a module already unloading makes the whole path unavailable. */
static bool path_hold_modules(const struct ly_trans_path *p)
{
	for (unsigned i = 0; i < p->nsteps; i++) {
		if (!ly_module_ref(p->steps[i].t->owner)) {
			path_release_modules(p, i);
			return false;
		}
		if (!ly_module_ref(p->steps[i].out_owner)) {
			ly_module_unref(p->steps[i].t->owner);
			path_release_modules(p, i);
			return false;
		}
	}
	return true;
}

static void path_destroy_states(struct ly_trans_path *p, unsigned upto)
{
	for (unsigned i = 0; i < upto; i++) {
		const struct ly_translator *t = p->steps[i].t;

		if (t->destroy)
			t->destroy(p->steps[i].pvt);
		free(p->steps[i].pvt);
		p->steps[i].pvt = NULL;
	}
}

static int path_init_states(struct ly_trans_path *p)
{
	for (unsigned i = 0; i < p->nsteps; i++) {
		const struct ly_translator *t = p->steps[i].t;
		int err;

		p->steps[i].pvt = ly_calloc(1, t->pvt_size ? t->pvt_size : 1);
		if (t->init && (err = t->init(p->steps[i].pvt)) != 0) {
			ly_error("Translator '%s' failed to start: %s", t->name, strerror(err));
			free(p->steps[i].pvt);
			p->steps[i].pvt = NULL;
			path_destroy_states(p, i);
			return err;
		}
	}
	return 0;
}

struct ly_trans_path *ly_trans_path_new(const struct ly_format *src, const struct ly_format *dst)
{
	const struct ly_translator *chain[MAX_STEPS];
	struct ly_trans_path *p;
	unsigned n, cost = 0;

	if (!src || !dst || src == dst)
		return NULL;
	p = ly_calloc(1, sizeof(*p));
	p->src = src;
	p->dst = dst;
	pthread_mutex_lock(&reg_lock);
	n = find_path_locked(src, dst, chain, &cost);
	p->nsteps = n;
	for (unsigned i = 0; i < n; i++) {
		p->steps[i].t = chain[i];
		p->steps[i].out_owner = format_find_locked(chain[i]->dst)->owner;
	}
	/* Take the use counts before dropping the lock, so no module can go
	 * between finding its translator and holding it. */
	if (n && !path_hold_modules(p))
		n = 0;
	pthread_mutex_unlock(&reg_lock);
	if (!n) {
		ly_debug(1, "No translation path from %s to %s", src->name, dst->name);
		free(p);
		return NULL;
	}
	if (path_init_states(p) != 0) {
		path_release_modules(p, p->nsteps);
		free(p);
		return NULL;
	}
	return p;
}

void ly_trans_path_free(struct ly_trans_path *p)
{
	if (!p)
		return;
	path_destroy_states(p, p->nsteps);
	path_release_modules(p, p->nsteps);
	free(p);
}

/* Output keeps the input's sequence number and its timestamp moved to the
 * output's clock, so RTP timing survives a change of sample rate. */
static void stamp_output(const struct ly_trans_path *p, struct ly_frame *out,
			 const struct ly_frame *in)
{
	out->seqno = in->seqno;
	out->ts = (uint32_t)((uint64_t)in->ts * p->dst->rate / p->src->rate);
	out->next = NULL;
}

struct ly_frame *ly_trans_path_run(struct ly_trans_path *p, const struct ly_frame *in)
{
	const struct ly_frame *cur = in;
	struct ly_frame *out = NULL;

	if (!p || !in)
		return NULL;
	if (in->type != LY_FRAME_VOICE)
		return ly_frame_dup(in);
	for (unsigned i = 0; i < p->nsteps; i++) {
		out = p->steps[i].t->translate(p->steps[i].pvt, cur);
		if (cur != in)
			ly_frame_free((struct ly_frame *)cur);
		if (!out)
			return NULL;
		cur = out;
	}
	stamp_output(p, out, in);
	return out;
}

const char *ly_trans_path_describe(const struct ly_trans_path *p, char *buf, size_t len)
{
	size_t used;

	if (!buf || !len)
		return buf;
	buf[0] = '\0';
	if (!p || !p->nsteps)
		return buf;
	used = ly_strlcpy(buf, p->steps[0].t->src, len);
	for (unsigned i = 0; i < p->nsteps && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, " -> %s", p->steps[i].t->dst);
	return buf;
}

void ly_format_registry_free(void)
{
	pthread_mutex_lock(&reg_lock);
	if (formats.n || translators.n)
		ly_warning("%zu formats and %zu translators still registered at exit",
			   formats.n, translators.n);
	ly_ptrvec_free(&formats);
	ly_ptrvec_free(&translators);
	pthread_mutex_unlock(&reg_lock);
}
