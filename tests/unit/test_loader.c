/* tests/unit/test_loader.c - the module loader against real test modules (tests/unit/modules). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "loader.h"
#include "log.h"
#include "lyre/cli.h"
#include "lyre/module.h"
#include "tap.h"

static char *moduledir(void)
{
	const char *top = getenv("top_builddir");

	return ly_asprintf("%s/tests/unit/modules/.libs", top ? top : ".");
}

static void setup(void)
{
	char *dir = moduledir();

	ly_log_init();
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_loader_init(dir), 0);
	free(dir);
}

static void teardown(void)
{
	ly_loader_shutdown();
	ly_cli_shutdown();
}

/* Run a console line; true when it succeeded.  Output goes to *out if given. */
static bool cli_ok(const char *line, struct ly_buf *out)
{
	struct ly_buf local;
	enum ly_cli_result r;

	ly_buf_init(&local);
	r = ly_cli_execute(line, out ? out : &local);
	ly_buf_free(&local);
	return r == LY_CLI_SUCCESS;
}

static bool contains(const struct ly_buf *b, const char *text)
{
	bool found = strstr(ly_buf_str(b), text) != NULL;

	if (!found)
		printf("#   \"%s\" not in: %s\n", text, ly_buf_str(b));
	return found;
}

static char *names(void)
{
	struct ly_buf b;

	ly_buf_init(&b);
	ly_module_names(&b);
	return b.data ? b.data : ly_strdup("");
}

#define CHECK_NAMES(expected) \
	do { char *n_ = names(); CHECK_STR(n_, expected); free(n_); } while (0)

/* Load `name`, expect `err`, and expect `text` in the reason. */
static void expect_load(const char *name, int err, const char *text)
{
	struct ly_buf why;

	ly_buf_init(&why);
	CHECK_INT(ly_module_load(name, &why), err);
	CHECK(contains(&why, text));
	ly_buf_free(&why);
}

static void test_good_module_loads_and_registers(void)
{
	struct ly_buf out;

	setup();
	expect_load("mod_good", 0, "Loaded mod_good (Test module that behaves)");
	CHECK_INT(ly_module_count(), 1);
	ly_buf_init(&out);
	CHECK(cli_ok("testmod good", &out));
	CHECK_STR(ly_buf_str(&out), "good 0\n");
	CHECK(cli_ok("testmod tracked", NULL));
	expect_load("mod_good.so", EEXIST, "mod_good is already loaded");
	ly_buf_free(&out);
	teardown();
}

static void test_unload_refused_while_in_use(void)
{
	struct ly_buf why;

	setup();
	ly_buf_init(&why);
	CHECK_INT(ly_module_load("mod_good.la", &why), 0);
	CHECK(cli_ok("testmod hold", NULL));
	CHECK(cli_ok("testmod hold", NULL));
	CHECK_INT(ly_module_unload("mod_good", &why), EBUSY);
	CHECK(contains(&why, "mod_good is in use (2 users)"));
	CHECK(cli_ok("testmod release", NULL));
	CHECK_INT(ly_module_unload("mod_good", &why), EBUSY);
	CHECK(contains(&why, "mod_good is in use (1 user)"));
	CHECK(cli_ok("testmod release", NULL));
	ly_buf_reset(&why);
	CHECK_INT(ly_module_unload("mod_good", &why), 0);
	CHECK(contains(&why, "Unloaded mod_good"));
	CHECK(!cli_ok("testmod good", NULL));
	CHECK(!cli_ok("testmod tracked", NULL));
	CHECK_INT(ly_module_count(), 0);
	CHECK_INT(ly_module_unload("mod_good", &why), ENOENT);
	CHECK(contains(&why, "mod_good is not loaded"));
	ly_buf_free(&why);
	teardown();
}

static void test_needs_load_first_and_block_unload(void)
{
	struct ly_buf why;

	setup();
	ly_buf_init(&why);
	/* mod_needs_good's load() fails unless mod_good already runs. */
	CHECK_INT(ly_module_load("mod_needs_good", &why), 0);
	CHECK_NAMES("mod_good\nmod_needs_good\n");
	CHECK(cli_ok("testmod needs", NULL));
	CHECK_INT(ly_module_unload("mod_good", &why), EBUSY);
	CHECK(contains(&why, "mod_good is needed by mod_needs_good"));
	CHECK_INT(ly_module_unload("mod_needs_good", &why), 0);
	CHECK(!cli_ok("testmod needs", NULL));
	CHECK_INT(ly_module_unload("mod_good", &why), 0);
	CHECK_INT(ly_module_load("mod_needs_good", &why), 0);
	ly_buf_free(&why);
	/* Shutdown must unload the dependent first, or mod_good's unload is refused. */
	ly_loader_shutdown();
	CHECK_INT(ly_module_count(), 0);
	ly_cli_shutdown();
}

static void test_api_mismatch_refused(void)
{
	char text[160];

	setup();
	snprintf(text, sizeof(text), "mod_oldapi: built against module API 99.0, this daemon "
		 "provides %d.%d; rebuild it against this Lyre's headers",
		 LYRE_MODULE_API_MAJOR, LYRE_MODULE_API_MINOR);
	expect_load("mod_oldapi", ENOEXEC, text);
	snprintf(text, sizeof(text), "built against module API %d.%d, this daemon provides %d.%d",
		 LYRE_MODULE_API_MAJOR, LYRE_MODULE_API_MINOR + 1,
		 LYRE_MODULE_API_MAJOR, LYRE_MODULE_API_MINOR);
	expect_load("mod_newminor", ENOEXEC, text);
	CHECK_INT(ly_module_count(), 0);
	teardown();
}

static void test_missing_need_refused(void)
{
	setup();
	expect_load("mod_needs_absent", ENOENT,
		    "mod_needs_absent needs mod_absent, which is not available");
	CHECK_INT(ly_module_count(), 0);
	teardown();
}

static void test_need_that_fails_refuses_dependent(void)
{
	setup();
	expect_load("mod_needs_failload", ENOENT,
		    "mod_needs_failload needs mod_failload, which failed to load");
	CHECK_INT(ly_module_count(), 0);
	teardown();
}

static void test_missing_symbol_refused(void)
{
	setup();
	expect_load("mod_badsym", ENOEXEC, "ly_no_such_function_for_tests");
	CHECK_INT(ly_module_count(), 0);
	teardown();
}

static void test_failed_load_cleans_up(void)
{
	setup();
	expect_load("mod_failload", EINVAL, "mod_failload: load failed");
	CHECK(!cli_ok("testmod failload", NULL));
	CHECK_INT(ly_module_count(), 0);
	/* Its file was closed and its command removed, so a retry fails the same way. */
	expect_load("mod_failload", EINVAL, "its registrations were removed");
	teardown();
}

static void test_bad_files_and_names_refused(void)
{
	setup();
	expect_load("mod_noinfo", ENOEXEC, "mod_noinfo: not a Lyre module");
	expect_load("mod_misnamed", EINVAL, "its descriptor names it \"someone_else\"");
	expect_load("mod_nowhere", ENOENT, "mod_nowhere: no mod_nowhere.so or mod_nowhere.la");
	expect_load("../modules/mod_good", EINVAL, "is not a module name");
	CHECK_INT(ly_module_count(), 0);
	teardown();
}

static void test_cycle_refused(void)
{
	setup();
	expect_load("mod_cycle_a", ELOOP, "mod_cycle_a -> mod_cycle_b -> mod_cycle_a");
	CHECK_INT(ly_module_count(), 0);
	teardown();
}

static char *write_conf(const char *text)
{
	char *dir = ly_strdup("/tmp/lyre-loader-XXXXXX");
	char *path;
	FILE *f;

	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	path = ly_asprintf("%s/modules.conf", dir);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
	return dir;
}

static void remove_conf(char *dir)
{
	char *path = ly_asprintf("%s/modules.conf", dir);

	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

/* Load with `conf` as modules.conf (NULL: none); returns load_all's result. */
static int load_with_conf(const char *conf)
{
	char *dir = write_conf(conf ? conf : "");
	char *path;
	int err;

	CHECK(dir != NULL);
	if (!dir)
		return -1;
	if (!conf) {
		path = ly_asprintf("%s/modules.conf", dir);
		unlink(path);
		free(path);
	}
	err = ly_loader_load_all(dir);
	remove_conf(dir);
	return err;
}

static void test_conf_preload_and_needs_order(void)
{
	setup();
	CHECK_INT(load_with_conf("[modules]\nautoload = no\n"
				 "load => mod_needs_good\nload => mod_good\n"
				 "preload => mod_plain\n"), 0);
	CHECK_NAMES("mod_plain\nmod_good\nmod_needs_good\n");
	teardown();
}

static void test_conf_noload_with_autoload(void)
{
	setup();
	CHECK_INT(load_with_conf("[modules]\nautoload = yes\nnoload => mod_good\n"), 0);
	/* mod_needs_good is refused: its need is noload. */
	CHECK_NAMES("mod_plain\n");
	teardown();
}

static void test_no_conf_autoloads_everything(void)
{
	setup();
	CHECK_INT(load_with_conf(NULL), 0);
	CHECK_NAMES("mod_good\nmod_needs_good\nmod_plain\n");
	teardown();
}

static void capture_line(void *arg, enum ly_log_level level, const char *line)
{
	ly_buf_printf(arg, "%s\n", line);
}

static void test_conf_errors(void)
{
	struct ly_buf logged;

	char logdir[] = "/tmp/lyre-loader-log-XXXXXX";

	setup();
	/* Sinks hear the console channel, which exists once the logger is
	 * configured (no logger.conf there: console only). */
	CHECK(mkdtemp(logdir) != NULL);
	CHECK_INT(ly_log_configure(logdir, logdir, NULL), 0);
	ly_buf_init(&logged);
	ly_log_add_sink(capture_line, &logged);
	CHECK_INT(load_with_conf("[modules]\nautoload = maybe\n"), EINVAL);
	CHECK(contains(&logged, "modules.conf:2: autoload must be yes or no"));
	ly_log_remove_sink(capture_line, &logged);
	ly_log_shutdown();
	CHECK_INT(rmdir(logdir), 0);
	ly_buf_free(&logged);
	CHECK_INT(load_with_conf("[modules]\nautoload = no\nload => ../x\n"), EINVAL);
	CHECK_INT(load_with_conf("[modules\n"), EINVAL);
	CHECK_INT(ly_module_count(), 0);
	CHECK_INT(load_with_conf("[modules]\nautoload = no\nrequire => mod_badsym\n"
				 "load => mod_plain\n"), ENOENT);
	CHECK_NAMES("mod_plain\n");
	CHECK_INT(load_with_conf("[modules]\nautoload = no\nrequire => mod_good\n"), 0);
	CHECK_NAMES("mod_plain\nmod_good\n");
	teardown();
}

static void test_reload(void)
{
	struct ly_buf out;

	setup();
	ly_buf_init(&out);
	CHECK_INT(ly_module_load("mod_good", &out), 0);
	CHECK_INT(ly_module_load("mod_plain", &out), 0);
	ly_buf_reset(&out);
	CHECK(cli_ok("module reload mod_good", &out));
	CHECK(contains(&out, "Reloaded mod_good"));
	CHECK(cli_ok("module reload", NULL));
	ly_buf_reset(&out);
	CHECK(cli_ok("testmod good", &out));
	CHECK_STR(ly_buf_str(&out), "good 2\n");
	CHECK_INT(ly_module_reload("mod_plain", &out), ENOTSUP);
	ly_buf_free(&out);
	teardown();
}

static void test_cli_commands(void)
{
	struct ly_buf out;

	setup();
	ly_buf_init(&out);
	CHECK(cli_ok("module load mod_plain", &out));
	CHECK(contains(&out, "Loaded mod_plain (Plain test module)"));
	CHECK(!cli_ok("module load mod_oldapi", NULL));
	ly_buf_reset(&out);
	CHECK(cli_ok("module show", &out));
	CHECK(contains(&out, "Module"));
	CHECK(contains(&out, "Use Count"));
	CHECK(contains(&out, "Plain test module"));
	CHECK(contains(&out, "Running"));
	CHECK(contains(&out, "1 module loaded"));
	ly_buf_reset(&out);
	CHECK(cli_ok("module show like zzz", &out));
	CHECK(contains(&out, "0 modules loaded"));
	ly_buf_reset(&out);
	ly_cli_completions("module load mod_p", &out);
	CHECK(!strstr(ly_buf_str(&out), "mod_plain"));	/* already loaded */
	ly_buf_reset(&out);
	ly_cli_completions("module load mod_g", &out);
	CHECK_STR(ly_buf_str(&out), "mod_good\n");
	ly_buf_reset(&out);
	ly_cli_completions("module unload ", &out);
	CHECK_STR(ly_buf_str(&out), "mod_plain\n");
	CHECK(cli_ok("module unload mod_plain", NULL));
	CHECK(!cli_ok("module unload mod_plain", NULL));
	CHECK_INT(ly_module_count(), 0);
	ly_buf_free(&out);
	teardown();
}

static void test_core_owner_is_a_no_op(void)
{
	int item = 0;

	ly_module_ref(NULL);
	ly_module_unref(NULL);
	CHECK_INT(ly_module_usecount(NULL), 0);
	ly_module_track(NULL, &item, NULL);
	ly_module_untrack(NULL, &item);
	CHECK_STR(ly_module_name(NULL), "core");
}

/* Is a library of that file name mapped into this process? */
static bool mapped(const char *file)
{
	char line[512];
	bool found = false;
	FILE *maps = fopen("/proc/self/maps", "r");

	while (maps && !found && fgets(line, sizeof(line), maps))
		found = strstr(line, file) != NULL;
	if (maps)
		fclose(maps);
	return found;
}

/* A module still in use at shutdown (a channel outlived the wait) loses
 * its registrations but keeps its code mapped: closing it under a thread
 * that still runs it crashed media workers at "core stop now".  Last,
 * since mod_good then stays mapped for the rest of the process. */
static void test_module_in_use_at_shutdown_stays_mapped(void)
{
	setup();
	CHECK_INT(ly_module_load("mod_good", NULL), 0);
	CHECK(cli_ok("testmod hold", NULL));
	CHECK(mapped("mod_good.so"));
	ly_loader_shutdown();
	CHECK(mapped("mod_good.so"));
	CHECK(!cli_ok("testmod good", NULL));	/* its registrations are gone */
	ly_cli_shutdown();
}

TAP_MAIN(TAP(test_good_module_loads_and_registers),
	 TAP(test_unload_refused_while_in_use),
	 TAP(test_needs_load_first_and_block_unload),
	 TAP(test_api_mismatch_refused),
	 TAP(test_missing_need_refused),
	 TAP(test_need_that_fails_refuses_dependent),
	 TAP(test_missing_symbol_refused),
	 TAP(test_failed_load_cleans_up),
	 TAP(test_bad_files_and_names_refused),
	 TAP(test_cycle_refused),
	 TAP(test_conf_preload_and_needs_order),
	 TAP(test_conf_noload_with_autoload),
	 TAP(test_no_conf_autoloads_everything),
	 TAP(test_conf_errors),
	 TAP(test_reload),
	 TAP(test_cli_commands),
	 TAP(test_core_owner_is_a_no_op),
	 TAP(test_module_in_use_at_shutdown_stays_mapped))
