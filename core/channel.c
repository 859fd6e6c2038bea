/* core/channel.c - channels: identity, state, caller id, variables and the frame queue. */
/*
 * Lifetime.  ly_chan_alloc returns a channel whose only reference belongs
 * to the global channel list; the driver uses that pointer until it calls
 * ly_chan_hangup, which drops the list's reference.  Anyone who keeps the
 * pointer beyond that (a bridge, a lookup) takes a reference of their own.
 * The destructor frees the queue and variables, releases the technology's
 * module and tells the shutdown logic that one channel fewer exists.
 *
 * Locks, in the only order they may nest:
 *   bridge lock  ->  chan->lock  ->  the technology's private lock.
 * chans_lock (the list) and techs_lock (the registry) are leaves: nothing
 * else is taken while they are held, and no callback runs under them.
 * Nothing calls into a technology while holding chan->lock: the callback is
 * looked up under the lock, the lock dropped, then the callback made.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "lyre/channel.h"
#include "lyre/core.h"
#include "lyre/format.h"
#include "lyre/log.h"
#include "lyre/module.h"
#include "lyre/obj.h"
#include "lyre/utils.h"
#include "chan_gen_int.h"
#include "media_int.h"
#include "shutdown.h"

/* Q.850 value 66, which channel.h has no enumerator for: the cause
 * Asterisk reports when no driver handles a channel type. */
#define CAUSE_CHAN_NOT_IMPLEMENTED 66

struct chan_var {
	struct chan_var *next;
	char *name;
	char *value;
};

struct ly_channel {
	pthread_mutex_t lock;
	pthread_cond_t readable;	/* signalled on queue and softhangup */
	char *name;
	char uniqueid[32];
	char callid[16];
	const struct ly_chan_tech *tech;
	void *tech_pvt;
	enum ly_chan_state state;
	int hangupcause;
	bool softhangup;
	bool hangup_queued;		/* a HANGUP frame waits: softhangup once it is read */
	bool hungup;			/* ly_chan_hangup has run */
	uint64_t created_ms;
	char *cid_name;
	char *cid_num;
	struct chan_var *vars;		/* in the order first set */
	const struct ly_format *native_format;
	struct ly_frame *q_head, *q_tail;
	size_t q_len;
	size_t q_voice;			/* voice frames among them */
	uint64_t q_voice_dropped;
	int alert_fd;			/* eventfd: readable while frames wait */
	bool alerted;			/* a write to alert_fd was decided */
	bool alert_stale;		/* a write may land after the last clear */
	atomic_int alert_writes;	/* decided writes not yet done */
	/* Write translation, touched only by the driving thread. */
	struct ly_trans_path *write_path;
	const struct ly_format *write_path_src;
	struct datastore *datastores;
	char language[16];
	atomic_bool gen_timed;		/* a generator without RTP: chan_gen_int.h */
};

static pthread_mutex_t chans_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_ptrvec chans;
static atomic_uint chan_seq;

static pthread_mutex_t techs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_ptrvec techs;

const char *ly_chan_state_name(enum ly_chan_state st)
{
	switch (st) {
	case LY_STATE_DOWN: return "Down";
	case LY_STATE_RING: return "Ring";
	case LY_STATE_RINGING: return "Ringing";
	case LY_STATE_UP: return "Up";
	case LY_STATE_BUSY: return "Busy";
	case LY_STATE_HANGUP: return "Hangup";
	}
	return "Unknown";
}

/* ---- technology registry ---- */

static struct ly_chan_tech *tech_find_locked(const char *type)
{
	for (size_t i = 0; i < techs.n; i++) {
		struct ly_chan_tech *t = techs.items[i];

		if (strcasecmp(t->type, type) == 0)
			return t;
	}
	return NULL;
}

static void tech_remove(void *item)
{
	pthread_mutex_lock(&techs_lock);
	ly_ptrvec_remove(&techs, item);
	pthread_mutex_unlock(&techs_lock);
}

int ly_chan_tech_register(struct ly_module *owner, struct ly_chan_tech *tech)
{
	if (!tech || !tech->type)
		return EINVAL;
	pthread_mutex_lock(&techs_lock);
	if (tech_find_locked(tech->type)) {
		pthread_mutex_unlock(&techs_lock);
		ly_error("Channel type '%s' is already registered", tech->type);
		return EEXIST;
	}
	tech->owner = owner;
	ly_ptrvec_push(&techs, tech);
	pthread_mutex_unlock(&techs_lock);
	ly_module_track(owner, tech, tech_remove);
	ly_verbose(2, "Registered channel type '%s' (%s)", tech->type,
		   tech->description ? tech->description : "");
	return 0;
}

void ly_chan_tech_unregister(struct ly_chan_tech *tech)
{
	if (!tech)
		return;
	ly_module_untrack(tech->owner, tech);
	tech_remove(tech);
	ly_verbose(2, "Unregistered channel type '%s'", tech->type);
}

const struct ly_chan_tech *ly_chan_tech_find(const char *type)
{
	const struct ly_chan_tech *t;

	pthread_mutex_lock(&techs_lock);
	t = tech_find_locked(type);
	pthread_mutex_unlock(&techs_lock);
	return t;
}

/* ---- allocation and destruction ---- */

static void vars_free(struct chan_var *v)
{
	while (v) {
		struct chan_var *next = v->next;

		free(v->name);
		free(v->value);
		free(v);
		v = next;
	}
}

static void queue_free(struct ly_frame *f)
{
	while (f) {
		struct ly_frame *next = f->next;

		ly_frame_free(f);
		f = next;
	}
}

struct datastore {
	struct datastore *next;
	const struct ly_datastore_info *info;
	void *data;
};

static void datastores_free(struct datastore *d)
{
	while (d) {
		struct datastore *next = d->next;
		if (d->info->destroy)
			d->info->destroy(d->data);
		free(d);
		d = next;
	}
}

/*
 * A dead channel's eventfd, emptied, serves the next channel: an eventfd2
 * and a close less for each of the two channels of every call.  The spares
 * are bounded; nobody else holds them (Dial and the bridge only poll(2)
 * them while they hold the channel, never add them to an epoll set).
 */
#define ALERT_FD_SPARES 64

static pthread_mutex_t spares_lock = PTHREAD_MUTEX_INITIALIZER;
static int alert_spares[ALERT_FD_SPARES];
static size_t alert_nspares;

static int alert_fd_get(void)
{
	int fd = -1;

	pthread_mutex_lock(&spares_lock);
	if (alert_nspares)
		fd = alert_spares[--alert_nspares];
	pthread_mutex_unlock(&spares_lock);
	return fd >= 0 ? fd : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* No writer is left once the last reference is gone. */
static void alert_fd_put(struct ly_channel *c)
{
	uint64_t count;
	bool kept = false;

	if ((c->alerted || c->alert_stale) && read(c->alert_fd, &count, sizeof(count)) < 0 &&
	    errno != EAGAIN) {
		close(c->alert_fd);
		return;
	}
	pthread_mutex_lock(&spares_lock);
	if (alert_nspares < ALERT_FD_SPARES) {
		alert_spares[alert_nspares++] = c->alert_fd;
		kept = true;
	}
	pthread_mutex_unlock(&spares_lock);
	if (!kept)
		close(c->alert_fd);
}

static void chan_destroy(void *obj)
{
	struct ly_channel *c = obj;

	ly_debug(1, "Destroying channel '%s' (%s)", c->name, c->uniqueid);
	ly_trans_path_free(c->write_path);
	datastores_free(c->datastores);
	queue_free(c->q_head);
	vars_free(c->vars);
	free(c->cid_name);
	free(c->cid_num);
	free(c->name);
	alert_fd_put(c);
	pthread_cond_destroy(&c->readable);
	pthread_mutex_destroy(&c->lock);
	ly_module_unref(c->tech ? c->tech->owner : NULL);
	ly_shutdown_channel_gone();
}

/* The read timeout is measured on the monotonic clock so a wall-clock jump
 * (NTP) neither stalls nor hurries a waiting channel thread. */
static void chan_init_sync(struct ly_channel *c)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->readable, &attr);
	pthread_condattr_destroy(&attr);
}

static void chan_set_ids(struct ly_channel *c)
{
	unsigned seq = atomic_fetch_add(&chan_seq, 1) + 1;

	snprintf(c->uniqueid, sizeof(c->uniqueid), "%lld.%u", (long long)time(NULL), seq);
	snprintf(c->callid, sizeof(c->callid), "C-%08x", seq);
}

struct ly_channel *ly_chan_alloc(const struct ly_chan_tech *tech, void *tech_pvt,
				 const char *name_fmt, ...)
{
	struct ly_channel *c;
	struct ly_buf name;
	va_list ap;
	int alert_fd;

	if (ly_shutting_down()) {
		ly_warning("Refusing a new %s channel: shutting down", tech ? tech->type : "");
		return NULL;
	}
	if (!ly_module_ref(tech ? tech->owner : NULL)) {
		ly_warning("Refusing a new %s channel: its module is unloading", tech->type);
		return NULL;
	}
	alert_fd = alert_fd_get();
	if (alert_fd < 0) {
		ly_error("eventfd for a new channel: %s", strerror(errno));
		ly_module_unref(tech ? tech->owner : NULL);
		return NULL;
	}
	c = ly_obj_alloc(sizeof(*c), chan_destroy);
	c->alert_fd = alert_fd;
	chan_init_sync(c);
	ly_buf_init(&name);
	va_start(ap, name_fmt);
	ly_buf_vprintf(&name, name_fmt, ap);
	va_end(ap);
	c->name = ly_strdup(ly_buf_str(&name));
	ly_buf_free(&name);
	chan_set_ids(c);
	c->tech = tech;
	c->tech_pvt = tech_pvt;
	c->created_ms = ly_now_ms();

	pthread_mutex_lock(&chans_lock);
	ly_ptrvec_push(&chans, c);
	pthread_mutex_unlock(&chans_lock);
	ly_verbose(3, "New channel '%s' (%s)", c->name, c->uniqueid);
	return c;
}

struct ly_channel *ly_chan_request(const char *type, const char *dest,
				   const struct ly_channel *requestor, int *cause)
{
	struct ly_module *owner = NULL;
	struct ly_chan_tech *tech;
	struct ly_channel *c;
	int dummy = 0;

	if (!cause)
		cause = &dummy;
	*cause = 0;
	pthread_mutex_lock(&techs_lock);
	tech = tech_find_locked(type);
	if (tech) {
		/* Held while the driver runs, so it cannot be unloaded mid-call;
		 * a driver that is unloading counts as absent. */
		owner = tech->owner;
		if (!ly_module_ref(owner))
			tech = NULL;
	}
	pthread_mutex_unlock(&techs_lock);
	if (!tech || !tech->request) {
		ly_warning("No channel type registered for '%s'", type);
		ly_module_unref(owner);
		*cause = CAUSE_CHAN_NOT_IMPLEMENTED;
		return NULL;
	}
	c = tech->request(dest, requestor, cause);
	ly_module_unref(owner);
	if (!c && !*cause)
		*cause = LY_CAUSE_NORMAL_TEMPORARY_FAILURE;
	return c;
}

uint64_t ly_chan_created_ms(const struct ly_channel *c)
{
	return c->created_ms;
}

/* ---- identity and state ---- */

const char *ly_chan_name(const struct ly_channel *c)
{
	return c->name;
}

const char *ly_chan_uniqueid(const struct ly_channel *c)
{
	return c->uniqueid;
}

const char *ly_chan_callid(const struct ly_channel *c)
{
	return c->callid;
}

const struct ly_chan_tech *ly_chan_tech(const struct ly_channel *c)
{
	return c->tech;
}

/* The lock is taken on const channels: it guards the data, not the
 * object's identity, so the getters stay const for callers. */
static pthread_mutex_t *lock_of(const struct ly_channel *c)
{
	return &((struct ly_channel *)c)->lock;
}

void *ly_chan_tech_pvt(const struct ly_channel *c)
{
	void *pvt;

	pthread_mutex_lock(lock_of(c));
	pvt = c->tech_pvt;
	pthread_mutex_unlock(lock_of(c));
	return pvt;
}

void ly_chan_set_tech_pvt(struct ly_channel *c, void *pvt)
{
	pthread_mutex_lock(&c->lock);
	c->tech_pvt = pvt;
	pthread_mutex_unlock(&c->lock);
}

enum ly_chan_state ly_chan_state(const struct ly_channel *c)
{
	enum ly_chan_state st;

	pthread_mutex_lock(lock_of(c));
	st = c->state;
	pthread_mutex_unlock(lock_of(c));
	return st;
}

void ly_chan_set_state(struct ly_channel *c, enum ly_chan_state st)
{
	enum ly_chan_state old;

	pthread_mutex_lock(&c->lock);
	old = c->state;
	c->state = st;
	pthread_mutex_unlock(&c->lock);
	if (old != st)
		ly_debug(1, "Channel '%s' state %s -> %s", c->name, ly_chan_state_name(old),
			 ly_chan_state_name(st));
}

int ly_chan_hangupcause(const struct ly_channel *c)
{
	int cause;

	pthread_mutex_lock(lock_of(c));
	cause = c->hangupcause;
	pthread_mutex_unlock(lock_of(c));
	return cause;
}

void ly_chan_set_hangupcause(struct ly_channel *c, int cause)
{
	pthread_mutex_lock(&c->lock);
	c->hangupcause = cause;
	pthread_mutex_unlock(&c->lock);
}

/* ---- caller id ---- */

static void replace_str(char **slot, const char *value)
{
	free(*slot);
	*slot = value ? ly_strdup(value) : NULL;
}

void ly_chan_set_callerid(struct ly_channel *c, const char *name, const char *number)
{
	pthread_mutex_lock(&c->lock);
	replace_str(&c->cid_name, name);
	replace_str(&c->cid_num, number);
	pthread_mutex_unlock(&c->lock);
}

static const char *copy_field(const struct ly_channel *c, char *const *field, char *buf,
			      size_t len)
{
	pthread_mutex_lock(lock_of(c));
	ly_strlcpy(buf, *field ? *field : "", len);
	pthread_mutex_unlock(lock_of(c));
	return buf;
}

const char *ly_chan_callerid_name(const struct ly_channel *c, char *buf, size_t len)
{
	return copy_field(c, &c->cid_name, buf, len);
}

const char *ly_chan_callerid_num(const struct ly_channel *c, char *buf, size_t len)
{
	return copy_field(c, &c->cid_num, buf, len);
}

/* ---- variables ---- */

static struct chan_var **var_slot_locked(struct ly_channel *c, const char *name)
{
	struct chan_var **pv = &c->vars;

	while (*pv && strcmp((*pv)->name, name) != 0)
		pv = &(*pv)->next;
	return pv;
}

void ly_chan_var_set(struct ly_channel *c, const char *name, const char *value)
{
	struct chan_var **pv, *v;

	pthread_mutex_lock(&c->lock);
	pv = var_slot_locked(c, name);
	v = *pv;
	if (v && !value) {
		*pv = v->next;
		v->next = NULL;
		vars_free(v);
	} else if (v) {
		replace_str(&v->value, value);
	} else if (value) {
		v = ly_calloc(1, sizeof(*v));
		v->name = ly_strdup(name);
		v->value = ly_strdup(value);
		*pv = v;	/* appended: pv is the list's tail slot here */
	}
	pthread_mutex_unlock(&c->lock);
}

const char *ly_chan_var_get(const struct ly_channel *c, const char *name, char *buf, size_t len)
{
	const char *result = NULL;
	struct chan_var *v;

	pthread_mutex_lock(lock_of(c));
	v = *var_slot_locked((struct ly_channel *)c, name);
	if (v) {
		ly_strlcpy(buf, v->value, len);
		result = buf;
	}
	pthread_mutex_unlock(lock_of(c));
	return result;
}

/* fn runs on a copy, so it may set variables on this same channel. */
void ly_chan_var_foreach(const struct ly_channel *c,
			 void (*fn)(const char *name, const char *value, void *arg), void *arg)
{
	struct chan_var *copy = NULL, **tail = &copy;

	pthread_mutex_lock(lock_of(c));
	for (const struct chan_var *v = c->vars; v; v = v->next) {
		struct chan_var *n = ly_calloc(1, sizeof(*n));

		n->name = ly_strdup(v->name);
		n->value = ly_strdup(v->value);
		*tail = n;
		tail = &n->next;
	}
	pthread_mutex_unlock(lock_of(c));
	for (const struct chan_var *v = copy; v; v = v->next)
		fn(v->name, v->value, arg);
	vars_free(copy);
}

/* ---- formats ---- */

const struct ly_format *ly_chan_native_format(const struct ly_channel *c)
{
	const struct ly_format *f;

	pthread_mutex_lock(lock_of(c));
	f = c->native_format;
	pthread_mutex_unlock(lock_of(c));
	return f;
}

void ly_chan_set_native_format(struct ly_channel *c, const struct ly_format *fmt)
{
	pthread_mutex_lock(&c->lock);
	c->native_format = fmt;
	pthread_mutex_unlock(&c->lock);
}

/* ---- frame queue ---- */

/*
 * The eventfd is written after c->lock is dropped: a write wakes the
 * channel's thread at once, on another CPU, and that thread's first act is
 * to take the lock; written under it, the woken thread mostly found the
 * lock held and slept again on it (a futex wait and wake per frame).
 *
 * alert_mark_locked decides, under the lock, whether a write is due (the
 * flag spares a write per frame queued while the fd is already readable);
 * alert_kick does it after unlocking.  A reader that empties the queue
 * clears the fd under the lock; a decided write may still land after that
 * clear, so the reader remembers it (alert_stale) and clears once more the
 * next time it finds the queue empty - a poll loop then sees the fd
 * readable once with nothing to read, never spins.
 */
static bool alert_mark_locked(struct ly_channel *c)
{
	if (c->alerted)
		return false;
	c->alerted = true;
	atomic_fetch_add_explicit(&c->alert_writes, 1, memory_order_relaxed);
	return true;
}

static void alert_write(struct ly_channel *c)
{
	uint64_t one = 1;

	if (write(c->alert_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		ly_warning("Channel '%s': alert write: %s", c->name, strerror(errno));
	atomic_fetch_sub_explicit(&c->alert_writes, 1, memory_order_release);
}

/* Held kicks of this thread (ly_chan_alerts_hold); each holds a reference.
 * A held write counts in alert_writes like one about to be done, so a
 * reader that empties the queue meanwhile handles it as any late write. */
static __thread unsigned held_depth;
static __thread struct ly_channel **held;
static __thread size_t nheld, capheld;

/* Returns true when the kick was held for later. */
static bool alert_hold(struct ly_channel *c)
{
	if (!held_depth)
		return false;
	if (nheld == capheld) {
		capheld = capheld ? capheld * 2 : 16;
		held = ly_realloc(held, capheld * sizeof(*held));
	}
	held[nheld++] = ly_ref(c);
	return true;
}

/* Returns true when the kick was held: the release signals the condition
 * too, so the caller does not now. */
static bool alert_kick(struct ly_channel *c, bool due)
{
	if (!due)
		return false;
	if (alert_hold(c))
		return true;
	alert_write(c);
	return false;
}

void ly_chan_alerts_hold(void)
{
	held_depth++;
}

void ly_chan_alerts_release(void)
{
	if (!held_depth || --held_depth)
		return;
	/* An unref below may destroy a channel, which never holds again. */
	for (size_t i = 0; i < nheld; i++) {
		alert_write(held[i]);
		pthread_cond_broadcast(&held[i]->readable);
		ly_unref(held[i]);
	}
	nheld = 0;
	if (capheld > 256) {
		free(held);
		held = NULL;
		capheld = 0;
	}
}

static void alert_clear_locked(struct ly_channel *c)
{
	uint64_t count;
	bool pending;

	if (!c->alerted && !c->alert_stale)
		return;
	/* Counted before the read: a write done between the read and a later
	 * look would leave the fd readable with nothing flagged (a poll loop
	 * spinning until the next frame).  No new write can be decided while
	 * we hold the lock, so none pending now means the read empties it. */
	pending = atomic_load_explicit(&c->alert_writes, memory_order_acquire) > 0;
	if (read(c->alert_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		ly_warning("Channel '%s': alert read: %s", c->name, strerror(errno));
	c->alerted = false;
	c->alert_stale = pending;
}

/*
 * A channel whose thread is busy elsewhere (a blocking application) must
 * not grow without bound while audio keeps arriving: past
 * LY_CHAN_MAX_QUEUED_VOICE voice frames the oldest is dropped, as Asterisk
 * does.  Controls, digits and text are never dropped.
 */
#define LY_CHAN_MAX_QUEUED_VOICE 128

static void drop_oldest_voice_locked(struct ly_channel *c)
{
	struct ly_frame *prev = NULL;

	for (struct ly_frame *f = c->q_head; f; prev = f, f = f->next) {
		if (f->type != LY_FRAME_VOICE)
			continue;
		if (prev)
			prev->next = f->next;
		else
			c->q_head = f->next;
		if (c->q_tail == f)
			c->q_tail = prev;
		c->q_len--;
		c->q_voice--;
		if (c->q_voice_dropped++ % 1000 == 0)
			ly_warning("Channel '%s': %zu voice frames queued and nobody reading; "
				   "dropping the oldest (%llu so far)", c->name, c->q_voice,
				   (unsigned long long)c->q_voice_dropped);
		ly_frame_free(f);
		return;
	}
}

void ly_chan_queue_frame(struct ly_channel *c, struct ly_frame *f)
{
	bool due;

	if (!f)
		return;
	f->next = NULL;
	pthread_mutex_lock(&c->lock);
	if (f->type == LY_FRAME_VOICE) {
		if (c->q_voice >= LY_CHAN_MAX_QUEUED_VOICE)
			drop_oldest_voice_locked(c);
		c->q_voice++;
	}
	if (c->q_tail)
		c->q_tail->next = f;
	else
		c->q_head = f;
	c->q_tail = f;
	c->q_len++;
	due = alert_mark_locked(c);
	pthread_mutex_unlock(&c->lock);
	/* Both after unlocking, so the woken reader finds the lock free. */
	if (!alert_kick(c, due))
		pthread_cond_signal(&c->readable);
}

void ly_chan_queue_control(struct ly_channel *c, enum ly_control control)
{
	ly_chan_queue_frame(c, ly_frame_control_new(control));
}

static struct ly_frame *queue_pop_locked(struct ly_channel *c)
{
	struct ly_frame *f = c->q_head;

	c->q_head = f->next;
	if (!c->q_head)
		c->q_tail = NULL;
	c->q_len--;
	if (f->type == LY_FRAME_VOICE)
		c->q_voice--;
	if (c->hangup_queued && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP)
		c->softhangup = true;
	f->next = NULL;
	/* Keep the eventfd readable exactly while frames wait (or a hangup
	 * request does), so a poll loop neither spins nor sleeps through one. */
	if (!c->q_head && !c->softhangup)
		alert_clear_locked(c);
	return f;
}

static void deadline_after(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

struct ly_frame *ly_chan_read(struct ly_channel *c, int timeout_ms)
{
	struct ly_frame *f = NULL;
	struct timespec deadline;
	int rc = 0;

	if (timeout_ms > 0)
		deadline_after(&deadline, timeout_ms);
	pthread_mutex_lock(&c->lock);
	while (!c->softhangup && !c->q_head && timeout_ms != 0 && rc != ETIMEDOUT) {
		if (timeout_ms < 0)
			pthread_cond_wait(&c->readable, &c->lock);
		else
			rc = pthread_cond_timedwait(&c->readable, &c->lock, &deadline);
	}
	if (!c->softhangup && c->q_head)
		f = queue_pop_locked(c);
	else if (!c->softhangup && c->alert_stale)
		alert_clear_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (atomic_load_explicit(&c->gen_timed, memory_order_relaxed))
		chan_gen_service(c);
	return f;
}

void chan_set_gen_timed(struct ly_channel *c, bool on)
{
	atomic_store(&c->gen_timed, on);
}

size_t ly_chan_queue_len(const struct ly_channel *c)
{
	size_t n;

	pthread_mutex_lock(lock_of(c));
	n = c->q_len;
	pthread_mutex_unlock(lock_of(c));
	return n;
}

int ly_chan_alert_fd(const struct ly_channel *c)
{
	return c->alert_fd;
}

/* ---- toward the technology ---- */

static bool needs_translation(const struct ly_channel *c, const struct ly_frame *f)
{
	const struct ly_format *native = ly_chan_native_format(c);

	return f->type == LY_FRAME_VOICE && native && f->format && f->format != native;
}

/* Voice in another format than the driver speaks is translated here, with
 * a path kept across frames so stateful codecs keep their history.  *out
 * stays NULL while the path buffers audio. */
static int write_translate(struct ly_channel *c, const struct ly_frame *f, struct ly_frame **out)
{
	const struct ly_format *native = ly_chan_native_format(c);

	if (c->write_path_src != f->format) {
		ly_trans_path_free(c->write_path);
		c->write_path = ly_trans_path_new(f->format, native);
		c->write_path_src = f->format;
		if (!c->write_path)
			ly_warning("Channel '%s': no translation from %s to %s", c->name,
				   f->format->name, native->name);
	}
	if (!c->write_path)
		return ENOTSUP;
	*out = ly_trans_path_run(c->write_path, f);
	return 0;
}

static int tech_write(struct ly_channel *c, const struct ly_frame *f)
{
	const struct ly_chan_tech *t = c->tech;

	switch (f->type) {
	case LY_FRAME_DTMF_BEGIN:
		if (t->send_digit_begin)
			return t->send_digit_begin(c, f->digit);
		break;
	case LY_FRAME_DTMF_END:
		if (t->send_digit_end)
			return t->send_digit_end(c, f->digit, f->duration_ms);
		break;
	case LY_FRAME_CONTROL:
		return ly_chan_indicate(c, f->control);
	case LY_FRAME_TEXT:
		if (t->send_text) {
			char *text = ly_strndup((const char *)f->data, f->datalen);
			int err = t->send_text(c, text);

			free(text);
			return err;
		}
		break;
	case LY_FRAME_NULL:
		return 0;
	case LY_FRAME_VOICE:
		break;
	}
	return t->write ? t->write(c, f) : ENOSYS;
}

int ly_chan_write(struct ly_channel *c, const struct ly_frame *f)
{
	struct ly_frame *translated = NULL;
	int err;

	if (!c->tech || !f)
		return EINVAL;
	if (ly_chan_check_hangup(c))
		return EPIPE;
	if (!needs_translation(c, f))
		return tech_write(c, f);
	err = write_translate(c, f, &translated);
	if (err || !translated)
		return err;
	err = tech_write(c, translated);
	ly_frame_free(translated);
	return err;
}

int ly_chan_answer(struct ly_channel *c)
{
	int err = 0;

	if (ly_chan_check_hangup(c))
		return EPIPE;
	if (ly_chan_state(c) == LY_STATE_UP)
		return 0;
	if (c->tech && c->tech->answer)
		err = c->tech->answer(c);
	if (!err)
		ly_chan_set_state(c, LY_STATE_UP);
	return err;
}

int ly_chan_indicate(struct ly_channel *c, enum ly_control control)
{
	if (!c->tech || !c->tech->indicate)
		return ENOSYS;
	return c->tech->indicate(c, control);
}

/* ---- hangup ---- */

void ly_chan_softhangup(struct ly_channel *c, int cause)
{
	bool due;

	pthread_mutex_lock(&c->lock);
	if (!c->hangupcause)
		c->hangupcause = cause;
	c->softhangup = true;
	due = alert_mark_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (!alert_kick(c, due))
		pthread_cond_broadcast(&c->readable);
	ly_debug(1, "Soft hangup requested on '%s' (%s)", c->name, ly_cause_name(cause));
}

/* As Asterisk's ast_queue_hangup: frames queued before (an ANSWER, the last
 * audio) are still read, then the HANGUP frame, then reads return NULL. */
void ly_chan_queue_hangup(struct ly_channel *c, int cause)
{
	pthread_mutex_lock(&c->lock);
	if (!c->hangupcause)
		c->hangupcause = cause;
	c->hangup_queued = true;
	pthread_mutex_unlock(&c->lock);
	ly_chan_queue_control(c, LY_CONTROL_HANGUP);
}

bool ly_chan_check_hangup(const struct ly_channel *c)
{
	bool down;

	pthread_mutex_lock(lock_of(c));
	down = c->softhangup || c->hungup;
	pthread_mutex_unlock(lock_of(c));
	return down;
}

void ly_chan_hangup(struct ly_channel *c)
{
	bool first;

	pthread_mutex_lock(&c->lock);
	first = !c->hungup;
	c->hungup = true;
	c->state = LY_STATE_HANGUP;
	if (!c->hangupcause)
		c->hangupcause = LY_CAUSE_NORMAL_CLEARING;
	pthread_cond_broadcast(&c->readable);
	pthread_mutex_unlock(&c->lock);
	if (!first) {
		ly_error("Channel '%s' hung up twice", c->name);
		return;
	}
	if (c->tech && c->tech->hangup)
		c->tech->hangup(c);
	ly_verbose(3, "Hungup '%s' (%s)", c->name, ly_cause_name(ly_chan_hangupcause(c)));
	pthread_mutex_lock(&chans_lock);
	ly_ptrvec_remove(&chans, c);
	pthread_mutex_unlock(&chans_lock);
	ly_unref(c);
}

/* ---- the channel list ---- */

struct ly_channel *ly_chan_find(const char *name)
{
	struct ly_channel *found = NULL;

	pthread_mutex_lock(&chans_lock);
	for (size_t i = 0; i < chans.n && !found; i++) {
		struct ly_channel *c = chans.items[i];

		if (strcmp(c->name, name) == 0)
			found = ly_ref(c);
	}
	pthread_mutex_unlock(&chans_lock);
	return found;
}

/* fn runs without chans_lock, on a snapshot holding a reference to each
 * channel, so it may lock channels, hang them up or look others up. */
void ly_chan_foreach(void (*fn)(struct ly_channel *c, void *arg), void *arg)
{
	struct ly_channel **snap;
	size_t n;

	pthread_mutex_lock(&chans_lock);
	n = chans.n;
	snap = ly_malloc((n ? n : 1) * sizeof(*snap));
	for (size_t i = 0; i < n; i++)
		snap[i] = ly_ref(chans.items[i]);
	pthread_mutex_unlock(&chans_lock);
	for (size_t i = 0; i < n; i++) {
		fn(snap[i], arg);
		ly_unref(snap[i]);
	}
	free(snap);
}

unsigned ly_chan_count(void)
{
	unsigned n;

	pthread_mutex_lock(&chans_lock);
	n = (unsigned)chans.n;
	pthread_mutex_unlock(&chans_lock);
	return n;
}

void ly_chan_registry_free(void)
{
	pthread_mutex_lock(&chans_lock);
	if (chans.n)
		ly_warning("%zu channels still exist at exit", chans.n);
	ly_ptrvec_free(&chans);
	pthread_mutex_unlock(&chans_lock);
	pthread_mutex_lock(&techs_lock);
	ly_ptrvec_free(&techs);
	pthread_mutex_unlock(&techs_lock);
}

/* ---- Datastores and language ---- */

static struct datastore *datastore_lookup(const struct ly_channel *c,
					  const struct ly_datastore_info *info)
{
	for (struct datastore *d = c->datastores; d; d = d->next)
		if (d->info == info)
			return d;
	return NULL;
}

int ly_chan_datastore_add(struct ly_channel *c, const struct ly_datastore_info *info, void *data)
{
	struct datastore *d;

	pthread_mutex_lock(&c->lock);
	if (datastore_lookup(c, info)) {
		pthread_mutex_unlock(&c->lock);
		return EEXIST;
	}
	d = ly_calloc(1, sizeof(*d));
	d->info = info;
	d->data = data;
	d->next = c->datastores;
	c->datastores = d;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void *ly_chan_datastore_find(const struct ly_channel *c, const struct ly_datastore_info *info)
{
	struct ly_channel *mc = (struct ly_channel *)c;
	struct datastore *d;

	pthread_mutex_lock(&mc->lock);
	d = datastore_lookup(c, info);
	pthread_mutex_unlock(&mc->lock);
	return d ? d->data : NULL;
}

void *ly_chan_datastore_remove(struct ly_channel *c, const struct ly_datastore_info *info)
{
	void *data = NULL;

	pthread_mutex_lock(&c->lock);
	for (struct datastore **pp = &c->datastores; *pp; pp = &(*pp)->next) {
		if ((*pp)->info == info) {
			struct datastore *d = *pp;
			*pp = d->next;
			data = d->data;
			free(d);
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return data;
}

void ly_chan_datastore_inherit(const struct ly_channel *parent, struct ly_channel *child)
{
	struct ly_channel *mp = (struct ly_channel *)parent;
	struct datastore *copies = NULL;

	/* Duplicate under the parent's lock, attach under the child's: never
	 * both at once (see the lock rules at the top of this file). */
	pthread_mutex_lock(&mp->lock);
	for (struct datastore *d = mp->datastores; d; d = d->next) {
		if (!d->info->duplicate)
			continue;
		struct datastore *copy = ly_calloc(1, sizeof(*copy));
		copy->info = d->info;
		copy->data = d->info->duplicate(d->data);
		copy->next = copies;
		copies = copy;
	}
	pthread_mutex_unlock(&mp->lock);
	while (copies) {
		struct datastore *next = copies->next;
		if (ly_chan_datastore_add(child, copies->info, copies->data) && copies->info->destroy)
			copies->info->destroy(copies->data);
		free(copies);
		copies = next;
	}
}

const char *ly_chan_language(const struct ly_channel *c, char *buf, size_t len)
{
	struct ly_channel *mc = (struct ly_channel *)c;

	pthread_mutex_lock(&mc->lock);
	ly_strlcpy(buf, c->language[0] ? c->language : "en", len);
	pthread_mutex_unlock(&mc->lock);
	return buf;
}

void ly_chan_set_language(struct ly_channel *c, const char *language)
{
	pthread_mutex_lock(&c->lock);
	ly_strlcpy(c->language, language ? language : "", sizeof(c->language));
	pthread_mutex_unlock(&c->lock);
}
