/* tests/unit/test_sip_config.c - sip.conf parsing: sections, templates, defaults, errors with file:line, ACLs. */
#include <arpa/inet.h>
#include <stdio.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_auth.h"
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

static const char good[] =
	"[general]\n"
	"realm=office\n"
	"min_expiry=2\n"
	"auth_algorithms=md5\n"
	"[udp]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:5060\n"
	"[tcp6]\ntype=transport\nprotocol=tcp\nbind=[::1]:5060\n"
	"[phone](!)\ntype=endpoint\ncontext=office\ndisallow=all\nallow=alaw,ulaw\nqualify=30\n"
	"[100](phone)\nsecret=s3cret\nmax_contacts=3\n"
	"[101](phone)\nsecret=auto\ntransport=udp\ndeny=0.0.0.0/0\npermit=10.0.0.0/255.0.0.0\n"
	"[itsp]\ntype=trunk\nhost=192.0.2.7\nusername=u\nsecret=p\nregister=yes\ncontext=from-itsp\n";

static void test_good(void)
{
	struct sip_conf *c = NULL;
	char err[600] = "";
	struct sockaddr_in in = { .sin_family = AF_INET };

	CHECK(parse(good, &c, err, sizeof(err)) == 0);
	if (!c)
		return;
	CHECK(!strcmp(c->gen.realm, "office") && c->gen.min_expiry == 2);
	struct sip_endpoint_conf *e = sip_conf_endpoint(c, "100");

	CHECK(e && !strcmp(e->secret, "s3cret") && !strcmp(e->context, "office"));
	CHECK(e && e->max_contacts == 3 && e->qualify == 30);
	CHECK(e && e->auth_algos == SIP_AUTH_MD5);
	CHECK(e && e->allow[0] && !strcmp(e->allow[0], "alaw") && !strcmp(e->allow[1], "ulaw") && !e->allow[2]);
	CHECK(!sip_conf_endpoint(c, "phone"));
	e = sip_conf_endpoint(c, "101");
	CHECK(e && e->secret_auto && !e->secret);
	inet_pton(AF_INET, "10.1.2.3", &in.sin_addr);
	CHECK(e && sip_acl_allows(&e->acl, (struct sockaddr *)&in));
	inet_pton(AF_INET, "192.168.1.1", &in.sin_addr);
	CHECK(e && !sip_acl_allows(&e->acl, (struct sockaddr *)&in));
	CHECK(sip_conf_transport(c, "tcp6") && sip_conf_transport(c, "tcp6")->proto == SIP_PROTO_TCP);
	inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
	in.sin_port = htons(4000);
	struct sip_trunk_conf *t = sip_conf_trunk_by_addr(c, (struct sockaddr *)&in);

	CHECK(t && !strcmp(t->name, "itsp") && t->do_register);
	sip_conf_free(c);
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

static void test_errors(void)
{
	expect_error("[100]\ntype=endpoint\ncontext=x\n", "sip.conf:1", "needs secret");
	expect_error("[100]\ntype=endpoint\nsecret=a\n", "sip.conf:1", "needs context");
	expect_error("[u]\ntype=transport\nprotocol=sctp\n", "sip.conf:3", "expected udp, tcp or tls");
	expect_error("[u]\ntype=transport\nprotocol=udp\nbind=example.com\n", "sip.conf:4", "numeric");
	expect_error("[t]\ntype=transport\nprotocol=tls\n", "sip.conf:1", "cert_file");
	expect_error("[100]\ntype=endpoint\nsecret=a\ncontext=x\nmax_contacts=0\n", "sip.conf:5", "from 1 to 100");
	expect_error("[100]\ntype=endpoint\nsecret=a\ncontext=x\npermit=10.0.0.0/33\n", "sip.conf:5", "prefix");
	expect_error("[100]\ntype=endpoint\nsecret=a\ncontext=x\nauth_algorithms=sha1\n", "sip.conf:5", "sha256 and md5");
	expect_error("[100]\ntype=endpoint\nsecret=a\ncontext=x\ntransport=nope\n", "sip.conf:1", "no such transport");
	expect_error("[100]\ntype=endpoint\nsecret=a\ncontext=x\nbogus=1\n", "sip.conf:5", "unknown endpoint option");
	expect_error("[x]\ntype=phone\n", "sip.conf:1", "unknown type");
	expect_error("[x]\nfoo=bar\n", "sip.conf:1", "needs type");
	expect_error("[i]\ntype=trunk\nhost=1.2.3.4\ncontext=c\nregister=yes\n", "sip.conf:1", "username");
	expect_error("[general]\nmin_expiry=100\ndefault_expiry=50\n", "sip.conf:1", "min_expiry <= default_expiry");
	expect_error("[a]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:5060\n"
		     "[b]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:5060\n", "sip.conf:5", "same address");
}

static void test_algos(void)
{
	unsigned set = 0;

	CHECK(sip_auth_algos_parse("sha256,md5", &set) == 0 && set == SIP_AUTH_ALGOS_ALL);
	CHECK(sip_auth_algos_parse("MD5", &set) == 0 && set == SIP_AUTH_MD5);
	CHECK(sip_auth_algos_parse("", &set) == EINVAL);
}

TAP_MAIN(TAP(test_good), TAP(test_errors), TAP(test_algos))
