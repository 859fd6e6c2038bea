/*
 * modules/app_confbridge/conf_record.c - recording a conference: the full
 * mix (everyone, as a non-talker hears it) written by the mixer each tick.
 *
 * Where: record_file (bridge profile, or `confbridge record start`), else
 * confbridge-<conference>-<unix time>.wav.  A relative name goes under
 * <spooldir>/monitor; an absolute one must be inside the spool folder; a
 * name with a ".." component is refused.  The conference name only ever
 * appears with its path characters replaced ('/' and the like become
 * '_'), so a caller who picks the name cannot choose where files go.
 * .wav files are 16 kHz when the conference mixes at 16 kHz or more, else
 * 8 kHz; the writer (lyre/file.h) renames the file into place when the
 * recording stops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lyre/lyre.h>

#include "confbridge.h"

void cb_safe_name(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++) {
		char ch = *in;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
			  (ch == '.' && n > 0 && out[n - 1] != '.');

		out[n++] = ok ? ch : '_';
	}
	out[n] = '\0';
	if (!n && len > 1)
		ly_strlcpy(out, "_", len);
}

static bool has_dotdot(const char *s)
{
	for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* mkdir -p of the folders of path below root. */
static void make_parents(const char *root, char *path)
{
	char *slash = path + strlen(root);

	mkdir(root, 0750);
	while ((slash = strchr(slash + 1, '/')) != NULL) {
		*slash = '\0';
		mkdir(path, 0750);
		*slash = '/';
	}
}

static int make_path(struct cb_conf *c, const char *file, char *out, size_t len)
{
	const char *spool = ly_dirs()->spooldir;
	char root[CB_PATH_LEN * 2], safe[CB_NAME_LEN], name[CB_PATH_LEN];

	if (!file || !file[0])
		file = c->prof.record_file;
	if (!file[0]) {
		cb_safe_name(c->name, safe, sizeof(safe));
		snprintf(name, sizeof(name), "confbridge-%s-%lld.wav", safe, (long long)time(NULL));
		file = name;
	}
	if (has_dotdot(file)) {
		ly_warning("Conference '%s': recording '%s': refused (..)", c->name, file);
		return EACCES;
	}
	if ((size_t)snprintf(root, sizeof(root), "%s/monitor", spool) >= sizeof(root))
		return ENAMETOOLONG;
	if (file[0] == '/') {
		size_t sl = strlen(spool);

		if (strncmp(file, spool, sl) != 0 || file[sl] != '/') {
			ly_warning("Conference '%s': recording '%s': refused (outside %s)", c->name,
				   file, spool);
			return EACCES;
		}
		ly_strlcpy(root, spool, sizeof(root));
		if (ly_strlcpy(out, file, len) >= len - 4)
			return ENAMETOOLONG;
	} else if ((size_t)snprintf(out, len, "%s/%s", root, file) >= len - 4) {
		return ENAMETOOLONG;	/* room is kept for ".wav" */
	}
	if (!strrchr(out, '.') || strrchr(out, '.') < strrchr(out, '/'))
		strcat(out, ".wav");
	make_parents(root, out);
	return 0;
}

int cb_record_start_locked(struct cb_conf *c, const char *file)
{
	const struct ly_format *fmt;
	int err;

	if (c->rec)
		return EALREADY;
	err = make_path(c, file, c->rec_path, sizeof(c->rec_path));
	if (err)
		return err;
	c->rec_rate = c->rate >= 16000 ? 16000 : 8000;
	fmt = ly_format_find(c->rec_rate == 16000 ? "slin16" : "slin");
	err = fmt ? ly_file_writer_open(c->rec_path, fmt, false, &c->rec) : ENOSYS;
	if (err) {
		ly_warning("Conference '%s': cannot record to %s: %s", c->name, c->rec_path,
			   strerror(err));
		c->rec = NULL;
		return err;
	}
	/* A raw file keeps its extension's format and rate. */
	c->rec_rate = ly_file_writer_format(c->rec)->rate;
	ly_verbose(2, "Conference '%s': recording to %s", c->name, c->rec_path);
	return 0;
}

void cb_record_stop_locked(struct cb_conf *c)
{
	if (!c->rec)
		return;
	ly_file_writer_close(c->rec, true);
	c->rec = NULL;
	cb_resampler_free(c->rec_rs);
	c->rec_rs = NULL;
	ly_verbose(2, "Conference '%s': recording stopped: %s", c->name, c->rec_path);
}

void cb_record_write_locked(struct cb_conf *c, const int16_t *mix, size_t n)
{
	const struct ly_format *wf = ly_file_writer_format(c->rec);
	int16_t tmp[CB_MAX_BLOCK];
	struct ly_frame *f, *out = NULL;

	if (c->rec_rate != c->rate) {
		if (!c->rec_rs && !(c->rec_rs = cb_resampler_new(c->rate, c->rec_rate)))
			return;
		n = cb_resample(c->rec_rs, mix, n, tmp, sizeof(tmp) / sizeof(tmp[0]));
		mix = tmp;
	}
	f = ly_frame_voice_new(ly_format_find(cb_slin_name(c->rec_rate)), (unsigned)n, mix,
			       n * sizeof(*mix));
	if (f->format != wf) {	/* a raw .ulaw/.alaw file */
		struct ly_trans_path *p = ly_trans_path_new(f->format, wf);

		out = p ? ly_trans_path_run(p, f) : NULL;
		ly_trans_path_free(p);
	}
	if (ly_file_writer_write(c->rec, out ? out : f)) {
		ly_warning("Conference '%s': recording to %s failed: stopped", c->name, c->rec_path);
		ly_file_writer_close(c->rec, true);
		c->rec = NULL;
	}
	ly_frame_free(out);
	ly_frame_free(f);
}
