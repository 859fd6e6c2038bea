/* tests/unit/test_sip_call_opts.c - sip.conf options of issue 4: from_user/from_domain, trust_id_*, send_pai, timers, timer_t1/t2/t4. */
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_config.h"
#include "tap.h"

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

static struct sip_trunk_conf *trunk(const struct sip_conf *c, const char *name)
{
	for (struct sip_trunk_conf *t = c->trunks; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static void test_defaults(void)
{
	struct sip_conf *c = NULL;
	char err[600] = "";
	const struct sip_endpoint_conf *e;
	const struct sip_trunk_conf *t;

	CHECK_INT(parse("[100]\ntype=endpoint\nsecret=a\ncontext=x\n"
			"[itsp]\ntype=trunk\nhost=192.0.2.1\ncontext=x\n", &c, err, sizeof(err)), 0);
	if (!c)
		return;
	CHECK_INT(c->gen.timer_t1, 500);
	CHECK_INT(c->gen.timer_t2, 4000);
	CHECK_INT(c->gen.timer_t4, 5000);
	e = sip_conf_endpoint(c, "100");
	t = trunk(c, "itsp");
	CHECK(e && t);
	if (e && t) {
		/* pjsip's defaults: everything off, timers supported, 1800/90 */
		CHECK(!e->call.from_user && !e->call.from_domain);
		CHECK(!e->call.trust_id_inbound && !e->call.trust_id_outbound && !e->call.send_pai);
		CHECK_INT(e->call.timers.mode, SIP_TIMERS_YES);
		CHECK_INT(e->call.timers.session_expires, 1800);
		CHECK_INT(e->call.timers.min_se, 90);
		CHECK(!t->call.trust_id_inbound && !t->call.send_pai);
		CHECK_INT(t->call.timers.mode, SIP_TIMERS_YES);
		CHECK_INT(t->call.timers.session_expires, 1800);
	}
	sip_conf_free(c);
}

static const char options[] =
	"[general]\n"
	"timer_t1=250\ntimer_t2=2000\ntimer_t4=3000\n"
	"timers=always\ntimers_sess_expires=600\ntimers_min_se=120\n"
	"[100]\ntype=endpoint\nsecret=a\ncontext=x\n"
	"[101]\ntype=endpoint\nsecret=a\ncontext=x\ntimers=no\ntrust_id_inbound=yes\n"
	"[itsp]\ntype=trunk\nhost=192.0.2.1\ncontext=x\n"
	"from_user=5550100\nfrom_domain=sip.example.net\n"
	"trust_id_inbound=yes\ntrust_id_outbound=yes\nsend_pai=yes\n"
	"timers=required\ntimers_sess_expires=900\ntimers_min_se=90\n"
	"[other]\ntype=trunk\nhost=192.0.2.2\ncontext=x\ntimers=forced\nfrom_user=\n";

static void test_options(void)
{
	struct sip_conf *c = NULL;
	char err[600] = "";
	const struct sip_endpoint_conf *e100, *e101;
	const struct sip_trunk_conf *t, *o;

	CHECK_INT(parse(options, &c, err, sizeof(err)), 0);
	if (!c) {
		printf("#   %s\n", err);
		return;
	}
	CHECK_INT(c->gen.timer_t1, 250);
	CHECK_INT(c->gen.timer_t2, 2000);
	CHECK_INT(c->gen.timer_t4, 3000);
	e100 = sip_conf_endpoint(c, "100");
	e101 = sip_conf_endpoint(c, "101");
	t = trunk(c, "itsp");
	o = trunk(c, "other");
	CHECK(e100 && e101 && t && o);
	if (!e100 || !e101 || !t || !o) {
		sip_conf_free(c);
		return;
	}
	/* [general] gives the defaults ... */
	CHECK_INT(e100->call.timers.mode, SIP_TIMERS_ALWAYS);
	CHECK_INT(e100->call.timers.session_expires, 600);
	CHECK_INT(e100->call.timers.min_se, 120);
	/* ... a section overrides them one by one */
	CHECK_INT(e101->call.timers.mode, SIP_TIMERS_NO);
	CHECK_INT(e101->call.timers.session_expires, 600);
	CHECK(e101->call.trust_id_inbound && !e101->call.send_pai);
	CHECK_STR(t->call.from_user, "5550100");
	CHECK_STR(t->call.from_domain, "sip.example.net");
	CHECK(t->call.trust_id_inbound && t->call.trust_id_outbound && t->call.send_pai);
	CHECK_INT(t->call.timers.mode, SIP_TIMERS_REQUIRED);
	CHECK_INT(t->call.timers.session_expires, 900);
	CHECK_INT(t->call.timers.min_se, 90);
	CHECK_INT(o->call.timers.mode, SIP_TIMERS_ALWAYS);	/* "forced" is pjsip's other name */
	CHECK(o->call.from_user == NULL);			/* empty: not set */
	CHECK_STR(sip_timers_mode_name(SIP_TIMERS_REQUIRED), "required");

	/* a copy outlives the configuration (a call across a reload) */
	struct sip_call_conf copy;

	sip_call_conf_copy(&copy, &t->call);
	sip_conf_free(c);
	CHECK_STR(copy.from_user, "5550100");
	CHECK_STR(copy.from_domain, "sip.example.net");
	CHECK_INT(copy.timers.session_expires, 900);
	sip_call_conf_clear(&copy);
	CHECK(copy.from_user == NULL);
}

static void expect_error(const char *text, const char *where, const char *what)
{
	struct sip_conf *c = NULL;
	char err[600] = "";
	int rc = parse(text, &c, err, sizeof(err));

	if (rc != EINVAL || !strstr(err, where) || !strstr(err, what))
		printf("#   expected %s ... %s, got: %s\n", where, what, err);
	CHECK(rc == EINVAL && strstr(err, where) && strstr(err, what));
	sip_conf_free(c);
}

#define EP "[100]\ntype=endpoint\nsecret=a\ncontext=x\n"
#define TRUNK "[itsp]\ntype=trunk\nhost=192.0.2.1\ncontext=x\n"

static void test_errors(void)
{
	/* RFC 4028 §4: Min-SE below 90 s is refused, naming file:line */
	expect_error(EP "timers_min_se=89\n", "sip.conf:5", "below 90 s");
	expect_error(TRUNK "timers_min_se=30\n", "sip.conf:5", "below 90 s");
	expect_error("[general]\ntimers_min_se=60\n", "sip.conf:2", "below 90 s");
	expect_error(EP "timers_min_se=abc\n", "sip.conf:5", "from 90 to 86400");
	expect_error(EP "timers_sess_expires=60\n", "sip.conf:5", "from 90 to 86400");
	expect_error(EP "timers_min_se=300\ntimers_sess_expires=200\n", "sip.conf:1",
		     "timers_sess_expires is below timers_min_se");
	expect_error("[general]\ntimers_min_se=2000\n", "sip.conf:1", "timers_sess_expires is below");
	expect_error(EP "timers=sometimes\n", "sip.conf:5", "no, yes, required or always");
	expect_error(TRUNK "from_user=a b\n", "sip.conf:5", "plain SIP user");
	expect_error(TRUNK "from_user=<x>\n", "sip.conf:5", "plain SIP user");
	expect_error(TRUNK "from_domain=x@y\n", "sip.conf:5", "plain host");
	expect_error(TRUNK "send_pai=maybe\n", "sip.conf:5", "yes or no");
	expect_error(EP "trust_id_inbound=2\n", "sip.conf:5", "yes or no");
	expect_error("[general]\ntimer_t1=50\n", "sip.conf:2", "from 100 to 10000");
	expect_error("[general]\ntimer_t1=1000\ntimer_t2=500\n", "sip.conf:1", "timer_t2 must not be below timer_t1");
	expect_error("[general]\ntimer_t4=0\n", "sip.conf:2", "from 100 to 60000");
}

/* callerid in Asterisk's forms; a broken one names file:line */
static void test_callerid(void)
{
	static const struct { const char *in, *name, *num; } ok[] = {
		{ "\"Alice Smith\" <100>", "Alice Smith", "100" },
		{ "Bob <+4930123>", "Bob", "+4930123" },
		{ "<200>", NULL, "200" },
		{ "\"\" <300>", NULL, "300" },
		{ "4711", NULL, "4711" },
		{ "Reception", "Reception", NULL },
	};
	struct sip_conf *c = NULL;
	char err[600] = "";
	char *name, *num;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(sip_callerid_parse(ok[i].in, &name, &num), 0);
		if (ok[i].name)
			CHECK_STR(name, ok[i].name);
		else
			CHECK(!name);
		if (ok[i].num)
			CHECK_STR(num, ok[i].num);
		else
			CHECK(!num);
		free(name), free(num);
	}
	CHECK_INT(sip_callerid_parse("Alice <100", &name, &num), EINVAL);
	CHECK_INT(sip_callerid_parse("\"Alice <100>", &name, &num), EINVAL);
	CHECK_INT(parse("[100]\ntype=endpoint\nsecret=a\ncontext=x\ncallerid=\"Alice\" <100>\n", &c, err, sizeof(err)), 0);
	if (c) {
		const struct sip_endpoint_conf *e = sip_conf_endpoint(c, "100");

		CHECK(e && e->cid_name && e->cid_num);
		if (e && e->cid_name && e->cid_num) {
			CHECK_STR(e->cid_name, "Alice");
			CHECK_STR(e->cid_num, "100");
		}
		sip_conf_free(c);
	}
	c = NULL;
	CHECK_INT(parse("[100]\ntype=endpoint\nsecret=a\ncontext=x\ncallerid=Alice <100\n", &c, err, sizeof(err)),
		  EINVAL);
	CHECK(strstr(err, "sip.conf:5:") != NULL);
	sip_conf_free(c);
}

/* host= as a name (RFC 3263), with or without a port; dns_server; transport= */
static void test_hosts(void)
{
	struct sip_conf *c = NULL;
	char err[600] = "";

	CHECK_INT(parse("[general]\ndns_server=127.0.0.1:5353\n"
			"[tcp]\ntype=transport\nprotocol=tcp\nbind=127.0.0.1:5060\n"
			"[a]\ntype=trunk\nhost=sip.itsp.test\ncontext=x\ntransport=tcp\n"
			"[b]\ntype=trunk\nhost=sbc-1.itsp.test:5080\ncontext=x\n"
			"[n]\ntype=trunk\nhost=192.0.2.1:5070\ncontext=x\n"
			"[100]\ntype=endpoint\nsecret=a\ncontext=x\ntransport=tcp\n", &c, err, sizeof(err)), 0);
	if (!c)
		return;
	CHECK_STR(c->gen.dns_server, "127.0.0.1:5353");
	CHECK_INT(c->gen.dns_addr.ss_family, AF_INET);
	CHECK_STR(trunk(c, "a")->host_name, "sip.itsp.test");
	CHECK_INT(trunk(c, "a")->host_port, 0);
	CHECK_INT(trunk(c, "a")->addr_len, 0);
	CHECK_INT(trunk(c, "a")->proto, SIP_PROTO_TCP);
	CHECK_STR(trunk(c, "b")->host_name, "sbc-1.itsp.test");
	CHECK_INT(trunk(c, "b")->host_port, 5080);
	CHECK(!trunk(c, "n")->host_name);
	CHECK(trunk(c, "n")->addr_len > 0);
	CHECK_INT(sip_conf_endpoint(c, "100")->transport_proto, SIP_PROTO_TCP);
	sip_conf_free(c);

	static const char *const bad[] = { "host=bad_name.test", "host=itsp.test:0", "host=itsp.test:70000",
					   "host=1.2.3", "host=-x.test" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[200];

		c = NULL;
		snprintf(text, sizeof(text), "[t]\ntype=trunk\ncontext=x\n%s\n", bad[i]);
		CHECK_INT(parse(text, &c, err, sizeof(err)), EINVAL);
		if (!strstr(err, "sip.conf:4:"))
			printf("# %s: %s\n", bad[i], err);
		CHECK(strstr(err, "sip.conf:4:") != NULL);
		sip_conf_free(c);
	}
	c = NULL;
	CHECK_INT(parse("[general]\ndns_server=[::1]:53\n", &c, err, sizeof(err)), EINVAL);
	sip_conf_free(c);
}

TAP_MAIN(TAP(test_defaults), TAP(test_options), TAP(test_errors), TAP(test_callerid), TAP(test_hosts))
