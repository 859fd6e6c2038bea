/* tests/unit/test_rtp.c - res_rtp through the core interface: ports, header checks, strict/symmetric RTP, relay, frames. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli_int.h"
#include "loader.h"
#include "log.h"
#include "lyre/channel.h"
#include "lyre/cli.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/module.h"
#include "lyre/rtp.h"
#include "media_int.h"
#include "settings.h"
#include "tap.h"

#define PAIRS 10	/* port pairs in the test's range */

static char moduledir[64], confdir[64];
static unsigned range_start;
static const char *const modules[] = { "codec_slin", "codec_g711", "res_rtp", NULL };

/* ---- helpers: files, modules, CLI ---- */

static void write_conf(const char *text)
{
	char *path = ly_asprintf("%s/rtp.conf", confdir);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

static void write_range_conf(const char *extra)
{
	char *text = ly_asprintf("[general]\nrtpstart = %u\nrtpend = %u\nworkers = 2\n%s",
				 range_start, range_start + 2 * PAIRS - 1, extra);

	write_conf(text);
	free(text);
}

static bool cli_has(const char *line, const char *text)
{
	struct ly_buf out;
	bool ok;

	ly_buf_init(&out);
	ok = ly_cli_execute(line, &out) == LY_CLI_SUCCESS && strstr(ly_buf_str(&out), text);
	if (!ok)
		printf("#   '%s' gave: %s\n", line, ly_buf_str(&out));
	ly_buf_free(&out);
	return ok;
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000000L }, NULL);
}

/* Wait (up to ms) for a line of `rtp show settings` holding text. */
static bool wait_settings(const char *text, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		struct ly_buf out;
		bool ok;

		ly_buf_init(&out);
		ly_cli_execute("rtp show settings", &out);
		ok = strstr(ly_buf_str(&out), text) != NULL;
		ly_buf_free(&out);
		if (ok)
			return true;
		sleep_ms(10);
	}
	return cli_has("rtp show settings", text);
}

/* Wait (up to 2 s) for the free pairs the CLI reports. */
static bool wait_free_pairs(unsigned n)
{
	char want[64];

	snprintf(want, sizeof(want), "Free port pairs:  %u\n", n);
	return wait_settings(want, 2000);
}

static bool bindable(int family, unsigned port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	int fd = socket(family, SOCK_DGRAM, 0);
	bool ok;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&ss, family == AF_INET
				 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* A range of PAIRS free pairs, below the kernel's ephemeral ports (32768+)
 * so that other programs' sockets do not wander into it. */
static unsigned pick_range(void)
{
	srand((unsigned)getpid());
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned start = (20000 + (unsigned)rand() % 12000) & ~1u;
		bool ok = true;

		for (unsigned p = start; ok && p < start + 2 * PAIRS; p++)
			ok = bindable(AF_INET, p) && bindable(AF_INET6, p);
		if (ok)
			return start;
	}
	return 24000;
}

/* ---- helpers: phones (plain UDP sockets on loopback) ---- */

struct phone {
	int fd;
	struct sockaddr_storage addr;
};

static void phone_open(struct phone *p, int family)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len = sizeof(ss);
	struct timeval tv = { 1, 0 };

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	p->fd = socket(family, SOCK_DGRAM, 0);
	CHECK(p->fd >= 0);
	CHECK(bind(p->fd, (struct sockaddr *)&ss, family == AF_INET ? sizeof(struct sockaddr_in)
								   : sizeof(struct sockaddr_in6)) == 0);
	CHECK(getsockname(p->fd, (struct sockaddr *)&p->addr, &len) == 0);
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void phone_close(struct phone *p)
{
	close(p->fd);
}

static socklen_t sslen(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void send_raw(struct phone *p, struct ly_rtp *to, const void *data, size_t len)
{
	struct sockaddr_storage dest;

	CHECK_INT(ly_rtp_local_addr(to, &dest), 0);
	CHECK_INT(sendto(p->fd, data, len, 0, (struct sockaddr *)&dest, sslen(&dest)), len);
}

static size_t build_rtp(uint8_t *b, unsigned pt, bool marker, uint16_t seq, uint32_t ts,
			uint32_t ssrc, size_t payload)
{
	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	for (size_t i = 0; i < payload; i++)
		b[12 + i] = (uint8_t)(seq + i);
	return 12 + payload;
}

static void send_rtp(struct phone *p, struct ly_rtp *to, unsigned pt, uint16_t seq, uint32_t ts,
		     uint32_t ssrc)
{
	uint8_t b[12 + 160];

	send_raw(p, to, b, build_rtp(b, pt, false, seq, ts, ssrc, 160));
}

struct rtp_pkt {
	bool ok;
	bool marker;
	unsigned pt;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint8_t payload[2048];
	size_t len;
};

static struct rtp_pkt recv_rtp(struct phone *p)
{
	struct rtp_pkt r = { 0 };
	uint8_t b[2048 + 12];
	ssize_t n = recv(p->fd, b, sizeof(b), 0);

	if (n < 12 || b[0] != 0x80)
		return r;
	r.ok = true;
	r.marker = b[1] >> 7;
	r.pt = b[1] & 0x7f;
	r.seq = (uint16_t)(b[2] << 8 | b[3]);
	r.ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	r.ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	r.len = (size_t)n - 12;
	memcpy(r.payload, b + 12, r.len);
	return r;
}

/* Nothing arrives within ms. */
static bool phone_silent(struct phone *p, int ms)
{
	struct timeval tv = { 0, ms * 1000 }, back = { 1, 0 };
	uint8_t b[64];
	ssize_t n;

	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(p->fd, b, sizeof(b), 0);
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &back, sizeof(back));
	return n < 0;
}

static struct ly_rtp *session(int family)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	struct ly_rtp *rtp = NULL;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	CHECK_INT(ly_rtp_new(NULL, family, (struct sockaddr *)&ss, &rtp), 0);
	return rtp;
}

static unsigned port_of(struct ly_rtp *rtp)
{
	struct sockaddr_storage ss;

	if (ly_rtp_local_addr(rtp, &ss))
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static struct ly_rtp_stats stats_of(struct ly_rtp *rtp)
{
	struct ly_rtp_stats st = { 0 };

	CHECK_INT(ly_rtp_get_stats(rtp, &st), 0);
	return st;
}

/* Wait (up to 2 s) until the session has handled `n` packets in all. */
static struct ly_rtp_stats wait_handled(struct ly_rtp *rtp, uint64_t n)
{
	struct ly_rtp_stats st;

	for (int i = 0; i < 200; i++) {
		st = stats_of(rtp);
		if (st.packets_in + st.dropped_header + st.dropped_source + st.dropped_learning +
			    st.rtcp_in + st.rtcp_bad >= n)
			break;
		sleep_ms(10);
	}
	return st;
}

/* ---- a channel to receive frames ---- */

static int tech_hangup(struct ly_channel *c)
{
	(void)c;
	return 0;
}

static struct ly_chan_tech test_tech = {
	.type = "RTPTest",
	.description = "channels fed by RTP in the unit test",
	.hangup = tech_hangup,
};

/* ---- the tests ---- */

static void test_setup_loads_res_rtp(void)
{
	const char *top = getenv("top_builddir");
	struct ly_cfg_error err;
	struct ly_buf why;

	ly_log_init();
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_media_core_init(), 0);
	strcpy(moduledir, "/tmp/lyre-rtpmod-XXXXXX");
	strcpy(confdir, "/tmp/lyre-rtpconf-XXXXXX");
	CHECK(mkdtemp(moduledir) != NULL);
	CHECK(mkdtemp(confdir) != NULL);
	range_start = pick_range();
	/* portreuse = 0: the allocator's own order first (test_port_reuse
	 * turns parking on). */
	write_range_conf("strictrtp = yes\nprobation = 4\nicesupport = yes\nportreuse = 0\n");
	CHECK_INT(ly_settings_load(confdir, &err), 0);
	for (const char *const *m = modules; *m; m++) {
		char *target = ly_asprintf("%s/modules/%s/.libs/%s.so", top ? top : ".", *m, *m);
		char *link = ly_asprintf("%s/%s.so", moduledir, *m);

		CHECK_INT(symlink(target, link), 0);
		free(target);
		free(link);
	}
	CHECK_INT(ly_loader_init(moduledir), 0);
	ly_buf_init(&why);
	for (const char *const *m = modules; *m; m++) {
		CHECK_INT(ly_module_load(*m, &why), 0);
		ly_buf_reset(&why);
	}
	ly_buf_free(&why);
	CHECK(ly_rtp_engine_exists("lyre"));
	CHECK(ly_rtp_engine_exists(NULL));
	CHECK(!ly_rtp_engine_exists("nonesuch"));
	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), 0);
	CHECK(wait_free_pairs(PAIRS));
}

static void test_engine_lookup(void)
{
	struct ly_rtp *rtp = (struct ly_rtp *)1;

	CHECK_INT(ly_rtp_new("nonesuch", AF_INET, NULL, &rtp), ENOENT);
	CHECK(rtp == NULL);
	CHECK_INT(ly_rtp_new(NULL, AF_UNIX, NULL, &rtp), EAFNOSUPPORT);
	rtp = session(AF_INET);
	CHECK_STR(ly_rtp_engine_name(rtp), "lyre");
	CHECK_INT(ly_rtp_relay(rtp, rtp), EINVAL);
	ly_rtp_destroy(rtp);
	ly_rtp_destroy(NULL);
	CHECK(wait_free_pairs(PAIRS));	/* the worker releases ports on its own time */
}

/* RTPAUDIOQOS as Asterisk prints it (seconds with six decimals), built
 * without printf; the figures are each edge its text has. */
static void test_qos_text(void)
{
	struct ly_rtp_stats st = {
		.ssrc_out = 305419896, .ssrc_in = 4271560481u, .lost_in = -2, .jitter_in_us = 1234567,
		.packets_in = 1500, .jitter_out_us = 5, .packets_out = 18446744073709551615ull,
		.have_report = true, .lost_out = 3, .rtt_us = -1,
	};
	char buf[320], tiny[16];

	ly_rtp_stats_qos(&st, buf, sizeof(buf));
	CHECK_STR(buf, "ssrc=305419896;themssrc=4271560481;lp=-2;rxjitter=1.234567;rxcount=1500"
		       ";txjitter=0.000005;txcount=18446744073709551615;rlp=3;rtt=0.000000");
	st.have_report = false;
	st.rtt_us = 12345678901;
	st.jitter_in_us = 0;
	ly_rtp_stats_qos(&st, buf, sizeof(buf));
	CHECK(strstr(buf, ";rxjitter=0.000000;") != NULL);
	CHECK(strstr(buf, ";rlp=0;rtt=12345.678901") != NULL);
	ly_rtp_stats_qos(&st, tiny, sizeof(tiny));	/* cut, still a string */
	CHECK_STR(tiny, "ssrc=305419896;");
}

static void test_sessions_in_range_even_ports(void)
{
	struct ly_rtp *s[PAIRS + 1] = { 0 };
	unsigned ports[PAIRS], first_released;
	struct ly_buf why;
	int n = 0;

	for (n = 0; n < PAIRS; n++) {
		s[n] = session(AF_INET);
		if (!s[n])
			break;
		ports[n] = port_of(s[n]);
		CHECK(ports[n] % 2 == 0);
		CHECK(ports[n] >= range_start && ports[n] + 1 <= range_start + 2 * PAIRS - 1);
		for (int k = 0; k < n; k++)
			CHECK(ports[k] != ports[n]);
	}
	/* The odd port above each is held for RTCP. */
	if (n > 0) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons((uint16_t)(ports[0] + 1)),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno == EADDRINUSE);
		close(fd);
	}
	/* The range is full; the module is in use. */
	CHECK_INT(ly_rtp_new(NULL, AF_INET, NULL, &s[PAIRS]), EADDRINUSE);
	ly_buf_init(&why);
	CHECK_INT(ly_module_unload("res_rtp", &why), EBUSY);
	ly_buf_free(&why);
	CHECK(cli_has("rtp show settings", "Sessions:         10\n"));

	/* Released ports queue up: the first one released is the first reused. */
	first_released = ports[3];
	ly_rtp_destroy(s[3]);
	CHECK(wait_free_pairs(1));
	ly_rtp_destroy(s[4]);
	s[3] = s[4] = NULL;
	CHECK(wait_free_pairs(2));
	s[3] = session(AF_INET);
	CHECK_INT(port_of(s[3]), first_released);
	for (int k = 0; k < PAIRS; k++)
		ly_rtp_destroy(s[k]);
	CHECK(wait_free_pairs(PAIRS));
	CHECK(cli_has("rtp show settings", "Sessions:         0\n"));
}

static void test_release_order_avoids_reuse(void)
{
	struct ly_rtp *a = session(AF_INET), *b;
	unsigned pa = port_of(a);

	ly_rtp_destroy(a);
	CHECK(wait_free_pairs(PAIRS));
	/* Nine other pairs are free and older: the one just released waits. */
	for (int i = 0; i < PAIRS - 1; i++) {
		b = session(AF_INET);
		CHECK(port_of(b) != pa);
		ly_rtp_destroy(b);
	}
	CHECK(wait_free_pairs(PAIRS));
}

static void send_to_parked(struct phone *p, unsigned port, int n)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint8_t b[12 + 160];
	size_t len = build_rtp(b, 0, false, 1, 160, 0x1234, 160);

	for (int i = 0; i < n; i++)
		CHECK_INT(sendto(p->fd, b, len, 0, (struct sockaddr *)&to, sizeof(to)), len);
}

/* Parking counts on open files: as many as the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* portreuse: a released pair stays bound, drops late media, serves a new
 * session after the delay (at once when no port is free), and is closed
 * after a while or by a reload. */
static void test_port_reuse(void)
{
	struct ly_rtp *a, *b, *s[PAIRS + 1] = { 0 };
	struct ly_rtp_stats st;
	struct ly_buf why;
	struct phone ph;
	unsigned pa;
	int n;

	raise_nofile();
	ly_buf_init(&why);
	write_range_conf("portreuse = 1000\n");
	CHECK_INT(ly_module_reload("res_rtp", &why), 0);
	/* PAIRS / 4 = 2 pairs may wait. */
	CHECK(cli_has("rtp show settings", "Port reuse:       after 1000 ms; 0 of at most 2 pairs parked"));

	a = session(AF_INET);
	pa = port_of(a);
	ly_rtp_destroy(a);
	CHECK(wait_settings("1 of at most 2 pairs parked", 2000));
	CHECK(cli_has("rtp show settings", "Free port pairs:  9\n"));	/* still bound */
	/* Within the delay a new session gets another pair... */
	b = session(AF_INET);
	CHECK(port_of(b) != pa);
	ly_rtp_destroy(b);
	/* ...and late media of the ended call is read and dropped. */
	phone_open(&ph, AF_INET);
	send_to_parked(&ph, pa, 3);
	CHECK(wait_settings(", 3 late packets dropped on them", 2000));

	/* After the delay the oldest parked pair serves the next session,
	 * which hears its own media as usual. */
	sleep_ms(1100);
	a = session(AF_INET);
	CHECK_INT(port_of(a), pa);
	ly_rtp_set_remote(a, (struct sockaddr *)&ph.addr);
	send_rtp(&ph, a, 0, 7, 7 * 160, 0x4321);
	st = wait_handled(a, 1);
	CHECK_INT(st.packets_in, 1);
	ly_rtp_destroy(a);

	/* No port free: a parked pair serves at once, whatever its age. */
	CHECK(wait_settings("2 of at most 2 pairs parked", 2000));
	for (n = 0; n < PAIRS; n++)
		if (!(s[n] = session(AF_INET)))
			break;
	CHECK_INT(n, PAIRS);
	CHECK_INT(ly_rtp_new(NULL, AF_INET, NULL, &s[PAIRS]), EADDRINUSE);
	for (n = 0; n < PAIRS; n++)
		ly_rtp_destroy(s[n]);
	/* Two parked, the rest closed; then the parked ones close in time. */
	CHECK(wait_settings("2 of at most 2 pairs parked", 2000));
	CHECK(wait_free_pairs(PAIRS - 2));
	CHECK(wait_settings("Free port pairs:  10\n", 8000));
	CHECK(cli_has("rtp show settings", "0 of at most 2 pairs parked"));

	/* A reload retires parked pairs; portreuse = 0 parks none. */
	ly_rtp_destroy(session(AF_INET));
	CHECK(wait_settings("1 of at most 2 pairs parked", 2000));
	write_range_conf("portreuse = 0\n");
	CHECK_INT(ly_module_reload("res_rtp", &why), 0);
	CHECK(cli_has("rtp show settings", "Port reuse:       off"));
	CHECK(wait_free_pairs(PAIRS));
	ly_rtp_destroy(session(AF_INET));
	CHECK(wait_free_pairs(PAIRS));
	phone_close(&ph);
	ly_buf_free(&why);
}

static void test_malformed_headers_dropped(void)
{
	struct ly_rtp *rtp = session(AF_INET);
	struct ly_channel *chan = ly_chan_alloc(&test_tech, NULL, "RTPTest/hdr");
	const struct ly_format *ulaw = ly_format_find("ulaw");
	struct ly_rtp_stats st;
	struct ly_frame *f;
	struct phone p;
	uint8_t b[400];
	size_t len;

	phone_open(&p, AF_INET);
	CHECK_INT(ly_rtp_set_remote(rtp, (struct sockaddr *)&p.addr), 0);
	CHECK_INT(ly_rtp_set_payload(rtp, 0, ulaw), 0);
	CHECK_INT(ly_rtp_set_payload(rtp, 72, ulaw), EINVAL);	/* RTCP's range */
	CHECK_INT(ly_rtp_set_channel(rtp, chan), 0);

	send_raw(&p, rtp, "garbage", 7);			/* 1 shorter than a header */
	len = build_rtp(b, 0, false, 1, 1, 7, 20);
	b[0] = 0x40;						/* 2 version 1 */
	send_raw(&p, rtp, b, len);
	len = build_rtp(b, 0, false, 1, 1, 7, 20);
	b[0] = 0x8f;						/* 3 15 CSRCs in 20 bytes */
	send_raw(&p, rtp, b, len);
	len = build_rtp(b, 0, false, 1, 1, 7, 20);
	b[0] = 0x90;						/* 4 extension too long */
	b[14] = 0x01;
	b[15] = 0x00;
	send_raw(&p, rtp, b, len);
	len = build_rtp(b, 0, false, 1, 1, 7, 20);
	b[0] = 0xa0;						/* 5 padding count 0 */
	b[len - 1] = 0;
	send_raw(&p, rtp, b, len);
	len = build_rtp(b, 0, false, 1, 1, 7, 20);
	b[0] = 0xa0;						/* 6 padding past the header */
	b[len - 1] = 200;
	send_raw(&p, rtp, b, len);
	len = build_rtp(b, 72, true, 1, 1, 7, 20);		/* 7 RTCP (SR) on the RTP port */
	send_raw(&p, rtp, b, len);
	len = build_rtp(b, 20, false, 1, 1, 7, 20);		/* 8 unassigned payload type */
	send_raw(&p, rtp, b, len);

	/* A valid one with CSRC, extension and padding: payload is what is left. */
	memset(b, 0, sizeof(b));
	b[0] = 0x80 | 0x20 | 0x10 | 1;
	b[1] = 0;
	b[3] = 9;						/* seq 9 */
	b[7] = 160;						/* ts 160 */
	b[11] = 7;						/* ssrc 7 */
	b[18] = 0;
	b[19] = 1;						/* extension of one word */
	memset(b + 24, 0x55, 160);				/* payload */
	b[24 + 160 + 3] = 4;					/* 4 bytes of padding */
	send_raw(&p, rtp, b, 24 + 160 + 4);

	st = wait_handled(rtp, 9);
	CHECK_INT(st.dropped_header, 7);
	CHECK_INT(st.rtcp_bad, 1);	/* PT 200 on the RTP port is RTCP (RFC 5761 §4) */
	CHECK_INT(st.packets_in, 1);
	CHECK_INT(st.ssrc_in, 7);
	f = ly_chan_read(chan, 1000);
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->type, LY_FRAME_VOICE);
		CHECK(f->format == ulaw);
		CHECK_INT(f->samples, 160);
		CHECK_INT(f->datalen, 160);
		CHECK_INT(f->seqno, 9);
		CHECK_INT(f->ts, 160);
		CHECK(f->data && f->data[0] == 0x55 && f->data[159] == 0x55);
		ly_frame_free(f);
	}
	/* A mapped type becomes frames; an unmapped one is counted. */
	send_rtp(&p, rtp, 8, 10, 320, 7);
	for (int i = 0; i < 200 && stats_of(rtp).dropped_payload < 1; i++)
		sleep_ms(10);
	CHECK_INT(stats_of(rtp).dropped_payload, 1);
	/* Nothing of it reached the channel: what the jitter buffer may
	 * hand out meanwhile is concealment, the last mu-law frame again. */
	while ((f = ly_chan_read(chan, 100)) != NULL) {
		CHECK(f->format == ulaw && f->data[0] == 0x55);
		ly_frame_free(f);
	}

	ly_rtp_destroy(rtp);
	ly_chan_hangup(chan);
	phone_close(&p);
}

static void test_write_stamps_headers(void)
{
	struct ly_rtp *rtp = session(AF_INET);
	const struct ly_format *ulaw = ly_format_find("ulaw"), *alaw = ly_format_find("alaw");
	uint8_t audio[160];
	struct ly_frame *f;
	struct rtp_pkt r[3];
	struct phone p;

	phone_open(&p, AF_INET);
	memset(audio, 0xab, sizeof(audio));
	f = ly_frame_voice_new(ulaw, 160, audio, sizeof(audio));
	CHECK_INT(ly_rtp_set_payload(rtp, 0, ulaw), 0);
	CHECK_INT(ly_rtp_write(rtp, f), 0);		/* no remote yet: nothing goes */
	CHECK(phone_silent(&p, 50));
	CHECK_INT(ly_rtp_set_remote(rtp, (struct sockaddr *)&p.addr), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_INT(ly_rtp_write(rtp, f), 0);
		r[i] = recv_rtp(&p);
		CHECK(r[i].ok);
	}
	CHECK_INT(r[0].pt, 0);
	CHECK_INT(r[0].ssrc, stats_of(rtp).ssrc_out);
	CHECK(r[0].marker);
	CHECK(!r[1].marker && !r[2].marker);
	CHECK_INT(r[1].ssrc, r[0].ssrc);
	CHECK_INT((uint16_t)(r[1].seq - r[0].seq), 1);
	CHECK_INT((uint16_t)(r[2].seq - r[1].seq), 1);
	CHECK_INT(r[1].ts - r[0].ts, 160);
	CHECK_INT(r[2].ts - r[1].ts, 160);
	CHECK_INT(r[2].len, 160);
	CHECK(r[2].payload[0] == 0xab && r[2].payload[159] == 0xab);
	CHECK_INT(stats_of(rtp).packets_out, 3);
	CHECK_INT(stats_of(rtp).bytes_out, 3 * 172);
	ly_frame_free(f);

	f = ly_frame_voice_new(alaw, 160, audio, sizeof(audio));
	CHECK_INT(ly_rtp_write(rtp, f), EINVAL);	/* SDP gave alaw no payload type */
	ly_frame_free(f);
	ly_rtp_destroy(rtp);
	phone_close(&p);
}

/* telephone-event/48000 (beside Opus): the event's durations count in its
 * own clock, 960 units per 20 ms packet (RFC 4733 §2.5.1.3), not 8 kHz's. */
static void test_dtmf_event_clock_48k(void)
{
	struct ly_rtp *rtp = session(AF_INET);
	struct rtp_pkt r;
	uint32_t prev = 0, last = 0;
	unsigned ends = 0, packets = 0;
	bool steps_ok = true;
	struct phone p;

	phone_open(&p, AF_INET);
	CHECK_INT(ly_rtp_set_dtmf(rtp, LY_RTP_DTMF_RFC4733, 101, 48000), 0);
	CHECK_INT(ly_rtp_set_remote(rtp, (struct sockaddr *)&p.addr), 0);
	CHECK_INT(ly_rtp_dtmf_end(rtp, '5', 200), 0);	/* a whole 200 ms digit */
	while (ends < 3 && packets < 40) {
		r = recv_rtp(&p);
		if (!r.ok)
			break;
		packets++;
		CHECK_INT(r.pt, 101);
		last = (uint32_t)r.payload[2] << 8 | r.payload[3];
		if (r.payload[1] & 0x80)
			ends++;
		else if (prev && last - prev != 960)
			steps_ok = false;
		prev = last;
	}
	CHECK_INT(ends, 3);
	CHECK(steps_ok);
	CHECK(last >= 9600 && last <= 9600 + 960);	/* 200 ms at 48 kHz */
	ly_rtp_destroy(rtp);
	phone_close(&p);
}

/* Symmetric + strict: the NAT source is learnt after probation, a foreign
 * one is dropped, and only a new remote from signalling moves the lock. */
static void test_symmetric_strict_learning(void)
{
	struct ly_rtp *rtp = session(AF_INET);
	const struct ly_format *ulaw = ly_format_find("ulaw");
	struct sockaddr_storage dest;
	struct ly_frame *f;
	struct ly_rtp_stats st;
	struct phone sdp, nat, intruder;
	uint8_t audio[160] = { 0 };
	uint64_t handled = 0;

	phone_open(&sdp, AF_INET);
	phone_open(&nat, AF_INET);
	phone_open(&intruder, AF_INET);
	CHECK_INT(ly_rtp_set_payload(rtp, 0, ulaw), 0);
	CHECK_INT(ly_rtp_set_symmetric(rtp, true), 0);
	CHECK_INT(ly_rtp_set_remote(rtp, (struct sockaddr *)&sdp.addr), 0);
	CHECK_INT(ly_rtp_remote_addr(rtp, &dest), 0);
	CHECK(memcmp(&dest, &sdp.addr, sslen(&dest)) == 0);

	/* The phone really sends from behind NAT: three packets on probation... */
	for (uint16_t seq = 100; seq < 103; seq++)
		send_rtp(&nat, rtp, 0, seq, seq * 160u, 0x1111);
	st = wait_handled(rtp, handled += 3);
	CHECK_INT(st.dropped_learning, 3);
	CHECK_INT(st.packets_in, 0);
	/* ... a stranger's packet breaks the run, which must start again ... */
	send_rtp(&intruder, rtp, 0, 5, 5, 0x6666);
	for (uint16_t seq = 103; seq < 106; seq++)
		send_rtp(&nat, rtp, 0, seq, seq * 160u, 0x1111);
	st = wait_handled(rtp, handled += 4);
	CHECK_INT(st.dropped_learning, 7);
	CHECK_INT(st.packets_in, 0);
	/* ... and the fourth in sequence is accepted and locks the source. */
	send_rtp(&nat, rtp, 0, 106, 106 * 160u, 0x1111);
	st = wait_handled(rtp, handled += 1);
	CHECK_INT(st.packets_in, 1);
	CHECK_INT(ly_rtp_remote_addr(rtp, &dest), 0);
	CHECK(memcmp(&dest, &nat.addr, sslen(&dest)) == 0);

	/* Our media now goes to the NAT address, not the SDP one. */
	f = ly_frame_voice_new(ulaw, 160, audio, sizeof(audio));
	CHECK_INT(ly_rtp_write(rtp, f), 0);
	CHECK(recv_rtp(&nat).ok);
	CHECK(phone_silent(&sdp, 50));

	/* Foreign sources, even the SDP address, are dropped once locked. */
	for (uint16_t seq = 1; seq <= 5; seq++)
		send_rtp(&intruder, rtp, 0, seq, seq * 160u, 0x6666);
	send_rtp(&sdp, rtp, 0, 1, 160, 0x2222);
	st = wait_handled(rtp, handled += 6);
	CHECK_INT(st.dropped_source, 6);
	CHECK_INT(st.packets_in, 1);

	/* A re-INVITE moves the media: the new SDP address is trusted at once. */
	CHECK_INT(ly_rtp_set_remote(rtp, (struct sockaddr *)&intruder.addr), 0);
	send_rtp(&intruder, rtp, 0, 6, 6 * 160u, 0x6666);
	st = wait_handled(rtp, handled += 1);
	CHECK_INT(st.packets_in, 2);
	send_rtp(&nat, rtp, 0, 107, 107 * 160u, 0x1111);
	st = wait_handled(rtp, handled += 1);
	CHECK_INT(st.dropped_source, 7);
	CHECK_INT(ly_rtp_write(rtp, f), 0);
	CHECK(recv_rtp(&intruder).ok);
	CHECK(phone_silent(&nat, 50));

	ly_frame_free(f);
	ly_rtp_destroy(rtp);
	phone_close(&sdp);
	phone_close(&nat);
	phone_close(&intruder);
}

/* Relay between two phones: each sees one stream from the PBX, with its own
 * SSRC and no jump in sequence or timestamp, also after the other phone
 * restarts its stream (new SSRC, new sequence) as after a re-INVITE. */
static void test_relay_keeps_streams_consistent(void)
{
	struct ly_rtp *a = session(AF_INET), *b = session(AF_INET);
	const struct ly_format *ulaw = ly_format_find("ulaw");
	struct ly_channel *chan = ly_chan_alloc(&test_tech, NULL, "RTPTest/relay");
	struct phone pa, pb;
	struct rtp_pkt r[8];
	uint32_t b_ssrc;

	phone_open(&pa, AF_INET);
	phone_open(&pb, AF_INET);
	CHECK_INT(ly_rtp_set_remote(a, (struct sockaddr *)&pa.addr), 0);
	CHECK_INT(ly_rtp_set_remote(b, (struct sockaddr *)&pb.addr), 0);
	CHECK_INT(ly_rtp_set_payload(a, 0, ulaw), 0);
	CHECK_INT(ly_rtp_set_payload(b, 0, ulaw), 0);
	CHECK_INT(ly_rtp_set_channel(a, chan), 0);
	CHECK_INT(ly_rtp_relay(a, b), 0);
	b_ssrc = stats_of(b).ssrc_out;

	for (int i = 0; i < 4; i++) {
		send_rtp(&pa, a, 0, (uint16_t)(65534 + i), 1000u + 160u * (unsigned)i, 0xaaaa);
		r[i] = recv_rtp(&pb);
		CHECK(r[i].ok);
		CHECK_INT(r[i].ssrc, b_ssrc);
		CHECK_INT(r[i].pt, 0);
		CHECK_INT(r[i].len, 160);
		CHECK_INT(r[i].payload[0], (uint8_t)(65534 + i));	/* payload untouched */
	}
	for (int i = 1; i < 4; i++) {
		CHECK_INT((uint16_t)(r[i].seq - r[i - 1].seq), 1);
		CHECK_INT(r[i].ts - r[i - 1].ts, 160);
		CHECK(!r[i].marker);
	}
	CHECK(r[0].marker);	/* a new stream starts */

	/* Phone A is replaced (a re-INVITE): a new SSRC and timestamp base,
	 * and by chance a sequence number that follows on. */
	sleep_ms(40);
	for (int i = 4; i < 8; i++) {
		send_rtp(&pa, a, 0, (uint16_t)(65534 + i), 777777u + 160u * (unsigned)i, 0xbbbb);
		r[i] = recv_rtp(&pb);
		CHECK(r[i].ok);
		CHECK_INT(r[i].ssrc, b_ssrc);
	}
	CHECK_INT((uint16_t)(r[4].seq - r[3].seq), 1);
	CHECK(r[4].ts - r[3].ts >= 160 && r[4].ts - r[3].ts < 8000);	/* ~40 ms later */
	CHECK(r[4].marker);
	for (int i = 5; i < 8; i++) {
		CHECK_INT((uint16_t)(r[i].seq - r[i - 1].seq), 1);
		CHECK_INT(r[i].ts - r[i - 1].ts, 160);
	}
	/* A jump in sequence within one SSRC (a restarted sender) is smoothed too. */
	send_rtp(&pa, a, 0, 50000, 5, 0xbbbb);
	r[0] = recv_rtp(&pb);
	CHECK_INT((uint16_t)(r[0].seq - r[7].seq), 1);
	CHECK(r[0].marker);

	/* The other way round, with B's own stream toward A. */
	send_rtp(&pb, b, 0, 10, 10, 0xcccc);
	r[1] = recv_rtp(&pa);
	CHECK(r[1].ok);
	CHECK_INT(r[1].ssrc, stats_of(a).ssrc_out);
	CHECK(r[1].ssrc != b_ssrc);

	CHECK_INT(stats_of(a).relayed, 9);
	CHECK_INT(stats_of(b).relayed, 1);
	CHECK_INT(stats_of(b).packets_out, 9);
	CHECK_INT(ly_chan_queue_len(chan), 0);	/* the channel was never woken */

	/* Unrelayed: A's packets are frames for its channel again. */
	CHECK_INT(ly_rtp_unrelay(a), 0);
	send_rtp(&pa, a, 0, 50001, 165, 0xbbbb);
	ly_frame_free(ly_chan_read(chan, 1000));
	CHECK(phone_silent(&pb, 50));
	CHECK_INT(stats_of(a).relayed, 9);

	ly_rtp_destroy(a);
	ly_rtp_destroy(b);
	ly_chan_hangup(chan);
	phone_close(&pa);
	phone_close(&pb);
}

/* Relay after a local write continues B's stream; a session destroyed
 * while relayed leaves its peer alone. */
static void test_relay_after_local_and_destroy(void)
{
	struct ly_rtp *a = session(AF_INET), *b = session(AF_INET);
	const struct ly_format *ulaw = ly_format_find("ulaw");
	uint8_t audio[160] = { 0 };
	struct ly_frame *f = ly_frame_voice_new(ulaw, 160, audio, sizeof(audio));
	struct phone pa, pb;
	struct rtp_pkt w, r;

	phone_open(&pa, AF_INET);
	phone_open(&pb, AF_INET);
	ly_rtp_set_remote(a, (struct sockaddr *)&pa.addr);
	ly_rtp_set_remote(b, (struct sockaddr *)&pb.addr);
	ly_rtp_set_payload(a, 0, ulaw);
	ly_rtp_set_payload(b, 8, ly_format_find("alaw"));
	ly_rtp_set_payload(b, 0, ulaw);
	CHECK_INT(ly_rtp_write(b, f), 0);		/* say, a prompt before the bridge */
	w = recv_rtp(&pb);
	CHECK_INT(ly_rtp_relay(a, b), 0);
	send_rtp(&pa, a, 0, 4242, 99, 0xdddd);
	r = recv_rtp(&pb);
	CHECK(w.ok && r.ok);
	CHECK_INT(r.ssrc, w.ssrc);
	CHECK_INT((uint16_t)(r.seq - w.seq), 1);
	CHECK(r.ts - w.ts >= 160);
	ly_rtp_destroy(a);
	CHECK_INT(ly_rtp_write(b, f), 0);
	r = recv_rtp(&pb);
	CHECK(r.ok);
	CHECK_INT(r.ssrc, w.ssrc);
	ly_frame_free(f);
	ly_rtp_destroy(b);
	phone_close(&pa);
	phone_close(&pb);
}

/* ---- RTCP ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A peer's SR (no blocks) or RR (one block about `about`) plus SDES. */
static size_t build_rtcp(uint8_t *b, bool sr, uint32_t ssrc, uint32_t ntp_hi, uint32_t ntp_lo,
			 uint32_t about, uint32_t lsr)
{
	size_t n;

	memset(b, 0, 128);
	if (sr) {
		b[0] = 0x80;
		b[1] = 200;
		b[3] = 6;
		put32(b + 4, ssrc);
		put32(b + 8, ntp_hi);
		put32(b + 12, ntp_lo);
		n = 28;
	} else {
		b[0] = 0x81;
		b[1] = 201;
		b[3] = 7;
		put32(b + 4, ssrc);
		put32(b + 8, about);
		put32(b + 24, lsr);	/* LSR; DLSR 0 */
		n = 32;
	}
	b[n] = 0x81;
	b[n + 1] = 202;
	b[n + 3] = 2;
	put32(b + n + 4, ssrc);
	b[n + 8] = 1;
	b[n + 9] = 1;
	b[n + 10] = 'p';
	return n + 12;
}

static void send_to_port(struct phone *p, struct ly_rtp *to, unsigned delta, const void *d, size_t len)
{
	struct sockaddr_storage dest;

	CHECK_INT(ly_rtp_local_addr(to, &dest), 0);
	((struct sockaddr_in *)&dest)->sin_port = htons((uint16_t)(port_of(to) + delta));
	CHECK_INT(sendto(p->fd, d, len, 0, (struct sockaddr *)&dest, sslen(&dest)), len);
}

/* Reports both ways: our SR's block reflects the peer's loss, the peer's RR
 * gives a round trip, and RTCP on the RTP port (mux) is understood. */
static void test_rtcp_reports(void)
{
	struct ly_rtp *rtp = session(AF_INET);
	const struct ly_format *ulaw = ly_format_find("ulaw");
	struct phone p, q;
	uint8_t b[512], audio[160] = { 0 };
	struct ly_rtp_stats st;
	struct timeval tv = { 5, 0 };
	struct ly_frame *f;
	ssize_t n;
	size_t len;
	uint32_t our_ssrc, lsr;

	phone_open(&p, AF_INET);
	phone_open(&q, AF_INET);	/* the peer's RTCP socket */
	setsockopt(q.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CHECK_INT(ly_rtp_set_remote(rtp, (struct sockaddr *)&p.addr), 0);
	CHECK_INT(ly_rtp_set_payload(rtp, 0, ulaw), 0);
	CHECK_INT(ly_rtp_set_rtcp(rtp, false, ntohs(((struct sockaddr_in *)&q.addr)->sin_port)), 0);
	for (uint16_t s = 1; s <= 50; s++)
		if (s % 10 != 5)	/* 5 of 50 lost */
			send_rtp(&p, rtp, 0, s, s * 160u, 7);
	f = ly_frame_voice_new(ulaw, 160, audio, sizeof(audio));
	for (int i = 0; i < 5; i++)
		CHECK_INT(ly_rtp_write(rtp, f), 0);
	ly_frame_free(f);
	len = build_rtcp(b, true, 7, 0x01020304, 0x05060000, 0, 0);
	send_to_port(&q, rtp, 1, b, len);
	st = wait_handled(rtp, 46);
	CHECK_INT(st.rtcp_in, 1);
	CHECK_INT(st.expected_in, 50);
	CHECK_INT(st.lost_in, 5);
	CHECK(st.rtt_us < 0);
	our_ssrc = st.ssrc_out;

	/* Our first report within 2.5 * 1.5 / 1.218 s: an SR with our counts. */
	do
		n = recv(q.fd, b, sizeof(b), 0);
	while (n > 0 && b[1] != 200);
	CHECK(n >= 28 + 24);
	if (n >= 28 + 24) {
		CHECK_INT(b[0] & 0x1f, 1);
		CHECK_INT(get32(b + 4), our_ssrc);
		CHECK_INT(get32(b + 20), 5);			/* packets sent */
		CHECK_INT(get32(b + 28), 7);			/* block about the peer */
		CHECK_INT(get32(b + 32) & 0xffffff, 5);	/* cumulative lost */
		CHECK_INT(get32(b + 36), 50);			/* extended highest seq */
		CHECK_INT(get32(b + 44), 0x03040506);		/* LSR: middle of its NTP */
		lsr = get32(b + 8) << 16 | get32(b + 12) >> 16;	/* our SR's NTP, middle */
		/* The peer answers at once: round trip about 0. */
		len = build_rtcp(b, false, 7, 0, 0, our_ssrc, lsr);
		send_to_port(&q, rtp, 1, b, len);
		for (int i = 0; i < 100 && stats_of(rtp).rtcp_in < 2; i++)
			sleep_ms(10);
		st = stats_of(rtp);
		CHECK_INT(st.rtcp_in, 2);
		CHECK(st.have_report);
		CHECK(st.rtt_us >= 0 && st.rtt_us < 500000);
	}
	/* RTCP-mux: an RR on the RTP port is RTCP, not a bad RTP header. */
	CHECK_INT(ly_rtp_set_rtcp(rtp, true, 0), 0);
	len = build_rtcp(b, false, 7, 0, 0, our_ssrc, 0);
	send_to_port(&p, rtp, 0, b, len);
	for (int i = 0; i < 100 && stats_of(rtp).rtcp_in < 3; i++)
		sleep_ms(10);
	st = stats_of(rtp);
	CHECK_INT(st.rtcp_in, 3);
	CHECK(st.rtcp_mux);
	CHECK_INT(st.dropped_header, 0);
	/* Garbage on the RTCP port is counted, never taken. */
	send_to_port(&q, rtp, 1, "\x81\xc9\x00\x07junk", 8);
	for (int i = 0; i < 100 && stats_of(rtp).rtcp_bad < 1; i++)
		sleep_ms(10);
	CHECK_INT(stats_of(rtp).rtcp_bad, 1);
	phone_close(&p);
	phone_close(&q);
	ly_rtp_destroy(rtp);
}

static void test_ipv6(void)
{
	struct ly_rtp *rtp = session(AF_INET6);
	const struct ly_format *ulaw = ly_format_find("ulaw");
	struct ly_channel *chan = ly_chan_alloc(&test_tech, NULL, "RTPTest/v6");
	struct sockaddr_storage local;
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	uint8_t audio[160] = { 0 };
	struct ly_frame *f = ly_frame_voice_new(ulaw, 160, audio, sizeof(audio)), *in;
	struct phone p;

	if (!rtp)
		return;
	phone_open(&p, AF_INET6);
	CHECK_INT(ly_rtp_local_addr(rtp, &local), 0);
	CHECK_INT(local.ss_family, AF_INET6);
	CHECK_INT(ly_rtp_set_remote(rtp, (struct sockaddr *)&v4), EAFNOSUPPORT);
	CHECK_INT(ly_rtp_set_remote(rtp, (struct sockaddr *)&p.addr), 0);
	ly_rtp_set_payload(rtp, 0, ulaw);
	ly_rtp_set_channel(rtp, chan);
	CHECK_INT(ly_rtp_write(rtp, f), 0);
	CHECK(recv_rtp(&p).ok);
	send_rtp(&p, rtp, 0, 1, 160, 0x6);
	in = ly_chan_read(chan, 1000);
	CHECK(in && in->format == ulaw && in->samples == 160);
	ly_frame_free(in);
	CHECK(cli_has("rtp show stats", "[::1]:"));
	ly_frame_free(f);
	ly_rtp_destroy(rtp);
	ly_chan_hangup(chan);
	phone_close(&p);
}

struct tone {
	const struct ly_format *fmt;
	int made;
};

static struct ly_frame *make_tone(void *arg)
{
	struct tone *t = arg;
	uint8_t audio[160];

	memset(audio, 0x7f, sizeof(audio));
	t->made++;
	return ly_frame_voice_new(t->fmt, 160, audio, sizeof(audio));
}

static void test_generator_ticks(void)
{
	struct ly_rtp *rtp = session(AF_INET);
	struct tone t = { ly_format_find("ulaw"), 0 };
	struct rtp_pkt r[3];
	struct phone p;
	int made;

	phone_open(&p, AF_INET);
	ly_rtp_set_payload(rtp, 0, t.fmt);
	ly_rtp_set_remote(rtp, (struct sockaddr *)&p.addr);
	CHECK_INT(ly_rtp_set_generator(rtp, make_tone, &t), 0);
	for (int i = 0; i < 3; i++)
		r[i] = recv_rtp(&p);
	CHECK_INT(ly_rtp_set_generator(rtp, NULL, NULL), 0);
	made = t.made;
	CHECK(r[0].ok && r[1].ok && r[2].ok);
	CHECK_INT((uint16_t)(r[2].seq - r[1].seq), 1);
	CHECK_INT(r[2].ts - r[1].ts, 160);
	sleep_ms(60);
	CHECK_INT(t.made, made);	/* stopped for good */
	ly_rtp_destroy(rtp);
	phone_close(&p);
}

static void test_cli_and_reload(void)
{
	struct ly_rtp *rtp = session(AF_INET);
	struct ly_rtp_stats st;
	struct phone a, b;
	struct ly_buf why;
	char range[64];

	snprintf(range, sizeof(range), "Port range:       %u-%u", range_start,
		 range_start + 2 * PAIRS - 1);
	CHECK(cli_has("rtp show settings", range));
	CHECK(cli_has("rtp show settings", "Strict RTP:       Yes"));
	CHECK(cli_has("rtp show settings", "Media workers:    2"));
	CHECK(cli_has("rtp show stats", "127.0.0.1:"));
	CHECK(cli_has("rtp show stats", "1 RTP session\n"));
	ly_rtp_destroy(rtp);

	/* A broken file keeps what runs, and says where it is wrong. */
	ly_buf_init(&why);
	write_conf("[general]\nrtpstart = 20000\nrtpend = 10\n");
	CHECK(ly_module_reload("res_rtp", &why) != 0);
	CHECK(cli_has("rtp show settings", range));
	write_conf("[general]\nstrictrtp = maybe\n");
	CHECK(ly_module_reload("res_rtp", &why) != 0);
	CHECK(cli_has("rtp show settings", "Strict RTP:       Yes"));

	/* strictrtp=no: any source is taken, and symmetric follows the latest. */
	write_range_conf("strictrtp = no\n");
	ly_buf_reset(&why);
	CHECK_INT(ly_module_reload("res_rtp", &why), 0);
	CHECK(cli_has("rtp show settings", "Strict RTP:       No"));
	rtp = session(AF_INET);
	phone_open(&a, AF_INET);
	phone_open(&b, AF_INET);
	ly_rtp_set_symmetric(rtp, true);
	ly_rtp_set_remote(rtp, (struct sockaddr *)&a.addr);
	send_rtp(&b, rtp, 0, 1, 1, 1);
	send_rtp(&a, rtp, 0, 9, 9, 2);
	st = wait_handled(rtp, 2);
	CHECK_INT(st.packets_in, 2);
	CHECK_INT(st.dropped_source, 0);
	ly_rtp_destroy(rtp);
	phone_close(&a);
	phone_close(&b);
	ly_buf_free(&why);
}

static void test_unload(void)
{
	struct ly_buf why;

	ly_chan_tech_unregister(&test_tech);
	ly_buf_init(&why);
	CHECK_INT(ly_module_unload("res_rtp", &why), 0);
	CHECK(!ly_rtp_engine_exists(NULL));
	ly_buf_free(&why);
	ly_loader_shutdown();
	ly_media_core_shutdown();
	ly_cli_shutdown();
	for (const char *const *m = modules; *m; m++) {
		char *link = ly_asprintf("%s/%s.so", moduledir, *m);

		unlink(link);
		free(link);
	}
	CHECK_INT(rmdir(moduledir), 0);
	{
		char *conf = ly_asprintf("%s/rtp.conf", confdir);

		unlink(conf);
		free(conf);
	}
	CHECK_INT(rmdir(confdir), 0);
	ly_settings_free();
}

TAP_MAIN(TAP(test_setup_loads_res_rtp),
	 TAP(test_engine_lookup),
	 TAP(test_qos_text),
	 TAP(test_sessions_in_range_even_ports),
	 TAP(test_release_order_avoids_reuse),
	 TAP(test_port_reuse),
	 TAP(test_malformed_headers_dropped),
	 TAP(test_write_stamps_headers),
	 TAP(test_dtmf_event_clock_48k),
	 TAP(test_symmetric_strict_learning),
	 TAP(test_relay_keeps_streams_consistent),
	 TAP(test_relay_after_local_and_destroy),
	 TAP(test_rtcp_reports),
	 TAP(test_ipv6),
	 TAP(test_generator_ticks),
	 TAP(test_cli_and_reload),
	 TAP(test_unload))
