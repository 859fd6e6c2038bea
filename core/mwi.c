/* core/mwi.c - the last known message counts of each mailbox, and who wants to hear of changes. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lyre/mwi.h"
#include "lyre/utils.h"

struct mwi_box {
	struct mwi_box *next;
	struct ly_mwi_state st;
};

struct ly_mwi_sub {
	struct ly_mwi_sub *next;
	char mailbox[LY_MWI_NAME_MAX]; /* "" = every mailbox */
	ly_mwi_fn fn;
	void *arg;
};

static pthread_mutex_t mwi_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mwi_box *boxes;
static struct ly_mwi_sub *subs;

char *ly_mwi_normalize(const char *mailbox, char *out, size_t len)
{
	if (strchr(mailbox, '@'))
		ly_strlcpy(out, mailbox, len);
	else
		snprintf(out, len, "%s@default", mailbox);
	return out;
}

static struct mwi_box **box_slot(const char *name)
{
	struct mwi_box **p = &boxes;

	while (*p && strcasecmp((*p)->st.mailbox, name))
		p = &(*p)->next;
	return p;
}

static void notify_locked(const struct ly_mwi_state *st)
{
	for (struct ly_mwi_sub *s = subs; s; s = s->next)
		if (!s->mailbox[0] || !strcasecmp(s->mailbox, st->mailbox))
			s->fn(st, s->arg);
}

void ly_mwi_publish(const char *mailbox, int new_msgs, int old_msgs,
		    int new_urgent, int old_urgent)
{
	char name[LY_MWI_NAME_MAX];
	struct mwi_box **slot;

	ly_mwi_normalize(mailbox, name, sizeof(name));
	pthread_mutex_lock(&mwi_lock);
	slot = box_slot(name);
	if (!*slot) {
		*slot = ly_calloc(1, sizeof(**slot));
		ly_strlcpy((*slot)->st.mailbox, name, sizeof((*slot)->st.mailbox));
	}
	(*slot)->st.new_msgs = new_msgs;
	(*slot)->st.old_msgs = old_msgs;
	(*slot)->st.new_urgent = new_urgent;
	(*slot)->st.old_urgent = old_urgent;
	notify_locked(&(*slot)->st);
	pthread_mutex_unlock(&mwi_lock);
}

void ly_mwi_forget(const char *mailbox)
{
	char name[LY_MWI_NAME_MAX];
	struct ly_mwi_state empty = { 0 };
	struct mwi_box **slot, *gone;

	ly_mwi_normalize(mailbox, name, sizeof(name));
	ly_strlcpy(empty.mailbox, name, sizeof(empty.mailbox));
	pthread_mutex_lock(&mwi_lock);
	slot = box_slot(name);
	if ((gone = *slot)) {
		*slot = gone->next;
		free(gone);
		notify_locked(&empty);
	}
	pthread_mutex_unlock(&mwi_lock);
}

bool ly_mwi_get(const char *mailbox, struct ly_mwi_state *out)
{
	char name[LY_MWI_NAME_MAX];
	struct mwi_box *b;

	ly_mwi_normalize(mailbox, name, sizeof(name));
	memset(out, 0, sizeof(*out));
	ly_strlcpy(out->mailbox, name, sizeof(out->mailbox));
	pthread_mutex_lock(&mwi_lock);
	if ((b = *box_slot(name)))
		*out = b->st;
	pthread_mutex_unlock(&mwi_lock);
	return b != NULL;
}

static int cmp_state(const void *x, const void *y)
{
	const struct ly_mwi_state *a = x, *b = y;

	return strcasecmp(a->mailbox, b->mailbox);
}

size_t ly_mwi_list(struct ly_mwi_state **out)
{
	size_t n = 0, i = 0;

	pthread_mutex_lock(&mwi_lock);
	for (struct mwi_box *b = boxes; b; b = b->next)
		n++;
	*out = n ? ly_calloc(n, sizeof(**out)) : NULL;
	for (struct mwi_box *b = boxes; b; b = b->next)
		(*out)[i++] = b->st;
	pthread_mutex_unlock(&mwi_lock);
	if (n)
		qsort(*out, n, sizeof(**out), cmp_state);
	return n;
}

struct ly_mwi_sub *ly_mwi_subscribe(const char *mailbox, ly_mwi_fn fn, void *arg)
{
	struct ly_mwi_sub *s = ly_calloc(1, sizeof(*s));

	if (mailbox && *mailbox)
		ly_mwi_normalize(mailbox, s->mailbox, sizeof(s->mailbox));
	s->fn = fn;
	s->arg = arg;
	pthread_mutex_lock(&mwi_lock);
	s->next = subs;
	subs = s;
	pthread_mutex_unlock(&mwi_lock);
	return s;
}

void ly_mwi_unsubscribe(struct ly_mwi_sub *sub)
{
	if (!sub)
		return;
	pthread_mutex_lock(&mwi_lock);
	for (struct ly_mwi_sub **p = &subs; *p; p = &(*p)->next)
		if (*p == sub) {
			*p = sub->next;
			break;
		}
	pthread_mutex_unlock(&mwi_lock);
	free(sub);
}
