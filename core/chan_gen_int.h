/* core/chan_gen_int.h - background audio on channels without RTP, served by the thread that reads the channel (core-private). */
#ifndef LYRE_CORE_CHAN_GEN_INT_H
#define LYRE_CORE_CHAN_GEN_INT_H

#include <stdbool.h>

struct ly_channel;

/*
 * As Asterisk runs a generator from ast_read(): a channel without an RTP
 * session (Local) has its generator's frames written by whatever thread
 * drives it, each time that thread reads the channel - the core media
 * timer (core/media_timer.c) wakes it every 20 ms.  So music on hold and
 * tones play on a Local channel while its thread waits in MusicOnHold,
 * Dial or WaitExten.
 */

/* channel.c: ly_chan_read calls chan_gen_service while this is on. */
void chan_set_gen_timed(struct ly_channel *c, bool on);
/* chan_gen.c: write the frames the timer has credited (driving thread). */
void chan_gen_service(struct ly_channel *c);

#endif
