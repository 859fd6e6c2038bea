/* tests/fuzz/fuzz_digest.c - libFuzzer target: the Authorization / WWW-Authenticate value parser (sip_digest_parse). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A header value arrives from the network as text; the parser sees it
 * NUL-terminated, as the message layer hands it over. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = malloc(size + 1);
	struct sip_digest d;

	if (!value)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	if (sip_digest_parse(value, &d) == 0)
		sip_digest_free(&d);
	free(value);
	return 0;
}
