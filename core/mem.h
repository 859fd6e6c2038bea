/* core/mem.h - core-private: malloc set up for a daemon whose threads come and go (core/mem.c). */
#ifndef LYRE_CORE_MEM_H
#define LYRE_CORE_MEM_H

/* Once, in the daemon, before its first thread. */
void ly_mem_init(void);

#endif
