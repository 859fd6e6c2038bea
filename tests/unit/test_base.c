/* tests/unit/test_base.c - utils (strings, numbers, ly_buf), reference counts, lyre.conf settings, malloc cache release. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include "lyre/obj.h"
#include "lyre/thread.h"
#include "lyre/utils.h"
#include "settings.h"
#include "tap.h"

static void test_strings(void)
{
	char s[32] = "  padded value \t\n";
	char small[4];

	CHECK_STR(ly_strstrip(s), "padded value");
	CHECK_INT(ly_strlcpy(small, "abcdef", sizeof(small)), 3);
	CHECK_STR(small, "abc");
	CHECK(ly_strcaseeq("Hello", "hELLO"));
	CHECK(ly_str_startswith("module load", "module"));
	CHECK(!ly_str_startswith("mod", "module"));
	CHECK(ly_true("Yes") && ly_true("on") && ly_true("1") && !ly_true("no") && !ly_true(NULL));
	CHECK(ly_false("OFF") && ly_false("0") && !ly_false("yes"));
	char *d = ly_strndup("abcdef", 2);
	CHECK_STR(d, "ab");
	free(d);
	d = ly_asprintf("%s-%d", "x", 42);
	CHECK_STR(d, "x-42");
	free(d);
}

static void test_parse_int(void)
{
	long v = 0;

	CHECK_INT(ly_parse_int("42", 0, 100, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(ly_parse_int(" -7 ", -10, 10, &v), 0);
	CHECK_INT(v, -7);
	CHECK_INT(ly_parse_int("101", 0, 100, &v), ERANGE);
	CHECK_INT(ly_parse_int("12abc", 0, 100, &v), EINVAL);
	CHECK_INT(ly_parse_int("", 0, 100, &v), EINVAL);
	CHECK_INT(ly_parse_int("99999999999999999999999", 0, 100, &v), ERANGE);
}

static void test_buf(void)
{
	struct ly_buf b;

	ly_buf_init(&b);
	CHECK_STR(ly_buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		ly_buf_printf(&b, "%d,", i);
	CHECK(b.len > 1000);
	CHECK(ly_str_startswith(ly_buf_str(&b), "0,1,2,"));
	CHECK(strstr(ly_buf_str(&b), ",999,") != NULL);
	ly_buf_reset(&b);
	CHECK_STR(ly_buf_str(&b), "");
	ly_buf_append(&b, "ab\0cd", 5);
	CHECK_INT(b.len, 5);
	ly_buf_free(&b);
	CHECK(b.data == NULL);

	/* printf fitting the room left, and one that must grow the buffer */
	ly_buf_printf(&b, "%s-%u", "x", 42u);
	CHECK_STR(ly_buf_str(&b), "x-42");
	ly_buf_printf(&b, "%0600d|", 7);
	CHECK_INT(b.len, 4 + 601);
	CHECK(b.data[4] == '0' && strcmp(b.data + 4 + 599, "7|") == 0);
	/* numbers without printf */
	ly_buf_reset(&b);
	ly_buf_append_uint(&b, 0);
	ly_buf_puts(&b, " ");
	ly_buf_append_uint(&b, 18446744073709551615ull);
	CHECK_STR(ly_buf_str(&b), "0 18446744073709551615");
	ly_buf_free(&b);
	/* a measured reservation is exactly that, and appends fit in it */
	ly_buf_reserve(&b, 10);
	CHECK_INT(b.cap, 11);
	CHECK_STR(ly_buf_str(&b), "");
	ly_buf_puts(&b, "0123456789");
	CHECK_INT(b.cap, 11);
	CHECK_STR(ly_buf_str(&b), "0123456789");
	ly_buf_free(&b);
}

static int destroyed;
static void count_destroy(void *obj)
{
	(void)obj;
	destroyed++;
}

static void test_refcount(void)
{
	int *p = ly_obj_alloc(sizeof(int), count_destroy);

	destroyed = 0;
	CHECK_INT(*p, 0);	/* zeroed */
	CHECK_INT(ly_obj_refs(p), 1);
	CHECK(ly_ref(p) == p);
	CHECK_INT(ly_obj_refs(p), 2);
	CHECK(ly_unref(p) == NULL);
	CHECK_INT(destroyed, 0);
	ly_unref(p);
	CHECK_INT(destroyed, 1);
	CHECK(ly_unref(NULL) == NULL);
	CHECK(ly_ref(NULL) == NULL);
}

static char *write_conf(const char *text)
{
	char *dir = strdup("/tmp/lyre-base.XXXXXX");

	if (!mkdtemp(dir))
		return dir;
	char *path = ly_asprintf("%s/lyre.conf", dir);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
	return dir;
}

static void remove_conf(char *dir)
{
	char *path = ly_asprintf("%s/lyre.conf", dir);

	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

static void test_settings(void)
{
	struct ly_cfg_error err = { { 0 } };
	char *dir = write_conf("[directories]\nlogdir = logs\nrundir => /run/x\n"
			       "[options]\nverbose = 4\nrunuser = lyre\nmaxcalls = 10\n");

	CHECK_INT(ly_settings_load(dir, &err), 0);
	char *logdir = ly_asprintf("%s/logs", dir);
	CHECK_STR(ly_settings()->dirs.logdir, logdir);	/* relative to the config dir */
	free(logdir);
	CHECK_STR(ly_settings()->dirs.rundir, "/run/x");
	CHECK_STR(ly_settings_socket_path(), "/run/x/lyre.ctl");
	CHECK_STR(ly_settings()->dirs.moduledir, LY_DEFAULT_MODULEDIR);
	CHECK_INT(ly_settings()->verbose, 4);
	CHECK_STR(ly_settings()->runuser, "lyre");
	CHECK_INT(ly_settings()->maxcalls, 10);
	CHECK(ly_settings()->batchsched);	/* the default */
	remove_conf(dir);

	/* A broken file names file:line and leaves the loaded settings alone. */
	dir = write_conf("[options]\nverbose = loud\n");
	CHECK_INT(ly_settings_load(dir, &err), EINVAL);
	CHECK(strstr(err.msg, "lyre.conf:2") != NULL);
	CHECK_INT(ly_settings()->verbose, 4);
	remove_conf(dir);

	dir = write_conf("[directories]\ncachedir = /x\n");
	CHECK_INT(ly_settings_load(dir, &err), EINVAL);
	CHECK(strstr(err.msg, "lyre.conf:2") && strstr(err.msg, "cachedir"));
	remove_conf(dir);
	dir = write_conf("[options]\nbatchsched = no\n");
	CHECK_INT(ly_settings_load(dir, &err), 0);
	CHECK(!ly_settings()->batchsched);
	remove_conf(dir);
	dir = write_conf("[options]\nbatchsched = sometimes\n");
	CHECK_INT(ly_settings_load(dir, &err), EINVAL);
	CHECK(strstr(err.msg, "lyre.conf:2") && strstr(err.msg, "batchsched"));
	remove_conf(dir);
	ly_settings_free();
}

/* core/random.c: every draw is fresh (no byte handed out twice), small
 * draws come from the pool, large ones straight from the kernel. */
static void test_random(void)
{
	enum { DRAWS = 500, CHUNKS = 250 };
	uint32_t v[DRAWS];
	unsigned char chunk[16], big[1024], zero[1024] = { 0 };
	int dup = 0, counts[256] = { 0 }, empty = 0;

	for (int i = 0; i < DRAWS; i++)
		v[i] = ly_random32();
	for (int i = 0; i < DRAWS; i++)
		for (int j = i + 1; j < DRAWS; j++)
			dup += v[i] == v[j];
	CHECK_INT(dup, 0);	/* 500 draws of 32 bits: a repeat is ~3 in 100,000 */
	/* 4,000 bytes through the pool (refilled several times): every value
	 * of a byte shows up (expected empty: 256 * e^-15.6, i.e. none) */
	for (int i = 0; i < CHUNKS; i++) {
		ly_random_bytes(chunk, sizeof(chunk));
		for (size_t k = 0; k < sizeof(chunk); k++)
			counts[chunk[k]]++;
	}
	for (int i = 0; i < 256; i++)
		empty += counts[i] == 0;
	CHECK_INT(empty, 0);
	ly_random_bytes(big, sizeof(big));
	CHECK(memcmp(big, zero, sizeof(big)) != 0);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LY_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LY_TEST_ASAN 1
#endif

/*
 * Blocks freed into glibc's thread cache count as in use (mallinfo2) until
 * ly_mem_release_own gives them back to the heap (its trim returns pages,
 * not blocks in use, so the count shows the cache alone).  Only with
 * glibc's own allocator: AddressSanitizer's has no such cache (the test
 * then passes without checking).
 */
static void test_mem_release_cache(void)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33) && !defined(LY_TEST_ASAN)
	static const size_t sizes[] = { 40, 200, 520, 1000 };
	void *p[LY_ARRAY_LEN(sizes)][7];
	size_t want = 0;
	struct mallinfo2 cached, after;

	for (size_t i = 0; i < LY_ARRAY_LEN(sizes); i++)
		for (size_t k = 0; k < 7; k++)
			p[i][k] = ly_malloc(sizes[i]);
	for (size_t i = 0; i < LY_ARRAY_LEN(sizes); i++) {
		for (size_t k = 0; k < 7; k++)
			free(p[i][k]);
		want += 7 * sizes[i];
	}
	cached = mallinfo2();
	ly_mem_release_own();
	after = mallinfo2();
	/* less a few hundred bytes: the short-lived thread's TLS vector stays
	 * with the stack glibc keeps for the next thread */
	CHECK(after.uordblks + want * 3 / 4 <= cached.uordblks);
	printf("# in use %zu -> %zu bytes\n", cached.uordblks, after.uordblks);
#endif
	ly_mem_release();	/* and with any allocator, it runs */
}

/*
 * After a load glibc's free lists are long, and a cache emptied by malloc
 * refills from them: the blocks taken out must include those too, or the
 * cache is as full (and as scattered) afterwards.  200 blocks of one size
 * are freed between blocks kept in use, so they cannot merge: 7 go to the
 * cache, the rest to a free list of exactly their size.
 */
static void test_mem_release_refill(void)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33) && !defined(LY_TEST_ASAN)
	enum { N = 200, SIZE = 200 };
	static void *freed[N], *kept[N];
	struct mallinfo2 cached, after;
	void *sort;

	for (size_t i = 0; i < N; i++) {
		freed[i] = ly_malloc(SIZE);
		kept[i] = ly_malloc(SIZE + 100);
	}
	for (size_t i = 0; i < N; i++)
		free(freed[i]);
	sort = ly_malloc(5000);	/* glibc sorts the freed blocks into their list */
	free(sort);
	cached = mallinfo2();
	ly_mem_release_own();
	after = mallinfo2();
	/* none of the 7 cached blocks of 208 bytes may stay in use */
	CHECK(after.uordblks + 7 * 208 * 3 / 4 <= cached.uordblks);
	printf("# in use %zu -> %zu bytes\n", cached.uordblks, after.uordblks);
	for (size_t i = 0; i < N; i++)
		free(kept[i]);
#endif
	ly_mem_release();
}

static int notified;

static void on_release(void *arg)
{
	*(int *)arg += 1;
}

static void test_mem_notify(void)
{
	ly_mem_notify_add(on_release, &notified);
	ly_mem_release();
	ly_mem_release_own();	/* the notified thread's own: nobody else told */
	CHECK_INT(notified, 1);
	ly_mem_notify_remove(on_release, &notified);
	ly_mem_release();
	CHECK_INT(notified, 1);
	ly_mem_notify_remove(on_release, &notified);	/* twice: nothing */
}

/* ly_buf_cat: the strings up to the NULL. */
static void test_buf_cat(void)
{
	struct ly_buf b;

	ly_buf_init(&b);
	ly_buf_cat(&b, NULL);
	CHECK_STR(ly_buf_str(&b), "");
	ly_buf_cat(&b, "a=", "rtpmap:", "", "0 PCMU/8000", "\r\n", NULL);
	CHECK_STR(ly_buf_str(&b), "a=rtpmap:0 PCMU/8000\r\n");
	ly_buf_free(&b);
}

/* Addresses as text: IPv4 by hand (every octet width), IPv6 bracketed
 * with its port, and a buffer too small cut to a string. */
static void test_addr_text(void)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(5060) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(65535) };
	char buf[64], tiny[8];
	unsigned port = 0;

	inet_pton(AF_INET, "10.0.255.7", &a4.sin_addr);
	inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
	ly_addr_host((struct sockaddr *)&a4, buf, sizeof(buf), &port);
	CHECK_STR(buf, "10.0.255.7");
	CHECK_INT(port, 5060);
	ly_addr_print((struct sockaddr *)&a4, buf, sizeof(buf));
	CHECK_STR(buf, "10.0.255.7:5060");
	ly_addr_print((struct sockaddr *)&a6, buf, sizeof(buf));
	CHECK_STR(buf, "[2001:db8::1]:65535");
	a4.sin_addr.s_addr = 0;
	a4.sin_port = 0;
	ly_addr_print((struct sockaddr *)&a4, buf, sizeof(buf));
	CHECK_STR(buf, "0.0.0.0:0");
	ly_addr_print((struct sockaddr *)&a6, tiny, sizeof(tiny));
	CHECK_STR(tiny, "[2001:d");
	ly_addr_host((struct sockaddr *)&a4, tiny, 4, &port);
	CHECK_STR(tiny, "0.0");
}

static void *report_policy(void *arg)
{
	*(int *)arg = sched_getscheduler(0);
	return NULL;
}

/* Threads started by a SCHED_BATCH thread inherit it, media threads never
 * (core/thread.c). */
static void test_thread_policy(void)
{
	pthread_t t;
	int plain = -1, media = -1;

	CHECK_INT(ly_thread_batch(true), 0);
	CHECK_INT(sched_getscheduler(0), SCHED_BATCH);
	CHECK_INT(ly_thread_create(&t, "plain", report_policy, &plain), 0);
	pthread_join(t, NULL);
	CHECK_INT(plain, SCHED_BATCH);
	CHECK_INT(ly_thread_create_media(&t, "media", report_policy, &media), 0);
	pthread_join(t, NULL);
	CHECK_INT(media, SCHED_OTHER);
	CHECK_INT(ly_thread_batch(false), 0);
	CHECK_INT(sched_getscheduler(0), SCHED_OTHER);
}

TAP_MAIN(TAP(test_strings), TAP(test_parse_int), TAP(test_buf), TAP(test_buf_cat), TAP(test_addr_text), TAP(test_thread_policy),
	 TAP(test_refcount),
	 TAP(test_settings), TAP(test_random), TAP(test_mem_release_cache),
	 TAP(test_mem_release_refill), TAP(test_mem_notify))
