/* modules/chan_sip/sip_resolve.c - trunk host names resolved on helper threads, answers kept by TTL. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_dns.h"
#include "sip_resolve.h"

struct job;

struct entry {
	struct entry *next;
	struct sip_resolver *r;
	uint64_t id;			/* a job's answer finds its entry by this */
	char *trunk, *name;
	uint16_t port;			/* from host=, 0: none (SRV is tried) */
	enum sip_proto proto;
	enum sip_resolve_state state;
	bool srv;
	struct sip_msg_src targets[SIP_RESOLVE_MAX_TARGETS];
	size_t n;
	bool busy;			/* a job is looking it up */
	unsigned failures;		/* in a row */
	uint64_t timer, next_at_ms;
	char error[96];
};

/* One lookup on its own thread.  The thread writes only the answer part. */
struct job {
	struct job *next;		/* the resolver's running jobs */
	struct sip_resolver *r;
	pthread_t thread;
	uint64_t entry_id;
	char *name;
	uint16_t port;
	enum sip_proto proto;
	struct sockaddr_storage server;	/* ss_family 0: the system's */
	/* the answer */
	int rc;
	struct sip_dns_result res;
	char why[96];
	bool held;			/* took the module for the queued answer */
};

struct sip_resolver {
	struct ly_loop *loop;
	struct entry *entries;
	uint64_t next_id;
	struct sockaddr_storage server;
	pthread_mutex_t lock;		/* jobs and stopping: the helpers look at them */
	struct job *jobs;
	bool stopping;
};

static struct ly_module *owner;

void sip_resolver_set_owner(struct ly_module *mod)
{
	owner = mod;
}

const char *sip_resolve_state_name(enum sip_resolve_state s)
{
	static const char *const names[] = { "Pending", "Resolved", "Stale", "Failed" };

	return names[s];
}

unsigned sip_resolve_ttl_clamp(uint32_t ttl)
{
	if (ttl < SIP_RESOLVE_TTL_MIN)
		return SIP_RESOLVE_TTL_MIN;
	return ttl > SIP_RESOLVE_TTL_MAX ? SIP_RESOLVE_TTL_MAX : (unsigned)ttl;
}

static struct ly_sched *sched_of(const struct sip_resolver *r)
{
	return ly_loop_sched(r->loop);
}

static struct entry *entry_by_id(struct sip_resolver *r, uint64_t id)
{
	for (struct entry *e = r->entries; e; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

static void start_lookup(struct sip_resolver *r, struct entry *e);

/* ---- answers, on the loop thread ---- */

static void schedule(struct sip_resolver *r, struct entry *e, unsigned seconds);

static void job_free(struct job *j)
{
	free(j->name);
	free(j);
}

static void unlink_job(struct sip_resolver *r, struct job *j)
{
	pthread_mutex_lock(&r->lock);
	for (struct job **pp = &r->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static void take_answer(struct entry *e, const struct job *j)
{
	e->n = 0;
	for (size_t i = 0; i < j->res.n && e->n < SIP_RESOLVE_MAX_TARGETS; i++) {
		struct sip_msg_src *t = &e->targets[e->n++];

		memset(t, 0, sizeof(*t));
		t->proto = e->proto;
		memcpy(&t->addr, &j->res.addrs[i].addr, j->res.addrs[i].len);
		t->addr_len = j->res.addrs[i].len;
	}
	e->srv = j->res.srv;
	e->state = SIP_RESOLVE_OK;
	e->failures = 0;
	e->error[0] = '\0';
}

static void answered(struct sip_resolver *r, struct entry *e, const struct job *j)
{
	unsigned retry = SIP_RESOLVE_RETRY_FIRST;

	e->busy = false;
	if (!j->rc) {
		take_answer(e, j);
		ly_verbose(2, "SIP trunk %s: %s resolved to %zu address%s%s, TTL %u s", e->trunk, e->name, e->n,
			   e->n == 1 ? "" : "es", e->srv ? " (SRV)" : "", (unsigned)j->res.ttl);
		schedule(r, e, sip_resolve_ttl_clamp(j->res.ttl));
		return;
	}
	ly_strlcpy(e->error, j->why, sizeof(e->error));
	for (unsigned i = 0; i < e->failures && retry < SIP_RESOLVE_TTL_MIN; i++)
		retry *= 2;
	if (retry > SIP_RESOLVE_TTL_MIN)
		retry = SIP_RESOLVE_TTL_MIN;
	e->failures++;
	if (e->n) {
		e->state = SIP_RESOLVE_STALE;
		ly_warning("SIP trunk %s: cannot resolve %s (%s); keeping the last %zu address%s, retrying in %u s",
			   e->trunk, e->name, j->why, e->n, e->n == 1 ? "" : "es", retry);
	} else {
		e->state = SIP_RESOLVE_FAILED;
		ly_warning("SIP trunk %s: cannot resolve %s (%s); retrying in %u s", e->trunk, e->name, j->why,
			   retry);
	}
	schedule(r, e, retry);
}

/* The loop's side of a job: its thread has finished (or is about to). */
static void deliver(void *arg)
{
	struct job *j = arg;
	struct sip_resolver *r = j->r;
	struct entry *e;
	bool held = j->held;

	pthread_join(j->thread, NULL);
	unlink_job(r, j);
	e = entry_by_id(r, j->entry_id);
	if (e)		/* else the trunk left the configuration meanwhile */
		answered(r, e, j);
	job_free(j);
	if (held)
		ly_module_unref(owner);	/* last: nothing of this module runs after it */
}

/* ---- lookups, on a helper thread ---- */

static void *lookup_thread(void *arg)
{
	struct job *j = arg;
	struct sip_resolver *r = j->r;
	bool post;

	j->rc = sip_dns_resolve(j->name, j->port, j->proto,
				j->server.ss_family ? (const struct sockaddr *)&j->server : NULL, &j->res, j->why,
				sizeof(j->why));
	/* Queue the answer only while the resolver lives; the module is held
	 * until the loop has run it (see sip_resolve.h). */
	pthread_mutex_lock(&r->lock);
	post = !r->stopping && ly_module_ref(owner);
	j->held = post && owner;
	if (post && ly_loop_call(r->loop, deliver, j) != 0 && j->held) {
		ly_module_unref(owner);
		j->held = false;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void start_lookup(struct sip_resolver *r, struct entry *e)
{
	struct job *j = ly_calloc(1, sizeof(*j));
	int rc;

	j->r = r;
	j->entry_id = e->id;
	j->name = ly_strdup(e->name);
	j->port = e->port;
	j->proto = e->proto;
	j->server = r->server;
	e->busy = true;
	pthread_mutex_lock(&r->lock);
	rc = pthread_create(&j->thread, NULL, lookup_thread, j);
	if (!rc) {
		j->next = r->jobs;
		r->jobs = j;
	}
	pthread_mutex_unlock(&r->lock);
	if (rc) {
		ly_warning("SIP trunk %s: cannot start a DNS lookup of %s: %s", e->trunk, e->name, strerror(rc));
		job_free(j);
		e->busy = false;
		schedule(r, e, SIP_RESOLVE_RETRY_FIRST);
	}
}

/* ---- timers ---- */

static int lookup_due(void *arg)
{
	struct entry *e = arg;

	e->timer = 0;
	if (!e->busy)
		start_lookup(e->r, e);
	return 0;
}

static void unschedule(struct sip_resolver *r, struct entry *e)
{
	if (e->timer)
		ly_sched_del(sched_of(r), e->timer);
	e->timer = 0;
}

static void schedule(struct sip_resolver *r, struct entry *e, unsigned seconds)
{
	unschedule(r, e);
	e->next_at_ms = ly_now_ms() + seconds * 1000ull;
	e->timer = ly_sched_add(sched_of(r), seconds * 1000u, lookup_due, e);
}

/* ---- following the configuration ---- */

static void entry_free(struct sip_resolver *r, struct entry *e)
{
	unschedule(r, e);	/* a job still running finds no entry by its id */
	free(e->trunk), free(e->name);
	free(e);
}

static const struct sip_trunk_conf *trunk_named(const struct sip_conf *conf, const char *name)
{
	for (const struct sip_trunk_conf *t = conf->trunks; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static bool same_host(const struct entry *e, const struct sip_trunk_conf *t)
{
	return t->host_name && !strcmp(e->name, t->host_name) && e->port == t->host_port && e->proto == t->proto;
}

static struct entry *entry_new(struct sip_resolver *r, const struct sip_trunk_conf *t)
{
	struct entry *e = ly_calloc(1, sizeof(*e));

	e->r = r;
	e->id = ++r->next_id;
	e->trunk = ly_strdup(t->name);
	e->name = ly_strdup(t->host_name);
	e->port = t->host_port;
	e->proto = t->proto;
	e->state = SIP_RESOLVE_PENDING;
	e->next = r->entries;
	r->entries = e;
	return e;
}

void sip_resolver_sync(struct sip_resolver *r, const struct sip_conf *conf)
{
	bool server_changed = memcmp(&r->server, &conf->gen.dns_addr, sizeof(r->server)) != 0;

	r->server = conf->gen.dns_addr;
	for (struct entry **pp = &r->entries; *pp;) {
		struct entry *e = *pp;
		const struct sip_trunk_conf *t = trunk_named(conf, e->trunk);

		if (t && same_host(e, t)) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		entry_free(r, e);
	}
	for (const struct sip_trunk_conf *t = conf->trunks; t; t = t->next) {
		struct entry *e = r->entries;

		if (!t->host_name)
			continue;
		while (e && strcmp(e->trunk, t->name))
			e = e->next;
		if (!e)
			start_lookup(r, entry_new(r, t));
		else if (server_changed && !e->busy)
			start_lookup(r, e);	/* another server may answer otherwise */
	}
}

/* ---- queries ---- */

static const struct entry *entry_of(const struct sip_resolver *r, const char *trunk)
{
	for (const struct entry *e = r ? r->entries : NULL; e; e = e->next)
		if (!strcmp(e->trunk, trunk))
			return e;
	return NULL;
}

size_t sip_resolver_targets(const struct sip_resolver *r, const struct sip_trunk_conf *t,
			    struct sip_msg_src *out, size_t max, enum sip_resolve_state *state)
{
	const struct entry *e;
	size_t n;

	if (!t->host_name) {
		if (state)
			*state = SIP_RESOLVE_OK;
		if (!max || !t->addr_len)
			return 0;
		memset(out, 0, sizeof(*out));
		out->proto = t->proto;
		memcpy(&out->addr, &t->addr, t->addr_len);
		out->addr_len = t->addr_len;
		return 1;
	}
	e = entry_of(r, t->name);
	if (state)
		*state = e ? e->state : SIP_RESOLVE_PENDING;
	if (!e || !same_host(e, t))
		return 0;
	n = e->n < max ? e->n : max;
	memcpy(out, e->targets, n * sizeof(*out));
	return n;
}

static bool same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return a->sa_family == AF_INET6 &&
	       !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr,
		       sizeof(struct in6_addr));
}

static in_port_t port_of(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
					: ((const struct sockaddr_in6 *)sa)->sin6_port;
}

/*
 * Any resolved address of the trunk, on any port: an ITSP sends from
 * several servers, and not from the port it takes requests on (as
 * pjsip's identify with match=<host name>).  host=name:port also fixes
 * the port, as a numeric host=ip:port does.
 */
const struct sip_trunk_conf *sip_resolver_trunk_by_addr(const struct sip_resolver *r,
							const struct sip_conf *conf, const struct sockaddr *sa)
{
	for (const struct entry *e = r ? r->entries : NULL; e; e = e->next) {
		for (size_t i = 0; i < e->n; i++) {
			const struct sockaddr *ta = (const struct sockaddr *)&e->targets[i].addr;

			if (!same_ip(ta, sa) || (e->port && port_of(ta) != port_of(sa)))
				continue;
			return trunk_named(conf, e->trunk);
		}
	}
	return NULL;
}

bool sip_resolver_info(const struct sip_resolver *r, const char *trunk, struct sip_resolve_info *out)
{
	const struct entry *e = entry_of(r, trunk);
	uint64_t now = ly_now_ms();

	if (!e)
		return false;
	*out = (struct sip_resolve_info){
		.trunk = e->trunk, .name = e->name, .state = e->state, .srv = e->srv,
		.targets = e->targets, .n = e->n, .error = e->error,
		.next_in = e->timer && e->next_at_ms > now ? (unsigned)((e->next_at_ms - now + 999) / 1000) : 0,
	};
	return true;
}

/* ---- life cycle ---- */

struct sip_resolver *sip_resolver_new(struct ly_loop *loop)
{
	struct sip_resolver *r = ly_calloc(1, sizeof(*r));

	r->loop = loop;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

void sip_resolver_free(struct sip_resolver *r)
{
	struct job *jobs;

	if (!r)
		return;
	/* Helpers still looking up drop their answers; none has queued one,
	 * or the module would be held and not unloading (sip_resolve.h). */
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	jobs = r->jobs;
	r->jobs = NULL;
	pthread_mutex_unlock(&r->lock);
	while (jobs) {
		struct job *j = jobs;

		jobs = j->next;
		pthread_join(j->thread, NULL);
		job_free(j);
	}
	while (r->entries) {
		struct entry *e = r->entries;

		r->entries = e->next;
		entry_free(r, e);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}
