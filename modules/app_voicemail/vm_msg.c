/*
 * modules/app_voicemail/vm_msg.c - a message's .txt, Asterisk's format:
 *
 *   ;
 *   ; Message Information file
 *   ;
 *   [message]
 *   origmailbox=100
 *   ...
 *
 * Tools that read Asterisk's spool read these keys.  Every value is put
 * on one line: a caller id is outside input, and a line break in it must
 * not add keys (or sections) to the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "vm_int.h"

int vm_fmt(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < len)
		return 0;
	ly_warning("voicemail: '%.60s...' is too long (%d bytes): cut", out, n);
	return ENAMETOOLONG;
}

void vm_clean_line(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; in && *in && n + 1 < len; in++)
		out[n++] = (unsigned char)*in < 0x20 || *in == 0x7f ? ' ' : *in;
	out[n] = '\0';
}

int vm_msginfo_write(const char *path, const struct vm_msginfo *m)
{
	char cid[VM_TEXT], chan[VM_TEXT];
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return errno;
	vm_clean_line(m->callerid, cid, sizeof(cid));
	vm_clean_line(m->callerchan, chan, sizeof(chan));
	fprintf(f, ";\n; Message Information file\n;\n[message]\n");
	fprintf(f, "origmailbox=%s\ncontext=%s\nmacrocontext=\nexten=%s\nrdnis=unknown\n",
		m->origmailbox, m->context, m->exten);
	fprintf(f, "priority=%d\ncallerchan=%s\ncallerid=%s\norigdate=%s\norigtime=%lld\n",
		m->priority, chan, cid, m->origdate, m->origtime);
	fprintf(f, "category=\nmsg_id=%s\nflag=%s\nduration=%d\n", m->msg_id, m->flag,
		m->duration);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		err = errno;
	if (fclose(f) != 0 && !err)
		err = errno;
	return err;
}

static void set(struct vm_msginfo *m, const char *k, const char *v)
{
	if (!strcmp(k, "origmailbox"))
		vm_fmt(m->origmailbox, sizeof(m->origmailbox), "%s", v);
	else if (!strcmp(k, "context"))
		vm_fmt(m->context, sizeof(m->context), "%s", v);
	else if (!strcmp(k, "exten"))
		vm_fmt(m->exten, sizeof(m->exten), "%s", v);
	else if (!strcmp(k, "callerchan"))
		vm_fmt(m->callerchan, sizeof(m->callerchan), "%s", v);
	else if (!strcmp(k, "callerid"))
		vm_fmt(m->callerid, sizeof(m->callerid), "%s", v);
	else if (!strcmp(k, "origdate"))
		vm_fmt(m->origdate, sizeof(m->origdate), "%s", v);
	else if (!strcmp(k, "msg_id"))
		vm_fmt(m->msg_id, sizeof(m->msg_id), "%s", v);
	else if (!strcmp(k, "flag"))
		vm_fmt(m->flag, sizeof(m->flag), "%s", v);
	else if (!strcmp(k, "origtime"))
		m->origtime = strtoll(v, NULL, 10);
	else if (!strcmp(k, "duration"))
		m->duration = atoi(v);
	else if (!strcmp(k, "priority"))
		m->priority = atoi(v);
}

int vm_msginfo_read(const char *path, struct vm_msginfo *m)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	memset(m, 0, sizeof(*m));
	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == ';' || line[0] == '[' || !eq)
			continue;
		*eq = '\0';
		set(m, line, eq + 1);
	}
	fclose(f);
	return 0;
}

void vm_callerid_split(const char *cid, char *name, size_t nlen, char *num, size_t numlen)
{
	const char *lt = strrchr(cid, '<'), *gt = lt ? strchr(lt, '>') : NULL;

	name[0] = num[0] = '\0';
	if (lt && gt) {
		const char *s = cid, *e = lt;

		while (s < e && (*s == ' ' || *s == '"'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '"'))
			e--;
		vm_fmt(name, nlen, "%.*s", (int)(e - s), s);
		vm_fmt(num, numlen, "%.*s", (int)(gt - lt - 1), lt + 1);
	} else {
		vm_fmt(num, numlen, "%s", cid);
	}
}
