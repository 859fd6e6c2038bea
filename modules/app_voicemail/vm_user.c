/*
 * modules/app_voicemail/vm_user.c - one mailbox line of voicemail.conf:
 *
 *   100 => 1234,Alice Smith,alice@example.com,pager@example.com,attach=yes|tz=central
 *
 * The fields are Asterisk's: PIN, full name, e-mail, pager address and
 * options (name=value joined by '|'; Asterisk also takes ',' there, so
 * anything after the fourth comma is options).  This file does no I/O and
 * uses only libc, so tests/fuzz/fuzz_vm_user.c can run it on any input.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_int.h"

/* Copy [s, s+n) trimmed of white space into out (truncating). */
static void copy_field(const char *s, size_t n, char *out, size_t len)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static int yes_no(const char *v)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") ||
	    !strcmp(v, "1"))
		return 1;
	return 0;
}

static int number(const char *v, int max)
{
	long n = strtol(v, NULL, 10);

	return n < 0 ? 0 : n > max ? max : (int)n;
}

/* One name=value option. */
static void option(struct vm_user *u, const char *opt, size_t n)
{
	char name[VM_NAME], value[VM_TEXT];
	const char *eq = memchr(opt, '=', n);

	if (!eq) {
		copy_field(opt, n, name, sizeof(name));
		if (name[0] && !u->unknown[0])
			copy_field(name, strlen(name), u->unknown, sizeof(u->unknown));
		return;
	}
	copy_field(opt, (size_t)(eq - opt), name, sizeof(name));
	copy_field(eq + 1, n - (size_t)(eq + 1 - opt), value, sizeof(value));
	if (!strcasecmp(name, "attach"))
		u->attach = yes_no(value);
	else if (!strcasecmp(name, "tz"))
		copy_field(value, strlen(value), u->tz, sizeof(u->tz));
	else if (!strcasecmp(name, "sendvoicemail"))
		u->sendvoicemail = yes_no(value);
	else if (!strcasecmp(name, "callback"))
		copy_field(value, strlen(value), u->callback, sizeof(u->callback));
	else if (!strcasecmp(name, "maxmsg"))
		u->maxmsg = number(value, VM_MAX_MSG);
	else if (!strcasecmp(name, "maxsecs") || !strcasecmp(name, "maxmessage"))
		u->maxsecs = number(value, 86400);
	else if (!strcasecmp(name, "minsecs"))
		u->minsecs = number(value, 86400);
	else if (!strcasecmp(name, "saycid"))
		u->saycid = yes_no(value);
	else if (!strcasecmp(name, "envelope"))
		u->envelope = yes_no(value);
	else if (name[0] && !u->unknown[0])
		snprintf(u->unknown, sizeof(u->unknown), "%s", name);
}

static void options(struct vm_user *u, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "|,");

		if (n)
			option(u, s, n);
		s += n;
		if (*s)
			s++;
	}
}

static bool valid_pin(const char *p)
{
	/* Asterisk allows a leading '-' (the user may not change it) and '*'
	 * (no PIN asked); we keep digits only, what a phone can type. */
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

int vm_user_parse(const char *context, const char *box, const char *value,
		  struct vm_user *u, const char **why)
{
	char *fields[4] = { 0 };
	const char *s = value;
	size_t lens[4] = { 0 };
	int n = 0;

	memset(u, 0, sizeof(*u));
	u->attach = u->saycid = u->envelope = u->sendvoicemail = -1;
	copy_field(context, strlen(context), u->context, sizeof(u->context));
	copy_field(box, strlen(box), u->box, sizeof(u->box));
	if (!u->box[0] || strpbrk(u->box, "/@&,|") || strstr(u->box, "..") || u->box[0] == '.') {
		*why = "a mailbox number must be a plain name (no / @ & , | or ..)";
		return EINVAL;
	}
	if (!u->context[0] || strpbrk(u->context, "/@&") || u->context[0] == '.') {
		*why = "a context name must be a plain name";
		return EINVAL;
	}
	/* The first four fields end at commas; the rest are options. */
	while (n < 4) {
		size_t len = strcspn(s, ",");

		fields[n] = (char *)s;
		lens[n++] = len;
		s += len;
		if (*s != ',')
			break;
		s++;
	}
	copy_field(fields[0], lens[0], u->pin, sizeof(u->pin));
	if (n > 1)
		copy_field(fields[1], lens[1], u->fullname, sizeof(u->fullname));
	if (n > 2)
		copy_field(fields[2], lens[2], u->email, sizeof(u->email));
	if (n > 3)
		copy_field(fields[3], lens[3], u->pager, sizeof(u->pager));
	if (n == 4 && *s)
		options(u, s);
	if (!valid_pin(u->pin)) {
		*why = "the PIN must be digits";
		return EINVAL;
	}
	/* An address goes into a mail header: one line, no brackets. */
	if (strpbrk(u->email, "\r\n<>\"") || strpbrk(u->pager, "\r\n<>\"")) {
		*why = "an e-mail address may not hold < > \" or line breaks";
		return EINVAL;
	}
	return 0;
}
