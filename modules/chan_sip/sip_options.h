/*
 * modules/chan_sip/sip_options.h - OPTIONS: the answer (200 with Allow,
 * Accept and Supported, to anyone, since it is a ping, RFC 3261 §11.2),
 * and qualify: every `qualify` seconds an OPTIONS to each binding of the
 * endpoint, which is then Reachable (with its round-trip time) or
 * Unreachable (no answer within Timer F, or a transport error).
 */
#ifndef LYRE_SIP_OPTIONS_H
#define LYRE_SIP_OPTIONS_H

#include "sip_core.h"
#include "sip_registrar.h"

struct sip_options *sip_options_new(struct sip_core *core);
void sip_options_free(struct sip_options *o);

void sip_options_answer(struct sip_core *core, struct sip_txn *st, struct sip_msg *req);
/* A binding is going away: forget its pending ping. */
void sip_options_binding_gone(struct sip_binding *b);
const char *sip_reach_name(enum sip_reach r);

#endif
