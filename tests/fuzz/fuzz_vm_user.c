/* tests/fuzz/fuzz_vm_user.c - libFuzzer target: a voicemail.conf mailbox line (vm_user_parse in modules/app_voicemail/vm_user.c). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is "context\nbox\nvalue": the section name and the entry's
 * name and value as the config parser hands them over (any bytes but NUL). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *box, *value;
	struct vm_user u;
	const char *why = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	box = strchr(text, '\n');
	box = box ? (*box = '\0', box + 1) : text + size;
	value = strchr(box, '\n');
	value = value ? (*value = '\0', value + 1) : box + strlen(box);
	if (vm_user_parse(text, box, value, &u, &why) == 0) {
		/* What the parser promises: every field terminated, the names
		 * usable as folder names, the PIN digits only, the addresses on
		 * one line. */
		if (strlen(u.box) >= sizeof(u.box) || !u.box[0] || strchr(u.box, '/') ||
		    strstr(u.box, "..") || strchr(u.context, '/') ||
		    strspn(u.pin, "0123456789") != strlen(u.pin) || strpbrk(u.email, "\r\n<>") ||
		    strlen(u.fullname) >= sizeof(u.fullname) || strlen(u.unknown) >= sizeof(u.unknown))
			abort();
	} else if (!why) {
		abort();
	}
	free(text);
	return 0;
}
