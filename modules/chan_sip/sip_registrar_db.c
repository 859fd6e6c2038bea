/* modules/chan_sip/sip_registrar_db.c - SQLite persistence of registrations and generated secrets. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_registrar_db.h"

struct sip_db {
	sqlite3 *h;
	sqlite3_stmt *ins, *clear, *sec_get, *sec_put;
	char *path;
};

static int exec(struct sip_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	ly_error("%s: %s: %s", db->path, sql, msg ? msg : "error");
	sqlite3_free(msg);
	return EIO;
}

static int prepare(struct sip_db *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	ly_error("%s: %s", db->path, sqlite3_errmsg(db->h));
	return EIO;
}

int sip_db_open(const char *path, struct sip_db **out)
{
	struct sip_db *db = ly_calloc(1, sizeof(*db));

	db->path = ly_strdup(path);
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		ly_error("Cannot open %s: %s", path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
		sip_db_close(db);
		return EIO;
	}
	sqlite3_busy_timeout(db->h, 2000);
	if (exec(db, "PRAGMA journal_mode=WAL") || exec(db, "PRAGMA synchronous=NORMAL") ||
	    exec(db, "CREATE TABLE IF NOT EXISTS sip_registrations (aor TEXT NOT NULL, "
		     "uri TEXT NOT NULL, call_id TEXT NOT NULL, cseq INTEGER NOT NULL, "
		     "expires_at INTEGER NOT NULL, proto TEXT NOT NULL, source TEXT NOT NULL, "
		     "user_agent TEXT NOT NULL, PRIMARY KEY (aor, uri))") ||
	    exec(db, "CREATE TABLE IF NOT EXISTS sip_secrets (endpoint TEXT PRIMARY KEY NOT NULL, "
		     "secret TEXT NOT NULL)") ||
	    prepare(db, "INSERT OR REPLACE INTO sip_registrations VALUES (?,?,?,?,?,?,?,?)", &db->ins) ||
	    prepare(db, "DELETE FROM sip_registrations WHERE aor = ?", &db->clear) ||
	    prepare(db, "SELECT secret FROM sip_secrets WHERE endpoint = ?", &db->sec_get) ||
	    prepare(db, "INSERT OR REPLACE INTO sip_secrets VALUES (?,?)", &db->sec_put)) {
		sip_db_close(db);
		return EIO;
	}
	*out = db;
	return 0;
}

void sip_db_close(struct sip_db *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->ins);
	sqlite3_finalize(db->clear);
	sqlite3_finalize(db->sec_get);
	sqlite3_finalize(db->sec_put);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

/* Run a prepared statement that returns no rows, and reset it. */
static int step_done(struct sip_db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return 0;
	ly_error("%s: %s", db->path, sqlite3_errmsg(db->h));
	return EIO;
}

int sip_db_secret_get(struct sip_db *db, const char *endpoint, char *buf, size_t len)
{
	int rc = ENOENT;

	sqlite3_bind_text(db->sec_get, 1, endpoint, -1, SQLITE_STATIC);
	if (sqlite3_step(db->sec_get) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(db->sec_get, 0);

		if (v && *v) {
			ly_strlcpy(buf, (const char *)v, len);
			rc = 0;
		}
	}
	sqlite3_reset(db->sec_get);
	sqlite3_clear_bindings(db->sec_get);
	return rc;
}

int sip_db_secret_put(struct sip_db *db, const char *endpoint, const char *secret)
{
	sqlite3_bind_text(db->sec_put, 1, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(db->sec_put, 2, secret, -1, SQLITE_STATIC);
	return step_done(db, db->sec_put);
}

int sip_db_begin(struct sip_db *db)
{
	return exec(db, "BEGIN");
}

int sip_db_commit(struct sip_db *db)
{
	return exec(db, "COMMIT");
}

int sip_db_aor_clear(struct sip_db *db, const char *aor)
{
	sqlite3_bind_text(db->clear, 1, aor, -1, SQLITE_STATIC);
	return step_done(db, db->clear);
}

int sip_db_contact_add(struct sip_db *db, const struct sip_db_contact *c)
{
	sqlite3_stmt *st = db->ins;

	sqlite3_bind_text(st, 1, c->aor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->uri, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->cseq);
	sqlite3_bind_int64(st, 5, c->expires_at);
	sqlite3_bind_text(st, 6, c->proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, c->user_agent ? c->user_agent : "", -1, SQLITE_STATIC);
	return step_done(db, st);
}

int sip_db_purge_expired(struct sip_db *db, int64_t now)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "DELETE FROM sip_registrations WHERE expires_at <= %lld", (long long)now);
	return exec(db, sql);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v ? (const char *)v : "";
}

int sip_db_foreach(struct sip_db *db, void (*fn)(const struct sip_db_contact *c, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if (prepare(db, "SELECT aor, uri, call_id, cseq, expires_at, proto, source, user_agent "
			"FROM sip_registrations ORDER BY aor, rowid", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sip_db_contact c = {
			.aor = col(st, 0), .uri = col(st, 1), .call_id = col(st, 2),
			.cseq = (uint32_t)sqlite3_column_int64(st, 3),
			.expires_at = sqlite3_column_int64(st, 4),
			.proto = col(st, 5), .source = col(st, 6), .user_agent = col(st, 7),
		};

		fn(&c, arg);
		n++;
	}
	if (rc != SQLITE_DONE) {
		ly_error("%s: %s", db->path, sqlite3_errmsg(db->h));
		n = -1;
	}
	sqlite3_finalize(st);
	return n;
}
