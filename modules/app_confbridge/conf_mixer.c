/*
 * modules/app_confbridge/conf_mixer.c - the mixer: one thread for every
 * conference, woken by a 10 ms timerfd, which runs each conference's tick
 * when its mixing_interval comes round.
 *
 * The thread sleeps on a condition variable while there is no conference.
 *
 * One tick of a conference (its lock held throughout):
 *   1. take one block (mixing_interval of audio at the mixing rate) from
 *      each participant's input FIFO, filled by that participant's own
 *      thread with its jitter-buffered, decoded and resampled audio;
 *   2. sum in 32 bits only the participants that talk (the energy flag)
 *      and are not muted, plus any prompt played into the conference;
 *   3. a talker hears sum - own (the N-1 mix), clipped, encoded for it
 *      alone; everyone else hears the full mix, encoded once per codec
 *      (struct cb_outgroup) and the same frame sent to each of them;
 *   4. a tick where nobody talks sends each listener its codec's cached
 *      silence frame: no summing, no encoding (so does a lone talker's own
 *      N-1 mix); a participant alone gets one such frame a second, as
 *      with silence suppression, and its audio is not even decoded;
 *   5. what each one hears is gathered into packets of CB_PTIME_MS (two
 *      per 40 ms tick, one per two 10 ms ticks), encoded when complete;
 *   6. frames go straight to each participant's RTP session
 *      (ly_rtp_write is thread-safe), so the mixer's clock alone paces
 *      what they hear; the recording gets the full mix.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "confbridge.h"

#define TIMER_MS 10
/* Ticks this late are skipped rather than run back to back. */
#define MAX_LATE_TICKS 4

static pthread_t mixer_tid;
static int timer_fd = -1;
static atomic_bool running;

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- encoding ---- */

/* pcm (n samples at rate) for group g: resampled to the codec's rate and
 * encoded; NULL when the encoder buffers or no path exists. */
static struct ly_frame *encode(struct cb_outgroup *g, unsigned rate, const int16_t *pcm,
			       size_t n)
{
	static __thread int16_t tmp[CB_MAX_BLOCK * 6 + 64];
	const struct ly_format *slin;
	struct ly_frame *f, *out;

	/* A format stays registered while a path to it is held (the group's
	 * encoder holds its codec module), so the lookup is kept. */
	if (!g->slin)
		g->slin = ly_format_find(cb_slin_name(g->fmt->rate));
	if (!(slin = g->slin))
		return NULL;
	if (slin->rate != rate) {
		if (!g->rs && !(g->rs = cb_resampler_new(rate, slin->rate)))
			return NULL;
		n = cb_resample(g->rs, pcm, n, tmp, sizeof(tmp) / sizeof(tmp[0]));
		pcm = tmp;
	}
	f = ly_frame_voice_new(slin, (unsigned)n, pcm, n * sizeof(*pcm));
	if (g->fmt == slin)
		return f;
	if (!g->enc && !(g->enc = ly_trans_path_new(slin, g->fmt))) {
		ly_frame_free(f);
		return NULL;
	}
	out = ly_trans_path_run(g->enc, f);
	ly_frame_free(f);
	return out;
}

/* The codec's frame for a quiet block, made once with a scratch encoder
 * (so the group's own encoder history is not disturbed). */
static const struct ly_frame *silence(struct cb_outgroup *g, unsigned rate, size_t n)
{
	static __thread int16_t zeros[CB_MAX_BLOCK];
	struct cb_outgroup scratch = { .fmt = g->fmt };

	if (g->silence && g->silence->samples)
		return g->silence;
	/* Three blocks: a stateful encoder settles on the last. */
	for (int i = 0; i < 3; i++) {
		struct ly_frame *f = encode(&scratch, rate, zeros, n);

		if (f) {
			ly_frame_free(g->silence);
			g->silence = f;
		}
	}
	cb_resampler_free(scratch.rs);
	ly_trans_path_free(scratch.enc);
	return g->silence;
}

void cb_user_pending_add_locked(struct cb_user *u, struct ly_frame *f)
{
	if (u->n_pending == CB_PENDING_MAX) {	/* its thread is behind: drop the oldest */
		ly_frame_free(u->pending[0]);
		memmove(u->pending, u->pending + 1, --u->n_pending * sizeof(u->pending[0]));
	}
	u->pending[u->n_pending++] = f;
}

static void deliver(struct cb_user *u, const struct ly_frame *f)
{
	if (!f)
		return;
	if (u->rtp) {
		ly_rtp_write(u->rtp, f);
		return;
	}
	/* No RTP session (a Local channel): its own thread writes them. */
	cb_user_pending_add_locked(u, ly_frame_dup(f));
}

/* ---- prompts into the conference ---- */

/* Decode and resample the current prompt until `n` samples are buffered
 * (or prompts run out). */
static void announce_fill(struct cb_conf *c, size_t n)
{
	if (!c->ann_ring.buf)
		cb_ring_init(&c->ann_ring, CB_MAX_RATE / 5);
	while (c->ann_ring.len < n) {
		struct ly_frame *f, *dec;

		if (!c->ann_file) {
			struct cb_announce *a = c->ann_head;

			if (!a)
				return;
			c->ann_head = a->next;
			if (!c->ann_head)
				c->ann_tail = &c->ann_head;
			if (a->name[0] == '/') {	/* a recorded name, in the spool */
				char path[CB_PATH_LEN + 8];

				snprintf(path, sizeof(path), "%s.wav", a->name);
				if (ly_file_open_path(path, &c->ann_file))
					c->ann_file = NULL;
				cb_announce_remove(a);
			} else if (ly_file_open(a->name, "en", NULL, &c->ann_file))
				ly_warning("Conference '%s': no prompt '%s'", c->name, a->name);
			free(a);
			continue;
		}
		f = ly_file_read(c->ann_file, 20);
		if (!f) {
			ly_file_close(c->ann_file);
			c->ann_file = NULL;
			continue;
		}
		dec = f;
		if (strncmp(f->format->name, "slin", 4) != 0) {
			const struct ly_format *slin = ly_format_find(cb_slin_name(f->format->rate));

			if (c->ann_src != f->format) {
				ly_trans_path_free(c->ann_dec);
				c->ann_dec = slin ? ly_trans_path_new(f->format, slin) : NULL;
				c->ann_src = f->format;
			}
			dec = c->ann_dec ? ly_trans_path_run(c->ann_dec, f) : NULL;
			ly_frame_free(f);
			if (!dec)
				continue;
		}
		if (dec->format->rate != c->rate) {
			int16_t tmp[CB_MAX_RATE / 50 * 2];
			size_t m;

			if (c->ann_rs && c->ann_rs_from != dec->format->rate) {
				cb_resampler_free(c->ann_rs);
				c->ann_rs = NULL;
			}
			if (!c->ann_rs) {
				c->ann_rs = cb_resampler_new(dec->format->rate, c->rate);
				c->ann_rs_from = dec->format->rate;
			}
			m = c->ann_rs ? cb_resample(c->ann_rs, (const int16_t *)dec->data,
						    dec->datalen / 2, tmp, sizeof(tmp) / 2) : 0;
			cb_ring_push(&c->ann_ring, tmp, m);
		} else {
			cb_ring_push(&c->ann_ring, (const int16_t *)dec->data, dec->datalen / 2);
		}
		ly_frame_free(dec);
	}
}

/* Add this tick's prompt audio to the sum; false when none plays. */
static bool announce_mix(struct cb_conf *c, int32_t *sum, size_t n)
{
	int16_t blk[CB_MAX_BLOCK];

	if (!c->ann_file && !c->ann_head && !c->ann_ring.len)
		return false;
	announce_fill(c, n);
	if (!cb_ring_take(&c->ann_ring, blk, n)) {	/* the end: pad the rest */
		size_t have = c->ann_ring.len;

		memset(blk, 0, n * sizeof(*blk));
		cb_ring_take(&c->ann_ring, blk, have);
	}
	cb_sum_add(sum, blk, n);
	return true;
}

/* ---- one tick ---- */

/* Step 1 and 2: gather and sum; returns how many talk. */
static unsigned gather(struct cb_conf *c, size_t n)
{
	unsigned talkers = 0;
	/* A participant's FIFO holds at most this (bounds the delay). */
	size_t keep = 2 * n + c->rate / 25;

	memset(c->sum, 0, n * sizeof(c->sum[0]));
	for (size_t i = 0; i < c->n_users; i++) {
		struct cb_user *u = c->users[i];
		bool got, talking;

		pthread_mutex_lock(&u->in_lock);
		got = u->in_rate == c->rate && cb_ring_take(&u->in, u->blk, n);
		talking = u->talking;
		cb_ring_trim(&u->in, keep);
		pthread_mutex_unlock(&u->in_lock);
		u->contributes = got && talking && !u->muted && !u->waiting && !u->away;
		if (u->contributes) {
			cb_sum_add(c->sum, u->blk, n);
			talkers++;
		}
	}
	return talkers;
}

/*
 * What u hears this tick, when that is not the full mix: its own N-1 mix
 * (a talker), or the mix at its listening volume.  Returns false when u
 * hears the full mix; *loud false when its own block is silence.
 */
static bool own_block(struct cb_conf *c, struct cb_user *u, bool quiet, bool lone_talker,
		      int16_t *out, size_t n, bool *loud)
{
	*loud = true;
	if (!u->contributes && !u->listen_vol)
		return false;
	if (u->contributes && lone_talker && !u->listen_vol) {
		/* A lone talker hears nothing: silence, no encoding. */
		memset(out, 0, n * sizeof(*out));
		*loud = false;
		return true;
	}
	if (u->contributes)
		cb_clip_minus(out, c->sum, u->blk, n);
	else if (quiet)
		memset(out, 0, n * sizeof(*out));
	else
		memcpy(out, c->full, n * sizeof(*out));
	cb_volume(out, n, u->listen_vol);
	*loud = u->contributes || !quiet;
	return true;
}

/* Add this tick's audio to each listener's packet being built. */
static void assemble(struct cb_conf *c, size_t n, bool quiet, bool lone_talker)
{
	size_t at = c->out_len;
	bool before_loud = c->out_loud;	/* the ticks already in the packet */

	if (quiet)
		memset(c->out_full + at, 0, n * sizeof(c->out_full[0]));
	else
		memcpy(c->out_full + at, c->full, n * sizeof(c->out_full[0]));
	c->out_loud |= !quiet;
	for (size_t i = 0; i < c->n_users; i++) {
		struct cb_user *u = c->users[i];
		bool loud;

		if (!u->hear || u->waiting || u->away || !u->fmt)
			continue;
		if (own_block(c, u, quiet, lone_talker, u->out + at, n, &loud)) {
			/* Its packet differs from the full mix from now on:
			 * the ticks before this one are the full mix. */
			if (!u->out_own) {
				memcpy(u->out, c->out_full, at * sizeof(u->out[0]));
				u->out_loud = before_loud;
				u->out_own = true;
			}
			u->out_loud |= loud;
		} else if (u->out_own) {
			memcpy(u->out + at, c->out_full + at, n * sizeof(u->out[0]));
			u->out_loud |= !quiet;
		}
	}
	c->out_len += n;
}

/* Send one packet (fr samples from offset off) to each listener. */
static void send_packet(struct cb_conf *c, size_t off, size_t fr, bool alone)
{
	unsigned keepalive = 1000 / CB_PTIME_MS;

	for (struct cb_outgroup *g = c->groups; g; g = g->next) {
		ly_frame_free(g->frame);
		g->frame = NULL;
	}
	for (size_t i = 0; i < c->n_users; i++) {
		struct cb_user *u = c->users[i];
		struct cb_outgroup *g;

		if (!u->hear || u->waiting || u->away || !u->fmt)
			continue;
		g = cb_conf_group_locked(c, u->fmt);
		if (alone) {
			if (u->quiet_ticks++ % keepalive == 0)
				deliver(u, silence(g, c->rate, fr));
			continue;
		}
		u->quiet_ticks = 0;
		if (u->out_own ? !u->out_loud : !c->out_loud) {
			deliver(u, silence(g, c->rate, fr));
		} else if (u->out_own) {
			struct ly_frame *f;

			if (!u->own) {
				u->own = ly_calloc(1, sizeof(*u->own));
				u->own->fmt = u->fmt;
			}
			f = encode(u->own, c->rate, u->out + off, fr);
			deliver(u, f);
			ly_frame_free(f);
		} else {
			if (!g->frame)
				g->frame = encode(g, c->rate, c->out_full + off, fr);
			deliver(u, g->frame);
		}
	}
}

void cb_mix_tick_locked(struct cb_conf *c)
{
	size_t n = (size_t)c->rate * c->prof.mixing_interval / 1000;
	size_t fr = (size_t)c->rate * CB_PTIME_MS / 1000;
	unsigned talkers = gather(c, n);
	bool announcing = announce_mix(c, c->sum, n);
	bool quiet = !announcing && !talkers;
	/* One talker and no prompt: that talker's N-1 mix is silence too. */
	bool lone_talker = !announcing && talkers == 1;
	/* Alone: nothing to hear but silence, sent as RTP silence suppression
	 * does (RFC 3551 §4.1): one packet a second keeps NAT bindings and
	 * media timeouts alive, the stream resumes with the marker bit. */
	bool alone = c->n_users == 1 && !announcing && !c->rec;

	c->stats.last_talkers = talkers;
	if (!quiet)
		cb_clip(c->full, c->sum, n);
	if (c->out_len + n > CB_MAX_BLOCK)	/* cannot happen: intervals are 10, 20, 40 */
		c->out_len = 0;
	assemble(c, n, quiet, lone_talker);
	/* Packets of CB_PTIME_MS whatever the interval: a 40 ms tick gives
	 * two, a 10 ms tick half of one (sent on the next). */
	if (c->out_len >= fr) {
		size_t off;

		for (off = 0; off + fr <= c->out_len; off += fr)
			send_packet(c, off, fr, alone);
		c->out_len = 0;
		c->out_loud = false;
		for (size_t i = 0; i < c->n_users; i++)
			c->users[i]->out_own = c->users[i]->out_loud = false;
	}
	if (c->rec) {
		if (quiet)
			memset(c->full, 0, n * sizeof(c->full[0]));
		cb_record_write_locked(c, c->full, n);
	}
}

/* ---- the thread ---- */

static void run_conf(struct cb_conf *c, uint64_t now)
{
	uint64_t step = (uint64_t)c->prof.mixing_interval * 1000u;

	pthread_mutex_lock(&c->lock);
	if (!c->n_users) {
		c->next_due_us = 0;
	} else {
		if (!c->next_due_us)
			c->next_due_us = now;
		if (now > c->next_due_us + MAX_LATE_TICKS * step) {
			c->stats.overruns++;
			c->next_due_us = now;
		}
		while (now + TIMER_MS * 500u >= c->next_due_us) {
			uint64_t t0 = mono_us(), dt;

			cb_mix_tick_locked(c);
			dt = mono_us() - t0;
			c->stats.ticks++;
			c->stats.last_us = dt;
			c->stats.total_us += dt;
			if (dt > c->stats.max_us)
				c->stats.max_us = dt;
			if (dt > step) {
				c->stats.overruns++;
				ly_debug(1, "Conference '%s': a tick took %llu us (%zu users, %u "
					 "talking)", c->name, (unsigned long long)dt, c->n_users,
					 c->stats.last_talkers);
			}
			c->next_due_us += step;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

static bool keep_running(void)
{
	return atomic_load(&running);
}

static void *mixer_main(void *arg)
{
	(void)arg;
	while (atomic_load(&running)) {
		uint64_t expirations, now;
		struct cb_conf **v;
		size_t n;

		/* No conference, no wake-ups: the timer's expirations just
		 * add up in the kernel meanwhile. */
		cb_registry_wait(keep_running);
		if (read(timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EINTR &&
		    errno != EAGAIN)
			break;
		now = mono_us();
		v = cb_conf_all(&n);
		for (size_t i = 0; i < n; i++)
			run_conf(v[i], now);
		cb_conf_all_free(v, n);
	}
	return NULL;
}

int cb_mixer_start(void)
{
	struct itimerspec its = { .it_interval = { 0, TIMER_MS * 1000000L },
				  .it_value = { 0, TIMER_MS * 1000000L } };
	int err;

	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (timer_fd < 0)
		return errno;
	if (timerfd_settime(timer_fd, 0, &its, NULL) < 0) {
		err = errno;
		close(timer_fd);
		timer_fd = -1;
		return err;
	}
	atomic_store(&running, true);
	err = ly_thread_create_media(&mixer_tid, "confbridge-mix", mixer_main, NULL);
	if (err) {
		atomic_store(&running, false);
		close(timer_fd);
		timer_fd = -1;
	}
	return err;
}

void cb_mixer_stop(void)
{
	if (timer_fd < 0)
		return;
	atomic_store(&running, false);
	cb_registry_wake();
	pthread_join(mixer_tid, NULL);	/* wakes within TIMER_MS */
	close(timer_fd);
	timer_fd = -1;
}
