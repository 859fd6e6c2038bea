/*
 * lyre/obj.h - reference-counted objects.
 *
 * Shared objects (channels, endpoints, registrations...) are allocated with
 * ly_obj_alloc and carry an atomic reference count separate from any lock.
 * Rules (see core/README.md): whoever stores a pointer another thread can
 * reach holds a reference; ly_unref returns NULL so `p = ly_unref(p)` clears
 * the pointer; the destructor runs exactly once, in the thread that drops
 * the last reference, and must not take locks that callers of ly_unref hold.
 */
#ifndef LYRE_OBJ_H
#define LYRE_OBJ_H

#include <stddef.h>

typedef void (*ly_destructor)(void *obj);

/* Zeroed object of size bytes with one reference; never returns NULL. */
void *ly_obj_alloc(size_t size, ly_destructor destroy);
/* Add a reference; returns obj (NULL-safe). */
void *ly_ref(void *obj);
/* Drop a reference, destroying the object at zero; returns NULL (NULL-safe). */
void *ly_unref(void *obj);
/* Current count, for diagnostics and tests only. */
unsigned ly_obj_refs(const void *obj);

#endif
