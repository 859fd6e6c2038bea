/*
 * modules/app_voicemail/vm_int.h - the parts of app_voicemail shared
 * between its files.
 *
 * Files, one job each:
 *   vm_user.c    one mailbox line of voicemail.conf (no I/O: fuzzed)
 *   vm_conf.c    voicemail.conf: [general], [zonemessages], the contexts;
 *                the current configuration, swapped whole on reload
 *   vm_pin.c     PIN changes written back into voicemail.conf
 *   vm_store.c   the spool: folders, numbering, locking, resequencing
 *   vm_msg.c     a message's .txt (Asterisk's [message] file)
 *   vm_record.c  recording from a channel (silence, maxsecs, keys)
 *   vm_leave.c   VoiceMail()
 *   vm_greet.c   greetings: which one plays, recording them
 *   vm_main.c    VoiceMailMain(): login and the menus
 *   vm_mail.c    the notification e-mail (MIME) and mailcmd
 *   vm_mwi.c     counts to lyre/mwi.h
 *   vm_poll.c    pollmailboxes: one thread recounts, publishes changes
 *   vm_tz.c      a mailbox's time zone ([zonemessages], tz=)
 *   vm_adv.c     VoiceMailMain's advanced options (3): reply, callback,
 *                envelope, send a message
 *   vm_cli.c     voicemail show users|zones, voicemail reload
 *   vm_funcs.c   MAILBOX_EXISTS and VM_INFO
 */
#ifndef APP_VOICEMAIL_VM_INT_H
#define APP_VOICEMAIL_VM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct ly_buf;
struct ly_channel;
struct ly_config;

#define VM_NAME 80	/* contexts, boxes, PINs, zone names */
#define VM_TEXT 256	/* full names, addresses */
#define VM_PATH 1024
#define VM_MAX_MSG 9999	/* msg0000 .. msg9998, as Asterisk */

/* snprintf into a fixed buffer, cutting what does not fit: 0, or
 * ENAMETOOLONG when it was cut (vm_msg.c).  Names and paths here are
 * bounded by voicemail.conf's checks, so a cut is logged, not fatal. */
int vm_fmt(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- Configuration (vm_user.c, vm_conf.c) ---- */

struct vm_user {
	char context[VM_NAME], box[VM_NAME];
	char pin[VM_NAME];
	char fullname[VM_TEXT], email[VM_TEXT], pager[VM_TEXT];
	char tz[VM_NAME];	/* a [zonemessages] name, "" for the default */
	char callback[VM_NAME];	/* callback= context ("" : [general]'s) */
	int sendvoicemail;	/* -1: [general] decides */
	int attach;		/* -1: [general] decides */
	int maxmsg, maxsecs, minsecs;	/* 0: [general] decides */
	int saycid, envelope;	/* -1: [general] decides */
	char unknown[VM_NAME];	/* the first option the parser did not know */
	char file[VM_PATH];	/* where the line is (for PIN changes) */
	int line;
};

/*
 * Parse one mailbox line, `box => pin,full name,email,pager,options`
 * where options are `name=value` joined by '|' (or ','), as Asterisk
 * reads them.  Fields may be left empty.  0, or EINVAL with *why set.
 */
int vm_user_parse(const char *context, const char *box, const char *value,
		  struct vm_user *u, const char **why);

struct vm_zone {
	char name[VM_NAME];
	char tz[VM_NAME];	/* "America/Chicago" */
	char format[VM_TEXT];	/* SayUnixTime-style, with 'quoted' prompts */
};

#define VM_MAX_FORMATS 8

struct vm_general {
	/* format=wav|ulaw|...: the extensions Lyre records, in the listed order
	 * (the first is the one attached to the e-mail); never empty. */
	char formats[VM_MAX_FORMATS][8];
	int n_formats;
	int maxmsg, maxsecs, minsecs, maxsilence_ms, maxlogins;
	int silencethreshold;	/* Asterisk's average amplitude, 0..32767 */
	bool attach, saycid, envelope, review_operator;
	char serveremail[VM_TEXT], fromstring[VM_TEXT];
	char emailsubject[1024], emailbody[4096];
	char mailcmd[VM_PATH];
	char callback[VM_NAME];	/* context where 3,2 calls the caller back */
	bool sendvoicemail;	/* 3,5: send a message to another box */
	bool pollmailboxes;
	int pollfreq;
	int minpassword;
};

struct vm_conf {
	struct vm_general g;
	struct vm_user *users;
	size_t n_users;
	struct vm_zone *zones;
	size_t n_zones;
	int refs;
};

/* Parse a loaded voicemail.conf; warnings are logged.  0 or EINVAL (err set). */
int vm_conf_build(const struct ly_config *cfg, struct vm_conf **out, char *err, size_t len);
/* Load <confdir>/voicemail.conf and make it current; on failure the old
 * one stays.  0 or an errno. */
int vm_conf_reload(void);
/* The current configuration, held; vm_conf_put releases it.  Never NULL
 * after a successful load (an empty one when the file is missing). */
struct vm_conf *vm_conf_get(void);
void vm_conf_put(struct vm_conf *c);
void vm_conf_free_current(void);
/* "100" or "100@office" (context "default" when none).  NULL if none. */
const struct vm_user *vm_conf_find(const struct vm_conf *c, const char *box, const char *context);
const struct vm_zone *vm_conf_zone(const struct vm_conf *c, const char *name);
/* Per-user values with [general] as the default. */
int vm_user_maxmsg(const struct vm_conf *c, const struct vm_user *u);
int vm_user_maxsecs(const struct vm_conf *c, const struct vm_user *u);
int vm_user_minsecs(const struct vm_conf *c, const struct vm_user *u);
bool vm_user_attach(const struct vm_conf *c, const struct vm_user *u);
const char *vm_user_callback(const struct vm_conf *c, const struct vm_user *u);
/* Can Lyre record format `ext` (as voicemail.conf names it)?  The file
 * extension it writes into ext_out ("wav49" has none: false). */
bool vm_format_known(const char *name, char *ext_out, size_t len);

/* ---- Time zones (vm_tz.c) ---- */

/* `when` as the mailbox's zone sees it (its tz= names a [zonemessages]
 * entry, whose Timezone is read through the core's ly_localtime); the
 * daemon's local time when the box has no zone or the zone is unknown
 * (logged once per call).  abbr (LY_TZ_ABBR_LEN) holds tm_zone. */
void vm_user_localtime(const struct vm_conf *c, const struct vm_user *u, time_t when,
		       struct tm *tm, char *abbr, size_t abbrlen);
/* Split "box@context" into its parts (context "default"). */
void vm_split_box(const char *spec, char *box, size_t blen, char *ctx, size_t clen);

/* ---- PIN (vm_pin.c) ---- */

/* The line `line` with its PIN (the text before the first comma after
 * "=>" or "=") replaced by `pin`, into out.  0 or EINVAL (no such field). */
int vm_pin_line_replace(const char *line, const char *pin, char *out, size_t len);
/* Write the new PIN into the file and line the user came from (atomic:
 * a temporary file renamed over it), then reload.  0 or an errno. */
int vm_pin_change(const struct vm_user *u, const char *pin);

/* ---- The spool (vm_store.c) ---- */

/* INBOX Old Work Family Friends, which a user can pick (0-4), then
 * Urgent, where VoiceMail(,U) leaves messages (Asterisk's folder of that
 * name); urgent messages count as new, and once heard move to Old. */
#define VM_N_FOLDERS 6
#define VM_N_USER_FOLDERS 5
#define VM_URGENT 5
extern const char *const vm_folders[VM_N_FOLDERS];
int vm_folder_index(const char *name);	/* -1 if none */

/* <spooldir>/voicemail/<context>/<box>[/<sub>] into out; 0 or ENAMETOOLONG. */
int vm_box_path(const char *context, const char *box, const char *sub, char *out, size_t len);
/* The same folder made (with its parents). */
int vm_box_mkdir(const char *context, const char *box, const char *sub, char *out, size_t len);

/* The mailbox's lock (flock on its folder): one writer at a time per box,
 * across threads and processes.  0 or an errno; *fd to vm_unlock. */
int vm_lock(const char *boxdir, int *fd);
void vm_unlock(int fd);

/*
 * In one folder (lock held): delete orphans (audio without its .txt, a
 * .txt without audio, temporary files) and renumber the messages from 0
 * without gaps, keeping their order (Asterisk's resequence).  Returns the
 * number of messages, or -errno.
 */
int vm_resequence(const char *folder_dir);
/* Messages in a folder (counts msgNNNN.txt; no lock needed). */
int vm_count(const char *folder_dir);
/* Remove everything under <box>/tmp (at load, when nothing records). */
void vm_clear_tmp(const char *boxdir);

/*
 * Move a finished message into a folder as its next number (lock taken
 * here): `tmpbase` is a path without extension whose audio files and
 * .txt move together, the .txt last, so the message appears whole.
 * 0 (*num set), EDQUOT (the folder has maxmsg messages: nothing moved) or
 * an errno.
 */
int vm_deliver(const char *boxdir, const char *folder, const char *tmpbase, int maxmsg,
	       int *num);
/* Copy message `num` of src_folder_dir into box `dst_boxdir`/folder
 * (forwarding, and VoiceMail(a&b)).  0, EDQUOT or an errno. */
int vm_copy_msg(const char *src_folder_dir, int num, const char *dst_boxdir,
		const char *folder, int maxmsg, int *newnum);
/* Delete one message's files (lock held; resequence afterwards). */
void vm_remove_msg(const char *folder_dir, int num);
/* Move one message to another folder's end (lock held).  0, EDQUOT, errno. */
int vm_move_msg(const char *boxdir, const char *from, int num, const char *to, int maxmsg);
/* folder_dir/msgNNNN.ext */
void vm_msg_path(const char *folder_dir, int num, const char *ext, char *out, size_t len);
/* The audio file of a message (the first format found); 0 or ENOENT. */
int vm_msg_audio(const char *folder_dir, int num, char *out, size_t len);
/* Remove base.<every audio extension> and base.txt (a recording not kept). */
void vm_discard(const char *base);

/* ---- A message's .txt (vm_msg.c) ---- */

struct vm_msginfo {
	char origmailbox[VM_NAME], context[VM_NAME], exten[VM_NAME];
	char callerchan[VM_TEXT], callerid[VM_TEXT];
	char origdate[VM_NAME], msg_id[VM_NAME], flag[VM_NAME];
	long long origtime;
	int duration, priority;
};

/* Caller id text safe for one line: control characters become spaces. */
void vm_clean_line(const char *in, char *out, size_t len);
int vm_msginfo_write(const char *path, const struct vm_msginfo *m);
int vm_msginfo_read(const char *path, struct vm_msginfo *m);
/* "Alice" <150> -> name "Alice", number "150". */
void vm_callerid_split(const char *cid, char *name, size_t nlen, char *num, size_t numlen);

/* ---- Recording (vm_record.c) ---- */

enum vm_rec_end { VM_REC_KEY, VM_REC_SILENCE, VM_REC_MAXTIME, VM_REC_HANGUP, VM_REC_ERROR };

struct vm_rec {
	unsigned max_ms, silence_ms;	/* 0: none */
	double on_dbfs, off_dbfs;	/* silence detector thresholds */
	const char *ends;		/* digits that end it */
	bool beep;
	/* results */
	enum vm_rec_end end;
	char digit;
	unsigned ms;			/* kept audio */
};
/* Record `path` (.wav: 8 or 16 kHz as the channel).  The file appears
 * only when complete (lyre/file.h).  0 or an errno (r->end = ERROR). */
int vm_record(struct ly_channel *c, const char *path, struct vm_rec *r);
/* The same into base.<ext> for every extension of exts (format=): one
 * recording, each file written through its own writer.  A format that
 * cannot be written (its codec not loaded) is skipped with a warning; at
 * least one file must be written. */
int vm_record_formats(struct ly_channel *c, const char *base, char (*exts)[8], int n,
		      struct vm_rec *r);
/* Asterisk's silencethreshold (average amplitude) as dBFS RMS. */
double vm_threshold_dbfs(int amplitude);

/* ---- Prompts (vm_leave.c, vm_main.c, vm_greet.c) ---- */

/* Play a prompt: 0, or a digit of `stop` that stopped it, or -1 on hangup. */
int vm_play(struct ly_channel *c, const char *name, const char *stop);
/* Play a file by its path (spool files are no sound-folder prompts). */
int vm_play_path(struct ly_channel *c, const char *path, const char *stop);
int vm_say_number(struct ly_channel *c, long n, const char *stop);
int vm_say_digits(struct ly_channel *c, const char *s, const char *stop);

/* Greetings: "unavail", "busy", "temp", "greet" (the name). */
bool vm_greeting_path(const char *context, const char *box, const char *which, char *out,
		      size_t len);
/* Play what a caller hears before the beep.  0, a digit, or -1. */
int vm_greet_play(struct ly_channel *c, const struct vm_user *u, bool busy, const char *stop);
/* Record a greeting (with the prompt that asks for it).  0 or -1 (hangup). */
int vm_greet_record(struct ly_channel *c, const struct vm_conf *conf, const struct vm_user *u,
		    const char *which);

/* ---- E-mail (vm_mail.c) ---- */

struct vm_mail {
	const char *from_name, *from_addr;
	const char *to_name, *to_addr;
	const char *subject_tmpl, *body_tmpl;
	/* the VM_* variables */
	const char *vm_name, *vm_mailbox, *vm_context, *vm_callerid, *vm_cidname, *vm_cidnum;
	const char *vm_date;
	const char *vm_flag;	/* "Urgent" or "" (Asterisk's VM_FLAG) */
	int vm_dur, vm_msgnum;
	/* the attachment: NULL for none */
	const unsigned char *audio;
	size_t audio_len;
	const char *audio_name;	/* "msg0000.wav" */
	const char *audio_type;	/* "audio/x-wav" (NULL: that) */
	const char *boundary, *date, *message_id;
};
/* Expand ${VM_*} (and \n, \t) in a template into out. */
void vm_mail_expand(const struct vm_mail *m, const char *tmpl, struct ly_buf *out);
/* The whole message, RFC 5322 with a MIME (RFC 2045/2046) attachment. */
void vm_mail_build(const struct vm_mail *m, struct ly_buf *out);
/* Build and pipe it into mailcmd.  0 or an errno (logged). */
int vm_mail_notify(const struct vm_conf *conf, const struct vm_user *u, const char *folder_dir,
		   int num, const struct vm_msginfo *info);

/* ---- MWI, CLI, functions ---- */

void vm_mwi_publish_box(const char *context, const char *box);
void vm_mwi_publish_all(const struct vm_conf *c);
/* new: INBOX plus Urgent (as Asterisk counts), old: Old, urgent: Urgent. */
void vm_box_counts(const char *context, const char *box, int *new_msgs, int *old_msgs);
void vm_box_counts3(const char *context, const char *box, int *new_msgs, int *old_msgs,
		    int *urgent);

/* ---- pollmailboxes (vm_poll.c) ---- */

/* Start, retune or stop the poller as [general] says (load, reload). */
void vm_poll_configure(const struct vm_conf *c);
void vm_poll_stop(void);
/* One pass: publish the boxes whose counts differ from the last pass's
 * (or from what the core holds).  Returns how many were published. */
int vm_poll_once(void);

/* ---- Leaving a message (vm_leave.c), also from VoiceMailMain ---- */

/* Record a message for u, no greeting ("reply" and "send" of the advanced
 * options): the beep, the recording, delivery, MWI, the e-mail.  0 (a
 * message stored or not, the caller was told), -1 on hangup. */
int vm_leave_direct(struct ly_channel *c, struct vm_conf *conf, const struct vm_user *u);

/* Re-read voicemail.conf, tell phones about removed and current boxes. */
int vm_reload(void);

struct ly_module;
int vm_cli_register(struct ly_module *self);
int vm_funcs_register(struct ly_module *self);
int vm_leave_register(struct ly_module *self);
int vm_main_register(struct ly_module *self);

/* ---- VoiceMailMain's session, shared with vm_adv.c ---- */

struct vm_session {
	struct ly_channel *c;
	struct vm_conf *conf;
	struct vm_user user;	/* a copy: a PIN change reloads the conf */
	char boxdir[VM_PATH], dir[VM_PATH];
	int folder, count, cur;
	bool left;		/* 3,2 sent the channel elsewhere: leave now */
	unsigned char deleted[VM_MAX_MSG], heard[VM_MAX_MSG];
	signed char moveto[VM_MAX_MSG];
};
/* Read digits until #, a pause or len-1 digits (prompt first): 0, -1. */
int vm_read_digits(struct ly_channel *c, const char *prompt, char *buf, size_t len);
/* Say the envelope of msginfo m: 0, a digit, -1. */
int vm_envelope(struct vm_session *s, const struct vm_msginfo *m);
/* The advanced options menu for the current message: key (0: none), -1. */
int vm_advanced(struct vm_session *s);

#endif
