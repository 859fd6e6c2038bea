/*
 * lyre/cli.h - console commands.
 *
 * A command is a fixed sequence of words ("module load") followed by
 * arguments.  Handlers run on the core's event-loop thread, one at a time,
 * and write their output with ly_cli_print.  The same commands serve the
 * foreground console, `lyre -r` and `lyre -rx "..."`.
 */
#ifndef LYRE_CLI_H
#define LYRE_CLI_H

#include "utils.h"

struct ly_module;

enum ly_cli_result {
	LY_CLI_SUCCESS = 0,
	LY_CLI_FAILURE,		/* the command ran and failed; output says why */
	LY_CLI_SHOWUSAGE,	/* wrong arguments: the core prints the usage */
};

struct ly_cli_args {
	int argc;		/* every word typed, command words included */
	const char *const *argv;
	int cmd_words;		/* how many leading words name the command */
	struct ly_buf *out;
};

struct ly_cli_completion;	/* a list of candidate words */
void ly_cli_complete_add(struct ly_cli_completion *c, const char *word);

struct ly_cli_command {
	const char *command;	/* "module load" */
	const char *summary;	/* one line for `help` */
	const char *usage;	/* "Usage: module load <name>\n  Loads ..." */
	enum ly_cli_result (*handler)(struct ly_cli_args *a);
	/* Optional: offer completions for word `pos` (0-based over the whole
	 * line) whose typed prefix is `word`.  a->argv holds the words before it. */
	void (*complete)(const struct ly_cli_args *a, int pos, const char *word,
			 struct ly_cli_completion *c);
};

/* Register commands; the core keeps the pointers (use static storage).
 * 0, EEXIST when a command with the same words exists, or EINVAL. */
int ly_cli_register(struct ly_module *owner, const struct ly_cli_command *cmd);
int ly_cli_register_multiple(struct ly_module *owner,
			     const struct ly_cli_command *cmds, size_t n);
void ly_cli_unregister(const struct ly_cli_command *cmd);

void ly_cli_print(struct ly_cli_args *a, const char *fmt, ...) LY_PRINTF(2, 3);

/* Run one command line; output goes to `out`.  Used by the consoles and tests. */
enum ly_cli_result ly_cli_execute(const char *line, struct ly_buf *out);
/* Completion candidates for the last (possibly empty) word of `line`,
 * one per line in `out`, sorted and unique; returns how many. */
int ly_cli_completions(const char *line, struct ly_buf *out);

#endif
