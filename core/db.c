/* core/db.c - the persistent key-value store (lyre/db.h) in SQLite, and its `database` commands. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db_int.h"
#include "lyre/cli.h"
#include "lyre/db.h"
#include "lyre/log.h"
#include "lyre/utils.h"

/*
 * One table, as Asterisk's astdb: the key is "/family/key" and a family or
 * key tree is every key that starts with "/family[/keytree]/" (plus the
 * key equal to the prefix itself, as Asterisk's deltree also removes it).
 * Prefix matching is done with a range on the primary key instead of LIKE,
 * so '%' and '_' in keys are plain characters and the index is used:
 * '0' is the character after '/', so [prefix "/", prefix "0") is exactly
 * the set of keys under prefix.
 */
#define TREE_WHERE "(key = ?1 OR (key >= ?1 || '/' AND key < ?1 || '0'))"

enum db_stmt {
	STMT_PUT,
	STMT_GET,
	STMT_DEL,
	STMT_DELTREE,
	STMT_TREE,
	STMT_ALL,
	STMT_COUNT
};

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_PUT] = "INSERT OR REPLACE INTO lydb (key, value) VALUES (?1, ?2)",
	[STMT_GET] = "SELECT value FROM lydb WHERE key = ?1",
	[STMT_DEL] = "DELETE FROM lydb WHERE key = ?1",
	[STMT_DELTREE] = "DELETE FROM lydb WHERE " TREE_WHERE,
	[STMT_TREE] = "SELECT key, value FROM lydb WHERE " TREE_WHERE " ORDER BY key",
	[STMT_ALL] = "SELECT key, value FROM lydb ORDER BY key",
};

/* The mutex serialises every use of the connection and its statements;
 * it is a leaf lock (no callback runs under it). */
static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 *db;
static sqlite3_stmt *stmts[STMT_COUNT];

/* ---- storage ---- */

static char *make_key(const char *family, const char *key)
{
	return key ? ly_asprintf("/%s/%s", family, key) : ly_asprintf("/%s", family);
}

/* Run statement s (bound by the caller) to completion; 0 or EIO. */
static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return 0;
	ly_error("Database error: %s", sqlite3_errmsg(db));
	return EIO;
}

int ly_db_put(const char *family, const char *key, const char *value)
{
	sqlite3_stmt *s;
	char *full;
	int rc;

	if (!family || !*family || !key || !*key)
		return EINVAL;
	full = make_key(family, key);
	pthread_mutex_lock(&db_lock);
	s = stmts[STMT_PUT];
	if (!s) {
		rc = EIO;
	} else {
		sqlite3_bind_text(s, 1, full, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, value ? value : "", -1, SQLITE_STATIC);
		rc = step_done(s);
	}
	pthread_mutex_unlock(&db_lock);
	free(full);
	return rc;
}

int ly_db_get(const char *family, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *s;
	char *full;
	int rc;

	if (len)
		buf[0] = '\0';
	if (!family || !*family || !key || !*key)
		return EINVAL;
	full = make_key(family, key);
	pthread_mutex_lock(&db_lock);
	s = stmts[STMT_GET];
	if (!s) {
		rc = EIO;
	} else {
		sqlite3_bind_text(s, 1, full, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			const unsigned char *v = sqlite3_column_text(s, 0);

			if (len)
				ly_strlcpy(buf, v ? (const char *)v : "", len);
			rc = 0;
		} else if (rc == SQLITE_DONE) {
			rc = ENOENT;
		} else {
			ly_error("Database error: %s", sqlite3_errmsg(db));
			rc = EIO;
		}
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	pthread_mutex_unlock(&db_lock);
	free(full);
	return rc;
}

int ly_db_del(const char *family, const char *key)
{
	sqlite3_stmt *s;
	char *full;
	int rc;

	if (!family || !*family || !key || !*key)
		return EINVAL;
	full = make_key(family, key);
	pthread_mutex_lock(&db_lock);
	s = stmts[STMT_DEL];
	if (!s) {
		rc = EIO;
	} else {
		sqlite3_bind_text(s, 1, full, -1, SQLITE_STATIC);
		rc = step_done(s);
		if (!rc && sqlite3_changes(db) == 0)
			rc = ENOENT;
	}
	pthread_mutex_unlock(&db_lock);
	free(full);
	return rc;
}

int ly_db_deltree(const char *family, const char *keytree)
{
	sqlite3_stmt *s;
	char *prefix;
	int n = -1;

	if (!family || !*family)
		return -1;
	prefix = make_key(family, keytree && *keytree ? keytree : NULL);
	pthread_mutex_lock(&db_lock);
	s = stmts[STMT_DELTREE];
	if (s) {
		sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
		if (step_done(s) == 0)
			n = sqlite3_changes(db);
	}
	pthread_mutex_unlock(&db_lock);
	free(prefix);
	return n;
}

/* Rows copied out under the lock, so the callback may use the store. */
struct db_row {
	char *key;	/* "/family/key" */
	char *value;
};

struct db_rows {
	struct db_row *v;
	size_t n, cap;
};

static void rows_push(struct db_rows *r, const char *key, const char *value)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = ly_realloc(r->v, r->cap * sizeof(*r->v));
	}
	r->v[r->n].key = ly_strdup(key);
	r->v[r->n].value = ly_strdup(value);
	r->n++;
}

static void rows_free(struct db_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].key);
		free(r->v[i].value);
	}
	free(r->v);
}

/* Fetch the rows under prefix (NULL = all); 0 or EIO. */
static int fetch_rows(const char *prefix, struct db_rows *out)
{
	sqlite3_stmt *s;
	int rc;

	pthread_mutex_lock(&db_lock);
	s = stmts[prefix ? STMT_TREE : STMT_ALL];
	if (!s) {
		pthread_mutex_unlock(&db_lock);
		return EIO;
	}
	if (prefix)
		sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(s, 0);
		const unsigned char *v = sqlite3_column_text(s, 1);

		rows_push(out, k ? (const char *)k : "", v ? (const char *)v : "");
	}
	if (rc != SQLITE_DONE)
		ly_error("Database error: %s", sqlite3_errmsg(db));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	pthread_mutex_unlock(&db_lock);
	return rc == SQLITE_DONE ? 0 : EIO;
}

/* "/family/key/with/slashes" -> family and key, split in place. */
static void split_full_key(char *full, const char **family, const char **key)
{
	char *slash;

	*family = full + (full[0] == '/');
	slash = strchr(*family, '/');
	if (slash) {
		*slash = '\0';
		*key = slash + 1;
	} else {
		*key = "";
	}
}

int ly_db_foreach(const char *family, const char *keytree,
		  void (*fn)(const char *family, const char *key, const char *value, void *arg),
		  void *arg)
{
	struct db_rows rows = { 0 };
	char *prefix = NULL;
	int rc;

	if (family && *family)
		prefix = make_key(family, keytree && *keytree ? keytree : NULL);
	rc = fetch_rows(prefix, &rows);
	free(prefix);
	if (rc) {
		rows_free(&rows);
		return -1;
	}
	for (size_t i = 0; i < rows.n; i++) {
		const char *fam, *key;

		split_full_key(rows.v[i].key, &fam, &key);
		fn(fam, key, rows.v[i].value, arg);
	}
	rc = (int)rows.n;
	rows_free(&rows);
	return rc;
}

/* ---- console commands (Asterisk's output format) ---- */

static void print_row(struct ly_cli_args *a, const char *full_key, const char *value)
{
	ly_cli_print(a, "%-50s: %-25s\n", full_key, value);
}

/* database show [family [keytree]] and database showkey keytree. */
static enum ly_cli_result db_show(struct ly_cli_args *a)
{
	int extra = a->argc - a->cmd_words;
	const char *const *w = a->argv + a->cmd_words;
	struct db_rows rows = { 0 };
	char *prefix = NULL;

	if (extra > 2)
		return LY_CLI_SHOWUSAGE;
	if (extra >= 1)
		prefix = make_key(w[0], extra == 2 ? w[1] : NULL);
	if (fetch_rows(prefix, &rows)) {
		free(prefix);
		rows_free(&rows);
		ly_cli_print(a, "Database unavailable\n");
		return LY_CLI_FAILURE;
	}
	for (size_t i = 0; i < rows.n; i++)
		print_row(a, rows.v[i].key, rows.v[i].value);
	/* Asterisk says "1 results found." too; scripts parse this line. */
	ly_cli_print(a, "%zu results found.\n", rows.n);
	free(prefix);
	rows_free(&rows);
	return LY_CLI_SUCCESS;
}

/* The key part of "/family/key" equals `key`: Asterisk's showkey looks for
 * one key name across every family. */
static bool key_is(const char *full_key, const char *key)
{
	const char *slash = strchr(full_key + 1, '/');

	return slash && strcmp(slash + 1, key) == 0;
}

static enum ly_cli_result db_showkey(struct ly_cli_args *a)
{
	struct db_rows rows = { 0 };
	size_t shown = 0;

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	if (fetch_rows(NULL, &rows)) {
		rows_free(&rows);
		ly_cli_print(a, "Database unavailable\n");
		return LY_CLI_FAILURE;
	}
	for (size_t i = 0; i < rows.n; i++) {
		if (!key_is(rows.v[i].key, a->argv[a->cmd_words]))
			continue;
		print_row(a, rows.v[i].key, rows.v[i].value);
		shown++;
	}
	ly_cli_print(a, "%zu results found.\n", shown);
	rows_free(&rows);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result db_get(struct ly_cli_args *a)
{
	const char *const *w = a->argv + a->cmd_words;
	char value[4096];

	if (a->argc != a->cmd_words + 2)
		return LY_CLI_SHOWUSAGE;
	if (ly_db_get(w[0], w[1], value, sizeof(value))) {
		ly_cli_print(a, "Database entry not found.\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Value: %s\n", value);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result db_put(struct ly_cli_args *a)
{
	const char *const *w = a->argv + a->cmd_words;

	if (a->argc != a->cmd_words + 3)
		return LY_CLI_SHOWUSAGE;
	if (ly_db_put(w[0], w[1], w[2])) {
		ly_cli_print(a, "Failed to update entry\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Updated database successfully\n");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result db_del(struct ly_cli_args *a)
{
	const char *const *w = a->argv + a->cmd_words;

	if (a->argc != a->cmd_words + 2)
		return LY_CLI_SHOWUSAGE;
	if (ly_db_del(w[0], w[1])) {
		ly_cli_print(a, "Database entry does not exist.\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Database entry removed.\n");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result db_deltree(struct ly_cli_args *a)
{
	const char *const *w = a->argv + a->cmd_words;
	int extra = a->argc - a->cmd_words;
	int n;

	if (extra < 1 || extra > 2)
		return LY_CLI_SHOWUSAGE;
	n = ly_db_deltree(w[0], extra == 2 ? w[1] : NULL);
	if (n < 0) {
		ly_cli_print(a, "Database unavailable.\n");
		return LY_CLI_FAILURE;
	}
	if (n == 0) {
		ly_cli_print(a, "Database entries do not exist.\n");
		return LY_CLI_SUCCESS;
	}
	ly_cli_print(a, "%d database entries removed.\n", n);
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command db_commands[] = {
	{
		.command = "database show",
		.summary = "Show the key-value store",
		.usage = "Usage: database show [family [keytree]]\n"
			 "  Shows every key, or those of a family or a key tree in it.\n",
		.handler = db_show,
	},
	{
		.command = "database showkey",
		.summary = "Show a key in every family",
		.usage = "Usage: database showkey <key>\n"
			 "  Shows the values of <key> in every family.\n",
		.handler = db_showkey,
	},
	{
		.command = "database get",
		.summary = "Get a value from the key-value store",
		.usage = "Usage: database get <family> <key>\n"
			 "  Shows the value of <key> in <family>.\n",
		.handler = db_get,
	},
	{
		.command = "database put",
		.summary = "Store a value in the key-value store",
		.usage = "Usage: database put <family> <key> <value>\n"
			 "  Adds or updates <key> in <family>.\n",
		.handler = db_put,
	},
	{
		.command = "database del",
		.summary = "Remove a key from the key-value store",
		.usage = "Usage: database del <family> <key>\n"
			 "  Removes <key> from <family>.\n",
		.handler = db_del,
	},
	{
		.command = "database deltree",
		.summary = "Remove a family or key tree from the key-value store",
		.usage = "Usage: database deltree <family> [keytree]\n"
			 "  Removes every key of <family>, or of <keytree> in it.\n",
		.handler = db_deltree,
	},
};

/* ---- start-up and shutdown ---- */

static int exec_sql(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	ly_error("Database: %s: %s", sql, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return EIO;
}

static void close_locked(void)
{
	for (size_t i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
	sqlite3_close(db);
	db = NULL;
}

/* WAL lets readers run beside the writer; the busy timeout covers another
 * process (a second node's tool) holding the file briefly. */
static int open_locked(const char *path)
{
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		ly_error("Cannot open the database %s: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		return EIO;
	}
	sqlite3_busy_timeout(db, 2000);
	if (exec_sql("PRAGMA journal_mode=WAL") || exec_sql("PRAGMA synchronous=NORMAL") ||
	    exec_sql("CREATE TABLE IF NOT EXISTS lydb (key TEXT PRIMARY KEY NOT NULL, "
		     "value TEXT NOT NULL)"))
		return EIO;
	for (size_t i = 0; i < STMT_COUNT; i++) {
		if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &stmts[i],
				       NULL) != SQLITE_OK) {
			ly_error("Database: cannot prepare \"%s\": %s", stmt_sql[i],
				 sqlite3_errmsg(db));
			return EIO;
		}
	}
	return 0;
}

int ly_db_init(const char *statedir)
{
	char *path = ly_asprintf("%s/lyre.db", statedir);
	int rc;

	pthread_mutex_lock(&db_lock);
	if (db) {
		pthread_mutex_unlock(&db_lock);
		free(path);
		return EALREADY;
	}
	rc = open_locked(path);
	if (rc)
		close_locked();
	pthread_mutex_unlock(&db_lock);
	if (!rc) {
		ly_verbose(2, "Key-value store in %s", path);
		rc = ly_cli_register_multiple(NULL, db_commands, LY_ARRAY_LEN(db_commands));
	}
	free(path);
	return rc;
}

void ly_db_shutdown(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(db_commands); i++)
		ly_cli_unregister(&db_commands[i]);
	pthread_mutex_lock(&db_lock);
	if (db)
		close_locked();
	pthread_mutex_unlock(&db_lock);
}
