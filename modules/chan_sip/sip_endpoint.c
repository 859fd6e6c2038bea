/* modules/chan_sip/sip_endpoint.c - generated secrets, digest lookup and URI users of endpoints. */
#include <errno.h>
#include <openssl/rand.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_endpoint.h"
#include "sip_registrar_db.h"

/* No 0/O/1/l/I: secrets get read aloud and typed into phones. */
static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

static int make_secret(char *out, size_t len)
{
	unsigned char raw[SIP_ENDPOINT_AUTO_SECRET_LEN];

	if (len <= SIP_ENDPOINT_AUTO_SECRET_LEN || RAND_bytes(raw, sizeof(raw)) != 1)
		return EIO;
	/* 31 letters: reject bytes >= 248 (8 * 31) so every letter is equally likely. */
	for (size_t i = 0; i < SIP_ENDPOINT_AUTO_SECRET_LEN; i++) {
		while (raw[i] >= 248)
			if (RAND_bytes(&raw[i], 1) != 1)
				return EIO;
		out[i] = alphabet[raw[i] % 31];
	}
	out[SIP_ENDPOINT_AUTO_SECRET_LEN] = '\0';
	return 0;
}

int sip_endpoint_resolve_secrets(struct sip_conf *conf, struct sip_db *db)
{
	char secret[64];

	for (struct sip_endpoint_conf *e = conf->endpoints; e; e = e->next) {
		if (!e->secret_auto)
			continue;
		if (sip_db_secret_get(db, e->name, secret, sizeof(secret)) != 0) {
			if (make_secret(secret, sizeof(secret))) {
				ly_error("Cannot generate a secret for SIP endpoint %s", e->name);
				return EIO;
			}
			if (sip_db_secret_put(db, e->name, secret))
				return EIO;
			ly_notice("SIP endpoint %s: generated secret %s (shown once; "
				  "see 'sip show endpoint %s')", e->name, secret, e->name);
		}
		free(e->secret);
		e->secret = ly_strdup(secret);
	}
	return 0;
}

bool sip_uri_user(const struct sip_uri *u, char *buf, size_t size)
{
	size_t len;

	if ((u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS) || !u->user || !*u->user)
		return false;
	len = strlen(u->user);
	if (len >= size)
		return false;
	/* An escaped NUL must not cut the name short (torture escnull):
	 * such a user simply matches no endpoint. */
	if (sip_unescape(u->user, len, buf) != strlen(buf))
		return false;
	return true;
}

int sip_endpoint_auth_lookup(void *arg, const char *username, const char *realm,
			     struct sip_auth_user *out)
{
	const struct sip_endpoint_lookup *l = arg;
	const struct sip_endpoint_conf *e = sip_conf_endpoint(l->conf, username);

	(void)realm;
	if (!e || !e->secret || (l->src && !sip_acl_allows(&e->acl, l->src)))
		return ENOENT;
	*out = (struct sip_auth_user){ .secret = e->secret };
	return 0;
}
