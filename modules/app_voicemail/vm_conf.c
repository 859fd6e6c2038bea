/*
 * modules/app_voicemail/vm_conf.c - voicemail.conf: [general],
 * [zonemessages] and one section per mailbox context.
 *
 * The configuration is built whole from a parse and swapped in under a
 * lock; a caller holds a reference (vm_conf_get/vm_conf_put) for as long
 * as it uses it, so a reload never frees one a call is reading.  A broken
 * reload keeps the previous configuration (lyre/config.h's rule).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "vm_int.h"

#define DEFAULT_SUBJECT "[PBX]: New message ${VM_MSGNUM} in mailbox ${VM_MAILBOX}"
#define DEFAULT_BODY                                                                      \
	"Dear ${VM_NAME}:\\n\\n\\tthere is a new ${VM_DUR} long message (number "          \
	"${VM_MSGNUM})\\nin mailbox ${VM_MAILBOX} from ${VM_CALLERID}, on ${VM_DATE}.\\n" \
	"\\n\\t\\t\\t\\t--Lyre\\n"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct vm_conf *current;

static void defaults(struct vm_general *g)
{
	memset(g, 0, sizeof(*g));
	vm_fmt(g->formats[0], sizeof(g->formats[0]), "wav");
	g->n_formats = 1;
	g->maxmsg = 100;
	g->maxsecs = 300;
	g->maxsilence_ms = 10000;
	g->silencethreshold = 128;
	g->maxlogins = 3;
	g->envelope = true;
	vm_fmt(g->serveremail, sizeof(g->serveremail), "lyre");
	vm_fmt(g->fromstring, sizeof(g->fromstring), "The Lyre PBX");
	vm_fmt(g->emailsubject, sizeof(g->emailsubject), "%s", DEFAULT_SUBJECT);
	vm_fmt(g->emailbody, sizeof(g->emailbody), "%s", DEFAULT_BODY);
	vm_fmt(g->mailcmd, sizeof(g->mailcmd), "/usr/sbin/sendmail -t");
	g->pollfreq = 30;
}

static int int_value(const struct ly_cfg_var *v, long min, long max, int *out)
{
	long n;

	if (ly_parse_int(v->value, min, max, &n) != 0) {
		ly_warning("%s:%d: voicemail.conf: %s = '%s' is not a number in %ld..%ld: ignored",
			   v->file, v->line, v->name, v->value, min, max);
		return EINVAL;
	}
	*out = (int)n;
	return 0;
}

static void text_value(const struct ly_cfg_var *v, char *out, size_t len)
{
	vm_fmt(out, len, "%s", v->value);
}

/* voicemail.conf's format names and the files Lyre writes for them
 * (lyre/file.h's writer).  wav49 (GSM in WAV), gsm, wav16 (.wav16) and
 * the rest have no writer: they are skipped. */
static const struct {
	const char *name, *ext;
} writable[] = {
	{ "wav", "wav" },     { "ulaw", "ulaw" },   { "mulaw", "ulaw" }, { "alaw", "alaw" },
	{ "sln", "sln" },     { "slin", "sln" },    { "sln16", "sln16" }, { "slin16", "sln16" },
	{ "g722", "g722" },
};

bool vm_format_known(const char *name, char *ext_out, size_t len)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(writable); i++)
		if (ly_strcaseeq(name, writable[i].name)) {
			vm_fmt(ext_out, len, "%s", writable[i].ext);
			return true;
		}
	return false;
}

static bool has_format(const struct vm_general *g, const char *ext)
{
	for (int i = 0; i < g->n_formats; i++)
		if (!strcmp(g->formats[i], ext))
			return true;
	return false;
}

/* format=wav49|gsm|wav: every format Lyre can write, in order; the
 * others are named in one warning.  None left: wav. */
static void format_value(const struct ly_cfg_var *v, struct vm_general *g)
{
	char *copy = ly_strdup(v->value), *save = NULL, ext[8];
	struct ly_buf skipped;

	ly_buf_init(&skipped);
	g->n_formats = 0;
	for (char *f = strtok_r(copy, "|,", &save); f; f = strtok_r(NULL, "|,", &save)) {
		ly_strstrip(f);
		if (!f[0])
			continue;
		if (!vm_format_known(f, ext, sizeof(ext)))
			ly_buf_printf(&skipped, "%s%s", skipped.len ? ", " : "", f);
		else if (!has_format(g, ext) && g->n_formats < VM_MAX_FORMATS)
			vm_fmt(g->formats[g->n_formats++], sizeof(g->formats[0]), "%s", ext);
	}
	if (g->n_formats == 0) {
		vm_fmt(g->formats[0], sizeof(g->formats[0]), "wav");
		g->n_formats = 1;
	}
	if (skipped.len)
		ly_warning("%s:%d: voicemail.conf: format %s: Lyre cannot record that; skipped "
			   "(recording %s%s)",
			   v->file, v->line, ly_buf_str(&skipped), g->formats[0],
			   g->n_formats > 1 ? " and more" : "");
	ly_buf_free(&skipped);
	free(copy);
}

static void general_var(const struct ly_cfg_var *v, struct vm_general *g)
{
	int n;
	const char *k = v->name;

	if (ly_strcaseeq(k, "format"))
		format_value(v, g);
	else if (ly_strcaseeq(k, "maxmsg"))
		int_value(v, 1, VM_MAX_MSG, &g->maxmsg);
	else if (ly_strcaseeq(k, "maxsecs") || ly_strcaseeq(k, "maxmessage"))
		int_value(v, 0, 86400, &g->maxsecs);
	else if (ly_strcaseeq(k, "minsecs") || ly_strcaseeq(k, "minmessage"))
		int_value(v, 0, 86400, &g->minsecs);
	else if (ly_strcaseeq(k, "maxsilence")) {
		if (int_value(v, 0, 3600, &n) == 0)
			g->maxsilence_ms = n * 1000;
	} else if (ly_strcaseeq(k, "silencethreshold"))
		int_value(v, 1, 32767, &g->silencethreshold);
	else if (ly_strcaseeq(k, "maxlogins"))
		int_value(v, 1, 100, &g->maxlogins);
	else if (ly_strcaseeq(k, "minpassword"))
		int_value(v, 0, 40, &g->minpassword);
	else if (ly_strcaseeq(k, "attach"))
		g->attach = ly_true(v->value);
	else if (ly_strcaseeq(k, "saycid"))
		g->saycid = ly_true(v->value);
	else if (ly_strcaseeq(k, "envelope"))
		g->envelope = ly_true(v->value);
	else if (ly_strcaseeq(k, "operator"))
		g->review_operator = ly_true(v->value);
	else if (ly_strcaseeq(k, "serveremail"))
		text_value(v, g->serveremail, sizeof(g->serveremail));
	else if (ly_strcaseeq(k, "fromstring"))
		text_value(v, g->fromstring, sizeof(g->fromstring));
	else if (ly_strcaseeq(k, "emailsubject"))
		text_value(v, g->emailsubject, sizeof(g->emailsubject));
	else if (ly_strcaseeq(k, "emailbody"))
		text_value(v, g->emailbody, sizeof(g->emailbody));
	else if (ly_strcaseeq(k, "mailcmd"))
		text_value(v, g->mailcmd, sizeof(g->mailcmd));
	else if (ly_strcaseeq(k, "sendvoicemail"))
		g->sendvoicemail = ly_true(v->value);
	else if (ly_strcaseeq(k, "callback"))
		text_value(v, g->callback, sizeof(g->callback));
	else if (ly_strcaseeq(k, "pollmailboxes"))
		g->pollmailboxes = ly_true(v->value);
	else if (ly_strcaseeq(k, "pollfreq"))
		int_value(v, 1, 86400, &g->pollfreq);
	else
		ly_verbose(3, "%s:%d: voicemail.conf: [general] %s is not used by Lyre", v->file,
			   v->line, k);
}

/* `central = America/Chicago|'vm-received' Q 'digits/at' IMp` */
static void zone_var(const struct ly_cfg_var *v, struct vm_conf *c)
{
	const char *bar = strchr(v->value, '|');
	struct vm_zone *z;

	c->zones = ly_realloc(c->zones, (c->n_zones + 1) * sizeof(*c->zones));
	z = &c->zones[c->n_zones++];
	memset(z, 0, sizeof(*z));
	vm_fmt(z->name, sizeof(z->name), "%s", v->name);
	vm_fmt(z->tz, sizeof(z->tz), "%.*s", (int)(bar ? bar - v->value : (long)strlen(v->value)),
		 v->value);
	vm_fmt(z->format, sizeof(z->format), "%s", bar ? bar + 1 : "'vm-received' q 'digits/at' IMp");
}

static int user_var(const struct ly_cfg_section *s, const struct ly_cfg_var *v, struct vm_conf *c,
		    char *err, size_t len)
{
	struct vm_user u;
	const char *why = NULL;

	if (vm_user_parse(s->name, v->name, v->value, &u, &why) != 0) {
		vm_fmt(err, len, "%s:%d: mailbox %s: %s", v->file, v->line, v->name, why);
		return EINVAL;
	}
	if (vm_conf_find(c, u.box, u.context)) {
		vm_fmt(err, len, "%s:%d: mailbox %s@%s is defined twice", v->file, v->line,
			 u.box, u.context);
		return EINVAL;
	}
	if (u.unknown[0])
		ly_warning("%s:%d: voicemail.conf: mailbox %s: option '%s' is not used by Lyre",
			   v->file, v->line, u.box, u.unknown);
	vm_fmt(u.file, sizeof(u.file), "%s", v->file);
	u.line = v->line;
	c->users = ly_realloc(c->users, (c->n_users + 1) * sizeof(*c->users));
	c->users[c->n_users++] = u;
	return 0;
}

static void conf_free(struct vm_conf *c)
{
	if (!c)
		return;
	free(c->users);
	free(c->zones);
	free(c);
}

int vm_conf_build(const struct ly_config *cfg, struct vm_conf **out, char *err, size_t len)
{
	struct vm_conf *c = ly_calloc(1, sizeof(*c));

	defaults(&c->g);
	c->refs = 1;
	for (const struct ly_cfg_section *s = cfg ? cfg->sections : NULL; s; s = s->next) {
		if (s->is_template)
			continue;
		for (const struct ly_cfg_var *v = s->vars; v; v = v->next) {
			if (ly_strcaseeq(s->name, "general"))
				general_var(v, &c->g);
			else if (ly_strcaseeq(s->name, "zonemessages"))
				zone_var(v, c);
			else if (user_var(s, v, c, err, len) != 0) {
				conf_free(c);
				return EINVAL;
			}
		}
	}
	for (size_t i = 0; i < c->n_users; i++)
		if (c->users[i].tz[0] && !vm_conf_zone(c, c->users[i].tz))
			ly_warning("voicemail.conf: mailbox %s@%s: no zone '%s' in [zonemessages]",
				   c->users[i].box, c->users[i].context, c->users[i].tz);
	*out = c;
	return 0;
}

int vm_conf_reload(void)
{
	struct ly_config *cfg = NULL;
	struct ly_cfg_error cerr;
	struct vm_conf *c, *old;
	char err[600];
	int rc = ly_config_load(ly_dirs()->confdir, "voicemail.conf", &cfg, &cerr);

	if (rc == ENOENT) {
		ly_notice("voicemail.conf not found: no mailboxes");
		cfg = NULL;
	} else if (rc) {
		ly_error("voicemail.conf: %s", cerr.msg);
		return rc;
	}
	rc = vm_conf_build(cfg, &c, err, sizeof(err));
	ly_config_free(cfg);
	if (rc) {
		ly_error("voicemail.conf: %s", err);
		return EINVAL;
	}
	pthread_mutex_lock(&lock);
	old = current;
	current = c;
	pthread_mutex_unlock(&lock);
	vm_conf_put(old);	/* freed when the last call using it lets go */
	ly_verbose(2, "voicemail.conf: %zu mailboxes, %zu zones", c->n_users, c->n_zones);
	return 0;
}

struct vm_conf *vm_conf_get(void)
{
	struct vm_conf *c;

	pthread_mutex_lock(&lock);
	c = current;
	if (c)
		c->refs++;
	pthread_mutex_unlock(&lock);
	return c;
}

void vm_conf_put(struct vm_conf *c)
{
	bool last;

	if (!c)
		return;
	pthread_mutex_lock(&lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		conf_free(c);
}

void vm_conf_free_current(void)
{
	struct vm_conf *c;

	pthread_mutex_lock(&lock);
	c = current;
	current = NULL;
	pthread_mutex_unlock(&lock);
	vm_conf_put(c);
}

void vm_split_box(const char *spec, char *box, size_t blen, char *ctx, size_t clen)
{
	const char *at = strchr(spec, '@');

	vm_fmt(box, blen, "%.*s", (int)(at ? at - spec : (long)strlen(spec)), spec);
	vm_fmt(ctx, clen, "%s", at && at[1] ? at + 1 : "default");
}

const struct vm_user *vm_conf_find(const struct vm_conf *c, const char *box, const char *context)
{
	if (!c || !box)
		return NULL;
	for (size_t i = 0; i < c->n_users; i++)
		if (!strcmp(c->users[i].box, box) &&
		    ly_strcaseeq(c->users[i].context, context ? context : "default"))
			return &c->users[i];
	return NULL;
}

const struct vm_zone *vm_conf_zone(const struct vm_conf *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->n_zones; i++)
		if (ly_strcaseeq(c->zones[i].name, name))
			return &c->zones[i];
	return NULL;
}

int vm_user_maxmsg(const struct vm_conf *c, const struct vm_user *u)
{
	return u->maxmsg > 0 ? u->maxmsg : c->g.maxmsg;
}

int vm_user_maxsecs(const struct vm_conf *c, const struct vm_user *u)
{
	return u->maxsecs > 0 ? u->maxsecs : c->g.maxsecs;
}

int vm_user_minsecs(const struct vm_conf *c, const struct vm_user *u)
{
	return u->minsecs > 0 ? u->minsecs : c->g.minsecs;
}

bool vm_user_attach(const struct vm_conf *c, const struct vm_user *u)
{
	return u->attach >= 0 ? u->attach == 1 : c->g.attach;
}

const char *vm_user_callback(const struct vm_conf *c, const struct vm_user *u)
{
	return u->callback[0] ? u->callback : c->g.callback;
}
