/* tests/fuzz/fuzz_codecs.c - libFuzzer target: the codec decoders on any byte string (G.722, and Opus with its loss handling). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec_opus.h"
#include "g722.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* G.722: every byte is a code pair; the whole input in one go, then
 * again in two pieces, which must give the same samples. */
static void fuzz_g722(const uint8_t *data, size_t size)
{
	struct g722_codec a, b;
	int16_t *one = malloc(2 * size * sizeof(int16_t) + 2);
	int16_t *two = malloc(2 * size * sizeof(int16_t) + 2);
	size_t half = size / 2;

	if (!one || !two)
		goto done;
	g722_init(&a);
	g722_init(&b);
	g722_decode(&a, data, size, one);
	g722_decode(&b, data, half, two);
	g722_decode(&b, data + half, size - half, two + 2 * half);
	if (memcmp(one, two, 2 * size * sizeof(int16_t)) != 0)
		abort();
done:
	free(one);
	free(two);
}

/* Opus: records of [sequence step][length][length bytes], so the fuzzer
 * drives the gaps (FEC and concealment) as well as the packets.  Each
 * packet is copied to exactly its length so ASan sees any overread. */
static void fuzz_opus(const uint8_t *data, size_t size)
{
	struct opus_dec d;
	int16_t *pcm = malloc(OPUS_DEC_MAX_OUT * sizeof(int16_t));
	uint16_t seq = 0;

	if (!pcm || opus_dec_init(&d) != 0) {
		free(pcm);
		return;
	}
	while (size >= 2) {
		size_t len = data[1] < size - 2 ? data[1] : size - 2;
		uint8_t *packet = malloc(len ? len : 1);

		if (!packet)
			break;
		memcpy(packet, data + 2, len);
		seq = (uint16_t)(seq + data[0]);
		if (opus_dec_packet(&d, packet, len, seq, pcm) > OPUS_DEC_MAX_OUT)
			abort();
		(void)opus_dec_samples(packet, len);
		free(packet);
		data += 2 + len;
		size -= 2 + len;
	}
	opus_dec_destroy(&d);
	free(pcm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_opus(data + 1, size - 1);
	else
		fuzz_g722(data + 1, size - 1);
	return 0;
}
