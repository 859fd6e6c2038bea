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

struct vm_general {
	char format[VM_NAME];	/* the first of format=wav|... that we record */
	int maxmsg, maxsecs, minsecs, maxsilence_ms, maxlogins;
	int silencethreshold;	/* Asterisk's average amplitude, 0..32767 */
	bool attach, saycid, envelope, review_operator;
	char serveremail[VM_TEXT], fromstring[VM_TEXT];
	char emailsubject[1024], emailbody[4096];
	char mailcmd[VM_PATH];
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

#define VM_N_FOLDERS 5
extern const char *const vm_folders[VM_N_FOLDERS];	/* INBOX Old Work Family Friends */
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
	int vm_dur, vm_msgnum;
	/* the attachment: NULL for none */
	const unsigned char *audio;
	size_t audio_len;
	const char *audio_name;	/* "msg0000.wav" */
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
void vm_box_counts(const char *context, const char *box, int *new_msgs, int *old_msgs);

/* Re-read voicemail.conf, tell phones about removed and current boxes. */
int vm_reload(void);

struct ly_module;
int vm_cli_register(struct ly_module *self);
int vm_funcs_register(struct ly_module *self);
int vm_leave_register(struct ly_module *self);
int vm_main_register(struct ly_module *self);

#endif
