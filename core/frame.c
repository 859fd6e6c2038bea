/* core/frame.c - allocation, copying and naming of frames. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lyre/frame.h"
#include "lyre/utils.h"

/* The payload lives in the same block as the header, so a frame is one
 * allocation and one free() whatever its type. */
struct ly_frame *ly_frame_new(enum ly_frame_type type, size_t datalen)
{
	struct ly_frame *f = ly_calloc(1, sizeof(*f) + datalen);

	f->type = type;
	f->datalen = datalen;
	f->data = datalen ? (uint8_t *)(f + 1) : NULL;
	return f;
}

struct ly_frame *ly_frame_voice_new(const struct ly_format *fmt, unsigned samples,
				    const void *data, size_t datalen)
{
	struct ly_frame *f;

	if (!data || !datalen)
		f = ly_frame_new(LY_FRAME_VOICE, datalen);
	else {	/* every 20 ms of every stream: zero only the header */
		f = ly_malloc(sizeof(*f) + datalen);
		memset(f, 0, sizeof(*f));
		f->type = LY_FRAME_VOICE;
		f->datalen = datalen;
		f->data = (uint8_t *)(f + 1);
		memcpy(f->data, data, datalen);
	}
	f->format = fmt;
	f->samples = samples;
	return f;
}

struct ly_frame *ly_frame_control_new(enum ly_control control)
{
	struct ly_frame *f = ly_frame_new(LY_FRAME_CONTROL, 0);

	f->control = control;
	return f;
}

struct ly_frame *ly_frame_dtmf_new(enum ly_frame_type type, char digit, unsigned duration_ms)
{
	struct ly_frame *f = ly_frame_new(type, 0);

	f->digit = digit;
	f->duration_ms = duration_ms;
	return f;
}

struct ly_frame *ly_frame_text_new(const char *text)
{
	size_t len = strlen(text);
	struct ly_frame *f = ly_frame_new(LY_FRAME_TEXT, len);

	memcpy(f->data, text, len);
	return f;
}

struct ly_frame *ly_frame_dup(const struct ly_frame *f)
{
	struct ly_frame *d = ly_frame_new(f->type, f->datalen);
	uint8_t *data = d->data;

	*d = *f;
	/* The copy owns its own payload and is not on anyone's queue. */
	d->data = data;
	d->next = NULL;
	if (f->datalen)
		memcpy(d->data, f->data, f->datalen);
	return d;
}

void ly_frame_free(struct ly_frame *f)
{
	free(f);
}

const char *ly_frame_type_name(enum ly_frame_type type)
{
	switch (type) {
	case LY_FRAME_NULL: return "NULL";
	case LY_FRAME_VOICE: return "VOICE";
	case LY_FRAME_DTMF_BEGIN: return "DTMF_BEGIN";
	case LY_FRAME_DTMF_END: return "DTMF_END";
	case LY_FRAME_CONTROL: return "CONTROL";
	case LY_FRAME_TEXT: return "TEXT";
	}
	return "UNKNOWN";
}

const char *ly_control_name(enum ly_control control)
{
	switch (control) {
	case LY_CONTROL_RINGING: return "RINGING";
	case LY_CONTROL_PROGRESS: return "PROGRESS";
	case LY_CONTROL_ANSWER: return "ANSWER";
	case LY_CONTROL_BUSY: return "BUSY";
	case LY_CONTROL_CONGESTION: return "CONGESTION";
	case LY_CONTROL_HOLD: return "HOLD";
	case LY_CONTROL_UNHOLD: return "UNHOLD";
	case LY_CONTROL_HANGUP: return "HANGUP";
	}
	return "UNKNOWN";
}
