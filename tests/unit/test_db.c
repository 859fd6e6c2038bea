/* tests/unit/test_db.c - the key-value store (core/db.c) and the XML documentation reader (core/xmldoc.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "db_int.h"
#include "log.h"
#include "lyre/cli.h"
#include "lyre/db.h"
#include "lyre/utils.h"
#include "tap.h"
#include "xmldoc.h"

static char dir[64];

static void remove_dir(void)
{
	char *cmd = ly_asprintf("rm -rf '%s'", dir);

	CHECK_INT(system(cmd), 0);
	free(cmd);
}

static void write_file(const char *name, const char *text)
{
	char *path = ly_asprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

/* Run a console command and return its output (static buffer). */
static const char *cli(const char *line)
{
	static char text[4096];
	struct ly_buf out;

	ly_buf_init(&out);
	ly_cli_execute(line, &out);
	ly_strlcpy(text, ly_buf_str(&out), sizeof(text));
	ly_buf_free(&out);
	return text;
}

static void test_setup(void)
{
	ly_log_init();
	CHECK_INT(ly_cli_init(), 0);
	strcpy(dir, "/tmp/lyre-db-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(ly_db_init(dir), 0);
	CHECK_INT(ly_db_init(dir), EALREADY);
}

static void test_put_get_del(void)
{
	char buf[64];

	CHECK_INT(ly_db_put("cidname", "5551234", "Alice"), 0);
	CHECK_INT(ly_db_get("cidname", "5551234", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "Alice");
	CHECK_INT(ly_db_put("cidname", "5551234", "Bob"), 0);	/* replaces */
	CHECK_INT(ly_db_get("cidname", "5551234", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "Bob");
	CHECK_INT(ly_db_get("cidname", "nope", buf, sizeof(buf)), ENOENT);
	CHECK_STR(buf, "");
	CHECK_INT(ly_db_put("", "k", "v"), EINVAL);
	CHECK_INT(ly_db_put("f", "", "v"), EINVAL);
	CHECK_INT(ly_db_get("f", NULL, buf, sizeof(buf)), EINVAL);
	/* truncation keeps the buffer terminated */
	CHECK_INT(ly_db_get("cidname", "5551234", buf, 2), 0);
	CHECK_STR(buf, "B");
	/* '%' and '_' are ordinary characters, not LIKE wildcards */
	CHECK_INT(ly_db_put("odd", "100%_x", "pct"), 0);
	CHECK_INT(ly_db_get("odd", "100%_x", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pct");
	CHECK_INT(ly_db_del("odd", "100%_x"), 0);
	CHECK_INT(ly_db_del("odd", "100%_x"), ENOENT);
	CHECK_INT(ly_db_del("cidname", "5551234"), 0);
	CHECK_INT(ly_db_get("cidname", "5551234", buf, sizeof(buf)), ENOENT);
}

struct visit {
	struct ly_buf seen;
};

static void collect(const char *family, const char *key, const char *value, void *arg)
{
	struct visit *v = arg;

	ly_buf_printf(&v->seen, "%s|%s|%s;", family, key, value);
	/* the store is usable from the callback (no lock held) */
	CHECK_INT(ly_db_put("visited", key, value), 0);
}

static void test_foreach_and_deltree(void)
{
	struct visit v;

	CHECK_INT(ly_db_put("fam", "a", "1"), 0);
	CHECK_INT(ly_db_put("fam", "tree/x", "2"), 0);
	CHECK_INT(ly_db_put("fam", "tree/y", "3"), 0);
	CHECK_INT(ly_db_put("fam", "treetop", "4"), 0);	/* not under tree/ */
	CHECK_INT(ly_db_put("family", "z", "5"), 0);	/* not under fam */
	ly_buf_init(&v.seen);
	CHECK_INT(ly_db_foreach("fam", NULL, collect, &v), 4);
	CHECK_STR(ly_buf_str(&v.seen), "fam|a|1;fam|tree/x|2;fam|tree/y|3;fam|treetop|4;");
	ly_buf_reset(&v.seen);
	CHECK_INT(ly_db_foreach("fam", "tree", collect, &v), 2);
	CHECK_STR(ly_buf_str(&v.seen), "fam|tree/x|2;fam|tree/y|3;");
	ly_buf_reset(&v.seen);
	CHECK_INT(ly_db_foreach("nothing", NULL, collect, &v), 0);
	CHECK_STR(ly_buf_str(&v.seen), "");
	ly_buf_free(&v.seen);

	CHECK_INT(ly_db_deltree("fam", "tree"), 2);
	CHECK_INT(ly_db_deltree("fam", "tree"), 0);
	CHECK_INT(ly_db_deltree("fam", NULL), 2);
	CHECK_INT(ly_db_deltree("visited", NULL), 4);
	CHECK_INT(ly_db_deltree("", NULL), -1);
	CHECK_INT(ly_db_deltree("family", NULL), 1);
}

static void test_persistence(void)
{
	char buf[64];

	CHECK_INT(ly_db_put("keep", "me", "please"), 0);
	ly_db_shutdown();
	CHECK_INT(ly_db_get("keep", "me", buf, sizeof(buf)), EIO);	/* closed */
	CHECK_STR(cli("database get keep me"), "No such command 'database get keep me' (type 'help' for help)\n");
	CHECK_INT(ly_db_init(dir), 0);
	CHECK_INT(ly_db_get("keep", "me", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "please");
}

static void test_cli(void)
{
	CHECK_STR(cli("database put cid 100 Alice"), "Updated database successfully\n");
	CHECK_STR(cli("database put cid 200 Bob"), "Updated database successfully\n");
	CHECK_STR(cli("database get cid 100"), "Value: Alice\n");
	CHECK_STR(cli("database get cid 300"), "Database entry not found.\n");
	CHECK_STR(cli("database show cid"),
		  "/cid/100                                          : Alice                    \n"
		  "/cid/200                                          : Bob                      \n"
		  "2 results found.\n");
	CHECK_STR(cli("database show cid 100"),
		  "/cid/100                                          : Alice                    \n"
		  "1 results found.\n");
	CHECK_STR(cli("database showkey 200"),
		  "/cid/200                                          : Bob                      \n"
		  "1 results found.\n");
	CHECK_STR(cli("database show"),
		  "/cid/100                                          : Alice                    \n"
		  "/cid/200                                          : Bob                      \n"
		  "/keep/me                                          : please                   \n"
		  "3 results found.\n");
	CHECK_STR(cli("database del cid 100"), "Database entry removed.\n");
	CHECK_STR(cli("database del cid 100"), "Database entry does not exist.\n");
	CHECK_STR(cli("database deltree cid"), "1 database entries removed.\n");
	CHECK_STR(cli("database deltree cid"), "Database entries do not exist.\n");
	CHECK_STR(cli("database show nothing"), "0 results found.\n");
	CHECK(strstr(cli("database put onlytwo words"), "Usage: database put") != NULL);
}

/* ---- XML documentation ---- */

static const char sample_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<docs module=\"mod_sample\">\n"
	" <application name=\"Greet\">\n"
	"  <synopsis>Say\n     hello.</synopsis>\n"
	"  <syntax>\n"
	"   <parameter name=\"who\" required=\"true\"><para>Who to greet.</para></parameter>\n"
	"   <parameter name=\"times\"><para>How often.</para>\n"
	"    <enumlist><enum name=\"1\"><para>once</para></enum></enumlist></parameter>\n"
	"   <parameter name=\"loud\" required=\"false\"/>\n"
	"  </syntax>\n"
	"  <description><para>Greets <replaceable>who</replaceable>.</para>\n"
	"   <note><para>Be nice.</para></note></description>\n"
	"  <see-also><ref type=\"application\">NoOp</ref><ref type=\"manpage\">echo(1)</ref></see-also>\n"
	" </application>\n"
	" <function name=\"SHOUT\"><synopsis>Upper case.</synopsis></function>\n"
	"</docs>\n";

static void test_xmldoc_format(void)
{
	struct ly_buf out;

	write_file("mod_sample.xml", sample_xml);
	CHECK_INT(ly_xmldoc_init(dir), 0);
	ly_buf_init(&out);
	CHECK(ly_xmldoc_format("application", "greet", "mod_sample", &out));
	CHECK_STR(ly_buf_str(&out),
		  "\n  -= Info about Application 'Greet' =-\n\n"
		  "[Synopsis]\nSay hello.\n\n"
		  "[Description]\nGreets who.\nNOTE: Be nice.\n\n"
		  "[Syntax]\nGreet(who,[times,[loud]])\n\n"
		  "[Arguments]\nwho\n    Who to greet.\ntimes\n    How often.\n    1:\n        once\nloud\n\n"
		  "[See Also]\nNoOp(), echo(1)\n");
	ly_buf_reset(&out);
	CHECK(ly_xmldoc_format("function", "SHOUT", "mod_sample", &out));
	CHECK(strstr(ly_buf_str(&out), "[Syntax]\nSHOUT()\n") != NULL);
	CHECK(strstr(ly_buf_str(&out), "[Description]\nNot available\n") != NULL);
	ly_buf_reset(&out);
	CHECK(ly_xmldoc_synopsis("application", "Greet", "mod_sample", &out));
	CHECK_STR(ly_buf_str(&out), "Say hello.");
	ly_buf_reset(&out);
	CHECK(!ly_xmldoc_format("function", "Greet", "mod_sample", &out));	/* wrong kind */
	CHECK(!ly_xmldoc_format("application", "Nope", "mod_sample", &out));
	CHECK(!ly_xmldoc_format("application", "Greet", "mod_missing", &out));
	CHECK(!ly_xmldoc_format("application", "Greet", NULL, &out));	/* no core.xml */
	CHECK(!ly_xmldoc_format("bogus", "Greet", "mod_sample", &out));
	CHECK_STR(ly_buf_str(&out), "");
	ly_buf_free(&out);
}

static void test_xmldoc_malformed(void)
{
	struct ly_buf out;

	write_file("mod_broken.xml", "<docs><application name=\"X\"><synopsis>oops</docs>");
	write_file("mod_empty.xml", "");
	ly_buf_init(&out);
	CHECK(!ly_xmldoc_format("application", "X", "mod_broken", &out));
	CHECK(!ly_xmldoc_synopsis("application", "X", "mod_broken", &out));
	CHECK(!ly_xmldoc_format("application", "X", "mod_empty", &out));
	CHECK_STR(ly_buf_str(&out), "");
	/* fixed on disk: seen without a restart (the mtime changes) */
	sleep(1);
	write_file("mod_broken.xml", "<docs><application name=\"X\"><synopsis>fixed</synopsis>"
				     "</application></docs>");
	CHECK(ly_xmldoc_synopsis("application", "X", "mod_broken", &out));
	CHECK_STR(ly_buf_str(&out), "fixed");
	ly_buf_free(&out);
}

static void test_teardown(void)
{
	ly_xmldoc_shutdown();
	ly_db_shutdown();
	ly_cli_shutdown();
	remove_dir();
}

TAP_MAIN(TAP(test_setup),
	 TAP(test_put_get_del),
	 TAP(test_foreach_and_deltree),
	 TAP(test_persistence),
	 TAP(test_cli),
	 TAP(test_xmldoc_format),
	 TAP(test_xmldoc_malformed),
	 TAP(test_teardown))
