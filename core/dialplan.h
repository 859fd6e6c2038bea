/*
 * core/dialplan.h - the parsed dialplan (extensions.conf) and lookups in it.
 *
 * A struct dp_plan is immutable once parsed and shared by reference: the
 * running plan is swapped atomically by `dialplan reload`, and a channel in
 * the middle of a lookup keeps the plan it started with alive.  Lookups
 * follow Asterisk: the context's own extensions first (a caller-id match
 * before a plain one, a literal before patterns, patterns in Asterisk's
 * specificity order), then its includes in file order, recursively, with
 * time-restricted includes checked against `now`.
 */
#ifndef LYRE_CORE_DIALPLAN_H
#define LYRE_CORE_DIALPLAN_H

#include <stdbool.h>
#include <time.h>

#include "lyre/config.h"
#include "lyre/utils.h"

struct dp_plan;
struct dp_exten;

struct dp_prio {
	int priority;
	const char *label;	/* NULL if none */
	const char *app;	/* "NoOp" */
	const char *args;	/* raw, substituted only when executed */
	const char *file;	/* where it was written, for error messages */
	int line;
};

struct dp_general {
	bool static_plan;	/* [general] static */
	bool writeprotect;
	bool clearglobalvars;
	bool autofallthrough;	/* default yes: hang up when priorities run out */
};

/* Parse extensions.conf (and its #includes).  0, or EINVAL with err
 * naming file:line, or ENOENT when the file is missing.  The plan starts
 * with one reference. */
int dp_plan_load(const char *confdir, const char *filename, struct dp_plan **out,
		 struct ly_cfg_error *err);
int dp_plan_parse_buffer(const char *confdir, const char *name, const char *text,
			 size_t len, struct dp_plan **out, struct ly_cfg_error *err);
struct dp_plan *dp_plan_ref(struct dp_plan *plan);
void dp_plan_unref(struct dp_plan *plan);	/* NULL-safe */

/* The running plan: a new reference (release with dp_plan_unref), never
 * NULL once dp_init ran (an empty plan if nothing loaded). */
struct dp_plan *dp_current(void);
/* Make plan the running one (takes the caller's reference) and apply its
 * [globals] as clearglobalvars says. */
void dp_install(struct dp_plan *plan);

const struct dp_general *dp_plan_general(const struct dp_plan *plan);
void dp_plan_foreach_global(const struct dp_plan *plan,
			    void (*fn)(const char *name, const char *value, void *arg), void *arg);
unsigned dp_plan_context_count(const struct dp_plan *plan);
unsigned dp_plan_exten_count(const struct dp_plan *plan);

/*
 * The extension `exten` (caller id `cid`, may be NULL) selects in context,
 * searching includes; NULL when nothing matches.  *found_context (may be
 * NULL) gets the name of the context that held it.
 */
const struct dp_exten *dp_find_exten(const struct dp_plan *plan, const char *context,
				     const char *exten, const char *cid, time_t now,
				     const char **found_context);
const struct dp_prio *dp_exten_prio(const struct dp_exten *e, int priority);
int dp_exten_label(const struct dp_exten *e, const char *label);	/* -1 if none */
/* Priorities of the extension in ascending order (for While/EndWhile scans). */
unsigned dp_exten_prio_count(const struct dp_exten *e);
const struct dp_prio *dp_exten_prio_at(const struct dp_exten *e, unsigned index);
const char *dp_exten_name(const struct dp_exten *e);	/* "_1XX" or "100" */

enum dp_match_mode {
	DP_MATCH_EXISTS,	/* exten matches an extension now */
	DP_MATCH_CANMATCH,	/* matches now or could with more digits */
	DP_MATCH_MATCHMORE,	/* more digits could still match ('!' and '.' rules) */
};
bool dp_match(const struct dp_plan *plan, const char *context, const char *exten,
	      const char *cid, enum dp_match_mode mode, time_t now);
bool dp_ignorepat(const struct dp_plan *plan, const char *context, const char *digits);
bool dp_context_exists(const struct dp_plan *plan, const char *context);
/* The hint of context/exten (e.g. "SIP/100&SIP/101"), or NULL. */
const char *dp_hint(const struct dp_plan *plan, const char *context, const char *exten);

/* Pattern matching on its own (tests, benchmarks): does `exten` match
 * `pattern` ("_NXX", "100", "_9!") in mode? */
bool dp_pattern_match(const char *pattern, const char *exten, enum dp_match_mode mode);
/* Asterisk's ordering of two extension names: < 0 when a sorts first
 * (is more specific). */
int dp_pattern_cmp(const char *a, const char *b);

/* Load extensions.conf at start-up (an error is logged and an empty plan
 * runs) and register `dialplan show|reload|set trace`.  0 or an errno value. */
int dp_init(const char *confdir);
/* Parse and install a new plan; on failure keep the running one and put
 * the reason (file:line) into why.  0 or an errno value. */
int dp_reload(struct ly_buf *why);
void dp_shutdown(void);

/* Like dp_find_exten, but the first matching extension that has `priority`: when
 * the best match lacks it, Asterisk runs it from a less specific match
 * (a pattern below a literal).  Use it to find the priority to run. */
const struct dp_exten *dp_find_exten_prio(const struct dp_plan *plan, const char *context,
					  const char *exten, const char *cid, int priority,
					  time_t now, const char **found_context);

#endif
