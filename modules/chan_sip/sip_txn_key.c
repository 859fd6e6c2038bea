/* modules/chan_sip/sip_txn_key.c - the keys that match messages to transactions (RFC 3261 §17.1.3, §17.2.3, §8.2.2.2). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <lyre/utils.h>

#include "sip_txn_int.h"

/*
 * Keys join their fields with '\n', which never occurs in an unfolded
 * header value, so two different field lists never give the same key.
 */

bool txn_branch_is_rfc3261(const char *branch)
{
	/* §8.1.1.7 / §17.2.3: the magic cookie marks a branch unique per
	 * transaction of its sender.  A bare cookie carries no uniqueness. */
	return branch && ly_str_startswith(branch, SIP_BRANCH_COOKIE) &&
	       branch[sizeof(SIP_BRANCH_COOKIE) - 1] != '\0';
}

/* sent-by as "host:port", host lowercased (hosts compare case-insensitively,
 * §19.1.4) and a missing port made explicit (5061 for TLS, else 5060, §18.2.2
 * / §19.1.2), so "Host" and "host:5060" are one sender. */
static void append_sent_by(struct ly_buf *b, const struct sip_via *via)
{
	unsigned port = via->port ? via->port : (via->proto == SIP_PROTO_TLS ? 5061 : 5060);

	if (via->host_ipv6)
		ly_buf_puts(b, "[");
	for (const char *p = via->host ? via->host : ""; *p; p++) {
		char c = (char)tolower((unsigned char)*p);

		ly_buf_append(b, &c, 1);
	}
	ly_buf_printf(b, "%s:%u", via->host_ipv6 ? "]" : "", port);
}

char *txn_server_key(const struct sip_msg *req, const char *method)
{
	struct ly_buf b;

	ly_buf_init(&b);
	ly_buf_printf(&b, "%s\n%s\n", req->via.branch, method);
	append_sent_by(&b, &req->via);
	return b.data;
}

char *txn_client_key(const char *branch, const char *method)
{
	/* §17.1.3: branch and CSeq method alone; the method is needed because
	 * a CANCEL shares its INVITE's branch. */
	return ly_asprintf("%s\n%s", branch, method);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

char *txn_legacy_key(const struct sip_msg *req, const char *method)
{
	/* The fields every RFC 2543 match needs; the rest (Request-URI, To
	 * tag, top Via) are compared on the candidates. */
	return ly_asprintf("2543\n%s\n%u\n%s\n%s", or_empty(req->call_id), (unsigned)req->cseq,
			   or_empty(req->from.tag), method);
}

char *txn_dialog_key(const struct sip_msg *m, const char *method)
{
	return ly_asprintf("%s\n%s\n%u\n%s", or_empty(m->call_id), or_empty(m->from.tag),
			   (unsigned)m->cseq, or_empty(method));
}
