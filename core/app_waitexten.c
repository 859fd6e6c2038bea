/* core/app_waitexten.c - WaitExten: wait for the caller to dial an extension of this context. */
/*
 * Asterisk splits this between pbx_builtin_waitexten (the first digit and
 * the timeout rules) and __ast_pbx_run (collecting the rest while more
 * digits could match, then the extension, 'i' or 'e').  Lyre's runner
 * only continues or hangs up after an application, so WaitExten does the
 * whole job and jumps.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"

struct dialled {
	struct ly_channel *c;
	char context[LY_MAX_CONTEXT];
	char cid[128];
	char digits[LY_MAX_EXTEN];
};

static const char *cid_or_null(const struct dialled *d)
{
	return d->cid[0] ? d->cid : NULL;
}

static bool exten_exists(const struct dialled *d, const char *exten)
{
	return ly_exten_exists(d->context, exten, 1, cid_or_null(d));
}

/* After the first digit, read more while more could still match, each
 * within TIMEOUT(digit).  -1 when the channel hangs up. */
static int collect_rest(struct dialled *d)
{
	size_t n = strlen(d->digits);

	while (n + 1 < sizeof(d->digits) &&
	       ly_exten_matchmore(d->context, d->digits, cid_or_null(d))) {
		int digit = ly_pbx_wait_digit(d->c, ly_pbx_timeout_digit_ms(d->c));

		if (digit < 0)
			return -1;
		if (digit == 0)
			break;
		d->digits[n++] = (char)digit;
		d->digits[n] = '\0';
	}
	return 0;
}

/* The dialled extension, else 'i' with INVALID_EXTEN, else INVALID to 'e'. */
static int go_dialled(struct dialled *d)
{
	if (exten_exists(d, d->digits)) {
		ly_verbose(3, "Going to extension %s@%s on %s", d->digits, d->context,
			   ly_chan_name(d->c));
		return ly_pbx_goto_explicit(d->c, d->context, d->digits, 1) == 0 ? 0 : -1;
	}
	if (exten_exists(d, "i")) {
		ly_verbose(3, "Invalid extension '%s' in context '%s' on %s", d->digits, d->context,
			   ly_chan_name(d->c));
		ly_chan_var_set(d->c, "INVALID_EXTEN", d->digits);
		return ly_pbx_goto_explicit(d->c, d->context, "i", 1) == 0 ? 0 : -1;
	}
	if (exten_exists(d, "e")) {
		ly_pbx_raise_exception(d->c, "INVALID");
		return 0;
	}
	ly_warning("Invalid extension '%s', but no rule 'i' or 'e' in context '%s'", d->digits,
		   d->context);
	return -1;
}

/* No digit: the next priority if there is one (Asterisk continues), else
 * 't', else RESPONSETIMEOUT to 'e', else the call ends. */
static int go_timeout(struct dialled *d)
{
	char exten[LY_MAX_EXTEN];

	ly_pbx_exten(d->c, exten, sizeof(exten));
	if (ly_exten_exists(d->context, exten, ly_pbx_priority(d->c) + 1, cid_or_null(d))) {
		ly_verbose(3, "Timeout on %s, continuing...", ly_chan_name(d->c));
		return 0;
	}
	if (exten_exists(d, "t")) {
		ly_verbose(3, "Timeout on %s, going to 't'", ly_chan_name(d->c));
		return ly_pbx_goto_explicit(d->c, d->context, "t", 1) == 0 ? 0 : -1;
	}
	if (exten_exists(d, "e")) {
		ly_pbx_raise_exception(d->c, "RESPONSETIMEOUT");
		return 0;
	}
	ly_warning("Timeout but no rule 't' or 'e' in context '%s'", d->context);
	return -1;
}

/* WaitExten([seconds][,options]).  The options m (music on hold) and d
 * (dial tone) are accepted for compatibility; nothing is played. */
static int waitexten_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *argv[2], where[256];
	struct dialled d = { .c = c };
	long ms = -1;
	int digit;

	ly_app_split_args(copy, argv, 2);
	if (argv[0][0] && (ms = app_seconds_to_ms(argv[0])) < 0)
		ly_warning("%s: WaitExten: invalid timeout '%s', using TIMEOUT(response)",
			   app_where(c, where, sizeof(where)), argv[0]);
	free(copy);
	if (ms <= 0)
		ms = ly_pbx_timeout_response_ms(c);
	ly_pbx_context(c, d.context, sizeof(d.context));
	ly_chan_callerid_num(c, d.cid, sizeof(d.cid));
	digit = ly_pbx_wait_digit(c, ms > 0x7fffffffL ? 0x7fffffff : (int)ms);
	if (digit < 0)
		return -1;
	if (digit == 0)
		return go_timeout(&d);
	d.digits[0] = (char)digit;
	if (collect_rest(&d) < 0)
		return -1;
	return go_dialled(&d);
}

static struct ly_app waitexten_app = { .name = "WaitExten", .exec = waitexten_exec,
	.synopsis = "Waits for an extension to be entered" };

struct ly_app *const app_waitexten_list[] = { &waitexten_app, NULL };
