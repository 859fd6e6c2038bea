/* core/media_int.h - start-up of the channel, frame, format and application core. */
#ifndef LYRE_CORE_MEDIA_INT_H
#define LYRE_CORE_MEDIA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/utils.h"

/* Register the CLI commands of channels, formats and applications. */
int ly_media_core_init(void);
/* At exit, after every module is unloaded: free what is left. */
void ly_media_core_shutdown(void);

struct ly_format;
struct ly_app;
struct ly_func;
struct ly_channel;

/*
 * Registry walks for the CLI.  fn runs with the registry's lock held, so it
 * must only look at the item (print it, copy the pointer) and never call
 * back into the registry.  Pointers stay valid while no module unloads,
 * which holds on the loop thread where CLI handlers and the loader run.
 */
void ly_format_foreach(void (*fn)(const struct ly_format *fmt, void *arg), void *arg);
void ly_app_foreach(void (*fn)(const struct ly_app *app, void *arg), void *arg);
void ly_func_foreach(void (*fn)(const struct ly_func *func, void *arg), void *arg);
/* When the channel was allocated, on the ly_now_ms() clock. */
uint64_t ly_chan_created_ms(const struct ly_channel *c);

/* CLI command sets of core/format_cli.c and core/app_cli.c (channel_cli.c
 * registers its own from ly_media_core_init).  0 or an errno value. */
int ly_format_cli_register(void);
void ly_format_cli_unregister(void);
int ly_app_cli_register(void);
void ly_app_cli_unregister(void);

/* Free the registries' storage (from ly_media_core_shutdown). */
void ly_format_registry_free(void);
void ly_app_registry_free(void);
void ly_chan_registry_free(void);

/* A growable array of pointers: the storage behind each registry.  Order
 * is kept, so listings show registrations in the order they were made. */
struct ly_ptrvec {
	void **items;
	size_t n;
	size_t cap;
};

static inline void ly_ptrvec_push(struct ly_ptrvec *v, void *item)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->items = ly_realloc(v->items, v->cap * sizeof(*v->items));
	}
	v->items[v->n++] = item;
}

/* True when item was there (and is now gone). */
static inline bool ly_ptrvec_remove(struct ly_ptrvec *v, const void *item)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i] == item) {
			memmove(&v->items[i], &v->items[i + 1], (v->n - i - 1) * sizeof(*v->items));
			v->n--;
			return true;
		}
	}
	return false;
}

static inline void ly_ptrvec_free(struct ly_ptrvec *v)
{
	free(v->items);
	v->items = NULL;
	v->n = v->cap = 0;
}

#endif
