/*
 * modules/app_voicemail/vm_leave.c - VoiceMail(box[@context][&box2...][,options]):
 * a caller leaves a message.
 *
 * Asterisk's order: the greeting (options u unavailable, b busy, s none),
 * "leave your message after the tone", the beep, the recording (until #,
 * maxsilence or maxsecs; hanging up keeps the message).  During the
 * greeting # skips to the beep, 0 goes to extension 'o' and * to 'a' of
 * the current context (VMSTATUS=USEREXIT).  A message shorter than
 * minsecs is discarded.  Each mailbox of box1&box2 gets its own copy.
 * VMSTATUS: SUCCESS (a message was stored), USEREXIT, FAILED (no such
 * mailbox, mailbox full, nothing recorded or a storage error; logged).
 * Option U (urgent): the message goes to the box's Urgent folder with
 * flag=Urgent in its .txt, as Asterisk files it; it counts as new (and
 * urgent) for the phones and is announced first in VoiceMailMain.
 * The recording is written in every format of format= at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "vm_int.h"

#define MAX_BOXES 16

struct leave {
	struct ly_channel *c;
	struct vm_conf *conf;
	const struct vm_user *users[MAX_BOXES];
	int n;
	int stored[MAX_BOXES];	/* the message's number in each box, -1: none */
	bool busy, skip_greeting, urgent;
	bool direct;	/* from VoiceMailMain (reply, send): no "goodbye" */
};

static const char *target_folder(const struct leave *l)
{
	return l->urgent ? vm_folders[VM_URGENT] : "INBOX";
}

static void set_status(struct ly_channel *c, const char *st)
{
	ly_chan_var_set(c, "VMSTATUS", st);
}

/* The mailboxes of "a@ctx&b" that exist (unknown ones are logged). */
static void find_users(struct leave *l, char *spec)
{
	char *names[MAX_BOXES];
	int n = ly_app_split_args_sep(spec, '&', names, MAX_BOXES);

	for (int i = 0; i < n; i++) {
		char box[VM_NAME], ctx[VM_NAME];
		const struct vm_user *u;

		if (!names[i][0])
			continue;
		vm_split_box(names[i], box, sizeof(box), ctx, sizeof(ctx));
		u = vm_conf_find(l->conf, box, ctx);
		if (!u)
			ly_warning("%s: VoiceMail: no mailbox %s@%s", ly_chan_name(l->c), box, ctx);
		else
			l->users[l->n++] = u;
	}
}

static bool is_full(const struct leave *l, const struct vm_user *u)
{
	char dir[VM_PATH];

	if (vm_box_path(u->context, u->box, target_folder(l), dir, sizeof(dir)))
		return true;
	return vm_count(dir) >= vm_user_maxmsg(l->conf, u);
}

/* 0 or * during the greeting: extension o or a of the current context. */
static bool user_exit(struct ly_channel *c, char digit)
{
	char context[LY_MAX_CONTEXT], cid[128];
	const char *exten = digit == '0' ? "o" : "a";

	ly_pbx_context(c, context, sizeof(context));
	ly_chan_callerid_num(c, cid, sizeof(cid));
	if (!ly_exten_exists(context, exten, 1, cid[0] ? cid : NULL))
		return false;
	ly_verbose(3, "%s: VoiceMail: '%c' pressed: to %s@%s", ly_chan_name(c), digit, exten,
		   context);
	ly_pbx_goto_explicit(c, context, exten, 1);
	return true;
}

static void caller_id(struct ly_channel *c, char *out, size_t len)
{
	char name[128], num[128];

	ly_chan_callerid_name(c, name, sizeof(name));
	ly_chan_callerid_num(c, num, sizeof(num));
	if (name[0] && num[0])
		vm_fmt(out, len, "\"%s\" <%s>", name, num);
	else if (name[0])
		vm_fmt(out, len, "\"%s\"", name);
	else if (num[0])
		vm_fmt(out, len, "<%s>", num);
	else
		vm_fmt(out, len, "Unknown");
}

static void fill_info(struct ly_channel *c, const struct vm_user *u, unsigned ms, bool urgent,
		      struct vm_msginfo *m)
{
	time_t now = time(NULL);
	struct tm tm;

	memset(m, 0, sizeof(*m));
	vm_fmt(m->origmailbox, sizeof(m->origmailbox), "%s", u->box);
	ly_pbx_context(c, m->context, sizeof(m->context));
	ly_pbx_exten(c, m->exten, sizeof(m->exten));
	m->priority = ly_pbx_priority(c);
	vm_fmt(m->callerchan, sizeof(m->callerchan), "%s", ly_chan_name(c));
	caller_id(c, m->callerid, sizeof(m->callerid));
	localtime_r(&now, &tm);
	strftime(m->origdate, sizeof(m->origdate), "%a %b %e %r %Z %Y", &tm);
	m->origtime = (long long)now;
	vm_fmt(m->msg_id, sizeof(m->msg_id), "%lld-%08x", (long long)now, ly_random32());
	m->duration = (int)((ms + 500) / 1000);
	if (urgent)
		vm_fmt(m->flag, sizeof(m->flag), "Urgent");
}

/* The e-mails, once the caller is done (a slow mailcmd must not keep the
 * caller waiting for "message saved"). */
static void send_mails(const struct leave *l, const struct vm_msginfo *m)
{
	char dir[VM_PATH];

	for (int i = 0; i < l->n; i++) {
		const struct vm_user *u = l->users[i];

		if (l->stored[i] >= 0 && u->email[0] &&
		    vm_box_path(u->context, u->box, target_folder(l), dir, sizeof(dir)) == 0)
			vm_mail_notify(l->conf, u, dir, l->stored[i], m);
	}
}

/* Move the recording into the first mailbox, copy it to the others. */
static int store(struct leave *l, const char *base, const struct vm_msginfo *m)
{
	char boxdir[VM_PATH], inbox[VM_PATH];
	int first = -1, num = 0, stored = 0;

	for (int i = 0; i < l->n; i++) {
		const struct vm_user *u = l->users[i];
		int maxmsg = vm_user_maxmsg(l->conf, u), n, err;

		l->stored[i] = -1;
		vm_box_path(u->context, u->box, NULL, boxdir, sizeof(boxdir));
		if (first < 0)
			err = vm_deliver(boxdir, target_folder(l), base, maxmsg, &n);
		else
			err = vm_copy_msg(inbox, num, boxdir, target_folder(l), maxmsg, &n);
		if (err) {
			ly_warning("%s: VoiceMail: could not store the message in %s@%s: %s",
				   ly_chan_name(l->c), u->box, u->context,
				   err == EDQUOT ? "mailbox full" : strerror(err));
			continue;
		}
		if (first < 0) {
			first = i;
			num = n;
			vm_box_path(u->context, u->box, target_folder(l), inbox, sizeof(inbox));
		}
		ly_verbose(2, "%s: VoiceMail: %smessage msg%04d (%d s) for %s@%s from %s",
			   ly_chan_name(l->c), l->urgent ? "urgent " : "", n, m->duration, u->box,
			   u->context, m->callerid);
		l->stored[i] = n;
		vm_mwi_publish_box(u->context, u->box);
		stored++;
	}
	return stored;
}

/* The greeting; returns 1 to record, 0 when done (status set), -1 hangup. */
static int greeting(struct leave *l)
{
	const struct vm_user *u = l->users[0];
	int d = 0;

	if (!l->skip_greeting) {
		d = vm_greet_play(l->c, u, l->busy, "#0*");
		if (d == 0)
			d = vm_play(l->c, "vm-intro", "#0*");
	}
	if (d < 0)
		return -1;
	if ((d == '0' || d == '*') && user_exit(l->c, (char)d)) {
		set_status(l->c, "USEREXIT");
		return 0;
	}
	return 1;
}

static int record_message(struct leave *l)
{
	const struct vm_user *u = l->users[0];
	char tmp[VM_PATH], base[VM_PATH], path[VM_PATH];
	struct vm_general *g = &l->conf->g;
	struct vm_msginfo m;
	struct vm_rec r = {
		.max_ms = (unsigned)vm_user_maxsecs(l->conf, u) * 1000,
		.silence_ms = (unsigned)l->conf->g.maxsilence_ms,
		.on_dbfs = vm_threshold_dbfs(l->conf->g.silencethreshold) + 5,
		.off_dbfs = vm_threshold_dbfs(l->conf->g.silencethreshold),
		.ends = "#",
		.beep = true,
	};

	if (vm_box_mkdir(u->context, u->box, "tmp", tmp, sizeof(tmp)) != 0) {
		ly_warning("%s: VoiceMail: cannot make '%s'", ly_chan_name(l->c), tmp);
		set_status(l->c, "FAILED");
		return 0;
	}
	vm_fmt(base, sizeof(base), "%s/msg-%08x", tmp, ly_random32());
	if (vm_record_formats(l->c, base, g->formats, g->n_formats, &r) != 0) {
		set_status(l->c, "FAILED");
		return r.end == VM_REC_HANGUP ? -1 : 0;
	}
	if (r.ms < (unsigned)vm_user_minsecs(l->conf, u) * 1000 || r.ms == 0) {
		ly_verbose(2, "%s: VoiceMail: message of %u ms is shorter than minsecs: discarded",
			   ly_chan_name(l->c), r.ms);
		vm_discard(base);
		set_status(l->c, "FAILED");
		if (r.end != VM_REC_HANGUP)
			vm_play(l->c, "vm-tooshort", NULL);
		return r.end == VM_REC_HANGUP ? -1 : 0;
	}
	fill_info(l->c, u, r.ms, l->urgent, &m);
	vm_fmt(path, sizeof(path), "%s.txt", base);
	if (vm_msginfo_write(path, &m) != 0 || store(l, base, &m) == 0) {
		vm_discard(base);
		set_status(l->c, "FAILED");
		return r.end == VM_REC_HANGUP ? -1 : 0;
	}
	set_status(l->c, "SUCCESS");
	if (r.end != VM_REC_HANGUP && vm_play(l->c, "vm-msgsaved", NULL) == 0 &&
	    (l->direct || vm_play(l->c, "vm-goodbye", NULL) == 0)) {
		send_mails(l, &m);
		return 0;
	}
	send_mails(l, &m);
	return -1;
}

static int leave(struct leave *l)
{
	int free_at = -1;

	for (int i = 0; i < l->n && free_at < 0; i++)
		if (!is_full(l, l->users[i]))
			free_at = i;
	if (ly_chan_state(l->c) != LY_STATE_UP)
		ly_chan_answer(l->c);
	if (free_at < 0) {
		ly_notice("%s: VoiceMail: mailbox %s@%s is full (maxmsg %d)", ly_chan_name(l->c),
			  l->users[0]->box, l->users[0]->context,
			  vm_user_maxmsg(l->conf, l->users[0]));
		set_status(l->c, "FAILED");
		return vm_play(l->c, "vm-mailboxfull", NULL) < 0 ? -1 : 0;
	}
	/* Full boxes get nothing; the greeting is the first free box's. */
	memmove(l->users, l->users + free_at, (size_t)(l->n - free_at) * sizeof(l->users[0]));
	l->n -= free_at;
	for (int i = 1; i < l->n; i++)
		if (is_full(l, l->users[i])) {
			ly_notice("%s: VoiceMail: mailbox %s@%s is full", ly_chan_name(l->c),
				  l->users[i]->box, l->users[i]->context);
			memmove(l->users + i, l->users + i + 1,
				(size_t)(l->n - i - 1) * sizeof(l->users[0]));
			l->n--;
			i--;
		}
	switch (greeting(l)) {
	case -1:
		set_status(l->c, "FAILED");
		return -1;
	case 0:
		return 0;
	default:
		return record_message(l);
	}
}

static int voicemail_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), *argv[2] = { 0 };
	int n = ly_app_split_args(copy, argv, 2), res = 0;
	const char *opts = n > 1 ? argv[1] : "";
	struct leave l = { .c = c, .conf = vm_conf_get() };

	l.busy = strchr(opts, 'b') != NULL;
	l.skip_greeting = strchr(opts, 's') != NULL;
	l.urgent = strchr(opts, 'U') != NULL;
	if (argv[0] && argv[0][0])
		find_users(&l, argv[0]);
	if (!l.conf || l.n == 0) {
		ly_warning("%s: VoiceMail(%s): no such mailbox", ly_chan_name(c), args ? args : "");
		set_status(c, "FAILED");
	} else {
		res = leave(&l);
	}
	vm_conf_put(l.conf);
	free(copy);
	return res;
}

int vm_leave_direct(struct ly_channel *c, struct vm_conf *conf, const struct vm_user *u)
{
	struct leave l = { .c = c, .conf = conf, .n = 1, .skip_greeting = true, .direct = true };

	l.users[0] = u;
	return leave(&l);
}

static struct ly_app voicemail_app = {
	.name = "VoiceMail",
	.synopsis = "Leave a voicemail message",
	.description = "VoiceMail(box[@context][&box2...][,options]): see app_voicemail.xml.",
	.exec = voicemail_exec,
};

int vm_leave_register(struct ly_module *self)
{
	return ly_app_register(self, &voicemail_app);
}
