/*
 * modules/app_voicemail/vm_greet.c - greetings, in the mailbox folder as
 * Asterisk keeps them: unavail.wav, busy.wav, greet.wav (the name) and
 * temp.wav (a temporary greeting that wins over the other two).
 *
 * What a caller hears (Asterisk's order): temp if there is one; else the
 * busy (option b) or unavailable greeting; else the default, "The person
 * at extension" and the box's digits (or the recorded name), then "is on
 * the phone" / "is not available".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "vm_int.h"

bool vm_greeting_path(const char *context, const char *box, const char *which, char *out,
		      size_t len)
{
	char dir[VM_PATH];

	if (vm_box_path(context, box, NULL, dir, sizeof(dir)))
		return false;
	vm_fmt(out, len, "%s/%s.wav", dir, which);
	return access(out, R_OK) == 0;
}

int vm_greet_play(struct ly_channel *c, const struct vm_user *u, bool busy, const char *stop)
{
	char path[VM_PATH];
	int d;

	if (vm_greeting_path(u->context, u->box, "temp", path, sizeof(path)) ||
	    vm_greeting_path(u->context, u->box, busy ? "busy" : "unavail", path, sizeof(path)))
		return vm_play_path(c, path, stop);
	if (vm_greeting_path(u->context, u->box, "greet", path, sizeof(path)))
		d = vm_play_path(c, path, stop);
	else if ((d = vm_play(c, "vm-theperson", stop)) == 0)
		d = vm_say_digits(c, u->box, stop);
	if (d == 0)
		d = vm_play(c, busy ? "vm-isonphone" : "vm-isunavail", stop);
	return d;
}

/* Which prompt asks for which greeting. */
static const char *ask_prompt(const char *which)
{
	if (!strcmp(which, "busy"))
		return "vm-rec-busy";
	if (!strcmp(which, "greet"))
		return "vm-rec-name";
	if (!strcmp(which, "temp"))
		return "vm-rec-temp";
	return "vm-rec-unv";
}

int vm_greet_record(struct ly_channel *c, const struct vm_conf *conf, const struct vm_user *u,
		    const char *which)
{
	char dir[VM_PATH], path[VM_PATH];
	struct vm_rec r = {
		.max_ms = (unsigned)vm_user_maxsecs(conf, u) * 1000,
		.silence_ms = (unsigned)conf->g.maxsilence_ms,
		.on_dbfs = vm_threshold_dbfs(conf->g.silencethreshold) + 5,
		.off_dbfs = vm_threshold_dbfs(conf->g.silencethreshold),
		.ends = "#*0123456789",
		.beep = true,
	};

	if (vm_box_mkdir(u->context, u->box, NULL, dir, sizeof(dir)) != 0)
		return 0;
	if (vm_play(c, ask_prompt(which), NULL) < 0)
		return -1;
	vm_fmt(path, sizeof(path), "%s/%s.wav", dir, which);
	/* The writer renames over the old greeting only when the new one is
	 * complete: a hangup keeps the audio so far, an error the old file. */
	vm_record(c, path, &r);
	ly_verbose(2, "voicemail: %s@%s recorded the %s greeting (%u ms)", u->box, u->context,
		   which, r.ms);
	if (r.end == VM_REC_HANGUP)
		return -1;
	return vm_play(c, "vm-msgsaved", NULL) < 0 ? -1 : 0;
}
