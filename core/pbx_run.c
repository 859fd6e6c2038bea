/* core/pbx_run.c - the dialplan runner: one channel's walk through its priorities, trace, start-up. */
/*
 * The loop follows Asterisk's __ast_pbx_run: run the priority at the
 * position, then go to priority + 1 unless the application jumped.  When
 * the position names nothing the channel goes to 'i' (or raises INVALID
 * to 'e'); when an extension's priorities run out it falls through
 * (hangs up with a cause taken from DIALSTATUS) or, with
 * autofallthrough=no, waits for digits.  Whatever ends the walk, the 'h'
 * extension runs on the hung-up channel before the final hangup.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "dialplan.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "lyre/rtp.h"
#include "lyre/thread.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "pbx_state.h"
#include "settings.h"

/* Used when lyre.conf was never read (tests): the same as settings.c's default. */
#define DEFAULT_MAX_PRIORITIES 100000

static atomic_bool trace_on;
static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static ly_pbx_trace_fn hook_fn;
static void *hook_arg;

/* One walk of one channel. */
struct run {
	struct ly_channel *c;
	struct pbx_state *st;
	unsigned max_priorities;
	bool in_h;
	bool sub;		/* ly_pbx_exec_sub: ends where the priorities do */
	bool app_ended;		/* an application returned non-zero */
};

/* A copy of the position, taken under the state's lock. */
struct pos {
	char context[LY_MAX_CONTEXT];
	char exten[LY_MAX_EXTEN];
	int priority;
};

/* ---- trace ---- */

void ly_pbx_trace_set(bool on)
{
	atomic_store(&trace_on, on);
}

bool ly_pbx_trace_get(void)
{
	return atomic_load(&trace_on);
}

void ly_pbx_set_trace_hook(ly_pbx_trace_fn fn, void *arg)
{
	pthread_mutex_lock(&hook_lock);
	hook_fn = fn;
	hook_arg = arg;
	pthread_mutex_unlock(&hook_lock);
}

static void trace(struct ly_channel *c, const struct pos *at, const char *app, const char *args)
{
	ly_pbx_trace_fn fn;
	void *arg;

	if (atomic_load(&trace_on))
		ly_notice("Trace %s %s@%s:%d %s(%s)", ly_chan_name(c), at->exten, at->context,
			  at->priority, app, args);
	pthread_mutex_lock(&hook_lock);
	fn = hook_fn;
	arg = hook_arg;
	pthread_mutex_unlock(&hook_lock);
	if (fn)
		fn(c, at->context, at->exten, at->priority, app, args, arg);
}

/* ---- position helpers ---- */

static void pos_get(struct pbx_state *st, struct pos *at)
{
	pthread_mutex_lock(&st->lock);
	memcpy(at->context, st->context, sizeof(at->context));
	memcpy(at->exten, st->exten, sizeof(at->exten));
	at->priority = st->priority;
	pthread_mutex_unlock(&st->lock);
}

static void pos_set(struct run *r, const char *context, const char *exten, int priority)
{
	ly_pbx_set_position(r->c, context, exten, priority);
}

/* Clears the jump flag and says whether an application had set it. */
static bool jump_take(struct pbx_state *st)
{
	bool jumped;

	pthread_mutex_lock(&st->lock);
	jumped = st->jumped;
	st->jumped = false;
	pthread_mutex_unlock(&st->lock);
	return jumped;
}

/* Priority + 1 of wherever the application left the position (an
 * application may move it without a jump, to be advanced from there). */
static void advance(struct pbx_state *st)
{
	pthread_mutex_lock(&st->lock);
	st->priority++;
	pthread_mutex_unlock(&st->lock);
}

static void location_set(struct pbx_state *st, const struct dp_prio *p)
{
	pthread_mutex_lock(&st->lock);
	ly_strlcpy(st->file, p && p->file ? p->file : "", sizeof(st->file));
	st->line = p ? p->line : 0;
	pthread_mutex_unlock(&st->lock);
}

static const char *cid_of(const struct ly_channel *c, char *buf, size_t len)
{
	ly_chan_callerid_num(c, buf, len);
	return buf[0] ? buf : NULL;
}

static bool exists(const struct run *r, const char *context, const char *exten)
{
	char cid[128];

	return ly_exten_exists(context, exten, 1, cid_of(r->c, cid, sizeof(cid)));
}

/* ---- one priority ---- */

/*
 * Applications an Asterisk dialplan may use that Lyre deliberately lacks,
 * with the reason, so an administrator porting a dialplan learns what to
 * change instead of only that something is missing.
 */
static const char *why_not_offered(const char *app)
{
	static const struct {
		const char *app;
		const char *why;
	} absent[] = {
		{ "Macro", "; Macro was removed from Asterisk: use Gosub" },
		{ "MacroExclusive", "; Macro was removed from Asterisk: use Gosub" },
		{ "MacroIf", "; Macro was removed from Asterisk: use GosubIf" },
		{ "MacroExit", "; Macro was removed from Asterisk: use Return" },
		{ "System", "; running shell commands from the dialplan is not offered (security)" },
		{ "TrySystem", "; running shell commands from the dialplan is not offered (security)" },
		{ "AGI", "; AGI is not offered" },
		{ "EAGI", "; AGI is not offered" },
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(absent); i++)
		if (ly_strcaseeq(app, absent[i].app))
			return absent[i].why;
	return "";
}

/* Look the application up, substitute, trace, execute: the application's
 * result, 0 to go on.  An unknown application ends the call, with the
 * file:line of the priority naming it. */
static int run_priority(struct run *r, const struct pos *at, const struct dp_prio *p)
{
	struct ly_app *app;
	struct ly_buf args;
	int res;

	if (++r->st->executed > r->max_priorities) {
		ly_error("%s:%d: %s ran %u priorities, the maxpriorities limit: hanging up",
			 p->file, p->line, ly_chan_name(r->c), r->max_priorities);
		return -1;
	}
	app = ly_app_acquire(p->app);
	if (!app) {
		ly_error("%s:%d: No application '%s' (channel %s)%s: hanging up", p->file, p->line,
			 p->app, ly_chan_name(r->c), why_not_offered(p->app));
		return -1;
	}
	location_set(r->st, p);
	ly_buf_init(&args);
	ly_pbx_substitute(r->c, p->args, &args);
	trace(r->c, at, p->app, ly_buf_str(&args));
	jump_take(r->st);
	res = app->exec(r->c, ly_buf_str(&args));
	ly_app_release(app);
	ly_buf_free(&args);
	location_set(r->st, NULL);
	return res;
}

/* ---- when the position names nothing ---- */

/* Asterisk: 'i' with INVALID_EXTEN set, else INVALID raised to 'e', else hang up. */
static bool go_invalid(struct run *r, const struct pos *at)
{
	if (exists(r, at->context, "i")) {
		ly_chan_var_set(r->c, "INVALID_EXTEN", at->exten);
		pos_set(r, at->context, "i", 1);
		return true;
	}
	if (exists(r, at->context, "e")) {
		ly_pbx_raise_exception(r->c, "INVALID");
		return true;
	}
	ly_warning("Channel '%s' sent to invalid extension '%s' in context '%s', but no invalid "
		   "handler", ly_chan_name(r->c), at->exten, at->context);
	return false;
}

/* Asterisk's autofallthrough: BUSY and CONGESTION/CHANUNAVAIL are
 * signalled and become the hangup cause; anything else clears normally. */
static void fall_through(struct run *r)
{
	char status[64];
	int cause = LY_CAUSE_NORMAL_CLEARING;

	if (!ly_chan_var_get(r->c, "DIALSTATUS", status, sizeof(status)))
		ly_strlcpy(status, "UNKNOWN", sizeof(status));
	ly_verbose(3, "Auto fallthrough, channel '%s' status is '%s'", ly_chan_name(r->c), status);
	if (ly_strcaseeq(status, "BUSY")) {
		cause = LY_CAUSE_USER_BUSY;
		ly_chan_indicate(r->c, LY_CONTROL_BUSY);
	} else if (ly_strcaseeq(status, "CONGESTION") || ly_strcaseeq(status, "CHANUNAVAIL")) {
		cause = LY_CAUSE_NORMAL_CIRCUIT_CONGESTION;
		ly_chan_indicate(r->c, LY_CONTROL_CONGESTION);
	}
	ly_chan_set_hangupcause(r->c, cause);
}

/* No digit came: 't', else RESPONSETIMEOUT raised to 'e', else hang up. */
static bool go_timeout(struct run *r, const struct pos *at)
{
	if (exists(r, at->context, "t")) {
		pos_set(r, at->context, "t", 1);
		return true;
	}
	if (exists(r, at->context, "e")) {
		ly_pbx_raise_exception(r->c, "RESPONSETIMEOUT");
		return true;
	}
	ly_verbose(3, "Timeout on %s, but no rule 't' in context '%s'", ly_chan_name(r->c),
		   at->context);
	return false;
}

/* autofallthrough=no: wait for the caller to dial, as Asterisk does. */
static bool collect_digits(struct run *r, const struct pos *at)
{
	struct pos dialled = *at;
	char cid[128];
	size_t n = 0;
	int d = ly_pbx_wait_digit(r->c, ly_pbx_timeout_response_ms(r->c));

	while (d > 0 && n + 1 < sizeof(dialled.exten)) {
		dialled.exten[n++] = (char)d;
		dialled.exten[n] = '\0';
		if (!ly_exten_matchmore(at->context, dialled.exten, cid_of(r->c, cid, sizeof(cid))))
			break;
		d = ly_pbx_wait_digit(r->c, ly_pbx_timeout_digit_ms(r->c));
	}
	if (d < 0)
		return false;
	if (n == 0)
		return go_timeout(r, at);
	if (exists(r, at->context, dialled.exten)) {
		pos_set(r, at->context, dialled.exten, 1);
		return true;
	}
	return go_invalid(r, &dialled);
}

/* Nothing at the position: true when the walk goes on elsewhere. */
static bool handle_missing(struct run *r, const struct dp_plan *plan, const struct dp_exten *e,
			   const struct pos *at)
{
	if (r->in_h || r->sub)
		return false;
	if (!e || !dp_exten_prio(e, 1))
		return go_invalid(r, at);
	if (!dp_plan_general(plan)->autofallthrough)
		return collect_digits(r, at);
	fall_through(r);
	return false;
}

/* ---- TIMEOUT(absolute) ---- */

static bool deadline_passed(struct pbx_state *st)
{
	bool passed;

	pthread_mutex_lock(&st->lock);
	passed = st->abs_deadline_ms && ly_now_ms() >= st->abs_deadline_ms;
	if (passed)
		st->abs_deadline_ms = 0;
	pthread_mutex_unlock(&st->lock);
	return passed;
}

/* Asterisk: 'T', else ABSOLUTETIMEOUT raised to 'e', else hang up. */
static bool go_absolute_timeout(struct run *r)
{
	struct pos at;

	pos_get(r->st, &at);
	ly_verbose(3, "Channel '%s' reached its absolute timeout", ly_chan_name(r->c));
	if (exists(r, at.context, "T")) {
		pos_set(r, at.context, "T", 1);
		return true;
	}
	if (exists(r, at.context, "e")) {
		ly_pbx_raise_exception(r->c, "ABSOLUTETIMEOUT");
		return true;
	}
	return false;
}

/* ---- the walk ---- */

/* One step: false when the walk ends. */
static bool step(struct run *r)
{
	const struct dp_exten *e;
	const struct dp_prio *p;
	struct dp_plan *plan;
	struct pos at;
	char cid[128];
	bool go_on;

	if (!r->in_h && ly_chan_check_hangup(r->c))
		return false;
	if (!r->in_h && deadline_passed(r->st))
		return go_absolute_timeout(r);
	pos_get(r->st, &at);
	plan = dp_current();
	cid_of(r->c, cid, sizeof(cid));
	/* As Asterisk: when the best match lacks this priority, a less
	 * specific match that has it runs it. */
	e = dp_find_exten_prio(plan, at.context, at.exten, cid[0] ? cid : NULL, at.priority,
			       ly_pbx_now(), NULL);
	if (!e)
		e = dp_find_exten(plan, at.context, at.exten, cid[0] ? cid : NULL, ly_pbx_now(),
				  NULL);
	p = e ? dp_exten_prio(e, at.priority) : NULL;
	if (!p)
		go_on = handle_missing(r, plan, e, &at);
	else if ((go_on = run_priority(r, &at, p) == 0) && !jump_take(r->st))
		advance(r->st);
	else if (!go_on)
		r->app_ended = true;
	dp_plan_unref(plan);
	return go_on;
}

/* The 'h' extension, on a channel already marked hung up so that no
 * application blocks (Asterisk's ast_pbx_h_exten_run). */
static void run_h(struct run *r)
{
	struct pos at;

	pos_get(r->st, &at);
	if (strcmp(at.exten, "h") == 0 || !exists(r, at.context, "h"))
		return;
	ly_rtp_chan_set_qos(r->c);	/* RTPAUDIOQOS for h to read */
	ly_chan_softhangup(r->c, LY_CAUSE_NORMAL_CLEARING);
	pos_set(r, at.context, "h", 1);
	r->in_h = true;
	/* h gets a budget of its own: its clean-up must run even after the
	 * call itself was stopped by maxpriorities. */
	r->st->executed = 0;
	while (step(r))
		;
}

static void position_defaults(struct pbx_state *st)
{
	pthread_mutex_lock(&st->lock);
	if (!st->context[0])
		ly_strlcpy(st->context, "default", sizeof(st->context));
	if (!st->exten[0])
		ly_strlcpy(st->exten, "s", sizeof(st->exten));
	if (st->priority <= 0)
		st->priority = 1;
	st->jumped = false;
	st->executed = 0;
	pthread_mutex_unlock(&st->lock);
}

int ly_pbx_run(struct ly_channel *c)
{
	struct run r = { .c = ly_ref(c), .st = pbx_state(c) };
	char saved_callid[32];
	struct pos at;

	ly_strlcpy(saved_callid, ly_log_get_callid() ? ly_log_get_callid() : "",
		   sizeof(saved_callid));
	ly_log_set_callid(ly_chan_callid(c));
	r.max_priorities = ly_settings()->maxpriorities;
	if (!r.max_priorities)
		r.max_priorities = DEFAULT_MAX_PRIORITIES;
	position_defaults(r.st);
	pos_get(r.st, &at);
	ly_verbose(3, "Running dialplan on '%s' from %s@%s:%d", ly_chan_name(c), at.exten,
		   at.context, at.priority);
	while (step(&r))
		;
	run_h(&r);
	ly_verbose(3, "Dialplan ended on '%s'", ly_chan_name(c));
	ly_chan_hangup(c);
	ly_unref(c);
	ly_log_set_callid(saved_callid[0] ? saved_callid : NULL);
	return 0;
}

int ly_pbx_exec_sub(struct ly_channel *c, const char *context, const char *exten, int priority)
{
	struct run r = { .c = c, .st = pbx_state(c), .sub = true };
	struct pos saved;
	char file[sizeof(r.st->file)], cid[128];
	int line;

	if (!ly_exten_exists(context, exten, priority, cid_of(c, cid, sizeof(cid))))
		return ENOENT;
	r.max_priorities = ly_settings()->maxpriorities;
	if (!r.max_priorities)
		r.max_priorities = DEFAULT_MAX_PRIORITIES;
	pos_get(r.st, &saved);
	pthread_mutex_lock(&r.st->lock);
	memcpy(file, r.st->file, sizeof(file));
	line = r.st->line;
	pthread_mutex_unlock(&r.st->lock);
	ly_verbose(3, "Running dialplan on '%s' from %s@%s:%d, then back to %s@%s:%d",
		   ly_chan_name(c), exten, context, priority, saved.exten, saved.context,
		   saved.priority);
	pos_set(&r, context, exten, priority);
	while (step(&r))
		;
	/* Back where the calling application runs, with no jump pending, so
	 * the caller's walk goes on from there. */
	pos_set(&r, saved.context, saved.exten, saved.priority);
	pthread_mutex_lock(&r.st->lock);
	r.st->jumped = false;
	memcpy(r.st->file, file, sizeof(file));
	r.st->line = line;
	pthread_mutex_unlock(&r.st->lock);
	return r.app_ended || ly_chan_check_hangup(c) ? EPIPE : 0;
}

/* ---- waiting for a digit ---- */

/* Milliseconds left until `deadline` (ly_now_ms clock), at least 0. */
static int left_ms(uint64_t deadline)
{
	uint64_t now = ly_now_ms();

	return deadline > now ? (int)(deadline - now) : 0;
}

/* The wait never outlasts TIMEOUT(absolute), so 'T' is reached in time. */
static uint64_t wait_deadline(const struct ly_channel *c, int timeout_ms)
{
	struct pbx_state *st = pbx_state_peek(c);
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : ly_now_ms() + (uint64_t)timeout_ms;

	if (st) {
		pthread_mutex_lock(&st->lock);
		if (st->abs_deadline_ms && st->abs_deadline_ms < deadline)
			deadline = st->abs_deadline_ms;
		pthread_mutex_unlock(&st->lock);
	}
	return deadline;
}

int ly_pbx_wait_digit(struct ly_channel *c, int timeout_ms)
{
	uint64_t deadline = wait_deadline(c, timeout_ms);

	for (;;) {
		int wait = deadline == UINT64_MAX ? -1 : left_ms(deadline);
		struct ly_frame *f;
		int digit = 0;

		if (ly_chan_check_hangup(c))
			return -1;
		if (wait == 0)
			return 0;
		f = ly_chan_read(c, wait);
		if (!f)
			continue;
		if (f->type == LY_FRAME_DTMF_END)
			digit = (unsigned char)f->digit;
		else if (f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP)
			digit = -1;
		ly_frame_free(f);
		if (digit)
			return digit;
	}
}

/* ---- start-up ---- */

int ly_pbx_init(void)
{
	int err = pbx_local_register();

	if (!err && (err = pbx_funcs_register()) != 0)
		pbx_local_unregister();
	if (!err && (err = pbx_cli_register()) != 0) {
		pbx_funcs_unregister();
		pbx_local_unregister();
	}
	return err;
}

void ly_pbx_shutdown(void)
{
	pbx_cli_unregister();
	pbx_funcs_unregister();
	pbx_local_unregister();
	ly_global_clear();
	ly_pbx_set_trace_hook(NULL, NULL);
	ly_pbx_trace_set(false);
}
