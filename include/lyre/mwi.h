/*
 * lyre/mwi.h - mailbox state (message waiting) shared between the module
 * that owns mailboxes (app_voicemail) and the ones that tell phones
 * (chan_sip's NOTIFY message-summary, RFC 3842).
 *
 * A mailbox is named "box@context" (context "default" when none is given,
 * as in voicemail.conf).  The owner publishes counts whenever they change
 * and once for every mailbox at load; the core keeps the last state of each
 * mailbox, so a subscriber that arrives later reads it with ly_mwi_get.
 *
 * Callbacks run on the publisher's thread, with the registry's lock held:
 * they must be quick (queue work to the subscriber's own thread) and must
 * not call back into this API.  After ly_mwi_unsubscribe returns, the
 * callback is not running and will not run again.
 */
#ifndef LYRE_MWI_H
#define LYRE_MWI_H

#include <stdbool.h>
#include <stddef.h>

#define LY_MWI_NAME_MAX 96

struct ly_mwi_state {
	char mailbox[LY_MWI_NAME_MAX]; /* "box@context" */
	int new_msgs, old_msgs;
	int new_urgent, old_urgent;
};

struct ly_mwi_sub;
typedef void (*ly_mwi_fn)(const struct ly_mwi_state *st, void *arg);

/* "100" -> "100@default"; "100@sales" unchanged.  Returns out. */
char *ly_mwi_normalize(const char *mailbox, char *out, size_t len);

/* Record the counts and tell subscribers (even when unchanged: a phone that
 * lost a NOTIFY gets the state again). */
void ly_mwi_publish(const char *mailbox, int new_msgs, int old_msgs,
		    int new_urgent, int old_urgent);
/* Forget a mailbox that no longer exists (subscribers hear 0/0). */
void ly_mwi_forget(const char *mailbox);
/* Last published state; false (and zero counts) if none was published. */
bool ly_mwi_get(const char *mailbox, struct ly_mwi_state *out);

/* A copy of every known mailbox's state (for `mwi show`), sorted by
 * name; *out is NULL when there is none, else free() it.  Returns the count. */
size_t ly_mwi_list(struct ly_mwi_state **out);

/* mailbox NULL: every mailbox.  Never NULL. */
struct ly_mwi_sub *ly_mwi_subscribe(const char *mailbox, ly_mwi_fn fn, void *arg);
void ly_mwi_unsubscribe(struct ly_mwi_sub *sub);

#endif
