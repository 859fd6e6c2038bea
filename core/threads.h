/* core/threads.h - core-private view of the thread registry. */
#ifndef LYRE_CORE_THREADS_H
#define LYRE_CORE_THREADS_H

#include "lyre/utils.h"

/* Append one line per registered thread; returns how many. */
unsigned ly_threads_list(struct ly_buf *out);
void ly_thread_unregister_self(void);
/* Forget every entry (at exit, after other threads were joined). */
void ly_threads_cleanup(void);

#endif
