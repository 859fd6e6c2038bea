/*
 * lyre/pbx.h - the dialplan as modules see it: where a channel is in the
 * dialplan, jumps, variable substitution, globals, and running the
 * dialplan on a channel.
 *
 * A channel's position is (context, extension, priority).  The runner
 * executes the priority at the position, then moves to priority + 1 —
 * unless the application jumped (ly_pbx_goto), in which case it continues
 * exactly at the new position.  Names follow Asterisk: EXTEN, CONTEXT,
 * PRIORITY; special extensions s, i, t, h, e, T, o, a.
 */
#ifndef LYRE_PBX_H
#define LYRE_PBX_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "utils.h"

struct ly_channel;

#define LY_MAX_CONTEXT 80
#define LY_MAX_EXTEN 80
/* Longest variable value substitution produces; functions that read a
 * variable's value use the same size so nothing is cut silently. */
#define LY_MAX_VALUE 8192

/* ---- Position ---- */

/* Copies into buf; "" when unset. */
const char *ly_pbx_context(const struct ly_channel *c, char *buf, size_t len);
const char *ly_pbx_exten(const struct ly_channel *c, char *buf, size_t len);
int ly_pbx_priority(const struct ly_channel *c);
/* Set the position without marking a jump (before the dialplan starts). */
void ly_pbx_set_position(struct ly_channel *c, const char *context, const char *exten,
			 int priority);

/*
 * Jump, as Goto() does.  `target` is "[[context,]exten,]priority" where
 * priority is a number, a label, or n (next) / a relative +N/-N; context
 * and exten default to the current ones.  The runner continues exactly at
 * the target.  0, or ENOENT (logged) when the target does not exist — the
 * position is then unchanged.
 */
int ly_pbx_goto(struct ly_channel *c, const char *target);
/*
 * Goto()'s jump: like ly_pbx_goto, but a target that does not exist is
 * still jumped to, and the runner then treats it as Asterisk does (the
 * context's 'i' extension, else hang up).  Only a priority that is
 * neither a number nor a label of the target fails (ENOENT, logged).
 */
int ly_pbx_goto_any(struct ly_channel *c, const char *target);
/* Jump to an explicit position; priority must exist.  0 or ENOENT. */
int ly_pbx_goto_explicit(struct ly_channel *c, const char *context, const char *exten,
			 int priority);

/* ---- Lookups in the running dialplan (thread-safe) ---- */

bool ly_exten_exists(const char *context, const char *exten, int priority, const char *cid);
/* Could `exten` become a match with more digits (or is one now)? */
bool ly_exten_canmatch(const char *context, const char *exten, const char *cid);
/* Would more digits still match something? (overlap dialling) */
bool ly_exten_matchmore(const char *context, const char *exten, const char *cid);
/* Priority of `label` in context/exten, or -1. */
int ly_exten_find_label(const char *context, const char *exten, const char *label,
			const char *cid);
bool ly_context_exists(const char *context);
/* The hint of an extension (e.g. "SIP/100"), copied into buf; NULL if none. */
const char *ly_exten_hint(const char *context, const char *exten, char *buf, size_t len);

/* ---- Variables ---- */

/*
 * Substitute ${VAR}, ${VAR:offset[:length]}, ${FUNC(args)} and $[expr]
 * in `in` for channel c (may be NULL: globals and functions only),
 * appending the result to `out`.  Backslash escapes the next character.
 */
void ly_pbx_substitute(struct ly_channel *c, const char *in, struct ly_buf *out);
/*
 * Value of a variable as ${name} would give it: built-ins (EXTEN, CONTEXT,
 * PRIORITY, CHANNEL, UNIQUEID, CALLERID(...) via functions, DIALSTATUS,
 * HANGUPCAUSE, EPOCH, ...), then channel variables, then globals.
 * Copies into buf; NULL when unset.
 */
const char *ly_pbx_var_get(struct ly_channel *c, const char *name, char *buf, size_t len);
/*
 * Set(name=value): "FUNC(args)" calls the function's write; "_X" and
 * "__X" set X with single / unlimited inheritance; with c NULL, sets a
 * global.  0, or an errno value (logged) for an unknown or read-only
 * function.
 */
int ly_pbx_var_set(struct ly_channel *c, const char *name, const char *value);

/* Globals ([globals] in extensions.conf, GLOBAL(), Set with no channel). */
void ly_global_set(const char *name, const char *value);	/* NULL deletes */
const char *ly_global_get(const char *name, char *buf, size_t len);
/* Forget every global (a reload with clearglobalvars = yes). */
void ly_global_clear(void);

/* Copy parent's inheritable variables (_X once, __X for ever) to child. */
void ly_chan_inherit_vars(const struct ly_channel *parent, struct ly_channel *child);

/* ---- Application arguments ---- */

/*
 * Split application arguments at top-level commas, as Asterisk's
 * AST_STANDARD_APP_ARGS does: commas inside (), [], {} or "..." do not
 * split; quotes are removed; a backslash keeps the next character.
 * Modifies args in place; fills at most max entries; returns the count
 * (an empty string gives 1 empty argument).
 */
int ly_app_split_args(char *args, char **argv, int max);
/* Same with another separator (e.g. '&' for file lists, ':' for ranges). */
int ly_app_split_args_sep(char *args, char sep, char **argv, int max);

/* ---- Regular expressions from the dialplan ---- */

/*
 * Does the POSIX extended regular expression `pattern` match `subject`?
 * Patterns glibc cannot match in bounded time or memory (back-references,
 * repetitions of repetitions, huge expansions) and subjects too long for
 * the pattern's cost are refused with EINVAL and a reason in err, the
 * same rules as $[... =~ ...].  0 or EINVAL.
 */
int ly_regex_match(const char *pattern, const char *subject, bool *matched, struct ly_buf *err);

/*
 * Asterisk's truth rule for conditions (pbx_checkcondition, used by
 * GotoIf, ExecIf, IF, ...): false when empty; a leading integer is its
 * value (" 2" true, "0abc" false); any other text is true.
 */
bool ly_pbx_checkcondition(const char *condition);

/* ---- Running the dialplan ---- */

/*
 * Run the dialplan on c from its current position in a new channel thread
 * (call id set for its log lines); the thread hangs the channel up at the
 * end (after running h if it exists).  0 or an errno value.
 */
int ly_pbx_start(struct ly_channel *c);
/* The same in the calling thread; returns when the channel is hung up. */
int ly_pbx_run(struct ly_channel *c);

/*
 * Lend the calling application's channel to the dialplan: run c from
 * (context, exten, priority) in the calling thread until that walk's
 * priorities run out, an application returns non-zero or c hangs up, as
 * Asterisk's ast_pbx_run_args with no_hangup_chan (ConfBridge's
 * dialplan_exec).  Goto and Gosub work inside; a position that names
 * nothing ends the walk (no 'i', no fall-through); 'h' does not run and c
 * is not hung up; c's position is put back afterwards.  0 when the
 * priorities ran out; EPIPE when an application returned non-zero or c
 * hung up (the caller should end the call, as the runner would); ENOENT
 * when the starting position does not exist.
 */
int ly_pbx_exec_sub(struct ly_channel *c, const char *context, const char *exten, int priority);

/*
 * Wait up to timeout_ms for a DTMF digit on c (used by WaitExten-style
 * applications).  Returns the digit, 0 on timeout, -1 on hangup.
 * Other frames are discarded.
 */
int ly_pbx_wait_digit(struct ly_channel *c, int timeout_ms);

/* The dialplan clock: time(NULL), unless a test fixed it. */
time_t ly_pbx_now(void);

#endif
