/* modules/chan_sip/sip_registrar_sync.c - the registration writer thread (see sip_registrar_sync.h). */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/log.h>
#include <lyre/thread.h>
#include <lyre/utils.h>

#include "sip_registrar_sync.h"

/* One AOR's bindings, copied out of the registrar. */
struct aor_copy {
	char *aor;
	struct sip_db_contact *c;
	size_t n;
	struct aor_copy *next;
};

struct sip_db_batch {
	struct aor_copy *head, **tail;
	struct sip_db_batch *next;
};

struct sip_db_writer {
	struct sip_db *db;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a batch came, or stop */
	pthread_cond_t idle;		/* the queue emptied */
	struct sip_db_batch *head, **tail;
	bool busy;			/* a batch is being written */
	bool stop;
};

struct sip_db_batch *sip_db_batch_new(void)
{
	struct sip_db_batch *b = ly_calloc(1, sizeof(*b));

	b->tail = &b->head;
	return b;
}

static char *dup_or_empty(const char *s)
{
	return ly_strdup(s ? s : "");
}

void sip_db_batch_aor(struct sip_db_batch *b, const char *aor, const struct sip_db_contact *c,
		      size_t n)
{
	struct aor_copy *a = ly_calloc(1, sizeof(*a));

	a->aor = ly_strdup(aor);
	a->c = ly_calloc(n ? n : 1, sizeof(*a->c));
	a->n = n;
	for (size_t i = 0; i < n; i++) {
		a->c[i] = c[i];
		a->c[i].aor = a->aor;
		a->c[i].uri = dup_or_empty(c[i].uri);
		a->c[i].call_id = dup_or_empty(c[i].call_id);
		a->c[i].proto = dup_or_empty(c[i].proto);
		a->c[i].source = dup_or_empty(c[i].source);
		a->c[i].user_agent = dup_or_empty(c[i].user_agent);
	}
	*b->tail = a;
	b->tail = &a->next;
}

static void batch_free(struct sip_db_batch *b)
{
	while (b->head) {
		struct aor_copy *a = b->head;

		b->head = a->next;
		for (size_t i = 0; i < a->n; i++) {
			free((char *)a->c[i].uri), free((char *)a->c[i].call_id);
			free((char *)a->c[i].proto), free((char *)a->c[i].source);
			free((char *)a->c[i].user_agent);
		}
		free(a->c);
		free(a->aor);
		free(a);
	}
	free(b);
}

static void write_none(struct sip_db_batch *list)
{
	while (list) {
		struct sip_db_batch *next = list->next;

		batch_free(list);
		list = next;
	}
}

/* Everything queued in one SQLite transaction: one commit however many
 * batches piled up while the disk was slow.  Frees the list. */
static void write_batches(struct sip_db *db, struct sip_db_batch *list)
{
	if (!db) {
		write_none(list);
		return;
	}
	sip_db_begin(db);
	for (struct sip_db_batch *b = list; b; b = b->next) {
		for (const struct aor_copy *a = b->head; a; a = a->next) {
			sip_db_aor_clear(db, a->aor);
			for (size_t i = 0; i < a->n; i++)
				sip_db_contact_add(db, &a->c[i]);
		}
	}
	sip_db_commit(db);
	write_none(list);
}

void sip_db_batch_write(struct sip_db *db, struct sip_db_batch *b)
{
	write_batches(db, b);
}

static void *writer_main(void *arg)
{
	struct sip_db_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct sip_db_batch *list;

		while (!w->head && !w->stop)
			pthread_cond_wait(&w->work, &w->lock);
		if (!w->head)
			break;	/* stopping, nothing left */
		list = w->head;
		w->head = NULL;
		w->tail = &w->head;
		w->busy = true;
		pthread_mutex_unlock(&w->lock);
		write_batches(w->db, list);
		pthread_mutex_lock(&w->lock);
		w->busy = false;
		if (!w->head)
			pthread_cond_broadcast(&w->idle);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct sip_db_writer *sip_db_writer_start(struct sip_db *db)
{
	struct sip_db_writer *w = ly_calloc(1, sizeof(*w));

	w->db = db;
	w->tail = &w->head;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	if (ly_thread_create(&w->tid, "sip-db", writer_main, w) != 0) {
		ly_warning("SIP: no registration writer thread; writing on the SIP thread");
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void sip_db_writer_submit(struct sip_db_writer *w, struct sip_db_batch *b)
{
	pthread_mutex_lock(&w->lock);
	*w->tail = b;
	w->tail = &b->next;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

void sip_db_writer_wait(struct sip_db_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->head || w->busy)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void sip_db_writer_stop(struct sip_db_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->tid, NULL);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
