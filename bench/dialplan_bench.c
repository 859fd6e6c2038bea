/* bench/dialplan_bench.c - load time, memory and lookup/substitution speed of a large generated dialplan. */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialplan.h"
#include "log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"

/*
 * bench/dialplan_bench [CONTEXTS [EXTENSIONS]]   (default 500 and 20000)
 *
 * The plan: each context has numbered extensions (3 priorities each),
 * six patterns of ten kinds (_1XX, _NXXNXXXXXX, _[2-4]XX, _011X., _9!,
 * _X., caller-id forms...), an ignorepat, and contexts in chains of five
 * include the next one, so lookups also walk includes and some miss.  Lookups are timed in batches
 * of BATCH with clock_gettime (one call costs about as much as a lookup)
 * and reported per lookup: median and 99th percentile over the batches.
 * Targets (issue 3): load < 1 s, lookup median < 1 us.
 */

#define BATCH 100
#define BATCHES 5000

static const char *const patterns[] = {
	"_1XX", "_NXXNXXXXXX", "_[2-4]XX", "_011X.", "_9!", "_1NXXNXXXXXX", "_*XX",
	"_8[0-5]XX", "_7ZXX", "_X.",
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void generate(struct ly_buf *b, unsigned ncontexts, unsigned nextens)
{
	unsigned per = nextens / ncontexts;
	unsigned npat = per / 4 < 6 ? per / 4 : 6;	/* 6 of the 10 kinds per context */

	ly_buf_puts(b, "[general]\nstatic=yes\n[globals]\nG1=hello world\nN=41\n");
	for (unsigned c = 0; c < ncontexts; c++) {
		ly_buf_printf(b, "[ctx%u]\nignorepat => 9\n", c);
		if ((c + 1) % 5 && c + 1 < ncontexts)	/* chains of five contexts */
			ly_buf_printf(b, "include => ctx%u\n", c + 1);
		for (unsigned i = 0; i < per - npat; i++) {
			ly_buf_printf(b, "exten => %u,1,NoOp(${EXTEN} in ctx%u)\n", 1000 + c * 10 + i, c);
			ly_buf_puts(b, " same => n,Set(X=$[${N} + 1])\n same => n(end),Hangup()\n");
		}
		for (unsigned i = 0; i < npat; i++)
			ly_buf_printf(b, "exten => %s%s,1,NoOp(pattern)\n same => n,Hangup()\n",
				      patterns[(i * 3 + c) % LY_ARRAY_LEN(patterns)],
				      i % 5 == 4 ? "/_555XXXX" : "");
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *ns, unsigned n)
{
	qsort(ns, n, sizeof(*ns), cmp_double);
	printf("%-14s median=%.0f ns p99=%.0f ns (per call, %u batches of %d)\n", what,
	       ns[n / 2], ns[n * 99 / 100], n, BATCH);
}

struct query {
	char context[32];
	char exten[32];
	const char *cid;
};

/* A mix: literal hits, and numbers for the patterns, which a context
 * may lack (then its includes are searched, and some lookups miss). */
static void make_queries(struct query *q, unsigned n, unsigned ncontexts)
{
	srand(42);
	for (unsigned i = 0; i < n; i++) {
		unsigned c = (unsigned)rand() % ncontexts;

		snprintf(q[i].context, sizeof(q[i].context), "ctx%u", c);
		q[i].cid = i % 7 ? NULL : "5551234";
		switch (i % 5) {
		case 0:
			snprintf(q[i].exten, sizeof(q[i].exten), "%u", 1000 + c * 10 + (unsigned)rand() % 5);
			break;
		case 1:
			snprintf(q[i].exten, sizeof(q[i].exten), "2125551%03u", (unsigned)rand() % 1000);
			break;
		case 2:
			snprintf(q[i].exten, sizeof(q[i].exten), "011%u", 4400000 + (unsigned)rand() % 99999);
			break;
		case 3:
			snprintf(q[i].exten, sizeof(q[i].exten), "%u", 100 + (unsigned)rand() % 900);
			break;
		default:
			snprintf(q[i].exten, sizeof(q[i].exten), "*%u", (unsigned)rand() % 10000);
			break;
		}
	}
}

static unsigned bench_lookups(const struct dp_plan *plan, unsigned ncontexts)
{
	static struct query q[BATCH * 16];
	static double ns[BATCHES];
	unsigned found = 0;

	make_queries(q, LY_ARRAY_LEN(q), ncontexts);
	for (unsigned b = 0; b < BATCHES; b++) {
		const struct query *base = &q[(b % 16) * BATCH];
		double t0 = now_s();

		for (unsigned i = 0; i < BATCH; i++)
			found += dp_find_exten(plan, base[i].context, base[i].exten, base[i].cid,
					       0, NULL) != NULL;
		ns[b] = (now_s() - t0) * 1e9 / BATCH;
	}
	report("lookup", ns, BATCHES);
	return found;
}

static void bench_substitution(void)
{
	static double ns[BATCHES / 5];
	const char *text = "Dial(SIP/${G1:0:5}/${N},$[${N} + 1],tT)";
	struct ly_buf out;

	ly_buf_init(&out);
	ly_pbx_substitute(NULL, text, &out);
	printf("substitution   '%s' -> '%s'\n", text, ly_buf_str(&out));
	for (unsigned b = 0; b < LY_ARRAY_LEN(ns); b++) {
		double t0 = now_s();

		for (unsigned i = 0; i < BATCH; i++) {
			ly_buf_reset(&out);
			ly_pbx_substitute(NULL, text, &out);
		}
		ns[b] = (now_s() - t0) * 1e9 / BATCH;
	}
	report("substitution", ns, LY_ARRAY_LEN(ns));
	ly_buf_free(&out);
}

int main(int argc, char **argv)
{
	unsigned ncontexts = argc > 1 ? (unsigned)atoi(argv[1]) : 500;
	unsigned nextens = argc > 2 ? (unsigned)atoi(argv[2]) : 20000;
	struct ly_cfg_error err;
	struct dp_plan *plan, *running;
	struct ly_buf text;
	long rss0, rss1;
	size_t heap0, heap1;
	double t0, t1;

	if (ncontexts < 1 || ncontexts > 100000 || nextens < ncontexts * 4 || nextens > 2000000) {
		fprintf(stderr, "usage: %s [CONTEXTS [EXTENSIONS >= 4 * CONTEXTS]]\n", argv[0]);
		return 2;
	}
	ly_log_init();
	ly_buf_init(&text);
	generate(&text, ncontexts, nextens);
	rss0 = rss_kb();
	heap0 = mallinfo2().uordblks;
	t0 = now_s();
	if (dp_plan_parse_buffer(NULL, "bench.conf", text.data, text.len, &plan, &err)) {
		fprintf(stderr, "generated plan does not load: %s\n", err.msg);
		return 1;
	}
	dp_install(plan);
	t1 = now_s();
	malloc_trim(0);	/* hand back what the .conf parser freed, where it can */
	rss1 = rss_kb();
	heap1 = mallinfo2().uordblks;
	running = dp_current();
	printf("plan           %u contexts, %u extensions, %zu bytes of text\n",
	       dp_plan_context_count(running), dp_plan_exten_count(running), text.len);
	printf("load           %.1f ms (parse + install; target < 1000)\n", (t1 - t0) * 1e3);
	printf("memory         %zu kB in use by the plan; RSS %ld -> %ld kB (+%ld, with the\n"
	       "               parser's freed memory the allocator keeps)\n",
	       (heap1 - heap0) / 1024, rss0, rss1, rss1 - rss0);
	ly_buf_free(&text);
	printf("found          %u of %u lookups matched\n", bench_lookups(running, ncontexts),
	       BATCHES * BATCH);
	bench_substitution();
	dp_plan_unref(running);
	dp_shutdown();
	return 0;
}
