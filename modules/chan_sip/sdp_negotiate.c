/* modules/chan_sip/sdp_negotiate.c - offer/answer (RFC 3264): our offers, our answers, their answers. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/utils.h>

#include "sdp_crypto.h"
#include "sdp_negotiate.h"

#define TELEPHONE_EVENT "telephone-event"
/* RFC 4733 §3.2: events 0-15 are DTMF digits, 16 is flash. */
#define TELEPHONE_EVENT_FMTP "0-16"
/* By habit (Asterisk, most phones) telephone-event/8000 is 101. */
#define TELEPHONE_EVENT_PT 101
#define DYNAMIC_PT_FIRST 96	/* RFC 3551 §6 */
#define DYNAMIC_PT_LAST 127

/* The codecs Lyre can describe in SDP.  Adding one is one line here;
 * wideband codecs (issue 5) join the same way. */
static const struct sdp_codec codecs[] = {
	{ "ulaw", "PCMU", 8000, 0, 0, NULL },
	{ "alaw", "PCMA", 8000, 0, 8, NULL },
	/* RFC 3551 §4.5.2: G.722 samples at 16 kHz but its RTP clock is 8000 */
	{ "g722", "G722", 8000, 0, 9, NULL },
	/* RFC 7587 §7: always opus/48000/2, whatever is really sent */
	{ "opus", "opus", 48000, 2, -1, "useinbandfec=1" },
};

static void set_error(struct sdp_error *err, unsigned status, const char *fmt, ...) LY_PRINTF(3, 4);

static void set_error(struct sdp_error *err, unsigned status, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->status = status;
	err->line = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* ---- codecs ---------------------------------------------------------- */

const struct sdp_codec *sdp_codec_find(const char *format)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(codecs); i++)
		if (ly_strcaseeq(codecs[i].format, format))
			return &codecs[i];
	return NULL;
}

/* rtpmap channels: absent means one (RFC 4566 §6). */
static unsigned channels_of(unsigned written)
{
	return written ? written : 1;
}

const struct sdp_codec *sdp_codec_of(const struct sdp_format *f)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(codecs); i++) {
		const struct sdp_codec *c = &codecs[i];

		if (f->encoding) {
			/* encoding names are case-insensitive (RFC 4855 §3) */
			if (ly_strcaseeq(f->encoding, c->encoding) && f->rate == c->rate &&
			    channels_of(f->channels) == channels_of(c->channels))
				return c;
		} else if (f->pt >= 0 && f->pt == c->static_pt) {
			return c;
		}
	}
	return NULL;
}

static bool is_telephone_event(const struct sdp_format *f)
{
	return f->encoding && ly_strcaseeq(f->encoding, TELEPHONE_EVENT);
}

/* The peer's telephone-event: the one at the audio's clock rate if there
 * is one (RFC 4733 §2.1), else one at 8000 Hz, which every phone sends. */
static const struct sdp_format *find_telephone_event(const struct sdp_media *m, unsigned rate)
{
	const struct sdp_format *fallback = NULL;

	for (size_t i = 0; i < m->nfmts; i++) {
		const struct sdp_format *f = &m->fmts[i];

		if (!is_telephone_event(f))
			continue;
		if (f->rate == rate)
			return f;
		if (f->rate == 8000 && !fallback)
			fallback = f;
	}
	return fallback;
}

/* ---- directions ------------------------------------------------------ */

static enum sdp_dir dir_or_sendrecv(enum sdp_dir d)
{
	return d == SDP_DIR_UNSET ? SDP_SENDRECV : d;
}

/* The other side's view of a direction: its sendonly is our recvonly. */
static enum sdp_dir dir_mirror(enum sdp_dir d)
{
	d = dir_or_sendrecv(d);
	return (enum sdp_dir)(((d & SDP_SENDONLY) << 1) | ((d & SDP_RECVONLY) >> 1));
}

static enum sdp_dir dir_and(enum sdp_dir a, enum sdp_dir b)
{
	return (enum sdp_dir)(dir_or_sendrecv(a) & dir_or_sendrecv(b));
}

/* What the peer's stream lets it do.  RFC 3264 §8.4: c=0.0.0.0 (RFC 2543
 * hold) means it will not receive, whatever the attributes say. */
static enum sdp_dir peer_dir(const struct sdp_session *s, const struct sdp_media *m)
{
	enum sdp_dir d = sdp_media_dir(s, m);

	if (sdp_conn_is_legacy_hold(sdp_media_conn(s, m)))
		d = (enum sdp_dir)(d & ~SDP_RECVONLY);
	return d;
}

/* ---- addresses ------------------------------------------------------- */

/* A unicast IP literal of the family the c= line names.  Host names would
 * need a resolver in the media path, and multicast is for conferencing
 * set-ups a PBX leg never is. */
static bool unicast_literal(const struct sdp_conn *c)
{
	unsigned char a[16];

	if (!c->addr || strlen(c->addr) >= sizeof(((struct sdp_result *)0)->addr))
		return false;
	if (inet_pton(c->ipv6 ? AF_INET6 : AF_INET, c->addr, a) != 1)
		return false;
	return c->ipv6 ? a[0] != 0xff : (a[0] & 0xf0) != 0xe0;
}

static bool local_addr_ok(const char *addr)
{
	unsigned char a[16];

	return addr && (inet_pton(AF_INET, addr, a) == 1 || inet_pton(AF_INET6, addr, a) == 1);
}

/* a=rtcp:<port> [IN IP4 <address>] (RFC 3605 §2.1), else the RTP port + 1. */
static unsigned rtcp_port_of(const struct sdp_media *m)
{
	const struct sdp_attr *a = sdp_attr_find(m->attrs, m->nattrs, "rtcp");
	long port;

	if (a && a->value) {
		char *num = ly_strndup(a->value, strcspn(a->value, " \t"));
		int rc = ly_parse_int(num, 1, 65535, &port);

		free(num);
		if (rc == 0)
			return (unsigned)port;
	}
	return m->port < 65535 ? m->port + 1 : 0;
}

static void result_set_peer(struct sdp_result *res, const struct sdp_session *s,
			    const struct sdp_media *m)
{
	const struct sdp_conn *c = sdp_media_conn(s, m);

	ly_strlcpy(res->addr, c->addr, sizeof(res->addr));
	res->ipv6 = c->ipv6;
	res->port = m->port;
	res->rtcp_port = rtcp_port_of(m);
	res->rtcp_mux = sdp_attr_find(m->attrs, m->nattrs, "rtcp-mux") != NULL;
	res->ptime = m->ptime;
	res->remote_hold = sdp_media_is_hold(s, m);
}

/* ---- our o= line ----------------------------------------------------- */

void sdp_owner_init(struct sdp_owner *own, uint64_t sess_id)
{
	memset(own, 0, sizeof(*own));
	own->sess_id = sess_id;
	own->version = sess_id;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* RFC 3264 §8: a description that differs from the last one we sent gets
 * sess-version + 1; an unchanged one (a session refresh) keeps it. */
static void owner_stamp(struct sdp_owner *own, struct sdp_session *s)
{
	struct ly_buf b;
	uint64_t h;

	free(s->origin.sess_version);
	s->origin.sess_version = ly_strdup("");
	ly_buf_init(&b);
	sdp_print(s, &b);
	h = fnv1a(ly_buf_str(&b));
	ly_buf_free(&b);
	if (own->used && h != own->last_hash)
		own->version++;
	own->used = true;
	own->last_hash = h;
	free(s->origin.sess_version);
	s->origin.sess_version = ly_asprintf("%" PRIu64, own->version);
}

static struct sdp_session *session_start(const struct sdp_local *local, const struct sdp_owner *own)
{
	struct sdp_session *s = sdp_session_new();

	s->origin.username = ly_strdup("lyre");
	s->origin.sess_id = ly_asprintf("%" PRIu64, own->sess_id);
	sdp_conn_set(&s->origin.addr, local->addr);
	s->name = ly_strdup("Lyre");
	sdp_conn_set(&s->conn, local->addr);
	sdp_line_add(&s->lines, &s->nlines, 't', "0 0");	/* RFC 4566 §5.9: unbounded */
	return s;
}

static void format_fill(struct sdp_format *f, const char *encoding, unsigned rate,
			unsigned channels, const char *fmtp)
{
	f->encoding = ly_strdup(encoding);
	f->rate = rate;
	f->channels = channels;
	f->fmtp = fmtp ? ly_strdup(fmtp) : NULL;
}

static struct sdp_format *format_add_pt(struct sdp_media *m, int pt)
{
	char id[12];	/* any int, though payload types stop at 127 */

	snprintf(id, sizeof(id), "%d", pt);
	return sdp_format_add(m, id);
}

/* ---- our offer ------------------------------------------------------- */

static int next_dynamic_pt(const struct sdp_media *m, int from)
{
	for (int pt = from; pt <= DYNAMIC_PT_LAST; pt++)
		if (pt != TELEPHONE_EVENT_PT && !sdp_format_by_pt(m, pt))
			return pt;
	return -1;
}

static bool offer_has(const struct sdp_media *m, const struct sdp_codec *c)
{
	for (size_t i = 0; i < m->nfmts; i++)
		if (sdp_codec_of(&m->fmts[i]) == c)
			return true;
	return false;
}

/* The local codecs Lyre knows, in order, each once. */
static void offer_codecs(struct sdp_media *m, const struct sdp_local *local)
{
	int dyn = DYNAMIC_PT_FIRST;

	for (size_t i = 0; i < local->ncodecs; i++) {
		const struct sdp_codec *c = sdp_codec_find(local->codecs[i]);
		int pt;

		if (!c || offer_has(m, c))
			continue;
		pt = c->static_pt >= 0 ? c->static_pt : next_dynamic_pt(m, dyn);
		if (pt < 0)
			continue;
		if (c->static_pt < 0)
			dyn = pt + 1;
		format_fill(format_add_pt(m, pt), c->encoding, c->rate, c->channels, c->fmtp);
	}
}

static void offer_telephone_events(struct sdp_media *m)
{
	bool wideband = false;
	int pt;

	for (size_t i = 0; i < m->nfmts; i++)
		wideband |= m->fmts[i].rate == 48000;
	format_fill(format_add_pt(m, TELEPHONE_EVENT_PT), TELEPHONE_EVENT, 8000, 0,
		    TELEPHONE_EVENT_FMTP);
	pt = next_dynamic_pt(m, DYNAMIC_PT_FIRST);
	if (wideband && pt >= 0)
		format_fill(format_add_pt(m, pt), TELEPHONE_EVENT, 48000, 0, TELEPHONE_EVENT_FMTP);
}

/* RFC 4568 §5.1: one a=crypto per suite, tags 1, 2, ... in our order. */
static void offer_crypto(struct sdp_media *m, const struct sdp_local *local)
{
	if (local->srtp == SDP_SRTP_NO)
		return;
	for (size_t i = 0; i < local->nkeys; i++) {
		struct sdp_crypto c = { .tag = i + 1, .key = local->keys[i] };
		char *v = sdp_crypto_format(&c);

		sdp_attr_add(&m->attrs, &m->nattrs, "crypto", v);
		free(v);
	}
}

int sdp_offer_create(const struct sdp_local *local, struct sdp_owner *own,
		     struct sdp_session **out, struct sdp_error *err)
{
	struct sdp_session *s;
	struct sdp_media *m;

	*out = NULL;
	if (!local_addr_ok(local->addr)) {
		set_error(err, 500, "local RTP address %s is not an IP literal",
			  local->addr ? local->addr : "(none)");
		return EINVAL;
	}
	s = session_start(local, own);
	m = sdp_media_add(s, "audio", local->port,
			  local->srtp == SDP_SRTP_MANDATORY && local->nkeys ? "RTP/SAVP" : "RTP/AVP");
	offer_codecs(m, local);
	if (m->nfmts == 0) {
		sdp_free(s);
		set_error(err, 500, "none of the endpoint's codecs can be offered");
		return EINVAL;
	}
	if (local->dtmf)
		offer_telephone_events(m);
	m->ptime = local->ptime;
	m->dir = dir_or_sendrecv(local->dir);
	offer_crypto(m, local);
	/* RFC 5761 §5.1.1: we offer mux and still listen on the odd port for
	 * a peer that declines. */
	sdp_attr_add(&m->attrs, &m->nattrs, "rtcp-mux", NULL);
	owner_stamp(own, s);
	*out = s;
	return 0;
}

/* ---- our answer ------------------------------------------------------ */

/* What one offered stream would be answered with. */
struct choice {
	const struct sdp_format *codec_fmt;	/* the offer's format of the codec */
	const struct sdp_codec *codec;
	const struct sdp_format *dtmf;		/* the offer's telephone-event, or NULL */
	bool srtp;
	struct sdp_crypto crypto;		/* the offer's line we took (the peer's key) */
	const struct ly_srtp_key *key;		/* ours for that suite */
};

static const struct ly_srtp_key *local_key(const struct sdp_local *local, enum ly_srtp_suite s)
{
	for (size_t i = 0; i < local->nkeys; i++)
		if (local->keys[i].suite == s)
			return &local->keys[i];
	return NULL;
}

/* §7.1.1: the first a=crypto of the offer that we can use. */
static bool choose_crypto(const struct sdp_media *om, const struct sdp_local *local,
			  struct choice *ch)
{
	for (size_t i = 0; i < om->nattrs; i++) {
		const struct sdp_attr *a = &om->attrs[i];

		if (strcmp(a->name, "crypto") != 0 || sdp_crypto_parse(a->value, &ch->crypto, NULL))
			continue;
		ch->key = local_key(local, ch->crypto.key.suite);
		if (ch->key) {
			ch->srtp = true;
			return true;
		}
	}
	return false;
}

/* The profile rules at the top of sdp_negotiate.h. */
static bool srtp_acceptable(const struct sdp_media *om, const struct sdp_local *local,
			    struct choice *ch, const char **why)
{
	bool savp = strcmp(om->proto, "RTP/SAVP") == 0;

	if (!savp && strcmp(om->proto, "RTP/AVP") != 0) {
		*why = "unsupported media protocol (only RTP/AVP and RTP/SAVP)";
		return false;
	}
	if (local->srtp == SDP_SRTP_NO) {
		if (savp)
			*why = "media protocol RTP/SAVP (SRTP) refused: srtp=no";
		return !savp;
	}
	if (choose_crypto(om, local, ch) || (!savp && local->srtp == SDP_SRTP_OPTIONAL))
		return true;
	*why = savp || om->nattrs ? "no a=crypto line we can use"
				  : "srtp=mandatory and the offer is plain RTP";
	return false;
}

/* First codec of the endpoint's list that the offer carries (see the
 * header for why the endpoint's order wins over the offer's). */
static bool choose_codec(const struct sdp_media *om, const struct sdp_local *local,
			 struct choice *ch)
{
	for (size_t i = 0; i < local->ncodecs; i++) {
		const struct sdp_codec *c = sdp_codec_find(local->codecs[i]);

		for (size_t j = 0; c && j < om->nfmts; j++) {
			if (sdp_codec_of(&om->fmts[j]) == c) {
				ch->codec = c;
				ch->codec_fmt = &om->fmts[j];
				return true;
			}
		}
	}
	return false;
}

/* Whether we can take this offered stream; `why` says why not. */
static bool acceptable(const struct sdp_session *offer, const struct sdp_media *om,
		       const struct sdp_local *local, struct choice *ch, const char **why)
{
	memset(ch, 0, sizeof(*ch));
	if (strcmp(om->type, "audio") != 0)
		return false;	/* not a reason to fail the call if audio is there */
	if (om->port == 0) {
		*why = "the audio stream is disabled (port 0)";
		return false;
	}
	if (!srtp_acceptable(om, local, ch, why))
		return false;
	if (!unicast_literal(sdp_media_conn(offer, om))) {
		*why = "the connection address is not a unicast IP literal";
		return false;
	}
	if (!choose_codec(om, local, ch)) {
		*why = "no codec in common";
		return false;
	}
	if (local->dtmf)
		ch->dtmf = find_telephone_event(om, ch->codec_fmt->rate ? ch->codec_fmt->rate
									: ch->codec->rate);
	return true;
}

/* Copy the offer's rtpmap when it has one, so that the answer names the
 * codec exactly as the peer did; else describe our own codec. */
static void answer_format(struct sdp_media *am, const struct sdp_format *of,
			  const struct sdp_codec *c, const char *fmtp)
{
	struct sdp_format *f = sdp_format_add(am, of->id);

	if (of->encoding)
		format_fill(f, of->encoding, of->rate, of->channels, fmtp);
	else
		format_fill(f, c->encoding, c->rate, c->channels, fmtp);
}

static void answer_accept(struct sdp_session *a, const struct sdp_session *offer,
			  const struct sdp_media *om, const struct sdp_local *local,
			  const struct choice *ch)
{
	struct sdp_media *am = sdp_media_add(a, "audio", local->port, om->proto);

	answer_format(am, ch->codec_fmt, ch->codec, ch->codec->fmtp);
	if (ch->dtmf)
		answer_format(am, ch->dtmf, NULL, TELEPHONE_EVENT_FMTP);
	am->ptime = local->ptime;
	/* RFC 5761 §5.1.1: mux is used only when the offer asked for it. */
	if (sdp_attr_find(om->attrs, om->nattrs, "rtcp-mux"))
		sdp_attr_add(&am->attrs, &am->nattrs, "rtcp-mux", NULL);
	if (ch->srtp) {
		/* RFC 4568 §7.1.2: the offer's tag and suite, our own key */
		struct sdp_crypto c = { .tag = ch->crypto.tag, .key = *ch->key };
		char *v = sdp_crypto_format(&c);

		sdp_attr_add(&am->attrs, &am->nattrs, "crypto", v);
		free(v);
	}
	/* §6.1: sendonly is answered recvonly or inactive, recvonly with
	 * sendonly or inactive, inactive with inactive; our own wish (a hold
	 * of ours) can only take directions away. */
	am->dir = dir_and(dir_mirror(peer_dir(offer, om)), local->dir);
}

/* §6: a rejected stream keeps its place, with port 0 and its formats. */
static void answer_reject(struct sdp_session *a, const struct sdp_media *om)
{
	struct sdp_media *am = sdp_media_add(a, om->type, 0, om->proto);

	for (size_t i = 0; i < om->nfmts; i++)
		sdp_format_add(am, om->fmts[i].id)->pt = om->fmts[i].pt;
}

static void result_from_choice(struct sdp_result *res, size_t index,
			       const struct sdp_session *offer, const struct sdp_media *om,
			       const struct choice *ch, enum sdp_dir dir)
{
	memset(res, 0, sizeof(*res));
	res->media_index = index;
	res->codec = ch->codec->format;
	res->pt = ch->codec_fmt->pt;
	res->rate = ch->codec->rate;
	res->dtmf_pt = ch->dtmf ? ch->dtmf->pt : -1;
	res->dtmf_rate = ch->dtmf ? ch->dtmf->rate : 0;
	res->dir = dir;
	res->srtp = ch->srtp;
	if (ch->srtp) {
		res->local_key = *ch->key;
		res->remote_key = ch->crypto.key;
	}
	result_set_peer(res, offer, om);
}

int sdp_answer_create(const struct sdp_session *offer, const struct sdp_local *local,
		      struct sdp_owner *own, struct sdp_session **answer,
		      struct sdp_result *res, struct sdp_error *err)
{
	const char *why = "no audio stream offered";
	struct sdp_session *a;
	bool accepted = false;

	*answer = NULL;
	if (!local_addr_ok(local->addr)) {
		set_error(err, 500, "local RTP address %s is not an IP literal",
			  local->addr ? local->addr : "(none)");
		return EINVAL;
	}
	a = session_start(local, own);
	for (size_t i = 0; i < offer->nmedia; i++) {
		const struct sdp_media *om = &offer->media[i];
		struct choice ch;

		/* one audio stream: the first acceptable one; the rest get port 0 */
		if (!accepted && acceptable(offer, om, local, &ch, &why)) {
			answer_accept(a, offer, om, local, &ch);
			result_from_choice(res, i, offer, om, &ch, a->media[i].dir);
			accepted = true;
		} else {
			answer_reject(a, om);
		}
	}
	if (!accepted) {
		sdp_free(a);
		set_error(err, 488, "cannot accept the offer: %s", why);
		return EPROTO;
	}
	owner_stamp(own, a);
	*answer = a;
	return 0;
}

/* ---- their answer to our offer --------------------------------------- */

/* Our offer's audio stream: the first m=audio in use. */
static const struct sdp_media *offered_audio(const struct sdp_session *offer, size_t *index)
{
	for (size_t i = 0; i < offer->nmedia; i++) {
		if (strcmp(offer->media[i].type, "audio") == 0 && offer->media[i].port) {
			*index = i;
			return &offer->media[i];
		}
	}
	return NULL;
}

/* §7: the answer's first format that we offered is the one to send. */
static const struct sdp_format *answered_codec(const struct sdp_media *om,
					       const struct sdp_media *am,
					       const struct sdp_codec **codec)
{
	for (size_t i = 0; i < am->nfmts; i++) {
		const struct sdp_codec *c = sdp_codec_of(&am->fmts[i]);

		if (c && offer_has(om, c)) {
			*codec = c;
			return &am->fmts[i];
		}
	}
	return NULL;
}

static int check_answer_shape(const struct sdp_session *offer, const struct sdp_session *answer,
			      const struct sdp_media **om, const struct sdp_media **am,
			      size_t *index, struct sdp_error *err)
{
	if (answer->nmedia != offer->nmedia) {
		set_error(err, 488, "the answer has %zu m= lines, the offer had %zu",
			  answer->nmedia, offer->nmedia);
		return EPROTO;
	}
	*om = offered_audio(offer, index);
	if (!*om) {
		set_error(err, 488, "our offer had no audio stream");
		return EPROTO;
	}
	*am = &answer->media[*index];
	if (strcmp((*am)->type, (*om)->type) != 0 || (*am)->port == 0) {
		set_error(err, 488, "the peer rejected the audio stream");
		return EPROTO;
	}
	if (!unicast_literal(sdp_media_conn(answer, *am))) {
		set_error(err, 488, "the answer's connection address is not a unicast IP literal");
		return EPROTO;
	}
	return 0;
}

/*
 * RFC 4568 §7.1.3/§7.1.4: the answer's a=crypto must carry a tag of our
 * offer with that line's suite; its key is the peer's.  No a=crypto in
 * the answer is plain RTP, which is refused when we offered RTP/SAVP.
 */
static int answered_crypto(const struct sdp_media *om, const struct sdp_media *am,
			   struct sdp_result *res, struct sdp_error *err)
{
	const struct sdp_attr *a = sdp_attr_find(am->attrs, am->nattrs, "crypto");
	struct sdp_crypto theirs, ours;
	const char *why = "";

	if (!a) {
		if (strcmp(om->proto, "RTP/SAVP") == 0) {
			set_error(err, 488, "plain RTP answer to our SRTP (RTP/SAVP) offer");
			return EPROTO;
		}
		return 0;
	}
	if (!sdp_attr_find(om->attrs, om->nattrs, "crypto"))
		return 0;	/* we offered none: the line means nothing (§5.1.1) */
	if (sdp_crypto_parse(a->value, &theirs, &why)) {
		set_error(err, 488, "unusable a=crypto in the answer: %s", why);
		return EPROTO;
	}
	for (size_t i = 0; i < om->nattrs; i++) {
		if (strcmp(om->attrs[i].name, "crypto") != 0 ||
		    sdp_crypto_parse(om->attrs[i].value, &ours, NULL) || ours.tag != theirs.tag)
			continue;
		if (ours.key.suite != theirs.key.suite)
			break;
		res->srtp = true;
		res->local_key = ours.key;
		res->remote_key = theirs.key;
		return 0;
	}
	set_error(err, 488, "the answer's a=crypto matches no line of our offer");
	return EPROTO;
}

int sdp_answer_apply(const struct sdp_session *offer, const struct sdp_session *answer,
		     struct sdp_result *res, struct sdp_error *err)
{
	const struct sdp_media *om, *am;
	const struct sdp_format *f, *dtmf = NULL;
	const struct sdp_codec *codec = NULL;
	size_t index;
	int rc = check_answer_shape(offer, answer, &om, &am, &index, err);

	if (rc)
		return rc;
	f = answered_codec(om, am, &codec);
	if (!f) {
		set_error(err, 488, "the answer names no codec of our offer");
		return EPROTO;
	}
	if (find_telephone_event(om, 8000))
		dtmf = find_telephone_event(am, codec->rate);
	memset(res, 0, sizeof(*res));
	res->media_index = index;
	res->codec = codec->format;
	res->pt = f->pt;
	res->rate = codec->rate;
	res->dtmf_pt = dtmf ? dtmf->pt : -1;
	res->dtmf_rate = dtmf ? dtmf->rate : 0;
	res->dir = dir_and(sdp_media_dir(offer, om), dir_mirror(peer_dir(answer, am)));
	result_set_peer(res, answer, am);
	return answered_crypto(om, am, res, err);
}
