/* modules/chan_sip/sip_txn_key.c - the keys that match messages to transactions (RFC 3261 §17.1.3, §17.2.3, §8.2.2.2). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
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

/* printf into a string of exactly the size it needs: keys live as long
 * as their transaction, and most of the table is lingering ones. */
static char *key_printf(const char *fmt, ...) LY_PRINTF(1, 2);
static char *key_printf(const char *fmt, ...)
{
	char small[256];
	va_list ap;
	char *key;
	int n;

	/* One formatting pass for the usual short key, two for a long one. */
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	key = ly_malloc((size_t)n + 1);
	if ((size_t)n < sizeof(small)) {
		memcpy(key, small, (size_t)n + 1);
		return key;
	}
	va_start(ap, fmt);
	vsnprintf(key, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return key;
}

/*
 * "branch\nMETHOD\nsent-by", sent-by as "host:port" with the host
 * lowercased (hosts compare case-insensitively, §19.1.4) and a missing
 * port made explicit (5061 for TLS, else 5060, §18.2.2 / §19.1.2), so
 * "Host" and "host:5060" are one sender.
 */
char *txn_server_key(const struct sip_msg *req, const char *method)
{
	const struct sip_via *via = &req->via;
	unsigned port = via->port ? via->port : (via->proto == SIP_PROTO_TLS ? 5061 : 5060);
	const char *host = via->host ? via->host : "";
	const char *open = via->host_ipv6 ? "[" : "";
	char *key = key_printf("%s\n%s\n%s%s%s:%u", via->branch, method, open, host,
			       via->host_ipv6 ? "]" : "", port);
	char *h = key + strlen(via->branch) + 1 + strlen(method) + 1 + strlen(open);

	for (size_t i = 0, n = strlen(host); i < n; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	return key;
}

char *txn_client_key(const char *branch, const char *method)
{
	/* §17.1.3: branch and CSeq method alone; the method is needed because
	 * a CANCEL shares its INVITE's branch. */
	return key_printf("%s\n%s", branch, method);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

char *txn_legacy_key(const struct sip_msg *req, const char *method)
{
	/* The fields every RFC 2543 match needs; the rest (Request-URI, To
	 * tag, top Via) are compared on the candidates. */
	return key_printf("2543\n%s\n%u\n%s\n%s", or_empty(req->call_id), (unsigned)req->cseq,
			   or_empty(req->from.tag), method);
}

char *txn_dialog_key(const struct sip_msg *m, const char *method)
{
	return key_printf("%s\n%s\n%u\n%s", or_empty(m->call_id), or_empty(m->from.tag),
			   (unsigned)m->cseq, or_empty(method));
}
