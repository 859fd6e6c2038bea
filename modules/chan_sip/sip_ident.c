/* modules/chan_sip/sip_ident.c - caller identity in and out: From, P-Asserted-Identity, Remote-Party-ID, Privacy (RFC 3323, RFC 3325). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lyre/channel.h>
#include <lyre/utils.h>

#include "sip_endpoint.h"
#include "sip_ident.h"

#define PRES_VAR "CALLERPRES"

/* ---- incoming ---- */

/* The number of an asserted identity: a sip/sips user, or a tel number. */
static bool identity_number(const struct sip_uri *u, char *num, size_t size)
{
	if (u->scheme == SIP_URI_TEL && u->user && *u->user && strlen(u->user) < size) {
		ly_strlcpy(num, u->user, size);
		return true;
	}
	return sip_uri_user(u, num, size);
}

/* The first value of header `name` that names a number (RFC 3325 §9.1
 * allows one sip and one tel URI); its display name into name. */
static bool asserted(const struct sip_msg *req, const char *hdr, char *name, size_t nsize, char *num,
		     size_t size, bool *rpid_private)
{
	struct sip_value_iter it;
	struct sip_str v;

	sip_value_iter_init(&it, req, hdr);
	while (sip_value_next(&it, &v)) {
		char *buf = ly_malloc(SIP_NAMEADDR_BUF(v.len));
		struct sip_nameaddr na;
		bool ok = sip_nameaddr_parse(&na, v.s, v.len, buf) == 0 && identity_number(&na.uri, num, size);
		struct sip_str priv;

		if (ok) {
			ly_strlcpy(name, na.display ? na.display : "", nsize);
			/* draft-ietf-sip-privacy-04: privacy=full|name|uri hides it */
			if (rpid_private && sip_param_find(na.params, "privacy", &priv))
				*rpid_private = !(priv.len == 3 && !strncasecmp(priv.s, "off", 3));
		}
		free(buf);
		if (ok)
			return true;
	}
	return false;
}

/* RFC 3323 §4.2: Privacy: id asks that the asserted identity be hidden. */
static bool privacy_id(const struct sip_msg *req)
{
	struct sip_value_iter it;
	struct sip_str v;

	sip_value_iter_init(&it, req, "Privacy");
	while (sip_value_next(&it, &v)) {
		/* priv-value *(";" priv-value) */
		for (size_t i = 0; i < v.len;) {
			size_t n = strcspn(v.s + i, "; \t");

			if (n > v.len - i)
				n = v.len - i;
			if (n == 2 && !strncasecmp(v.s + i, "id", 2))
				return true;
			i += n ? n : 1;
		}
	}
	return false;
}

void sip_ident_inbound(struct ly_channel *c, const struct sip_msg *req, const struct sip_call_conf *cc,
		       const char *own_name, const char *own_num)
{
	char name[128] = "", num[128] = "";
	bool restricted = false, found = false;

	if (cc && cc->trust_id_inbound) {
		found = asserted(req, "P-Asserted-Identity", name, sizeof(name), num, sizeof(num), NULL) ||
			asserted(req, "Remote-Party-ID", name, sizeof(name), num, sizeof(num), &restricted);
		restricted |= privacy_id(req);
	}
	if (!found && own_num) {
		/* the endpoint's callerid, over whatever its From says (pjsip's id.self) */
		ly_strlcpy(name, own_name ? own_name : "", sizeof(name));
		ly_strlcpy(num, own_num, sizeof(num));
	} else if (!found) {
		ly_strlcpy(name, own_name ? own_name : req->from.display ? req->from.display : "", sizeof(name));
		if (!sip_uri_user(&req->from.uri, num, sizeof(num)))
			num[0] = '\0';
	}
	ly_chan_set_callerid(c, name[0] ? name : NULL, num[0] ? num : NULL);
	if (restricted)
		ly_chan_var_set(c, PRES_VAR, "prohib");
}

/* ---- outgoing ---- */

void sip_ident_inherit(const struct ly_channel *requestor, struct ly_channel *c)
{
	char pres[64];

	if (ly_chan_var_get(requestor, PRES_VAR, pres, sizeof(pres)))
		ly_chan_var_set(c, PRES_VAR, pres);
}

bool sip_ident_restricted(const struct ly_channel *c)
{
	char pres[64];

	if (!ly_chan_var_get(c, PRES_VAR, pres, sizeof(pres)))
		return false;
	return !strncasecmp(pres, "prohib", 6) || !strcasecmp(pres, "unavailable");
}

/* "Name" <sip:user@host>, or <sip:user@host> when the name cannot be quoted as it is. */
static void name_addr(char *buf, size_t size, const char *name, const char *user, const char *host)
{
	if (name && name[0] && !strpbrk(name, "\"\\\r\n"))
		snprintf(buf, size, "\"%s\" <sip:%s@%s>", name, user, host);
	else
		snprintf(buf, size, "<sip:%s@%s>", user, host);
}

void sip_ident_outbound(const struct ly_channel *c, const struct sip_call_conf *cc, const char *user_default,
			const char *sentby, struct sip_ident_out *out)
{
	char name[128], num[128];
	bool restricted = sip_ident_restricted(c);
	bool hide = restricted && !(cc && cc->trust_id_outbound);
	const char *from_user = cc && cc->from_user ? cc->from_user : user_default;
	const char *domain = cc && cc->from_domain ? cc->from_domain : NULL;
	const char *user;

	ly_chan_callerid_name(c, name, sizeof(name));
	ly_chan_callerid_num(c, num, sizeof(num));
	if (hide)
		user = from_user ? from_user : "anonymous";
	else
		user = from_user ? from_user : num[0] ? num : "anonymous";
	name_addr(out->from, sizeof(out->from), hide ? "Anonymous" : name, user,
		  domain ? domain : hide ? "anonymous.invalid" : sentby);
	out->pai[0] = '\0';
	out->privacy = false;
	if (cc && cc->send_pai && num[0] && !hide) {
		name_addr(out->pai, sizeof(out->pai), name, num, domain ? domain : sentby);
		out->privacy = restricted;
	}
}

void sip_ident_add_headers(struct sip_msg *invite, const struct sip_ident_out *out)
{
	if (out->pai[0])
		sip_msg_hdr_add(invite, "P-Asserted-Identity", out->pai);
	if (out->privacy)
		sip_msg_hdr_add(invite, "Privacy", "id");
}
