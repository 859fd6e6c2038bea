/*
 * core/console_proto.h - framing of the console socket between the daemon
 * and its remote consoles.
 *
 * A message is one type byte, a 4-byte big-endian payload length, and the
 * payload.  Payloads are text without a terminating NUL.  A conversation:
 *
 *   client                          server
 *   HELLO          ->                        (interactive: send me log lines)
 *   COMMAND "..."  ->
 *                  <-  OUTPUT (0 or more chunks), END (1 byte: 0 ok, 1 failed)
 *   COMPLETE "..." ->
 *                  <-  COMPLETIONS (candidates, one per line)
 *                  <-  LOG (one line, at any time after HELLO)
 *
 * Replies come in the order of the requests; LOG messages may arrive
 * between any two messages.
 */
#ifndef LYRE_CORE_CONSOLE_PROTO_H
#define LYRE_CORE_CONSOLE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "lyre/utils.h"

enum ly_cons_type {
	LY_CONS_HELLO = 'H',		/* client: interactive, subscribe to log lines */
	LY_CONS_COMMAND = 'C',		/* client: run this command line */
	LY_CONS_COMPLETE = 'T',		/* client: complete this (partial) line */
	LY_CONS_OUTPUT = 'O',		/* server: a chunk of command output */
	LY_CONS_END = 'E',		/* server: command finished; 1 status byte */
	LY_CONS_COMPLETIONS = 'L',	/* server: completion candidates */
	LY_CONS_LOG = 'G',		/* server: one log line */
};

#define LY_CONS_HEADER_LEN 5u
/* Larger frames are garbage (or an attack), never a real message. */
#define LY_CONS_MAX_PAYLOAD (1u << 20)
/* Output is sent in chunks of at most this size. */
#define LY_CONS_CHUNK (64u * 1024u)

/* Append one frame to `out` (len <= LY_CONS_MAX_PAYLOAD). */
void ly_cons_encode(struct ly_buf *out, enum ly_cons_type type, const void *payload, size_t len);

/* Write one frame on a blocking socket, all of it; 0 or an errno value.
 * Never raises SIGPIPE. */
int ly_cons_write(int fd, enum ly_cons_type type, const void *payload, size_t len);

/* A received message; payload is NUL-terminated and owned by the reader
 * until the next ly_cons_reader_next. */
struct ly_cons_msg {
	uint8_t type;
	const char *payload;
	size_t len;
};

/* Reassembles frames from reads of any size. */
struct ly_cons_reader {
	uint8_t *buf;
	size_t start, len, cap;	/* unread bytes are buf[start..len) */
	char *msg;		/* the last message's payload */
};

void ly_cons_reader_init(struct ly_cons_reader *r);
void ly_cons_reader_free(struct ly_cons_reader *r);
/* Add received bytes. */
void ly_cons_reader_push(struct ly_cons_reader *r, const void *data, size_t len);
/*
 * One read() from fd into the reader: 0 when bytes arrived, EAGAIN when
 * none are ready (non-blocking fd), EPIPE at end of stream, or an errno.
 */
int ly_cons_reader_fill(struct ly_cons_reader *r, int fd);
/*
 * The next complete message: 0 with *msg filled, EAGAIN when more bytes
 * are needed, EMSGSIZE for a frame over LY_CONS_MAX_PAYLOAD (the stream
 * is then unusable: close it).
 */
int ly_cons_reader_next(struct ly_cons_reader *r, struct ly_cons_msg *msg);

#endif
