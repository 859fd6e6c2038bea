/* core/db_int.h - start-up of the key-value store (lyre/db.h) and its console commands. */
#ifndef LYRE_CORE_DB_INT_H
#define LYRE_CORE_DB_INT_H

/* Open (create) statedir/lyre.db and register `database show|get|put|del|deltree`.
 * 0 or an errno value (the daemon goes on without a store, DB() failing). */
int ly_db_init(const char *statedir);
void ly_db_shutdown(void);

#endif
