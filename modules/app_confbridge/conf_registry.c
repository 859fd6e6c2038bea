/*
 * modules/app_confbridge/conf_registry.c - the conferences by name: made by
 * the first participant with that participant's bridge profile (as in
 * Asterisk, later callers' bridge profiles do not change a running
 * conference), gone when the last reference is dropped.  Also the parts of
 * a conference that outlive one tick: output groups per codec and the
 * queue of prompts played into the whole conference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "confbridge.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
/* Signalled when the first conference appears (the mixer sleeps without). */
static pthread_cond_t reg_cond = PTHREAD_COND_INITIALIZER;
static struct cb_conf **confs;
static size_t n_confs, cap_confs;

static void conf_destroy(struct cb_conf *c)
{
	pthread_mutex_lock(&c->lock);
	cb_record_stop_locked(c);
	cb_conf_groups_free_locked(c);
	cb_conf_announce_free_locked(c);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_destroy(&c->lock);
	free(c->users);
	ly_verbose(3, "Conference '%s' ended", c->name);
	free(c);
}

static struct cb_conf *find_locked(const char *name)
{
	for (size_t i = 0; i < n_confs; i++)
		if (strcmp(confs[i]->name, name) == 0)
			return confs[i];
	return NULL;
}

struct cb_conf *cb_conf_find(const char *name)
{
	struct cb_conf *c;

	pthread_mutex_lock(&reg_lock);
	c = find_locked(name);
	if (c)
		c->refs++;
	pthread_mutex_unlock(&reg_lock);
	return c;
}

struct cb_conf *cb_conf_get(const char *name, const struct cb_bridge_profile *b)
{
	struct cb_conf *c;

	pthread_mutex_lock(&reg_lock);
	c = find_locked(name);
	if (!c) {
		c = ly_calloc(1, sizeof(*c));
		ly_strlcpy(c->name, name, sizeof(c->name));
		c->prof = *b;
		pthread_mutex_init(&c->lock, NULL);
		c->ann_tail = &c->ann_head;
		c->started = (uint64_t)time(NULL);
		c->rate = b->internal_rate ? b->internal_rate : 8000;
		if (n_confs == cap_confs) {
			cap_confs = cap_confs ? cap_confs * 2 : 16;
			confs = ly_realloc(confs, cap_confs * sizeof(*confs));
		}
		confs[n_confs++] = c;
		pthread_cond_broadcast(&reg_cond);
		ly_verbose(3, "Conference '%s' created (bridge profile %s)", name, b->name);
	}
	c->refs++;
	pthread_mutex_unlock(&reg_lock);
	return c;
}

void cb_conf_put(struct cb_conf *c)
{
	bool last;

	if (!c)
		return;
	pthread_mutex_lock(&reg_lock);
	last = --c->refs == 0;
	if (last)
		for (size_t i = 0; i < n_confs; i++)
			if (confs[i] == c) {
				confs[i] = confs[--n_confs];
				break;
			}
	pthread_mutex_unlock(&reg_lock);
	if (last)
		conf_destroy(c);
}

struct cb_conf **cb_conf_all(size_t *n)
{
	struct cb_conf **v;

	pthread_mutex_lock(&reg_lock);
	v = ly_malloc((n_confs ? n_confs : 1) * sizeof(*v));
	for (size_t i = 0; i < n_confs; i++) {
		v[i] = confs[i];
		v[i]->refs++;
	}
	*n = n_confs;
	pthread_mutex_unlock(&reg_lock);
	return v;
}

void cb_conf_all_free(struct cb_conf **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cb_conf_put(v[i]);
	free(v);
}

size_t cb_conf_count(void)
{
	size_t n;

	pthread_mutex_lock(&reg_lock);
	n = n_confs;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

void cb_registry_wait(bool (*keep_going)(void))
{
	pthread_mutex_lock(&reg_lock);
	while (!n_confs && keep_going())
		pthread_cond_wait(&reg_cond, &reg_lock);
	pthread_mutex_unlock(&reg_lock);
}

void cb_registry_wake(void)
{
	pthread_mutex_lock(&reg_lock);
	pthread_cond_broadcast(&reg_cond);
	pthread_mutex_unlock(&reg_lock);
}

void cb_registry_shutdown(void)
{
	pthread_mutex_lock(&reg_lock);
	free(confs);
	confs = NULL;
	n_confs = cap_confs = 0;
	pthread_mutex_unlock(&reg_lock);
}

/* ---- the mixing rate ---- */

void cb_conf_update_rate_locked(struct cb_conf *c)
{
	unsigned rate = c->prof.internal_rate;

	if (!rate) {	/* auto: the best any participant can hear or send */
		rate = 8000;
		for (size_t i = 0; i < c->n_users; i++) {
			const struct ly_format *f = c->users[i]->fmt;
			unsigned r = f ? f->rate : 8000;

			if (r > rate)
				rate = r >= 48000 ? 48000 : r >= 16000 ? 16000 : 8000;
		}
	}
	if (rate == c->rate)
		return;
	ly_verbose(3, "Conference '%s' now mixes at %u Hz", c->name, rate);
	c->rate = rate;
	c->out_len = 0;		/* a packet half built at the old rate is dropped */
	c->out_loud = false;
	/* Every resampler toward the old rate is now wrong. */
	cb_conf_groups_free_locked(c);
	for (size_t i = 0; i < c->n_users; i++) {
		struct cb_user *u = c->users[i];

		u->out_own = u->out_loud = false;
		pthread_mutex_lock(&u->in_lock);
		u->in.len = 0;
		u->in_rate = rate;
		pthread_mutex_unlock(&u->in_lock);
	}
	cb_resampler_free(c->ann_rs);
	c->ann_rs = NULL;
	c->ann_ring.len = 0;
	cb_resampler_free(c->rec_rs);
	c->rec_rs = NULL;
}

/* ---- output groups ---- */

static void group_free(struct cb_outgroup *g)
{
	cb_resampler_free(g->rs);
	ly_trans_path_free(g->enc);
	ly_frame_free(g->frame);
	ly_frame_free(g->silence);
	free(g);
}

struct cb_outgroup *cb_conf_group_locked(struct cb_conf *c, const struct ly_format *fmt)
{
	struct cb_outgroup *g;

	for (g = c->groups; g; g = g->next)
		if (g->fmt == fmt)
			return g;
	g = ly_calloc(1, sizeof(*g));
	g->fmt = fmt;
	g->next = c->groups;
	c->groups = g;
	return g;
}

void cb_conf_groups_free_locked(struct cb_conf *c)
{
	while (c->groups) {
		struct cb_outgroup *next = c->groups->next;

		group_free(c->groups);
		c->groups = next;
	}
	for (size_t i = 0; i < c->n_users; i++)
		if (c->users[i]->own) {
			group_free(c->users[i]->own);
			c->users[i]->own = NULL;
		}
}

/* ---- prompts into the conference ---- */

static void announce(struct cb_conf *c, const char *name, bool remove)
{
	struct cb_announce *a;

	if (!name || !name[0])
		return;
	a = ly_calloc(1, sizeof(*a));
	ly_strlcpy(a->name, name, sizeof(a->name));
	a->remove = remove;
	pthread_mutex_lock(&c->lock);
	*c->ann_tail = a;
	c->ann_tail = &a->next;
	pthread_mutex_unlock(&c->lock);
}

void cb_conf_announce(struct cb_conf *c, const char *name)
{
	announce(c, name, false);
}

void cb_conf_announce_name(struct cb_conf *c, const char *path)
{
	announce(c, path, true);
}

void cb_announce_remove(const struct cb_announce *a)
{
	char path[CB_PATH_LEN + 8];

	if (!a->remove)
		return;
	snprintf(path, sizeof(path), "%s.wav", a->name);
	if (unlink(path) == 0)
		ly_debug(1, "Deleted the recorded name %s", path);
}

void cb_conf_announce_free_locked(struct cb_conf *c)
{
	while (c->ann_head) {
		struct cb_announce *next = c->ann_head->next;

		cb_announce_remove(c->ann_head);	/* never played: the conference ended */
		free(c->ann_head);
		c->ann_head = next;
	}
	c->ann_tail = &c->ann_head;
	ly_file_close(c->ann_file);
	c->ann_file = NULL;
	ly_trans_path_free(c->ann_dec);
	c->ann_dec = NULL;
	c->ann_src = NULL;
	cb_resampler_free(c->ann_rs);
	c->ann_rs = NULL;
	cb_ring_free(&c->ann_ring);
}
