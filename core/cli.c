/* core/cli.c - the registry of console commands: lookup, execution, help and completion. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "lyre/cli.h"
#include "lyre/log.h"
#include "lyre/module.h"
#include "lyre/obj.h"
#include "lyre/utils.h"

#include "cli_int.h"

/*
 * Threads and lifetime.  The registry is guarded by `registry_lock`; any
 * thread may look commands up.  Handlers and complete() callbacks are
 * called WITHOUT the lock, so they may register and unregister commands
 * (`module unload` removes a module's commands while its own entry runs).
 * During a call the caller holds a reference on the entry, so the entry
 * outlives its removal from the registry.  The command structure itself
 * belongs to its module: it stays valid because commands are unregistered
 * only on the loop thread, which is the thread running the handler, and
 * the loader never unloads the module whose handler is on the stack.
 */

/* One registered command; reference counted (lyre/obj.h). */
struct cli_entry {
	const struct ly_cli_command *cmd;
	struct ly_module *owner;
	char **words;
	int nwords;
};

static pthread_rwlock_t registry_lock = PTHREAD_RWLOCK_INITIALIZER;
/* Sorted by words (case-insensitive), so `help` lists in order. */
static struct cli_entry **entries;
static size_t n_entries, cap_entries;

struct ly_cli_completion {
	const char *prefix;	/* only words starting with it are kept */
	char **words;
	size_t n, cap;
};

/* ---- words ---- */

static void words_free(char **words, int n)
{
	for (int i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

static void words_push(char ***words, int *n, struct ly_buf *w)
{
	*words = ly_realloc(*words, sizeof(**words) * (size_t)(*n + 1));
	(*words)[(*n)++] = ly_strdup(ly_buf_str(w));
	ly_buf_reset(w);
}

/*
 * Split a line into words: blanks separate, double quotes group, a
 * backslash takes the next character literally.  An unterminated quote
 * ends with the line, which lets completion work inside a quoted word.
 * *trailing_blank tells whether the line ends outside a word.
 */
static int split_words(const char *line, char ***out, bool *trailing_blank)
{
	struct ly_buf w;
	char **words = NULL;
	int n = 0;
	bool in_word = false, quoted = false;

	ly_buf_init(&w);
	for (const char *p = line; *p; p++) {
		if (*p == '\\' && p[1]) {
			ly_buf_append(&w, ++p, 1);
			in_word = true;
		} else if (*p == '"') {
			quoted = !quoted;
			in_word = true;
		} else if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
			if (in_word)
				words_push(&words, &n, &w);
			in_word = false;
		} else {
			ly_buf_append(&w, p, 1);
			in_word = true;
		}
	}
	if (in_word)
		words_push(&words, &n, &w);
	ly_buf_free(&w);
	if (trailing_blank)
		*trailing_blank = !in_word;
	*out = words;
	return n;
}

static int compare_words(char *const *a, int na, char *const *b, int nb)
{
	for (int i = 0; i < na && i < nb; i++) {
		int c = strcasecmp(a[i], b[i]);

		if (c)
			return c;
	}
	return na - nb;
}

/* True when the entry's first n words equal words[0..n). */
static bool entry_starts_with(const struct cli_entry *e, char *const *words, int n)
{
	if (e->nwords < n)
		return false;
	for (int i = 0; i < n; i++)
		if (strcasecmp(e->words[i], words[i]))
			return false;
	return true;
}

static bool word_has_prefix(const char *word, const char *prefix)
{
	return strncasecmp(word, prefix, strlen(prefix)) == 0;
}

/* True when each of words[0..n) starts the entry's word at its place. */
static bool entry_abbreviates(const struct cli_entry *e, char *const *words, int n)
{
	if (e->nwords < n)
		return false;
	for (int i = 0; i < n; i++)
		if (!word_has_prefix(e->words[i], words[i]))
			return false;
	return true;
}

/* ---- entries ---- */

static void entry_destroy(void *obj)
{
	struct cli_entry *e = obj;

	words_free(e->words, e->nwords);
}

static struct cli_entry *entry_new(struct ly_module *owner, const struct ly_cli_command *cmd)
{
	struct cli_entry *e = ly_obj_alloc(sizeof(*e), entry_destroy);

	e->cmd = cmd;
	e->owner = owner;
	e->nwords = split_words(cmd->command, &e->words, NULL);
	return e;
}

/* Caller holds the lock.  Index of the entry for cmd, or -1. */
static ssize_t find_by_cmd(const struct ly_cli_command *cmd)
{
	for (size_t i = 0; i < n_entries; i++)
		if (entries[i]->cmd == cmd)
			return (ssize_t)i;
	return -1;
}

/* Caller holds the write lock. */
static int insert_entry(struct cli_entry *e)
{
	size_t at = 0;

	if (find_by_cmd(e->cmd) >= 0)
		return EEXIST;
	while (at < n_entries) {
		int c = compare_words(entries[at]->words, entries[at]->nwords, e->words, e->nwords);

		if (c == 0)
			return EEXIST;
		if (c > 0)
			break;
		at++;
	}
	if (n_entries == cap_entries) {
		cap_entries = cap_entries ? cap_entries * 2 : 32;
		entries = ly_realloc(entries, sizeof(*entries) * cap_entries);
	}
	memmove(entries + at + 1, entries + at, sizeof(*entries) * (n_entries - at));
	entries[at] = e;
	n_entries++;
	return 0;
}

/* Take cmd out of the registry; returns its entry (the registry's reference) or NULL. */
static struct cli_entry *remove_entry(const struct ly_cli_command *cmd)
{
	struct cli_entry *e = NULL;
	ssize_t i;

	pthread_rwlock_wrlock(&registry_lock);
	i = find_by_cmd(cmd);
	if (i >= 0) {
		e = entries[i];
		memmove(entries + i, entries + i + 1, sizeof(*entries) * (n_entries - (size_t)i - 1));
		n_entries--;
	}
	pthread_rwlock_unlock(&registry_lock);
	return e;
}

/* The loader's remove callback: the loader already forgot the item. */
static void unregister_tracked(void *item)
{
	ly_unref(remove_entry(item));
}

int ly_cli_register(struct ly_module *owner, const struct ly_cli_command *cmd)
{
	struct cli_entry *e;
	int rc;

	if (!cmd || !cmd->command || !cmd->handler)
		return EINVAL;
	e = entry_new(owner, cmd);
	if (e->nwords == 0) {
		ly_unref(e);
		return EINVAL;
	}
	pthread_rwlock_wrlock(&registry_lock);
	rc = insert_entry(e);
	pthread_rwlock_unlock(&registry_lock);
	if (rc) {
		ly_warning("CLI command '%s' is already registered", cmd->command);
		ly_unref(e);
		return rc;
	}
	/* Outside our lock: the loader takes its own. */
	ly_module_track(owner, (void *)cmd, unregister_tracked);
	return 0;
}

int ly_cli_register_multiple(struct ly_module *owner,
			     const struct ly_cli_command *cmds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = ly_cli_register(owner, &cmds[i]);

		if (rc) {
			while (i-- > 0)
				ly_cli_unregister(&cmds[i]);
			return rc;
		}
	}
	return 0;
}

void ly_cli_unregister(const struct ly_cli_command *cmd)
{
	struct cli_entry *e = remove_entry(cmd);

	if (!e)
		return;
	ly_module_untrack(e->owner, (void *)cmd);
	ly_unref(e);
}

void ly_cli_print(struct ly_cli_args *a, const char *fmt, ...)
{
	va_list ap;

	if (!a->out)
		return;
	va_start(ap, fmt);
	ly_buf_vprintf(a->out, fmt, ap);
	va_end(ap);
}

/* ---- execution ---- */

/* The entry naming the most leading words, with a reference; or NULL. */
static struct cli_entry *find_longest(char *const *words, int n)
{
	struct cli_entry *best = NULL;

	pthread_rwlock_rdlock(&registry_lock);
	for (size_t i = 0; i < n_entries; i++) {
		struct cli_entry *e = entries[i];

		if (e->nwords <= n && entry_starts_with(e, words, e->nwords) &&
		    (!best || e->nwords > best->nwords))
			best = e;
	}
	ly_ref(best);
	pthread_rwlock_unlock(&registry_lock);
	return best;
}

static void print_joined(struct ly_buf *out, char *const *words, int n)
{
	for (int i = 0; i < n; i++)
		ly_buf_printf(out, "%s%s", i ? " " : "", words[i]);
}

static void print_usage(struct ly_buf *out, const struct ly_cli_command *cmd)
{
	const char *usage = cmd->usage ? cmd->usage : cmd->summary;

	if (!usage) {
		ly_buf_printf(out, "Usage: %s\n", cmd->command);
		return;
	}
	ly_buf_puts(out, usage);
	if (!*usage || usage[strlen(usage) - 1] != '\n')
		ly_buf_puts(out, "\n");
}

static enum ly_cli_result run_entry(struct cli_entry *e, char **words, int n, struct ly_buf *out)
{
	struct ly_cli_args a = {
		.argc = n,
		.argv = (const char *const *)words,
		.cmd_words = e->nwords,
		.out = out,
	};
	enum ly_cli_result r = e->cmd->handler(&a);

	if (r == LY_CLI_SUCCESS)
		return LY_CLI_SUCCESS;
	if (r == LY_CLI_SHOWUSAGE)
		print_usage(out, e->cmd);
	return LY_CLI_FAILURE;
}

enum ly_cli_result ly_cli_execute(const char *line, struct ly_buf *out)
{
	char **words;
	int n = split_words(line, &words, NULL);
	struct cli_entry *e;
	enum ly_cli_result r = LY_CLI_SUCCESS;

	if (n == 0)
		goto done;
	e = find_longest(words, n);
	if (!e) {
		ly_buf_puts(out, "No such command '");
		print_joined(out, words, n);
		ly_buf_puts(out, "' (type 'help' for help)\n");
		r = LY_CLI_FAILURE;
		goto done;
	}
	r = run_entry(e, words, n, out);
	ly_unref(e);
done:
	words_free(words, n);
	return r;
}

/* ---- completion ---- */

void ly_cli_complete_add(struct ly_cli_completion *c, const char *word)
{
	if (!word || !word_has_prefix(word, c->prefix))
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->words = ly_realloc(c->words, sizeof(*c->words) * c->cap);
	}
	c->words[c->n++] = ly_strdup(word);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort, drop duplicates, write one per line; returns how many. */
static int completion_emit(struct ly_cli_completion *c, struct ly_buf *out)
{
	int count = 0;

	if (c->n)
		qsort(c->words, c->n, sizeof(*c->words), compare_strings);
	for (size_t i = 0; i < c->n; i++) {
		if (i == 0 || strcmp(c->words[i], c->words[i - 1])) {
			ly_buf_printf(out, "%s\n", c->words[i]);
			count++;
		}
	}
	for (size_t i = 0; i < c->n; i++)
		free(c->words[i]);
	free(c->words);
	return count;
}

/* Next command words after the typed ones, under the read lock. */
static void complete_command_words(char *const *typed, int pos, struct ly_cli_completion *c)
{
	pthread_rwlock_rdlock(&registry_lock);
	for (size_t i = 0; i < n_entries; i++) {
		struct cli_entry *e = entries[i];

		if (e->nwords > pos && entry_starts_with(e, typed, pos))
			ly_cli_complete_add(c, e->words[pos]);
	}
	pthread_rwlock_unlock(&registry_lock);
}

/* Arguments: ask the command that owns the typed words, without the lock held. */
static void complete_arguments(char **typed, int pos, struct ly_cli_completion *c)
{
	struct cli_entry *e = find_longest(typed, pos);

	if (!e)
		return;
	if (e->cmd->complete) {
		struct ly_cli_args a = {
			.argc = pos,
			.argv = (const char *const *)typed,
			.cmd_words = e->nwords,
			.out = NULL,
		};
		e->cmd->complete(&a, pos, c->prefix, c);
	}
	ly_unref(e);
}

/* Candidates for word `pos` of `words` (typed prefix c->prefix). */
static void complete_words(char **words, int pos, struct ly_cli_completion *c)
{
	complete_command_words(words, pos, c);
	complete_arguments(words, pos, c);
}

int ly_cli_completions(const char *line, struct ly_buf *out)
{
	struct ly_cli_completion c = { .prefix = "" };
	bool blank;
	char **words;
	int n = split_words(line, &words, &blank);
	int pos = blank ? n : n - 1;

	c.prefix = blank ? "" : words[pos];
	complete_words(words, pos, &c);
	words_free(words, n);
	return completion_emit(&c, out);
}

/* ---- help ---- */

static void help_list(struct ly_buf *out, char *const *words, int n, bool *found)
{
	pthread_rwlock_rdlock(&registry_lock);
	for (size_t i = 0; i < n_entries; i++) {
		struct cli_entry *e = entries[i];

		/* Words may be abbreviated: "help co sh" lists "core show ...". */
		if (!entry_abbreviates(e, words, n))
			continue;
		ly_buf_printf(out, "%-30s %s\n", e->cmd->command,
			      e->cmd->summary ? e->cmd->summary : "");
		*found = true;
	}
	pthread_rwlock_unlock(&registry_lock);
}

/* The entry whose words are exactly words[0..n), with a reference; or NULL. */
static struct cli_entry *find_exact(char *const *words, int n)
{
	struct cli_entry *e = find_longest(words, n);

	if (e && e->nwords != n)
		e = ly_unref(e);
	return e;
}

static enum ly_cli_result handle_help(struct ly_cli_args *a)
{
	char *const *words = (char *const *)a->argv + a->cmd_words;
	int n = a->argc - a->cmd_words;
	struct cli_entry *exact = n ? find_exact(words, n) : NULL;
	bool found = false;

	if (exact) {
		print_usage(a->out, exact->cmd);
		ly_unref(exact);
		return LY_CLI_SUCCESS;
	}
	help_list(a->out, words, n, &found);
	if (found)
		return LY_CLI_SUCCESS;
	ly_buf_puts(a->out, "No such command '");
	print_joined(a->out, words, n);
	ly_buf_puts(a->out, "'\n");
	return LY_CLI_FAILURE;
}

/* `help <words>` completes like the command line after "help". */
static void complete_help(const struct ly_cli_args *a, int pos, const char *word,
			  struct ly_cli_completion *c)
{
	char **rest = (char **)a->argv + a->cmd_words;

	(void)word;	/* c->prefix holds it already */
	complete_words(rest, pos - a->cmd_words, c);
}

static const struct ly_cli_command help_command = {
	.command = "help",
	.summary = "List commands, or show the usage of one",
	.usage = "Usage: help [<command words>]\n"
		 "  Lists every command with a summary, the commands starting with the\n"
		 "  given words, or the usage of the command they name.\n",
	.handler = handle_help,
	.complete = complete_help,
};

int ly_cli_init(void)
{
	int rc = ly_cli_register(NULL, &help_command);

	return rc == EEXIST ? 0 : rc;
}

void ly_cli_shutdown(void)
{
	struct cli_entry **all;
	size_t n;

	pthread_rwlock_wrlock(&registry_lock);
	all = entries;
	n = n_entries;
	entries = NULL;
	n_entries = cap_entries = 0;
	pthread_rwlock_unlock(&registry_lock);
	/* Entries stay tracked by their modules: the loader may be gone (or
	 * go later); its remove callback then finds nothing, which is fine. */
	for (size_t i = 0; i < n; i++)
		ly_unref(all[i]);
	free(all);
}
