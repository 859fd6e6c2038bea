/*
 * modules/app_voicemail/vm_mail.c - the e-mail about a new message.
 *
 * The message is RFC 5322 text with, when attach=yes, a MIME multipart
 * (RFC 2046 section 5.1.3 multipart/mixed): a text/plain body and the
 * audio as audio/x-wav in base64 (RFC 2045 section 6.8, lines of 76).
 * Subject and body come from emailsubject/emailbody, where ${VM_NAME},
 * ${VM_DUR}, ${VM_MSGNUM}, ${VM_MAILBOX}, ${VM_CONTEXT}, ${VM_CALLERID},
 * ${VM_CIDNAME}, ${VM_CIDNUM}, ${VM_DATE} and ${VM_FLAG} ("Urgent" or
 * empty, Asterisk's name) are replaced and \n, \t
 * become a line break and a tab, as in Asterisk.  Values from outside
 * (the caller id) never reach a header unencoded: a header with anything
 * but printable ASCII is an RFC 2047 encoded-word, so a line break in a
 * caller id cannot add a header.
 *
 * Sending: the text goes to a file in the box's tmp folder, which becomes
 * the standard input of `/bin/sh -c "<mailcmd>"` (default sendmail -t).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "vm_int.h"

#define MAIL_TIMEOUT_MS 30000
#define MAX_ATTACH (64u << 20)

extern char **environ;

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(struct ly_buf *out, const unsigned char *p, size_t n, bool wrap)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
			      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };

		ly_buf_append(out, q, 4);
		if (wrap && (col += 4) >= 76) {
			ly_buf_puts(out, "\r\n");
			col = 0;
		}
	}
	if (wrap && col)
		ly_buf_puts(out, "\r\n");
}

static const char *var(const struct vm_mail *m, const char *name, char *num, size_t len)
{
	if (!strcmp(name, "VM_NAME"))
		return m->vm_name;
	if (!strcmp(name, "VM_MAILBOX"))
		return m->vm_mailbox;
	if (!strcmp(name, "VM_CONTEXT"))
		return m->vm_context;
	if (!strcmp(name, "VM_CALLERID"))
		return m->vm_callerid;
	if (!strcmp(name, "VM_CIDNAME"))
		return m->vm_cidname;
	if (!strcmp(name, "VM_CIDNUM"))
		return m->vm_cidnum;
	if (!strcmp(name, "VM_DATE"))
		return m->vm_date;
	if (!strcmp(name, "VM_FLAG"))
		return m->vm_flag ? m->vm_flag : "";
	if (!strcmp(name, "VM_MSGNUM")) {
		vm_fmt(num, len, "%d", m->vm_msgnum);
		return num;
	}
	if (!strcmp(name, "VM_DUR")) {
		vm_fmt(num, len, "%d:%02d", m->vm_dur / 60, m->vm_dur % 60);
		return num;
	}
	return NULL;
}

void vm_mail_expand(const struct vm_mail *m, const char *t, struct ly_buf *out)
{
	char name[32], num[32];

	ly_buf_puts(out, "");
	while (*t) {
		const char *end;

		if (t[0] == '\\' && (t[1] == 'n' || t[1] == 't')) {
			ly_buf_puts(out, t[1] == 'n' ? "\n" : "\t");
			t += 2;
		} else if (t[0] == '$' && t[1] == '{' && (end = strchr(t, '}')) &&
			   (size_t)(end - t - 2) < sizeof(name)) {
			const char *v;

			vm_fmt(name, sizeof(name), "%.*s", (int)(end - t - 2), t + 2);
			v = var(m, name, num, sizeof(num));
			ly_buf_puts(out, v ? v : "");
			t = end + 1;
		} else {
			ly_buf_append(out, t++, 1);
		}
	}
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* A header value: as it is when plain ASCII, else an RFC 2047 B word. */
static void header_text(struct ly_buf *out, const char *s)
{
	if (plain_ascii(s)) {
		ly_buf_puts(out, s);
		return;
	}
	ly_buf_puts(out, "=?UTF-8?B?");
	base64(out, (const unsigned char *)s, strlen(s), false);
	ly_buf_puts(out, "?=");
}

/* "Display Name" <addr>; the name quoted or encoded. */
static void address(struct ly_buf *out, const char *name, const char *addr)
{
	if (name && name[0]) {
		if (plain_ascii(name) && !strpbrk(name, "\"\\")) {
			ly_buf_printf(out, "\"%s\" ", name);
		} else {
			header_text(out, name);
			ly_buf_puts(out, " ");
		}
	}
	ly_buf_printf(out, "<%s>", addr);
}

/* Text for a MIME part: every line break CRLF. */
static void crlf_text(struct ly_buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			ly_buf_puts(out, "\r\n");
		else if (*s != '\r')
			ly_buf_append(out, s, 1);
	}
}

void vm_mail_build(const struct vm_mail *m, struct ly_buf *out)
{
	struct ly_buf t;

	ly_buf_init(&t);
	ly_buf_printf(out, "Date: %s\r\nFrom: ", m->date);
	address(out, m->from_name, m->from_addr);
	ly_buf_puts(out, "\r\nTo: ");
	address(out, m->to_name, m->to_addr);
	vm_mail_expand(m, m->subject_tmpl, &t);
	ly_buf_puts(out, "\r\nSubject: ");
	header_text(out, ly_buf_str(&t));
	ly_buf_printf(out, "\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", m->message_id);
	/* An urgent message is marked the way mail clients show it. */
	if (m->vm_flag && !strcmp(m->vm_flag, "Urgent"))
		ly_buf_puts(out, "X-Priority: 1\r\nImportance: high\r\n");
	ly_buf_reset(&t);
	vm_mail_expand(m, m->body_tmpl, &t);
	if (m->audio) {
		ly_buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
				   "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n",
			      m->boundary, m->boundary);
	}
	ly_buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: 8bit\r\n\r\n");
	crlf_text(out, ly_buf_str(&t));
	ly_buf_puts(out, "\r\n");
	if (m->audio) {
		ly_buf_printf(out, "\r\n--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
				   "Content-Transfer-Encoding: base64\r\n"
				   "Content-Description: Voicemail sound attachment.\r\n"
				   "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
			      m->boundary, m->audio_type ? m->audio_type : "audio/x-wav",
			      m->audio_name, m->audio_name);
		base64(out, m->audio, m->audio_len, true);
		ly_buf_printf(out, "\r\n--%s--\r\n", m->boundary);
	}
	ly_buf_free(&t);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || (size_t)n > MAX_ATTACH ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = ly_malloc((size_t)n + 1);
	*len = fread(p, 1, (size_t)n, f);
	fclose(f);
	return p;
}

/* Run mailcmd with the file as its input; waits at most MAIL_TIMEOUT_MS. */
static int run_mailcmd(const char *cmd, const char *file)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	pid_t pid;
	int err, status = 0;
	uint64_t end = ly_now_ms() + MAIL_TIMEOUT_MS;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, file, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	/* The daemon's threads block its signals; the command gets none blocked. */
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	err = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (err)
		return err;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0)
			return errno == ECHILD ? 0 : errno;
		if (ly_now_ms() > end) {
			ly_warning("voicemail: mailcmd '%s' did not finish in %d s: killed", cmd,
				   MAIL_TIMEOUT_MS / 1000);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return ETIMEDOUT;
		}
		usleep(20000);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EIO;
}

static int write_file(const char *path, const struct ly_buf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, b->data, b->len) != (ssize_t)b->len)
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

int vm_mail_notify(const struct vm_conf *conf, const struct vm_user *u, const char *folder_dir,
		   int num, const struct vm_msginfo *info)
{
	char audio[VM_PATH], tmp[VM_PATH], name[32], cidname[VM_TEXT], cidnum[VM_TEXT];
	char date[64], vdate[64], boundary[64], msgid[128], box[2 * VM_NAME];
	char abbr[LY_TZ_ABBR_LEN], ext[8], ctype[32];
	struct vm_mail m = { 0 };
	struct ly_buf out;
	time_t t = (time_t)info->origtime;
	struct tm tm;
	int err;

	if (vm_box_mkdir(u->context, u->box, "tmp", tmp, sizeof(tmp)) != 0)
		return EIO;
	vm_user_localtime(conf, u, t, &tm, abbr, sizeof(abbr));	/* the box's zone */
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	strftime(vdate, sizeof(vdate), "%A, %B %d, %Y at %r", &tm);
	vm_callerid_split(info->callerid, cidname, sizeof(cidname), cidnum, sizeof(cidnum));
	vm_fmt(boundary, sizeof(boundary), "----voicemail_%08x%08x", ly_random32(),
		 ly_random32());
	vm_fmt(msgid, sizeof(msgid), "Lyre-%s-%s@lyre", info->msg_id, u->box);
	/* The attachment is the first format of format= (Asterisk's rule). */
	vm_fmt(ext, sizeof(ext), "%s", conf->g.formats[0]);
	vm_fmt(name, sizeof(name), "msg%04d.%s", num, ext);
	vm_fmt(ctype, sizeof(ctype), "audio/x-%s", ext);
	vm_fmt(box, sizeof(box), "%s", u->box);
	m = (struct vm_mail){
		.from_name = conf->g.fromstring, .from_addr = conf->g.serveremail,
		.to_name = u->fullname, .to_addr = u->email,
		.subject_tmpl = conf->g.emailsubject, .body_tmpl = conf->g.emailbody,
		.vm_name = u->fullname, .vm_mailbox = box, .vm_context = u->context,
		.vm_callerid = info->callerid, .vm_cidname = cidname, .vm_cidnum = cidnum,
		.vm_date = vdate, .vm_flag = info->flag, .vm_dur = info->duration, .vm_msgnum = num + 1,
		.audio_name = name, .audio_type = ctype, .boundary = boundary, .date = date, .message_id = msgid,
	};
	if (vm_user_attach(conf, u)) {
		vm_msg_path(folder_dir, num, ext, audio, sizeof(audio));
		m.audio = read_all(audio, &m.audio_len);
		if (!m.audio)
			ly_warning("voicemail: cannot attach '%s'", audio);
	}
	ly_buf_init(&out);
	vm_mail_build(&m, &out);
	free((void *)m.audio);
	vm_fmt(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp), "/mail-%08x.eml", ly_random32());
	err = write_file(tmp, &out);
	ly_buf_free(&out);
	if (!err)
		err = run_mailcmd(conf->g.mailcmd, tmp);
	unlink(tmp);
	if (err)
		ly_warning("voicemail: mail to %s for %s@%s failed: %s", u->email, u->box,
			   u->context, strerror(err));
	else
		ly_verbose(2, "voicemail: mailed message %d of %s@%s to %s", num + 1, u->box,
			   u->context, u->email);
	return err;
}
