/* core/random.c - unpredictable bytes for tags, branches, SSRCs and nonces, without a system call each. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lyre/utils.h"

/*
 * Each thread keeps a pool of kernel CSPRNG output (getrandom, the same
 * source as /dev/urandom) and hands it out once, so a SIP call's dozen
 * tags, branches and RTP start values cost one system call per 512
 * bytes instead of one each.  The bytes are never reused.  A forked
 * child starts with an empty pool, so parent and child never share bytes.
 */
#define POOL_SIZE 512

static _Thread_local unsigned char pool[POOL_SIZE];
static _Thread_local size_t pool_left;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void empty_pool(void)
{
	pool_left = 0;
}

static void install_atfork(void)
{
	pthread_atfork(NULL, NULL, empty_pool);
}

static void fill(unsigned char *dst, size_t len)
{
	while (len) {
		ssize_t n = getrandom(dst, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort();	/* no CSPRNG: tags and SSRCs would be guessable */
		}
		dst += n;
		len -= (size_t)n;
	}
}

void ly_random_bytes(void *buf, size_t len)
{
	unsigned char *out = buf;

	pthread_once(&atfork_once, install_atfork);
	if (len > POOL_SIZE / 4) {
		fill(out, len);	/* keys and the like: straight from the kernel */
		return;
	}
	if (pool_left < len) {
		fill(pool, POOL_SIZE);
		pool_left = POOL_SIZE;
	}
	memcpy(out, pool + POOL_SIZE - pool_left, len);
	/* taken bytes are wiped so a later memory leak cannot reveal them */
	memset(pool + POOL_SIZE - pool_left, 0, len);
	pool_left -= len;
}

uint32_t ly_random32(void)
{
	uint32_t v;

	ly_random_bytes(&v, sizeof(v));
	return v;
}
