/*
 * core/dp_int.h - the inside of a parsed dialplan, shared by the files
 * that build it (dp_load.c), search it (dp_plan.c, dp_pattern.c), run it
 * (dp_current.c) and show it (dp_cli.c).  Nothing outside core/dp_*.c
 * includes this: the rest of the core uses core/dialplan.h.
 *
 * Layout, chosen for lookups that never allocate:
 *   - every string lives in the plan's arena and dies with the plan;
 *   - a context keeps its literal extensions sorted by match key (names
 *     with the '-' fluff removed) with an open-addressing hash on top, and
 *     its patterns in Asterisk's order (dp_pattern_cmp), each compiled to
 *     one 256-bit character set per position.
 */
#ifndef LYRE_CORE_DP_INT_H
#define LYRE_CORE_DP_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dialplan.h"
#include "lyre/timing.h"

/* Longest literal extension or caller id we compare (Asterisk stores
 * names in 256-byte buffers); longer dialled strings only meet patterns. */
#define DP_MAX_KEY 256

/* ---- compiled patterns (dp_pattern.c) ---- */

struct dp_cset {
	uint64_t w[4];		/* bit c set: character c matches here */
};

enum dp_tail {
	DP_TAIL_NONE,		/* the pattern ends after its last position */
	DP_TAIL_DOT,		/* '.': one or more of anything */
	DP_TAIL_BANG,		/* '!': zero or more, and early match */
};

struct dp_pat {
	unsigned npos;
	enum dp_tail tail;
	struct dp_cset *pos;	/* npos sets (arena or malloc, see below) */
};

/* Results of matching one pattern, as Asterisk's extension_match_core. */
enum dp_hit {
	DP_HIT_NONE = 0,
	DP_HIT_MATCH = 1,
	DP_HIT_EARLY = 2,	/* matched a '!': final for MATCHMORE */
};

/* Check a "_..." pattern's syntax (an unterminated '['); 0 or EINVAL
 * with a reason in why. */
int dp_pattern_check(const char *pattern, const char **why);
/* Compile "_NXX" (with the '_'); pos is malloc'd: free with dp_pat_free. */
void dp_pat_compile(const char *pattern, struct dp_pat *out);
void dp_pat_free(struct dp_pat *p);
enum dp_hit dp_pat_match(const struct dp_pat *p, const char *data, enum dp_match_mode mode);
/* A literal extension name against dialled data (the '-' fluff ignored). */
enum dp_hit dp_literal_match(const char *key, const char *data, enum dp_match_mode mode);
/* Copy s without '-' (and without spaces) into out; false when too long. */
bool dp_key_copy(const char *s, char *out, size_t size);

/* ---- the plan ---- */

struct dp_arena_chunk;

struct dp_exten {
	const char *name;	/* as written, spaces removed: "_1XX", "555-1234" */
	const char *key;	/* literal match key: name without '-' */
	const char *cid;	/* caller-id pattern, NULL for none */
	bool is_pattern;
	struct dp_pat pat;	/* when is_pattern */
	bool cid_is_pattern;
	struct dp_pat cidpat;	/* when cid_is_pattern */
	const char *cidkey;	/* literal cid without fluff */
	struct dp_prio *prios;	/* ascending priority */
	unsigned nprio, capprio;
	const char *hint;	/* NULL if none */
	const char *hint_file;
	int hint_line;
	const char *file;	/* first line that named it */
	int line;
};

struct dp_include {
	const char *name;	/* context name */
	const char *spec;	/* as written after the name ("9:00-17:00,mon-fri,*,*"), or NULL */
	struct dp_context *ctx;	/* NULL when the context does not exist */
	bool timed;
	struct ly_timing timing;
	const char *file;
	int line;
};

struct dp_ignorepat {
	const char *pattern;	/* as written */
	const char *key;	/* literal: without '-' */
	bool is_pattern;
	struct dp_pat pat;	/* when is_pattern */
	const char *file;
	int line;
};

struct dp_context {
	const char *name;
	const char *file;
	int line;
	struct dp_exten **extens;	/* every extension, in file order (building) */
	unsigned nexten, capexten;
	struct dp_exten **literals;	/* sorted by key, then cid order */
	unsigned nlit;
	uint32_t *lit_hash;		/* 1 + index of the first literal with that key */
	uint32_t lit_mask;
	struct dp_exten **patterns;	/* Asterisk's order */
	unsigned npat;
	struct dp_include *includes;
	unsigned ninclude, capinclude;
	struct dp_ignorepat *ignorepats;
	unsigned nignore, capignore;
	/* building: (key, cid) -> extension */
	uint32_t *build_hash;
	uint32_t build_mask;
};

struct dp_global {
	const char *name;
	const char *value;
};

struct dp_plan {
	atomic_uint refs;
	struct dp_general general;
	struct dp_context **contexts;	/* file order */
	unsigned ncontext, capcontext;
	uint32_t *ctx_hash;		/* 1 + index into contexts */
	uint32_t ctx_mask;
	struct dp_global *globals;
	unsigned nglobal, capglobal;
	char **warnings;		/* "file:line: ..." that did not stop the load */
	unsigned nwarning, capwarning;
	unsigned nexten_total;
	unsigned nprio_total;
	struct dp_arena_chunk *arena;
};

/* Building (dp_plan.c). */
struct dp_plan *dp_plan_new(void);
const char *dp_arena_strdup(struct dp_plan *plan, const char *s);
const char *dp_arena_strndup(struct dp_plan *plan, const char *s, size_t n);
void dp_plan_warn(struct dp_plan *plan, const char *file, int line, const char *fmt, ...)
	LY_PRINTF(4, 5);
struct dp_context *dp_context_get_or_add(struct dp_plan *plan, const char *name,
					 const char *file, int line);
/* The extension (name, cid) of ctx, created when absent. */
struct dp_exten *dp_exten_get_or_add(struct dp_plan *plan, struct dp_context *ctx,
				     const char *name, const char *cid, const char *file, int line);
/* Add a priority (its strings already in the arena); EEXIST with *clash
 * set when the extension has that priority already. */
int dp_exten_add_prio(struct dp_exten *e, const struct dp_prio *prio,
		      const struct dp_prio **clash);
/* Sort, hash and resolve includes; once, after the last line. */
void dp_plan_finish(struct dp_plan *plan);

/* Searching (dp_plan.c). */
struct dp_context *dp_context_find(const struct dp_plan *plan, const char *name);
uint32_t dp_hash_str(const char *s);	/* FNV-1a */
/* Does caller id cid satisfy e's caller-id condition (none: always)? */
bool dp_exten_cid_ok(const struct dp_exten *e, const char *cid);
/* Include contexts are searched once per lookup, at most this many (the
 * stack Asterisk allows, AST_PBX_MAX_STACK). */
#define DP_MAX_SEARCH 128

/* Each warning of the load, for the caller to log or print. */
void dp_plan_foreach_warning(const struct dp_plan *plan,
			     void (*fn)(const char *msg, void *arg), void *arg);

/* The console commands (dp_cli.c).  0 or an errno value. */
int dp_cli_register(void);
void dp_cli_unregister(void);

#endif
