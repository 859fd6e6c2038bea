/*
 * modules/app_voicemail/vm_store.c - the spool, in Asterisk's layout:
 *
 *   <spooldir>/voicemail/<context>/<box>/INBOX/msg0000.wav, msg0000.txt
 *                                       /Old /Work /Family /Friends
 *                                       /tmp       recordings in progress
 *                                       /unavail.wav busy.wav greet.wav temp.wav
 *
 * A message is its .txt plus its audio.  Rules that keep a mailbox
 * consistent through a crash or kill -9:
 *   - a recording is written in <box>/tmp and moved into a folder only
 *     when complete; the audio moves first and the .txt last, so a
 *     message counts (Asterisk counts .txt files) only once it is whole;
 *   - every change of a folder happens under the mailbox's lock (flock
 *     on the box folder: it serialises threads and processes alike);
 *   - before a folder is changed or opened, vm_resequence removes what a
 *     crash can leave (audio with no .txt, a .txt with no audio) and
 *     closes numbering gaps, so the next number is always the count.
 * A crash in the middle of a resequence can lose the one message being
 * renamed (its audio and .txt then carry different numbers); the rename
 * of a message takes microseconds, so we accept that instead of a journal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "vm_int.h"

const char *const vm_folders[VM_N_FOLDERS] = { "INBOX", "Old",	  "Work",
						"Family", "Friends", "Urgent" };

/* The audio formats a message may have (format= writes some of them;
 * other tools may have stored the rest), the one played first first. */
static const char *const audio_exts[] = { "wav", "sln16", "g722", "ulaw", "alaw", "sln", "WAV",
					  "gsm" };

int vm_folder_index(const char *name)
{
	for (int i = 0; i < VM_N_FOLDERS; i++)
		if (ly_strcaseeq(name, vm_folders[i]))
			return i;
	return -1;
}

int vm_box_path(const char *context, const char *box, const char *sub, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/voicemail/%s/%s%s%s", ly_dirs()->spooldir, context, box,
			 sub ? "/" : "", sub ? sub : "");

	return n < 0 || (size_t)n >= len ? ENAMETOOLONG : 0;
}

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int err = mkdir(path, 0750) < 0 && errno != EEXIST ? errno : 0;
		*p = '/';
		if (err)
			return err;
	}
	return mkdir(path, 0750) < 0 && errno != EEXIST ? errno : 0;
}

int vm_box_mkdir(const char *context, const char *box, const char *sub, char *out, size_t len)
{
	int err = vm_box_path(context, box, sub, out, len);

	return err ? err : mkdir_p(out);
}

int vm_lock(const char *boxdir, int *fd)
{
	int f = open(boxdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (f < 0)
		return errno;
	while (flock(f, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int err = errno;

			close(f);
			return err;
		}
	}
	*fd = f;
	return 0;
}

void vm_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing the last descriptor releases the flock */
}

void vm_msg_path(const char *folder_dir, int num, const char *ext, char *out, size_t len)
{
	vm_fmt(out, len, "%s/msg%04d.%s", folder_dir, num, ext);
}

/* "msg0012.wav" -> 12 and "wav"; -1 for anything else. */
static int msg_number(const char *name, const char **ext)
{
	int n = 0;

	if (strncmp(name, "msg", 3) != 0)
		return -1;
	for (int i = 3; i < 7; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		n = n * 10 + (name[i] - '0');
	}
	if (name[7] != '.' || !name[8])
		return -1;
	*ext = name + 8;
	return n;
}

/* What a folder holds, per message number: has a .txt, has audio. */
struct scan {
	unsigned char *txt, *audio;
	int max;	/* highest number seen + 1 */
};

static void scan_free(struct scan *s)
{
	free(s->txt);
	free(s->audio);
}

static int scan_folder(const char *dir, struct scan *s)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	s->txt = ly_calloc(VM_MAX_MSG + 1, 1);
	s->audio = ly_calloc(VM_MAX_MSG + 1, 1);
	s->max = 0;
	if (!d)
		return errno == ENOENT ? 0 : errno;
	while ((e = readdir(d)) != NULL) {
		const char *ext;
		int n = msg_number(e->d_name, &ext);

		if (n < 0) {
			/* A writer's temporary file (".name.XXXXXX") left by a crash. */
			if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				char p[VM_PATH];

				vm_fmt(p, sizeof(p), "%s/%s", dir, e->d_name);
				unlink(p);
			}
			continue;
		}
		if (!strcmp(ext, "txt"))
			s->txt[n] = 1;
		else
			s->audio[n] = 1;
		if (n + 1 > s->max)
			s->max = n + 1;
	}
	closedir(d);
	return 0;
}

/* Every file of message `num` ("msgNNNN.*"). */
static void for_each_file(const char *dir, int num, void (*fn)(const char *dir, const char *name,
							      void *arg),
			  void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char prefix[16];

	if (!d)
		return;
	vm_fmt(prefix, sizeof(prefix), "msg%04d.", num);
	while ((e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, prefix, 8) && strcmp(e->d_name + 8, "txt"))
			fn(dir, e->d_name, arg);
	closedir(d);
}

static void unlink_one(const char *dir, const char *name, void *arg)
{
	char p[VM_PATH];

	(void)arg;
	vm_fmt(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

void vm_remove_msg(const char *folder_dir, int num)
{
	char p[VM_PATH];

	/* The .txt first: from then on the message no longer counts. */
	vm_msg_path(folder_dir, num, "txt", p, sizeof(p));
	unlink(p);
	for_each_file(folder_dir, num, unlink_one, NULL);
}

struct rename_arg {
	const char *to_dir;
	int to;
	int err;
};

static void rename_one(const char *dir, const char *name, void *arg)
{
	struct rename_arg *r = arg;
	char from[VM_PATH], to[VM_PATH];

	vm_fmt(from, sizeof(from), "%s/%s", dir, name);
	vm_msg_path(r->to_dir, r->to, name + 8, to, sizeof(to));
	if (rename(from, to) < 0 && !r->err)
		r->err = errno;
}

/* Rename message `from` in dir to number `to` in to_dir: audio, then .txt. */
static int rename_msg(const char *dir, int from, const char *to_dir, int to)
{
	struct rename_arg r = { to_dir, to, 0 };
	char a[VM_PATH], b[VM_PATH];

	for_each_file(dir, from, rename_one, &r);
	vm_msg_path(dir, from, "txt", a, sizeof(a));
	vm_msg_path(to_dir, to, "txt", b, sizeof(b));
	if (rename(a, b) < 0 && !r.err)
		r.err = errno;
	return r.err;
}

int vm_resequence(const char *folder_dir)
{
	struct scan s;
	int err = scan_folder(folder_dir, &s), next = 0;

	if (err) {
		scan_free(&s);
		return -err;
	}
	for (int n = 0; n < s.max; n++) {
		if (s.txt[n] != s.audio[n]) {
			ly_notice("voicemail: %s: msg%04d has %s: removed (left by a crash)",
				  folder_dir, n, s.txt[n] ? "no audio" : "no .txt");
			vm_remove_msg(folder_dir, n);
			continue;
		}
		if (!s.txt[n])
			continue;
		if (n != next) {
			ly_verbose(3, "voicemail: %s: msg%04d renumbered msg%04d", folder_dir, n,
				   next);
			rename_msg(folder_dir, n, folder_dir, next);
		}
		next++;
	}
	scan_free(&s);
	return next;
}

int vm_count(const char *folder_dir)
{
	DIR *d = opendir(folder_dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *ext;

		if (msg_number(e->d_name, &ext) >= 0 && !strcmp(ext, "txt"))
			n++;
	}
	closedir(d);
	return n;
}

void vm_clear_tmp(const char *boxdir)
{
	char tmp[VM_PATH], p[VM_PATH];
	DIR *d;
	struct dirent *e;

	vm_fmt(tmp, sizeof(tmp), "%s/tmp", boxdir);
	if (!(d = opendir(tmp)))
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		vm_fmt(p, sizeof(p), "%s/%s", tmp, e->d_name);
		if (unlink(p) == 0)
			ly_notice("voicemail: removed '%s' (a recording cut short by a crash)", p);
	}
	closedir(d);
}

/* Move tmpbase.* into dir as message num: audio first, the .txt last. */
static int move_in(const char *tmpbase, const char *dir, int num)
{
	char from[VM_PATH], to[VM_PATH];
	bool audio = false;

	for (size_t i = 0; i < LY_ARRAY_LEN(audio_exts); i++) {
		vm_fmt(from, sizeof(from), "%s.%s", tmpbase, audio_exts[i]);
		vm_msg_path(dir, num, audio_exts[i], to, sizeof(to));
		if (rename(from, to) == 0)
			audio = true;
		else if (errno != ENOENT)
			return errno;
	}
	if (!audio)
		return ENOENT;
	vm_fmt(from, sizeof(from), "%s.txt", tmpbase);
	vm_msg_path(dir, num, "txt", to, sizeof(to));
	return rename(from, to) < 0 ? errno : 0;
}

static int folder_dir(const char *boxdir, const char *folder, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", boxdir, folder);

	if (n < 0 || (size_t)n >= len)
		return ENAMETOOLONG;
	return mkdir_p(out);	/* the box itself may be new (a first forward) */
}

int vm_deliver(const char *boxdir, const char *folder, const char *tmpbase, int maxmsg,
	       int *num)
{
	char dir[VM_PATH];
	int fd, n, err;

	if ((err = folder_dir(boxdir, folder, dir, sizeof(dir))) || (err = vm_lock(boxdir, &fd)))
		return err;
	n = vm_resequence(dir);
	if (n < 0)
		err = -n;
	else if (n >= maxmsg || n >= VM_MAX_MSG)
		err = EDQUOT;
	else if ((err = move_in(tmpbase, dir, n)) == 0)
		*num = n;
	vm_unlock(fd);
	return err;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;
	ssize_t r;

	if (in < 0)
		return errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0) {
		err = errno;
		close(in);
		return err;
	}
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)r) != r) {
			err = errno ? errno : EIO;
			break;
		}
	if (r < 0)
		err = errno;
	close(in);
	if (close(out) < 0 && !err)
		err = errno;
	return err;
}

struct copy_arg {
	const char *tmpbase;
	int err;
};

static void copy_one(const char *dir, const char *name, void *arg)
{
	struct copy_arg *c = arg;
	char from[VM_PATH], to[VM_PATH];

	vm_fmt(from, sizeof(from), "%s/%s", dir, name);
	vm_fmt(to, sizeof(to), "%s.%s", c->tmpbase, name + 8);
	if (!c->err)
		c->err = copy_file(from, to);
}

int vm_copy_msg(const char *src_folder_dir, int num, const char *dst_boxdir, const char *folder,
		int maxmsg, int *newnum)
{
	char tmpdir[VM_PATH], base[VM_PATH], from[VM_PATH], to[VM_PATH];
	struct copy_arg c = { base, 0 };
	int err;

	if ((err = folder_dir(dst_boxdir, "tmp", tmpdir, sizeof(tmpdir))))
		return err;
	vm_fmt(base, sizeof(base), "%s/copy-%08x", tmpdir, ly_random32());
	for_each_file(src_folder_dir, num, copy_one, &c);
	vm_msg_path(src_folder_dir, num, "txt", from, sizeof(from));
	vm_fmt(to, sizeof(to), "%s.txt", base);
	if (!c.err)
		c.err = copy_file(from, to);
	if (!c.err)
		c.err = vm_deliver(dst_boxdir, folder, base, maxmsg, newnum);
	if (c.err)	/* leave no copy behind */
		vm_discard(base);
	return c.err;
}

int vm_move_msg(const char *boxdir, const char *from, int num, const char *to, int maxmsg)
{
	char src[VM_PATH], dst[VM_PATH];
	int n, err;

	vm_fmt(src, sizeof(src), "%s/%s", boxdir, from);
	if ((err = folder_dir(boxdir, to, dst, sizeof(dst))))
		return err;
	n = vm_resequence(dst);
	if (n < 0)
		return -n;
	if (n >= maxmsg || n >= VM_MAX_MSG)
		return EDQUOT;
	return rename_msg(src, num, dst, n);
}

int vm_msg_audio(const char *folder_dir, int num, char *out, size_t len)
{
	/* Lyre plays what lyre/file.h reads (not WAV (GSM) or gsm): the
	 * first of those that this message has. */
	for (size_t i = 0; i < LY_ARRAY_LEN(audio_exts); i++) {
		if (strcmp(audio_exts[i], "wav") && !ly_file_ext_format(audio_exts[i]))
			continue;
		vm_msg_path(folder_dir, num, audio_exts[i], out, len);
		if (access(out, R_OK) == 0)
			return 0;
	}
	return ENOENT;
}

void vm_discard(const char *base)
{
	char p[VM_PATH];

	for (size_t i = 0; i < LY_ARRAY_LEN(audio_exts); i++) {
		vm_fmt(p, sizeof(p), "%s.%s", base, audio_exts[i]);
		unlink(p);
	}
	vm_fmt(p, sizeof(p), "%s.txt", base);
	unlink(p);
}
