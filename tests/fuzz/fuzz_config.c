/* tests/fuzz/fuzz_config.c - libFuzzer target: any bytes through the .conf parser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lyre/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walk what was parsed so that a dangling pointer in the result shows up
 * here, under ASan, rather than in a module much later.  Lookups scan the
 * whole config, so only a few are made: the parser's speed is under test,
 * not a quadratic walk. */
static size_t walk(const struct ly_config *cfg)
{
	size_t n = 0, lookups = 0;

	for (const struct ly_cfg_section *s = cfg->sections; s; s = s->next) {
		for (size_t i = 0; s->templates[i]; i++)
			n += strlen(s->templates[i]);
		for (const struct ly_cfg_var *v = s->vars; v; v = v->next)
			n += (size_t)v->line + strlen(v->file) + strlen(v->name) + strlen(v->value);
		if (s->vars && lookups++ < 8)
			n += ly_cfg_get(cfg, s->name, s->vars->name) != NULL;
	}
	for (size_t i = 0; cfg->files[i]; i++)
		n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;

	/* confdir NULL: an #include must be refused, never opened */
	if (ly_config_parse_buffer(NULL, "fuzz", (const char *)data, size, &cfg, &err) == 0) {
		volatile size_t sink = walk(cfg);

		(void)sink;
		ly_config_free(cfg);
	}
	return 0;
}
