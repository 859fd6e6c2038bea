/* tests/unit/test_file_write.c - writing sound files: the temporary name renamed into place, WAV headers the reader accepts, raw formats, append, trim, refusals. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "lyre/cli.h"
#include "lyre/file.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/module.h"
#include "lyre/utils.h"
#include "cli_int.h"
#include "media_int.h"
#include "tap.h"
#include "module_link.h"

static char top[PATH_MAX], dir[PATH_MAX], moduledir[PATH_MAX + 16];

static void link_module(const char *name)
{
	unit_link_module(top, moduledir, name);
}

static void test_setup(void)
{
	CHECK(realpath(getenv("top_builddir") ? getenv("top_builddir") : ".", top) != NULL);
	ly_log_init();
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_media_core_init(), 0);
	strcpy(dir, "/tmp/lyre-fwrite-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(moduledir, sizeof(moduledir), "%s/modules", dir);
	CHECK_INT(mkdir(moduledir, 0700), 0);
	CHECK_INT(ly_loader_init(moduledir), 0);
	link_module("codec_slin");
	link_module("codec_g711");
}

/* ms of a ramp in format `name` (slin samples i*7, or bytes i for G.711). */
static struct ly_frame *frame(const char *name, unsigned ms, unsigned base)
{
	const struct ly_format *f = ly_format_find(name);
	unsigned n = f->rate * ms / 1000, bps = strncmp(name, "slin", 4) == 0 ? 2 : 1;
	struct ly_frame *fr = ly_frame_voice_new(f, n, NULL, n * bps);

	for (unsigned i = 0; i < n; i++)
		if (bps == 2)
			((int16_t *)fr->data)[i] = (int16_t)((base + i) * 7);
		else
			fr->data[i] = (uint8_t)(base + i);
	return fr;
}

static int files_in_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n - 1;	/* the modules folder */
}

/* Total ms in a file, read back through the reader. */
static unsigned read_ms(const char *path, const char *want_format)
{
	struct ly_file *f;
	struct ly_frame *fr;
	unsigned samples = 0, rate;

	if (ly_file_open_path(path, &f) != 0)
		return 0;
	CHECK_STR(ly_file_format(f)->name, want_format);
	rate = ly_file_format(f)->rate;
	while ((fr = ly_file_read(f, 20)) != NULL) {
		samples += fr->samples;
		ly_frame_free(fr);
	}
	ly_file_close(f);
	return samples * 1000 / rate;
}

static void write_ms(struct ly_file_writer *w, const char *fmt, unsigned ms)
{
	for (unsigned i = 0; i < ms / 20; i++) {
		struct ly_frame *fr = frame(fmt, 20, i * 160);

		CHECK_INT(ly_file_writer_write(w, fr), 0);
		ly_frame_free(fr);
	}
}

static void test_wav_roundtrip(void)
{
	char *path = ly_asprintf("%s/a.wav", dir);
	struct ly_file_writer *w;
	struct ly_file *f;
	struct ly_frame *fr;

	CHECK_INT(ly_file_writer_open(path, ly_format_find("slin"), false, &w), 0);
	write_ms(w, "slin", 1000);
	CHECK_INT(ly_file_writer_ms(w), 1000);
	/* Until the end, only the temporary file exists, and not by the name. */
	CHECK(access(path, F_OK) != 0);
	CHECK_INT(files_in_dir(), 1);
	CHECK_INT(ly_file_writer_close(w, true), 0);
	CHECK_INT(files_in_dir(), 1);
	CHECK_INT(read_ms(path, "slin"), 1000);
	/* The samples come back as written. */
	CHECK_INT(ly_file_open_path(path, &f), 0);
	fr = ly_file_read(f, 20);
	CHECK(fr && ((int16_t *)fr->data)[3] == 21);
	ly_frame_free(fr);
	ly_file_close(f);
	free(path);
}

static void test_wav_wideband_and_append(void)
{
	char *path = ly_asprintf("%s/wb.wav", dir);
	struct ly_file_writer *w;

	CHECK_INT(ly_file_writer_open(path, ly_format_find("slin16"), false, &w), 0);
	write_ms(w, "slin16", 500);
	CHECK_INT(ly_file_writer_close(w, true), 0);
	CHECK_INT(read_ms(path, "slin16"), 500);
	/* Append keeps the file's own format, whatever fmt says. */
	CHECK_INT(ly_file_writer_open(path, ly_format_find("slin"), true, &w), 0);
	CHECK_STR(ly_file_writer_format(w)->name, "slin16");
	write_ms(w, "slin16", 300);
	CHECK_INT(ly_file_writer_ms(w), 300);
	CHECK_INT(ly_file_writer_close(w, true), 0);
	CHECK_INT(read_ms(path, "slin16"), 800);
	free(path);
}

static void test_raw_trim_abort(void)
{
	char *path = ly_asprintf("%s/r.ulaw", dir), *gone = ly_asprintf("%s/gone.sln", dir);
	struct ly_file_writer *w;
	struct stat st;

	CHECK_INT(ly_file_writer_open(path, NULL, false, &w), 0);
	CHECK_STR(ly_file_writer_format(w)->name, "ulaw");
	write_ms(w, "ulaw", 2000);
	CHECK_INT(ly_file_writer_trim(w, 1500), 0);
	CHECK_INT(ly_file_writer_ms(w), 500);
	CHECK_INT(ly_file_writer_trim(w, 9000), 0);	/* never below the start */
	CHECK_INT(ly_file_writer_ms(w), 0);
	write_ms(w, "ulaw", 100);
	CHECK_INT(ly_file_writer_close(w, true), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT((int)st.st_size, 800);
	/* Not kept: nothing is left, not even the temporary file. */
	CHECK_INT(ly_file_writer_open(gone, NULL, false, &w), 0);
	write_ms(w, "slin", 100);
	CHECK_INT(ly_file_writer_close(w, false), 0);
	CHECK(access(gone, F_OK) != 0);
	CHECK_INT(files_in_dir(), 3);
	free(path);
	free(gone);
}

static void test_refused(void)
{
	char *p1 = ly_asprintf("%s/x.mp3", dir), *p2 = ly_asprintf("%s/x.wav", dir);
	char *p3 = ly_asprintf("%s/nodir/x.wav", dir), *bad = ly_asprintf("%s/bad.wav", dir);
	struct ly_file_writer *w;
	struct ly_frame *fr;
	FILE *f;

	CHECK_INT(ly_file_writer_open(p1, NULL, false, &w), ENOTSUP);
	CHECK_INT(ly_file_writer_open(p2, ly_format_find("ulaw"), false, &w), ENOTSUP);
	CHECK_INT(ly_file_writer_open(p3, ly_format_find("slin"), false, &w), ENOENT);
	/* Appending to something that is no WAV. */
	CHECK((f = fopen(bad, "w")) != NULL);
	fputs("not a wav file at all, just text", f);
	fclose(f);
	CHECK_INT(ly_file_writer_open(bad, ly_format_find("slin"), true, &w), EINVAL);
	/* A frame in another format is refused. */
	CHECK_INT(ly_file_writer_open(p2, ly_format_find("slin"), false, &w), 0);
	fr = frame("ulaw", 20, 0);
	CHECK_INT(ly_file_writer_write(w, fr), EINVAL);
	ly_frame_free(fr);
	CHECK_INT(ly_file_writer_close(w, false), 0);
	CHECK_INT(ly_file_writer_close(NULL, true), 0);
	free(p1), free(p2), free(p3), free(bad);
}

TAP_MAIN(TAP(test_setup),
	 TAP(test_wav_roundtrip),
	 TAP(test_wav_wideband_and_append),
	 TAP(test_raw_trim_abort),
	 TAP(test_refused))
