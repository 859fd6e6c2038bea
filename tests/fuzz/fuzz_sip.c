/* tests/fuzz/fuzz_sip.c - libFuzzer target: any bytes through the SIP message parser, both framings. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lyre/utils.h>

#include "sip_dtmf.h"
#include "sip_event.h"
#include "sip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Event and Subscription-State values as the notifier reads them
 * (sip_event.c); what parses must be in bounds. */
static void walk_events(const struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr_find_name(m, "Event");
	struct sip_sub_state st;
	struct sip_event ev;

	if (h && sip_event_parse(h->value, h->value_len, &ev) == 0 &&
	    (!ev.package[0] || strlen(ev.package) >= sizeof(ev.package) || strlen(ev.id) >= sizeof(ev.id)))
		__builtin_trap();
	h = sip_msg_hdr_find_name(m, "Subscription-State");
	if (h && sip_sub_state_parse(h->value, h->value_len, &st) == 0 && (!st.state[0] || st.expires < -1))
		__builtin_trap();
}

/* Touch everything the parser handed back, so a dangling pointer shows up
 * here under ASan, and check that printing is a fixed point. */
static void walk(struct sip_msg *m)
{
	struct sip_value_iter it;
	struct sip_str v;
	struct ly_buf a, b;
	struct sip_msg *again = NULL, *resp;
	struct sip_parse_info info;
	size_t n = 0;

	for (const struct sip_hdr *h = sip_msg_hdr_first(m); h; h = h->next)
		n += strlen(h->name) + h->value_len;
	sip_value_iter_init(&it, m, "Via");
	while (sip_value_next(&it, &v))
		n += v.len;
	for (const struct sip_contact *c = m->contacts; c; c = c->next)
		n += sip_uri_equal(&c->addr.uri, &m->contacts->addr.uri);
	if (m->has_from && m->has_to)
		n += sip_uri_equal(&m->from.uri, &m->to.uri);
	ly_buf_init(&a);
	ly_buf_init(&b);
	sip_msg_print(m, &a);
	if (sip_msg_parse(a.data, a.len, SIP_FRAME_STREAM, &again, &info) == SIP_PARSE_OK) {
		sip_msg_print(again, &b);
		if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
			__builtin_trap();	/* print(parse(print(m))) must equal print(m) */
	}
	sip_msg_unref(again);
	resp = m->is_request ? sip_msg_new_response(m, 200, NULL, "fuzz") : NULL;
	sip_msg_unref(resp);
	walk_events(m);
	ly_buf_free(&a);
	ly_buf_free(&b);
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sip_framing framings[] = { SIP_FRAME_DATAGRAM, SIP_FRAME_STREAM };

	for (size_t i = 0; i < 2; i++) {
		struct sip_parse_info info;
		struct sip_msg *m = NULL;
		enum sip_parse_result r = sip_msg_parse((const char *)data, size, framings[i], &m, &info);

		if (r == SIP_PARSE_OK) {
			char digit;
			unsigned ms;

			walk(m);
			/* the body as an INFO with DTMF (sip_dtmf.c) */
			if (sip_dtmf_info_parse(m->content_type, m->body, m->body_len, &digit, &ms) == 0 &&
			    !digit)
				__builtin_trap();
		}
		else if (m)
			sip_msg_unref(sip_msg_new_response(m, info.status ? info.status : 400, info.reason, NULL));
		sip_msg_unref(m);
	}
	return 0;
}
