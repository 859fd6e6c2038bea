/* core/log.c - the logger: formats each line and writes it to logger.conf's channels and sinks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lyre/cli.h"
#include "lyre/config.h"
#include "lyre/log.h"
#include "lyre/thread.h"
#include "log.h"

/*
 * Locks, in the order they may be taken:
 *
 *   reconf_lock  serialises whole reconfigurations (configure, rotate,
 *                `logger set level`, shutdown) so that none undoes another.
 *   log_lock     guards the channel table and every write to a channel.
 *                It is a leaf: nothing that takes another lock or logs runs
 *                under it, and a reconfiguration builds its new table (opens
 *                files) outside it and only swaps the pointer under it.
 *   sinks_lock   guards the sink list.  It is never held while a sink runs
 *                and never together with log_lock.
 *
 * The sink rule: a sink runs on the thread that logged, holding no logger
 * lock, after that thread released log_lock.  ly_log_remove_sink() waits for
 * calls of that sink already running on other threads to return, so once it
 * returns the sink's arg may be freed; therefore never call it while holding
 * a lock that the sink function itself takes.  A sink may remove itself from
 * inside its own call (that call is not waited for).  A line logged from
 * inside a sink reaches the channels but no sink, so a careless sink cannot
 * recurse forever.
 */

#define DEFAULT_DATEFORMAT "%F %T"
#define NO_CAP INT_MAX		/* a level without a verbose(N)/debug(N) cap */
#define LEVEL_BIT(l) (1u << (l))
#define ALL_LEVELS (LEVEL_BIT(LY_LOG_LEVELS) - 1u)
#define CONSOLE_NAME "console"

#ifdef LY_DEFAULT_LOGDIR
#define FALLBACK_LOGDIR LY_DEFAULT_LOGDIR
#else
#define FALLBACK_LOGDIR "."
#endif

struct log_channel {
	char *name;		/* as written in logger.conf */
	char *path;		/* NULL for the console */
	int fd;			/* -1 for the console or a file that did not open */
	unsigned levels;	/* LEVEL_BIT mask */
	int verbose_cap;	/* verbose(N): sublevels above N are dropped */
	int debug_cap;
};

/* Channel 0 is always the console, so `logger set level` has a target even
 * when logger.conf does not name it. */
struct log_table {
	char *dateformat;
	struct log_channel *ch;
	size_t n;
};

struct log_sink {
	struct log_sink *next;
	ly_log_sink_fn fn;
	void *arg;
	unsigned busy;		/* calls running now */
	unsigned waiters;	/* ly_log_remove_sink calls waiting for busy to drop */
	bool removed;
};

static pthread_mutex_t reconf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_table *table;	/* NULL: before configure / after shutdown */
static char *conf_dir, *log_dir;	/* of the last good configure; reconf_lock */

static pthread_mutex_t sinks_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sinks_idle = PTHREAD_COND_INITIALIZER;
static struct log_sink *sinks;

static atomic_bool to_stdout;
static atomic_int verbose_level;
static atomic_int debug_level;
/* Per level, the highest sublevel any channel takes (-1: none takes it);
 * lets ly_log_enabled answer without a lock.  Starts as the stderr fallback. */
static atomic_int level_cap[LY_LOG_LEVELS] = { NO_CAP, NO_CAP, NO_CAP, -1, -1 };

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
	ly_buf_printf(b, "%s[%d]", level_names[level], ly_thread_tid());
	if (thread_callid[0])
		ly_buf_printf(b, "[%s]", thread_callid);
	ly_buf_printf(b, " %s:%d %s: ", source_path(file), line, func ? func : "?");
	ly_buf_vprintf(b, fmt, ap);
	/* Callers used to Asterisk end messages with "\n"; one line stays one line. */
	while (b->len && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
}

/* "[<dateformat>.mmm] "; dateformat comes from logger.conf [general]. */
static void format_time(struct ly_buf *b, const char *dateformat)
{
	uint64_t us = ly_wallclock_us();
	time_t sec = (time_t)(us / 1000000u);
	struct tm tm;
	char when[128];

	localtime_r(&sec, &tm);
	/* The format is the administrator's dateformat; strftime takes no
	 * arguments from it, so a bad one can only give odd text. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (!strftime(when, sizeof(when), dateformat, &tm))
		strftime(when, sizeof(when), DEFAULT_DATEFORMAT, &tm);
#pragma GCC diagnostic pop
	ly_buf_printf(b, "[%s.%03u] ", when, (unsigned)(us / 1000u % 1000u));
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

/* ---- channel tables ---- */

static bool channel_takes(const struct log_channel *c, enum ly_log_level level, int sublevel)
{
	if (!(c->levels & LEVEL_BIT(level)))
		return false;
	if (level == LY_LOG_VERBOSE)
		return sublevel <= c->verbose_cap;
	if (level == LY_LOG_DEBUG)
		return sublevel <= c->debug_cap;
	return true;
}

static struct log_channel *table_find(struct log_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->ch[i].name, name) == 0)
			return &t->ch[i];
	return NULL;
}

static struct log_channel *table_add(struct log_table *t, const char *name, const char *path)
{
	struct log_channel *c;

	t->ch = ly_realloc(t->ch, (t->n + 1) * sizeof(*t->ch));
	c = &t->ch[t->n++];
	c->name = ly_strdup(name);
	c->path = path ? ly_strdup(path) : NULL;
	c->fd = -1;
	c->levels = 0;
	c->verbose_cap = NO_CAP;
	c->debug_cap = NO_CAP;
	return c;
}

static struct log_table *table_new(const char *dateformat)
{
	struct log_table *t = ly_calloc(1, sizeof(*t));

	t->dateformat = ly_strdup(dateformat);
	table_add(t, CONSOLE_NAME, NULL);
	return t;
}

static void table_free(struct log_table *t)
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

/* A copy without open files, for `logger rotate`. */
static struct log_table *table_clone(const struct log_table *src)
{
	struct log_table *t = ly_calloc(1, sizeof(*t));

	t->dateformat = ly_strdup(src->dateformat);
	for (size_t i = 0; i < src->n; i++) {
		struct log_channel *c = table_add(t, src->ch[i].name, src->ch[i].path);

		c->levels = src->ch[i].levels;
		c->verbose_cap = src->ch[i].verbose_cap;
		c->debug_cap = src->ch[i].debug_cap;
	}
	return t;
}

/* Failures become warnings in `why`, logged once the table is live: a log
 * file we cannot write must not stop the PBX. */
static void table_open_files(struct log_table *t, struct ly_buf *why)
{
	for (size_t i = 0; i < t->n; i++) {
		struct log_channel *c = &t->ch[i];

		if (!c->path)
			continue;
		c->fd = open(c->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (c->fd < 0)
			ly_buf_printf(why, "Cannot open log file %s: %s\n", c->path, strerror(errno));
	}
}

/* Called with log_lock held. */
static void publish_caps(const struct log_table *t)
{
	for (int l = 0; l < LY_LOG_LEVELS; l++) {
		int cap = -1;

		for (size_t i = 0; t && i < t->n; i++) {
			const struct log_channel *c = &t->ch[i];

			if (!(c->levels & LEVEL_BIT(l)))
				continue;
			int own = l == LY_LOG_VERBOSE ? c->verbose_cap :
				  l == LY_LOG_DEBUG ? c->debug_cap : NO_CAP;
			if (own > cap)
				cap = own;
		}
		if (!t)	/* the stderr fallback */
			cap = l <= LY_LOG_NOTICE ? NO_CAP : -1;
		atomic_store(&level_cap[l], cap);
	}
}

/* Swap `t` in and free the table it replaces. */
static void table_install(struct log_table *t)
{
	struct log_table *old;

	pthread_mutex_lock(&log_lock);
	old = table;
	table = t;
	publish_caps(t);
	pthread_mutex_unlock(&log_lock);
	table_free(old);
}

static void log_warnings(const struct ly_buf *why)
{
	const char *s = ly_buf_str(why);

	while (*s) {
		const char *nl = strchr(s, '\n');
		int len = nl ? (int)(nl - s) : (int)strlen(s);

		ly_warning("%.*s", len, s);
		s += len + (nl ? 1 : 0);
	}
}

/* ---- logger.conf ---- */

static void set_error(struct ly_cfg_error *err, const struct ly_cfg_var *v,
		      const char *fmt, ...) LY_PRINTF(3, 4);
static void set_error(struct ly_cfg_error *err, const struct ly_cfg_var *v, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof(err->msg), "%s:%d: %s", v->file ? v->file : "logger.conf",
		 v->line, what);
}

/* "verbose(3)" -> cap 3; "verbose" -> NO_CAP.  0 or EINVAL. */
static int parse_cap(const char *word, size_t name_len, int *cap)
{
	const char *open = word + name_len;
	long v;
	char num[16];

	if (!*open) {
		*cap = NO_CAP;
		return 0;
	}
	size_t len = strlen(open);
	if (*open != '(' || open[len - 1] != ')' || len - 2 >= sizeof(num))
		return EINVAL;
	memcpy(num, open + 1, len - 2);
	num[len - 2] = '\0';
	if (ly_parse_int(ly_strstrip(num), 0, INT_MAX, &v))
		return EINVAL;
	*cap = (int)v;
	return 0;
}

static bool is_level_word(const char *word, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(word, name, n) == 0 && (word[n] == '\0' || word[n] == '(');
}

/* One word of a levels list; true if understood. */
static bool apply_level(struct log_channel *c, const char *word)
{
	if (strcmp(word, "*") == 0) {
		c->levels = ALL_LEVELS;
		c->verbose_cap = c->debug_cap = NO_CAP;
		return true;
	}
	for (int l = 0; l < LY_LOG_LEVELS; l++) {
		size_t n = strlen(level_names[l]);
		int cap = NO_CAP;

		if (!is_level_word(word, level_names[l]))
			continue;
		if (parse_cap(word, n, &cap) || (l <= LY_LOG_NOTICE && word[n]))
			return false;
		c->levels |= LEVEL_BIT(l);
		if (l == LY_LOG_VERBOSE)
			c->verbose_cap = cap;
		if (l == LY_LOG_DEBUG)
			c->debug_cap = cap;
		return true;
	}
	/* Asterisk levels Lyre does not have: accepted so an Asterisk
	 * logger.conf works unchanged, and carry nothing. */
	return is_level_word(word, "dtmf") || is_level_word(word, "fax") ||
	       is_level_word(word, "security");
}

static int parse_levels(struct log_channel *c, const struct ly_cfg_var *v,
			struct ly_cfg_error *err)
{
	char *list = ly_strdup(v->value ? v->value : ""), *save = NULL;
	int rc = 0;

	c->levels = 0;
	c->verbose_cap = c->debug_cap = NO_CAP;
	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		ly_strstrip(w);
		if (*w && !apply_level(c, w)) {
			set_error(err, v, "unknown log level '%s'", w);
			rc = EINVAL;
			break;
		}
	}
	free(list);
	return rc;
}

static char *channel_path(const char *name, const char *logdir)
{
	if (name[0] == '/')
		return ly_strdup(name);
	return ly_asprintf("%s/%s", logdir, name);
}

static int add_configured_channel(struct log_table *t, const struct ly_cfg_var *v,
				  const char *logdir, struct ly_cfg_error *err)
{
	struct log_channel *c = table_find(t, v->name);

	if (!*v->name) {
		set_error(err, v, "a log channel needs a file name");
		return EINVAL;
	}
	if (!c) {
		char *path = channel_path(v->name, logdir);

		c = table_add(t, v->name, path);
		free(path);
	}
	return parse_levels(c, v, err);
}

static struct log_table *default_table(void)
{
	struct log_table *t = table_new(DEFAULT_DATEFORMAT);

	t->ch[0].levels = LEVEL_BIT(LY_LOG_ERROR) | LEVEL_BIT(LY_LOG_WARNING) |
			  LEVEL_BIT(LY_LOG_NOTICE) | LEVEL_BIT(LY_LOG_VERBOSE);
	return t;
}

static int table_from_config(const struct ly_config *cfg, const char *logdir,
			     struct log_table **tp, struct ly_cfg_error *err)
{
	const char *datefmt = ly_cfg_get(cfg, "general", "dateformat");
	const struct ly_cfg_section *files = ly_cfg_section(cfg, "logfiles");
	struct log_table *t = table_new(datefmt && *datefmt ? datefmt : DEFAULT_DATEFORMAT);

	for (const struct ly_cfg_var *v = files ? files->vars : NULL; v; v = v->next) {
		int rc = add_configured_channel(t, v, logdir, err);

		if (rc) {
			table_free(t);
			return rc;
		}
	}
	*tp = t;
	return 0;
}

static int load_table(const char *confdir, const char *logdir, struct log_table **tp,
		      struct ly_cfg_error *err)
{
	struct ly_config *cfg = NULL;
	int rc = ly_config_load(confdir, "logger.conf", &cfg, err);

	if (rc == ENOENT) {
		*tp = default_table();
		return 0;
	}
	if (rc)
		return rc;
	rc = table_from_config(cfg, logdir, tp, err);
	ly_config_free(cfg);
	return rc;
}

static void remember_dirs(const char *confdir, const char *logdir)
{
	char *c = ly_strdup(confdir ? confdir : "."), *l = ly_strdup(logdir);

	free(conf_dir);
	free(log_dir);
	conf_dir = c;
	log_dir = l;
}

int ly_log_configure(const char *confdir, const char *logdir, struct ly_cfg_error *err)
{
	struct ly_cfg_error local = { { 0 } };
	struct log_table *t = NULL;
	struct ly_buf why;
	int rc;

	if (!err)
		err = &local;
	if (!logdir)
		logdir = FALLBACK_LOGDIR;
	ly_buf_init(&why);
	pthread_mutex_lock(&reconf_lock);
	rc = load_table(confdir, logdir, &t, err);
	if (!rc) {
		/* Creates only the last component, as the daemon's log dir
		 * normally exists; a failure shows up when a file will not open. */
		mkdir(logdir, 0750);
		table_open_files(t, &why);
		table_install(t);
		remember_dirs(confdir, logdir);
	}
	pthread_mutex_unlock(&reconf_lock);
	log_warnings(&why);
	ly_buf_free(&why);
	return rc;
}

/* `logger rotate`: the same channels with freshly opened files, so that
 * logrotate can move the old ones away.  0, or ENOENT when not configured. */
static int log_reopen(void)
{
	struct log_table *t = NULL;
	struct ly_buf why;

	ly_buf_init(&why);
	pthread_mutex_lock(&reconf_lock);
	pthread_mutex_lock(&log_lock);
	if (table)
		t = table_clone(table);
	pthread_mutex_unlock(&log_lock);
	if (t) {
		table_open_files(t, &why);
		table_install(t);
	}
	pthread_mutex_unlock(&reconf_lock);
	log_warnings(&why);
	ly_buf_free(&why);
	return t ? 0 : ENOENT;
}

void ly_log_init(void)
{
	/* localtime_r need not read TZ itself (POSIX); do it once here. */
	tzset();
	pthread_mutex_lock(&log_lock);
	publish_caps(table);
	pthread_mutex_unlock(&log_lock);
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

	pthread_mutex_lock(&log_lock);
	format_time(line, table ? table->dateformat : DEFAULT_DATEFORMAT);
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
			if (i == 0) {
				console = true;
				if (atomic_load(&to_stdout))
					write_all(STDOUT_FILENO, line->data, line->len);
			}
		}
	}
	pthread_mutex_unlock(&log_lock);
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
	pthread_mutex_lock(&reconf_lock);
	table_install(NULL);
	free(conf_dir);
	free(log_dir);
	conf_dir = log_dir = NULL;
	pthread_mutex_unlock(&reconf_lock);
	remove_all_sinks();
}

/* ---- CLI ---- */

static bool copy_dirs(char **confdir, char **logdir)
{
	pthread_mutex_lock(&reconf_lock);
	*confdir = conf_dir ? ly_strdup(conf_dir) : NULL;
	*logdir = log_dir ? ly_strdup(log_dir) : NULL;
	pthread_mutex_unlock(&reconf_lock);
	return *confdir != NULL;
}

static enum ly_cli_result cli_logger_reload(struct ly_cli_args *a)
{
	struct ly_cfg_error err = { { 0 } };
	char *confdir, *logdir;
	int rc;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	if (!copy_dirs(&confdir, &logdir)) {
		ly_cli_print(a, "The logger is not configured yet.\n");
		return LY_CLI_FAILURE;
	}
	rc = ly_log_configure(confdir, logdir, &err);
	free(confdir);
	free(logdir);
	if (rc) {
		ly_cli_print(a, "Logger reload failed, the running channels stay: %s\n",
			     err.msg[0] ? err.msg : strerror(rc));
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Logger reloaded.\n");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result cli_logger_rotate(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	if (log_reopen()) {
		ly_cli_print(a, "The logger is not configured yet.\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Log files reopened.\n");
	return LY_CLI_SUCCESS;
}

static void print_levels(struct ly_cli_args *a, const struct log_channel *c)
{
	if (!c->levels)
		ly_cli_print(a, " (none)");
	for (int l = 0; l < LY_LOG_LEVELS; l++) {
		int cap = l == LY_LOG_VERBOSE ? c->verbose_cap : c->debug_cap;

		if (!(c->levels & LEVEL_BIT(l)))
			continue;
		if (l >= LY_LOG_VERBOSE && cap != NO_CAP)
			ly_cli_print(a, " %s(%d)", level_names[l], cap);
		else
			ly_cli_print(a, " %s", level_names[l]);
	}
	ly_cli_print(a, "\n");
}

static enum ly_cli_result cli_logger_show(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	pthread_mutex_lock(&log_lock);
	if (!table) {
		pthread_mutex_unlock(&log_lock);
		ly_cli_print(a, "The logger is not configured yet (errors go to stderr).\n");
		return LY_CLI_SUCCESS;
	}
	ly_cli_print(a, "Date format: %s   Verbose: %d   Debug: %d\n\n", table->dateformat,
		     ly_log_get_verbose(), ly_log_get_debug());
	ly_cli_print(a, "%-40s %-8s %-9s %s\n", "Channel", "Type", "Status", "Configuration");
	ly_cli_print(a, "%-40s %-8s %-9s %s\n", "-------", "----", "------", "-------------");
	for (size_t i = 0; i < table->n; i++) {
		const struct log_channel *c = &table->ch[i];

		ly_cli_print(a, "%-40s %-8s %-9s -", c->path ? c->path : c->name,
			     c->path ? "File" : "Console",
			     c->path && c->fd < 0 ? "Disabled" : "Enabled");
		print_levels(a, c);
	}
	pthread_mutex_unlock(&log_lock);
	return LY_CLI_SUCCESS;
}

static int level_by_name(const char *name)
{
	for (int l = 0; l < LY_LOG_LEVELS; l++)
		if (ly_strcaseeq(name, level_names[l]))
			return l;
	return -1;
}

/* Toggle a level on the console channel; false when not configured. */
static bool console_set_level(int level, bool on)
{
	bool done = false;

	pthread_mutex_lock(&reconf_lock);
	pthread_mutex_lock(&log_lock);
	if (table) {
		struct log_channel *c = &table->ch[0];

		if (on && !(c->levels & LEVEL_BIT(level))) {
			c->levels |= LEVEL_BIT(level);
			if (level == LY_LOG_VERBOSE)
				c->verbose_cap = NO_CAP;
			if (level == LY_LOG_DEBUG)
				c->debug_cap = NO_CAP;
		} else if (!on) {
			c->levels &= ~LEVEL_BIT(level);
		}
		publish_caps(table);
		done = true;
	}
	pthread_mutex_unlock(&log_lock);
	pthread_mutex_unlock(&reconf_lock);
	return done;
}

static enum ly_cli_result cli_logger_set_level(struct ly_cli_args *a)
{
	int level;
	bool on;

	if (a->argc != a->cmd_words + 2)
		return LY_CLI_SHOWUSAGE;
	level = level_by_name(a->argv[a->cmd_words]);
	on = ly_true(a->argv[a->cmd_words + 1]);
	if (level < 0 || (!on && !ly_false(a->argv[a->cmd_words + 1])))
		return LY_CLI_SHOWUSAGE;
	if (!console_set_level(level, on)) {
		ly_cli_print(a, "The logger is not configured yet.\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Console logging of %s is now %s.\n", level_names[level],
		     on ? "on" : "off");
	return LY_CLI_SUCCESS;
}

/* Shared by `core set verbose` and `core set debug`: N or off. */
static enum ly_cli_result cli_set_number(struct ly_cli_args *a, const char *what,
					 int (*get)(void), void (*set)(int))
{
	const char *arg;
	long v;
	int was = get();

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	arg = a->argv[a->cmd_words];
	if (ly_false(arg))
		v = 0;
	else if (ly_parse_int(arg, 0, INT_MAX, &v))
		return LY_CLI_SHOWUSAGE;
	set((int)v);
	if (was == (int)v)
		ly_cli_print(a, "%s is at least %d\n", what, was);
	else
		ly_cli_print(a, "%s was %d and is now %d\n", what, was, (int)v);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result cli_set_verbose(struct ly_cli_args *a)
{
	return cli_set_number(a, "Verbosity", ly_log_get_verbose, ly_log_set_verbose);
}

static enum ly_cli_result cli_set_debug(struct ly_cli_args *a)
{
	return cli_set_number(a, "Core debug", ly_log_get_debug, ly_log_set_debug);
}

static void complete_words(const char *const *words, size_t n, const char *typed,
			   struct ly_cli_completion *c)
{
	for (size_t i = 0; i < n; i++)
		if (strncasecmp(words[i], typed, strlen(typed)) == 0)
			ly_cli_complete_add(c, words[i]);
}

static void complete_set_level(const struct ly_cli_args *a, int pos, const char *word,
			       struct ly_cli_completion *c)
{
	static const char *const onoff[] = { "on", "off" };

	if (pos == a->cmd_words)
		complete_words(level_names, LY_LOG_LEVELS, word, c);
	else if (pos == a->cmd_words + 1)
		complete_words(onoff, LY_ARRAY_LEN(onoff), word, c);
}

static void complete_off(const struct ly_cli_args *a, int pos, const char *word,
			 struct ly_cli_completion *c)
{
	static const char *const off[] = { "off" };

	if (pos == a->cmd_words)
		complete_words(off, 1, word, c);
}

static const struct ly_cli_command log_commands[] = {
	{ "logger reload", "Reopen log channels from logger.conf",
	  "Usage: logger reload\n"
	  "  Reads logger.conf again; when it does not parse, the running channels stay.\n",
	  cli_logger_reload, NULL },
	{ "logger rotate", "Reopen the log files",
	  "Usage: logger rotate\n"
	  "  Closes and reopens every log file, after logrotate moved them away.\n",
	  cli_logger_rotate, NULL },
	{ "logger show channels", "List the log channels",
	  "Usage: logger show channels\n"
	  "  Lists each log channel, whether it is open and the levels it takes.\n",
	  cli_logger_show, NULL },
	{ "logger set level", "Turn a level on or off on the console",
	  "Usage: logger set level {ERROR|WARNING|NOTICE|VERBOSE|DEBUG} {on|off}\n"
	  "  Turns a level on or off on the console channel until the next reload.\n",
	  cli_logger_set_level, complete_set_level },
	{ "core set verbose", "Set the verbose level",
	  "Usage: core set verbose {<level>|off}\n"
	  "  Verbose messages of level N are shown while N <= this setting.\n",
	  cli_set_verbose, complete_off },
	{ "core set debug", "Set the debug level",
	  "Usage: core set debug {<level>|off}\n"
	  "  Debug messages of level N are shown while N <= this setting.\n",
	  cli_set_debug, complete_off },
};

int ly_log_cli_register(void)
{
	return ly_cli_register_multiple(NULL, log_commands, LY_ARRAY_LEN(log_commands));
}
