/*
 * modules/func_callerid/func_callerid.c - CALLERID(datatype[,CID]):
 * name, num, all, ani, dnid and rdnis, read and write, as Asterisk.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#define CID_MAX 256

static const char *chan_label(const struct ly_channel *chan)
{
	return chan ? ly_chan_name(chan) : "(no channel)";
}

/* ---- "Name" <number> ---- */

/* CALLERID(all) as Asterisk's callerid_read prints it: always
 * "Name" <num>, with empty parts left empty ("" <5551234>). */
static void merge_cid(const char *name, const char *num, char *buf, size_t len)
{
	snprintf(buf, len, "\"%s\" <%s>", name, num);
}

static bool looks_like_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !strchr("+-#*() .", *s))
			return false;
	return true;
}

/* Asterisk's ast_callerid_split: "Name" <num>, Name <num>, <num>, a bare
 * number, or a bare name.  The quotes around the name go. */
static void split_cid(const char *cid, char *name, char *num, size_t len)
{
	char *copy = ly_strdup(cid), *lt = strchr(copy, '<'), *s;
	size_t n;

	name[0] = num[0] = '\0';
	if (lt) {
		char *gt = strchr(lt, '>');

		if (gt)
			*gt = '\0';
		ly_strlcpy(num, ly_strstrip(lt + 1), len);
		*lt = '\0';
	}
	s = ly_strstrip(copy);
	n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		s++;
	}
	if (!lt && looks_like_number(s))
		ly_strlcpy(num, s, len);
	else
		ly_strlcpy(name, s, len);
	free(copy);
}

/* ---- ANI, DNID, RDNIS: kept on the channel in a datastore ---- */

struct cid_extra {
	char ani[CID_MAX];
	char dnid[CID_MAX];
	char rdnis[CID_MAX];
};

/* Every datastore holds this module in use: the channel would otherwise
 * call extra_info's functions after an unload. */
static struct ly_module *self_module;

static void *extra_copy(const void *data)
{
	struct cid_extra *e = ly_malloc(sizeof(*e));

	memcpy(e, data, sizeof(*e));
	ly_module_ref(self_module);
	return e;
}

static void extra_destroy(void *data)
{
	free(data);
	ly_module_unref(self_module);
}

/* Inherited, as the parent's ANI and redirecting number travel with a
 * call the dialplan places on its behalf. */
static const struct ly_datastore_info extra_info = {
	.type = "callerid-extra",
	.destroy = extra_destroy,
	.duplicate = extra_copy,
};

/* The field of the datastore for datatype, creating it if asked. */
static char *extra_field(struct ly_channel *chan, const char *type, bool create)
{
	struct cid_extra *e = ly_chan_datastore_find(chan, &extra_info);

	if (!e && create) {
		e = ly_calloc(1, sizeof(*e));
		if (ly_chan_datastore_add(chan, &extra_info, e) == 0) {
			ly_module_ref(self_module);
		} else {
			free(e);
			e = ly_chan_datastore_find(chan, &extra_info);
		}
	}
	if (!e)
		return NULL;
	if (ly_strcaseeq(type, "ani") || ly_strcaseeq(type, "ani-num"))
		return e->ani;
	if (ly_strcaseeq(type, "dnid") || ly_strcaseeq(type, "dnid-num"))
		return e->dnid;
	return e->rdnis;
}

static bool is_extra(const char *type)
{
	static const char *const names[] = { "ani", "ani-num", "dnid", "dnid-num", "rdnis" };

	for (size_t i = 0; i < LY_ARRAY_LEN(names); i++)
		if (ly_strcaseeq(type, names[i]))
			return true;
	return false;
}

static bool is_num(const char *type)
{
	return ly_strcaseeq(type, "num") || ly_strcaseeq(type, "number");
}

/* ---- CALLERID() ---- */

static int cid_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *argv[2] = { NULL, NULL };
	char name[CID_MAX], num[CID_MAX];
	const char *type;
	int rc = 0;

	ly_app_split_args(copy, argv, 2);
	type = ly_strstrip(argv[0]);
	buf[0] = '\0';
	if (argv[1]) {	/* CALLERID(type,"Name" <num>) parses the given text */
		split_cid(argv[1], name, num, sizeof(name));
	} else if (chan) {
		ly_chan_callerid_name(chan, name, sizeof(name));
		ly_chan_callerid_num(chan, num, sizeof(num));
	} else {
		name[0] = num[0] = '\0';
	}
	if (ly_strcaseeq(type, "name")) {
		ly_strlcpy(buf, name, len);
	} else if (is_num(type)) {
		ly_strlcpy(buf, num, len);
	} else if (ly_strcaseeq(type, "all")) {
		merge_cid(name, num, buf, len);
	} else if (is_extra(type)) {
		const char *v = chan ? extra_field(chan, type, false) : NULL;

		ly_strlcpy(buf, v ? v : "", len);
	} else {
		ly_warning("%s: CALLERID: unknown datatype '%s'", chan_label(chan), type);
		rc = EINVAL;
	}
	free(copy);
	return rc;
}

static int cid_write(struct ly_channel *chan, const char *args, const char *value)
{
	char *copy = ly_strdup(args), *argv[2] = { NULL, NULL };
	char name[CID_MAX], num[CID_MAX];
	const char *type;
	int rc = 0;

	ly_app_split_args(copy, argv, 2);
	type = ly_strstrip(argv[0]);
	if (!chan) {
		ly_warning("CALLERID(%s) can only be set on a channel", type);
		free(copy);
		return EINVAL;
	}
	ly_chan_callerid_name(chan, name, sizeof(name));
	ly_chan_callerid_num(chan, num, sizeof(num));
	if (ly_strcaseeq(type, "name"))
		ly_chan_set_callerid(chan, value, num);
	else if (is_num(type))
		ly_chan_set_callerid(chan, name, value);
	else if (ly_strcaseeq(type, "all")) {
		split_cid(value, name, num, sizeof(name));
		ly_chan_set_callerid(chan, name, num);
	} else if (is_extra(type))
		ly_strlcpy(extra_field(chan, type, true), value, CID_MAX);
	else {
		ly_warning("%s: CALLERID: unknown datatype '%s'", chan_label(chan), type);
		rc = EINVAL;
	}
	free(copy);
	return rc;
}

static struct ly_func callerid_func = {
	.name = "CALLERID",
	.synopsis = "Gets or sets Caller*ID data on the channel",
	.read = cid_read,
	.write = cid_write,
};

static int load(struct ly_module *self)
{
	self_module = self;
	return ly_func_register(self, &callerid_func);
}

LYRE_MODULE(func_callerid,
	.description = "Caller ID dialplan function",
	.load = load);
