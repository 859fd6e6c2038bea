/* core/console_proto.c - encode and reassemble the console socket's frames. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lyre/utils.h"

#include "console_proto.h"

/* Bytes read per read(); frames larger than this arrive in several. */
#define READ_CHUNK 16384u

static void put_header(uint8_t hdr[LY_CONS_HEADER_LEN], enum ly_cons_type type, size_t len)
{
	hdr[0] = (uint8_t)type;
	hdr[1] = (uint8_t)(len >> 24);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 8);
	hdr[4] = (uint8_t)len;
}

void ly_cons_encode(struct ly_buf *out, enum ly_cons_type type, const void *payload, size_t len)
{
	uint8_t hdr[LY_CONS_HEADER_LEN];

	put_header(hdr, type, len);
	ly_buf_append(out, hdr, sizeof(hdr));
	if (len)
		ly_buf_append(out, payload, len);
}

static int send_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		/* MSG_NOSIGNAL: a closed peer is an error to report, not a
		 * SIGPIPE that would kill the process (lyre -r in a script). */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ly_cons_write(int fd, enum ly_cons_type type, const void *payload, size_t len)
{
	uint8_t hdr[LY_CONS_HEADER_LEN];
	int rc;

	if (len > LY_CONS_MAX_PAYLOAD)
		return EMSGSIZE;
	put_header(hdr, type, len);
	rc = send_all(fd, hdr, sizeof(hdr));
	if (rc == 0 && len)
		rc = send_all(fd, payload, len);
	return rc;
}

void ly_cons_reader_init(struct ly_cons_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void ly_cons_reader_free(struct ly_cons_reader *r)
{
	free(r->buf);
	free(r->msg);
	ly_cons_reader_init(r);
}

/* Room for `extra` more bytes, first sliding consumed bytes out. */
static void reader_reserve(struct ly_cons_reader *r, size_t extra)
{
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->start = 0;
	}
	if (r->len + extra <= r->cap)
		return;
	while (r->cap < r->len + extra)
		r->cap = r->cap ? r->cap * 2 : READ_CHUNK;
	r->buf = ly_realloc(r->buf, r->cap);
}

void ly_cons_reader_push(struct ly_cons_reader *r, const void *data, size_t len)
{
	if (!len)
		return;
	reader_reserve(r, len);
	memcpy(r->buf + r->len, data, len);
	r->len += len;
}

int ly_cons_reader_fill(struct ly_cons_reader *r, int fd)
{
	ssize_t n;

	reader_reserve(r, READ_CHUNK);
	do
		n = read(fd, r->buf + r->len, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? EAGAIN : errno;
	if (n == 0)
		return EPIPE;
	r->len += (size_t)n;
	return 0;
}

int ly_cons_reader_next(struct ly_cons_reader *r, struct ly_cons_msg *msg)
{
	size_t avail = r->len - r->start, plen;
	const uint8_t *h;

	if (avail < LY_CONS_HEADER_LEN)
		return EAGAIN;
	h = r->buf + r->start;
	plen = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
	if (plen > LY_CONS_MAX_PAYLOAD)
		return EMSGSIZE;
	if (avail < LY_CONS_HEADER_LEN + plen)
		return EAGAIN;
	/* A copy, so the payload can be NUL-terminated for string use. */
	free(r->msg);
	r->msg = ly_malloc(plen + 1);
	memcpy(r->msg, h + LY_CONS_HEADER_LEN, plen);
	r->msg[plen] = '\0';
	msg->type = h[0];
	msg->payload = r->msg;
	msg->len = plen;
	r->start += LY_CONS_HEADER_LEN + plen;
	if (r->start == r->len)
		r->start = r->len = 0;
	return 0;
}
