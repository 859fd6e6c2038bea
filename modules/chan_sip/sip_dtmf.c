/* modules/chan_sip/sip_dtmf.c - dtmfmode to res_rtp modes, and DTMF in SIP INFO bodies. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <lyre/utils.h>

#include "sip_dtmf.h"

#define DEFAULT_INFO_MS 250

enum ly_rtp_dtmf_mode sip_dtmf_rtp_mode(enum sip_dtmf_mode mode, int peer_pt)
{
	switch (mode) {
	case SIP_DTMF_RFC4733:
		return LY_RTP_DTMF_RFC4733;
	case SIP_DTMF_INFO:
		return LY_RTP_DTMF_SIGNALLING;
	case SIP_DTMF_INBAND:
		return LY_RTP_DTMF_INBAND;
	case SIP_DTMF_AUTO:
		return peer_pt >= 0 ? LY_RTP_DTMF_RFC4733 : LY_RTP_DTMF_INBAND;
	}
	return LY_RTP_DTMF_NONE;
}

bool sip_dtmf_in_sdp(enum sip_dtmf_mode mode)
{
	return mode == SIP_DTMF_RFC4733 || mode == SIP_DTMF_AUTO;
}

/* The media type without parameters, compared case-insensitively (RFC 3261 §7.3.1). */
static bool type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	return strncasecmp(ct, want, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

static char digit_of(const char *v, size_t len)
{
	char d;

	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r'))
		len--;
	if (len == 2 && v[0] == '1' && (v[1] == '0' || v[1] == '1'))
		return v[1] == '0' ? '*' : '#';	/* RFC 4733 event numbers 10, 11 */
	if (len != 1)
		return 0;
	d = (char)toupper((unsigned char)v[0]);
	return strchr("0123456789*#ABCD", d) ? d : 0;
}

static unsigned number_of(const char *v, size_t len)
{
	unsigned n = 0;

	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	for (; len && *v >= '0' && *v <= '9' && n < 100000; v++, len--)
		n = n * 10 + (unsigned)(*v - '0');
	return n;
}

/* One "Name=value" line of a dtmf-relay body. */
static void relay_line(const char *line, size_t len, char *digit, unsigned *ms)
{
	const char *eq = memchr(line, '=', len);
	size_t name_len;

	if (!eq)
		return;
	name_len = (size_t)(eq - line);
	while (name_len && (line[name_len - 1] == ' ' || line[name_len - 1] == '\t'))
		name_len--;
	len -= (size_t)(eq + 1 - line);
	if (name_len == 6 && strncasecmp(line, "Signal", 6) == 0)
		*digit = digit_of(eq + 1, len);
	else if (name_len == 8 && strncasecmp(line, "Duration", 8) == 0)
		*ms = number_of(eq + 1, len);
}

int sip_dtmf_info_parse(const char *content_type, const char *body, size_t len, char *digit,
			unsigned *duration_ms)
{
	*digit = 0;
	*duration_ms = 0;
	if (!content_type || !body)
		return ENOTSUP;
	if (type_is(content_type, "application/dtmf")) {
		while (len && (body[len - 1] == '\n' || body[len - 1] == '\r'))
			len--;
		*digit = digit_of(body, len);
	} else if (type_is(content_type, SIP_DTMF_RELAY_TYPE)) {
		while (len) {
			const char *nl = memchr(body, '\n', len);
			size_t line = nl ? (size_t)(nl - body) : len;

			relay_line(body, line, digit, duration_ms);
			body += nl ? line + 1 : line;
			len -= nl ? line + 1 : line;
		}
	} else {
		return ENOTSUP;
	}
	return *digit ? 0 : EINVAL;
}

void sip_dtmf_info_body(char digit, unsigned duration_ms, struct ly_buf *out)
{
	ly_buf_printf(out, "Signal=%c\r\nDuration=%u\r\n", digit,
		      duration_ms ? duration_ms : DEFAULT_INFO_MS);
}
