/*
 * modules/app_record/record_path.c - where Record() writes: the name from
 * the dialplan made into a path inside the spool folder.
 *
 * A relative name goes under <spooldir>/monitor/ (Asterisk's folder for
 * recordings); an absolute one must already be inside <spooldir>.  A name
 * with a ".." component is refused, so no name leaves the spool folder.
 * "%d" is replaced by the lowest number (0, 1, ...) for which no file of
 * that name exists yet, as Asterisk's Record does.  Missing folders
 * inside the spool folder are made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "record_int.h"

#define MAX_UNIQUE 100000

static bool has_dotdot(const char *s)
{
	for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* mkdir -p of path's parent folders below `root` (which exists or is made). */
static int make_parents(const char *root, char *path)
{
	char *slash = path + strlen(root);

	if (mkdir(root, 0750) < 0 && errno != EEXIST)
		return errno;
	while ((slash = strchr(slash + 1, '/')) != NULL) {
		*slash = '\0';
		int err = mkdir(path, 0750) < 0 && errno != EEXIST ? errno : 0;
		*slash = '/';
		if (err)
			return err;
	}
	return 0;
}

/* Replace the first %d with the lowest number not in use. */
static int unique(const char *tmpl, char *out, size_t len)
{
	const char *pct = strstr(tmpl, "%d");

	if (!pct) {
		ly_strlcpy(out, tmpl, len);
		return 0;
	}
	for (unsigned n = 0; n < MAX_UNIQUE; n++) {
		if ((size_t)snprintf(out, len, "%.*s%u%s", (int)(pct - tmpl), tmpl, n, pct + 2) >= len)
			return ENAMETOOLONG;
		if (access(out, F_OK) < 0)
			return 0;
	}
	return EEXIST;
}

int record_path(const char *name, char *out, size_t len)
{
	const char *spool = ly_dirs()->spooldir;
	char tmpl[PATH_MAX_REC], root[PATH_MAX_REC];
	size_t sl = strlen(spool);
	int err;

	if (!name[0] || has_dotdot(name))
		return EACCES;
	if (name[0] == '/') {
		if (strncmp(name, spool, sl) != 0 || name[sl] != '/')
			return EACCES;
		ly_strlcpy(root, spool, sizeof(root));
		if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s", name) >= sizeof(tmpl))
			return ENAMETOOLONG;
	} else {
		snprintf(root, sizeof(root), "%s/monitor", spool);
		if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s/%s", root, name) >= sizeof(tmpl))
			return ENAMETOOLONG;
	}
	if ((err = unique(tmpl, out, len)) != 0)
		return err;
	if (mkdir(spool, 0750) < 0 && errno != EEXIST)
		return errno;
	return make_parents(root, out);
}
