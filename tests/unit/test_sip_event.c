/* tests/unit/test_sip_event.c - RFC 6665 Event and Subscription-State values, subscription expiry, RFC 3842 bodies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_config.h"
#include "sip_event.h"
#include "sip_mwi_body.h"
#include "tap.h"

static int parse_event(const char *s, struct sip_event *ev)
{
	return sip_event_parse(s, strlen(s), ev);
}

static void test_event_parse(void)
{
	struct sip_event ev;

	CHECK_INT(parse_event("message-summary", &ev), 0);
	CHECK_STR(ev.package, "message-summary");
	CHECK_STR(ev.id, "");
	CHECK(sip_event_is(&ev, "message-summary"));
	CHECK(sip_event_is(&ev, "Message-Summary"));
	CHECK(!sip_event_is(&ev, "presence"));

	CHECK_INT(parse_event("  message-summary ; foo ; id=7 ;bar=\"x;y\"", &ev), 0);
	CHECK_STR(ev.package, "message-summary");
	CHECK_STR(ev.id, "7");
	CHECK_INT(parse_event("dialog;id=\"a\\\"b\"", &ev), 0);
	CHECK_STR(ev.package, "dialog");
	CHECK_STR(ev.id, "a\"b");
	/* event templates (RFC 6665 §8.2.3) are part of the token */
	CHECK_INT(parse_event("presence.winfo", &ev), 0);
	CHECK_STR(ev.package, "presence.winfo");
}

static void test_event_bad(void)
{
	struct sip_event ev;
	char longname[200];

	CHECK_INT(parse_event("", &ev), EINVAL);
	CHECK_INT(parse_event("   ", &ev), EINVAL);
	CHECK_INT(parse_event(";id=1", &ev), EINVAL);
	CHECK_INT(parse_event("message summary", &ev), EINVAL);
	CHECK_INT(parse_event("message-summary;id=\"open", &ev), EINVAL);
	CHECK_INT(parse_event("message-summary;=1", &ev), EINVAL);
	CHECK_INT(parse_event("<message-summary>", &ev), EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_INT(parse_event(longname, &ev), EINVAL);
	/* the length bounds the value: a NUL inside ends nothing early */
	CHECK_INT(sip_event_parse("message-summary\0;id=1", 21, &ev), EINVAL);
	CHECK_INT(sip_event_parse("message-summaryXYZ", 15, &ev), 0);
	CHECK_STR(ev.package, "message-summary");
}

static void test_expiry(void)
{
	struct sip_sub_limits lim = { 60, 3600, 1800 };
	unsigned g = 12345;

	CHECK_INT(sip_sub_expiry(-1, &lim, &g), 0);
	CHECK_INT(g, 1800);		/* no Expires: the default */
	CHECK_INT(sip_sub_expiry(600, &lim, &g), 0);
	CHECK_INT(g, 600);
	CHECK_INT(sip_sub_expiry(60, &lim, &g), 0);
	CHECK_INT(g, 60);		/* the minimum itself is fine */
	CHECK_INT(sip_sub_expiry(86400, &lim, &g), 0);
	CHECK_INT(g, 3600);		/* lowered to the maximum */
	CHECK_INT(sip_sub_expiry(0, &lim, &g), 0);
	CHECK_INT(g, 0);		/* unsubscribe / fetch */
	g = 77;
	CHECK_INT(sip_sub_expiry(59, &lim, &g), ERANGE);	/* 423 */
	CHECK_INT(sip_sub_expiry(1, &lim, &g), ERANGE);
	CHECK_INT(g, 77);		/* untouched on 423 */
}

static void test_state_print(void)
{
	char buf[64];

	sip_sub_state_print(true, 600, SIP_SUB_R_TIMEOUT, buf, sizeof(buf));
	CHECK_STR(buf, "active;expires=600");
	sip_sub_state_print(false, 600, SIP_SUB_R_TIMEOUT, buf, sizeof(buf));
	CHECK_STR(buf, "terminated;reason=timeout");
	sip_sub_state_print(false, 0, SIP_SUB_R_DEACTIVATED, buf, sizeof(buf));
	CHECK_STR(buf, "terminated;reason=deactivated");
	sip_sub_state_print(false, 0, SIP_SUB_R_NORESOURCE, buf, sizeof(buf));
	CHECK_STR(buf, "terminated;reason=noresource");
}

static void test_state_parse(void)
{
	struct sip_sub_state st;
	char buf[64];

	CHECK_INT(sip_sub_state_parse("active;expires=600", 18, &st), 0);
	CHECK_STR(st.state, "active");
	CHECK_INT(st.expires, 600);
	CHECK_STR(st.reason, "");
	CHECK_INT(sip_sub_state_parse("terminated ; reason=timeout", 27, &st), 0);
	CHECK_STR(st.state, "terminated");
	CHECK_INT(st.expires, -1);
	CHECK_STR(st.reason, "timeout");
	CHECK_INT(sip_sub_state_parse("pending;retry-after=5", 21, &st), 0);
	CHECK_STR(st.state, "pending");
	CHECK_INT(sip_sub_state_parse("active;expires=-1", 17, &st), EINVAL);
	CHECK_INT(sip_sub_state_parse("active;expires=", 15, &st), EINVAL);
	CHECK_INT(sip_sub_state_parse("active;expires=99999999999", 26, &st), EINVAL);
	CHECK_INT(sip_sub_state_parse("averyveryverylongstatename", 26, &st), EINVAL);
	CHECK_INT(sip_sub_state_parse("", 0, &st), EINVAL);
	/* what we print, we read back */
	sip_sub_state_print(true, 3600, SIP_SUB_R_TIMEOUT, buf, sizeof(buf));
	CHECK_INT(sip_sub_state_parse(buf, strlen(buf), &st), 0);
	CHECK_INT(st.expires, 3600);
}

static void body_is(const struct sip_mwi_counts *c, const char *account, const char *want)
{
	struct ly_buf b;

	ly_buf_init(&b);
	sip_mwi_body(c, account, &b);
	CHECK_STR(ly_buf_str(&b), want);
	ly_buf_free(&b);
}

static void test_body(void)
{
	/* RFC 3842 §5.2's grammar: Messages-Waiting, Message-Account, then
	 * msg-summary-line "Voice-Message: new/old (urgent new/urgent old)" */
	body_is(&(struct sip_mwi_counts){ 0, 0, 0, 0 }, "sip:100@192.0.2.1",
		"Messages-Waiting: no\r\nMessage-Account: sip:100@192.0.2.1\r\nVoice-Message: 0/0 (0/0)\r\n");
	body_is(&(struct sip_mwi_counts){ 2, 8, 0, 2 }, "sip:alice@vmail.example.com",
		"Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\n"
		"Voice-Message: 2/8 (0/2)\r\n");
	/* old messages alone light no lamp */
	body_is(&(struct sip_mwi_counts){ 0, 5, 0, 0 }, NULL, "Messages-Waiting: no\r\nVoice-Message: 0/5 (0/0)\r\n");
	/* an urgent new message does, whatever new_msgs says */
	body_is(&(struct sip_mwi_counts){ 0, 0, 1, 0 }, "", "Messages-Waiting: yes\r\nVoice-Message: 0/0 (1/0)\r\n");
	/* nonsense counts from a publisher print as 0 */
	body_is(&(struct sip_mwi_counts){ -3, -1, 0, 0 }, NULL, "Messages-Waiting: no\r\nVoice-Message: 0/0 (0/0)\r\n");
}

/* sip.conf: mailboxes= and the mwi_*_expiry limits (sip_config.c) */
static int parse(const char *text, struct sip_conf **out, char *err, size_t errlen)
{
	struct ly_cfg_error cerr;
	struct ly_config *cfg;
	int rc = ly_config_parse_buffer(NULL, "sip.conf", text, strlen(text), &cfg, &cerr);

	if (rc) {
		snprintf(err, errlen, "%s", cerr.msg);
		return rc;
	}
	return sip_conf_from_config(cfg, out, err, errlen);
}

static void test_conf(void)
{
	struct sip_conf *c = NULL;
	const struct sip_endpoint_conf *e;
	char err[600] = "";

	CHECK_INT(parse("[100]\ntype=endpoint\ncontext=c\nsecret=x\nmailboxes = 100, 200@sales ,300\n"
			"[101]\ntype=endpoint\ncontext=c\nsecret=y\n", &c, err, sizeof(err)), 0);
	if (!c) {
		printf("# %s\n", err);
		return;
	}
	CHECK_INT(c->gen.mwi_min_expiry, 60);
	CHECK_INT(c->gen.mwi_default_expiry, 3600);
	CHECK_INT(c->gen.mwi_max_expiry, 3600);
	e = sip_conf_endpoint(c, "100");
	CHECK(e && e->mailboxes);
	if (e && e->mailboxes) {
		CHECK_STR(e->mailboxes[0], "100@default");
		CHECK_STR(e->mailboxes[1], "200@sales");
		CHECK_STR(e->mailboxes[2], "300@default");
		CHECK(e->mailboxes[3] == NULL);
	}
	e = sip_conf_endpoint(c, "101");
	CHECK(e && !e->mailboxes);
	sip_conf_free(c);
	c = NULL;

	CHECK_INT(parse("[general]\nmwi_min_expiry=10\nmwi_default_expiry=20\nmwi_max_expiry=30\n", &c, err,
			sizeof(err)), 0);
	CHECK(c && c->gen.mwi_min_expiry == 10 && c->gen.mwi_default_expiry == 20 && c->gen.mwi_max_expiry == 30);
	sip_conf_free(c);
	c = NULL;

	CHECK_INT(parse("[general]\nmwi_min_expiry=100\nmwi_default_expiry=20\n", &c, err, sizeof(err)), EINVAL);
	CHECK(strstr(err, "sip.conf:1") && strstr(err, "mwi_min_expiry"));
	CHECK_INT(parse("[100]\ntype=endpoint\ncontext=c\nsecret=x\nmailboxes=100@\n", &c, err, sizeof(err)), EINVAL);
	CHECK(strstr(err, "sip.conf:5") != NULL);
	CHECK_INT(parse("[100]\ntype=endpoint\ncontext=c\nsecret=x\nmailboxes=@sales\n", &c, err, sizeof(err)), EINVAL);
	CHECK_INT(parse("[100]\ntype=endpoint\ncontext=c\nsecret=x\nmailboxes=1@a@b\n", &c, err, sizeof(err)), EINVAL);
	CHECK_INT(parse("[100]\ntype=endpoint\ncontext=c\nsecret=x\nmailboxes=1 2\n", &c, err, sizeof(err)), EINVAL);
}

int main(void)
{
	return tap_run((struct tap_test[]){
		TAP(test_event_parse), TAP(test_event_bad), TAP(test_expiry), TAP(test_state_print),
		TAP(test_state_parse), TAP(test_body), TAP(test_conf),
	}, 7);
}
