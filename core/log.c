/* core/log.c - the logger: formats each line and writes it to the live channels, syslog and the sinks. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lyre/log.h"
#include "lyre/thread.h"
#include "log.h"
#include "log_int.h"

/*
 * The locks and the table are described in log_int.h.  The sink rule: a
 * sink runs on the thread that logged, holding no logger lock, after that
 * thread released the log lock.  ly_log_remove_sink() waits for calls of
 * that sink already running on other threads to return, so once it returns
 * the sink's arg may be freed; therefore never call it while holding a lock
 * that the sink function itself takes.  A sink may remove itself from
 * inside its own call (that call is not waited for).  A line logged from
 * inside a sink reaches the channels but no sink, so a careless sink cannot
 * recurse forever.
 */

struct log_sink {
	struct log_sink *next;
	ly_log_sink_fn fn;
	void *arg;
	unsigned busy;		/* calls running now */
	unsigned waiters;	/* ly_log_remove_sink calls waiting for busy to drop */
	bool removed;
};

static pthread_mutex_t reconf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t log_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct log_table *table;	/* NULL: before configure / after shutdown */

static pthread_mutex_t sinks_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sinks_idle = PTHREAD_COND_INITIALIZER;
static struct log_sink *sinks;

static atomic_bool to_stdout;
static atomic_int verbose_level;
static atomic_int debug_level;
/* Per level, the highest sublevel any channel takes (-1: none takes it);
 * lets ly_log_enabled answer without a lock.  Starts as the stderr fallback. */
static atomic_int level_cap[LY_LOG_LEVELS] = {
	LY_LOG_NO_CAP, LY_LOG_NO_CAP, LY_LOG_NO_CAP, -1, -1,
};

static __thread char thread_callid[32];
static __thread struct log_sink *running_sink;
/* Set while the loader runs a module's load or reload, so the errors a
 * module logs also reach the console user who asked (see ly_log_capture). */
static __thread struct ly_buf *capture_buf;

static const char *const level_names[LY_LOG_LEVELS] = {
	"ERROR", "WARNING", "NOTICE", "VERBOSE", "DEBUG",
};

const char *ly_log_level_name(enum ly_log_level level)
{
	if ((int)level < 0 || level >= LY_LOG_LEVELS)
		return "UNKNOWN";
	return level_names[level];
}

void ly_log_set_callid(const char *callid)
{
	ly_strlcpy(thread_callid, callid ? callid : "", sizeof(thread_callid));
}

const char *ly_log_get_callid(void)
{
	return thread_callid[0] ? thread_callid : NULL;
}

void ly_log_set_verbose(int level)
{
	atomic_store(&verbose_level, level < 0 ? 0 : level);
}

int ly_log_get_verbose(void)
{
	return atomic_load(&verbose_level);
}

void ly_log_set_debug(int level)
{
	atomic_store(&debug_level, level < 0 ? 0 : level);
}

int ly_log_get_debug(void)
{
	return atomic_load(&debug_level);
}

void ly_log_set_stdout(bool on)
{
	atomic_store(&to_stdout, on);
}

bool ly_log_enabled(enum ly_log_level level, int sublevel)
{
	if ((int)level < 0 || level >= LY_LOG_LEVELS)
		return false;
	if (sublevel < 0)
		sublevel = 0;
	if (level == LY_LOG_VERBOSE && sublevel > atomic_load(&verbose_level))
		return false;
	if (level == LY_LOG_DEBUG && sublevel > atomic_load(&debug_level))
		return false;
	return sublevel <= atomic_load(&level_cap[level]);
}

/* ---- formatting ---- */

/*
 * The compiler names this file with the same source-root prefix as every
 * other file of the tree ("../lyre/", "/build/src/"), so strip what precedes
 * "core/log.c" here from the others; out-of-tree callers lose their "../".
 */
static const char *source_path(const char *file)
{
	static const char self[] = __FILE__, tail[] = "core/log.c";
	size_t n = sizeof(self) - 1, t = sizeof(tail) - 1;

	if (!file)
		return "?";
	if (n > t && strcmp(self + n - t, tail) == 0 && strncmp(file, self, n - t) == 0)
		return file + (n - t);
	while (ly_str_startswith(file, "../") || ly_str_startswith(file, "./"))
		file += file[1] == '.' ? 3 : 2;
	return file;
}

static void format_body(struct ly_buf *b, enum ly_log_level level, const char *file,
			int line, const char *func, const char *fmt, va_list ap) LY_PRINTF(6, 0);
static void format_body(struct ly_buf *b, enum ly_log_level level, const char *file,
			int line, const char *func, const char *fmt, va_list ap)
{
	/* The prefix without printf: a call logs a few lines (the RTP
	 * figures at hangup), and printf's parsing was most of their cost. */
	ly_buf_cat(b, level_names[level], "[", NULL);
	ly_buf_append_uint(b, (unsigned long long)ly_thread_tid());
	ly_buf_puts(b, "]");
	if (thread_callid[0])
		ly_buf_cat(b, "[", thread_callid, "]", NULL);
	ly_buf_cat(b, " ", source_path(file), ":", NULL);
	ly_buf_append_uint(b, (unsigned long long)(line > 0 ? line : 0));
	ly_buf_cat(b, " ", func ? func : "?", ": ", NULL);
	ly_buf_vprintf(b, fmt, ap);
	/* Callers used to Asterisk end messages with "\n"; one line stays one line. */
	while (b->len && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
}

/* The date of the second a thread last logged in, as formatted: lines
 * come in bursts within one second, and localtime plus strftime cost
 * more than the rest of a line. */
static _Thread_local struct {
	time_t sec;
	char format[64];	/* the dateformat it was made with ("" none yet) */
	char when[128];
} date_cache;

static const char *date_text(time_t sec, const char *dateformat)
{
	struct tm tm;

	if (date_cache.format[0] && date_cache.sec == sec && strcmp(date_cache.format, dateformat) == 0)
		return date_cache.when;
	localtime_r(&sec, &tm);
	/* The format is the administrator's dateformat; strftime takes no
	 * arguments from it, so a bad one can only give odd text. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (!strftime(date_cache.when, sizeof(date_cache.when), dateformat, &tm))
		strftime(date_cache.when, sizeof(date_cache.when), LY_LOG_DEFAULT_DATEFORMAT, &tm);
#pragma GCC diagnostic pop
	date_cache.sec = sec;
	/* a format too long to keep is formatted every time */
	if (strlen(dateformat) < sizeof(date_cache.format))
		ly_strlcpy(date_cache.format, dateformat, sizeof(date_cache.format));
	else
		date_cache.format[0] = '\0';
	return date_cache.when;
}

/* "[<dateformat>.mmm] "; dateformat comes from logger.conf [general]. */
static void format_time(struct ly_buf *b, const char *dateformat)
{
	uint64_t us = ly_wallclock_us();
	unsigned ms = (unsigned)(us / 1000u % 1000u);
	char frac[6] = { '.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10), ']', '\0' };

	ly_buf_cat(b, "[", date_text((time_t)(us / 1000000u), dateformat), frac, " ", NULL);
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		/* Nowhere to report a failing log file without recursing; drop. */
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

/* ---- the live table ---- */

static bool channel_takes(const struct log_channel *c, enum ly_log_level level, int sublevel)
{
	if (!(c->levels & LY_LOG_BIT(level)))
		return false;
	if (level == LY_LOG_VERBOSE)
		return sublevel <= c->verbose_cap;
	if (level == LY_LOG_DEBUG)
		return sublevel <= c->debug_cap;
	return true;
}

static bool table_has_syslog(const struct log_table *t)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (t->ch[i].facility >= 0)
			return true;
	return false;
}

void ly_log_table_free(struct log_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		if (t->ch[i].fd >= 0)
			close(t->ch[i].fd);
		free(t->ch[i].name);
		free(t->ch[i].path);
	}
	free(t->ch);
	free(t->dateformat);
	free(t);
}

/* Called with log_lock held. */
static void publish_caps(const struct log_table *t)
{
	for (int l = 0; l < LY_LOG_LEVELS; l++) {
		int cap = -1;

		for (size_t i = 0; t && i < t->n; i++) {
			const struct log_channel *c = &t->ch[i];

			if (!(c->levels & LY_LOG_BIT(l)))
				continue;
			int own = l == LY_LOG_VERBOSE ? c->verbose_cap :
				  l == LY_LOG_DEBUG ? c->debug_cap : LY_LOG_NO_CAP;
			if (own > cap)
				cap = own;
		}
		if (!t)	/* the stderr fallback */
			cap = l <= LY_LOG_NOTICE ? LY_LOG_NO_CAP : -1;
		atomic_store(&level_cap[l], cap);
	}
}

void ly_log_reconf_lock(void)
{
	pthread_mutex_lock(&reconf_lock);
}

void ly_log_reconf_unlock(void)
{
	pthread_mutex_unlock(&reconf_lock);
}

void ly_log_table_install(struct log_table *t)
{
	struct log_table *old;

	pthread_rwlock_wrlock(&log_lock);
	old = table;
	table = t;
	publish_caps(t);
	pthread_rwlock_unlock(&log_lock);
	/* Syslog writes happen under log_lock, so none uses the old table's
	 * connection any more. */
	if (table_has_syslog(old) && !table_has_syslog(t))
		closelog();
	ly_log_table_free(old);
}

void ly_log_table_use(void (*fn)(struct log_table *t, void *arg), void *arg)
{
	pthread_rwlock_wrlock(&log_lock);
	fn(table, arg);
	publish_caps(table);
	pthread_rwlock_unlock(&log_lock);
}

int ly_log_syslog_priority(enum ly_log_level level)
{
	switch (level) {
	case LY_LOG_ERROR:
		return LOG_ERR;
	case LY_LOG_WARNING:
		return LOG_WARNING;
	case LY_LOG_NOTICE:
		return LOG_NOTICE;
	case LY_LOG_VERBOSE:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

void ly_log_init(void)
{
	/* localtime_r need not read TZ itself (POSIX); do it once here. */
	tzset();
	pthread_rwlock_wrlock(&log_lock);
	publish_caps(table);
	pthread_rwlock_unlock(&log_lock);
}

/* ---- sinks ---- */

/* sinks_lock held; the entry is removed and nobody uses or waits for it. */
static void sink_reap(struct log_sink *e)
{
	for (struct log_sink **pp = &sinks; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			free(e);
			return;
		}
	}
}

/* sinks_lock held: a call of e has returned. */
static void sink_release(struct log_sink *e)
{
	e->busy--;
	if (!e->removed)
		return;
	if (e->waiters)
		pthread_cond_broadcast(&sinks_idle);
	else if (!e->busy)
		sink_reap(e);
}

void ly_log_add_sink(ly_log_sink_fn fn, void *arg)
{
	struct log_sink *e = ly_calloc(1, sizeof(*e)), **pp;

	e->fn = fn;
	e->arg = arg;
	pthread_mutex_lock(&sinks_lock);
	for (pp = &sinks; *pp; pp = &(*pp)->next)
		;
	*pp = e;
	pthread_mutex_unlock(&sinks_lock);
}

void ly_log_remove_sink(ly_log_sink_fn fn, void *arg)
{
	struct log_sink *e;

	pthread_mutex_lock(&sinks_lock);
	for (e = sinks; e; e = e->next)
		if (e->fn == fn && e->arg == arg && !e->removed)
			break;
	if (e) {
		/* A sink removing itself must not wait for its own call. */
		unsigned own = running_sink == e ? 1 : 0;

		e->removed = true;
		e->waiters++;
		while (e->busy > own)
			pthread_cond_wait(&sinks_idle, &sinks_lock);
		e->waiters--;
		if (!e->busy && !e->waiters)
			sink_reap(e);
	}
	pthread_mutex_unlock(&sinks_lock);
}

/*
 * Each sink runs with sinks_lock released; its busy count keeps the entry
 * linked meanwhile, so its next pointer, read again under the lock, is valid.
 */
static void sinks_deliver(enum ly_log_level level, const char *line)
{
	pthread_mutex_lock(&sinks_lock);
	for (struct log_sink *e = sinks, *next; e; e = next) {
		if (e->removed) {
			next = e->next;
			continue;
		}
		e->busy++;
		pthread_mutex_unlock(&sinks_lock);
		running_sink = e;
		e->fn(e->arg, level, line);
		running_sink = NULL;
		pthread_mutex_lock(&sinks_lock);
		next = e->next;
		sink_release(e);
	}
	pthread_mutex_unlock(&sinks_lock);
}

static void remove_all_sinks(void)
{
	for (;;) {
		struct log_sink *e;
		ly_log_sink_fn fn = NULL;
		void *arg = NULL;

		pthread_mutex_lock(&sinks_lock);
		for (e = sinks; e && e->removed; e = e->next)
			;
		if (e) {
			fn = e->fn;
			arg = e->arg;
		}
		pthread_mutex_unlock(&sinks_lock);
		if (!e)
			return;
		ly_log_remove_sink(fn, arg);
	}
}

/* ---- writing ---- */

/* Writes `line` (time prefix added here) to the channels that take it;
 * returns true when the console channel took it, i.e. the sinks want it. */
static bool write_channels(enum ly_log_level level, int sublevel, const struct ly_buf *body,
			   struct ly_buf *line)
{
	bool console = false;

	/* Shared: threads logging at once write their lines side by side (each
	 * line is one write(2) on an O_APPEND file); only a table change waits. */
	pthread_rwlock_rdlock(&log_lock);
	format_time(line, table ? table->dateformat : LY_LOG_DEFAULT_DATEFORMAT);
	ly_buf_append(line, body->data, body->len);
	ly_buf_append(line, "\n", 1);
	if (!table) {
		write_all(STDERR_FILENO, line->data, line->len);
	} else {
		for (size_t i = 0; i < table->n; i++) {
			const struct log_channel *c = &table->ch[i];

			if (!channel_takes(c, level, sublevel))
				continue;
			if (c->fd >= 0)
				write_all(c->fd, line->data, line->len);
			/* syslogd stamps its own time: it gets the body alone. */
			if (c->facility >= 0)
				syslog(c->facility | ly_log_syslog_priority(level), "%s",
				       ly_buf_str(body));
			if (i == 0) {
				console = true;
				if (atomic_load(&to_stdout))
					write_all(STDOUT_FILENO, line->data, line->len);
			}
		}
	}
	pthread_rwlock_unlock(&log_lock);
	line->data[--line->len] = '\0';	/* sinks get it without the newline */
	return console;
}

void ly_vlog(enum ly_log_level level, int sublevel, const char *file, int line,
	     const char *func, const char *fmt, va_list ap)
{
	struct ly_buf body, text;

	if (sublevel < 0)
		sublevel = 0;
	if (capture_buf && level <= LY_LOG_WARNING) {
		va_list copy;

		va_copy(copy, ap);
		ly_buf_vprintf(capture_buf, fmt, copy);
		va_end(copy);
		while (capture_buf->len && capture_buf->data[capture_buf->len - 1] == '\n')
			capture_buf->data[--capture_buf->len] = '\0';
		ly_buf_puts(capture_buf, "\n");
	}
	if (!ly_log_enabled(level, sublevel))
		return;
	ly_buf_init(&body);
	ly_buf_init(&text);
	format_body(&body, level, file, line, func, fmt, ap);
	if (write_channels(level, sublevel, &body, &text) && !running_sink)
		sinks_deliver(level, ly_buf_str(&text));
	ly_buf_free(&text);
	ly_buf_free(&body);
}

void ly_log(enum ly_log_level level, int sublevel, const char *file, int line,
	    const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ly_vlog(level, sublevel, file, line, func, fmt, ap);
	va_end(ap);
}

struct ly_buf *ly_log_capture(struct ly_buf *buf)
{
	struct ly_buf *previous = capture_buf;

	capture_buf = buf;
	return previous;
}

void ly_log_shutdown(void)
{
	ly_log_conf_forget();
	remove_all_sinks();
}
