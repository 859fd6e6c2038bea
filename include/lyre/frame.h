/*
 * lyre/frame.h - the unit that moves through channels: audio, digits,
 * call-progress controls and text.
 */
#ifndef LYRE_FRAME_H
#define LYRE_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct ly_format;

enum ly_frame_type {
	LY_FRAME_NULL,		/* nothing; wakes a reader */
	LY_FRAME_VOICE,		/* audio in `format`, `samples` samples */
	LY_FRAME_DTMF_BEGIN,	/* `digit` pressed */
	LY_FRAME_DTMF_END,	/* `digit` released after `duration_ms` */
	LY_FRAME_CONTROL,	/* `control` */
	LY_FRAME_TEXT,		/* UTF-8 text in data (not NUL-terminated) */
};

enum ly_control {
	LY_CONTROL_RINGING = 1,
	LY_CONTROL_PROGRESS,
	LY_CONTROL_ANSWER,
	LY_CONTROL_BUSY,
	LY_CONTROL_CONGESTION,
	LY_CONTROL_HOLD,
	LY_CONTROL_UNHOLD,
	LY_CONTROL_HANGUP,
};

struct ly_frame {
	struct ly_frame *next;		/* link while queued on a channel */
	enum ly_frame_type type;
	const struct ly_format *format;	/* LY_FRAME_VOICE */
	unsigned samples;		/* LY_FRAME_VOICE */
	char digit;			/* LY_FRAME_DTMF_* : 0-9 * # A-D */
	unsigned duration_ms;		/* LY_FRAME_DTMF_END */
	enum ly_control control;	/* LY_FRAME_CONTROL */
	uint32_t ts;			/* media timestamp, in samples */
	uint16_t seqno;
	size_t datalen;
	uint8_t *data;			/* points into the frame's own storage */
};

/* A frame of `type` with room for datalen bytes (zeroed); never NULL. */
struct ly_frame *ly_frame_new(enum ly_frame_type type, size_t datalen);
struct ly_frame *ly_frame_voice_new(const struct ly_format *fmt, unsigned samples,
				    const void *data, size_t datalen);
struct ly_frame *ly_frame_control_new(enum ly_control control);
struct ly_frame *ly_frame_dtmf_new(enum ly_frame_type type, char digit, unsigned duration_ms);
struct ly_frame *ly_frame_text_new(const char *text);
struct ly_frame *ly_frame_dup(const struct ly_frame *f);
void ly_frame_free(struct ly_frame *f);	/* NULL-safe */

const char *ly_frame_type_name(enum ly_frame_type type);
const char *ly_control_name(enum ly_control control);

#endif
