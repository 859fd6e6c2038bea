/* tests/fuzz/fuzz_wav.c - libFuzzer target: the WAV header parser every sound file goes through (ly_wav_parse). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy, so ASan catches any read past the header. */
	uint8_t *head = malloc(size ? size : 1);
	struct ly_wav_info info;
	const char *why = NULL;
	/* The first two bytes, when present, make the file longer than the
	 * header (a data chunk beyond what was read) or exactly as long. */
	size_t file_size = size + (size >= 2 ? (size_t)(data[0] | data[1] << 8) : 0);

	if (!head)
		return 0;
	memcpy(head, data, size);
	if (ly_wav_parse(head, size, file_size, &info, &why) == 0) {
		/* What the parser promises: the samples lie inside the file, in
		 * whole samples of a format Lyre plays. */
		unsigned width = strcmp(info.format, "slin") == 0 ||
				 strcmp(info.format, "slin16") == 0 ? 2 : 1;

		if (info.data_off > file_size || info.data_len > file_size - info.data_off ||
		    info.data_len % width || info.data_off > size)
			abort();
		if (info.rate != 8000 && info.rate != 16000)
			abort();
	} else if (!why) {
		abort();	/* every refusal says why */
	}
	free(head);
	return 0;
}
