/* modules/chan_sip/sip_dialog_sdp.c - offer/answer within a dialog on top of sdp_negotiate, and hold/resume by re-INVITE (RFC 3264 §8.4). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/utils.h>

#include "sip_dialog_int.h"

#define SDP_TYPE "application/sdp"

static int parse_body(const struct sip_msg *msg, struct sdp_session **out, struct sdp_error *err)
{
	if (!msg->body_len) {
		if (err) {
			memset(err, 0, sizeof(*err));
			err->status = 488;
			snprintf(err->msg, sizeof(err->msg), "no SDP body");
		}
		return EPROTO;
	}
	return sdp_parse(msg->body, msg->body_len, out, err);
}

int sip_dialog_sdp_offer(struct sip_dialog *d, const struct sdp_local *local, struct ly_buf *body,
			 struct sdp_error *err)
{
	struct sdp_session *offer = NULL;
	int rc = sdp_offer_create(local, &d->sdp_owner, &offer, err);

	if (rc)
		return rc;
	sdp_print(offer, body);
	sdp_free(d->last_offer);
	d->last_offer = offer;
	return 0;
}

int sip_dialog_sdp_answer(struct sip_dialog *d, const struct sip_msg *msg, const struct sdp_local *local,
			  struct ly_buf *body, struct sdp_result *res, struct sdp_error *err)
{
	struct sdp_session *offer = NULL, *answer = NULL;
	int rc = parse_body(msg, &offer, err);

	if (rc)
		return rc;
	rc = sdp_answer_create(offer, local, &d->sdp_owner, &answer, res, err);
	if (!rc)
		sdp_print(answer, body);
	sdp_free(offer);
	sdp_free(answer);
	return rc;
}

int sip_dialog_sdp_apply_answer(struct sip_dialog *d, const struct sip_msg *msg, struct sdp_result *res,
				struct sdp_error *err)
{
	struct sdp_session *answer = NULL;
	int rc;

	if (!d->last_offer)
		return EINVAL;
	rc = parse_body(msg, &answer, err);
	if (rc)
		return rc;
	rc = sdp_answer_apply(d->last_offer, answer, res, err);
	sdp_free(answer);
	return rc;
}

/* RFC 3264 §8.4: hold offers sendonly, or inactive when we were not
 * receiving anyway; resume offers what the caller asks (sendrecv). */
static enum sdp_dir held_dir(enum sdp_dir dir)
{
	if (dir == SDP_RECVONLY || dir == SDP_INACTIVE)
		return SDP_INACTIVE;
	return SDP_SENDONLY;
}

int sip_dialog_hold(struct sip_dialog *d, const struct sdp_local *local, bool hold)
{
	struct sdp_local l = *local;
	struct ly_buf body;
	int rc;

	if (d->state != SIP_DIALOG_CONFIRMED)
		return d->state == SIP_DIALOG_TERMINATED ? ESRCH : EBUSY;
	if (d->out_invite || d->out_update || d->in_invite || d->in_update)
		return EBUSY;
	l.dir = hold ? held_dir(local->dir) : (local->dir == SDP_DIR_UNSET ? SDP_SENDRECV : local->dir);
	ly_buf_init(&body);
	rc = sip_dialog_sdp_offer(d, &l, &body, NULL);
	if (!rc)
		rc = sip_dialog_reinvite(d, SDP_TYPE, ly_buf_str(&body), body.len);
	ly_buf_free(&body);
	return rc;
}
