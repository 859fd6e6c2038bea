/* tests/unit/test_log.c - logger.conf channels, syslog, the line format, filtering, sinks, CLI and threads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "lyre/cli.h"
#include "lyre/log.h"
#include "lyre/thread.h"
#include "cli_int.h"
#include "log.h"
#include "log_int.h"
#include "tap.h"

#define THIS_FILE "tests/unit/test_log.c"

static const char standard_conf[] =
	"[general]\n"
	"dateformat = %F %T\n"
	"[logfiles]\n"
	"console => notice,warning,error,verbose\n"
	"messages => notice,warning,error\n"
	"full => notice,warning,error,verbose(3),debug\n"
	"everything => *\n";

static char tmpdir[256];
static char logdir[300];

/* ---- helpers ---- */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		printf("# cannot write %s\n", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	struct ly_buf b;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	ly_buf_init(&b);
	ly_buf_puts(&b, "");
	if (!f)
		return b.data;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ly_buf_append(&b, chunk, n);
	fclose(f);
	return b.data;
}

static char *log_file(const char *name)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", logdir, name);
	return slurp(path);
}

/* The whole line of `text` that contains `needle`, or NULL. */
static char *line_with(const char *text, const char *needle)
{
	const char *hit = strstr(text, needle), *start, *end;

	if (!hit)
		return NULL;
	for (start = hit; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(hit, '\n');
	return ly_strndup(start, end ? (size_t)(end - start) : strlen(start));
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static bool file_has(const char *name, const char *needle)
{
	char *text = log_file(name);
	bool found = strstr(text, needle) != NULL;

	free(text);
	return found;
}

/* "[YYYY-MM-DD HH:MM:SS.mmm] " then exactly `rest`. */
static bool line_is(const char *line, const char *rest)
{
	regex_t re;
	bool ok;

	if (!line)
		return false;
	regcomp(&re, "^\\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}\\] ",
		REG_EXTENDED | REG_NOSUB);
	ok = regexec(&re, line, 0, NULL, 0) == 0 && strcmp(line + 26, rest) == 0;
	regfree(&re);
	if (!ok)
		printf("#   line \"%s\"\n#   want \"[date] %s\"\n", line, rest);
	return ok;
}

static int configure_with(const char *conf, struct ly_cfg_error *err)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/logger.conf", tmpdir);
	write_text(path, conf);
	return ly_log_configure(tmpdir, logdir, err);
}

static void configure_standard(void)
{
	struct ly_cfg_error err = { { 0 } };

	CHECK_INT(configure_with(standard_conf, &err), 0);
}

/* A sink that keeps every line it receives. */
struct collector {
	pthread_mutex_t lock;
	struct ly_buf text;
	int lines;
};

static void collect(void *arg, enum ly_log_level level, const char *line)
{
	struct collector *c = arg;

	pthread_mutex_lock(&c->lock);
	ly_buf_printf(&c->text, "%s|%s\n", ly_log_level_name(level), line);
	c->lines++;
	pthread_mutex_unlock(&c->lock);
}

static void collector_init(struct collector *c)
{
	pthread_mutex_init(&c->lock, NULL);
	ly_buf_init(&c->text);
	ly_buf_puts(&c->text, "");
	c->lines = 0;
}

static void collector_free(struct collector *c)
{
	ly_buf_free(&c->text);
	pthread_mutex_destroy(&c->lock);
}

static bool collected(struct collector *c, const char *needle)
{
	bool found;

	pthread_mutex_lock(&c->lock);
	found = strstr(ly_buf_str(&c->text), needle) != NULL;
	pthread_mutex_unlock(&c->lock);
	return found;
}

/* Runs `fn` with stderr sent to a file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	char path[400];
	int saved = dup(STDERR_FILENO), fd;

	snprintf(path, sizeof(path), "%s/stderr.txt", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	close(fd);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	return slurp(path);
}

/* ---- tests ---- */

static int before_init_line;

static void log_before_init(void)
{
	before_init_line = __LINE__; ly_error("before init %d", 7);
	ly_debug(1, "debug before init");
}

static void test_before_init_goes_to_stderr(void)
{
	char *out = capture_stderr(log_before_init), *line, want[256];

	line = line_with(out, "before init 7");
	snprintf(want, sizeof(want), "ERROR[%d] " THIS_FILE ":%d log_before_init: before init 7",
		 ly_thread_tid(), before_init_line);
	CHECK(line_is(line, want));
	CHECK(!strstr(out, "debug before init"));
	free(line);
	free(out);
	ly_log_init();
}

static void test_line_format(void)
{
	char *text, *line, want[256];
	int ln;

	configure_standard();
	ln = __LINE__; ly_notice("format notice %s", "A");
	text = log_file("messages");
	line = line_with(text, "format notice A");
	snprintf(want, sizeof(want), "NOTICE[%d] " THIS_FILE ":%d test_line_format: format notice A",
		 ly_thread_tid(), ln);
	CHECK(line_is(line, want));
	free(line);
	free(text);

	/* A trailing newline from the caller does not make an empty line. */
	ln = __LINE__; ly_warning("format warning B\n");
	ly_error("format error C");
	text = log_file("messages");
	line = line_with(text, "format warning B");
	snprintf(want, sizeof(want), "WARNING[%d] " THIS_FILE ":%d test_line_format: format warning B",
		 ly_thread_tid(), ln);
	CHECK(line_is(line, want));
	CHECK(!strstr(text, "\n\n"));
	free(line);
	line = line_with(text, "format error C");
	CHECK(line && strstr(line, "] ERROR["));
	free(line);
	free(text);
}

/* The date is kept per second, but a new dateformat shows at once, in
 * the same second. */
static void test_dateformat_change(void)
{
	struct ly_cfg_error err = { { 0 } };
	char *text, *line;

	CHECK_INT(configure_with("[general]\ndateformat = %Y|%m\n[logfiles]\nmessages => notice\n", &err), 0);
	ly_notice("dated one way");
	CHECK_INT(configure_with("[general]\ndateformat = %m~%Y\n[logfiles]\nmessages => notice\n", &err), 0);
	ly_notice("dated another way");
	text = log_file("messages");
	line = line_with(text, "dated one way");
	CHECK(line && line[0] == '[' && line[5] == '|' && line[8] == '.');
	free(line);
	line = line_with(text, "dated another way");
	CHECK(line && line[0] == '[' && line[3] == '~' && line[8] == '.');
	free(line);
	free(text);
	configure_standard();
}

static void test_callid_in_line(void)
{
	char *text, *line, want[256];
	int ln;

	configure_standard();
	ly_log_set_callid("C-00000003");
	CHECK_STR(ly_log_get_callid(), "C-00000003");
	ln = __LINE__; ly_notice("with call id");
	ly_log_set_callid(NULL);
	CHECK(ly_log_get_callid() == NULL);
	ly_notice("without call id");

	text = log_file("messages");
	line = line_with(text, "with call id");
	snprintf(want, sizeof(want),
		 "NOTICE[%d][C-00000003] " THIS_FILE ":%d test_callid_in_line: with call id",
		 ly_thread_tid(), ln);
	CHECK(line_is(line, want));
	free(line);
	line = line_with(text, "without call id");
	CHECK(line && !strstr(line, "[C-"));
	free(line);
	free(text);
}

static void test_levels_reach_their_files(void)
{
	struct collector con;
	char *line, *text;

	configure_standard();
	collector_init(&con);
	ly_log_add_sink(collect, &con);
	ly_log_set_verbose(5);
	ly_log_set_debug(5);
	ly_verbose(2, "lv verbose two");
	ly_verbose(4, "lv verbose four");
	ly_debug(1, "lv debug one");
	ly_error("lv error");
	ly_log_remove_sink(collect, &con);

	CHECK(!file_has("messages", "lv verbose"));
	CHECK(!file_has("messages", "lv debug"));
	CHECK(file_has("messages", "lv error"));
	CHECK(file_has("full", "lv verbose two"));
	CHECK(!file_has("full", "lv verbose four"));	/* verbose(3) cap */
	CHECK(file_has("full", "lv debug one"));
	CHECK(file_has("full", "lv error"));

	/* `*` takes every level and sublevel. */
	text = log_file("everything");
	CHECK(strstr(text, "lv verbose four") != NULL);
	CHECK(strstr(text, "lv error") != NULL);
	line = line_with(text, "lv debug one");
	CHECK(line && strstr(line, "] DEBUG[") && strstr(line, " test_levels_reach_their_files: "));
	free(line);
	line = line_with(text, "lv verbose two");
	CHECK(line && strstr(line, "] VERBOSE["));
	free(line);
	free(text);

	/* The console takes verbose without a cap, but no debug. */
	CHECK(collected(&con, "VERBOSE|["));
	CHECK(collected(&con, "lv verbose four"));
	CHECK(collected(&con, "ERROR|"));
	CHECK(!collected(&con, "lv debug one"));
	collector_free(&con);
}

static void test_sublevel_filtering(void)
{
	configure_standard();
	ly_log_set_verbose(1);
	ly_log_set_debug(0);
	CHECK(ly_log_enabled(LY_LOG_VERBOSE, 1));
	CHECK(!ly_log_enabled(LY_LOG_VERBOSE, 2));
	CHECK(!ly_log_enabled(LY_LOG_DEBUG, 1));
	CHECK(ly_log_enabled(LY_LOG_NOTICE, 0));
	ly_verbose(2, "sub verbose two");
	ly_verbose(1, "sub verbose one");
	ly_debug(1, "sub debug one");
	/* The daemon's setting filters every channel, even `*`. */
	CHECK(!file_has("everything", "sub verbose two"));
	CHECK(file_has("everything", "sub verbose one"));
	CHECK(!file_has("everything", "sub debug one"));
	CHECK(!file_has("full", "sub debug one"));

	ly_log_set_debug(3);
	CHECK(ly_log_enabled(LY_LOG_DEBUG, 3));
	CHECK(!ly_log_enabled(LY_LOG_DEBUG, 4));
	ly_debug(3, "sub debug three");
	CHECK(file_has("full", "sub debug three"));
	ly_log_set_debug(0);
	ly_log_set_verbose(0);
	CHECK(ly_log_get_verbose() == 0);
}

static void test_broken_reload_keeps_channels(void)
{
	struct ly_cfg_error err = { { 0 } };

	configure_standard();
	CHECK_INT(configure_with("[logfiles]\nmessages => notice,bogus\nother => *\n", &err),
		  EINVAL);
	CHECK(strstr(err.msg, "logger.conf:2") != NULL);
	CHECK(strstr(err.msg, "bogus") != NULL);
	ly_notice("after a broken reload");
	CHECK(file_has("messages", "after a broken reload"));
	CHECK(file_has("full", "after a broken reload"));
	CHECK(!file_has("other", "after a broken reload"));

	memset(&err, 0, sizeof(err));
	CHECK_INT(configure_with("[logfiles]\nfull => verbose(x)\n", &err), EINVAL);
	CHECK(strstr(err.msg, "verbose(x)") != NULL);
	memset(&err, 0, sizeof(err));
	CHECK_INT(configure_with("[logfiles]\nfull => error(2)\n", &err), EINVAL);
	ly_notice("after another broken reload");
	CHECK(file_has("full", "after another broken reload"));
}

static void test_missing_conf_is_console_default(void)
{
	struct ly_cfg_error err = { { 0 } };
	struct collector con;
	char empty[300];

	snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
	mkdir(empty, 0700);
	collector_init(&con);
	ly_log_add_sink(collect, &con);
	CHECK_INT(ly_log_configure(empty, logdir, &err), 0);
	ly_log_set_verbose(1);
	ly_log_set_debug(1);
	ly_warning("default warning");
	ly_verbose(1, "default verbose");
	ly_debug(1, "default debug");
	ly_log_set_verbose(0);
	ly_log_set_debug(0);
	ly_log_remove_sink(collect, &con);
	CHECK(collected(&con, "default warning"));
	CHECK(collected(&con, "default verbose"));
	CHECK(!collected(&con, "default debug"));
	CHECK(!file_has("messages", "default warning"));
	rmdir(empty);
	collector_free(&con);
}

static void test_unopenable_file_is_a_warning(void)
{
	struct ly_cfg_error err = { { 0 } };
	struct collector con;

	collector_init(&con);
	ly_log_add_sink(collect, &con);
	CHECK_INT(configure_with("[logfiles]\nconsole => warning,notice\n"
				 "no/such/dir/file => *\nmessages => notice\n", &err), 0);
	ly_notice("still logging");
	ly_log_remove_sink(collect, &con);
	CHECK(collected(&con, "WARNING|"));
	CHECK(collected(&con, "Cannot open log file"));
	CHECK(collected(&con, "no/such/dir/file"));
	CHECK(file_has("messages", "still logging"));
	collector_free(&con);
}

static void check_facility(const char *channel, int rc, int want)
{
	int facility = -1;

	CHECK_INT(ly_log_syslog_facility(channel, &facility), rc);
	if (rc == 0)
		CHECK_INT(facility, want);
}

static void test_syslog_mapping(void)
{
	check_facility("syslog.local0", 0, LOG_LOCAL0);
	check_facility("SYSLOG.Local7", 0, LOG_LOCAL7);
	check_facility("syslog.daemon", 0, LOG_DAEMON);
	check_facility("syslog.auth", 0, LOG_AUTH);
	check_facility("syslog", 0, LOG_LOCAL0);	/* Asterisk's default */
	check_facility("syslog.local8", EINVAL, 0);
	check_facility("syslog.", EINVAL, 0);
	check_facility("syslogfile", ENOENT, 0);
	check_facility("messages", ENOENT, 0);
	CHECK_INT(ly_log_syslog_priority(LY_LOG_ERROR), LOG_ERR);
	CHECK_INT(ly_log_syslog_priority(LY_LOG_WARNING), LOG_WARNING);
	CHECK_INT(ly_log_syslog_priority(LY_LOG_NOTICE), LOG_NOTICE);
	CHECK_INT(ly_log_syslog_priority(LY_LOG_VERBOSE), LOG_INFO);
	CHECK_INT(ly_log_syslog_priority(LY_LOG_DEBUG), LOG_DEBUG);
}

/* syslog.<facility> goes to syslog(3), never to a file of that name. */
static void test_syslog_channel(void)
{
	struct ly_cfg_error err = { { 0 } };
	struct ly_buf out;
	char path[400];

	CHECK_INT(configure_with("[logfiles]\nmessages => notice\n"
				 "syslog.local0 => notice,warning,error\n", &err), 0);
	ly_notice("to syslog and messages");
	CHECK(file_has("messages", "to syslog and messages"));
	snprintf(path, sizeof(path), "%s/syslog.local0", logdir);
	CHECK(access(path, F_OK) != 0);
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_log_cli_register(), 0);
	ly_buf_init(&out);
	CHECK_INT(ly_cli_execute("logger show channels", &out), LY_CLI_SUCCESS);
	CHECK(strstr(ly_buf_str(&out), "syslog.local0") != NULL);
	CHECK(strstr(ly_buf_str(&out), "Syslog") != NULL);
	ly_buf_free(&out);
	ly_cli_shutdown();
	/* rotate keeps the syslog channel and still creates no file */
	CHECK_INT(ly_log_reopen(), 0);
	ly_warning("after rotate to syslog");
	CHECK(access(path, F_OK) != 0);

	memset(&err, 0, sizeof(err));
	CHECK_INT(configure_with("[logfiles]\nmessages => notice\nsyslog.nosuch => error\n", &err),
		  EINVAL);
	CHECK(strstr(err.msg, "logger.conf:3") != NULL);
	CHECK(strstr(err.msg, "syslog.nosuch") != NULL);
	snprintf(path, sizeof(path), "%s/syslog.nosuch", logdir);
	CHECK(access(path, F_OK) != 0);
}

static void test_sink_add_remove(void)
{
	struct collector a, b;

	configure_standard();
	collector_init(&a);
	collector_init(&b);
	ly_log_add_sink(collect, &a);
	ly_log_add_sink(collect, &b);
	ly_notice("sink both");
	ly_log_remove_sink(collect, &a);
	ly_notice("sink only b");
	ly_log_remove_sink(collect, &b);
	ly_notice("sink none");
	ly_log_remove_sink(collect, &b);	/* not registered: harmless */

	CHECK(collected(&a, "sink both"));
	CHECK(collected(&b, "sink both"));
	CHECK(!collected(&a, "sink only b"));
	CHECK(collected(&b, "sink only b"));
	CHECK(!collected(&a, "sink none"));
	CHECK(!collected(&b, "sink none"));
	/* The sink sees the exact file line, without the newline. */
	CHECK(collected(&a, "NOTICE|["));
	CHECK(!collected(&a, "sink both\n\n"));
	collector_free(&a);
	collector_free(&b);
}

static struct collector self_removing;

/* Removes itself on the first call, and logs (which must reach no sink). */
static void remove_self(void *arg, enum ly_log_level level, const char *line)
{
	collect(arg, level, line);
	ly_log_remove_sink(remove_self, arg);
	ly_notice("logged from inside a sink");
}

static void test_sink_removes_itself(void)
{
	configure_standard();
	collector_init(&self_removing);
	ly_log_add_sink(remove_self, &self_removing);
	ly_notice("first for self remover");
	ly_notice("second for self remover");
	CHECK_INT(self_removing.lines, 1);
	CHECK(collected(&self_removing, "first for self remover"));
	CHECK(!collected(&self_removing, "logged from inside a sink"));
	CHECK(file_has("messages", "logged from inside a sink"));
	collector_free(&self_removing);
}

#define THREADS 4
#define LINES_PER_THREAD 1000

static void *log_lines(void *arg)
{
	int id = (int)(intptr_t)arg;
	char callid[16];

	snprintf(callid, sizeof(callid), "C-%08d", 7000 + id);
	ly_log_set_callid(callid);
	for (int i = 0; i < LINES_PER_THREAD; i++)
		ly_notice("burst %d/%d end", id, i);
	return NULL;
}

/* seen[id][i] = how many whole "burst id/i end" lines the text holds. */
static void count_bursts(const char *text, int seen[THREADS][LINES_PER_THREAD])
{
	for (const char *p = strstr(text, " burst "); p; p = strstr(p + 1, " burst ")) {
		int id, i, used = 0;

		if (sscanf(p, " burst %d/%d end%n", &id, &i, &used) == 2 && used &&
		    p[used] == '\n' && id >= 0 && id < THREADS && i >= 0 && i < LINES_PER_THREAD)
			seen[id][i]++;
	}
}

/* Several threads log while sinks come and go; no line is lost or torn. */
static void test_threads_lose_no_line(void)
{
	pthread_t t[THREADS];
	struct collector all, churn;
	static int seen[THREADS][LINES_PER_THREAD];
	char *text, needle[64];
	int missing = 0;

	configure_standard();
	collector_init(&all);
	collector_init(&churn);
	ly_log_add_sink(collect, &all);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, log_lines, (void *)(intptr_t)i);
	for (int i = 0; i < 200; i++) {
		ly_log_add_sink(collect, &churn);
		ly_log_remove_sink(collect, &churn);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	ly_log_remove_sink(collect, &all);

	text = log_file("messages");
	CHECK_INT(count_of(text, " burst "), THREADS * LINES_PER_THREAD);
	count_bursts(text, seen);
	for (int id = 0; id < THREADS; id++)
		for (int i = 0; i < LINES_PER_THREAD; i++)
			missing += seen[id][i] != 1;
	CHECK_INT(missing, 0);
	for (int id = 0; id < THREADS; id++) {
		/* Each thread's lines carry its own call id. */
		snprintf(needle, sizeof(needle), "][C-%08d] " THIS_FILE ":", 7000 + id);
		CHECK_INT(count_of(text, needle), LINES_PER_THREAD);
	}
	CHECK_INT(all.lines, THREADS * LINES_PER_THREAD);
	free(text);
	collector_free(&all);
	collector_free(&churn);
}

static enum ly_cli_result run(const char *line, struct ly_buf *out)
{
	ly_buf_reset(out);
	return ly_cli_execute(line, out);
}

static void cli_start(void)
{
	configure_standard();
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_log_cli_register(), 0);
}

static void test_cli_levels(void)
{
	struct ly_buf out;
	struct collector con;

	cli_start();
	ly_buf_init(&out);
	collector_init(&con);
	CHECK_INT(run("core set verbose 3", &out), LY_CLI_SUCCESS);
	CHECK_INT(ly_log_get_verbose(), 3);
	CHECK_INT(run("core set verbose off", &out), LY_CLI_SUCCESS);
	CHECK_INT(ly_log_get_verbose(), 0);
	CHECK_INT(run("core set verbose lots", &out), LY_CLI_FAILURE);
	CHECK(strstr(ly_buf_str(&out), "Usage: core set verbose") != NULL);
	CHECK_INT(run("core set debug 2", &out), LY_CLI_SUCCESS);
	CHECK_INT(ly_log_get_debug(), 2);

	ly_log_add_sink(collect, &con);
	CHECK_INT(run("logger set level DEBUG on", &out), LY_CLI_SUCCESS);
	ly_debug(1, "console debug on");
	CHECK_INT(run("logger set level debug off", &out), LY_CLI_SUCCESS);
	ly_debug(1, "console debug off");
	CHECK_INT(run("logger set level LOUD on", &out), LY_CLI_FAILURE);
	CHECK(strstr(ly_buf_str(&out), "Usage: logger set level") != NULL);
	ly_log_remove_sink(collect, &con);
	CHECK(collected(&con, "console debug on"));
	CHECK(!collected(&con, "console debug off"));
	ly_log_set_debug(0);

	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("logger set level D", &out), 1);
	CHECK_STR(ly_buf_str(&out), "DEBUG\n");
	ly_cli_shutdown();
	ly_buf_free(&out);
	collector_free(&con);
}

static void test_cli_logger(void)
{
	struct ly_buf out;
	char from[400], to[400];

	cli_start();
	ly_buf_init(&out);
	CHECK_INT(run("logger show channels", &out), LY_CLI_SUCCESS);
	CHECK(strstr(ly_buf_str(&out), "/messages") != NULL);
	CHECK(strstr(ly_buf_str(&out), "VERBOSE(3)") != NULL);

	/* rotate: logrotate moved the file away; new lines go to a new file. */
	snprintf(from, sizeof(from), "%s/messages", logdir);
	snprintf(to, sizeof(to), "%s/messages.1", logdir);
	CHECK_INT(rename(from, to), 0);
	CHECK_INT(run("logger rotate", &out), LY_CLI_SUCCESS);
	ly_notice("after rotate");
	CHECK(file_has("messages", "after rotate"));
	CHECK(!file_has("messages.1", "after rotate"));

	configure_with("[logfiles]\nmessages => wrong\n", NULL);
	CHECK_INT(run("logger reload", &out), LY_CLI_FAILURE);
	CHECK(strstr(ly_buf_str(&out), "wrong") != NULL);
	configure_with(standard_conf, NULL);
	CHECK_INT(run("logger reload", &out), LY_CLI_SUCCESS);
	ly_cli_shutdown();
	ly_buf_free(&out);
}

static void log_after_shutdown(void)
{
	ly_notice("after shutdown");
	ly_verbose(0, "verbose after shutdown");
}

static void test_shutdown_falls_back_to_stderr(void)
{
	char *out;

	configure_standard();
	ly_log_shutdown();
	out = capture_stderr(log_after_shutdown);
	CHECK(strstr(out, "] NOTICE[") && strstr(out, "log_after_shutdown: after shutdown\n"));
	CHECK(!strstr(out, "verbose after shutdown"));
	CHECK(!file_has("messages", "after shutdown"));
	free(out);
}

static void remove_tree(const char *dir)
{
	static const char *const names[] = {
		"messages", "messages.1", "full", "everything", "other", "stderr.txt",
		"syslog.local0", "syslog.nosuch",
	};
	char path[400];

	for (size_t i = 0; i < LY_ARRAY_LEN(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", logdir, names[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(logdir);
	snprintf(path, sizeof(path), "%s/logger.conf", dir);
	unlink(path);
	rmdir(dir);
}

static void test_cleanup(void)
{
	remove_tree(tmpdir);
	CHECK(access(tmpdir, F_OK) != 0);
}

static const struct tap_test tests[] = {
	TAP(test_before_init_goes_to_stderr),
	TAP(test_line_format),
	TAP(test_dateformat_change),
	TAP(test_callid_in_line),
	TAP(test_levels_reach_their_files),
	TAP(test_sublevel_filtering),
	TAP(test_broken_reload_keeps_channels),
	TAP(test_missing_conf_is_console_default),
	TAP(test_unopenable_file_is_a_warning),
	TAP(test_syslog_mapping),
	TAP(test_syslog_channel),
	TAP(test_sink_add_remove),
	TAP(test_sink_removes_itself),
	TAP(test_threads_lose_no_line),
	TAP(test_cli_levels),
	TAP(test_cli_logger),
	TAP(test_shutdown_falls_back_to_stderr),
	TAP(test_cleanup),
};

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/lyre-log-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(logdir, sizeof(logdir), "%s/logs", tmpdir);
	return tap_run(tests, LY_ARRAY_LEN(tests));
}
