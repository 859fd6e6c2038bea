/* core/rtp.c - the RTP engine registry and the session wrappers drivers call. */
/*
 * The core keeps no socket code: a session here is the engine that serves
 * it and the engine's private state.  A session holds the engine's module
 * in use, so res_rtp cannot be unloaded under a live call.  Engines sit on
 * an intrusive list (their `next` field), so the registry owns no storage
 * and needs nothing freed at exit.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lyre/log.h"
#include "lyre/module.h"
#include "lyre/rtp.h"
#include "lyre/utils.h"

struct ly_rtp {
	struct ly_rtp_engine *engine;
	void *pvt;
	_Atomic enum ly_rtp_dtmf_mode dtmf_mode;	/* for the relay rule */
};

/* Guards the engine list; no engine op ever runs under it. */
static pthread_mutex_t engines_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_rtp_engine *engines;	/* registration order */

static struct ly_rtp_engine *engine_find_locked(const char *name)
{
	for (struct ly_rtp_engine *e = engines; e; e = e->next)
		if (!name || strcasecmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* Called by the loader on unload, and by unregister. */
static void engine_remove(void *item)
{
	pthread_mutex_lock(&engines_lock);
	for (struct ly_rtp_engine **p = &engines; *p; p = &(*p)->next) {
		if (*p == item) {
			*p = (*p)->next;
			break;
		}
	}
	pthread_mutex_unlock(&engines_lock);
}

int ly_rtp_engine_register(struct ly_module *owner, struct ly_rtp_engine *engine)
{
	struct ly_rtp_engine **tail;

	if (!engine || !engine->name || !engine->create || !engine->destroy)
		return EINVAL;
	pthread_mutex_lock(&engines_lock);
	if (engine_find_locked(engine->name)) {
		pthread_mutex_unlock(&engines_lock);
		ly_error("RTP engine '%s' is already registered", engine->name);
		return EEXIST;
	}
	engine->owner = owner;
	engine->next = NULL;
	for (tail = &engines; *tail; tail = &(*tail)->next)
		;
	*tail = engine;
	pthread_mutex_unlock(&engines_lock);
	ly_module_track(owner, engine, engine_remove);
	ly_verbose(2, "Registered RTP engine '%s'", engine->name);
	return 0;
}

void ly_rtp_engine_unregister(struct ly_rtp_engine *engine)
{
	if (!engine)
		return;
	ly_module_untrack(engine->owner, engine);
	engine_remove(engine);
	ly_verbose(2, "Unregistered RTP engine '%s'", engine->name);
}

bool ly_rtp_engine_exists(const char *name)
{
	bool found;

	pthread_mutex_lock(&engines_lock);
	found = engine_find_locked(name) != NULL;
	pthread_mutex_unlock(&engines_lock);
	return found;
}

/* The engine with its module held, or NULL (none, or its module is going). */
static struct ly_rtp_engine *engine_acquire(const char *name)
{
	struct ly_rtp_engine *e;

	pthread_mutex_lock(&engines_lock);
	e = engine_find_locked(name);
	if (e && !ly_module_ref(e->owner))
		e = NULL;
	pthread_mutex_unlock(&engines_lock);
	return e;
}

int ly_rtp_new(const char *engine, int family, const struct sockaddr *bind_addr,
	       struct ly_rtp **out)
{
	struct ly_rtp_engine *e;
	void *pvt = NULL;
	int err;

	*out = NULL;
	if (family != AF_INET && family != AF_INET6)
		return EAFNOSUPPORT;
	if (bind_addr && bind_addr->sa_family != family)
		return EINVAL;
	e = engine_acquire(engine);
	if (!e)
		return ENOENT;
	err = e->create(family, bind_addr, &pvt);
	if (err) {
		ly_module_unref(e->owner);
		return err;
	}
	*out = ly_calloc(1, sizeof(**out));
	(*out)->engine = e;
	(*out)->pvt = pvt;
	return 0;
}

void ly_rtp_destroy(struct ly_rtp *rtp)
{
	struct ly_module *owner;

	if (!rtp)
		return;
	owner = rtp->engine->owner;
	rtp->engine->destroy(rtp->pvt);
	free(rtp);
	ly_module_unref(owner);
}

const char *ly_rtp_engine_name(const struct ly_rtp *rtp)
{
	return rtp->engine->name;
}

int ly_rtp_local_addr(struct ly_rtp *rtp, struct sockaddr_storage *out)
{
	if (!rtp || !out)
		return EINVAL;
	return rtp->engine->local_addr ? rtp->engine->local_addr(rtp->pvt, out) : ENOTSUP;
}

int ly_rtp_set_remote(struct ly_rtp *rtp, const struct sockaddr *addr)
{
	if (!rtp)
		return EINVAL;
	return rtp->engine->set_remote ? rtp->engine->set_remote(rtp->pvt, addr) : ENOTSUP;
}

int ly_rtp_remote_addr(struct ly_rtp *rtp, struct sockaddr_storage *out)
{
	if (!rtp || !out)
		return EINVAL;
	return rtp->engine->remote_addr ? rtp->engine->remote_addr(rtp->pvt, out) : ENOTSUP;
}

int ly_rtp_set_payload(struct ly_rtp *rtp, unsigned pt, const struct ly_format *fmt)
{
	if (!rtp || pt > 127)
		return EINVAL;
	return rtp->engine->set_payload ? rtp->engine->set_payload(rtp->pvt, pt, fmt) : ENOTSUP;
}

int ly_rtp_set_symmetric(struct ly_rtp *rtp, bool on)
{
	if (!rtp)
		return EINVAL;
	return rtp->engine->set_symmetric ? rtp->engine->set_symmetric(rtp->pvt, on) : ENOTSUP;
}

int ly_rtp_write(struct ly_rtp *rtp, const struct ly_frame *f)
{
	if (!rtp || !f)
		return EINVAL;
	return rtp->engine->write ? rtp->engine->write(rtp->pvt, f) : ENOTSUP;
}

int ly_rtp_set_channel(struct ly_rtp *rtp, struct ly_channel *chan)
{
	if (!rtp)
		return EINVAL;
	return rtp->engine->set_channel ? rtp->engine->set_channel(rtp->pvt, chan) : ENOTSUP;
}

int ly_rtp_relay(struct ly_rtp *a, struct ly_rtp *b)
{
	if (!a || !b || a == b)
		return EINVAL;
	if (a->engine != b->engine)
		return EXDEV;	/* a relay runs inside one engine's workers */
	if (a->dtmf_mode != b->dtmf_mode)
		return EPROTO;	/* digits need converting, which only frames allow */
	return a->engine->relay ? a->engine->relay(a->pvt, b->pvt) : ENOTSUP;
}

int ly_rtp_unrelay(struct ly_rtp *rtp)
{
	if (!rtp)
		return EINVAL;
	return rtp->engine->unrelay ? rtp->engine->unrelay(rtp->pvt) : ENOTSUP;
}

int ly_rtp_get_stats(struct ly_rtp *rtp, struct ly_rtp_stats *out)
{
	if (!rtp || !out)
		return EINVAL;
	return rtp->engine->stats ? rtp->engine->stats(rtp->pvt, out) : ENOTSUP;
}

int ly_rtp_set_generator(struct ly_rtp *rtp, ly_rtp_generator gen, void *arg)
{
	if (!rtp)
		return EINVAL;
	return rtp->engine->set_generator ? rtp->engine->set_generator(rtp->pvt, gen, arg)
					  : ENOTSUP;
}

int ly_rtp_set_dtmf(struct ly_rtp *rtp, enum ly_rtp_dtmf_mode mode, int pt, unsigned clock)
{
	int err;

	if (!rtp || pt > 127)
		return EINVAL;
	err = rtp->engine->set_dtmf ? rtp->engine->set_dtmf(rtp->pvt, mode, pt, clock) : ENOTSUP;
	if (!err)
		rtp->dtmf_mode = mode;
	return err;
}

enum ly_rtp_dtmf_mode ly_rtp_dtmf_mode(const struct ly_rtp *rtp)
{
	return rtp ? rtp->dtmf_mode : LY_RTP_DTMF_NONE;
}

int ly_rtp_dtmf_begin(struct ly_rtp *rtp, char digit)
{
	if (!rtp)
		return EINVAL;
	return rtp->engine->dtmf_begin ? rtp->engine->dtmf_begin(rtp->pvt, digit) : ENOTSUP;
}

int ly_rtp_dtmf_end(struct ly_rtp *rtp, char digit, unsigned duration_ms)
{
	if (!rtp)
		return EINVAL;
	return rtp->engine->dtmf_end ? rtp->engine->dtmf_end(rtp->pvt, digit, duration_ms)
				     : ENOTSUP;
}
int ly_rtp_srtp_keygen(struct ly_rtp *rtp, enum ly_srtp_suite suite, struct ly_srtp_key *out)
{
	if (!rtp || !out || !ly_srtp_key_len(suite))
		return EINVAL;
	return rtp->engine->srtp_keygen ? rtp->engine->srtp_keygen(rtp->pvt, suite, out) : ENOTSUP;
}

int ly_rtp_set_crypto(struct ly_rtp *rtp, const struct ly_srtp_key *local,
		      const struct ly_srtp_key *remote)
{
	if (!rtp || !local != !remote)
		return EINVAL;
	if (local && (local->suite != remote->suite || !ly_srtp_key_len(local->suite) ||
		      local->len != ly_srtp_key_len(local->suite) || remote->len != local->len))
		return EINVAL;
	return rtp->engine->set_crypto ? rtp->engine->set_crypto(rtp->pvt, local, remote) : ENOTSUP;
}


int ly_rtp_set_audio_tap(struct ly_rtp *rtp, ly_rtp_audio_fn fn, void *arg)
{
	if (!rtp)
		return EINVAL;
	return rtp->engine->set_audio_tap ? rtp->engine->set_audio_tap(rtp->pvt, fn, arg)
					  : ENOTSUP;
}

int ly_rtp_set_rtcp(struct ly_rtp *rtp, bool mux, unsigned remote_port)
{
	if (!rtp || remote_port > 65535)
		return EINVAL;
	return rtp->engine->set_rtcp ? rtp->engine->set_rtcp(rtp->pvt, mux, remote_port) : ENOTSUP;
}
