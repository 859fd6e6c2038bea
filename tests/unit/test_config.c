/* tests/unit/test_config.c - the .conf parser: good files, every error with its file:line. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lyre/config.h"
#include "lyre/utils.h"
#include "tap.h"

static const char *data_dir(const char *sub)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/unit/data/config/%s", top ? top : ".", sub);
	return path;
}

static struct ly_config *load_good(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	int rc = ly_config_load(data_dir("good"), "main.conf", &cfg, &err);

	if (rc)
		printf("# load failed: %s\n", err.msg);
	CHECK_INT(rc, 0);
	return cfg;
}

static size_t count_vars(const struct ly_cfg_section *s)
{
	size_t n = 0;

	for (const struct ly_cfg_var *v = s ? s->vars : NULL; v; v = v->next)
		n++;
	return n;
}

static void test_values_and_comments(void)
{
	struct ly_config *cfg = load_good();
	const struct ly_cfg_section *g = ly_cfg_section(cfg, "general");
	const struct ly_cfg_var *v;

	CHECK(g != NULL);
	CHECK_STR(ly_cfg_get(cfg, "general", "bindport"), "5060");
	CHECK_STR(ly_cfg_get(cfg, "general", "empty"), "");
	CHECK_STR(ly_cfg_get(cfg, "general", "motd"), "Hello; world");
	CHECK_STR(ly_cfg_get(cfg, "general", "path"), "C:\\lyre\\sounds");
	CHECK_STR(ly_cfg_get(cfg, "general", "inline"), "before  after");
	CHECK_STR(ly_cfg_get(cfg, "general", "nested_ok"), "yes");
	v = ly_cfg_section_var(g, "joined");
	CHECK(v != NULL);
	if (v) {
		CHECK_STR(v->value, "one  two");
		CHECK_INT(v->line, 12);
		CHECK(!v->object && !v->inherited);
	}
	v = ly_cfg_section_var(g, "nested_ok");
	CHECK(v && v->line == 14);
	CHECK(ly_cfg_get(cfg, "general", "hidden") == NULL);
	CHECK(ly_cfg_get(cfg, "nosuch", "bindport") == NULL);
	CHECK_INT(g ? g->line : 0, 5);
	ly_config_free(cfg);
}

static void test_object_entries(void)
{
	struct ly_config *cfg = load_good();
	const struct ly_cfg_section *d = ly_cfg_section(cfg, "default");
	const struct ly_cfg_var *v = d ? d->vars : NULL;

	CHECK_INT(count_vars(d), 3);
	CHECK(v && v->object && strcmp(v->name, "exten") == 0);
	CHECK(v && strcmp(v->value, "100,1,Answer()") == 0 && v->line == 39);
	v = v ? v->next : NULL;
	CHECK(v && strcmp(v->value, "100,n,Set(X=a;b)") == 0);
	v = v ? v->next : NULL;
	CHECK(v && v->object && strcmp(v->name, "same") == 0 && strcmp(v->value, "n,Hangup()") == 0);
	ly_config_free(cfg);
}

static void test_templates(void)
{
	struct ly_config *cfg = load_good();
	const struct ly_cfg_section *phone = ly_cfg_section(cfg, "phone");
	const struct ly_cfg_section *office = ly_cfg_section(cfg, "office-phone");
	const struct ly_cfg_section *bob = ly_cfg_section(cfg, "bob");
	const struct ly_cfg_section *alice = ly_cfg_section(cfg, "alice");
	const struct ly_cfg_var *v;

	CHECK(phone && phone->is_template && phone->templates && !phone->templates[0]);
	CHECK(office && office->is_template);
	CHECK(office && office->templates[0] && !strcmp(office->templates[0], "phone") &&
	      !office->templates[1]);
	CHECK_INT(count_vars(office), 5);
	/* template entries first, then the section's own, in file order */
	v = office ? office->vars : NULL;
	CHECK(v && !strcmp(v->name, "type") && v->inherited && v->line == 20);
	CHECK_STR(ly_cfg_section_get(office, "context"), "office");
	CHECK(bob && !bob->is_template && bob->line == 31);
	CHECK(bob && !strcmp(bob->templates[0], "office-phone") && !bob->templates[1]);
	CHECK_STR(ly_cfg_get(cfg, "bob", "type"), "friend");
	CHECK_STR(ly_cfg_get(cfg, "bob", "codecs"), "ulaw");
	CHECK_STR(ly_cfg_get(cfg, "bob", "context"), "bob-ctx");
	v = ly_cfg_section_var(bob, "secret");
	CHECK(v && !v->inherited && v->line == 32);
	v = ly_cfg_section_var(bob, "codecs");
	CHECK(v && v->inherited && v->line == 26);
	CHECK(alice && !strcmp(alice->templates[0], "phone") &&
	      !strcmp(alice->templates[1], "extra") && !alice->templates[2]);
	CHECK_STR(ly_cfg_get(cfg, "alice", "language"), "fr");
	CHECK_STR(ly_cfg_get(cfg, "alice", "context"), "phones");
	ly_config_free(cfg);
}

static void test_append_and_last_value(void)
{
	struct ly_config *cfg = load_good();
	const struct ly_cfg_section *g = ly_cfg_section(cfg, "general");
	size_t ngeneral = 0;

	for (const struct ly_cfg_section *s = cfg ? cfg->sections : NULL; s; s = s->next)
		ngeneral += strcmp(s->name, "general") == 0;
	CHECK_INT(ngeneral, 1);
	CHECK_STR(ly_cfg_get(cfg, "general", "context"), "override");
	CHECK_STR(ly_cfg_get(cfg, "GENERAL", "Context"), "override");
	CHECK_STR(ly_cfg_section_get(g, "context"), "override");
	CHECK_STR(ly_cfg_get(cfg, "general", "fromglob_a"), "1");
	ly_config_free(cfg);
}

static void test_includes(void)
{
	struct ly_config *cfg = load_good();
	const char *dir = data_dir("good");
	static const char *const expect[] = {
		"main.conf", "conf.d/10-a.conf", "sub/nested.conf", "conf.d/20-b.conf", "users.conf",
	};
	const struct ly_cfg_var *v;
	char path[4200];
	size_t n = 0;

	while (cfg && cfg->files[n])
		n++;
	CHECK_INT(n, LY_ARRAY_LEN(expect));
	for (size_t i = 0; i < n && i < LY_ARRAY_LEN(expect); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, expect[i]);
		CHECK_STR(cfg->files[i], path);
	}
	CHECK_STR(ly_cfg_get(cfg, "sip-a", "port"), "5061");
	CHECK_STR(ly_cfg_get(cfg, "sip-b", "port"), "5062");
	v = ly_cfg_section_var(ly_cfg_section(cfg, "sip-a"), "nested");
	CHECK(v && !strcmp(v->value, "yes") && v->line == 1);
	/* the file name is shared with cfg->files, not a copy */
	CHECK(v && cfg && v->file == cfg->files[2]);
	v = ly_cfg_section_var(ly_cfg_section(cfg, "users"), "nested");
	CHECK(v && cfg && v->file == cfg->files[2]);
	ly_config_free(cfg);
}

/* Load bad/<file>; the error must be `what` at <where>:<line>. */
static void check_bad(const char *file, const char *where, int line, const char *what)
{
	struct ly_cfg_error err;
	static struct ly_config sentinel;
	struct ly_config *cfg = &sentinel;	/* must be reset to NULL */
	char expect[8192];
	int rc;

	rc = ly_config_load(data_dir("bad"), file, &cfg, &err);
	snprintf(expect, sizeof(expect), "%s/%s:%d: %s", data_dir("bad"), where, line, what);
	CHECK_INT(rc, EINVAL);
	CHECK(cfg == NULL);
	CHECK_STR(err.msg, expect);
}

static void test_syntax_errors(void)
{
	check_bad("no_section.conf", "no_section.conf", 3, "entry before the first [section]");
	check_bad("no_equals.conf", "no_equals.conf", 3,
		  "expected 'name = value', found 'this line has no equals sign'");
	check_bad("unterminated_section.conf", "unterminated_section.conf", 3,
		  "section header has no closing ']'");
	check_bad("unknown_directive.conf", "unknown_directive.conf", 2,
		  "unknown directive '#includ'");
	check_bad("missing_template.conf", "missing_template.conf", 4,
		  "[user] uses template 'nosuch', which is not defined before it");
	check_bad("append_missing.conf", "append_missing.conf", 3,
		  "[phones](+) adds to a section that is not defined before it");
	check_bad("block.conf", "block.conf", 3, "block comment ';--' is never closed");
}

static void test_exec_refused(void)
{
	check_bad("exec.conf", "exec.conf", 2,
		  "#exec is refused: Lyre does not run programs from config files");
}

static void test_include_errors(void)
{
	char what[4300];

	snprintf(what, sizeof(what), "#include cycle: '%s/cycle_a.conf' is already being read",
		 data_dir("bad"));
	check_bad("cycle_a.conf", "cycle_b.conf", 2, what);
	check_bad("missing_include.conf", "missing_include.conf", 2,
		  "#include \"inc/not-there.conf\": no such file");
	snprintf(what, sizeof(what), "cannot read '%s/inc': %s", data_dir("bad"), strerror(EISDIR));
	check_bad("include_dir.conf", "include_dir.conf", 2, what);
	/* an error inside an included file names that file */
	check_bad("include_error.conf", "inc/broken.conf", 3, "expected 'name = value', found 'oops'");
}

static void test_missing_top_file(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	char expect[4300];

	CHECK_INT(ly_config_load(data_dir("bad"), "nosuch.conf", &cfg, &err), ENOENT);
	snprintf(expect, sizeof(expect), "%s/nosuch.conf: %s", data_dir("bad"), strerror(ENOENT));
	CHECK_STR(err.msg, expect);
	CHECK(cfg == NULL);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A chain d0 -> d1 -> ... in a dir whose name holds glob characters. */
static void test_include_depth(void)
{
	char dir[] = "/tmp/lyre-cfg[*]XXXXXX";
	char path[128], text[128], expect[512];
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	const int last = LY_CFG_MAX_INCLUDE_DEPTH;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	for (int i = 0; i < last; i++) {
		snprintf(path, sizeof(path), "%s/d%d.conf", dir, i);
		snprintf(text, sizeof(text), "%s#include d%d.conf\n", i ? "" : "[s]\n", i + 1);
		write_file(path, text);
	}
	snprintf(path, sizeof(path), "%s/d%d.conf", dir, last);
	write_file(path, "deepest = yes\n");
	CHECK_INT(ly_config_load(dir, "d0.conf", &cfg, &err), 0);
	CHECK_STR(ly_cfg_get(cfg, "s", "deepest"), "yes");
	ly_config_free(cfg);

	write_file(path, "#include d99.conf\n");
	CHECK_INT(ly_config_load(dir, "d0.conf", &cfg, &err), EINVAL);
	snprintf(expect, sizeof(expect), "%s:1: #include nested deeper than %d files", path, last);
	CHECK_STR(err.msg, expect);

	for (int i = 0; i <= last; i++) {
		snprintf(path, sizeof(path), "%s/d%d.conf", dir, i);
		unlink(path);
	}
	CHECK_INT(rmdir(dir), 0);
}

static int parse(const char *text, struct ly_config **cfg, struct ly_cfg_error *err)
{
	return ly_config_parse_buffer(NULL, "buf", text, strlen(text), cfg, err);
}

static void test_parse_buffer(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;

	CHECK_INT(parse("[a]\r\nx = 1\r\ny => 2\r\n", &cfg, &err), 0);
	CHECK_STR(ly_cfg_get(cfg, "a", "x"), "1");
	CHECK_STR(ly_cfg_get(cfg, "a", "y"), "2");
	CHECK(cfg && cfg->files[0] && !strcmp(cfg->files[0], "buf") && !cfg->files[1]);
	CHECK(cfg && cfg->sections && cfg->sections->vars && cfg->sections->vars->file == cfg->files[0]);
	ly_config_free(cfg);

	CHECK_INT(parse("[a]\n#include \"x.conf\"\n", &cfg, &err), EINVAL);
	CHECK_STR(err.msg, "buf:2: #include is not allowed here (no config directory)");
	CHECK(cfg == NULL);
	CHECK_INT(parse("[a]\n#tryinclude <x.conf\n", &cfg, &err), EINVAL);
	CHECK_STR(err.msg, "buf:2: #tryinclude <x.conf: missing closing '>'");
	CHECK_INT(parse("[a]\n = 1\n", &cfg, &err), EINVAL);
	CHECK_STR(err.msg, "buf:2: missing name before '='");
	CHECK_INT(parse("[a](!,,b)\n", &cfg, &err), EINVAL);
	CHECK_STR(err.msg, "buf:1: empty option in the header of [a]");
	CHECK_INT(parse("[a] junk\n", &cfg, &err), EINVAL);
	CHECK_STR(err.msg, "buf:1: unexpected text after [a]: 'junk'");
	CHECK_INT(parse("[a](!\n", &cfg, &err), EINVAL);
	CHECK_STR(err.msg, "buf:1: options of [a] have no closing ')'");
	CHECK_INT(ly_config_parse_buffer(NULL, "buf", "[a]\nx\0y = 1\n", 12, &cfg, &err), EINVAL);
	CHECK_STR(err.msg, "buf:2: NUL byte in line");
}

static void test_buffer_with_confdir(void)
{
	static const char text[] = "[general]\n#include \"sub/nested.conf\"\n";
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;

	CHECK_INT(ly_config_parse_buffer(data_dir("good"), "inline", text, strlen(text), &cfg, &err), 0);
	CHECK_STR(ly_cfg_get(cfg, "general", "nested"), "yes");
	CHECK(cfg && cfg->files[1] && !cfg->files[2]);
	ly_config_free(cfg);
}

static void test_line_limit(void)
{
	struct ly_buf b;
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	char value[LY_CFG_MAX_LINE];
	char expect[128];

	memset(value, 'v', sizeof(value));
	ly_buf_init(&b);
	ly_buf_puts(&b, "[a]\nx=");	/* "x=" + 8190 bytes: exactly the limit */
	ly_buf_append(&b, value, LY_CFG_MAX_LINE - 2);
	ly_buf_puts(&b, "\n");
	CHECK_INT(ly_config_parse_buffer(NULL, "buf", b.data, b.len, &cfg, &err), 0);
	CHECK_INT(strlen(ly_cfg_get(cfg, "a", "x") ? ly_cfg_get(cfg, "a", "x") : ""),
		  LY_CFG_MAX_LINE - 2);
	ly_config_free(cfg);

	ly_buf_puts(&b, "y=");
	ly_buf_append(&b, value, LY_CFG_MAX_LINE - 1);
	CHECK_INT(ly_config_parse_buffer(NULL, "buf", b.data, b.len, &cfg, &err), EINVAL);
	snprintf(expect, sizeof(expect), "buf:3: line longer than %d bytes", LY_CFG_MAX_LINE);
	CHECK_STR(err.msg, expect);
	ly_buf_free(&b);
}

static void test_last_value_wins(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;

	CHECK_INT(parse("[a]\nx=1\nx=2\n[b]\nx=9\n[a]\nx=3\n", &cfg, &err), 0);
	CHECK_STR(ly_cfg_get(cfg, "a", "x"), "3");
	/* ly_cfg_section gives the first [a]; its own last value is 2 */
	CHECK_STR(ly_cfg_section_get(ly_cfg_section(cfg, "A"), "X"), "2");
	CHECK_STR(ly_cfg_get(cfg, "b", "x"), "9");
	ly_config_free(cfg);
}

static void test_template_into_itself(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;

	CHECK_INT(parse("[a]\nx=1\n[a](+,a)\ny=2\n", &cfg, &err), 0);
	CHECK_INT(count_vars(ly_cfg_section(cfg, "a")), 3);
	CHECK_STR(ly_cfg_get(cfg, "a", "y"), "2");
	ly_config_free(cfg);
}

/* Each header copies the previous template 32 times: the budget must stop it. */
static void test_template_blowup_is_bounded(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	struct ly_buf b;
	char value[8000];

	memset(value, 'v', sizeof(value));
	ly_buf_init(&b);
	ly_buf_puts(&b, "[t0]\nx=");
	ly_buf_append(&b, value, sizeof(value));
	for (int i = 1; i <= 3; i++) {
		ly_buf_printf(&b, "\n[t%d](t%d", i, i - 1);
		for (int j = 1; j < 32; j++)
			ly_buf_printf(&b, ",t%d", i - 1);
		ly_buf_puts(&b, ")");
	}
	CHECK_INT(ly_config_parse_buffer(NULL, "buf", b.data, b.len, &cfg, &err), EINVAL);
	CHECK_STR(err.msg, "buf:5: config larger than 128 MiB (counting template copies and repeated includes)");
	CHECK(cfg == NULL);
	ly_buf_free(&b);
}

/* ---- budgets against repeated #include ---- */

struct fanout {
	char dir[64];
	char path[3][128];	/* a.conf includes b.conf, which includes c.conf */
};

/* a.conf: [top] then `na` includes of b; b.conf: `nb` includes of c. */
static bool fanout_up(struct fanout *f, int na, int nb, const char *c_text)
{
	struct ly_buf text;

	strcpy(f->dir, "/tmp/lyre-cfgfan-XXXXXX");
	if (!mkdtemp(f->dir)) {
		CHECK(!"mkdtemp");
		return false;
	}
	for (int i = 0; i < 3; i++)
		snprintf(f->path[i], sizeof(f->path[i]), "%s/%c.conf", f->dir, 'a' + i);
	ly_buf_init(&text);
	ly_buf_puts(&text, "[top]\n");
	for (int i = 0; i < na; i++)
		ly_buf_puts(&text, "#include b.conf\n");
	write_file(f->path[0], ly_buf_str(&text));
	ly_buf_reset(&text);
	for (int i = 0; i < nb; i++)
		ly_buf_puts(&text, "#include c.conf\n");
	write_file(f->path[1], ly_buf_str(&text));
	write_file(f->path[2], c_text);
	ly_buf_free(&text);
	return true;
}

static void fanout_down(struct fanout *f)
{
	for (int i = 0; i < 3; i++)
		unlink(f->path[i]);
	CHECK_INT(rmdir(f->dir), 0);
}

/* The review's case: 100 x 100 includes of 300 sections was 3 million
 * sections (676 MB); the count of files opened stops it early. */
static void test_include_fanout_is_bounded(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	struct ly_buf c;
	struct fanout f;
	char expect[256];

	ly_buf_init(&c);
	for (int i = 0; i < 300; i++)
		ly_buf_printf(&c, "[s%d]\n", i);
	if (!fanout_up(&f, 100, 100, ly_buf_str(&c))) {
		ly_buf_free(&c);
		return;
	}
	CHECK_INT(ly_config_load(f.dir, "a.conf", &cfg, &err), EINVAL);
	CHECK(cfg == NULL);
	/* a.conf is file 1; the 10th b.conf is file 911 and its 90th include
	 * would be file 1001. */
	snprintf(expect, sizeof(expect), "%s:90: more than 1000 files read through #include",
		 f.path[1]);
	CHECK_STR(err.msg, expect);

	/* Below the cap the same files load. */
	write_file(f.path[0], "[top]\n#include b.conf\n#include b.conf\n");
	CHECK_INT(ly_config_load(f.dir, "a.conf", &cfg, &err), 0);
	CHECK(ly_cfg_section(cfg, "s299") != NULL);
	ly_config_free(cfg);
	fanout_down(&f);
	ly_buf_free(&c);
}

/* Every byte read counts, however often the same file is included. */
static void test_included_bytes_are_charged(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	struct ly_buf c;
	struct fanout f;
	char line[1024], expect[256];

	memset(line, 'x', sizeof(line));
	line[0] = ';';
	line[sizeof(line) - 1] = '\n';
	ly_buf_init(&c);
	for (int i = 0; i < 1024; i++)	/* 1 MiB of comment */
		ly_buf_append(&c, line, sizeof(line));
	ly_buf_puts(&c, "");
	if (!fanout_up(&f, 10, 16, ly_buf_str(&c))) {
		ly_buf_free(&c);
		return;
	}
	/* 160 MiB in all: the 128th MiB does not fit beside a.conf and b.conf,
	 * and it is the 16th include of the 8th b.conf. */
	CHECK_INT(ly_config_load(f.dir, "a.conf", &cfg, &err), EINVAL);
	snprintf(expect, sizeof(expect),
		 "%s:16: config larger than 128 MiB (counting template copies and repeated includes)",
		 f.path[1]);
	CHECK_STR(err.msg, expect);
	CHECK(cfg == NULL);
	fanout_down(&f);
	ly_buf_free(&c);
}

/*
 * A section costs more to keep than its header costs to read: 100 copies
 * of 4000 headers of 200 characters read 81 MB, under the budget, but
 * keep more than 128 MiB.
 */
static void test_included_sections_are_charged(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	struct ly_buf c;
	struct fanout f;
	char prefix[160], name[201];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ly_buf_init(&c);
	for (int i = 0; i < 4000; i++)
		ly_buf_printf(&c, "[%s]\n", name);
	if (!fanout_up(&f, 10, 10, ly_buf_str(&c))) {
		ly_buf_free(&c);
		return;
	}
	CHECK_INT(ly_config_load(f.dir, "a.conf", &cfg, &err), EINVAL);
	/* at a header of c.conf, or at the #include in b.conf that reads it */
	snprintf(prefix, sizeof(prefix), "%s/", f.dir);
	CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0);
	CHECK(strstr(err.msg, ": config larger than 128 MiB") != NULL);
	CHECK(cfg == NULL);
	fanout_down(&f);
	ly_buf_free(&c);
}

/* What a module's reload does: parse into a new config, swap only on success. */
static void test_failed_reload_keeps_running_config(void)
{
	struct ly_cfg_error err;
	struct ly_config *running = NULL, *next = NULL;

	CHECK_INT(parse("[a]\nx=1\n", &running, &err), 0);
	CHECK_INT(parse("[a]\nx=2\n;-- oops\n", &next, &err), EINVAL);
	CHECK_STR(err.msg, "buf:3: block comment ';--' is never closed");
	CHECK(next == NULL);
	CHECK_STR(ly_cfg_get(running, "a", "x"), "1");
	ly_config_free(running);
}

TAP_MAIN(TAP(test_values_and_comments), TAP(test_object_entries), TAP(test_templates),
	 TAP(test_append_and_last_value), TAP(test_includes), TAP(test_syntax_errors),
	 TAP(test_exec_refused), TAP(test_include_errors), TAP(test_missing_top_file),
	 TAP(test_include_depth), TAP(test_parse_buffer), TAP(test_buffer_with_confdir),
	 TAP(test_line_limit), TAP(test_last_value_wins), TAP(test_template_into_itself),
	 TAP(test_template_blowup_is_bounded), TAP(test_include_fanout_is_bounded),
	 TAP(test_included_bytes_are_charged), TAP(test_included_sections_are_charged),
	 TAP(test_failed_reload_keeps_running_config))
