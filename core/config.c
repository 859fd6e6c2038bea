/* core/config.c - parse Asterisk-style .conf files into a struct ly_config. */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/config.h"
#include "lyre/utils.h"

/*
 * This file must not log: it reports through struct ly_cfg_error so that
 * callers decide how to word a failed reload, and so that the fuzz target
 * links with nothing but this file and core/utils.c.
 *
 * Names of sections and entries compare case-insensitively, as Asterisk's
 * ast_category_get() and ast_variable_retrieve() do, so existing configs
 * keep meaning what they meant.
 */

/*
 * Templates copy their entries, so "[b](a,a)" then "[c](b,b)" and so on
 * doubles the config with each line: without a budget a 40-line file
 * could ask for terabytes.  Repeated #include multiplies the same way
 * (a file that includes b.conf 100 times, which includes c.conf 100
 * times), so every entry, every section and every byte read from any
 * file is charged.  Real configs (a 100,000-line dialplan, ten thousand
 * endpoints built from templates) stay far below this.  The fuzz build
 * defines a smaller budget so that each run stays fast.
 */
#ifndef CFG_MAX_BYTES
#define CFG_MAX_BYTES ((size_t)128 << 20)
#endif
/* Files opened by one parse, counting each #include of the same file:
 * conf.d/ directories of a few dozen files are normal, thousands are not. */
#ifndef CFG_MAX_FILES
#define CFG_MAX_FILES 1000u
#endif
/* What malloc adds to each block (its header and rounding): a section is
 * three blocks, so charging the bare struct would undercount it twice. */
#define ALLOC_OVERHEAD 16u

/* One file (or buffer) being read; several are open during an #include. */
struct cfg_src {
	const char *name;	/* interned in cfg->files */
	int line;		/* current physical line */
	int comment_depth;	/* ;-- block comments nest, as in Asterisk */
	int comment_line;	/* where the outermost block comment began */
	struct ly_buf logical;	/* text of a line split by a block comment */
	int logical_line;	/* line of the first character of `logical` */
	bool logical_has_text;
};

struct cfg_parser {
	struct ly_config *cfg;
	struct ly_cfg_error *err;
	char *confdir;			/* NULL refuses #include */
	size_t nfiles;
	struct ly_cfg_section *last;	/* tail of cfg->sections */
	struct ly_cfg_section *cur;	/* where entries go */
	struct ly_cfg_var *cur_tail;	/* last entry of cur */
	/* Canonical paths of the files being read, for cycle detection;
	 * NULL for a buffer.  One slot per nesting level plus the top. */
	char *open[LY_CFG_MAX_INCLUDE_DEPTH + 1];
	int depth;			/* number of slots in use */
	size_t bytes;			/* stored and read so far, against CFG_MAX_BYTES */
	unsigned opened;		/* files opened so far, against CFG_MAX_FILES */
};

LY_PRINTF(4, 5)
static int cfg_fail(struct cfg_parser *p, const char *file, int line, const char *fmt, ...)
{
	char *msg = p->err->msg;
	size_t size = sizeof(p->err->msg);
	va_list ap;
	int n;

	if (line > 0)
		n = snprintf(msg, size, "%s:%d: ", file, line);
	else
		n = snprintf(msg, size, "%s: ", file);
	if (n < 0 || (size_t)n >= size)
		return EINVAL;	/* a file name this long is message enough */
	va_start(ap, fmt);
	vsnprintf(msg + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return EINVAL;
}

/* ---- building the result ---- */

static const char *intern_file(struct cfg_parser *p, const char *path)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (strcmp(p->cfg->files[i], path) == 0)
			return p->cfg->files[i];
	p->cfg->files = ly_realloc(p->cfg->files, (p->nfiles + 2) * sizeof(char *));
	p->cfg->files[p->nfiles] = ly_strdup(path);
	p->cfg->files[p->nfiles + 1] = NULL;
	return p->cfg->files[p->nfiles++];
}

static struct ly_cfg_var *var_new(const char *name, const char *value,
				  const char *file, int line, bool object)
{
	struct ly_cfg_var *v = ly_calloc(1, sizeof(*v));

	v->name = ly_strdup(name);
	v->value = ly_strdup(value);
	v->file = file;
	v->line = line;
	v->object = object;
	return v;
}

/* Add n bytes to the budget; the error names file:line. */
static int charge_bytes(struct cfg_parser *p, const char *file, int line, size_t n)
{
	if (n <= CFG_MAX_BYTES - p->bytes) {
		p->bytes += n;
		return 0;
	}
	p->bytes = CFG_MAX_BYTES;
	return cfg_fail(p, file, line,
			"config larger than %zu MiB (counting template copies and repeated includes)",
			CFG_MAX_BYTES >> 20);
}

static int charge(struct cfg_parser *p, const struct cfg_src *src, int line,
		  const char *name, const char *value)
{
	return charge_bytes(p, src->name, line, sizeof(struct ly_cfg_var) + strlen(name) +
			    strlen(value) + 2 + 3 * ALLOC_OVERHEAD);
}

static void add_var(struct cfg_parser *p, struct ly_cfg_var *v)
{
	if (p->cur_tail)
		p->cur_tail->next = v;
	else
		p->cur->vars = v;
	p->cur_tail = v;
}

static void select_section(struct cfg_parser *p, struct ly_cfg_section *s)
{
	p->cur = s;
	p->cur_tail = s->vars;
	while (p->cur_tail && p->cur_tail->next)
		p->cur_tail = p->cur_tail->next;
}

/* The struct, its name and its (empty) template list. */
static int section_new(struct cfg_parser *p, const char *name, const char *file, int line,
		       struct ly_cfg_section **sp)
{
	struct ly_cfg_section *s;
	int rc = charge_bytes(p, file, line, sizeof(*s) + strlen(name) + 1 + sizeof(char *) +
			      3 * ALLOC_OVERHEAD);

	if (rc)
		return rc;
	s = ly_calloc(1, sizeof(*s));
	s->name = ly_strdup(name);
	s->file = file;
	s->line = line;
	s->templates = ly_calloc(1, sizeof(char *));
	if (p->last)
		p->last->next = s;
	else
		p->cfg->sections = s;
	p->last = s;
	*sp = s;
	return 0;
}

/* The most recent section of that name: what "[x](+)" or "(x)" written
 * after it refers to when a name is used more than once. */
static struct ly_cfg_section *find_last_section(const struct ly_config *cfg, const char *name)
{
	struct ly_cfg_section *found = NULL;

	for (struct ly_cfg_section *s = cfg->sections; s; s = s->next)
		if (ly_strcaseeq(s->name, name))
			found = s;
	return found;
}

static int add_template_name(struct cfg_parser *p, const struct cfg_src *src, int line,
			     struct ly_cfg_section *s, const char *name)
{
	size_t n = 0;
	int rc = charge_bytes(p, src->name, line, sizeof(char *) + strlen(name) + 1 +
			      ALLOC_OVERHEAD);

	if (rc)
		return rc;
	while (s->templates[n])
		n++;
	s->templates = ly_realloc(s->templates, (n + 2) * sizeof(char *));
	s->templates[n] = ly_strdup(name);
	s->templates[n + 1] = NULL;
	return 0;
}

/*
 * Entries are copied when the header is read, as Asterisk does: what a
 * template gains later does not reach sections already built from it.
 * "[a](+,a)" copies a section into itself, so the copy stops at the entry
 * that was last when it began.
 */
static int inherit(struct cfg_parser *p, const struct cfg_src *src, int line,
		   const struct ly_cfg_section *tmpl)
{
	const struct ly_cfg_var *last = tmpl->vars;
	int rc;

	while (last && last->next)
		last = last->next;
	for (const struct ly_cfg_var *v = tmpl->vars; last; v = v->next) {
		struct ly_cfg_var *copy;

		rc = charge(p, src, line, v->name, v->value);
		if (rc)
			return rc;
		copy = var_new(v->name, v->value, v->file, v->line, v->object);
		copy->inherited = true;
		add_var(p, copy);
		if (v == last)
			break;
	}
	return add_template_name(p, src, line, p->cur, tmpl->name);
}

/* ---- [section](options) ---- */

struct section_opts {
	bool is_template;
	bool append;
	/* A fixed list keeps parsing allocation-free; real configs use one
	 * or two templates per section. */
	const struct ly_cfg_section *tmpl[32];
	size_t ntmpl;
};

static int parse_option(struct cfg_parser *p, const struct cfg_src *src, int line,
			const char *section, char *opt, struct section_opts *o)
{
	const struct ly_cfg_section *t;

	ly_strstrip(opt);
	if (!*opt)
		return cfg_fail(p, src->name, line, "empty option in the header of [%s]", section);
	if (strcmp(opt, "!") == 0) {
		o->is_template = true;
		return 0;
	}
	if (strcmp(opt, "+") == 0) {
		o->append = true;
		return 0;
	}
	t = find_last_section(p->cfg, opt);
	if (!t)
		return cfg_fail(p, src->name, line,
				"[%s] uses template '%s', which is not defined before it",
				section, opt);
	if (o->ntmpl == LY_ARRAY_LEN(o->tmpl))
		return cfg_fail(p, src->name, line, "[%s] uses more than %zu templates",
				section, LY_ARRAY_LEN(o->tmpl));
	o->tmpl[o->ntmpl++] = t;
	return 0;
}

static int parse_options(struct cfg_parser *p, const struct cfg_src *src, int line,
			 const char *section, char *opts, struct section_opts *o)
{
	char *save = NULL;
	int rc;

	/* strtok_r would skip the empty option in "(a,,b)", which is a typo
	 * worth reporting, so split by hand. */
	for (char *opt = opts; opt; opt = save) {
		char *comma = strchr(opt, ',');

		save = NULL;
		if (comma) {
			*comma = '\0';
			save = comma + 1;
		}
		rc = parse_option(p, src, line, section, opt, o);
		if (rc)
			return rc;
	}
	return 0;
}

static int open_section(struct cfg_parser *p, const struct cfg_src *src, int line,
			const char *name, const struct section_opts *o)
{
	struct ly_cfg_section *s;
	int rc;

	if (o->append) {
		s = find_last_section(p->cfg, name);
		if (!s)
			return cfg_fail(p, src->name, line,
					"[%s](+) adds to a section that is not defined before it",
					name);
		select_section(p, s);
	} else {
		rc = section_new(p, name, src->name, line, &s);
		if (rc)
			return rc;
		select_section(p, s);
	}
	if (o->is_template)
		p->cur->is_template = true;
	for (size_t i = 0; i < o->ntmpl; i++) {
		rc = inherit(p, src, line, o->tmpl[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_section(struct cfg_parser *p, const struct cfg_src *src, int line, char *text)
{
	struct section_opts o = { 0 };
	char *close = strchr(text, ']');
	char *name, *rest, *opts = NULL;
	int rc;

	if (!close)
		return cfg_fail(p, src->name, line, "section header has no closing ']'");
	*close = '\0';
	name = ly_strstrip(text + 1);
	if (!*name)
		return cfg_fail(p, src->name, line, "empty section name");
	rest = close + 1;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest == '(') {
		char *end = strchr(rest, ')');

		if (!end)
			return cfg_fail(p, src->name, line,
					"options of [%s] have no closing ')'", name);
		*end = '\0';
		opts = rest + 1;
		rest = ly_strstrip(end + 1);
	}
	if (*rest)
		return cfg_fail(p, src->name, line, "unexpected text after [%s]: '%s'", name, rest);
	if (opts) {
		rc = parse_options(p, src, line, name, opts, &o);
		if (rc)
			return rc;
	}
	return open_section(p, src, line, name, &o);
}

/* ---- name = value ---- */

static int parse_entry(struct cfg_parser *p, const struct cfg_src *src, int line, char *text)
{
	char *eq, *name, *value;
	bool object;

	if (!p->cur)
		return cfg_fail(p, src->name, line, "entry before the first [section]");
	eq = strchr(text, '=');
	if (!eq)
		return cfg_fail(p, src->name, line, "expected 'name = value', found '%s'", text);
	object = eq[1] == '>';
	*eq = '\0';
	name = ly_strstrip(text);
	value = ly_strstrip(eq + (object ? 2 : 1));
	if (!*name)
		return cfg_fail(p, src->name, line, "missing name before '%s'", object ? "=>" : "=");
	if (charge(p, src, line, name, value))
		return EINVAL;
	add_var(p, var_new(name, value, src->name, line, object));
	return 0;
}

/* ---- #include ---- */

static int parse_text(struct cfg_parser *p, const char *name, const char *text, size_t len);

/* EFBIG when the file holds more than `limit` bytes. */
static int read_whole_file(const char *path, size_t limit, struct ly_buf *out)
{
	char chunk[8192];
	FILE *f = fopen(path, "r");
	size_t n;
	int rc = 0;

	if (!f)
		return errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && out->len <= limit)
		ly_buf_append(out, chunk, n);
	if (out->len > limit)
		rc = EFBIG;	/* also stops an #include of /dev/zero */
	else if (ferror(f))
		rc = errno ? errno : EIO;
	fclose(f);
	return rc;
}

static int check_cycle(struct cfg_parser *p, const struct cfg_src *from, int line,
		       const char *path, const char *real)
{
	for (int i = 0; i < p->depth; i++)
		if (p->open[i] && strcmp(p->open[i], real) == 0)
			return cfg_fail(p, from->name, line,
					"#include cycle: '%s' is already being read", path);
	return 0;
}

/*
 * A file that cannot be read: the top file keeps its errno so that a
 * caller can tell "no such file" from "broken file"; an included one is
 * a mistake in the including file, at its line.
 */
static int read_failed(struct cfg_parser *p, const struct cfg_src *from, int line,
		       const char *path, int err)
{
	if (!from) {
		cfg_fail(p, path, 0, "%s", strerror(err));
		return err;
	}
	return cfg_fail(p, from->name, line, "cannot read '%s': %s", path, strerror(err));
}

static int count_open(struct cfg_parser *p, const struct cfg_src *from, int line)
{
	if (++p->opened <= CFG_MAX_FILES || !from)
		return 0;
	return cfg_fail(p, from->name, line, "more than %u files read through #include",
			CFG_MAX_FILES);
}

/* Read one file into data, charging its bytes; 0 or an error set in p. */
static int read_charged(struct cfg_parser *p, const struct cfg_src *from, int line,
			const char *path, struct ly_buf *data)
{
	int rc = read_whole_file(path, CFG_MAX_BYTES - p->bytes, data);

	if (rc == EFBIG && from)
		return charge_bytes(p, from->name, line, data->len);
	if (rc)
		return read_failed(p, from, line, path, rc);
	return charge_bytes(p, from ? from->name : path, line, data->len);
}

/* Read one file; `from` is the including file, NULL for the top one. */
static int parse_file(struct cfg_parser *p, const struct cfg_src *from, int line,
		      const char *path)
{
	struct ly_buf data;
	char *real = realpath(path, NULL);
	int rc;

	if (!real)
		return read_failed(p, from, line, path, errno);
	rc = from ? check_cycle(p, from, line, path, real) : 0;
	if (!rc)
		rc = count_open(p, from, line);
	if (rc) {
		free(real);
		return rc;
	}
	ly_buf_init(&data);
	rc = read_charged(p, from, line, path, &data);
	if (rc) {
		free(real);
	} else {
		p->open[p->depth++] = real;
		rc = parse_text(p, intern_file(p, path), ly_buf_str(&data), data.len);
		free(p->open[--p->depth]);
	}
	ly_buf_free(&data);
	return rc;
}

static bool has_glob_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The config dir is a literal prefix of the pattern: a directory named
 * "pbx[1]" must not turn into a character class. */
static void append_glob_escaped(struct ly_buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[\\", *s))
			ly_buf_append(b, "\\", 1);
		ly_buf_append(b, s, 1);
	}
}

static char *include_pattern(const struct cfg_parser *p, const char *arg)
{
	struct ly_buf b;

	ly_buf_init(&b);
	if (arg[0] != '/') {
		append_glob_escaped(&b, p->confdir);
		ly_buf_puts(&b, "/");
	}
	ly_buf_puts(&b, arg);
	return b.data;
}

/* Strip the "file" or <file> quotes Asterisk accepts around the name. */
static int unquote_include(struct cfg_parser *p, const struct cfg_src *src, int line,
			   const char *directive, char **argp)
{
	char *arg = *argp;
	size_t len = strlen(arg);
	char close;

	if (arg[0] != '"' && arg[0] != '<')
		return 0;
	close = arg[0] == '"' ? '"' : '>';
	if (len < 2 || arg[len - 1] != close)
		return cfg_fail(p, src->name, line, "#%s %s: missing closing '%c'",
				directive, arg, close);
	arg[len - 1] = '\0';
	*argp = ly_strstrip(arg + 1);
	return 0;
}

static int include_matches(struct cfg_parser *p, const struct cfg_src *src, int line,
			   const glob_t *g)
{
	int rc = 0;

	for (size_t i = 0; i < g->gl_pathc && !rc; i++)
		rc = parse_file(p, src, line, g->gl_pathv[i]);
	return rc;
}

/*
 * A literal "#include file" naming a missing file is an error, although
 * Asterisk only logs and goes on: a silently dropped sip.conf include
 * means phones that stop registering with nothing in the reload output.
 * A pattern that matches nothing is fine (an empty conf.d/ is a normal
 * state), and #tryinclude is silent by definition.
 */
static int do_include(struct cfg_parser *p, const struct cfg_src *src, int line,
		      const char *directive, char *arg, bool optional)
{
	glob_t g;
	char *pattern;
	int rc;

	rc = unquote_include(p, src, line, directive, &arg);
	if (rc)
		return rc;
	if (!*arg)
		return cfg_fail(p, src->name, line, "#%s needs a file name", directive);
	if (!p->confdir)
		return cfg_fail(p, src->name, line,
				"#%s is not allowed here (no config directory)", directive);
	if (p->depth > LY_CFG_MAX_INCLUDE_DEPTH)
		return cfg_fail(p, src->name, line, "#%s nested deeper than %d files",
				directive, LY_CFG_MAX_INCLUDE_DEPTH);
	pattern = include_pattern(p, arg);
	rc = glob(pattern, 0, NULL, &g);
	if (rc == 0)
		rc = include_matches(p, src, line, &g);
	else if (rc == GLOB_NOMATCH)
		rc = optional || has_glob_magic(arg) ? 0 :
			cfg_fail(p, src->name, line, "#%s \"%s\": no such file", directive, arg);
	else
		rc = cfg_fail(p, src->name, line, "#%s \"%s\": cannot read the directory",
			      directive, arg);
	globfree(&g);
	free(pattern);
	return rc;
}

static int parse_directive(struct cfg_parser *p, const struct cfg_src *src, int line, char *text)
{
	char *word = text + 1;
	size_t wlen = strcspn(word, " \t");
	char *arg = word + wlen;

	if (*arg)
		*arg++ = '\0';
	arg = ly_strstrip(arg);
	if (strcmp(word, "include") == 0)
		return do_include(p, src, line, word, arg, false);
	if (strcmp(word, "tryinclude") == 0)
		return do_include(p, src, line, word, arg, true);
	if (strcmp(word, "exec") == 0 || strcmp(word, "tryexec") == 0)
		return cfg_fail(p, src->name, line,
				"#%s is refused: Lyre does not run programs from config files",
				word);
	return cfg_fail(p, src->name, line, "unknown directive '#%s'", word);
}

/* ---- lines and comments ---- */

static int parse_logical_line(struct cfg_parser *p, const struct cfg_src *src, int line, char *text)
{
	ly_strstrip(text);
	if (!*text)
		return 0;
	if (text[0] == '[')
		return parse_section(p, src, line, text);
	if (text[0] == '#')
		return parse_directive(p, src, line, text);
	return parse_entry(p, src, line, text);
}

static void keep_char(struct cfg_src *src, char c)
{
	if (!src->logical_has_text && c != ' ' && c != '\t' && c != '\r') {
		src->logical_has_text = true;
		src->logical_line = src->line;
	}
	ly_buf_append(&src->logical, &c, 1);
}

/* ";--" opens a block comment, but ";---" (a ruler of dashes) is a plain
 * comment: the same test Asterisk's config.c makes. */
static bool opens_block(const char *s, size_t i, size_t n)
{
	return i + 2 < n && s[i + 1] == '-' && s[i + 2] == '-' && (i + 3 == n || s[i + 3] != '-');
}

static bool closes_block(const char *s, size_t i, size_t n)
{
	return i + 2 < n && s[i] == '-' && s[i + 1] == '-' && s[i + 2] == ';';
}

/* Copy what is not comment from one physical line into src->logical. */
static void strip_comments(struct cfg_src *src, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (src->comment_depth > 0) {
			if (s[i] == ';' && opens_block(s, i, n)) {
				src->comment_depth++;
				i += 2;
			} else if (closes_block(s, i, n)) {
				src->comment_depth--;
				i += 2;
			}
			continue;
		}
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == ';') {
			keep_char(src, ';');
			i++;
		} else if (s[i] == ';' && opens_block(s, i, n)) {
			src->comment_depth = 1;
			src->comment_line = src->line;
			i += 2;
		} else if (s[i] == ';') {
			return;
		} else {
			keep_char(src, s[i]);
		}
	}
}

static int check_physical_line(struct cfg_parser *p, const struct cfg_src *src,
			       const char *s, size_t n)
{
	if (n > LY_CFG_MAX_LINE)
		return cfg_fail(p, src->name, src->line, "line longer than %d bytes",
				LY_CFG_MAX_LINE);
	if (memchr(s, '\0', n))
		return cfg_fail(p, src->name, src->line, "NUL byte in line");
	return 0;
}

static int parse_physical_line(struct cfg_parser *p, struct cfg_src *src, const char *s, size_t n)
{
	int rc = check_physical_line(p, src, s, n);

	if (rc)
		return rc;
	strip_comments(src, s, n);
	if (src->comment_depth > 0)
		return 0;	/* the logical line goes on after the comment */
	/* Text on both sides of a multi-line block comment joins into one
	 * line, as in Asterisk; it must still fit the line limit. */
	if (src->logical.len > LY_CFG_MAX_LINE)
		return cfg_fail(p, src->name, src->logical_line, "line longer than %d bytes",
				LY_CFG_MAX_LINE);
	if (src->logical_has_text)
		rc = parse_logical_line(p, src, src->logical_line, src->logical.data);
	ly_buf_reset(&src->logical);
	src->logical_has_text = false;
	return rc;
}

static int parse_text(struct cfg_parser *p, const char *name, const char *text, size_t len)
{
	struct cfg_src src = { .name = name };
	size_t pos = 0;
	int rc = 0;

	ly_buf_init(&src.logical);
	while (pos < len && !rc) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		src.line++;
		rc = parse_physical_line(p, &src, text + pos, n);
		pos += n + 1;
	}
	if (!rc && src.comment_depth > 0)
		rc = cfg_fail(p, name, src.comment_line, "block comment ';--' is never closed");
	ly_buf_free(&src.logical);
	return rc;
}

/* ---- public API ---- */

static void parser_init(struct cfg_parser *p, struct ly_cfg_error *err, const char *confdir)
{
	memset(p, 0, sizeof(*p));
	p->err = err;
	p->err->msg[0] = '\0';
	p->confdir = confdir ? ly_strdup(confdir) : NULL;
	p->cfg = ly_calloc(1, sizeof(*p->cfg));
	p->cfg->files = ly_calloc(1, sizeof(char *));
}

static int parser_finish(struct cfg_parser *p, int rc, struct ly_config **cfgp)
{
	free(p->confdir);
	if (rc) {
		ly_config_free(p->cfg);
		*cfgp = NULL;
		return rc;
	}
	*cfgp = p->cfg;
	return 0;
}

/* Without a confdir, a file's includes resolve next to it. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return ly_strdup(".");
	if (slash == path)
		return ly_strdup("/");
	return ly_strndup(path, (size_t)(slash - path));
}

int ly_config_load(const char *confdir, const char *filename,
		   struct ly_config **cfgp, struct ly_cfg_error *err)
{
	struct ly_cfg_error scratch;
	struct cfg_parser p;
	char *path;
	int rc;

	if (filename[0] == '/' || !confdir)
		path = ly_strdup(filename);
	else
		path = ly_asprintf("%s/%s", confdir, filename);
	parser_init(&p, err ? err : &scratch, confdir);
	if (!confdir)
		p.confdir = dir_of(path);
	rc = parse_file(&p, NULL, 0, path);
	free(path);
	return parser_finish(&p, rc, cfgp);
}

int ly_config_parse_buffer(const char *confdir, const char *name,
			   const char *text, size_t len,
			   struct ly_config **cfgp, struct ly_cfg_error *err)
{
	struct ly_cfg_error scratch;
	struct cfg_parser p;
	int rc;

	parser_init(&p, err ? err : &scratch, confdir);
	p.open[p.depth++] = NULL;	/* a buffer cannot be included again */
	name = intern_file(&p, name ? name : "(buffer)");
	rc = charge_bytes(&p, name, 0, len);
	if (!rc)
		rc = parse_text(&p, name, text, len);
	p.depth--;
	return parser_finish(&p, rc, cfgp);
}

static void free_vars(struct ly_cfg_var *v)
{
	while (v) {
		struct ly_cfg_var *next = v->next;

		free(v->name);
		free(v->value);
		free(v);
		v = next;
	}
}

static void free_strv(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

void ly_config_free(struct ly_config *cfg)
{
	struct ly_cfg_section *s, *next;

	if (!cfg)
		return;
	for (s = cfg->sections; s; s = next) {
		next = s->next;
		free_vars(s->vars);
		free_strv(s->templates);
		free(s->name);
		free(s);
	}
	free_strv(cfg->files);
	free(cfg);
}

/* The first section of that name; pjsip-style configs that reuse a name
 * walk cfg->sections themselves. */
struct ly_cfg_section *ly_cfg_section(const struct ly_config *cfg, const char *name)
{
	if (!cfg || !name)
		return NULL;
	for (struct ly_cfg_section *s = cfg->sections; s; s = s->next)
		if (ly_strcaseeq(s->name, name))
			return s;
	return NULL;
}

const struct ly_cfg_var *ly_cfg_section_var(const struct ly_cfg_section *s, const char *name)
{
	const struct ly_cfg_var *found = NULL;

	if (!s || !name)
		return NULL;
	for (const struct ly_cfg_var *v = s->vars; v; v = v->next)
		if (ly_strcaseeq(v->name, name))
			found = v;
	return found;
}

const char *ly_cfg_section_get(const struct ly_cfg_section *s, const char *name)
{
	const struct ly_cfg_var *v = ly_cfg_section_var(s, name);

	return v ? v->value : NULL;
}

/* Looks through every section of that name, so "[x](+)" and a repeated
 * "[x]" both override what came before. */
const char *ly_cfg_get(const struct ly_config *cfg, const char *section, const char *name)
{
	const char *value = NULL;

	if (!cfg || !section || !name)
		return NULL;
	for (const struct ly_cfg_section *s = cfg->sections; s; s = s->next) {
		const char *v = ly_strcaseeq(s->name, section) ? ly_cfg_section_get(s, name) : NULL;

		if (v)
			value = v;
	}
	return value;
}
