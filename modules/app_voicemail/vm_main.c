/*
 * modules/app_voicemail/vm_main.c - VoiceMailMain([box][@context][,options]):
 * a user listens to their messages.
 *
 * Login: the box (asked unless given) and the PIN (option s: none; p: the
 * box argument is a prefix for the digits typed), maxlogins tries, then
 * "goodbye" and a hangup.  Then "You have N new and M old messages" and
 * the main menu, with Asterisk's keys:
 *   1 the first message of the folder     2 change folder (0-4)
 *   3 advanced options (vm_adv.c)         4 previous   5 repeat   6 next
 *   7 delete / undelete this message      8 forward to another mailbox
 *   9 save this message to a folder (0-4) 0 mailbox options
 *   * help                                # goodbye
 * Mailbox options: 1 unavailable, 2 busy, 3 name greeting, 4 temporary
 * greeting (record or remove), 5 change the PIN, * back.
 *
 * As in Asterisk, the folder's changes are applied when the user leaves
 * it (another folder, #, or a hangup): messages marked deleted go, those
 * saved elsewhere move, and INBOX messages that were played move to Old.
 * Message numbers therefore stay put while the user browses.  Counts go
 * to the phones (MWI) after that.
 *
 * Urgent messages (VoiceMail's U) are in the Urgent folder: the intro
 * says "N urgent" first, that folder opens first, and "next" after its
 * last message goes on to INBOX, as in Asterisk.  Heard, they go to Old.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lyre/lyre.h>

#include "vm_int.h"
#include "../app_say/say_en.h"

#define ANY "0123456789*#"
#define FIRST_DIGIT_MS 5000
#define NEXT_DIGIT_MS 3000
#define MENU_TRIES 3

/* Digits until # (not kept), a pause or `len`-1 digits: 0, or -1 on hangup. */
int vm_read_digits(struct ly_channel *c, const char *prompt, char *buf, size_t len)
{
	size_t n = 0;
	int d = prompt ? vm_play(c, prompt, ANY) : 0;

	buf[0] = '\0';
	while (n + 1 < len) {
		if (d == 0)
			d = ly_pbx_wait_digit(c, n ? NEXT_DIGIT_MS : FIRST_DIGIT_MS);
		if (d < 0)
			return -1;
		if (d == 0 || d == '#')
			break;
		buf[n++] = (char)d;
		buf[n] = '\0';
		d = 0;
	}
	return 0;
}

/* ---- Login ---- */

static bool check_login(struct vm_session *s, const char *box, const char *ctx,
			const char *pin, bool skip_pin)
{
	const struct vm_user *u = vm_conf_find(s->conf, box, ctx);

	if (!u || (!skip_pin && strcmp(u->pin, pin) != 0))
		return false;
	s->user = *u;
	return true;
}

/* 0 logged in, -1 hangup or too many tries (the caller is told). */
static int login(struct vm_session *s, const char *given, const char *ctx, bool skip_pin,
		 bool prefix)
{
	char box[VM_NAME], typed[VM_NAME], pin[VM_NAME];
	bool ask_box = !given[0] || prefix;

	for (int tries = 0; tries < s->conf->g.maxlogins; tries++) {
		vm_fmt(box, sizeof(box), "%s", given);
		if (ask_box) {
			if (vm_read_digits(s->c, tries ? "vm-incorrect-mailbox" : "vm-login", typed,
					   sizeof(typed)) < 0)
				return -1;
			vm_fmt(box, sizeof(box), "%s%s", prefix ? given : "", typed);
		} else if (tries && vm_play(s->c, "vm-incorrect", NULL) < 0) {
			return -1;
		}
		pin[0] = '\0';
		if (!skip_pin && vm_read_digits(s->c, "vm-password", pin, sizeof(pin)) < 0)
			return -1;
		if (check_login(s, box, ctx, pin, skip_pin)) {
			ly_verbose(2, "%s: VoiceMailMain: %s@%s logged in", ly_chan_name(s->c), box,
				   ctx);
			return 0;
		}
		ly_notice("%s: VoiceMailMain: failed login to %s@%s (try %d of %d)",
			  ly_chan_name(s->c), box, ctx, tries + 1, s->conf->g.maxlogins);
	}
	ly_warning("%s: VoiceMailMain: %d failed logins: hanging up", ly_chan_name(s->c),
		   s->conf->g.maxlogins);
	if (!ask_box || vm_play(s->c, "vm-incorrect", NULL) >= 0)
		vm_play(s->c, "vm-goodbye", NULL);
	return -1;
}

/* ---- Folders ---- */

static void open_folder(struct vm_session *s, int folder)
{
	int fd;

	s->folder = folder;
	s->cur = -1;
	vm_fmt(s->dir, sizeof(s->dir), "%s/%s", s->boxdir, vm_folders[folder]);
	memset(s->deleted, 0, sizeof(s->deleted));
	memset(s->heard, 0, sizeof(s->heard));
	memset(s->moveto, -1, sizeof(s->moveto));
	if (vm_lock(s->boxdir, &fd) == 0) {
		int n = vm_resequence(s->dir);

		s->count = n < 0 ? 0 : n;
		vm_unlock(fd);
	} else {
		s->count = vm_count(s->dir);
	}
}

/* Apply the marks: delete, move, and played INBOX messages to Old. */
static void close_folder(struct vm_session *s)
{
	int maxmsg = vm_user_maxmsg(s->conf, &s->user), fd, changed = 0;

	if (vm_lock(s->boxdir, &fd) != 0)
		return;
	for (int i = 0; i < s->count; i++) {
		bool is_new = s->folder == 0 || s->folder == VM_URGENT;
		int to = s->moveto[i] >= 0 ? s->moveto[i] : is_new && s->heard[i] ? 1 : -1;

		if (s->deleted[i]) {
			vm_remove_msg(s->dir, i);
			changed++;
		} else if (to >= 0 && to != s->folder) {
			int err = vm_move_msg(s->boxdir, vm_folders[s->folder], i, vm_folders[to],
					      maxmsg);

			if (err)
				ly_warning("%s: VoiceMailMain: msg%04d not moved to %s: %s",
					   ly_chan_name(s->c), i, vm_folders[to],
					   err == EDQUOT ? "folder full" : strerror(err));
			else
				changed++;
		}
	}
	vm_resequence(s->dir);
	vm_unlock(fd);
	if (changed)
		ly_verbose(2, "%s: VoiceMailMain: %s@%s %s: %d messages deleted or moved",
			   ly_chan_name(s->c), s->user.box, s->user.context, vm_folders[s->folder],
			   changed);
	vm_mwi_publish_box(s->user.context, s->user.box);
	s->count = 0;
}

/* "N new messages", "one old message", "no messages". */
static int say_count(struct vm_session *s, int n, const char *folder)
{
	char prompt[32];
	int d = n ? vm_say_number(s->c, n, ANY) : vm_play(s->c, "vm-no", ANY);

	vm_fmt(prompt, sizeof(prompt), "vm-%s", folder);
	if (d == 0)
		d = vm_play(s->c, prompt, ANY);
	if (d == 0)
		d = vm_play(s->c, n == 1 ? "vm-message" : "vm-messages", ANY);
	return d;
}

/* "You have 1 urgent and 2 new and 3 old messages" (new_msgs counts
 * INBOX only here). */
static int intro(struct vm_session *s, int urgent, int new_msgs, int old_msgs)
{
	int d = vm_play(s->c, "vm-youhave", ANY);

	if (d == 0 && urgent) {
		d = vm_say_number(s->c, urgent, ANY);
		if (d == 0)
			d = vm_play(s->c, "vm-Urgent", ANY);
		if (d == 0 && (new_msgs || old_msgs))
			d = vm_play(s->c, "vm-and", ANY);
		else if (d == 0)
			d = vm_play(s->c, urgent == 1 ? "vm-message" : "vm-messages", ANY);
	}
	if (d == 0 && (new_msgs || (!old_msgs && !urgent)))
		d = say_count(s, new_msgs, "INBOX");
	if (d == 0 && new_msgs && old_msgs)
		d = vm_play(s->c, "vm-and", ANY);
	if (d == 0 && old_msgs)
		d = say_count(s, old_msgs, "Old");
	return d;
}

/* ---- One message ---- */

/* The date as the box's zone sees it (vm_tz.c), in its zone's words. */
int vm_envelope(struct vm_session *s, const struct vm_msginfo *m)
{
	const struct vm_zone *z = vm_conf_zone(s->conf, s->user.tz);
	time_t t = (time_t)m->origtime, now = time(NULL);
	struct tm tm, tnow;
	struct say_list l = { 0 };
	char name[VM_TEXT], num[VM_TEXT], abbr[LY_TZ_ABBR_LEN], abbr2[LY_TZ_ABBR_LEN];
	int d = 0;

	vm_user_localtime(s->conf, &s->user, t, &tm, abbr, sizeof(abbr));
	vm_user_localtime(s->conf, &s->user, now, &tnow, abbr2, sizeof(abbr2));
	say_time_en(&l, &tm, &tnow, z ? z->format : "'vm-received' q 'digits/at' IMp");
	for (size_t i = 0; i < l.n && !d; i++)
		d = vm_play(s->c, l.name[i], ANY);
	if (d || !(s->user.saycid >= 0 ? s->user.saycid : s->conf->g.saycid))
		return d;
	vm_callerid_split(m->callerid, name, sizeof(name), num, sizeof(num));
	if (!num[0])
		return vm_play(s->c, "vm-unknown-caller", ANY);
	d = vm_play(s->c, "vm-from-phonenumber", ANY);
	return d ? d : vm_say_digits(s->c, num, ANY);
}

/* "First message" / "Message 3" / "Last message", envelope, audio. */
static int play_msg(struct vm_session *s)
{
	char txt[VM_PATH], audio[VM_PATH];
	struct vm_msginfo m;
	int d;

	if (s->cur == 0)
		d = vm_play(s->c, "vm-first", ANY);
	else if (s->cur == s->count - 1)
		d = vm_play(s->c, "vm-last", ANY);
	else
		d = 0;
	if (d == 0)
		d = vm_play(s->c, "vm-message", ANY);
	if (d == 0 && s->cur > 0 && s->cur < s->count - 1)
		d = vm_say_number(s->c, s->cur + 1, ANY);
	vm_msg_path(s->dir, s->cur, "txt", txt, sizeof(txt));
	vm_msginfo_read(txt, &m);
	if (d == 0 && (s->user.envelope >= 0 ? s->user.envelope : s->conf->g.envelope))
		d = vm_envelope(s, &m);
	if (d)
		return d;
	s->heard[s->cur] = 1;
	if (vm_msg_audio(s->dir, s->cur, audio, sizeof(audio)) != 0) {
		ly_warning("%s: VoiceMailMain: msg%04d of %s has no audio", ly_chan_name(s->c),
			   s->cur, s->dir);
		return 0;
	}
	return vm_play_path(s->c, audio, ANY);
}

static int pick_folder(struct vm_session *s, const char *prompt)
{
	int d = vm_play(s->c, prompt, ANY);

	if (d == 0)
		d = ly_pbx_wait_digit(s->c, FIRST_DIGIT_MS);
	if (d < 0)
		return -2;
	return d >= '0' && d < '0' + VM_N_USER_FOLDERS ? d - '0' : -1;
}

static int forward(struct vm_session *s)
{
	char box[VM_NAME], dir[VM_PATH];
	const struct vm_user *to;
	int n, err;

	if (vm_read_digits(s->c, "vm-extension", box, sizeof(box)) < 0)
		return -1;
	to = vm_conf_find(s->conf, box, s->user.context);
	if (!to)
		return vm_play(s->c, "invalid", NULL) < 0 ? -1 : 0;
	vm_box_path(to->context, to->box, NULL, dir, sizeof(dir));
	err = vm_copy_msg(s->dir, s->cur, dir, "INBOX", vm_user_maxmsg(s->conf, to), &n);
	if (err) {
		ly_warning("%s: VoiceMailMain: forward to %s@%s failed: %s", ly_chan_name(s->c),
			   to->box, to->context, err == EDQUOT ? "mailbox full" : strerror(err));
		return vm_play(s->c, err == EDQUOT ? "vm-mailboxfull" : "vm-sorry", NULL) < 0 ? -1
											     : 0;
	}
	ly_verbose(2, "%s: VoiceMailMain: msg%04d of %s@%s forwarded to %s@%s",
		   ly_chan_name(s->c), s->cur, s->user.box, s->user.context, to->box, to->context);
	vm_mwi_publish_box(to->context, to->box);
	return vm_play(s->c, "vm-msgsaved", NULL) < 0 ? -1 : 0;
}

/* ---- Mailbox options ---- */

static int change_pin(struct vm_session *s)
{
	char a[VM_NAME], b[VM_NAME];

	if (vm_read_digits(s->c, "vm-newpassword", a, sizeof(a)) < 0 ||
	    vm_read_digits(s->c, "vm-reenterpassword", b, sizeof(b)) < 0)
		return -1;
	if (strcmp(a, b) != 0)
		return vm_play(s->c, "vm-mismatch", NULL) < 0 ? -1 : 0;
	if (!a[0] || (int)strlen(a) < s->conf->g.minpassword)
		return vm_play(s->c, "vm-invalid-password", NULL) < 0 ? -1 : 0;
	if (vm_pin_change(&s->user, a) != 0)
		return vm_play(s->c, "vm-sorry", NULL) < 0 ? -1 : 0;
	vm_fmt(s->user.pin, sizeof(s->user.pin), "%s", a);
	return vm_play(s->c, "vm-passchanged", NULL) < 0 ? -1 : 0;
}

static int temp_greeting(struct vm_session *s)
{
	char path[VM_PATH];
	int d;

	if (!vm_greeting_path(s->user.context, s->user.box, "temp", path, sizeof(path)))
		return vm_greet_record(s->c, s->conf, &s->user, "temp");
	d = vm_play(s->c, "vm-tempgreeting2", ANY);
	if (d == 0)
		d = ly_pbx_wait_digit(s->c, FIRST_DIGIT_MS);
	if (d == '1')
		return vm_greet_record(s->c, s->conf, &s->user, "temp");
	if (d == '2') {
		remove(path);
		return vm_play(s->c, "vm-tempremoved", NULL) < 0 ? -1 : 0;
	}
	return d < 0 ? -1 : 0;
}

static int options_menu(struct vm_session *s)
{
	static const char *const which[] = { "unavail", "busy", "greet" };

	for (;;) {
		int d = vm_play(s->c, "vm-options", ANY);

		if (d == 0)
			d = ly_pbx_wait_digit(s->c, FIRST_DIGIT_MS);
		if (d <= 0 || d == '*' || d == '#')
			return d < 0 ? -1 : 0;
		if (d >= '1' && d <= '3')
			d = vm_greet_record(s->c, s->conf, &s->user, which[d - '1']);
		else if (d == '4')
			d = temp_greeting(s);
		else if (d == '5')
			d = change_pin(s);
		else
			d = vm_play(s->c, "vm-sorry", NULL);
		if (d < 0)
			return -1;
	}
}

/* ---- The menu ---- */

static int no_more(struct vm_session *s)
{
	return vm_play(s->c, "vm-nomore", ANY);
}

/* After the last urgent message, INBOX's messages (Asterisk's order). */
static int urgent_done(struct vm_session *s)
{
	close_folder(s);
	open_folder(s, 0);
	if (!s->count)
		return no_more(s);
	s->cur = 0;
	return play_msg(s);
}

/* Keys about the current message; returns the next key (0: none), -1. */
static int message_key(struct vm_session *s, int key)
{
	int to;

	switch (key) {
	case '3':
		return s->cur >= 0 ? vm_advanced(s) : no_more(s);
	case '4':
		if (s->cur <= 0)
			return no_more(s);
		s->cur--;
		return play_msg(s);
	case '5':
		return s->cur >= 0 ? play_msg(s) : no_more(s);
	case '6':
		if (s->cur + 1 >= s->count && s->folder == VM_URGENT)
			return urgent_done(s);
		if (s->cur + 1 >= s->count)
			return no_more(s);
		s->cur++;
		return play_msg(s);
	case '7':
		if (s->cur < 0)
			return no_more(s);
		s->deleted[s->cur] ^= 1;
		return vm_play(s->c, s->deleted[s->cur] ? "vm-deleted" : "vm-undeleted", ANY);
	case '8':
		return s->cur >= 0 ? forward(s) : no_more(s);
	case '9':
		if (s->cur < 0)
			return no_more(s);
		if ((to = pick_folder(s, "vm-savefolder")) == -2)
			return -1;
		if (to < 0)
			return 0;
		s->moveto[s->cur] = (signed char)to;
		key = vm_play(s->c, "vm-message", ANY);
		if (key == 0)
			key = vm_play(s->c, "vm-savedto", ANY);
		if (key == 0) {
			char p[32];

			vm_fmt(p, sizeof(p), "vm-%s", vm_folders[to]);
			key = vm_play(s->c, p, ANY);
		}
		return key;
	}
	return 0;
}

static int menu_prompt(struct vm_session *s)
{
	char p[32];
	int d;

	if (s->cur >= 0)
		return vm_play(s->c, "vm-msginstruct", ANY);
	vm_fmt(p, sizeof(p), "vm-%s", vm_folders[s->folder]);
	d = s->count ? vm_play(s->c, "vm-onefor", ANY) : 0;
	if (d == 0 && s->count)
		d = vm_play(s->c, p, ANY);
	if (d == 0 && s->count)
		d = vm_play(s->c, "vm-messages", ANY);
	return d ? d : vm_play(s->c, "vm-opts", ANY);
}

static int run_menu(struct vm_session *s, int key)
{
	int idle = 0;

	for (;;) {
		int f;

		if (key == 0)
			key = menu_prompt(s);
		if (key == 0)
			key = ly_pbx_wait_digit(s->c, FIRST_DIGIT_MS);
		if (key < 0)
			return -1;
		if (key == 0) {
			if (++idle >= MENU_TRIES)
				break;
			continue;
		}
		idle = 0;
		switch (key) {
		case '#':
			goto out;
		case '1':
			s->cur = 0;
			key = s->count ? play_msg(s) : no_more(s);
			if (!s->count)
				s->cur = -1;
			break;
		case '2':
			if ((f = pick_folder(s, "vm-changeto")) == -2)
				return -1;
			key = 0;
			if (f >= 0) {
				close_folder(s);
				open_folder(s, f);
				key = say_count(s, s->count, vm_folders[f]);
			}
			break;
		case '0':
			key = options_menu(s);
			break;
		case '*':
			key = vm_play(s->c, "vm-msginstruct", ANY);
			if (key == 0)
				key = vm_play(s->c, "vm-helpexit", ANY);
			break;
		default:
			key = message_key(s, key);
			break;
		}
		if (key < 0)
			return -1;
		if (s->left)
			return 0;	/* 3, 2: the channel goes on in the callback context */
		/* after a message: a moment for a key before the menu again */
		if (key == 0 && s->cur >= 0)
			key = ly_pbx_wait_digit(s->c, NEXT_DIGIT_MS);
		if (key < 0)
			return -1;
	}
out:
	return vm_play(s->c, "vm-goodbye", NULL) < 0 ? -1 : 0;
}

static int session(struct vm_session *s)
{
	int new_msgs, old_msgs, urgent, key, res, fd;

	vm_box_mkdir(s->user.context, s->user.box, NULL, s->boxdir, sizeof(s->boxdir));
	if (vm_lock(s->boxdir, &fd) == 0) {
		for (int f = 0; f < VM_N_FOLDERS; f++) {
			char dir[VM_PATH];

			vm_fmt(dir, sizeof(dir), "%s/%s", s->boxdir, vm_folders[f]);
			vm_resequence(dir);
		}
		vm_unlock(fd);
	}
	vm_box_counts3(s->user.context, s->user.box, &new_msgs, &old_msgs, &urgent);
	new_msgs -= urgent;
	open_folder(s, urgent ? VM_URGENT : new_msgs || !old_msgs ? 0 : 1);
	key = intro(s, urgent, new_msgs, old_msgs);
	res = key < 0 ? -1 : run_menu(s, key);
	close_folder(s);	/* also after a hangup: what was heard moves to Old */
	return res;
}

static int voicemailmain_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), *argv[2] = { 0 };
	char box[VM_NAME] = "", ctx[VM_NAME] = "default";
	int n = ly_app_split_args(copy, argv, 2), res = 0;
	const char *opts = n > 1 ? argv[1] : "";
	struct vm_session *s = ly_calloc(1, sizeof(*s));

	s->c = c;
	s->conf = vm_conf_get();
	if (argv[0] && argv[0][0])
		vm_split_box(argv[0], box, sizeof(box), ctx, sizeof(ctx));
	if (ly_chan_state(c) != LY_STATE_UP)
		ly_chan_answer(c);
	if (!s->conf)
		res = -1;
	else if ((res = login(s, box, ctx, strchr(opts, 's') && box[0], strchr(opts, 'p'))) == 0)
		res = session(s);
	vm_conf_put(s->conf);
	free(s);
	free(copy);
	return res;
}

static struct ly_app voicemailmain_app = {
	.name = "VoiceMailMain",
	.synopsis = "Listen to voicemail messages",
	.description = "VoiceMailMain([box][@context][,options]): see app_voicemail.xml.",
	.exec = voicemailmain_exec,
};

int vm_main_register(struct ly_module *self)
{
	return ly_app_register(self, &voicemailmain_app);
}
