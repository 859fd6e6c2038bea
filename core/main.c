/* core/main.c - the lyre program: start the daemon, or talk to a running one. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lyre/lyre.h"
#include "cli_int.h"
#include "console.h"
#include "db_int.h"
#include "dialplan.h"
#include "loader.h"
#include "log.h"
#include "loop_int.h"
#include "media_int.h"
#include "mem.h"
#include "pbx_apps.h"
#include "pbx_int.h"
#include "remote.h"
#include "settings.h"
#include "shutdown.h"
#include "threads.h"
#include "xmldoc.h"

struct options {
	const char *confdir;
	const char *runuser;
	const char *rungroup;
	const char *command;	/* -x */
	bool foreground;	/* -f */
	bool console;		/* -c */
	bool remote;		/* -r */
	int verbose;		/* each -v adds one */
	int debug;		/* each -d adds one */
};

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: lyre [options]\n"
		"  -C DIR      configuration directory (default " LY_DEFAULT_CONFDIR ")\n"
		"  -f          stay in the foreground, log to stdout\n"
		"  -c          foreground with an interactive console (implies -f)\n"
		"  -r          attach a console to the running daemon\n"
		"  -x CMD      run one console command on the running daemon (with -r: -rx)\n"
		"  -U USER     run as USER after opening files and ports\n"
		"  -G GROUP    run as GROUP after opening files and ports\n"
		"  -v          more verbose (repeatable)\n"
		"  -d          more debug output (repeatable)\n"
		"  -V          print the version and exit\n"
		"  -h          this help\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int c;

	while ((c = getopt(argc, argv, "C:fcrx:U:G:vdVh")) != -1) {
		switch (c) {
		case 'C': o->confdir = optarg; break;
		case 'f': o->foreground = true; break;
		case 'c': o->console = o->foreground = true; break;
		case 'r': o->remote = true; break;
		case 'x': o->command = optarg; o->remote = true; break;
		case 'U': o->runuser = optarg; break;
		case 'G': o->rungroup = optarg; break;
		case 'v': o->verbose++; break;
		case 'd': o->debug++; break;
		case 'V': printf("Lyre %s\n", PACKAGE_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lyre: unexpected argument '%s'\n", argv[optind]);
		return EINVAL;
	}
	return 0;
}

const char *ly_version(void)
{
	return PACKAGE_VERSION;
}

/* mkdir -p, then hand the directory to the run user so a daemon that has
 * dropped root can still write its logs, sockets and state. */
static int make_dir(const char *path, uid_t uid, gid_t gid)
{
	char *copy = ly_strdup(path);
	int rc = 0;

	for (char *p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(copy, 0750) != 0 && errno != EEXIST) {
				rc = errno;
				break;
			}
			*p = saved;
			if (!saved)
				break;
		}
	}
	free(copy);
	if (!rc && uid != (uid_t)-1 && chown(path, uid, gid) != 0)
		rc = errno;
	return rc;
}

struct run_identity {
	uid_t uid;
	gid_t gid;
	const char *user;
};

static int lookup_identity(const char *user, const char *group, struct run_identity *id)
{
	id->uid = (uid_t)-1;
	id->gid = (gid_t)-1;
	id->user = user;
	if (user) {
		struct passwd *pw = getpwnam(user);
		if (!pw) {
			ly_error("Run user '%s' does not exist", user);
			return ENOENT;
		}
		id->uid = pw->pw_uid;
		id->gid = pw->pw_gid;
	}
	if (group) {
		struct group *gr = getgrnam(group);
		if (!gr) {
			ly_error("Run group '%s' does not exist", group);
			return ENOENT;
		}
		id->gid = gr->gr_gid;
	}
	return 0;
}

/* Called after every port and file is open: from here on the daemon has
 * only the rights of its run user. */
static int drop_privileges(const struct run_identity *id)
{
	if (id->gid != (gid_t)-1) {
		if ((id->user && initgroups(id->user, id->gid) != 0) ||
		    (!id->user && setgroups(0, NULL) != 0) || setgid(id->gid) != 0) {
			ly_error("Cannot switch to group %u: %s", (unsigned)id->gid, strerror(errno));
			return errno;
		}
	}
	if (id->uid != (uid_t)-1 && setuid(id->uid) != 0) {
		ly_error("Cannot switch to user %s: %s", id->user, strerror(errno));
		return errno;
	}
	if (id->uid != (uid_t)-1 || id->gid != (gid_t)-1)
		ly_notice("Running as uid %u, gid %u", (unsigned)getuid(), (unsigned)getgid());
	return 0;
}

static int make_dirs(const struct ly_dirs *d, const struct run_identity *id)
{
	const char *dirs[] = { d->logdir, d->rundir, d->spooldir, d->statedir };

	for (size_t i = 0; i < LY_ARRAY_LEN(dirs); i++) {
		int rc = make_dir(dirs[i], id->uid, id->gid);
		if (rc) {
			ly_error("Cannot create directory %s: %s", dirs[i], strerror(rc));
			return rc;
		}
	}
	return 0;
}

static bool pidfile_written;

static int write_pidfile(const char *path, const struct run_identity *id)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		ly_error("Cannot write pid file %s: %s", path, strerror(errno));
		return errno;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	pidfile_written = true;
	if (id->uid != (uid_t)-1 && chown(path, id->uid, id->gid) != 0)
		ly_warning("Cannot hand pid file %s to the run user: %s", path, strerror(errno));
	return 0;
}

/* Signals arrive through a signalfd on the loop, so handlers never run in
 * the middle of other code.  They are blocked before any thread starts, so
 * every thread inherits the mask and none of them takes the signal. */
static sigset_t handled_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	return set;
}

static void on_signal(int fd, unsigned events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct ly_buf why;
			ly_buf_init(&why);
			ly_notice("SIGHUP: reloading configuration");
			ly_reload_all(&why);
			ly_buf_free(&why);
		} else {
			ly_notice("Signal %s: stopping", strsignal((int)si.ssi_signo));
			ly_shutdown_request(LY_SHUTDOWN_NOW);
		}
	}
}

/* Daemon mode: the parent waits until the child's console answers (or the
 * child fails), so `lyre -C DIR && lyre -C DIR -rx ...` never races. */
static int daemonize(int *ready_fd)
{
	int pipefd[2];
	pid_t pid;
	char status = 1;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid > 0) {
		close(pipefd[1]);
		if (read(pipefd[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(pipefd[0]);
	setsid();
	*ready_fd = pipefd[1];
	return 0;
}

static void tell_parent(int *ready_fd, char status)
{
	if (*ready_fd < 0)
		return;
	if (status == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
	if (write(*ready_fd, &status, 1) != 1)
		status = 1;
	close(*ready_fd);
	*ready_fd = -1;
}

struct console_thread {
	pthread_t tid;
	bool started;
};

static void *run_console(void *arg)
{
	(void)arg;
	ly_remote_run(ly_settings_socket_path(), NULL);
	/* Leaving the foreground console stops the daemon, as with asterisk -c. */
	ly_shutdown_request(LY_SHUTDOWN_NOW);
	return NULL;
}

/*
 * Every call holds sockets (two RTP/RTCP pairs, a SIP TCP connection or
 * more), and Debian starts a daemon with a soft limit of 1,024 open files:
 * a few hundred calls would hit it.  As Asterisk's maxfiles does, raise
 * the limit - to lyre.conf's maxfiles, or by default to the hard limit.
 */
static void raise_file_limit(unsigned maxfiles)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	want = maxfiles ? (rlim_t)maxfiles : rl.rlim_max;
	if (want == rl.rlim_cur)
		return;
	if (want > rl.rlim_max)
		rl.rlim_max = want;	/* only root may raise the hard limit */
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		ly_warning("Cannot set the open-file limit to %llu: %s", (unsigned long long)want,
			   strerror(errno));
	else
		ly_verbose(2, "Open-file limit: %llu", (unsigned long long)want);
}

static int init_core(const struct options *o)
{
	const struct ly_settings *s = ly_settings();
	int rc;

	ly_log_set_verbose(o->verbose > s->verbose ? o->verbose : s->verbose);
	ly_log_set_debug(o->debug > s->debug ? o->debug : s->debug);
	raise_file_limit(s->maxfiles);
	/* Before any thread starts: they inherit it (core/thread.c says why). */
	if ((rc = ly_thread_batch(s->batchsched)) != 0)
		ly_warning("Cannot set the scheduling policy (batchsched): %s", strerror(rc));
	if ((rc = ly_cli_init()) || (rc = ly_cli_core_register()) ||
	    (rc = ly_log_cli_register()) || (rc = ly_media_core_init()) ||
	    (rc = ly_xmldoc_init(s->dirs.docdir)) || (rc = ly_pbx_init()) ||
	    (rc = ly_pbx_apps_init()) || (rc = ly_loader_init(s->dirs.moduledir))) {
		ly_error("Core start-up failed: %s", strerror(rc));
		return rc;
	}
	/* Without a store DB() fails, but calls still work. */
	if (ly_db_init(s->dirs.statedir))
		ly_error("The key-value store in %s could not be opened; DB() will fail",
			 s->dirs.statedir);
	return 0;
}

/* Modules first, so the dialplan's applications exist when it loads.  A
 * broken extensions.conf is logged and the daemon runs with an empty plan
 * until `dialplan reload` succeeds, as Asterisk does. */
static int load_modules_and_dialplan(void)
{
	int rc = ly_loader_load_all(ly_settings()->dirs.confdir);

	if (rc) {
		ly_error("Modules could not be loaded as modules.conf asks; not starting");
		return rc;
	}
	return dp_init(ly_settings()->dirs.confdir);
}

/* Log files were opened as root; hand them to the run user so that a
 * reload or rotation after dropping root can reopen them. */
static void chown_log_files(const char *logdir, const struct run_identity *id)
{
	DIR *d;
	struct dirent *e;

	if (id->uid == (uid_t)-1 || !(d = opendir(logdir)))
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' && fchownat(dirfd(d), e->d_name, id->uid, id->gid,
						    AT_SYMLINK_NOFOLLOW) != 0)
			ly_warning("Cannot hand %s/%s to the run user: %s", logdir, e->d_name,
				   strerror(errno));
	}
	closedir(d);
}

static void hang_up_all(struct ly_channel *c, void *arg)
{
	(void)arg;
	ly_chan_softhangup(c, LY_CAUSE_NORMAL_CLEARING);
}

/* Give channel threads a moment to hang up before their modules go.
 * False when some are still there after 3 s. */
static bool wait_for_channels(void)
{
	uint64_t until = ly_now_ms() + 3000;

	ly_chan_foreach(hang_up_all, NULL);
	while (ly_chan_count() > 0 && ly_now_ms() < until)
		usleep(10000);
	if (ly_chan_count() == 0)
		return true;
	ly_warning("%u channels still up at exit", ly_chan_count());
	return false;
}

static void stop_core(struct ly_loop *loop, struct console_thread *con)
{
	ly_console_server_stop();
	if (con->started)
		pthread_join(con->tid, NULL);
	bool all_gone = wait_for_channels();

	ly_pbx_shutdown();
	dp_shutdown();
	ly_loader_shutdown();
	ly_pbx_apps_shutdown();
	ly_db_shutdown();
	ly_xmldoc_shutdown();
	ly_media_core_shutdown();
	ly_cli_shutdown();
	if (pidfile_written)
		unlink(ly_settings_pidfile());
	ly_notice("Lyre ending");
	/* A channel thread that outlived the wait may still hand work to the
	 * loop: leave it allocated (the process is ending anyway). */
	if (all_gone) {
		ly_main_loop_set(NULL);
		ly_loop_free(loop);
	}
}

static int serve(const struct options *o, struct ly_loop *loop, int *ready_fd)
{
	const struct ly_settings *s = ly_settings();
	struct run_identity id;
	struct console_thread con = { .started = false };
	sigset_t sigs = handled_signals();
	int sigfd, rc;

	if ((rc = lookup_identity(o->runuser ? o->runuser : s->runuser,
				  o->rungroup ? o->rungroup : s->rungroup, &id)) ||
	    (rc = make_dirs(&s->dirs, &id)))
		return rc;
	struct ly_cfg_error err = { { 0 } };
	if (ly_log_configure(s->dirs.confdir, s->dirs.logdir, &err))
		ly_warning("logger.conf: %s (logging to the console only)", err.msg);
	/* The console socket comes before the modules: it is how a second
	 * daemon on the same directories finds out, before it touches ports.
	 * Clients that connect early wait until the loop runs. */
	if ((rc = init_core(o)) == 0 &&
	    (rc = ly_console_server_start(loop, ly_settings_socket_path(), id.uid, id.gid)) == 0 &&
	    (rc = load_modules_and_dialplan()) == 0 &&
	    (rc = write_pidfile(ly_settings_pidfile(), &id)) == 0) {
		chown_log_files(s->dirs.logdir, &id);
		rc = drop_privileges(&id);
	}
	sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!rc && (sigfd < 0 || ly_loop_add_fd(loop, sigfd, LY_FD_READ, on_signal, NULL)))
		rc = EIO;
	if (!rc) {
		ly_notice("Lyre %s ready (config %s, %u modules)", PACKAGE_VERSION,
			  s->dirs.confdir, ly_module_count());
		tell_parent(ready_fd, 0);
		if (o->console)
			con.started = ly_thread_create(&con.tid, "console", run_console, NULL) == 0;
		rc = ly_loop_run(loop);
	}
	if (sigfd >= 0) {
		ly_loop_del_fd(loop, sigfd);
		close(sigfd);
	}
	stop_core(loop, &con);
	return rc;
}

static int run_daemon(const struct options *o)
{
	struct ly_loop *loop;
	int ready_fd = -1, rc;

	if (!o->foreground && (rc = daemonize(&ready_fd)) != 0) {
		fprintf(stderr, "lyre: cannot start in the background: %s\n", strerror(rc));
		return 1;
	}
	/* The interactive console shows the log itself (it subscribes to it). */
	ly_log_set_stdout(o->foreground && !o->console);
	ly_mem_init();
	ly_start_time();
	ly_thread_register_self("main");
	loop = ly_loop_new();
	ly_main_loop_set(loop);
	rc = serve(o, loop, &ready_fd);
	tell_parent(&ready_fd, rc ? 1 : 0);
	ly_log_shutdown();
	ly_thread_unregister_self();
	ly_threads_cleanup();
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct ly_cfg_error err = { { 0 } };
	sigset_t sigs = handled_signals();
	char confdir[4096];
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (parse_args(argc, argv, &o))
		return 2;
	ly_log_init();
	if (!realpath(o.confdir ? o.confdir : LY_DEFAULT_CONFDIR, confdir)) {
		fprintf(stderr, "lyre: configuration directory %s: %s\n",
			o.confdir ? o.confdir : LY_DEFAULT_CONFDIR, strerror(errno));
		return 2;
	}
	if (ly_settings_load(confdir, &err)) {
		fprintf(stderr, "lyre: %s\n", err.msg);
		return 2;
	}
	if (o.remote) {
		rc = ly_remote_run(ly_settings_socket_path(), o.command);
		ly_settings_free();
		return rc;
	}
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	rc = run_daemon(&o);
	ly_settings_free();
	return rc;
}
