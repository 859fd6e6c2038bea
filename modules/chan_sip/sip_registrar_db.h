/*
 * modules/chan_sip/sip_registrar_db.h - the SQLite file under statedir
 * (sip_registrations.db) that keeps registrations across restarts, and the
 * generated secrets of secret=auto endpoints.  Used from the SIP loop
 * thread (secrets, restore at start) and the registration writer thread
 * (sip_registrar_sync.h); the connection is opened serialized
 * (SQLITE_OPEN_FULLMUTEX), so the two never interleave inside SQLite.
 */
#ifndef LYRE_SIP_REGISTRAR_DB_H
#define LYRE_SIP_REGISTRAR_DB_H

#include <stddef.h>
#include <stdint.h>

struct sip_db;

/* One stored binding. */
struct sip_db_contact {
	const char *aor;
	const char *uri;
	const char *call_id;
	uint32_t cseq;
	int64_t expires_at;	/* Unix time */
	const char *proto;	/* "UDP", "TCP", "TLS": how the REGISTER came */
	const char *source;	/* "1.2.3.4:5060" / "[::1]:5060" it came from */
	const char *user_agent;	/* may be "" */
};

/* Open (creating the tables) path; 0 or EIO (logged). */
int sip_db_open(const char *path, struct sip_db **out);
void sip_db_close(struct sip_db *db);

/* 0, or ENOENT when the endpoint has no stored secret. */
int sip_db_secret_get(struct sip_db *db, const char *endpoint, char *buf, size_t len);
int sip_db_secret_put(struct sip_db *db, const char *endpoint, const char *secret);

/* Write-behind batches: every change between begin and commit is one
 * SQLite transaction (one fsync), whatever the number of REGISTERs. */
int sip_db_begin(struct sip_db *db);
int sip_db_commit(struct sip_db *db);
/* Replace the stored bindings of an AOR: clear it, then add each. */
int sip_db_aor_clear(struct sip_db *db, const char *aor);
int sip_db_contact_add(struct sip_db *db, const struct sip_db_contact *c);
/* Delete the bindings that expired at or before `now` (Unix time). */
int sip_db_purge_expired(struct sip_db *db, int64_t now);
/* Every stored binding; returns how many, or -1 on a storage error. */
int sip_db_foreach(struct sip_db *db, void (*fn)(const struct sip_db_contact *c, void *arg), void *arg);

#endif
