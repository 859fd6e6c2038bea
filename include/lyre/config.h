/*
 * lyre/config.h - the Asterisk .conf parser.
 *
 * Syntax (compatible with Asterisk's config files):
 *   [section]                 a section
 *   [name](!)                 a template: kept, but flagged so users skip it
 *   [name](tmpl1,tmpl2)       a section that starts with the templates' entries
 *   [name](!,tmpl)            a template built from another template
 *   [name](+)                 add entries to an existing section
 *   key = value               an entry
 *   key => value              an "object" entry (exten =>, include =>, load =>)
 *   ; comment  ;-- block --;  comments; "\;" is a literal semicolon
 *   #include "file" / <glob>  include files, relative paths from the config dir
 *   #tryinclude file          the same, silent when nothing matches
 *   #exec ...                 refused with an error (Lyre runs no programs
 *                             from config files)
 *
 * Section and entry names compare case-insensitively, as in Asterisk.
 * Every entry remembers the file and line it came from, and every parse
 * error names file:line.  Parsing never changes running state: a module
 * parses into a new struct ly_config and swaps it in only when the parse
 * (and its own checks) succeeded, so a broken reload keeps the old config.
 */
#ifndef LYRE_CONFIG_H
#define LYRE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct ly_cfg_var {
	struct ly_cfg_var *next;
	char *name;
	char *value;
	const char *file;	/* owned by the config; valid while it lives */
	int line;
	bool object;		/* written with => */
	bool inherited;		/* copied from a template */
};

struct ly_cfg_section {
	struct ly_cfg_section *next;
	char *name;
	const char *file;
	int line;
	bool is_template;	/* [name](!) */
	char **templates;	/* NULL-terminated names it was built from */
	struct ly_cfg_var *vars;	/* in file order, template entries first */
};

struct ly_config {
	struct ly_cfg_section *sections;	/* in file order */
	char **files;			/* every file read, NULL-terminated */
};

/* Limits that keep a hostile or broken file from exhausting memory. */
#define LY_CFG_MAX_INCLUDE_DEPTH 10
#define LY_CFG_MAX_LINE 8192

struct ly_cfg_error {
	char msg[512];		/* "file:line: what is wrong" */
};

/*
 * Parse `filename` (relative to `confdir` unless absolute).  On success
 * returns 0 and sets *cfgp; on failure returns an errno value (ENOENT when
 * the file is missing, EINVAL for a syntax error) and fills err->msg.
 */
int ly_config_load(const char *confdir, const char *filename,
		   struct ly_config **cfgp, struct ly_cfg_error *err);
/* Parse from memory; `name` is used in messages.  #include resolves
 * against confdir (may be NULL to refuse includes). */
int ly_config_parse_buffer(const char *confdir, const char *name,
			   const char *text, size_t len,
			   struct ly_config **cfgp, struct ly_cfg_error *err);
void ly_config_free(struct ly_config *cfg);

struct ly_cfg_section *ly_cfg_section(const struct ly_config *cfg, const char *name);
/* Value of the last entry `name` in `section` (later entries override
 * earlier ones, so a section can override what a template set); NULL if none. */
const char *ly_cfg_get(const struct ly_config *cfg, const char *section, const char *name);
const struct ly_cfg_var *ly_cfg_section_var(const struct ly_cfg_section *s, const char *name);
const char *ly_cfg_section_get(const struct ly_cfg_section *s, const char *name);

#endif
