/* core/utils.c - allocation that never returns NULL, strings, clocks, ly_buf. */
#include "config.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lyre/utils.h"

static void out_of_memory(size_t size)
{
	/* No allocation here: the logger may need memory we do not have. */
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "lyre: out of memory allocating %zu bytes\n", size);

	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		abort();
	abort();
}

void *ly_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *ly_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory(n > SIZE_MAX / (size ? size : 1) ? SIZE_MAX : n * size);
	return p;
}

void *ly_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

char *ly_strdup(const char *s)
{
	return ly_strndup(s, strlen(s));
}

char *ly_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = ly_malloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *ly_asprintf(const char *fmt, ...)
{
	struct ly_buf b;
	va_list ap;

	ly_buf_init(&b);
	va_start(ap, fmt);
	ly_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!b.data)
		return ly_strdup("");
	return b.data;	/* the buffer's storage becomes the caller's string */
}

size_t ly_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n) {
		size_t c = len < n - 1 ? len : n - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
		return c;
	}
	return 0;
}

char *ly_strstrip(char *s)
{
	char *start = s, *end;

	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (start != s)
		memmove(s, start, (size_t)(end - start) + 1);
	return s;
}

bool ly_strcaseeq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool ly_str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ly_true(const char *s)
{
	return s && (!strcasecmp(s, "yes") || !strcasecmp(s, "true") ||
		     !strcasecmp(s, "on") || !strcmp(s, "1") || !strcasecmp(s, "y"));
}

bool ly_false(const char *s)
{
	return s && (!strcasecmp(s, "no") || !strcasecmp(s, "false") ||
		     !strcasecmp(s, "off") || !strcmp(s, "0") || !strcasecmp(s, "n"));
}

int ly_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE)
		return ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (end == s || *end)
		return EINVAL;
	if (v < min || v > max)
		return ERANGE;
	*out = v;
	return 0;
}

uint64_t ly_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t ly_wallclock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void ly_buf_init(struct ly_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void ly_buf_free(struct ly_buf *b)
{
	free(b->data);
	ly_buf_init(b);
}

void ly_buf_reset(struct ly_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Room for `extra` more bytes and the NUL.  A first buffer of 256 holds
 * most one-line texts; doubling from there keeps long ones to a few
 * reallocations (callers that know the size ask with ly_buf_reserve). */
static void buf_reserve(struct ly_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->data = ly_realloc(b->data, cap);
	b->cap = cap;
}

void ly_buf_reserve(struct ly_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	/* exactly what was asked for: the caller measured */
	b->data = ly_realloc(b->data, b->len + extra + 1);
	b->cap = b->len + extra + 1;
	if (b->len == 0)
		b->data[0] = '\0';
}

void ly_buf_append(struct ly_buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void ly_buf_puts(struct ly_buf *b, const char *s)
{
	ly_buf_append(b, s, strlen(s));
}

void ly_buf_cat(struct ly_buf *b, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, b);
	while ((s = va_arg(ap, const char *)) != NULL)
		ly_buf_append(b, s, strlen(s));
	va_end(ap);
}

const char *ly_uint_digits(unsigned long long v, char buf[LY_UINT_DIGITS], size_t *len)
{
	size_t n = LY_UINT_DIGITS;

	do {
		buf[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	*len = LY_UINT_DIGITS - n;
	return buf + n;
}

void ly_addr_host(const struct sockaddr *sa, char *buf, size_t size, unsigned *port)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		if (!inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)size) && size)
			buf[0] = '\0';
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;
		const unsigned char *b = (const unsigned char *)&s4->sin_addr;
		char text[INET_ADDRSTRLEN], *o = text;

		for (int i = 0; i < 4; i++) {
			char digits[LY_UINT_DIGITS];
			size_t n;
			const char *d = ly_uint_digits(b[i], digits, &n);

			memcpy(o, d, n);
			o += n;
			*o++ = i < 3 ? '.' : '\0';
		}
		ly_strlcpy(buf, text, size);
		*port = ntohs(s4->sin_port);
	}
}

void ly_addr_print(const struct sockaddr *sa, char *buf, size_t size)
{
	/* "[" host "]:" port: 1 + 45 + 2 + 5 and the NUL */
	char host[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 8], digits[LY_UINT_DIGITS];
	bool v6 = sa->sa_family == AF_INET6;
	unsigned port;
	size_t hn, pn;
	const char *d;
	char *o = text;

	ly_addr_host(sa, host, sizeof(host), &port);
	d = ly_uint_digits(port, digits, &pn);
	hn = strlen(host);
	if (v6)
		*o++ = '[';
	memcpy(o, host, hn);
	o += hn;
	if (v6)
		*o++ = ']';
	*o++ = ':';
	memcpy(o, d, pn);
	o[pn] = '\0';
	ly_strlcpy(buf, text, size);
}

void *ly_lib_open(const char *const *sonames, size_t n)
{
	void *h = NULL;

	for (size_t i = 0; !h && i < n; i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	return h;
}

bool ly_lib_sym(void *lib, const char *name, void *slot)
{
	void *p = dlsym(lib, name);

	memcpy(slot, &p, sizeof(p));
	return p != NULL;
}

void ly_buf_append_uint(struct ly_buf *b, unsigned long long v)
{
	char buf[LY_UINT_DIGITS];
	size_t len;
	const char *d = ly_uint_digits(v, buf, &len);

	ly_buf_append(b, d, len);
}

/* One formatting pass when the text fits the room left (the usual case
 * once a buffer exists), a second one only after growing. */
void ly_buf_vprintf(struct ly_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	size_t room;
	int n;

	if (!b->cap)
		buf_reserve(b, 0);
	room = b->cap - b->len;
	va_copy(copy, ap);
	n = vsnprintf(b->data + b->len, room, fmt, copy);
	va_end(copy);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void ly_buf_printf(struct ly_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ly_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *ly_buf_str(const struct ly_buf *b)
{
	return b->data ? b->data : "";
}
