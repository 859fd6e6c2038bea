/* core/remote.c - the console client: lyre -rx runs one command, lyre -r and -c edit lines with libedit. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <editline/readline.h>

#include "lyre/utils.h"

#include "console_proto.h"
#include "remote.h"

#define PROMPT "lyre*CLI> "
#define HISTORY_LINES 1000
#define RUN_LOST 2	/* the daemon went away (or was never there) */

/*
 * One console session.  libedit's readline interface calls back without a
 * user argument, so the session in progress is in `active`; it is set for
 * the duration of one interactive run and cleared after, so a later call
 * (the foreground console is a thread of the daemon) starts afresh.
 */
struct session {
	int fd;
	struct ly_cons_reader in;
	bool tty;		/* libedit owns the terminal */
	bool done;		/* exit, quit, end of input or connection lost */
	bool lost;
	bool line_taken;	/* libedit handed over a line: re-arm it */
	struct ly_buf pending;	/* non-tty input not yet ending in a newline */
	char **matches;		/* completion candidates from the daemon */
	size_t n_matches, next_match;
};

static struct session *active;

/* ---- connection ---- */

static int connect_daemon(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	ly_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = errno;
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/* Block until one whole message is in; 0, or an errno value (EPIPE at end). */
static int next_message(struct session *s, struct ly_cons_msg *m)
{
	int rc;

	while ((rc = ly_cons_reader_next(&s->in, m)) == EAGAIN) {
		rc = ly_cons_reader_fill(&s->in, s->fd);
		if (rc)
			return rc;
	}
	return rc;
}

/* ---- what the daemon sends ---- */

/* A log line; at the prompt it goes above the line being edited. */
static void show_log(struct session *s, const char *line)
{
	if (s->tty && !s->done) {
		/* \r and erase-line: overwrite the prompt, then redraw it below. */
		fprintf(stdout, "\r\033[K%s\n", line);
		fflush(stdout);
		rl_forced_update_display();
		return;
	}
	fprintf(stdout, "%s\n", line);
	fflush(stdout);
}

/* Print a command's output until its end; 0 or 1 from its status, or RUN_LOST. */
static int await_end(struct session *s)
{
	struct ly_cons_msg m;

	for (;;) {
		if (next_message(s, &m) != 0)
			return RUN_LOST;
		if (m.type == LY_CONS_OUTPUT) {
			fwrite(m.payload, 1, m.len, stdout);
		} else if (m.type == LY_CONS_LOG) {
			fprintf(stdout, "%s\n", m.payload);
		} else if (m.type == LY_CONS_END) {
			fflush(stdout);
			return m.len >= 1 && m.payload[0] == 0 ? 0 : 1;
		}
	}
}

static int run_remote_command(struct session *s, const char *line)
{
	if (ly_cons_write(s->fd, LY_CONS_COMMAND, line, strlen(line)) != 0)
		return RUN_LOST;
	return await_end(s);
}

/* Handle messages already read (log lines that came with a reply). */
static void show_buffered(struct session *s)
{
	struct ly_cons_msg m;

	while (ly_cons_reader_next(&s->in, &m) == 0)
		if (m.type == LY_CONS_LOG)
			show_log(s, m.payload);
}

/* The socket is readable: show what came; false when the daemon went away. */
static bool read_socket(struct session *s)
{
	int rc = ly_cons_reader_fill(&s->in, s->fd);

	if (rc && rc != EAGAIN)
		return false;
	show_buffered(s);
	return true;
}

/* ---- one typed line ---- */

static bool is_exit(const char *line)
{
	return ly_strcaseeq(line, "exit") || ly_strcaseeq(line, "quit");
}

static void handle_line(struct session *s, char *line)
{
	ly_strstrip(line);
	if (!*line)
		return;
	if (s->tty)
		add_history(line);
	if (is_exit(line)) {
		s->done = true;
		return;
	}
	if (run_remote_command(s, line) == RUN_LOST)
		s->done = s->lost = true;
}

/* libedit's line callback; NULL means end of input (^D). */
static void on_line(char *line)
{
	struct session *s = active;

	if (!line) {
		fputs("\n", stdout);
		s->done = true;
		return;
	}
	handle_line(s, line);
	free(line);
	s->line_taken = true;
}

/*
 * libedit (3.1-2022) leaves the terminal in cooked mode without a prompt
 * after its callback returned a line; installing the handler again puts
 * the terminal back into editing mode and shows the prompt.
 */
static void rearm_editline(struct session *s)
{
	if (!s->line_taken || s->done)
		return;
	s->line_taken = false;
	rl_callback_handler_remove();
	rl_callback_handler_install(PROMPT, on_line);
}

/* ---- tab completion ---- */

static void free_matches(struct session *s)
{
	for (size_t i = 0; i < s->n_matches; i++)
		free(s->matches[i]);
	free(s->matches);
	s->matches = NULL;
	s->n_matches = s->next_match = 0;
}

static void parse_matches(struct session *s, const char *list)
{
	const char *p = list;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		s->matches = ly_realloc(s->matches, sizeof(*s->matches) * (s->n_matches + 1));
		s->matches[s->n_matches++] = ly_strndup(p, len);
		p += len + (nl ? 1 : 0);
	}
}

/* Ask the daemon; log lines that arrive meanwhile are shown as usual. */
static void fetch_matches(struct session *s, const char *line)
{
	struct ly_cons_msg m;

	free_matches(s);
	if (ly_cons_write(s->fd, LY_CONS_COMPLETE, line, strlen(line)) != 0)
		return;
	while (next_message(s, &m) == 0) {
		if (m.type == LY_CONS_COMPLETIONS) {
			parse_matches(s, m.payload);
			return;
		}
		if (m.type == LY_CONS_LOG)
			show_log(s, m.payload);
	}
}

static char *next_match(const char *text, int state)
{
	struct session *s = active;

	(void)text;	/* the daemon already matched the word being completed */
	if (state == 0)
		s->next_match = 0;
	if (s->next_match >= s->n_matches)
		return NULL;
	/* libedit frees what we return, so it must come from malloc. */
	return strdup(s->matches[s->next_match++]);
}

static char **attempt_completion(const char *text, int start, int end)
{
	char *upto = ly_strndup(rl_line_buffer ? rl_line_buffer : "", (size_t)end);
	char **list;

	(void)start;
	/* Never fall back to file names: the daemon knows every word. */
	rl_attempted_completion_over = 1;
	fetch_matches(active, upto);
	free(upto);
	list = rl_completion_matches(text, next_match);
	free_matches(active);
	return list;
}

/* ---- interactive sessions ---- */

static char *history_path(void)
{
	const char *env = getenv("LYRE_HISTORY");
	const char *home = getenv("HOME");

	if (env && *env)
		return ly_strdup(env);
	if (home && *home)
		return ly_asprintf("%s/.lyre_history", home);
	return NULL;
}

static void editline_begin(void)
{
	/* The foreground console runs inside the daemon, whose signals are
	 * its own: libedit must not install handlers. */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_readline_name = "lyre";
	rl_attempted_completion_function = attempt_completion;
	using_history();
	clear_history();
	stifle_history(HISTORY_LINES);
	rl_callback_handler_install(PROMPT, on_line);
}

static void editline_end(void)
{
	rl_callback_handler_remove();
	rl_attempted_completion_function = NULL;
	clear_history();
}

/* Non-tty input: run each complete line as it arrives; false at its end. */
static bool read_plain_input(struct session *s)
{
	char chunk[4096], *line, *nl;
	ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0) {
		/* A last line without a newline still counts. */
		if (s->pending.len)
			handle_line(s, s->pending.data);
		return false;
	}
	ly_buf_append(&s->pending, chunk, (size_t)n);
	while (!s->done && (nl = memchr(s->pending.data, '\n', s->pending.len))) {
		size_t used = (size_t)(nl - s->pending.data) + 1;

		line = ly_strndup(s->pending.data, used - 1);
		memmove(s->pending.data, nl + 1, s->pending.len - used + 1);
		s->pending.len -= used;
		handle_line(s, line);
		free(line);
	}
	return true;
}

/* The daemon's socket and the keyboard, until one of them ends. */
static void interact(struct session *s)
{
	while (!s->done) {
		struct pollfd p[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = s->fd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents && !read_socket(s)) {
			s->lost = true;
			break;
		}
		if (p[0].revents & POLLIN) {
			if (s->tty) {
				rl_callback_read_char();
				rearm_editline(s);
			} else if (!read_plain_input(s))
				break;
		} else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			break;
		}
		show_buffered(s);
	}
}

static void run_interactive(struct session *s)
{
	char *hist = NULL;

	s->tty = isatty(STDIN_FILENO);
	if (s->tty) {
		hist = history_path();
		/* Only a person at a terminal wants the log scrolling by. */
		if (ly_cons_write(s->fd, LY_CONS_HELLO, NULL, 0) != 0)
			s->lost = true;
		editline_begin();
		if (hist)
			read_history(hist);
	}
	if (!s->lost)
		interact(s);
	if (s->tty) {
		s->done = true;
		if (hist)
			write_history(hist);
		editline_end();
		free(hist);
	}
	if (s->lost)
		fputs("\nDisconnected from Lyre\n", stdout);
	fflush(stdout);
}

int ly_remote_run(const char *socket_path, const char *command)
{
	struct session s = { .fd = -1 };
	int rc = connect_daemon(socket_path, &s.fd);

	if (rc) {
		fprintf(stderr, "Unable to connect to Lyre at %s: %s. Is the daemon running?\n",
			socket_path, strerror(rc));
		return RUN_LOST;
	}
	ly_cons_reader_init(&s.in);
	ly_buf_init(&s.pending);
	if (command) {
		rc = run_remote_command(&s, command);
		if (rc == RUN_LOST)
			fprintf(stderr, "Lyre closed the connection before '%s' finished\n", command);
	} else {
		active = &s;
		run_interactive(&s);
		active = NULL;
		rc = 0;
	}
	close(s.fd);
	ly_cons_reader_free(&s.in);
	ly_buf_free(&s.pending);
	return rc;
}
