/* tests/unit/test_cli.c - the CLI registry, the console framing, and the console server with its client. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lyre/cli.h"
#include "lyre/log.h"
#include "lyre/loop.h"
#include "lyre/utils.h"

#include "cli_int.h"
#include "console.h"
#include "console_proto.h"
#include "log.h"
#include "remote.h"
#include "tap.h"

/* ---- commands under test ---- */

static struct ly_buf seen;	/* what the handlers were called with */

static void record_args(const struct ly_cli_args *a, const char *tag)
{
	ly_buf_printf(&seen, "%s:%d", tag, a->cmd_words);
	for (int i = 0; i < a->argc; i++)
		ly_buf_printf(&seen, "|%s", a->argv[i]);
}

static enum ly_cli_result handle_show(struct ly_cli_args *a)
{
	record_args(a, "show");
	ly_cli_print(a, "show output\n");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result handle_show_channels(struct ly_cli_args *a)
{
	record_args(a, "channels");
	return a->argc > 4 ? LY_CLI_SHOWUSAGE : LY_CLI_SUCCESS;
}

static enum ly_cli_result handle_echo(struct ly_cli_args *a)
{
	for (int i = a->cmd_words; i < a->argc; i++)
		ly_cli_print(a, "%s%s", i > a->cmd_words ? " " : "", a->argv[i]);
	ly_cli_print(a, "\n");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result handle_fail(struct ly_cli_args *a)
{
	ly_cli_print(a, "it failed\n");
	return LY_CLI_FAILURE;
}

static enum ly_cli_result handle_big(struct ly_cli_args *a)
{
	/* More than one output chunk, to exercise chunking and partial writes. */
	for (int i = 0; i < 30000; i++)
		ly_cli_print(a, "line %05d\n", i);
	return LY_CLI_SUCCESS;
}

static void complete_colors(const struct ly_cli_args *a, int pos, const char *word,
			    struct ly_cli_completion *c)
{
	(void)word;	/* ly_cli_complete_add filters by it */
	if (pos != a->cmd_words)
		return;
	ly_cli_complete_add(c, "red");
	ly_cli_complete_add(c, "green");
	ly_cli_complete_add(c, "grey");
	ly_cli_complete_add(c, "green");
}

static const struct ly_cli_command test_cmds[] = {
	{ .command = "test show", .summary = "Show things", .usage = "Usage: test show\n",
	  .handler = handle_show },
	{ .command = "test show channels", .summary = "Show channels",
	  .usage = "Usage: test show channels [verbose]", .handler = handle_show_channels },
	{ .command = "echo", .summary = "Print the arguments", .handler = handle_echo },
	{ .command = "paint", .summary = "Paint in a color", .handler = handle_echo,
	  .complete = complete_colors },
	{ .command = "fail now", .summary = "Always fails", .handler = handle_fail },
	{ .command = "big output", .summary = "Lots of output", .handler = handle_big },
};

static const struct ly_cli_command dup_cmd = {
	.command = "TEST   Show", .summary = "duplicate", .handler = handle_show,
};

static void registry_up(void)
{
	ly_buf_init(&seen);
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_cli_register_multiple(NULL, test_cmds, LY_ARRAY_LEN(test_cmds)), 0);
}

static void registry_down(void)
{
	ly_cli_shutdown();
	ly_buf_free(&seen);
}

static enum ly_cli_result run(const char *line, struct ly_buf *out)
{
	ly_buf_reset(out);
	ly_buf_reset(&seen);
	return ly_cli_execute(line, out);
}

/* ---- registry ---- */

static void test_register_and_duplicates(void)
{
	static const struct ly_cli_command empty = { .command = "  ", .handler = handle_show };
	static const struct ly_cli_command nohandler = { .command = "x" };

	registry_up();
	CHECK_INT(ly_cli_register(NULL, &dup_cmd), EEXIST);
	CHECK_INT(ly_cli_register(NULL, &test_cmds[0]), EEXIST);
	CHECK_INT(ly_cli_register(NULL, &empty), EINVAL);
	CHECK_INT(ly_cli_register(NULL, &nohandler), EINVAL);
	CHECK_INT(ly_cli_register(NULL, NULL), EINVAL);
	/* A failed batch leaves nothing behind. */
	ly_cli_unregister(&test_cmds[2]);
	const struct ly_cli_command batch[] = { test_cmds[2], dup_cmd };
	CHECK_INT(ly_cli_register_multiple(NULL, batch, 2), EEXIST);
	struct ly_buf out;
	ly_buf_init(&out);
	CHECK_INT(run("echo hi", &out), LY_CLI_FAILURE);
	CHECK_INT(ly_cli_register(NULL, &test_cmds[2]), 0);
	CHECK_INT(run("echo hi", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), "hi\n");
	/* Unregistering twice is harmless. */
	ly_cli_unregister(&test_cmds[2]);
	ly_cli_unregister(&test_cmds[2]);
	CHECK_INT(run("echo hi", &out), LY_CLI_FAILURE);
	ly_buf_free(&out);
	registry_down();
}

static void test_longest_match_and_args(void)
{
	struct ly_buf out;

	registry_up();
	ly_buf_init(&out);
	CHECK_INT(run("test show", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&seen), "show:2|test|show");
	CHECK_STR(ly_buf_str(&out), "show output\n");
	CHECK_INT(run("  TEST  SHOW   Channels  ", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&seen), "channels:3|TEST|SHOW|Channels");
	CHECK_INT(run("test show other", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&seen), "show:2|test|show|other");
	CHECK_INT(run("", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), "");
	CHECK_INT(run("   \t ", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), "");
	ly_buf_free(&out);
	registry_down();
}

static void test_quoting(void)
{
	struct ly_buf out;

	registry_up();
	ly_buf_init(&out);
	CHECK_INT(run("test show \"two words\" a\\ b \"q\\\"x\" \"\"", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&seen), "show:2|test|show|two words|a b|q\"x|");
	CHECK_INT(run("echo \"unterminated quote", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), "unterminated quote\n");
	ly_buf_free(&out);
	registry_down();
}

static void test_unknown_failure_usage(void)
{
	struct ly_buf out;

	registry_up();
	ly_buf_init(&out);
	CHECK_INT(run("xyz  abc", &out), LY_CLI_FAILURE);
	CHECK_STR(ly_buf_str(&out), "No such command 'xyz abc' (type 'help' for help)\n");
	CHECK_INT(run("test", &out), LY_CLI_FAILURE);
	CHECK_INT(run("fail now", &out), LY_CLI_FAILURE);
	CHECK_STR(ly_buf_str(&out), "it failed\n");
	CHECK_INT(run("test show channels a b", &out), LY_CLI_FAILURE);
	CHECK_STR(ly_buf_str(&out), "Usage: test show channels [verbose]\n");
	ly_buf_free(&out);
	registry_down();
}

static void test_help(void)
{
	struct ly_buf out;
	const char *s;

	registry_up();
	ly_buf_init(&out);
	CHECK_INT(run("help", &out), LY_CLI_SUCCESS);
	s = ly_buf_str(&out);
	/* Sorted by command words. */
	CHECK(strstr(s, "big output") && strstr(s, "echo"));
	CHECK(strstr(s, "big output") < strstr(s, "echo"));
	CHECK(strstr(s, "echo") < strstr(s, "help"));
	CHECK(strstr(s, "test show ") < strstr(s, "test show channels"));
	CHECK(strstr(s, "Print the arguments") != NULL);
	CHECK_INT(run("help test", &out), LY_CLI_SUCCESS);
	s = ly_buf_str(&out);
	CHECK(strstr(s, "test show channels") != NULL);
	CHECK(strstr(s, "echo") == NULL);
	CHECK_INT(run("help te sh", &out), LY_CLI_SUCCESS);
	CHECK(strstr(ly_buf_str(&out), "test show channels") != NULL);
	CHECK_INT(run("help test show", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), "Usage: test show\n");
	CHECK_INT(run("help nothing here", &out), LY_CLI_FAILURE);
	CHECK_STR(ly_buf_str(&out), "No such command 'nothing here'\n");
	ly_buf_free(&out);
	registry_down();
}

static void test_completion(void)
{
	struct ly_buf out;

	registry_up();
	ly_buf_init(&out);
	CHECK_INT(ly_cli_completions("te", &out), 1);
	CHECK_STR(ly_buf_str(&out), "test\n");
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("test ", &out), 1);
	CHECK_STR(ly_buf_str(&out), "show\n");
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("TEST SHOW c", &out), 1);
	CHECK_STR(ly_buf_str(&out), "channels\n");
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("", &out), 6);
	CHECK_STR(ly_buf_str(&out), "big\necho\nfail\nhelp\npaint\ntest\n");
	ly_buf_reset(&out);
	/* A custom complete(): filtered by the typed prefix, sorted, unique. */
	CHECK_INT(ly_cli_completions("paint gr", &out), 2);
	CHECK_STR(ly_buf_str(&out), "green\ngrey\n");
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("paint ", &out), 3);
	CHECK_STR(ly_buf_str(&out), "green\ngrey\nred\n");
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("paint red ", &out), 0);
	/* help completes command words after it. */
	CHECK_INT(ly_cli_completions("help test s", &out), 1);
	CHECK_STR(ly_buf_str(&out), "show\n");
	ly_buf_free(&out);
	registry_down();
}

/* A handler that removes commands (as `module unload` does) while it runs. */
static const struct ly_cli_command self_removing[2];

static enum ly_cli_result handle_remove_all(struct ly_cli_args *a)
{
	ly_cli_unregister(&self_removing[0]);
	ly_cli_unregister(&self_removing[1]);
	ly_cli_print(a, "removed %s\n", a->argv[0]);
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command self_removing[] = {
	{ .command = "remove all", .handler = handle_remove_all },
	{ .command = "remove other", .handler = handle_remove_all },
};

static void test_handler_unregisters(void)
{
	struct ly_buf out;

	registry_up();
	ly_buf_init(&out);
	CHECK_INT(ly_cli_register_multiple(NULL, self_removing, 2), 0);
	CHECK_INT(run("remove all", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), "removed remove\n");
	CHECK_INT(run("remove all", &out), LY_CLI_FAILURE);
	ly_buf_free(&out);
	registry_down();
}

/* ---- protocol ---- */

static void test_proto_roundtrip_partial(void)
{
	struct ly_buf wire;
	struct ly_cons_reader r;
	struct ly_cons_msg m;

	ly_buf_init(&wire);
	ly_cons_encode(&wire, LY_CONS_COMMAND, "core show version", 17);
	ly_cons_encode(&wire, LY_CONS_HELLO, NULL, 0);
	ly_cons_encode(&wire, LY_CONS_OUTPUT, "a\0b", 3);
	CHECK_INT(wire.len, 5 + 17 + 5 + 5 + 3);
	CHECK_INT((unsigned char)wire.data[0], 'C');
	CHECK_INT(wire.data[4], 17);

	/* Byte by byte: each message appears exactly when its last byte does. */
	ly_cons_reader_init(&r);
	int got = 0;
	for (size_t i = 0; i < wire.len; i++) {
		ly_cons_reader_push(&r, wire.data + i, 1);
		while (ly_cons_reader_next(&r, &m) == 0) {
			got++;
			if (got == 1) {
				CHECK_INT(i, 21);
				CHECK_INT(m.type, LY_CONS_COMMAND);
				CHECK_STR(m.payload, "core show version");
			} else if (got == 2) {
				CHECK_INT(m.type, LY_CONS_HELLO);
				CHECK_INT(m.len, 0);
				CHECK_STR(m.payload, "");
			} else {
				CHECK_INT(m.type, LY_CONS_OUTPUT);
				CHECK_INT(m.len, 3);
				CHECK(memcmp(m.payload, "a\0b", 3) == 0);
			}
		}
	}
	CHECK_INT(got, 3);
	CHECK_INT(ly_cons_reader_next(&r, &m), EAGAIN);
	ly_cons_reader_free(&r);
	ly_buf_free(&wire);
}

static void test_proto_oversized(void)
{
	struct ly_cons_reader r;
	struct ly_cons_msg m;
	const uint8_t garbage[] = { 'C', 0x7f, 0xff, 0xff, 0xff, 'x' };
	const uint8_t limit[] = { 'O', 0x00, 0x10, 0x00, 0x00 };	/* exactly 1 MiB: fine */
	const uint8_t over[] = { 'O', 0x00, 0x10, 0x00, 0x01 };

	ly_cons_reader_init(&r);
	ly_cons_reader_push(&r, garbage, sizeof(garbage));
	CHECK_INT(ly_cons_reader_next(&r, &m), EMSGSIZE);
	ly_cons_reader_free(&r);

	ly_cons_reader_init(&r);
	ly_cons_reader_push(&r, limit, sizeof(limit));
	CHECK_INT(ly_cons_reader_next(&r, &m), EAGAIN);
	ly_cons_reader_free(&r);

	ly_cons_reader_init(&r);
	ly_cons_reader_push(&r, over, sizeof(over));
	CHECK_INT(ly_cons_reader_next(&r, &m), EMSGSIZE);
	ly_cons_reader_free(&r);

	CHECK_INT(ly_cons_write(-1, LY_CONS_OUTPUT, "", LY_CONS_MAX_PAYLOAD + 1), EMSGSIZE);
}

static void test_proto_socketpair(void)
{
	int sv[2];
	struct ly_cons_reader r;
	struct ly_cons_msg m;

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_INT(ly_cons_write(sv[0], LY_CONS_LOG, "a log line", 10), 0);
	CHECK_INT(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	ly_cons_reader_init(&r);
	CHECK_INT(ly_cons_reader_fill(&r, sv[1]), 0);
	CHECK_INT(ly_cons_reader_next(&r, &m), 0);
	CHECK_INT(m.type, LY_CONS_LOG);
	CHECK_STR(m.payload, "a log line");
	CHECK_INT(ly_cons_reader_fill(&r, sv[1]), EAGAIN);
	close(sv[0]);
	CHECK_INT(ly_cons_reader_fill(&r, sv[1]), EPIPE);
	/* Writing to a closed peer is an error, not a SIGPIPE. */
	CHECK(ly_cons_write(sv[1], LY_CONS_COMMAND, "x", 1) != 0);
	close(sv[1]);
	ly_cons_reader_free(&r);
}

/* ---- the console server, end to end ---- */

struct server_env {
	char dir[64];
	char path[128];
	struct ly_loop *loop;
	pthread_t tid;
};

static void *loop_thread(void *arg)
{
	ly_loop_run(arg);
	return NULL;
}

static bool env_up(struct server_env *e)
{
	struct ly_cfg_error err;

	strcpy(e->dir, "/tmp/lyre-cli-XXXXXX");
	if (!mkdtemp(e->dir))
		return false;
	snprintf(e->path, sizeof(e->path), "%s/lyre.ctl", e->dir);
	/* No logger.conf: the console channel only, so sinks get lines. */
	ly_log_init();
	CHECK_INT(ly_log_configure(e->dir, e->dir, &err), 0);
	registry_up();
	e->loop = ly_loop_new();
	return e->loop != NULL;
}

static int env_start(struct server_env *e)
{
	int rc = ly_console_server_start(e->loop, e->path, (uid_t)-1, (gid_t)-1);

	if (rc == 0 && pthread_create(&e->tid, NULL, loop_thread, e->loop) != 0)
		rc = EAGAIN;
	return rc;
}

static void env_down(struct server_env *e, bool started)
{
	if (started) {
		ly_loop_stop(e->loop);
		pthread_join(e->tid, NULL);
		ly_console_server_stop();
	}
	ly_loop_free(e->loop);
	registry_down();
	ly_log_shutdown();
	rmdir(e->dir);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ly_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Next message of any kind, waiting at most 3 s for it. */
static int read_any(int fd, struct ly_cons_reader *r, struct ly_cons_msg *m)
{
	int rc;

	while ((rc = ly_cons_reader_next(r, m)) == EAGAIN) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 3000) != 1)
			return ETIMEDOUT;
		rc = ly_cons_reader_fill(r, fd);
		if (rc)
			return rc;
	}
	return rc;
}

/* Next message that is not a log line (log lines go to `logs`). */
static int read_reply(int fd, struct ly_cons_reader *r, struct ly_cons_msg *m, struct ly_buf *logs)
{
	int rc;

	while ((rc = read_any(fd, r, m)) == 0 && m->type == LY_CONS_LOG)
		if (logs)
			ly_buf_printf(logs, "%s\n", m->payload);
	return rc;
}

/* Run a command over the socket; output into out, returns the status byte or -1. */
static int socket_command(int fd, struct ly_cons_reader *r, const char *cmd, struct ly_buf *out)
{
	struct ly_cons_msg m;

	if (ly_cons_write(fd, LY_CONS_COMMAND, cmd, strlen(cmd)) != 0)
		return -1;
	while (read_reply(fd, r, &m, NULL) == 0) {
		if (m.type == LY_CONS_OUTPUT)
			ly_buf_append(out, m.payload, m.len);
		else if (m.type == LY_CONS_END)
			return m.len == 1 ? m.payload[0] : -1;
	}
	return -1;
}

static void check_socket_session(const char *path)
{
	struct ly_cons_reader r;
	struct ly_cons_msg m;
	struct ly_buf out, logs;
	int fd = connect_to(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	ly_cons_reader_init(&r);
	ly_buf_init(&out);
	ly_buf_init(&logs);
	CHECK_INT(socket_command(fd, &r, "echo hello  \"big world\"", &out), 0);
	CHECK_STR(ly_buf_str(&out), "hello big world\n");
	ly_buf_reset(&out);
	CHECK_INT(socket_command(fd, &r, "nonsense", &out), 1);
	CHECK_STR(ly_buf_str(&out), "No such command 'nonsense' (type 'help' for help)\n");
	ly_buf_reset(&out);
	CHECK_INT(socket_command(fd, &r, "big output", &out), 0);
	CHECK_INT(out.len, 30000 * 11);
	CHECK(strstr(ly_buf_str(&out), "line 29999\n") != NULL);

	CHECK_INT(ly_cons_write(fd, LY_CONS_COMPLETE, "paint g", 7), 0);
	CHECK_INT(read_reply(fd, &r, &m, NULL), 0);
	CHECK_INT(m.type, LY_CONS_COMPLETIONS);
	CHECK_STR(m.payload, "green\ngrey\n");

	/* Subscribed clients get log lines from any thread. */
	CHECK_INT(ly_cons_write(fd, LY_CONS_HELLO, NULL, 0), 0);
	ly_buf_reset(&out);
	CHECK_INT(socket_command(fd, &r, "echo sync", &out), 0);	/* HELLO is processed */
	ly_notice("marker-%d for the console", 42);
	ly_buf_reset(&out);
	CHECK_INT(ly_cons_write(fd, LY_CONS_COMMAND, "echo after", 10), 0);
	/* The log line may come before or after the reply; wait for both. */
	bool ended = false;
	while (!ended || !strstr(ly_buf_str(&logs), "marker-42")) {
		if (read_any(fd, &r, &m) != 0)
			break;
		if (m.type == LY_CONS_END)
			ended = true;
		else if (m.type == LY_CONS_LOG)
			ly_buf_printf(&logs, "%s\n", m.payload);
	}
	CHECK(ended);
	CHECK(strstr(ly_buf_str(&logs), "marker-42 for the console") != NULL);
	close(fd);
	ly_cons_reader_free(&r);
	ly_buf_free(&out);
	ly_buf_free(&logs);
}

/* Run ly_remote_run with stdout (and optionally stdin) redirected to files. */
static int remote_capture(const char *path, const char *command, const char *input,
			  const char *dir, struct ly_buf *out)
{
	char outname[160], inname[160], chunk[4096];
	int saved_out = dup(STDOUT_FILENO), saved_in = dup(STDIN_FILENO), rc, fd;
	ssize_t n;

	snprintf(outname, sizeof(outname), "%s/out.txt", dir);
	snprintf(inname, sizeof(inname), "%s/in.txt", dir);
	fflush(stdout);
	fd = open(outname, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	if (input) {
		fd = open(inname, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (write(fd, input, strlen(input)) < 0)
			CHECK(!"write input");
		lseek(fd, 0, SEEK_SET);
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	rc = ly_remote_run(path, command);
	fflush(stdout);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_in, STDIN_FILENO);
	close(saved_out);
	close(saved_in);
	fd = open(outname, O_RDONLY);
	while (fd >= 0 && (n = read(fd, chunk, sizeof(chunk))) > 0)
		ly_buf_append(out, chunk, (size_t)n);
	close(fd);
	unlink(outname);
	unlink(inname);
	return rc;
}

static void check_remote_client(struct server_env *e)
{
	struct ly_buf out;
	char missing[160];

	ly_buf_init(&out);
	CHECK_INT(remote_capture(e->path, "echo via remote", NULL, e->dir, &out), 0);
	CHECK_STR(ly_buf_str(&out), "via remote\n");
	ly_buf_reset(&out);
	CHECK_INT(remote_capture(e->path, "fail now", NULL, e->dir, &out), 1);
	CHECK_STR(ly_buf_str(&out), "it failed\n");
	ly_buf_reset(&out);
	/* Not a terminal: lines are run one by one, without a prompt, until exit. */
	CHECK_INT(remote_capture(e->path, NULL, "echo one\n\nnonsense\n echo two\nexit\necho three\n",
				 e->dir, &out), 0);
	CHECK_STR(ly_buf_str(&out),
		  "one\nNo such command 'nonsense' (type 'help' for help)\ntwo\n");
	ly_buf_reset(&out);
	CHECK_INT(remote_capture(e->path, NULL, "echo last line without newline", e->dir, &out), 0);
	CHECK_STR(ly_buf_str(&out), "last line without newline\n");
	ly_buf_reset(&out);
	snprintf(missing, sizeof(missing), "%s/nobody.ctl", e->dir);
	CHECK_INT(remote_capture(missing, "echo x", NULL, e->dir, &out), 2);
	CHECK_STR(ly_buf_str(&out), "");
	ly_buf_free(&out);
}

/* A console that stops reading loses log lines (counted), never stalls the loop. */
static void check_slow_subscriber(struct server_env *e)
{
	struct ly_cons_reader r;
	struct ly_cons_msg m;
	struct ly_buf out;
	int slow = connect_to(e->path);
	char filler[101];

	CHECK(slow >= 0);
	if (slow < 0)
		return;
	ly_cons_reader_init(&r);
	ly_buf_init(&out);
	CHECK_INT(ly_cons_write(slow, LY_CONS_HELLO, NULL, 0), 0);
	CHECK_INT(socket_command(slow, &r, "echo sync", &out), 0);
	memset(filler, 'x', 100);
	filler[100] = '\0';
	for (int i = 0; i < 20000; i++)
		ly_notice("flood %d %s", i, filler);
	ly_buf_reset(&out);
	CHECK_INT(remote_capture(e->path, "echo still served", NULL, e->dir, &out), 0);
	CHECK_STR(ly_buf_str(&out), "still served\n");
	bool noted = false;
	while (!noted && read_any(slow, &r, &m) == 0)
		noted = m.type == LY_CONS_LOG && strstr(m.payload, "log lines dropped");
	CHECK(noted);
	close(slow);
	ly_cons_reader_free(&r);
	ly_buf_free(&out);
}

static void test_console_round_trip(void)
{
	struct server_env e;
	struct stat st;

	if (!env_up(&e)) {
		CHECK(!"environment");
		return;
	}
	CHECK_INT(env_start(&e), 0);
	CHECK_INT(stat(e.path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_INT(st.st_mode & 0777, 0660);
	/* One server per process; and the path is taken. */
	CHECK(ly_console_server_start(e.loop, e.path, (uid_t)-1, (gid_t)-1) != 0);
	check_socket_session(e.path);
	check_remote_client(&e);
	check_slow_subscriber(&e);
	env_down(&e, true);
	CHECK(access(e.path, F_OK) != 0);
}

/* A live listener (another daemon) is refused; a dead socket file is replaced. */
static void test_console_stale_and_busy(void)
{
	struct server_env e;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int other;

	if (!env_up(&e)) {
		CHECK(!"environment");
		return;
	}
	ly_strlcpy(sa.sun_path, e.path, sizeof(sa.sun_path));
	other = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_INT(bind(other, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(listen(other, 4), 0);
	CHECK_INT(ly_console_server_start(e.loop, e.path, (uid_t)-1, (gid_t)-1), EADDRINUSE);
	CHECK_INT(access(e.path, F_OK), 0);	/* left alone */
	close(other);	/* now a stale socket file nobody answers on */
	CHECK_INT(env_start(&e), 0);
	struct ly_buf out;
	ly_buf_init(&out);
	CHECK_INT(remote_capture(e.path, "echo replaced", NULL, e.dir, &out), 0);
	CHECK_STR(ly_buf_str(&out), "replaced\n");
	ly_buf_free(&out);
	env_down(&e, true);

	/* A file that is not a socket is never removed. */
	CHECK(env_up(&e));
	int fd = open(e.path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK_INT(ly_console_server_start(e.loop, e.path, (uid_t)-1, (gid_t)-1), EEXIST);
	CHECK_INT(access(e.path, F_OK), 0);
	unlink(e.path);
	env_down(&e, false);
}

/* ---- the console server under abuse ---- */

/* A sink that counts the lines holding `needle`. */
struct counter {
	pthread_mutex_t lock;
	const char *needle;
	int hits;
};

static void count_line(void *arg, enum ly_log_level level, const char *line)
{
	struct counter *c = arg;

	(void)level;
	pthread_mutex_lock(&c->lock);
	if (strstr(line, c->needle))
		c->hits++;
	pthread_mutex_unlock(&c->lock);
}

static int counted(struct counter *c)
{
	int n;

	pthread_mutex_lock(&c->lock);
	n = c->hits;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void sleep_ms(unsigned ms)
{
	poll(NULL, 0, (int)ms);
}

/* A command that takes a millisecond, as a busy `core show` might. */
static enum ly_cli_result handle_nap(struct ly_cli_args *a)
{
	(void)a;
	sleep_ms(1);
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command nap_cmd = {
	.command = "nap", .summary = "Sleep a millisecond", .handler = handle_nap,
};

/*
 * A client that sends "nap" as fast as it can, with a second thread that
 * throws the replies away so that the server never drops it as too slow.
 * Its socket buffer holds thousands of naps: seconds of work.
 */
struct flooder {
	int fd;
	atomic_bool stop;
	pthread_t writer, reader;
};

static void *flood_write(void *arg)
{
	struct flooder *f = arg;
	struct ly_buf frames;

	ly_buf_init(&frames);
	while (frames.len < 16000)
		ly_cons_encode(&frames, LY_CONS_COMMAND, "nap", 3);
	while (!atomic_load(&f->stop)) {
		for (size_t off = 0; off < frames.len;) {
			ssize_t n = send(f->fd, frames.data + off, frames.len - off, MSG_NOSIGNAL);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				goto out;
			off += (size_t)n;
		}
	}
out:
	ly_buf_free(&frames);
	return NULL;
}

static void *flood_drain(void *arg)
{
	struct flooder *f = arg;
	char sink[65536];

	while (recv(f->fd, sink, sizeof(sink), 0) > 0)
		;
	return NULL;
}

static bool flood_start(struct flooder *f, const char *path)
{
	f->fd = connect_to(path);
	atomic_init(&f->stop, false);
	if (f->fd < 0)
		return false;
	pthread_create(&f->reader, NULL, flood_drain, f);
	pthread_create(&f->writer, NULL, flood_write, f);
	return true;
}

static void flood_stop(struct flooder *f)
{
	atomic_store(&f->stop, true);
	shutdown(f->fd, SHUT_RDWR);
	pthread_join(f->writer, NULL);
	pthread_join(f->reader, NULL);
	close(f->fd);
}

/* The flood must not keep a second console from being answered. */
static void test_console_flood_is_fair(void)
{
	struct server_env e;
	struct flooder f;
	struct ly_cons_reader r;
	struct ly_buf out;
	uint64_t start;
	int other;

	if (!env_up(&e) || env_start(&e) != 0) {
		CHECK(!"environment");
		return;
	}
	CHECK_INT(ly_cli_register(NULL, &nap_cmd), 0);
	CHECK(flood_start(&f, e.path));
	sleep_ms(50);	/* the server is busy answering the flood */
	other = connect_to(e.path);
	ly_cons_reader_init(&r);
	ly_buf_init(&out);
	start = ly_now_ms();
	CHECK_INT(socket_command(other, &r, "echo served", &out), 0);
	printf("# answered in %llu ms during the flood\n",
	       (unsigned long long)(ly_now_ms() - start));
	CHECK_STR(ly_buf_str(&out), "served\n");
	flood_stop(&f);
	close(other);
	ly_cons_reader_free(&r);
	ly_buf_free(&out);
	env_down(&e, true);
}

/* Room for `need` descriptors; false when the hard limit does not allow. */
static bool have_descriptors(rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return false;
	if (rl.rlim_cur >= need)
		return true;
	if (rl.rlim_max < need)
		return false;
	rl.rlim_cur = need;
	return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

/* Connect and run `echo ok`, retrying until the server has room (3 s). */
static bool served_within_3s(const char *path)
{
	for (int i = 0; i < 300; i++) {
		struct ly_cons_reader r;
		struct ly_buf out;
		int fd = connect_to(path), status;

		ly_cons_reader_init(&r);
		ly_buf_init(&out);
		status = fd >= 0 ? socket_command(fd, &r, "echo ok", &out) : -1;
		close(fd);
		ly_cons_reader_free(&r);
		ly_buf_free(&out);
		if (status == 0)
			return true;
		sleep_ms(10);
	}
	return false;
}

#define CLIENT_CAP 128

/* Past the cap a console is told why and closed; a freed place is reused. */
static void test_console_client_cap(void)
{
	struct counter warned = { PTHREAD_MUTEX_INITIALIZER, "Refused a remote console", 0 };
	struct server_env e;
	struct ly_cons_reader r;
	struct ly_cons_msg m;
	struct ly_buf out;
	int fds[CLIENT_CAP], extra[2], n = 0;

	if (!have_descriptors(2 * CLIENT_CAP + 64)) {
		printf("# skipped: RLIMIT_NOFILE is too low for %d consoles\n", CLIENT_CAP);
		return;
	}
	if (!env_up(&e) || env_start(&e) != 0) {
		CHECK(!"environment");
		return;
	}
	ly_log_add_sink(count_line, &warned);
	ly_buf_init(&out);
	for (n = 0; n < CLIENT_CAP; n++) {
		/* A round trip each, so every one is accepted before the next. */
		fds[n] = connect_to(e.path);
		ly_cons_reader_init(&r);
		ly_buf_reset(&out);
		if (socket_command(fds[n], &r, "echo in", &out) != 0)
			break;
		ly_cons_reader_free(&r);
	}
	if (n < CLIENT_CAP)
		ly_cons_reader_free(&r);
	CHECK_INT(n, CLIENT_CAP);
	for (int i = 0; i < 2; i++) {
		extra[i] = connect_to(e.path);
		ly_cons_reader_init(&r);
		CHECK_INT(read_any(extra[i], &r, &m), 0);
		CHECK_INT(m.type, LY_CONS_LOG);
		CHECK(strstr(m.payload, "Too many remote consoles") != NULL);
		CHECK_INT(read_any(extra[i], &r, &m), 0);
		CHECK_INT(m.type, LY_CONS_END);
		CHECK_INT(read_any(extra[i], &r, &m), EPIPE);
		ly_cons_reader_free(&r);
		close(extra[i]);
	}
	/* Two refusals within a second: one warning. */
	CHECK_INT(counted(&warned), 1);
	close(fds[0]);
	CHECK(served_within_3s(e.path));
	for (int i = 1; i < n; i++)
		close(fds[i]);
	ly_log_remove_sink(count_line, &warned);
	ly_buf_free(&out);
	env_down(&e, true);
}

static uint64_t cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000u;
}

#define FILLERS 512

/* Out of descriptors: no busy loop, one warning, and service resumes. */
static void test_console_out_of_descriptors(void)
{
	struct counter warned = { PTHREAD_MUTEX_INITIALIZER, "Console socket accept failed", 0 };
	static int filler[FILLERS];
	struct server_env e;
	struct rlimit saved, low;
	int clients[3], nfill = 0;
	uint64_t cpu_before, cpu_used;

	if (!env_up(&e) || env_start(&e) != 0) {
		CHECK(!"environment");
		return;
	}
	ly_log_add_sink(count_line, &warned);
	for (int i = 0; i < 3; i++)
		clients[i] = socket(AF_UNIX, SOCK_STREAM, 0);
	getrlimit(RLIMIT_NOFILE, &saved);
	low = saved;
	low.rlim_cur = 256;
	CHECK_INT(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (nfill < FILLERS && (filler[nfill] = dup(STDIN_FILENO)) >= 0)
		nfill++;
	CHECK(nfill < FILLERS);	/* the limit was reached */

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ly_strlcpy(sa.sun_path, e.path, sizeof(sa.sun_path));
	for (int i = 0; i < 3; i++)
		CHECK_INT(connect(clients[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
	cpu_before = cpu_ms();
	sleep_ms(400);
	cpu_used = cpu_ms() - cpu_before;
	printf("# %d accept warnings, %llu ms of CPU in 400 ms\n", counted(&warned),
	       (unsigned long long)cpu_used);
	CHECK_INT(counted(&warned), 1);
	CHECK(cpu_used < 150);

	for (int i = 0; i < nfill; i++)
		close(filler[i]);
	setrlimit(RLIMIT_NOFILE, &saved);
	for (int i = 0; i < 3; i++) {
		struct ly_cons_reader r;
		struct ly_buf out;

		ly_cons_reader_init(&r);
		ly_buf_init(&out);
		CHECK_INT(socket_command(clients[i], &r, "echo back", &out), 0);
		CHECK_STR(ly_buf_str(&out), "back\n");
		ly_cons_reader_free(&r);
		ly_buf_free(&out);
		close(clients[i]);
	}
	ly_log_remove_sink(count_line, &warned);
	env_down(&e, true);
}

TAP_MAIN(
	TAP(test_register_and_duplicates),
	TAP(test_longest_match_and_args),
	TAP(test_quoting),
	TAP(test_unknown_failure_usage),
	TAP(test_help),
	TAP(test_completion),
	TAP(test_handler_unregisters),
	TAP(test_proto_roundtrip_partial),
	TAP(test_proto_oversized),
	TAP(test_proto_socketpair),
	TAP(test_console_round_trip),
	TAP(test_console_stale_and_busy),
	TAP(test_console_flood_is_fair),
	TAP(test_console_client_cap),
	TAP(test_console_out_of_descriptors),
)
