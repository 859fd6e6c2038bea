/* modules/app_record/record_int.h - the parts of app_record shared between its files. */
#ifndef APP_RECORD_INT_H
#define APP_RECORD_INT_H

#include <stddef.h>
#include <stdint.h>

#define PATH_MAX_REC 1024

/* The dialplan's file name (with its extension) as a path in the spool
 * folder: 0, EACCES (leaves the spool folder), ENAMETOOLONG, EEXIST (no
 * free %d number) or an errno from making its folders. */
int record_path(const char *name, char *out, size_t len);

/* record_vad.c: speexdsp's voice activity detector (option 'v'), fed
 * signed linear audio at `rate` (8000 or 16000) in any slices; judged in
 * 20 ms blocks.  feed returns the ms of non-speech since the last speech
 * (or the start), as ly_silence_feed does. */
struct record_vad;
struct record_vad *record_vad_new(unsigned rate);
unsigned record_vad_feed(struct record_vad *v, const int16_t *x, size_t n);
unsigned record_vad_silent_ms(const struct record_vad *v);
void record_vad_free(struct record_vad *v);	/* NULL-safe */

#endif
