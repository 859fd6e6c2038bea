/* modules/chan_sip/sdp_crypto.c - SDES a=crypto lines (RFC 4568 §9.1): parse and write. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/utils.h>

#include "sdp_crypto.h"

/* RFC 3711 §9.2: at most 2^48 SRTP packets under one master key. */
#define SRTP_MAX_LIFETIME (UINT64_C(1) << 48)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/*
 * Strict base64 (RFC 4648 §4) of n characters into at most max bytes:
 * whole quads, '=' only at the end, no stray characters.  RFC 4568 §6.1
 * writes key||salt this way.  0, or EINVAL.
 */
static int b64_decode(const char *s, size_t n, uint8_t *out, size_t max, size_t *outlen)
{
	size_t len = 0;

	if (n == 0 || n % 4)
		return EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		unsigned pad = 0;

		for (int j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad || (v[j] = b64_value(s[i + j])) < 0) {
				return EINVAL;	/* data after '=', or not base64 */
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		if (len + 3 - pad > max)
			return EINVAL;
		out[len++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[len++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[len++] = (uint8_t)w;
	}
	*outlen = len;
	return 0;
}

static void b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			w |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			w |= in[i + 2];
		out[o++] = b64[w >> 18 & 63];
		out[o++] = b64[w >> 12 & 63];
		out[o++] = i + 1 < n ? b64[w >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[w & 63] : '=';
	}
	out[o] = '\0';
}

static int fail(const char **why, int err, const char *msg)
{
	if (why)
		*why = msg;
	return err;
}

/* Decimal digits only, 1..max_digits of them. */
static bool all_digits(const char *s, size_t n, size_t max_digits)
{
	if (n == 0 || n > max_digits)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* §9.1 lifetime: a decimal count or "2^" and a power. */
static int parse_lifetime(const char *s, size_t n, const char **why)
{
	uint64_t v;

	if (n > 2 && s[0] == '2' && s[1] == '^') {
		if (!all_digits(s + 2, n - 2, 2))
			return fail(why, EINVAL, "bad key lifetime");
		unsigned long p = strtoul(s + 2, NULL, 10);

		if (p > 48)
			return fail(why, ENOTSUP, "key lifetime above 2^48");
		return 0;
	}
	if (!all_digits(s, n, 19))
		return fail(why, EINVAL, "bad key lifetime");
	v = strtoull(s, NULL, 10);
	return v > SRTP_MAX_LIFETIME ? fail(why, ENOTSUP, "key lifetime above 2^48") : 0;
}

/* key-params (§9.1): "inline:" key-salt ["|" lifetime] ["|" mki ":" length]. */
static int parse_key(const char *s, size_t n, struct ly_srtp_key *key, const char **why)
{
	const char *end = s + n, *bar;
	size_t klen;

	if (memchr(s, ';', n))
		return fail(why, ENOTSUP, "more than one key (needs MKI)");
	if (n < 7 || strncmp(s, "inline:", 7) != 0)
		return fail(why, EINVAL, "key method is not inline:");
	s += 7;
	bar = memchr(s, '|', (size_t)(end - s));
	if (b64_decode(s, (size_t)((bar ? bar : end) - s), key->key, sizeof(key->key), &klen))
		return fail(why, EINVAL, "key is not base64");
	if (klen != ly_srtp_key_len(key->suite))
		return fail(why, EINVAL, "key||salt has the wrong length for the suite");
	key->len = (unsigned)klen;
	while (bar) {
		const char *f = bar + 1, *next = memchr(f, '|', (size_t)(end - f));
		size_t flen = (size_t)((next ? next : end) - f);
		int err;

		if (memchr(f, ':', flen))
			return fail(why, ENOTSUP, "MKI is not supported");
		if ((err = parse_lifetime(f, flen, why)) != 0)
			return err;
		bar = next;
	}
	return 0;
}

/* §6.3: the session parameters we can honour; anything else refuses the line. */
static int check_session_param(const char *p, size_t n, const char **why)
{
	if (n > 4 && strncmp(p, "WSH=", 4) == 0) {
		if (!all_digits(p + 4, n - 4, 9) || strtoul(p + 4, NULL, 10) < 64)
			return fail(why, ENOTSUP, "WSH below 64");	/* §6.3.7 */
		return 0;	/* libsrtp's window is 128: at least what is asked */
	}
	if (n == 5 && strncmp(p, "KDR=0", 5) == 0)
		return 0;
	if (n == 18 && strncmp(p, "FEC_ORDER=FEC_SRTP", 18) == 0)
		return 0;
	return fail(why, ENOTSUP, "unsupported session parameter");
}

int sdp_crypto_parse(const char *value, struct sdp_crypto *out, const char **why)
{
	const char *p = value, *tok;
	size_t n;
	char suite[32];
	int err;

	memset(out, 0, sizeof(*out));
	if (!value)
		return fail(why, EINVAL, "empty a=crypto");
	n = strcspn(p, " \t");
	if (!all_digits(p, n, 9))
		return fail(why, EINVAL, "bad tag");
	out->tag = strtoul(p, NULL, 10);
	p += n;
	p += strspn(p, " \t");
	n = strcspn(p, " \t");
	if (n == 0 || n >= sizeof(suite))
		return fail(why, n ? ENOTSUP : EINVAL, n ? "unknown crypto suite" : "no crypto suite");
	memcpy(suite, p, n);
	suite[n] = '\0';
	out->key.suite = ly_srtp_suite_by_name(suite);
	if (out->key.suite == LY_SRTP_NONE)
		return fail(why, ENOTSUP, "unknown crypto suite");
	p += n;
	p += strspn(p, " \t");
	n = strcspn(p, " \t");
	if (n == 0)
		return fail(why, EINVAL, "no key");
	if ((err = parse_key(p, n, &out->key, why)) != 0)
		return err;
	for (p += n; *(tok = p + strspn(p, " \t")); p = tok + n) {
		n = strcspn(tok, " \t");
		if ((err = check_session_param(tok, n, why)) != 0)
			return err;
	}
	return 0;
}

char *sdp_crypto_format(const struct sdp_crypto *c)
{
	char key[4 * ((LY_SRTP_MAX_KEY + 2) / 3) + 1];
	const char *name = ly_srtp_suite_name(c->key.suite);

	b64_encode(c->key.key, c->key.len, key);
	return ly_asprintf("%lu %s inline:%s", c->tag, name ? name : "?", key);
}
