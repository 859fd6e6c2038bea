/*
 * modules/app_voicemail/vm_adv.c - VoiceMailMain's advanced options (key
 * 3 on a message), with Asterisk's keys and prompts:
 *
 *   1 reply: leave a message in the mailbox of the one who left this one,
 *     when their number is a mailbox of this box's context
 *   2 call back: the channel leaves VoiceMailMain for extension <caller's
 *     number> of the `callback` context (offered only when callback= is set)
 *   3 the envelope again (date, time, caller)
 *   5 send a message: to a mailbox of this context typed then # (offered
 *     when sendvoicemail=yes, Asterisk's option)
 *   * back to the message menu
 * Outdial (4, Asterisk's dialout=) is not there.
 */
#include <stdio.h>
#include <string.h>

#include <lyre/lyre.h>

#include "vm_int.h"

#define ANY "0123456789*#"
#define WAIT_MS 6000

static void current_info(struct vm_session *s, struct vm_msginfo *m)
{
	char txt[VM_PATH];

	vm_msg_path(s->dir, s->cur, "txt", txt, sizeof(txt));
	vm_msginfo_read(txt, m);
}

static int play_done(struct vm_session *s, const char *prompt)
{
	return vm_play(s->c, prompt, NULL) < 0 ? -1 : 0;
}

/* The caller's number, as the .txt has it; "" when none. */
static void caller_number(struct vm_session *s, char *num, size_t len)
{
	char name[VM_TEXT];
	struct vm_msginfo m;

	current_info(s, &m);
	vm_callerid_split(m.callerid, name, sizeof(name), num, len);
	if (!ly_strcaseeq(num, "Unknown"))
		return;
	num[0] = '\0';
}

static int leave_for(struct vm_session *s, const char *box, const char *why)
{
	const struct vm_user *to = vm_conf_find(s->conf, box, s->user.context);

	if (!to) {
		ly_verbose(3, "%s: VoiceMailMain: %s: no mailbox %s@%s", ly_chan_name(s->c), why,
			   box, s->user.context);
		return play_done(s, "vm-nobox");
	}
	ly_verbose(2, "%s: VoiceMailMain: %s@%s: %s to %s@%s", ly_chan_name(s->c), s->user.box,
		   s->user.context, why, to->box, to->context);
	return vm_leave_direct(s->c, s->conf, to);
}

static int reply(struct vm_session *s)
{
	char num[VM_TEXT];

	caller_number(s, num, sizeof(num));
	if (!num[0])
		return play_done(s, "vm-nonumber");
	return leave_for(s, num, "reply");
}

static int callback(struct vm_session *s, const char *context)
{
	char num[VM_TEXT];

	caller_number(s, num, sizeof(num));
	if (!num[0])
		return play_done(s, "vm-nonumber");
	if (!ly_exten_exists(context, num, 1, NULL) ||
	    ly_pbx_goto_explicit(s->c, context, num, 1) != 0) {
		ly_notice("%s: VoiceMailMain: call back: no extension %s@%s", ly_chan_name(s->c),
			  num, context);
		return play_done(s, "vm-sorry");
	}
	ly_verbose(2, "%s: VoiceMailMain: calling back %s@%s", ly_chan_name(s->c), num, context);
	s->left = true;
	return 0;
}

static int send_message(struct vm_session *s)
{
	char box[VM_NAME];

	if (vm_read_digits(s->c, "vm-extension", box, sizeof(box)) < 0)
		return -1;
	return box[0] ? leave_for(s, box, "message sent") : 0;
}

static bool can_send(const struct vm_session *s)
{
	return s->user.sendvoicemail >= 0 ? s->user.sendvoicemail == 1
					  : s->conf->g.sendvoicemail;
}

/* The menu: Asterisk says only the keys that work for this box. */
static int menu(struct vm_session *s, const char *cb)
{
	int d = vm_play(s->c, "vm-toreply", ANY);

	if (d == 0 && cb[0])
		d = vm_play(s->c, "vm-tocallback", ANY);
	if (d == 0)
		d = vm_play(s->c, "vm-tohearenv", ANY);
	if (d == 0 && can_send(s))
		d = vm_play(s->c, "vm-leavemsg", ANY);
	if (d == 0)
		d = vm_play(s->c, "vm-starmain", ANY);
	if (d == 0)
		d = ly_pbx_wait_digit(s->c, WAIT_MS);
	return d;
}

int vm_advanced(struct vm_session *s)
{
	const char *cb = vm_user_callback(s->conf, &s->user);
	struct vm_msginfo m;
	int d = menu(s, cb);

	switch (d) {
	case '1':
		return reply(s);
	case '2':
		return cb[0] ? callback(s, cb) : play_done(s, "vm-sorry");
	case '3':
		current_info(s, &m);
		return vm_envelope(s, &m);
	case '5':
		return can_send(s) ? send_message(s) : play_done(s, "vm-sorry");
	case '*':
	case 0:
		return 0;
	default:
		return d < 0 ? -1 : play_done(s, "vm-sorry");
	}
}
