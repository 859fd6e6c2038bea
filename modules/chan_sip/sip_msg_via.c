/* modules/chan_sip/sip_msg_via.c - stamp the top Via of a received request with received and rport (RFC 3261 §18.2.1, RFC 3581 §4). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sip_msg_int.h"

/* Does the sent-by host name exactly this numeric address? */
static bool host_is_ip(const struct sip_via *v, const char *ip)
{
	unsigned char a[16], b[16];
	int af = strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, ip, a) != 1 || inet_pton(af, v->host, b) != 1)
		return false;
	return memcmp(a, b, af == AF_INET6 ? 16 : 4) == 0;
}

/* Append the params of `params` except received and rport. */
static void copy_other_params(struct ly_buf *b, const char *params)
{
	const char *p = params;

	while (*p) {
		size_t len, nlen;

		p += strspn(p, "; \t");
		len = strcspn(p, ";");
		/* a quoted value may hold ';' */
		if (memchr(p, '"', len)) {
			const char *q = strchr(strchr(p, '"') + 1, '"');

			if (q)
				len = (size_t)(q - p) + strcspn(q, ";");
		}
		if (!len)
			break;
		nlen = strcspn(p, "= \t;");
		if (nlen > len)
			nlen = len;
		if (!((nlen == 8 && strncasecmp(p, "received", 8) == 0) ||
		      (nlen == 5 && strncasecmp(p, "rport", 5) == 0))) {
			ly_buf_append(b, ";", 1);
			ly_buf_append(b, p, len);
		}
		p += len;
	}
}

int sip_msg_via_received(struct sip_msg *m, const char *ip, uint16_t port)
{
	struct sip_hdr *h = (struct sip_hdr *)(uintptr_t)sip_msg_hdr_find(m, SIP_HDR_VIA);
	struct sip_list_iter it;
	struct sip_str top;
	struct ly_buf b;
	const char *semi;
	bool rport;

	if (!h || !m->has_via)
		return EINVAL;
	it = (struct sip_list_iter){ .pos = h->value };
	if (!sip_list_next(&it, &top))
		return EINVAL;
	rport = m->via.rport;
	if (!rport && host_is_ip(&m->via, ip) && !m->via.received)
		return 0;
	/* sent-protocol and sent-by hold no ';': the first one starts params */
	semi = memchr(top.s, ';', top.len);
	ly_buf_init(&b);
	ly_buf_append(&b, h->value, (size_t)((semi ? semi : top.s + top.len) - h->value));
	copy_other_params(&b, m->via.params);
	if (rport || !host_is_ip(&m->via, ip))
		ly_buf_printf(&b, ";received=%s", ip);
	if (rport)
		ly_buf_printf(&b, ";rport=%u", port);
	ly_buf_puts(&b, top.s + top.len);
	h->value = sip_msg_strdup(m, b.data, b.len);
	h->value_len = b.len;
	ly_buf_free(&b);
	sip_msg_refresh(m, SIP_HDR_VIA);
	return 0;
}
