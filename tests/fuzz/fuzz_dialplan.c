/* tests/fuzz/fuzz_dialplan.c - libFuzzer target: any bytes as extensions.conf, then lookups in what loaded. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dialplan.h"
#include "dp_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Dialled strings that reach the special characters of patterns. */
static const char *const dialled[] = { "", "1", "100", "5551234", "9", "_X.", "h", "s", "-", "12-34" };

/* Look every extension up by its own name, and a few dialled strings in
 * every mode: a dangling pointer or a bad pattern program shows up here,
 * under ASan.  Bounded so that a plan of thousands of contexts stays fast. */
static void walk(const struct dp_plan *plan)
{
	unsigned budget = 200;

	for (unsigned i = 0; i < plan->ncontext && budget; i++) {
		const struct dp_context *ctx = plan->contexts[i];

		for (unsigned j = 0; j < ctx->nexten && budget; j++, budget--) {
			const struct dp_exten *e = ctx->extens[j];

			dp_find_exten(plan, ctx->name, e->name, e->cid, 0, NULL);
			dp_hint(plan, ctx->name, e->name);
			dp_pattern_cmp(e->name, ctx->extens[0]->name);
		}
		for (size_t d = 0; d < sizeof(dialled) / sizeof(dialled[0]); d++) {
			dp_match(plan, ctx->name, dialled[d], "555", DP_MATCH_EXISTS, 0);
			dp_match(plan, ctx->name, dialled[d], NULL, DP_MATCH_CANMATCH, 0);
			dp_match(plan, ctx->name, dialled[d], NULL, DP_MATCH_MATCHMORE, 0);
			dp_ignorepat(plan, ctx->name, dialled[d]);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ly_cfg_error err;
	struct dp_plan *plan = NULL;

	/* confdir NULL: an #include must be refused, never opened */
	if (dp_plan_parse_buffer(NULL, "fuzz", (const char *)data, size, &plan, &err) == 0) {
		walk(plan);
		dp_plan_unref(plan);
	} else if (plan || !err.msg[0]) {
		__builtin_trap();	/* a failure always says why and returns nothing */
	}
	return 0;
}
