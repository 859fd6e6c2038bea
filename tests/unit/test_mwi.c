/* tests/unit/test_mwi.c - mailbox state: names normalised to box@context, last state kept for late readers, subscribers filtered by mailbox, forget and unsubscribe. */
#include "config.h"

#include <string.h>

#include "lyre/mwi.h"
#include "tap.h"

struct seen {
	int calls;
	struct ly_mwi_state last;
};

static void record(const struct ly_mwi_state *st, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->last = *st;
}

static void test_normalize(void)
{
	char buf[LY_MWI_NAME_MAX];

	CHECK_STR(ly_mwi_normalize("100", buf, sizeof(buf)), "100@default");
	CHECK_STR(ly_mwi_normalize("100@sales", buf, sizeof(buf)), "100@sales");
}

static void test_get_after_publish(void)
{
	struct ly_mwi_state st;

	CHECK(!ly_mwi_get("200", &st));
	CHECK(st.new_msgs == 0 && st.old_msgs == 0);
	CHECK_STR(st.mailbox, "200@default");
	ly_mwi_publish("200", 2, 5, 1, 0);
	CHECK(ly_mwi_get("200@DEFAULT", &st));
	CHECK(st.new_msgs == 2 && st.old_msgs == 5 && st.new_urgent == 1);
	ly_mwi_publish("200@default", 0, 7, 0, 0);
	CHECK(ly_mwi_get("200", &st) && st.new_msgs == 0 && st.old_msgs == 7);
	ly_mwi_forget("200");
	CHECK(!ly_mwi_get("200", &st));
}

static void test_subscribers(void)
{
	struct seen one = { 0 }, all = { 0 };
	struct ly_mwi_sub *s1 = ly_mwi_subscribe("300", record, &one);
	struct ly_mwi_sub *s2 = ly_mwi_subscribe(NULL, record, &all);

	ly_mwi_publish("300", 1, 0, 0, 0);
	ly_mwi_publish("301@other", 4, 0, 0, 0);
	CHECK(one.calls == 1 && one.last.new_msgs == 1);
	CHECK_STR(one.last.mailbox, "300@default");
	CHECK(all.calls == 2 && all.last.new_msgs == 4);
	CHECK_STR(all.last.mailbox, "301@other");
	ly_mwi_forget("300");
	CHECK(one.calls == 2 && one.last.new_msgs == 0);
	ly_mwi_forget("300"); /* already gone: nobody is told */
	CHECK(one.calls == 2);
	ly_mwi_unsubscribe(s1);
	ly_mwi_publish("300", 9, 0, 0, 0);
	CHECK(one.calls == 2 && all.calls == 4);
	ly_mwi_unsubscribe(s2);
	ly_mwi_forget("300");
	ly_mwi_forget("301@other");
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP(test_normalize),
		TAP(test_get_after_publish),
		TAP(test_subscribers),
	};

	return tap_run(tests, sizeof(tests) / sizeof(tests[0]));
}
