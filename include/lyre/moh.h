/*
 * lyre/moh.h - background audio on a channel, music on hold, and tones.
 *
 * Background audio: a generator function is called every 20 ms on the
 * channel's RTP media worker and its frame (any format; translated to the
 * channel's) is sent, while the channel's own thread does something else
 * (bridges, rings a Dial).  One generator per channel; starting another
 * replaces it.  Channels without an RTP session (Local) cannot carry one
 * (ENOTSUP).  Playing a prompt (ly_file_play) replaces it as well.
 *
 * Music on hold: the core keeps the channel's class (CHANNEL(musicclass),
 * default "default") and hands start/stop to the module that installed
 * itself (res_musiconhold), as Asterisk's ast_moh_start does.
 *
 * Tones (indications.conf syntax): "[!]f1[+f2][/ms],..." - each part is
 * one or two frequencies in Hz (0: silence) for ms milliseconds (no /ms:
 * for ever); '!' plays a part once, the other parts repeat.  f1*f2 is
 * accepted and played as f1+f2.
 */
#ifndef LYRE_MOH_H
#define LYRE_MOH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ly_channel;
struct ly_frame;

/* ---- background audio ---- */

typedef struct ly_frame *(*ly_chan_gen_fn)(void *arg);
/* Start: 0, ENOTSUP (no RTP session) or EPIPE (closed).  release(arg) runs
 * once the generator is stopped or replaced, or fails to start. */
int ly_chan_gen_start(struct ly_channel *c, ly_chan_gen_fn fn, void *arg,
		      void (*release)(void *arg));
/* Stop if `fn` is the running generator (NULL: whichever runs). */
void ly_chan_gen_stop(struct ly_channel *c, ly_chan_gen_fn fn);
bool ly_chan_gen_active(struct ly_channel *c, ly_chan_gen_fn fn);

/* ---- music on hold ---- */

struct ly_moh_funcs {
	int (*start)(struct ly_channel *c, const char *mclass);
	void (*stop)(struct ly_channel *c);
};
void ly_moh_install(const struct ly_moh_funcs *f);
void ly_moh_uninstall(void);
/* Start the class (NULL or "": the channel's class).  0, ENOSYS (no MOH
 * module), ENOENT (no such class), ENOTSUP (channel cannot carry it). */
int ly_moh_start(struct ly_channel *c, const char *mclass);
void ly_moh_stop(struct ly_channel *c);
const char *ly_moh_class(const struct ly_channel *c, char *buf, size_t len);
void ly_moh_set_class(struct ly_channel *c, const char *mclass);

/* ---- tones ---- */

#define LY_TONE_MAX_PARTS 16

struct ly_tone_part {
	unsigned f1, f2;	/* Hz; 0 = none */
	unsigned ms;		/* 0 = for ever */
	bool once;		/* '!': not repeated */
};

struct ly_tone_list {
	struct ly_tone_part part[LY_TONE_MAX_PARTS];
	size_t n;
};

/* Parse a tone list; 0 or EINVAL. */
int ly_tone_parse(const char *text, struct ly_tone_list *out);

struct ly_tone_gen {
	struct ly_tone_list list;
	size_t cur;		/* part playing */
	unsigned pos;		/* samples played of it */
	double ph1, ph2;	/* phases, radians */
	bool done;
	int amp;		/* peak of one frequency */
};
void ly_tone_gen_init(struct ly_tone_gen *g, const struct ly_tone_list *list);
/* Fill n samples of 8 kHz signed linear; false once every part is played
 * (only when the last parts are all '!' or have a duration and '!'). */
bool ly_tone_gen_fill(struct ly_tone_gen *g, int16_t *out, size_t n);
/* Start playing `text` to c in the background (PlayTones). */
int ly_tones_start(struct ly_channel *c, const char *text);
void ly_tones_stop(struct ly_channel *c);

#endif
