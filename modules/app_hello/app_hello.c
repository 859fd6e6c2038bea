/*
 * modules/app_hello/app_hello.c - the example module: one application,
 * one CLI command and a reloadable config file (docs/writing-modules.md
 * walks through it).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

/* The greeting comes from hello.conf; `greeting` is swapped only after a
 * reload parsed cleanly, so a broken file never loses the running value. */
static pthread_mutex_t greeting_lock = PTHREAD_MUTEX_INITIALIZER;
static char *greeting;
static atomic_uint greetings_given;

static void current_greeting(char *buf, size_t len)
{
	pthread_mutex_lock(&greeting_lock);
	ly_strlcpy(buf, greeting ? greeting : "Hello", len);
	pthread_mutex_unlock(&greeting_lock);
}

static int read_config(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg;
	const char *value;
	char *next;
	int rc = ly_config_load(ly_dirs()->confdir, "hello.conf", &cfg, &err);

	if (rc == ENOENT) {
		next = ly_strdup("Hello");	/* no file: the built-in greeting */
	} else if (rc) {
		ly_error("hello.conf not loaded, keeping the running greeting: %s", err.msg);
		return rc;
	} else {
		value = ly_cfg_get(cfg, "general", "greeting");
		next = ly_strdup(value && *value ? value : "Hello");
		ly_config_free(cfg);
	}
	pthread_mutex_lock(&greeting_lock);
	free(greeting);
	greeting = next;
	pthread_mutex_unlock(&greeting_lock);
	return 0;
}

/* Hello([name]): greets in the log and leaves the text in ${HELLO_GREETING}. */
static int hello_exec(struct ly_channel *chan, const char *args)
{
	char word[128], text[256];

	current_greeting(word, sizeof(word));
	snprintf(text, sizeof(text), "%s, %s!", word, args && *args ? args : "world");
	ly_chan_var_set(chan, "HELLO_GREETING", text);
	ly_verbose(2, "%s: %s", ly_chan_name(chan), text);
	atomic_fetch_add(&greetings_given, 1);
	return 0;
}

static struct ly_app hello_app = {
	.name = "Hello",
	.synopsis = "Greet the caller in the log and in ${HELLO_GREETING}",
	.description = "Hello([name]): sets HELLO_GREETING to \"<greeting>, <name>!\" "
		       "(greeting from hello.conf, name defaults to world).",
	.exec = hello_exec,
};

static enum ly_cli_result hello_cli(struct ly_cli_args *a)
{
	char word[128];

	if (a->argc > a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	current_greeting(word, sizeof(word));
	ly_cli_print(a, "%s, %s!\n", word,
		     a->argc > a->cmd_words ? a->argv[a->cmd_words] : "world");
	ly_cli_print(a, "Greeted %u times by the application.\n", atomic_load(&greetings_given));
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command hello_command = {
	.command = "hello",
	.summary = "Print the greeting app_hello uses",
	.usage = "Usage: hello [name]\n  Prints \"<greeting>, <name>!\" and how often Hello() ran.\n",
	.handler = hello_cli,
};

static int load(struct ly_module *self)
{
	int rc = read_config();

	if (rc)
		return rc;
	/* No unregister calls anywhere: the loader removes both on unload,
	 * and also if the second registration fails. */
	rc = ly_app_register(self, &hello_app);
	if (!rc)
		rc = ly_cli_register(self, &hello_command);
	if (rc) {
		/* unload() is not called after a failed load: free what it would. */
		free(greeting);
		greeting = NULL;
	}
	return rc;
}

static void unload(struct ly_module *self)
{
	(void)self;
	free(greeting);
	greeting = NULL;
}

static int reload(struct ly_module *self)
{
	(void)self;
	return read_config();
}

LYRE_MODULE(app_hello,
	.description = "Hello application (example module)",
	.load = load,
	.unload = unload,
	.reload = reload);
