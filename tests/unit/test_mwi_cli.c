/* tests/unit/test_mwi_cli.c - `mwi update` publishes counts that ly_mwi_get and subscribers see; `mwi show` lists every mailbox, sorted; bad input is refused. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lyre/cli.h"
#include "lyre/mwi.h"
#include "lyre/utils.h"
#include "cli_int.h"
#include "tap.h"

static enum ly_cli_result run(const char *line, struct ly_buf *out)
{
	ly_buf_reset(out);
	return ly_cli_execute(line, out);
}

static void heard(const struct ly_mwi_state *st, void *arg)
{
	*(struct ly_mwi_state *)arg = *st;
}

static void test_update(void)
{
	struct ly_mwi_state st, last = { 0 };
	struct ly_mwi_sub *sub = ly_mwi_subscribe("101@sales", heard, &last);
	struct ly_buf out;

	ly_buf_init(&out);
	CHECK_INT(run("mwi update 100 1 0", &out), LY_CLI_SUCCESS);
	CHECK(strstr(ly_buf_str(&out), "100@default: 1 new, 0 old") != NULL);
	CHECK(ly_mwi_get("100", &st) && st.new_msgs == 1 && st.old_msgs == 0);
	CHECK_INT(run("mwi update 101@sales 2 1 1 0", &out), LY_CLI_SUCCESS);
	CHECK_STR(last.mailbox, "101@sales");
	CHECK(last.new_msgs == 2 && last.old_msgs == 1 && last.new_urgent == 1 && last.old_urgent == 0);
	ly_mwi_unsubscribe(sub);
	ly_buf_free(&out);
}

static void test_refused(void)
{
	struct ly_mwi_state st;
	struct ly_buf out;

	ly_buf_init(&out);
	CHECK(run("mwi update 102 1", &out) != LY_CLI_SUCCESS);
	CHECK(run("mwi update 102 x 0", &out) != LY_CLI_SUCCESS);
	CHECK(run("mwi update 102 -1 0", &out) != LY_CLI_SUCCESS);
	CHECK(run("mwi update @ctx 1 0", &out) != LY_CLI_SUCCESS);
	CHECK(run("mwi update 102 1 0 1", &out) != LY_CLI_SUCCESS);
	CHECK(!ly_mwi_get("102", &st));
	ly_buf_free(&out);
}

static void test_show(void)
{
	struct ly_mwi_state *v;
	struct ly_buf out;
	const char *a, *b;
	size_t n = ly_mwi_list(&v);

	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0].mailbox, "100@default");
		CHECK_STR(v[1].mailbox, "101@sales");
	}
	free(v);
	ly_buf_init(&out);
	CHECK_INT(run("mwi show", &out), LY_CLI_SUCCESS);
	a = strstr(ly_buf_str(&out), "100@default");
	b = strstr(ly_buf_str(&out), "101@sales");
	CHECK(a && b && a < b);
	CHECK(strstr(ly_buf_str(&out), "2 mailboxes") != NULL);
	ly_mwi_forget("100");
	ly_mwi_forget("101@sales");
	CHECK_INT(ly_mwi_list(&v), 0);
	CHECK(v == NULL);
	ly_buf_free(&out);
}

int main(void)
{
	int rc;

	if (ly_cli_init() || ly_mwi_cli_register())
		return 1;
	rc = tap_run((struct tap_test[]){ TAP(test_update), TAP(test_refused), TAP(test_show) }, 3);
	ly_cli_shutdown();
	return rc;
}
