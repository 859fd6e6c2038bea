/*
 * tests/unit/tap.h - a minimal TAP harness for the unit tests.
 *
 *   static void test_something(void) { CHECK(1 + 1 == 2); CHECK_STR(a, "x"); }
 *   int main(void) { return tap_run((struct tap_test[]){ TAP(test_something), ... }, n); }
 *
 * Each test prints "ok N - name" or "not ok N - name" with the failed checks
 * as "# file:line: expression" diagnostics.  Leaks are found by running the
 * whole suite under AddressSanitizer/LeakSanitizer (CI does).
 */
#ifndef LYRE_TESTS_TAP_H
#define LYRE_TESTS_TAP_H

#include <stdio.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

#define TAP(fn) { #fn, fn }

static int tap_failures_in_test;

static inline void tap_fail(const char *file, int line, const char *expr)
{
	tap_failures_in_test++;
	printf("# %s:%d: check failed: %s\n", file, line, expr);
}

#define CHECK(expr) \
	do { if (!(expr)) tap_fail(__FILE__, __LINE__, #expr); } while (0)
#define CHECK_INT(a, b) \
	do { long long a_ = (long long)(a), b_ = (long long)(b); \
	     if (a_ != b_) { printf("#   %lld != %lld\n", a_, b_); \
	                     tap_fail(__FILE__, __LINE__, #a " == " #b); } } while (0)
#define CHECK_STR(a, b) \
	do { const char *a_ = (a), *b_ = (b); \
	     if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
	         printf("#   \"%s\" != \"%s\"\n", a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	         tap_fail(__FILE__, __LINE__, #a " == " #b); } } while (0)

static inline int tap_run(const struct tap_test *tests, size_t n)
{
	int failed = 0;

	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		tap_failures_in_test = 0;
		fflush(stdout);
		tests[i].fn();
		printf("%sok %zu - %s\n", tap_failures_in_test ? "not " : "", i + 1, tests[i].name);
		fflush(stdout);
		if (tap_failures_in_test)
			failed++;
	}
	return failed ? 1 : 0;
}

#define TAP_MAIN(...)                                                         \
	int main(void)                                                        \
	{                                                                     \
		static const struct tap_test tests_[] = { __VA_ARGS__ };      \
		return tap_run(tests_, sizeof(tests_) / sizeof(tests_[0]));   \
	}

#endif
