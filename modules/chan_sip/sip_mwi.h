/*
 * modules/chan_sip/sip_mwi.h - message waiting for SIP phones: chan_sip's
 * side of lyre/mwi.h.
 *
 * The core calls back on the publisher's thread (app_voicemail's channel
 * thread, or the loop for `mwi update`) with its lock held, so the
 * callback only queues the mailbox name and posts one drain to the SIP
 * loop (ly_loop_call), holding the chan_sip module until it has run.
 * There each change becomes a NOTIFY to every subscription covering the
 * mailbox (sip_subscribe.h), and an unsolicited NOTIFY to every contact
 * of each endpoint with that mailbox in `mailboxes=` and no live
 * subscription.  A contact that registers gets one too, as in Asterisk.
 * Unsolicited NOTIFYs are out of any dialog (a new Call-ID, CSeq 1), with
 * Subscription-State: terminated, since no subscription exists (RFC 6665
 * requires the header in every NOTIFY, and some phones refuse one without).
 */
#ifndef LYRE_SIP_MWI_H
#define LYRE_SIP_MWI_H

#include "sip_config.h"
#include "sip_core.h"
#include "sip_mwi_body.h"

struct ly_module;
struct ly_loop;

/* Listen to every mailbox; stop (before sip_core_stop) drops what waits. */
void sip_mwi_start(struct ly_module *owner, struct ly_loop *loop);
void sip_mwi_stop(void);

/* The counts of these mailboxes (NULL-terminated), added up. */
void sip_mwi_counts(char *const *mailboxes, struct sip_mwi_counts *out);
/* True when list holds mailbox ("box@context", case-insensitive). */
bool sip_mwi_list_has(char *const *list, const char *mailbox);

/* On the SIP loop: mailbox changed (what the drain calls). */
void sip_mwi_changed(struct sip_core *core, const char *mailbox);
/* On the SIP loop: a new contact of ep registered. */
void sip_mwi_contact_registered(struct sip_core *core, const struct sip_endpoint_conf *ep);

#endif
