/*
 * modules/chan_sip/sip_chan.h - the "SIP" channel technology: channel
 * operations from channel threads, moved onto the SIP loop thread.
 */
#ifndef LYRE_SIP_CHAN_H
#define LYRE_SIP_CHAN_H

struct ly_loop;
struct ly_module;
struct ly_channel;
struct sip_call;

int sip_chan_register(struct ly_module *owner, struct ly_loop *loop);
void sip_chan_unregister(void);
/* A channel "SIP/<peer>-%08x" for call (which it references), or NULL. */
struct ly_channel *sip_chan_new(struct sip_call *call, const char *peer);
/* Run fn(arg) on the SIP loop thread and wait for it (at once when
 * already there). */
void sip_chan_run(void (*fn)(void *arg), void *arg);

#endif
