/* tests/fuzz/fuzz_expr.c - libFuzzer target: any bytes through the $[...] expression evaluator. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dp_expr.h"
#include "lyre/utils.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the evaluator reads a C string: a NUL in the input ends it early,
	 * as it would end the text the dialplan hands over */
	char *expr = ly_strndup((const char *)data, size);
	struct ly_buf out, err;
	int rc;

	ly_buf_init(&out);
	ly_buf_init(&err);
	rc = ly_expr_eval(expr, &out, &err);
	/* the contract: a result or a reason, never both, never neither */
	if ((rc == 0) != (err.len == 0) || (rc != 0 && out.len != 0))
		abort();
	ly_buf_free(&out);
	ly_buf_free(&err);
	free(expr);
	return 0;
}
