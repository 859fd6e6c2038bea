/*
 * modules/app_voicemail/vm_pin.c - a PIN changed from VoiceMailMain is
 * written back into voicemail.conf, as Asterisk does, so it survives a
 * restart and the administrator sees it where mailboxes are defined.
 *
 * Only the PIN field of the mailbox's own line changes (found by the
 * file and line the parser recorded, which may be an #include'd file);
 * comments and every other line stay as they were.  The new file is
 * written beside the old one and renamed over it (atomic on POSIX file
 * systems), so a crash leaves the old file or the new one, never half.
 * If the line changed since the last load (someone edited the file), the
 * change is refused rather than written to the wrong line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "vm_int.h"

int vm_pin_line_replace(const char *line, const char *pin, char *out, size_t len)
{
	const char *arrow = strstr(line, "=>"), *eq = strchr(line, '=');
	const char *v = arrow ? arrow + 2 : eq ? eq + 1 : NULL;
	const char *end;
	int n;

	if (!v)
		return EINVAL;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strcspn(v, ",;\r\n");
	/* keep the spaces before a comment that ends a PIN-only line */
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = snprintf(out, len, "%.*s%s%s", (int)(v - line), line, pin, end);
	return n < 0 || (size_t)n >= len ? ENAMETOOLONG : 0;
}

/* The line's name (before => or =), trimmed, to check it is the box. */
static bool line_is_box(const char *line, const char *box)
{
	size_t n = strcspn(line, "=");
	const char *s = line;

	while (*s == ' ' || *s == '\t') {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strlen(box) == n && !strncmp(s, box, n);
}

static int rewrite(const char *file, int lineno, const char *box, const char *pin)
{
	char tmp[VM_PATH + 16], line[LY_CFG_MAX_LINE], out[LY_CFG_MAX_LINE];
	FILE *in = fopen(file, "r"), *w;
	struct stat st;
	int n = 0, err = 0, fd;
	bool done = false;

	if (!in)
		return errno;
	vm_fmt(tmp, sizeof(tmp), "%s.XXXXXX", file);
	if ((fd = mkstemp(tmp)) < 0 || !(w = fdopen(fd, "w"))) {
		err = errno;
		if (fd >= 0)
			close(fd);
		fclose(in);
		return err;
	}
	if (fstat(fileno(in), &st) == 0)
		fchmod(fd, st.st_mode & 07777);
	while (fgets(line, sizeof(line), in)) {
		if (++n == lineno) {
			if (!line_is_box(line, box) || vm_pin_line_replace(line, pin, out, sizeof(out)))
				err = ESTALE;
			else {
				fputs(out, w);
				done = true;
				continue;
			}
		}
		fputs(line, w);
	}
	fclose(in);
	if (!err && !done)
		err = ESTALE;
	if (fflush(w) != 0 || fsync(fileno(w)) != 0)
		err = err ? err : errno;
	if (fclose(w) != 0)
		err = err ? err : errno;
	if (!err && rename(tmp, file) < 0)
		err = errno;
	if (err)
		unlink(tmp);
	return err;
}

int vm_pin_change(const struct vm_user *u, const char *pin)
{
	int err;

	if (!u->file[0] || u->line <= 0)
		return ENOENT;
	err = rewrite(u->file, u->line, u->box, pin);
	if (err) {
		ly_warning("voicemail: PIN of %s@%s not saved in %s:%d: %s", u->box, u->context,
			   u->file, u->line,
			   err == ESTALE ? "the line changed since voicemail.conf was loaded"
					 : strerror(err));
		return err;
	}
	ly_notice("voicemail: %s@%s changed its PIN (%s:%d)", u->box, u->context, u->file,
		  u->line);
	return vm_conf_reload();
}
