/*
 * core/pbx_state.h - what the runner's files share: each channel's place in
 * the dialplan (kept in a channel datastore), the globals' teardown, and
 * the registration of Local, the pbx functions and `channel originate`.
 *
 * The state has its own mutex, a leaf: nothing else is locked while it is
 * held and no callback runs under it.
 */
#ifndef LYRE_CORE_PBX_STATE_H
#define LYRE_CORE_PBX_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lyre/pbx.h"

struct ly_channel;

/* Asterisk's defaults for TIMEOUT(digit) and TIMEOUT(response). */
#define PBX_DIGIT_TIMEOUT_MS 5000
#define PBX_RESPONSE_TIMEOUT_MS 10000

struct pbx_state {
	pthread_mutex_t lock;
	char context[LY_MAX_CONTEXT];
	char exten[LY_MAX_EXTEN];
	int priority;
	bool jumped;		/* an application moved the position */
	unsigned executed;	/* priorities run by this call (maxpriorities) */
	char file[256];		/* where the running priority was written; "" outside one */
	int line;
	uint64_t abs_deadline_ms;	/* TIMEOUT(absolute) on ly_now_ms(); 0 = none */
	int digit_ms;
	int response_ms;
	bool has_exception;	/* EXCEPTION() is readable */
	char exc_reason[64];
	char exc_context[LY_MAX_CONTEXT];
	char exc_exten[LY_MAX_EXTEN];
	int exc_priority;
};

/* The channel's state, created on first use; valid while c lives. */
struct pbx_state *pbx_state(struct ly_channel *c);
/* The state if the channel has one yet (for const readers), else NULL. */
struct pbx_state *pbx_state_peek(const struct ly_channel *c);

/* ${NAME(args)}: 0, ENOENT (no such function), ENOSYS (write-only) or
 * the function's own error.  buf holds the value on success. */
int pbx_func_read(struct ly_channel *c, const char *expr, char *buf, size_t len);

/* Forget every global (at shutdown). */

/* Local channels (chan_local.c), TIMEOUT/EXCEPTION (pbx_funcs.c) and
 * `channel originate` (pbx_cli.c).  0 or an errno value. */
int pbx_local_register(void);
void pbx_local_unregister(void);
int pbx_funcs_register(void);
void pbx_funcs_unregister(void);
int pbx_cli_register(void);
void pbx_cli_unregister(void);

#endif
