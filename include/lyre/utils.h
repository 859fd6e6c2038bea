/*
 * lyre/utils.h - allocation, strings and a growable text buffer.
 *
 * Error convention for the whole project: functions that can fail return
 * an int, 0 on success or a positive errno value (ENOMEM, EINVAL, ...) on
 * failure, and hand results back through out-parameters.  Functions that
 * return a pointer return NULL on failure.
 *
 * Allocation: ly_malloc/ly_calloc/ly_strdup never return NULL; when the
 * system cannot give a few bytes the process logs and aborts, because a PBX
 * that half-handles out-of-memory in the middle of a call is worse than one
 * that restarts.
 */
#ifndef LYRE_UTILS_H
#define LYRE_UTILS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LY_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LY_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define LY_SENTINEL __attribute__((sentinel))

void *ly_malloc(size_t size);
void *ly_calloc(size_t n, size_t size);
void *ly_realloc(void *ptr, size_t size);
char *ly_strdup(const char *s);
char *ly_strndup(const char *s, size_t n);
char *ly_asprintf(const char *fmt, ...) LY_PRINTF(1, 2);
/* After a load, on a thread that did much of its work (core/mem.c): give
 * the calling thread's cached free blocks and every free page back to the
 * system, and ask the threads that registered below to do the same.
 * Takes up to a few milliseconds; not for the call path. */
void ly_mem_release(void);
/* The same for the calling thread alone: its cached blocks, then every
 * free page.  What a notified thread runs. */
void ly_mem_release_own(void);
/* fn(arg) is called by every ly_mem_release, under a lock: it only wakes
 * its thread, which then calls ly_mem_release_own().  Remove before the
 * thread or arg goes; after remove returns, fn is not running. */
void ly_mem_notify_add(void (*fn)(void *arg), void *arg);
void ly_mem_notify_remove(void (*fn)(void *arg), void *arg);

/* Copy src into dst of size n, always NUL-terminated; returns strlen(dst). */
size_t ly_strlcpy(char *dst, const char *src, size_t n);
/* Remove leading and trailing white space in place; returns s. */
char *ly_strstrip(char *s);
bool ly_strcaseeq(const char *a, const char *b);
bool ly_str_startswith(const char *s, const char *prefix);

/* True for yes/y/true/on/1 (any case); ly_false() for no/n/false/off/0. */
bool ly_true(const char *s);
bool ly_false(const char *s);
/* Parse a whole decimal integer in [min, max]; 0 or EINVAL/ERANGE. */
int ly_parse_int(const char *s, long min, long max, long *out);

/* Bytes from the kernel's CSPRNG, buffered per thread (core/random.c):
 * for tags, branches, SSRCs; never returns short (aborts without one). */
void ly_random_bytes(void *buf, size_t len);
uint32_t ly_random32(void);

/* Monotonic clock in milliseconds, and wall clock in microseconds. */
uint64_t ly_now_ms(void);
uint64_t ly_wallclock_us(void);

/* A growable NUL-terminated text buffer (CLI output, messages). */
struct ly_buf {
	char *data;	/* always NUL-terminated once anything is appended */
	size_t len;
	size_t cap;
};

void ly_buf_init(struct ly_buf *b);
void ly_buf_free(struct ly_buf *b);
void ly_buf_reset(struct ly_buf *b);
void ly_buf_append(struct ly_buf *b, const void *data, size_t len);
void ly_buf_puts(struct ly_buf *b, const char *s);
/* The strings up to the NULL, one after the other: a message's lines are
 * built this way where printf's parsing of its format was a hot spot. */
void ly_buf_cat(struct ly_buf *b, ...) LY_SENTINEL;
/* A decimal number, without printf. */
void ly_buf_append_uint(struct ly_buf *b, unsigned long long v);
/* v in decimal, without printf, written at the end of buf (room for the
 * largest 64-bit value); returns where the digits start, *len their count. */
#define LY_UINT_DIGITS 20
const char *ly_uint_digits(unsigned long long v, char buf[LY_UINT_DIGITS], size_t *len);

struct sockaddr;
/* An IPv4 or IPv6 socket address's host as text (IPv6 without brackets;
 * buf of INET6_ADDRSTRLEN at least) and its port.  IPv4 without printf:
 * glibc's inet_ntop formats it with sprintf, several times per call. */
void ly_addr_host(const struct sockaddr *sa, char *buf, size_t size, unsigned *port);
/* "a.b.c.d:port" or "[v6]:port". */
void ly_addr_print(const struct sockaddr *sa, char *buf, size_t size);

/* A library opened on first use instead of linked (its mapping costs idle
 * RSS): the first of the sonames dlopen accepts, opened RTLD_NOW |
 * RTLD_LOCAL | RTLD_NODELETE and never closed; NULL when none opens
 * (dlerror() says why). */
void *ly_lib_open(const char *const *sonames, size_t n);
/* One symbol of such a library into *slot (a function pointer's storage);
 * false when it is missing. */
bool ly_lib_sym(void *lib, const char *name, void *slot);
/* Make room for `extra` more bytes (and the NUL) in one allocation of
 * exactly that size, for callers that know how long their text will be. */
void ly_buf_reserve(struct ly_buf *b, size_t extra);
void ly_buf_printf(struct ly_buf *b, const char *fmt, ...) LY_PRINTF(2, 3);
void ly_buf_vprintf(struct ly_buf *b, const char *fmt, va_list ap) LY_PRINTF(2, 0);
/* Returns the text ("" when empty); the buffer keeps ownership. */
const char *ly_buf_str(const struct ly_buf *b);

#endif
