/*
 * modules/chan_sip/sip_msg_int.h - private parts of struct sip_msg shared by
 * the message files (parse, essentials, build): the header list, the
 * arena that holds every string of a message, and the reference count.
 */
#ifndef LYRE_SIP_MSG_INT_H
#define LYRE_SIP_MSG_INT_H

#include <stdatomic.h>

#include "sip_msg.h"

struct sip_arena_chunk {
	struct sip_arena_chunk *next;
	size_t size;
	char data[];
};

struct sip_msg_priv {
	atomic_int refs;
	struct sip_hdr *first, *last;
	unsigned count;
	/* bump allocator: the current chunk's free space */
	char *pos;
	size_t left;
	struct sip_arena_chunk *chunks;	/* extra chunks, freed with the message */
	/* Every essential was derived from the headers: a parsed message
	 * that passed (sip_msg_parse); sip_msg_refresh keeps them so when a
	 * header changes.  A response then shares them instead of parsing
	 * its copies of the same headers again. */
	bool essentials_derived;
	/* The message whose parsed essentials this one shares (strings in
	 * its arena), referenced until this one goes; NULL when none. */
	struct sip_msg *shares;
};

/* A message with `arena` bytes of storage in the same allocation. */
struct sip_msg *sip_msg_alloc(size_t arena);
/* Storage from the message's arena, aligned for any type, never NULL. */
void *sip_msg_mem(struct sip_msg *m, size_t size);

/* Link a new header (name already canonical or copied) after `after`
 * (NULL: at the front). */
struct sip_hdr *sip_msg_link(struct sip_msg *m, struct sip_hdr *after, enum sip_hdr_id id,
			     const char *name, const char *value, size_t value_len);

/*
 * Re-derive the essential field(s) of header `id` from the header list.
 * Returns NULL, or a static reason phrase when the header is malformed
 * (the essential is then left absent).
 */
const char *sip_msg_refresh(struct sip_msg *m, enum sip_hdr_id id);
/* True for the ids sip_msg_refresh derives something from. */
bool sip_msg_is_essential(enum sip_hdr_id id);

#endif
