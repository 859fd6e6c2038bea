/* modules/chan_sip/sip_txn_key.c - the keys that match messages to transactions (RFC 3261 §17.1.3, §17.2.3, §8.2.2.2). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
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

/* ---- building a key: appended piece by piece, no printf ---- */

static void key_room(struct txn_key *k, size_t n)
{
	size_t cap;
	char *heap;

	if (k->len + n + 1 <= k->cap)
		return;
	cap = k->cap * 2 > k->len + n + 1 ? k->cap * 2 : k->len + n + 1;
	heap = ly_malloc(cap);
	memcpy(heap, k->s, k->len);
	if (k->s != k->small)
		free(k->s);
	k->s = heap;
	k->cap = cap;
}

static void key_add(struct txn_key *k, const char *s, size_t n)
{
	key_room(k, n);
	memcpy(k->s + k->len, s, n);
	k->len += n;
	k->s[k->len] = '\0';
}

static void key_str(struct txn_key *k, const char *s)
{
	key_add(k, s ? s : "", s ? strlen(s) : 0);
}

/* a field and the separator after it */
static void key_field(struct txn_key *k, const char *s)
{
	key_str(k, s);
	key_add(k, "\n", 1);
}

static void key_uint(struct txn_key *k, unsigned v)
{
	char buf[LY_UINT_DIGITS];
	size_t len;
	const char *d = ly_uint_digits(v, buf, &len);

	key_add(k, d, len);
}

static void key_start(struct txn_key *k)
{
	k->s = k->small;
	k->cap = sizeof(k->small);
	k->len = 0;
	k->small[0] = '\0';
}

void txn_key_release(struct txn_key *k)
{
	if (k->s != k->small)
		free(k->s);
	key_start(k);
}

/* Keys in an index live as long as their transaction, and most of the
 * table is lingering ones: exactly their size. */
char *txn_key_take(struct txn_key *k)
{
	char *s = k->s != k->small ? k->s : ly_strdup(k->s);

	key_start(k);
	return s;
}

/*
 * "branch\nMETHOD\nsent-by", sent-by as "host:port" with the host
 * lowercased (hosts compare case-insensitively, §19.1.4) and a missing
 * port made explicit (5061 for TLS, else 5060, §18.2.2 / §19.1.2), so
 * "Host" and "host:5060" are one sender.
 */
void txn_server_key(struct txn_key *k, const struct sip_msg *req, const char *method)
{
	const struct sip_via *via = &req->via;
	unsigned port = via->port ? via->port : (via->proto == SIP_PROTO_TLS ? 5061 : 5060);
	const char *host = via->host ? via->host : "";
	size_t at;

	key_start(k);
	key_field(k, via->branch);
	key_field(k, method);
	if (via->host_ipv6)
		key_add(k, "[", 1);
	at = k->len;
	key_str(k, host);
	for (size_t i = at; i < k->len; i++)
		k->s[i] = (char)tolower((unsigned char)k->s[i]);
	if (via->host_ipv6)
		key_add(k, "]", 1);
	key_add(k, ":", 1);
	key_uint(k, port);
}

void txn_client_key(struct txn_key *k, const char *branch, const char *method)
{
	/* §17.1.3: branch and CSeq method alone; the method is needed because
	 * a CANCEL shares its INVITE's branch. */
	key_start(k);
	key_field(k, branch);
	key_str(k, method);
}

void txn_legacy_key(struct txn_key *k, const struct sip_msg *req, const char *method)
{
	/* The fields every RFC 2543 match needs; the rest (Request-URI, To
	 * tag, top Via) are compared on the candidates. */
	key_start(k);
	key_field(k, "2543");
	key_field(k, req->call_id);
	key_uint(k, (unsigned)req->cseq);
	key_add(k, "\n", 1);
	key_field(k, req->from.tag);
	key_str(k, method);
}

void txn_dialog_key(struct txn_key *k, const struct sip_msg *m, const char *method)
{
	key_start(k);
	key_field(k, m->call_id);
	key_field(k, m->from.tag);
	key_uint(k, (unsigned)m->cseq);
	key_add(k, "\n", 1);
	key_str(k, method);
}
