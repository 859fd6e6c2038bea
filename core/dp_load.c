/* core/dp_load.c - build a dialplan from extensions.conf: [general], [globals], contexts and their entries. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_int.h"
#include "dp_load.h"
#include "lyre/config.h"
#include "lyre/timing.h"
#include "lyre/utils.h"

/*
 * Like core/config.c this file does not log: a fatal problem goes into
 * the caller's struct ly_cfg_error as "file:line: why", and anything
 * worth a warning is kept in the plan (dp_plan_foreach_warning) for the
 * caller to log or print.  That keeps the fuzz target free of the core.
 */

int dp_load_fail(struct dp_load *ld, const char *file, int line, const char *fmt, ...)
{
	size_t size = sizeof(ld->err->msg);
	va_list ap;
	int n = snprintf(ld->err->msg, size, "%s:%d: ", file, line);

	if (n < 0 || (size_t)n >= size)
		return EINVAL;
	va_start(ap, fmt);
	vsnprintf(ld->err->msg + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return EINVAL;
}

const char *dp_load_file(const struct dp_load *ld, const char *cfg_file)
{
	for (size_t i = 0; ld->cfg->files[i]; i++)
		if (ld->cfg->files[i] == cfg_file || strcmp(ld->cfg->files[i], cfg_file) == 0)
			return ld->files[i];
	return dp_arena_strdup(ld->plan, cfg_file);	/* not reached: every file is listed */
}

/* ---- [general] ---- */

static bool general_flag(struct dp_load *ld, const struct ly_cfg_var *v)
{
	if (!ly_true(v->value) && !ly_false(v->value))
		dp_plan_warn(ld->plan, v->file, v->line,
			     "[general] %s = '%s' is not yes or no: taken as no", v->name, v->value);
	return ly_true(v->value);
}

static void load_general(struct dp_load *ld, const struct ly_cfg_section *s)
{
	struct dp_general *g = &ld->plan->general;

	for (const struct ly_cfg_var *v = s->vars; v; v = v->next) {
		if (ly_strcaseeq(v->name, "static"))
			g->static_plan = general_flag(ld, v);
		else if (ly_strcaseeq(v->name, "writeprotect"))
			g->writeprotect = general_flag(ld, v);
		else if (ly_strcaseeq(v->name, "clearglobalvars"))
			g->clearglobalvars = general_flag(ld, v);
		else if (ly_strcaseeq(v->name, "autofallthrough"))
			g->autofallthrough = general_flag(ld, v);
		else
			dp_plan_warn(ld->plan, v->file, v->line,
				     "[general] setting '%s' is not supported by Lyre: ignored",
				     v->name);
	}
}

/* ---- [globals] ---- */

static void load_globals(struct dp_load *ld, const struct ly_cfg_section *s)
{
	struct dp_plan *plan = ld->plan;

	for (const struct ly_cfg_var *v = s->vars; v; v = v->next) {
		if (plan->nglobal == plan->capglobal) {
			plan->capglobal = plan->capglobal ? plan->capglobal * 2 : 16;
			plan->globals = ly_realloc(plan->globals,
						   plan->capglobal * sizeof(*plan->globals));
		}
		plan->globals[plan->nglobal].name = dp_arena_strdup(plan, v->name);
		plan->globals[plan->nglobal].value = dp_arena_strdup(plan, v->value);
		plan->nglobal++;
	}
}

/* ---- include => ctx[,times,weekdays,mdays,months[,tz]] ---- */

static bool has_include(const struct dp_context *ctx, const char *name, const char *spec)
{
	for (unsigned i = 0; i < ctx->ninclude; i++)
		if (strcmp(ctx->includes[i].name, name) == 0 &&
		    strcmp(ctx->includes[i].spec ? ctx->includes[i].spec : "", spec) == 0)
			return true;
	return false;
}

static int add_include(struct dp_load *ld, const char *name, const char *spec,
		       const struct ly_timing *t, const struct ly_cfg_var *v)
{
	struct dp_context *ctx = ld->ctx;
	struct dp_include *inc;

	if (has_include(ctx, name, spec)) {
		dp_plan_warn(ld->plan, v->file, v->line, "context '%s' already includes '%s'",
			     ctx->name, name);
		return 0;
	}
	if (ctx->ninclude == ctx->capinclude) {
		ctx->capinclude = ctx->capinclude ? ctx->capinclude * 2 : 4;
		ctx->includes = ly_realloc(ctx->includes, ctx->capinclude * sizeof(*inc));
	}
	inc = &ctx->includes[ctx->ninclude++];
	memset(inc, 0, sizeof(*inc));
	inc->name = dp_arena_strdup(ld->plan, name);
	inc->spec = *spec ? dp_arena_strdup(ld->plan, spec) : NULL;
	inc->timed = t != NULL;
	if (t)
		inc->timing = *t;
	inc->file = dp_load_file(ld, v->file);
	inc->line = v->line;
	return 0;
}

static int load_include(struct dp_load *ld, const struct ly_cfg_var *v)
{
	char *text = ly_strdup(v->value);
	size_t cut = strcspn(text, ",|");
	char *spec = text[cut] ? ly_strstrip(text + cut + 1) : text + cut;
	struct ly_timing t;
	struct ly_buf why;
	int rc = 0;

	text[cut] = '\0';
	ly_strstrip(text);
	ly_buf_init(&why);
	if (!*text)
		rc = dp_load_fail(ld, v->file, v->line, "include => needs a context name");
	else if (*spec && ly_timing_parse(spec, &t, &why) != 0)
		rc = dp_load_fail(ld, v->file, v->line, "include => %s: bad time range '%s': %s",
				  text, spec, ly_buf_str(&why));
	else
		rc = add_include(ld, text, spec, *spec ? &t : NULL, v);
	ly_buf_free(&why);
	free(text);
	return rc;
}

/* ---- ignorepat => pattern ---- */

static int load_ignorepat(struct dp_load *ld, const struct ly_cfg_var *v)
{
	struct dp_context *ctx = ld->ctx;
	struct dp_ignorepat *ig;
	char key[DP_MAX_KEY];
	const char *why = NULL;

	if (!*v->value)
		return dp_load_fail(ld, v->file, v->line, "ignorepat => needs a pattern");
	if (dp_pattern_check(v->value, &why) || !dp_key_copy(v->value, key, sizeof(key)))
		return dp_load_fail(ld, v->file, v->line, "ignorepat => %s: %s", v->value,
				    why ? why : "too long");
	if (ctx->nignore == ctx->capignore) {
		ctx->capignore = ctx->capignore ? ctx->capignore * 2 : 4;
		ctx->ignorepats = ly_realloc(ctx->ignorepats, ctx->capignore * sizeof(*ig));
	}
	ig = &ctx->ignorepats[ctx->nignore++];
	memset(ig, 0, sizeof(*ig));
	ig->pattern = dp_arena_strdup(ld->plan, v->value);
	ig->key = dp_arena_strdup(ld->plan, key);
	ig->is_pattern = v->value[0] == '_';
	if (ig->is_pattern)
		dp_pat_compile(v->value, &ig->pat);
	ig->file = dp_load_file(ld, v->file);
	ig->line = v->line;
	return 0;
}

/* ---- contexts ---- */

static int load_entry(struct dp_load *ld, const struct ly_cfg_var *v)
{
	if (ly_strcaseeq(v->name, "exten"))
		return dp_load_exten(ld, v, false);
	if (ly_strcaseeq(v->name, "same"))
		return dp_load_exten(ld, v, true);
	if (ly_strcaseeq(v->name, "include"))
		return load_include(ld, v);
	if (ly_strcaseeq(v->name, "ignorepat"))
		return load_ignorepat(ld, v);
	if (ly_strcaseeq(v->name, "switch") || ly_strcaseeq(v->name, "lswitch") ||
	    ly_strcaseeq(v->name, "eswitch"))
		dp_plan_warn(ld->plan, v->file, v->line,
			     "%s => is not supported by Lyre (no dialplan switches): ignored",
			     v->name);
	else
		dp_plan_warn(ld->plan, v->file, v->line,
			     "unknown entry '%s' in context [%s]: ignored", v->name, ld->ctx->name);
	return 0;
}

static int load_context(struct dp_load *ld, const struct ly_cfg_section *s)
{
	ld->ctx = dp_context_get_or_add(ld->plan, s->name, dp_load_file(ld, s->file), s->line);
	ld->last_exten = NULL;
	ld->lastpri = 0;
	for (const struct ly_cfg_var *v = s->vars; v; v = v->next) {
		int rc = load_entry(ld, v);

		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Every section but [general] and [globals] is a context, as in
 * Asterisk's pbx_config.  Templates ([name](!)) only exist to be copied
 * into other sections, so they are not contexts of their own.
 */
static int load_sections(struct dp_load *ld, const struct ly_config *cfg)
{
	for (const struct ly_cfg_section *s = cfg->sections; s; s = s->next) {
		int rc = 0;

		if (s->is_template)
			continue;
		if (ly_strcaseeq(s->name, "general"))
			load_general(ld, s);
		else if (ly_strcaseeq(s->name, "globals"))
			load_globals(ld, s);
		else
			rc = load_context(ld, s);
		if (rc)
			return rc;
	}
	return 0;
}

static int build_plan(struct ly_config *cfg, struct dp_plan **out, struct ly_cfg_error *err)
{
	struct dp_load ld = { .plan = dp_plan_new(), .err = err, .cfg = cfg };
	size_t nfiles = 0;
	int rc;

	/* file names live in cfg, which goes: the plan keeps its own copies */
	while (cfg->files[nfiles])
		nfiles++;
	ld.files = ly_calloc(nfiles + 1, sizeof(*ld.files));
	for (size_t i = 0; i < nfiles; i++)
		ld.files[i] = dp_arena_strdup(ld.plan, cfg->files[i]);
	rc = load_sections(&ld, cfg);
	free(ld.files);
	if (!rc) {
		dp_plan_finish(ld.plan);
		*out = ld.plan;
	} else {
		dp_plan_unref(ld.plan);
		*out = NULL;
	}
	ly_config_free(cfg);
	return rc;
}

int dp_plan_load(const char *confdir, const char *filename, struct dp_plan **out,
		 struct ly_cfg_error *err)
{
	struct ly_cfg_error scratch;
	struct ly_config *cfg;
	int rc;

	*out = NULL;
	if (!err)
		err = &scratch;
	rc = ly_config_load(confdir, filename, &cfg, err);
	return rc ? rc : build_plan(cfg, out, err);
}

int dp_plan_parse_buffer(const char *confdir, const char *name, const char *text,
			 size_t len, struct dp_plan **out, struct ly_cfg_error *err)
{
	struct ly_cfg_error scratch;
	struct ly_config *cfg;
	int rc;

	*out = NULL;
	if (!err)
		err = &scratch;
	rc = ly_config_parse_buffer(confdir, name, text, len, &cfg, err);
	return rc ? rc : build_plan(cfg, out, err);
}
