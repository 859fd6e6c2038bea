/*
 * modules/app_echo/app_echo.c - Echo(): every voice frame the caller sends
 * is written straight back, so the caller hears themselves (a test of
 * the round trip's delay and quality).  Ends on # (returning to the
 * dialplan, as Asterisk's Echo does) or hangup.  Answers first.
 */
#include <lyre/lyre.h>

/* How long one read waits; only bounds how soon a hangup flag is seen. */
#define READ_MS 1000

static int echo_exec(struct ly_channel *c, const char *args)
{
	(void)args;
	if (ly_chan_state(c) != LY_STATE_UP)
		ly_chan_answer(c);
	for (;;) {
		struct ly_frame *f = ly_chan_read(c, READ_MS);
		bool hangup = ly_chan_check_hangup(c), end = false;

		if (f) {
			hangup |= f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP;
			end = f->type == LY_FRAME_DTMF_END && f->digit == '#';
			if (f->type == LY_FRAME_VOICE)
				ly_chan_write(c, f);
			ly_frame_free(f);
		}
		if (hangup)
			return -1;
		if (end) {
			ly_verbose(3, "%s: Echo ended by #", ly_chan_name(c));
			return 0;
		}
	}
}

static struct ly_app echo_app = {
	.name = "Echo",
	.synopsis = "Echo media back to the caller",
	.description = "Echo(): see app_echo.xml.",
	.exec = echo_exec,
};

static int load(struct ly_module *self)
{
	return ly_app_register(self, &echo_app);
}

LYRE_MODULE(app_echo,
	.description = "Echo: the caller's audio back to them",
	.load = load);
