/*
 * tests/unit/dp_harness.h - run small dialplans with no network, for the
 * table-driven dialplan tests.
 *
 *   dph_setup();
 *   dph_load("[test]\nexten => 100,1,Set(X=1)\n same => n,Hangup()\n");
 *   struct dph_call *c = dph_run("test", "100", NULL, NULL, 2000);
 *   CHECK_STR(dph_trace(c), "100@test:1 Set(X=1)\n100@test:2 Hangup()\n");
 *   CHECK_STR(dph_var(c, "X"), "1");
 *   dph_free(c);
 *   dph_teardown();
 *
 * The call runs on a channel of a test technology ("Test/<n>") through the
 * real runner (ly_pbx_run) in the calling thread.  The trace holds one line
 * per priority executed, "<exten>@<context>:<priority> <App>(<substituted
 * args>)", including the h extension.  Variables are captured when the
 * channel hangs up.
 */
#ifndef LYRE_TESTS_DP_HARNESS_H
#define LYRE_TESTS_DP_HARNESS_H

#include <time.h>

struct dph_call;

/* Initialise the core pieces the dialplan needs (log to stderr, CLI
 * registry, formats, pbx, core applications, a temp statedir for DB()).
 * Also loads the function modules built in this tree (func_*) through the
 * real loader.  0 or an errno value. */
int dph_setup(void);
void dph_teardown(void);

/* Parse and install extensions.conf text.  0, or EINVAL with the parser's
 * message in dph_error(). */
int dph_load(const char *text);
const char *dph_error(void);

/* Fix the dialplan clock (0 = real time). */
void dph_set_clock(time_t when);

/*
 * Run exten@context with caller id number cid (may be NULL) until the
 * channel hangs up or timeout_ms passes (then it is hung up and
 * dph_timed_out() is true).  `dtmf` (may be NULL) is queued as digits
 * before the run starts.  Never NULL.
 */
struct dph_call *dph_run(const char *context, const char *exten, const char *cid,
			 const char *dtmf, int timeout_ms);
const char *dph_trace(const struct dph_call *call);
/* The variable's value when the channel hung up, or NULL if unset. */
const char *dph_var(const struct dph_call *call, const char *name);
int dph_hangupcause(const struct dph_call *call);
int dph_timed_out(const struct dph_call *call);
void dph_free(struct dph_call *call);

#endif
