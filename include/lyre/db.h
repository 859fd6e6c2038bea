/*
 * lyre/db.h - the persistent key-value store behind DB(), DB_EXISTS(),
 * DB_DELETE() and the `database` console commands (Asterisk's astdb).
 *
 * Keys live in families: family "cidname", key "5551234".  Values survive
 * restarts (SQLite under statedir by default).  The store is an interface
 * so another backend (PostgreSQL for several nodes) can replace it.
 * All functions are thread-safe.
 */
#ifndef LYRE_DB_H
#define LYRE_DB_H

#include <stddef.h>

/* 0, or an errno value (EINVAL for an empty family/key, EIO on storage errors). */
int ly_db_put(const char *family, const char *key, const char *value);
/* Copies the value into buf; 0, or ENOENT when absent. */
int ly_db_get(const char *family, const char *key, char *buf, size_t len);
/* 0, or ENOENT when absent. */
int ly_db_del(const char *family, const char *key);
/* Delete every key of family under keytree (NULL = whole family);
 * returns how many were deleted, or -1 on a storage error. */
int ly_db_deltree(const char *family, const char *keytree);
/* Call fn for each key under family[/keytree] (NULL/NULL = everything),
 * in key order; returns how many were visited or -1. */
int ly_db_foreach(const char *family, const char *keytree,
		  void (*fn)(const char *family, const char *key, const char *value, void *arg),
		  void *arg);

#endif
