/*
 * lyre/format.h - media formats (codecs) and translation between them.
 *
 * Codec modules register formats and translators.  A translation path from
 * one format to another is the chain of translators with the lowest total
 * cost (Dijkstra over the registered translators); each translator's cost
 * is the work it does per second of audio, in rough microseconds, plus a
 * penalty for any loss of sample rate, so paths that keep wideband audio
 * win over cheaper ones that squeeze it through 8 kHz.
 */
#ifndef LYRE_FORMAT_H
#define LYRE_FORMAT_H

#include <stddef.h>

struct ly_module;
struct ly_frame;

struct ly_format {
	const char *name;	/* "ulaw", "alaw", "slin", "slin16" */
	const char *description;
	unsigned rate;		/* samples per second */
	/* Samples in `len` bytes of this format (e.g. len for G.711, len/2 for slin). */
	unsigned (*samples)(const void *data, size_t len);
	struct ly_module *owner;	/* set by ly_format_register */
};

/* The format's storage must outlive its registration (use static). */
int ly_format_register(struct ly_module *owner, struct ly_format *fmt);
void ly_format_unregister(struct ly_format *fmt);
const struct ly_format *ly_format_find(const char *name);

/* One step of translation: src -> dst, with private state per use. */
struct ly_translator {
	const char *name;	/* "ulawtolin" */
	const char *src;	/* format names */
	const char *dst;
	unsigned cost;		/* see above */
	size_t pvt_size;	/* zeroed private state handed to the callbacks */
	int (*init)(void *pvt);		/* optional; 0 or an errno value */
	void (*destroy)(void *pvt);	/* optional */
	/* Translate one frame; returns a new frame, or NULL when the input
	 * was buffered and no output is ready yet. */
	struct ly_frame *(*translate)(void *pvt, const struct ly_frame *in);
	struct ly_module *owner;	/* set by ly_translator_register */
};

int ly_translator_register(struct ly_module *owner, struct ly_translator *t);
void ly_translator_unregister(struct ly_translator *t);

struct ly_trans_path;	/* a chain in use; holds its modules in use */

/* NULL when no path exists (or src == dst: callers pass frames through). */
struct ly_trans_path *ly_trans_path_new(const struct ly_format *src, const struct ly_format *dst);
void ly_trans_path_free(struct ly_trans_path *p);	/* NULL-safe */
/* Translate through every step; returns a new frame or NULL (buffered). */
struct ly_frame *ly_trans_path_run(struct ly_trans_path *p, const struct ly_frame *in);
/* Total cost and number of steps, or -1 when there is no path. */
int ly_trans_cost(const struct ly_format *src, const struct ly_format *dst, unsigned *steps);
/* "ulaw -> slin -> alaw" into buf. */
const char *ly_trans_path_describe(const struct ly_trans_path *p, char *buf, size_t len);

#endif
