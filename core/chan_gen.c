/* core/chan_gen.c - background audio on a channel (music on hold, tones): a generator run every 20 ms by the RTP media worker, or by the channel's reader on the core media timer. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "lyre/channel.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/moh.h"
#include "lyre/rtp.h"
#include "lyre/utils.h"

#include "chan_gen_int.h"
#include "media_timer.h"

/* After the reader lagged, at most this many frames are written at once. */
#define MAX_CATCH_UP 3

struct chan_gen {
	struct ly_rtp *rtp;		/* NULL: timed by the core timer instead */
	struct media_timer_entry timer;
	const struct ly_format *native;
	ly_chan_gen_fn fn;
	void *arg;
	void (*release)(void *arg);
	struct ly_trans_path *path;
	const struct ly_format *path_src;
};

static void gen_free(void *data)
{
	struct chan_gen *g = data;

	/* The RTP session stops calling generators when it closes, which
	 * happens before its channel is destroyed; the core timer is left
	 * here. */
	if (!g->rtp)
		media_timer_leave(&g->timer);
	if (g->release)
		g->release(g->arg);
	ly_trans_path_free(g->path);
	free(g);
}

static const struct ly_datastore_info gen_info = { .type = "chan-generator", .destroy = gen_free };

/* On the media worker: the generator's frame in the channel's format. */
static struct ly_frame *tick(void *arg)
{
	struct chan_gen *g = arg;

	/* A codec may buffer a frame or two before it gives one out. */
	for (int i = 0; i < 4; i++) {
		struct ly_frame *in = g->fn(g->arg), *out;

		if (!in || !g->native || in->format == g->native)
			return in;
		if (g->path_src != in->format) {
			ly_trans_path_free(g->path);
			g->path = ly_trans_path_new(in->format, g->native);
			g->path_src = in->format;
		}
		out = g->path ? ly_trans_path_run(g->path, in) : NULL;
		ly_frame_free(in);
		if (out || !g->path)
			return out;
	}
	return NULL;
}

static struct ly_rtp *chan_rtp(struct ly_channel *c)
{
	const struct ly_chan_tech *t = ly_chan_tech(c);

	return t && t->get_rtp ? t->get_rtp(c) : NULL;
}

void ly_chan_gen_stop(struct ly_channel *c, ly_chan_gen_fn fn)
{
	struct chan_gen *g = ly_chan_datastore_find(c, &gen_info);

	if (!g || (fn && g->fn != fn))
		return;
	ly_chan_datastore_remove(c, &gen_info);
	if (g->rtp)
		ly_rtp_set_generator(g->rtp, NULL, NULL);	/* returns once tick is idle */
	else
		chan_set_gen_timed(c, false);	/* the reader is this thread: idle */
	gen_free(g);
}

void chan_gen_service(struct ly_channel *c)
{
	struct chan_gen *g = ly_chan_datastore_find(c, &gen_info);
	unsigned n;

	if (!g || g->rtp)
		return;
	n = media_timer_take(&g->timer);
	for (unsigned i = 0; i < n && i < MAX_CATCH_UP; i++) {
		struct ly_frame *f = tick(g);

		if (f)
			ly_chan_write(c, f);
		ly_frame_free(f);
	}
}

bool ly_chan_gen_active(struct ly_channel *c, ly_chan_gen_fn fn)
{
	struct chan_gen *g = ly_chan_datastore_find(c, &gen_info);

	return g && (!fn || g->fn == fn);
}

int ly_chan_gen_start(struct ly_channel *c, ly_chan_gen_fn fn, void *arg,
		      void (*release)(void *arg))
{
	struct ly_rtp *rtp = chan_rtp(c);
	struct chan_gen *g;
	int err;

	ly_chan_gen_stop(c, NULL);
	g = ly_calloc(1, sizeof(*g));
	*g = (struct chan_gen){ .rtp = rtp, .native = ly_chan_native_format(c), .fn = fn,
				.arg = arg, .release = release };
	g->timer.c = c;
	err = rtp ? ly_rtp_set_generator(rtp, tick, g) : media_timer_join(&g->timer);
	if (err) {
		gen_free(g);	/* leaving a timer never joined is harmless */
		return err;
	}
	ly_chan_datastore_add(c, &gen_info, g);
	if (!rtp)
		chan_set_gen_timed(c, true);
	return 0;
}
