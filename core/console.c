/* core/console.c - the console server: runs remote consoles' commands on the loop and streams the log to them. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lyre/cli.h"
#include "lyre/log.h"
#include "lyre/loop.h"
#include "lyre/utils.h"

#include "console.h"
#include "console_proto.h"
#include "log.h"

/* A client whose unsent output grows past this is too slow: drop it, so
 * it costs memory, never the loop's time. */
#define OUT_MAX (8u * 1024u * 1024u)
/* Log lines move to a client's output only while less than this waits. */
#define OUT_LOG_ROOM (256u * 1024u)
/* Log bytes queued per client before lines are dropped (and counted). */
#define LOGQ_MAX (256u * 1024u)
/* Each console holds a descriptor and up to OUT_MAX of memory; past this
 * many, new ones are turned away so that a runaway script cannot take
 * every descriptor the daemon has. */
#define MAX_CLIENTS 128u
/* Out of descriptors, accept() fails while the connection stays queued:
 * the socket would be readable at once again.  Wait this long instead. */
#define ACCEPT_RETRY_MS 100u
/* Messages answered per wake-up of one client: a command can take a
 * while, and one client sending many must not keep the others waiting. */
#define MSGS_PER_WAKE 16u
/* The same warning at most this often (a flood would fill the log). */
#define WARN_INTERVAL_MS 1000u

/* One warning per WARN_INTERVAL_MS; the others are counted. */
struct rate_limit {
	uint64_t last_ms;
	bool warned;
	unsigned long suppressed;
};

/*
 * Threads: everything here runs on the loop thread except log_sink, which
 * runs on whichever thread logs.  log_lock guards the subscriber list and
 * each client's logq/dropped/subscribed fields, and srv.wake_fd.  Nothing
 * logs while holding log_lock (the sink would deadlock on it).
 */
struct console_client {
	int fd;
	struct ly_cons_reader in;
	struct ly_buf out;		/* framed bytes not yet sent */
	size_t out_sent;		/* out.data[0..out_sent) already went */
	bool want_write;		/* watching for LY_FD_WRITE */
	bool backlog;			/* whole messages may wait in `in` */
	struct console_client *next;	/* srv.clients */
	/* under log_lock */
	bool subscribed;
	struct ly_buf logq;		/* framed LOG messages */
	unsigned long dropped;
	struct console_client *next_sub;
};

static struct {
	struct ly_loop *loop;
	char *path;
	int listen_fd;
	uint64_t accept_retry;		/* scheduler entry while accepting is paused */
	struct console_client *clients;
	unsigned nclients;
	struct rate_limit accept_warn, refuse_warn;
	pthread_mutex_t log_lock;
	int wake_fd;			/* eventfd: log lines are waiting */
	bool wake_pending;
	struct console_client *subscribers;
} srv = {
	.listen_fd = -1,
	.log_lock = PTHREAD_MUTEX_INITIALIZER,
	.wake_fd = -1,
};

/* ---- clients ---- */

static size_t out_pending(const struct console_client *c)
{
	return c->out.len - c->out_sent;
}

static void unsubscribe(struct console_client *c)
{
	pthread_mutex_lock(&srv.log_lock);
	for (struct console_client **p = &srv.subscribers; *p; p = &(*p)->next_sub) {
		if (*p == c) {
			*p = c->next_sub;
			break;
		}
	}
	c->subscribed = false;
	pthread_mutex_unlock(&srv.log_lock);
}

static void client_free(struct console_client *c)
{
	unsubscribe(c);
	ly_loop_del_fd(srv.loop, c->fd);
	close(c->fd);
	ly_cons_reader_free(&c->in);
	ly_buf_free(&c->out);
	ly_buf_free(&c->logq);
	free(c);
}

static void client_close(struct console_client *c)
{
	for (struct console_client **p = &srv.clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			srv.nclients--;
			break;
		}
	}
	ly_debug(2, "Remote console on fd %d disconnected", c->fd);
	client_free(c);
}

static int watch_write(struct console_client *c, bool on)
{
	if (c->want_write == on)
		return 0;
	c->want_write = on;
	return ly_loop_mod_fd(srv.loop, c->fd, LY_FD_READ | (on ? LY_FD_WRITE : 0));
}

/* Send what the socket takes now; 0 or an errno value (close the client). */
static int client_flush(struct console_client *c)
{
	while (out_pending(c)) {
		ssize_t n = send(c->fd, c->out.data + c->out_sent, out_pending(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return errno;
		}
		c->out_sent += (size_t)n;
	}
	if (!out_pending(c)) {
		ly_buf_reset(&c->out);
		c->out_sent = 0;
		/* A socket with room is writable at once: the wake-up that
		 * brings us back to the messages still waiting. */
		return watch_write(c, c->backlog);
	}
	if (out_pending(c) > OUT_MAX)
		return ENOBUFS;
	if (c->out_sent > c->out.len / 2) {
		/* Slide the unsent tail down so `out` does not grow without end. */
		memmove(c->out.data, c->out.data + c->out_sent, out_pending(c));
		c->out.len -= c->out_sent;
		c->out_sent = 0;
	}
	return watch_write(c, true);
}

/* Move queued log lines into the output while the client keeps up. */
static void pull_logs(struct console_client *c)
{
	unsigned long dropped = 0;

	if (out_pending(c) >= OUT_LOG_ROOM)
		return;
	pthread_mutex_lock(&srv.log_lock);
	if (c->logq.len) {
		ly_buf_append(&c->out, c->logq.data, c->logq.len);
		ly_buf_reset(&c->logq);
	}
	dropped = c->dropped;
	c->dropped = 0;
	pthread_mutex_unlock(&srv.log_lock);
	if (dropped) {
		char note[96];
		int n = snprintf(note, sizeof(note),
				 "[console: %lu log lines dropped, the console was too slow]", dropped);

		ly_cons_encode(&c->out, LY_CONS_LOG, note, (size_t)n);
	}
}

/* Pull waiting log lines and send them; 0 or an errno value (close). */
static int send_logs(struct console_client *c)
{
	pull_logs(c);
	return out_pending(c) ? client_flush(c) : 0;
}

/* ---- requests ---- */

static void queue_output(struct console_client *c, const struct ly_buf *text)
{
	for (size_t off = 0; off < text->len; off += LY_CONS_CHUNK) {
		size_t n = text->len - off < LY_CONS_CHUNK ? text->len - off : LY_CONS_CHUNK;

		ly_cons_encode(&c->out, LY_CONS_OUTPUT, text->data + off, n);
	}
}

static void run_command(struct console_client *c, const char *line)
{
	struct ly_buf text;
	uint8_t status;

	ly_buf_init(&text);
	ly_debug(1, "Remote console on fd %d runs '%s'", c->fd, line);
	status = ly_cli_execute(line, &text) == LY_CLI_SUCCESS ? 0 : 1;
	queue_output(c, &text);
	ly_cons_encode(&c->out, LY_CONS_END, &status, 1);
	ly_buf_free(&text);
}

static void run_completion(struct console_client *c, const char *line)
{
	struct ly_buf list;

	ly_buf_init(&list);
	ly_cli_completions(line, &list);
	/* A list that long is useless to a person; send what fits. */
	ly_cons_encode(&c->out, LY_CONS_COMPLETIONS, ly_buf_str(&list),
		       list.len < LY_CONS_MAX_PAYLOAD ? list.len : LY_CONS_MAX_PAYLOAD);
	ly_buf_free(&list);
}

static void subscribe(struct console_client *c)
{
	pthread_mutex_lock(&srv.log_lock);
	if (!c->subscribed) {
		c->subscribed = true;
		c->next_sub = srv.subscribers;
		srv.subscribers = c;
	}
	pthread_mutex_unlock(&srv.log_lock);
}

static void handle_message(struct console_client *c, const struct ly_cons_msg *m)
{
	switch (m->type) {
	case LY_CONS_HELLO:
		subscribe(c);
		break;
	case LY_CONS_COMMAND:
		run_command(c, m->payload);
		break;
	case LY_CONS_COMPLETE:
		run_completion(c, m->payload);
		break;
	default:
		/* Newer clients may send more; old servers ignore it. */
		ly_debug(1, "Remote console sent unknown message type %u", m->type);
		break;
	}
}

/*
 * Answer at most MSGS_PER_WAKE of the messages already read; 0 or an
 * errno value (close).  What is left waits for the next wake-up (see
 * client_flush), so one busy client costs the loop a bounded slice.
 */
static int client_answer(struct console_client *c)
{
	struct ly_cons_msg m;
	unsigned n = 0;
	int rc = 0;

	while (n < MSGS_PER_WAKE && (rc = ly_cons_reader_next(&c->in, &m)) == 0) {
		handle_message(c, &m);
		n++;
	}
	if (n < MSGS_PER_WAKE && rc == EMSGSIZE) {
		ly_warning("Remote console on fd %d sent an oversized frame; closing it", c->fd);
		return rc;
	}
	c->backlog = n == MSGS_PER_WAKE;
	if (out_pending(c) > OUT_MAX)
		return ENOBUFS;
	return client_flush(c);
}

/*
 * One read, not a loop until EAGAIN: a client that keeps writing would
 * hold the loop and every other console would wait.  epoll is
 * level-triggered, so unread bytes bring us back.  Nothing is read while
 * earlier messages still wait for an answer.
 */
static int client_read(struct console_client *c)
{
	if (!c->backlog) {
		int rc = ly_cons_reader_fill(&c->in, c->fd);

		if (rc)
			return rc == EAGAIN ? 0 : rc;
	}
	return client_answer(c);
}

static void on_client(int fd, unsigned events, void *arg)
{
	struct console_client *c = arg;

	(void)fd;
	if ((events & LY_FD_WRITE) && (client_flush(c) || send_logs(c))) {
		client_close(c);
		return;
	}
	if (events & (LY_FD_READ | LY_FD_ERROR)) {
		if (client_read(c))
			client_close(c);
	} else if (c->backlog && client_answer(c)) {
		client_close(c);
	}
}

static void client_new(int fd)
{
	struct console_client *c = ly_calloc(1, sizeof(*c));
	int rc;

	c->fd = fd;
	ly_cons_reader_init(&c->in);
	ly_buf_init(&c->out);
	ly_buf_init(&c->logq);
	rc = ly_loop_add_fd(srv.loop, fd, LY_FD_READ, on_client, c);
	if (rc) {
		ly_warning("Cannot watch a remote console connection: %s", strerror(rc));
		close(fd);
		ly_cons_reader_free(&c->in);
		free(c);
		return;
	}
	c->next = srv.clients;
	srv.clients = c;
	srv.nclients++;
	ly_debug(2, "Remote console connected on fd %d", fd);
}

/* True when this warning may be logged now; *times says how often it
 * happened since the last one was logged, this time included. */
static bool rate_allows(struct rate_limit *r, unsigned long *times)
{
	uint64_t now = ly_now_ms();

	if (r->warned && now - r->last_ms < WARN_INTERVAL_MS) {
		r->suppressed++;
		return false;
	}
	r->warned = true;
	r->last_ms = now;
	*times = r->suppressed + 1;
	r->suppressed = 0;
	return true;
}

/*
 * Too many consoles: tell this one why and close it.  A LOG line shows at
 * an interactive prompt and END ends `lyre -rx` with a failure; both are
 * one small write into an empty socket buffer, so MSG_DONTWAIT loses
 * nothing in practice and never blocks the loop.
 */
static void client_refuse(int fd)
{
	static const uint8_t failed = 1;
	unsigned long times;
	struct ly_buf msg;
	char why[96];
	int n = snprintf(why, sizeof(why),
			 "Too many remote consoles are connected (%u); try again later", MAX_CLIENTS);

	ly_buf_init(&msg);
	ly_cons_encode(&msg, LY_CONS_LOG, why, (size_t)n);
	ly_cons_encode(&msg, LY_CONS_END, &failed, 1);
	if (send(fd, msg.data, msg.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		ly_debug(1, "Could not tell a refused console why: %s", strerror(errno));
	ly_buf_free(&msg);
	close(fd);
	if (rate_allows(&srv.refuse_warn, &times))
		ly_warning("Refused a remote console: %u are connected already "
			   "(%lu refused since the last warning)", MAX_CLIENTS, times);
}

static void on_accept(int fd, unsigned events, void *arg);

static int accept_resume(void *arg)
{
	(void)arg;
	if (srv.listen_fd >= 0 &&
	    ly_loop_add_fd(srv.loop, srv.listen_fd, LY_FD_READ, on_accept, NULL) != 0)
		return (int)ACCEPT_RETRY_MS;	/* still short of resources */
	srv.accept_retry = 0;
	return 0;
}

/* Out of descriptors or memory: the pending connection stays queued, so
 * stop watching the socket for a while rather than spin on it. */
static void accept_pause(int err)
{
	unsigned long times;

	if (rate_allows(&srv.accept_warn, &times))
		ly_warning("Console socket accept failed: %s (%lu times since the last warning); "
			   "retrying every %u ms", strerror(err), times, ACCEPT_RETRY_MS);
	ly_loop_del_fd(srv.loop, srv.listen_fd);
	srv.accept_retry = ly_sched_add(ly_loop_sched(srv.loop), ACCEPT_RETRY_MS,
					accept_resume, NULL);
}

static void on_accept(int fd, unsigned events, void *arg)
{
	(void)events;
	(void)arg;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd >= 0) {
			if (srv.nclients >= MAX_CLIENTS)
				client_refuse(cfd);
			else
				client_new(cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			accept_pause(errno);
			return;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			ly_warning("Console socket accept failed: %s", strerror(errno));
		return;
	}
}

/* ---- log lines from any thread ---- */

static void log_sink(void *arg, enum ly_log_level level, const char *line)
{
	size_t len = strlen(line);
	bool queued = false;

	(void)arg;
	(void)level;

	pthread_mutex_lock(&srv.log_lock);
	for (struct console_client *c = srv.subscribers; c; c = c->next_sub) {
		if (c->logq.len + len + LY_CONS_HEADER_LEN > LOGQ_MAX) {
			c->dropped++;
			continue;
		}
		ly_cons_encode(&c->logq, LY_CONS_LOG, line, len);
		queued = true;
	}
	if (queued && !srv.wake_pending && srv.wake_fd >= 0) {
		uint64_t one = 1;

		/* A non-blocking eventfd: never waits, never logs. */
		srv.wake_pending = write(srv.wake_fd, &one, sizeof(one)) == sizeof(one);
	}
	pthread_mutex_unlock(&srv.log_lock);
}

static void on_wake(int fd, unsigned events, void *arg)
{
	uint64_t count;
	struct console_client *next;

	(void)events;
	(void)arg;

	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		ly_debug(1, "console eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&srv.log_lock);
	srv.wake_pending = false;
	pthread_mutex_unlock(&srv.log_lock);
	for (struct console_client *c = srv.clients; c; c = next) {
		next = c->next;
		if (send_logs(c))
			client_close(c);
	}
}

/* ---- the listening socket ---- */

static int make_address(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return ENAMETOOLONG;
	ly_strlcpy(sa->sun_path, path, sizeof(sa->sun_path));
	return 0;
}

/* True when a server accepts (or queues) connections on sa. */
static bool someone_listens(const struct sockaddr_un *sa)
{
	/* Non-blocking, so a full backlog cannot hang the start-up; a full
	 * backlog (EAGAIN) means a live server all the same. */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
		errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return alive;
}

/* Remove a socket file nobody answers on; refuse to touch anything else. */
static int clear_stale_socket(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : errno;
	if (!S_ISSOCK(st.st_mode)) {
		ly_error("%s exists and is not a socket; not replacing it", path);
		return EEXIST;
	}
	if (someone_listens(sa)) {
		ly_error("another Lyre is running on %s", path);
		return EADDRINUSE;
	}
	ly_debug(1, "Removing stale console socket %s", path);
	if (unlink(path) != 0 && errno != ENOENT)
		return errno;
	return 0;
}

static int open_listener(const char *path, const struct sockaddr_un *sa, uid_t uid, gid_t gid,
			 int *out)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return errno;
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
		rc = errno;
		close(fd);
		return rc;
	}
	/* Read-write for the run user and its group, nobody else: the
	 * console can stop the daemon and read every call's details. */
	if (chmod(path, 0660) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) != 0) ||
	    listen(fd, 32) != 0) {
		rc = errno;
		close(fd);
		unlink(path);
		return rc;
	}
	*out = fd;
	return 0;
}

static int watch_server(struct ly_loop *loop)
{
	int rc;

	srv.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv.wake_fd < 0)
		return errno;
	rc = ly_loop_add_fd(loop, srv.wake_fd, LY_FD_READ, on_wake, NULL);
	if (rc == 0) {
		rc = ly_loop_add_fd(loop, srv.listen_fd, LY_FD_READ, on_accept, NULL);
		if (rc)
			ly_loop_del_fd(loop, srv.wake_fd);
	}
	if (rc) {
		close(srv.wake_fd);
		srv.wake_fd = -1;
	}
	return rc;
}

int ly_console_server_start(struct ly_loop *loop, const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un sa;
	int rc;

	if (srv.listen_fd >= 0)
		return EALREADY;
	if ((rc = make_address(path, &sa)) || (rc = clear_stale_socket(path, &sa)))
		return rc;
	rc = open_listener(path, &sa, uid, gid, &srv.listen_fd);
	if (rc) {
		ly_error("Cannot listen on console socket %s: %s", path, strerror(rc));
		return rc;
	}
	srv.loop = loop;
	rc = watch_server(loop);
	if (rc) {
		close(srv.listen_fd);
		srv.listen_fd = -1;
		unlink(path);
		return rc;
	}
	srv.path = ly_strdup(path);
	ly_log_add_sink(log_sink, NULL);
	ly_verbose(2, "Console listening on %s", path);
	return 0;
}

void ly_console_server_stop(void)
{
	struct console_client *c;
	int wake_fd;

	if (srv.listen_fd < 0)
		return;
	ly_log_remove_sink(log_sink, NULL);
	if (srv.accept_retry) {
		ly_sched_del(ly_loop_sched(srv.loop), srv.accept_retry);
		srv.accept_retry = 0;
	} else {
		ly_loop_del_fd(srv.loop, srv.listen_fd);
	}
	close(srv.listen_fd);
	srv.listen_fd = -1;
	pthread_mutex_lock(&srv.log_lock);
	wake_fd = srv.wake_fd;
	srv.wake_fd = -1;
	srv.wake_pending = false;
	pthread_mutex_unlock(&srv.log_lock);
	ly_loop_del_fd(srv.loop, wake_fd);
	close(wake_fd);
	while ((c = srv.clients)) {
		srv.clients = c->next;
		/* Last chance for the reply to "core stop now" to reach its client. */
		client_flush(c);
		client_free(c);
	}
	srv.nclients = 0;
	unlink(srv.path);
	free(srv.path);
	srv.path = NULL;
	srv.loop = NULL;
}
