/*
 * modules/chan_sip/sip_registrar_sync.h - writes registrations to SQLite on
 * a thread of its own, so the SIP loop never waits for the disk.
 *
 * The loop collects the AORs that changed (every SIP_REG_FLUSH_MS) into a
 * batch of copies and submits it; the writer applies each batch as one
 * SQLite transaction.  A WAL checkpoint fsyncs the file, which took tens of
 * milliseconds here: on the loop that stalled every phone's SIP.
 */
#ifndef LYRE_SIP_REGISTRAR_SYNC_H
#define LYRE_SIP_REGISTRAR_SYNC_H

#include "sip_registrar_db.h"

struct sip_db_writer;
struct sip_db_batch;

struct sip_db_batch *sip_db_batch_new(void);
/* Replace the stored bindings of aor with these n (copied). */
void sip_db_batch_aor(struct sip_db_batch *b, const char *aor, const struct sip_db_contact *c,
		      size_t n);

/* Write (and free) a batch here and now: when there is no writer thread. */
void sip_db_batch_write(struct sip_db *db, struct sip_db_batch *b);

/* NULL when the thread cannot start (then write with sip_db_batch_write). */
struct sip_db_writer *sip_db_writer_start(struct sip_db *db);
/* Takes the batch. */
void sip_db_writer_submit(struct sip_db_writer *w, struct sip_db_batch *b);
/* Wait until every batch submitted so far is written. */
void sip_db_writer_wait(struct sip_db_writer *w);
/* Write what is queued, then stop the thread (NULL-safe). */
void sip_db_writer_stop(struct sip_db_writer *w);

#endif
