/* tests/unit/test_voicemail.c - app_voicemail without channels: the mailbox
 * line parser, voicemail.conf, the spool's numbering (deliver, resequence
 * after a crash, move, copy, full folders), the .txt, the MIME mail and
 * the PIN written back into voicemail.conf; messages in several formats,
 * a box's time zone, the Urgent folder's counts and pollmailboxes. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lyre/lyre.h"
#include "lyre/mwi.h"
#include "settings.h"
#include "../../modules/app_voicemail/vm_int.h"
#include "tap.h"

static char root[256];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = ly_calloc(1, 65536);

	if (f) {
		size_t n = fread(buf, 1, 65535, f);

		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static bool exists(const char *dir, const char *name)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static int files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* A message msgNNNN in dir: audio holding `tag`, and a .txt. */
static void make_msg(const char *dir, int n, const char *tag)
{
	char p[1024];

	vm_msg_path(dir, n, "wav", p, sizeof(p));
	put(p, tag);
	vm_msg_path(dir, n, "txt", p, sizeof(p));
	put(p, "[message]\ncallerid=x\n");
}

static char *audio_of(const char *dir, int n)
{
	char p[1024];

	vm_msg_path(dir, n, "wav", p, sizeof(p));
	return slurp(p);
}

/* ---- the mailbox line ---- */

static void test_user_line(void)
{
	struct vm_user u;
	const char *why = NULL;

	CHECK_INT(vm_user_parse("office", "100",
				"1234,Alice Smith,alice@example.com,,attach=yes|tz=central|maxmsg=5",
				&u, &why), 0);
	CHECK_STR(u.pin, "1234");
	CHECK_STR(u.fullname, "Alice Smith");
	CHECK_STR(u.email, "alice@example.com");
	CHECK_STR(u.pager, "");
	CHECK_INT(u.attach, 1);
	CHECK_STR(u.tz, "central");
	CHECK_INT(u.maxmsg, 5);
	CHECK_STR(u.unknown, "");

	/* fields left out; options after a comma too; an unknown option noted */
	CHECK_INT(vm_user_parse("default", "101", " 42 ", &u, &why), 0);
	CHECK_STR(u.pin, "42");
	CHECK_INT(u.attach, -1);
	CHECK_INT(vm_user_parse("d", "102", "1,B,b@x,p@x,saycid=yes,volgain=2", &u, &why), 0);
	CHECK_INT(u.saycid, 1);
	CHECK_STR(u.unknown, "volgain");

	CHECK_INT(vm_user_parse("d", "103", "12a4,Bad", &u, &why), EINVAL);
	CHECK(why && strstr(why, "digits"));
	CHECK_INT(vm_user_parse("d", "../x", "1", &u, &why), EINVAL);
	CHECK_INT(vm_user_parse("d", "a/b", "1", &u, &why), EINVAL);
	CHECK_INT(vm_user_parse("../etc", "1", "1", &u, &why), EINVAL);
	CHECK_INT(vm_user_parse("d", "104", "1,N,a@b\r\nBcc: x@y", &u, &why), EINVAL);
	/* a very long field is cut, not overflowed */
	char big[4000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '1';
	big[1] = ',';
	CHECK_INT(vm_user_parse("d", "105", big, &u, &why), 0);
	CHECK_INT(strlen(u.fullname), VM_TEXT - 1);
}

/* ---- voicemail.conf ---- */

static void test_conf(void)
{
	struct ly_config *cfg = NULL;
	struct ly_cfg_error err;
	struct vm_conf *c = NULL;
	char msg[600];
	const char *text = "[general]\nmaxmsg=7\nmaxsilence=3\nattach=yes\n"
			   "format=wav49|wav|ulaw|gsm|alaw|sln16|wav\n"
			   "emailsubject=Hi ${VM_NAME}\ncallback=cb\n"
			   "[zonemessages]\ncentral=America/Chicago|'vm-received' IMp\n"
			   "[office]\n100 => 1234,Alice,a@x\n101 => 5,Bob,,,attach=no|tz=central\n"
			   "[other]\n100 => 9\n";

	CHECK_INT(ly_config_parse_buffer(NULL, "vm", text, strlen(text), &cfg, &err), 0);
	CHECK_INT(vm_conf_build(cfg, &c, msg, sizeof(msg)), 0);
	CHECK_INT(c->g.maxmsg, 7);
	CHECK_INT(c->g.maxsilence_ms, 3000);
	CHECK(c->g.attach);
	/* every format Lyre writes, in order, once; wav49 and gsm skipped */
	CHECK_INT(c->g.n_formats, 4);
	CHECK_STR(c->g.formats[0], "wav");
	CHECK_STR(c->g.formats[1], "ulaw");
	CHECK_STR(c->g.formats[2], "alaw");
	CHECK_STR(c->g.formats[3], "sln16");
	CHECK_STR(vm_user_callback(c, vm_conf_find(c, "100", "office")), "cb");
	CHECK_STR(c->g.emailsubject, "Hi ${VM_NAME}");
	CHECK_INT(c->g.maxlogins, 3);	/* the default */
	CHECK_INT(c->n_users, 3);
	CHECK_INT(c->n_zones, 1);
	CHECK_STR(vm_conf_zone(c, "central")->tz, "America/Chicago");
	CHECK_STR(vm_conf_zone(c, "central")->format, "'vm-received' IMp");
	CHECK_STR(vm_conf_find(c, "100", "office")->fullname, "Alice");
	CHECK_STR(vm_conf_find(c, "100", "other")->pin, "9");
	CHECK(vm_conf_find(c, "100", "default") == NULL);
	CHECK(vm_user_attach(c, vm_conf_find(c, "100", "office")));
	CHECK(!vm_user_attach(c, vm_conf_find(c, "101", "office")));
	CHECK_INT(vm_user_maxmsg(c, vm_conf_find(c, "101", "office")), 7);
	CHECK_INT(vm_conf_find(c, "101", "office")->line, 12);
	vm_conf_put(c);
	ly_config_free(cfg);

	/* nothing Lyre can write: wav */
	text = "[general]\nformat=wav49|gsm\n";
	CHECK_INT(ly_config_parse_buffer(NULL, "vm", text, strlen(text), &cfg, &err), 0);
	CHECK_INT(vm_conf_build(cfg, &c, msg, sizeof(msg)), 0);
	CHECK_INT(c->g.n_formats, 1);
	CHECK_STR(c->g.formats[0], "wav");
	vm_conf_put(c);
	ly_config_free(cfg);

	/* a box defined twice, or a bad line, fails the whole file */
	text = "[office]\n100 => 1\n100 => 2\n";
	CHECK_INT(ly_config_parse_buffer(NULL, "vm", text, strlen(text), &cfg, &err), 0);
	CHECK_INT(vm_conf_build(cfg, &c, msg, sizeof(msg)), EINVAL);
	CHECK(strstr(msg, "twice") != NULL);
	ly_config_free(cfg);
	text = "[office]\n100 => 1x\n";
	CHECK_INT(ly_config_parse_buffer(NULL, "vm", text, strlen(text), &cfg, &err), 0);
	CHECK_INT(vm_conf_build(cfg, &c, msg, sizeof(msg)), EINVAL);
	CHECK(strstr(msg, "vm:2") != NULL);
	ly_config_free(cfg);

	char box[VM_NAME], ctx[VM_NAME];

	vm_split_box("100@sales", box, sizeof(box), ctx, sizeof(ctx));
	CHECK_STR(box, "100");
	CHECK_STR(ctx, "sales");
	vm_split_box("7", box, sizeof(box), ctx, sizeof(ctx));
	CHECK_STR(ctx, "default");
}

/* ---- the spool ---- */

static void test_deliver_and_full(void)
{
	char box[512], tmp[600], inbox[600], base[700], p[800];
	int num = -1;

	snprintf(box, sizeof(box), "%s/spool/voicemail/t/1", root);
	CHECK_INT(vm_box_mkdir("t", "1", "tmp", tmp, sizeof(tmp)), 0);
	snprintf(inbox, sizeof(inbox), "%s/INBOX", box);
	for (int i = 0; i < 3; i++) {
		snprintf(base, sizeof(base), "%s/rec%d", tmp, i);
		snprintf(p, sizeof(p), "%s.wav", base);
		put(p, i == 0 ? "A" : i == 1 ? "B" : "C");
		snprintf(p, sizeof(p), "%s.txt", base);
		put(p, "[message]\n");
		CHECK_INT(vm_deliver(box, "INBOX", base, 2, &num), i < 2 ? 0 : EDQUOT);
		if (i < 2)
			CHECK_INT(num, i);
	}
	CHECK_INT(vm_count(inbox), 2);
	char *a = audio_of(inbox, 0), *b = audio_of(inbox, 1);

	CHECK_STR(a, "A");
	CHECK_STR(b, "B");
	free(a);
	free(b);
	/* the refused recording is still in tmp, untouched, for the caller to drop */
	CHECK(exists(tmp, "rec2.wav"));
	CHECK(!exists(inbox, "msg0002.wav"));
}

static void test_resequence(void)
{
	char dir[512], p[600];

	snprintf(dir, sizeof(dir), "%s/reseq", root);
	mkdir(dir, 0750);
	make_msg(dir, 0, "zero");
	make_msg(dir, 2, "two");
	make_msg(dir, 7, "seven");
	/* what a crash leaves: audio without .txt, a .txt without audio, and a
	 * writer's temporary file */
	vm_msg_path(dir, 3, "wav", p, sizeof(p));
	put(p, "orphan");
	vm_msg_path(dir, 5, "txt", p, sizeof(p));
	put(p, "[message]\n");
	snprintf(p, sizeof(p), "%s/.msg0009.wav.abc123", dir);
	put(p, "half");

	CHECK_INT(vm_resequence(dir), 3);
	CHECK_INT(files_in(dir), 6);
	CHECK_INT(vm_count(dir), 3);
	char *a = audio_of(dir, 0), *b = audio_of(dir, 1), *c = audio_of(dir, 2);

	CHECK_STR(a, "zero");
	CHECK_STR(b, "two");
	CHECK_STR(c, "seven");
	free(a);
	free(b);
	free(c);
	CHECK(!exists(dir, ".msg0009.wav.abc123"));
	CHECK_INT(vm_resequence(dir), 3);	/* nothing more to do */

	/* delete the middle one: the last moves down */
	vm_remove_msg(dir, 1);
	CHECK_INT(vm_resequence(dir), 2);
	a = audio_of(dir, 1);
	CHECK_STR(a, "seven");
	free(a);
	CHECK_INT(vm_resequence("/nonexistent/folder"), 0);
}

static void test_move_copy(void)
{
	char box[512], inbox[600], old[600], other[600], oinbox[700];
	int n = -1;

	snprintf(box, sizeof(box), "%s/mv", root);
	snprintf(inbox, sizeof(inbox), "%s/INBOX", box);
	snprintf(old, sizeof(old), "%s/Old", box);
	snprintf(other, sizeof(other), "%s/other", root);
	snprintf(oinbox, sizeof(oinbox), "%s/INBOX", other);
	mkdir(box, 0750);
	mkdir(inbox, 0750);
	mkdir(other, 0750);
	make_msg(inbox, 0, "m0");
	make_msg(inbox, 1, "m1");
	CHECK_INT(vm_move_msg(box, "INBOX", 1, "Old", 10), 0);
	CHECK_INT(vm_count(old), 1);
	char *a = audio_of(old, 0);

	CHECK_STR(a, "m1");
	free(a);
	CHECK_INT(vm_move_msg(box, "INBOX", 0, "Old", 1), EDQUOT);	/* Old is full */
	CHECK_INT(vm_copy_msg(inbox, 0, other, "INBOX", 10, &n), 0);
	CHECK_INT(n, 0);
	a = audio_of(oinbox, 0);
	CHECK_STR(a, "m0");
	free(a);
	CHECK(exists(inbox, "msg0000.wav"));	/* a copy: the original stays */
	CHECK_INT(vm_copy_msg(inbox, 0, other, "INBOX", 1, &n), EDQUOT);
	CHECK_INT(files_in(oinbox), 2);
	char tmp[800];

	snprintf(tmp, sizeof(tmp), "%s/tmp", other);
	CHECK_INT(files_in(tmp), 0);	/* a refused copy leaves nothing */

	char audio[800];

	CHECK_INT(vm_msg_audio(inbox, 0, audio, sizeof(audio)), 0);
	CHECK(strstr(audio, "msg0000.wav") != NULL);
	CHECK_INT(vm_msg_audio(inbox, 5, audio, sizeof(audio)), ENOENT);
}

/* A message stored in several formats moves, copies and goes as one. */
static void test_formats(void)
{
	char box[512], inbox[600], work[600], other[600], p[800], audio[800];
	int n = -1;

	snprintf(box, sizeof(box), "%s/fmt", root);
	snprintf(inbox, sizeof(inbox), "%s/INBOX", box);
	snprintf(work, sizeof(work), "%s/Work", box);
	snprintf(other, sizeof(other), "%s/fmt2", root);
	mkdir(box, 0750);
	mkdir(inbox, 0750);
	mkdir(other, 0750);
	make_msg(inbox, 0, "m0");
	make_msg(inbox, 1, "m1");
	snprintf(p, sizeof(p), "%s/msg0001.ulaw", inbox);
	put(p, "u1");
	snprintf(p, sizeof(p), "%s/msg0001.gsm", inbox);
	put(p, "g1");
	CHECK_INT(vm_copy_msg(inbox, 1, other, "INBOX", 10, &n), 0);
	snprintf(p, sizeof(p), "%s/INBOX", other);
	CHECK_INT(files_in(p), 4);	/* wav, ulaw, gsm, txt */
	CHECK_INT(vm_move_msg(box, "INBOX", 1, "Work", 10), 0);
	CHECK(exists(work, "msg0000.wav") && exists(work, "msg0000.ulaw") &&
	      exists(work, "msg0000.gsm") && exists(work, "msg0000.txt"));
	CHECK_INT(files_in(inbox), 2);
	/* playback: a format Lyre reads (not gsm) */
	snprintf(p, sizeof(p), "%s/msg0000.wav", work);
	unlink(p);
	CHECK_INT(vm_msg_audio(work, 0, audio, sizeof(audio)), 0);
	CHECK(strstr(audio, "msg0000.ulaw") != NULL);
	snprintf(p, sizeof(p), "%s/msg0000.ulaw", work);
	unlink(p);
	CHECK_INT(vm_msg_audio(work, 0, audio, sizeof(audio)), ENOENT);
	vm_remove_msg(work, 0);
	CHECK_INT(files_in(work), 0);
	/* a recording not kept: every format goes */
	snprintf(p, sizeof(p), "%s/rec.wav", root);
	put(p, "x");
	snprintf(p, sizeof(p), "%s/rec.alaw", root);
	put(p, "x");
	snprintf(p, sizeof(p), "%s/rec", root);
	vm_discard(p);
	CHECK(!exists(root, "rec.wav") && !exists(root, "rec.alaw"));
}

/* ---- time zones ---- */

static void test_tz(void)
{
	struct ly_config *cfg = NULL;
	struct ly_cfg_error err;
	struct vm_conf *c = NULL;
	struct tm tm, local;
	char msg[600], abbr[LY_TZ_ABBR_LEN], date[64];
	const char *text = "[zonemessages]\ncentral=America/Chicago|'vm-received' IMp\n"
			   "european=Europe/Berlin|'vm-received' HM\nmars=Mars/Olympus|IMp\n"
			   "[o]\n1 => 1,,,,tz=central\n2 => 1,,,,tz=european\n3 => 1\n"
			   "4 => 1,,,,tz=mars\n";
	time_t winter = 1700000000;	/* Tue 2023-11-14 22:13:20 UTC */
	time_t summer = 1690000000;	/* Sat 2023-07-22 04:26:40 UTC */

	CHECK_INT(ly_config_parse_buffer(NULL, "vm", text, strlen(text), &cfg, &err), 0);
	CHECK_INT(vm_conf_build(cfg, &c, msg, sizeof(msg)), 0);
	vm_user_localtime(c, vm_conf_find(c, "1", "o"), winter, &tm, abbr, sizeof(abbr));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M %Z %z", &tm);
	CHECK_STR(date, "2023-11-14 16:13 CST -0600");
	vm_user_localtime(c, vm_conf_find(c, "1", "o"), summer, &tm, abbr, sizeof(abbr));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M %a %Z", &tm);
	CHECK_STR(date, "2023-07-21 23:26 Fri CDT");	/* the day before, in Chicago */
	vm_user_localtime(c, vm_conf_find(c, "2", "o"), winter, &tm, abbr, sizeof(abbr));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M %Z", &tm);
	CHECK_STR(date, "2023-11-14 23:13 CET");
	vm_user_localtime(c, vm_conf_find(c, "2", "o"), summer, &tm, abbr, sizeof(abbr));
	strftime(date, sizeof(date), "%H:%M %Z", &tm);
	CHECK_STR(date, "06:26 CEST");
	/* no zone, or one the tz database lacks: the daemon's local time */
	localtime_r(&winter, &local);
	vm_user_localtime(c, vm_conf_find(c, "3", "o"), winter, &tm, abbr, sizeof(abbr));
	CHECK_INT(tm.tm_hour, local.tm_hour);
	CHECK_INT(tm.tm_mday, local.tm_mday);
	vm_user_localtime(c, vm_conf_find(c, "4", "o"), winter, &tm, abbr, sizeof(abbr));
	CHECK_INT(tm.tm_hour, local.tm_hour);
	vm_conf_put(c);
	ly_config_free(cfg);
}

/* ---- Urgent and pollmailboxes ---- */

static void test_urgent_poll(void)
{
	char conf[512], dir[800], src[800];
	struct ly_mwi_state st;
	struct vm_conf *c;
	int n, o, u;

	snprintf(conf, sizeof(conf), "%s/voicemail.conf", root);
	put(conf, "[general]\npollmailboxes=yes\npollfreq=5\n[poll]\n7 => 1\n");
	CHECK_INT(vm_conf_reload(), 0);
	c = vm_conf_get();
	CHECK(c && c->g.pollmailboxes && c->g.pollfreq == 5);
	vm_conf_put(c);
	CHECK_INT(vm_poll_once(), 1);	/* never published: now 0/0 */
	CHECK(ly_mwi_get("7@poll", &st) && st.new_msgs == 0);
	CHECK_INT(vm_poll_once(), 0);	/* nothing changed */
	/* another program drops a message into INBOX */
	CHECK_INT(vm_box_mkdir("poll", "7", "INBOX", dir, sizeof(dir)), 0);
	make_msg(dir, 0, "by hand");
	CHECK_INT(vm_poll_once(), 1);
	CHECK(ly_mwi_get("7@poll", &st) && st.new_msgs == 1 && st.old_msgs == 0 &&
	      st.new_urgent == 0);
	/* and one into Urgent: new counts it, and it is urgent */
	CHECK_INT(vm_box_mkdir("poll", "7", "Urgent", dir, sizeof(dir)), 0);
	make_msg(dir, 0, "urgent");
	vm_box_counts3("poll", "7", &n, &o, &u);
	CHECK(n == 2 && o == 0 && u == 1);
	CHECK_INT(vm_poll_once(), 1);
	CHECK(ly_mwi_get("7@poll", &st) && st.new_msgs == 2 && st.new_urgent == 1);
	/* removed by hand */
	vm_remove_msg(dir, 0);
	CHECK_INT(vm_poll_once(), 1);
	CHECK(ly_mwi_get("7@poll", &st) && st.new_msgs == 1 && st.new_urgent == 0);
	CHECK_INT(vm_folder_index("Urgent"), VM_URGENT);
	(void)src;
	vm_conf_free_current();
}

/* ---- the .txt ---- */

static void test_msginfo(void)
{
	struct vm_msginfo m = { 0 }, r;
	char path[512], name[64], num[64];

	snprintf(path, sizeof(path), "%s/info.txt", root);
	snprintf(m.origmailbox, sizeof(m.origmailbox), "100");
	snprintf(m.callerid, sizeof(m.callerid), "\"Eve\nflag=urgent\r\n[x]\" <1\n2>");
	m.origtime = 1764146047;
	m.duration = 5;
	CHECK_INT(vm_msginfo_write(path, &m), 0);
	char *text = slurp(path);

	CHECK(strstr(text, "callerid=\"Eve flag=urgent  [x]\" <1 2>\n") != NULL);
	CHECK(strstr(text, "\nflag=\n") != NULL);	/* only the real flag line */
	free(text);
	CHECK_INT(vm_msginfo_read(path, &r), 0);
	CHECK_STR(r.origmailbox, "100");
	CHECK_INT(r.origtime, 1764146047);
	CHECK_INT(r.duration, 5);
	CHECK_STR(r.flag, "");
	vm_callerid_split("\"Alice Smith\" <150>", name, sizeof(name), num, sizeof(num));
	CHECK_STR(name, "Alice Smith");
	CHECK_STR(num, "150");
	vm_callerid_split("Unknown", name, sizeof(name), num, sizeof(num));
	CHECK_STR(name, "");
	CHECK_STR(num, "Unknown");
}

/* ---- the mail ---- */

static void test_mime(void)
{
	const unsigned char audio[] = "RIFF\x01\x02\x03\xff";
	struct vm_mail m = {
		.from_name = "Lyre", .from_addr = "vm@x", .to_name = "Zoë", .to_addr = "z@x",
		.subject_tmpl = "Msg ${VM_MSGNUM} from ${VM_CALLERID}",
		.body_tmpl = "Dear ${VM_NAME}:\\n\\t${VM_DUR} in ${VM_MAILBOX}${VM_NOPE}.",
		.vm_name = "Zoë", .vm_mailbox = "100", .vm_context = "office",
		.vm_callerid = "\"Bad\r\nBcc: x@y\" <1>", .vm_cidname = "", .vm_cidnum = "1",
		.vm_date = "today", .vm_dur = 65, .vm_msgnum = 3,
		.audio = audio, .audio_len = sizeof(audio) - 1, .audio_name = "msg0002.wav",
		.boundary = "BOUND", .date = "Thu, 26 Nov 2026 08:00:00 +0000", .message_id = "id@x",
	};
	struct ly_buf b;

	ly_buf_init(&b);
	vm_mail_expand(&m, m.body_tmpl, &b);
	CHECK_STR(ly_buf_str(&b), "Dear Zoë:\n\t1:05 in 100.");
	ly_buf_reset(&b);
	vm_mail_build(&m, &b);
	const char *t = ly_buf_str(&b);

	CHECK(strstr(t, "To: =?UTF-8?B?Wm/Dqw==?= <z@x>\r\n") != NULL);
	CHECK(strstr(t, "From: \"Lyre\" <vm@x>\r\n") != NULL);
	/* the caller id's line break is inside an encoded word, not a header */
	CHECK(strstr(t, "\r\nBcc:") == NULL);
	CHECK(strstr(t, "Subject: =?UTF-8?B?") != NULL);
	CHECK(strstr(t, "Content-Type: multipart/mixed; boundary=\"BOUND\"\r\n") != NULL);
	CHECK(strstr(t, "\r\n--BOUND\r\nContent-Type: text/plain") != NULL);
	CHECK(strstr(t, "Dear Zoë:\r\n\t1:05 in 100.\r\n") != NULL);
	CHECK(strstr(t, "filename=\"msg0002.wav\"") != NULL);
	CHECK(strstr(t, "\r\n\r\nUklGRgECA/8=\r\n\r\n--BOUND--\r\n") != NULL);
	ly_buf_reset(&b);
	/* without an attachment: one text part, no multipart */
	m.audio = NULL;
	m.subject_tmpl = "plain";
	vm_mail_build(&m, &b);
	t = ly_buf_str(&b);
	CHECK(strstr(t, "multipart") == NULL);
	CHECK(strstr(t, "Subject: plain\r\n") != NULL);
	CHECK(strstr(t, "X-Priority") == NULL);
	ly_buf_reset(&b);
	/* urgent: VM_FLAG, and the mail is marked important */
	m.vm_flag = "Urgent";
	m.subject_tmpl = "New ${VM_FLAG} message";
	vm_mail_build(&m, &b);
	t = ly_buf_str(&b);
	CHECK(strstr(t, "Subject: New Urgent message\r\n") != NULL);
	CHECK(strstr(t, "\r\nX-Priority: 1\r\nImportance: high\r\n") != NULL);
	ly_buf_free(&b);
}

/* ---- the PIN ---- */

static void test_pin_line(void)
{
	char out[256];

	CHECK_INT(vm_pin_line_replace("100 => 1234,Alice,a@x\n", "9876", out, sizeof(out)), 0);
	CHECK_STR(out, "100 => 9876,Alice,a@x\n");
	CHECK_INT(vm_pin_line_replace("  101=>42 ; a comment\n", "7", out, sizeof(out)), 0);
	CHECK_STR(out, "  101=>7 ; a comment\n");
	CHECK_INT(vm_pin_line_replace("102 = ,Bob\n", "55", out, sizeof(out)), 0);
	CHECK_STR(out, "102 = 55,Bob\n");
	CHECK_INT(vm_pin_line_replace("no value here\n", "1", out, sizeof(out)), EINVAL);
}

static void test_pin_change(void)
{
	struct ly_cfg_error err;
	char conf[512], *text;
	struct vm_conf *c;

	snprintf(conf, sizeof(conf), "%s/voicemail.conf", root);
	put(conf, "; mailboxes\n[general]\nmaxmsg=9\n\n[office]\n"
		  "100 => 1234,Alice,a@x ; the operator\n101 => 1111,Bob\n");
	CHECK_INT(vm_conf_reload(), 0);
	c = vm_conf_get();
	CHECK(c != NULL);
	if (!c)
		return;
	struct vm_user u = *vm_conf_find(c, "101", "office");

	vm_conf_put(c);
	CHECK_INT(vm_pin_change(&u, "2468"), 0);
	text = slurp(conf);
	CHECK_STR(text, "; mailboxes\n[general]\nmaxmsg=9\n\n[office]\n"
			"100 => 1234,Alice,a@x ; the operator\n101 => 2468,Bob\n");
	free(text);
	c = vm_conf_get();
	CHECK_STR(vm_conf_find(c, "101", "office")->pin, "2468");	/* reloaded */
	vm_conf_put(c);
	/* the file changed under us: refused, nothing written */
	put(conf, "[office]\n100 => 1234\n");
	CHECK_INT(vm_pin_change(&u, "1357"), ESTALE);
	text = slurp(conf);
	CHECK_STR(text, "[office]\n100 => 1234\n");
	free(text);
	CHECK_INT(files_in(root) >= 1, 1);
	vm_conf_free_current();
	(void)err;
}

int main(void)
{
	struct ly_cfg_error err;
	char lyre_conf[300];

	snprintf(root, sizeof(root), "/tmp/test_voicemail.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(lyre_conf, sizeof(lyre_conf), "%s/lyre.conf", root);
	put(lyre_conf, "[directories]\nspooldir = spool\n");
	if (ly_settings_load(root, &err) != 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	int rc = tap_run((struct tap_test[]){ TAP(test_user_line), TAP(test_conf),
					      TAP(test_deliver_and_full), TAP(test_resequence),
					      TAP(test_move_copy), TAP(test_msginfo), TAP(test_mime),
					      TAP(test_pin_line), TAP(test_pin_change),
					      TAP(test_formats), TAP(test_tz),
					      TAP(test_urgent_poll) },
			 12);
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		rc = 1;
	ly_settings_free();
	return rc;
}
