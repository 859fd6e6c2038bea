/*
 * core/pbx_int.h - the dialplan runner's core-private interface: start-up,
 * trace, per-channel state the core applications use, test hooks.
 */
#ifndef LYRE_CORE_PBX_INT_H
#define LYRE_CORE_PBX_INT_H

#include <stdbool.h>
#include <time.h>

#include "lyre/utils.h"

struct ly_channel;

/* Register the Local channel technology, the TIMEOUT and EXCEPTION
 * functions and `channel originate`.  0 or an errno value. */
int ly_pbx_init(void);
void ly_pbx_shutdown(void);

/* `dialplan set trace on|off`: log each priority run, with its
 * substituted arguments, at NOTICE as
 *   "Trace <channel> <exten>@<context>:<priority> <App>(<args>)" */
void ly_pbx_trace_set(bool on);
bool ly_pbx_trace_get(void);

/* Tests: called for each priority run (after substitution). */
typedef void (*ly_pbx_trace_fn)(struct ly_channel *c, const char *context, const char *exten,
				int priority, const char *app, const char *args, void *arg);
void ly_pbx_set_trace_hook(ly_pbx_trace_fn fn, void *arg);

/* Tests: fix the dialplan clock (ly_pbx_now); 0 returns to real time. */
void ly_pbx_set_clock(time_t fixed);

/* "file:line" of the priority this channel is executing ("" outside one),
 * for messages from applications and the expression evaluator. */
const char *ly_pbx_location(const struct ly_channel *c, char *buf, size_t len);

/*
 * Raise an exception as Asterisk does (RaiseException, timeouts): set
 * EXCEPTION(reason) and jump to the 'e' extension of the current context,
 * or hang up when it has none.
 */
void ly_pbx_raise_exception(struct ly_channel *c, const char *reason);

/* TIMEOUT(digit) and TIMEOUT(response) of c in milliseconds (defaults
 * 5000 and 10000), for WaitExten-style applications. */
int ly_pbx_timeout_digit_ms(const struct ly_channel *c);
int ly_pbx_timeout_response_ms(const struct ly_channel *c);

#endif
