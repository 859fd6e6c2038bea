/*
 * modules/func_strings/func_strings.c - string functions: LEN, CUT,
 * FIELDQTY, FILTER, REGEX, REPLACE, TOUPPER, TOLOWER, PASSTHRU, SHIFT,
 * POP, PUSH, UNSHIFT and STRFTIME, with Asterisk's syntax and edge cases.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <lyre/lyre.h>

/* Room for a variable's value, as Asterisk's VAR_BUF_SIZE. */
#define VALUE_MAX LY_MAX_VALUE

/* ---- helpers ---- */

static const char *chan_label(const struct ly_channel *chan)
{
	return chan ? ly_chan_name(chan) : "(no channel)";
}

/*
 * Split at top-level commas, keeping quotes and backslashes, as Asterisk's
 * AST_STANDARD_RAW_ARGS: FILTER and the delimiters decode their own
 * escapes (\n, \x2C, \-), which the quote-removing split would eat.
 * Commas inside (), [] or "..." do not split; once max fields are found
 * the last one keeps the rest.  Returns the count (at least 1).
 */
static int split_raw(char *s, char **argv, int max)
{
	int argc = 0, depth = 0;
	bool quoted = false;

	argv[argc++] = s;
	for (char *p = s; *p && argc < max; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (quoted) {
			continue;
		} else if (*p == '(' || *p == '[' || *p == '{') {
			depth++;
		} else if ((*p == ')' || *p == ']' || *p == '}') && depth > 0) {
			depth--;
		} else if (*p == ',' && depth == 0) {
			*p = '\0';
			argv[argc++] = p + 1;
		}
	}
	return argc;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/*
 * One possibly encoded character, as Asterisk's ast_get_encoded_char:
 * \n \r \t, \xHH (up to two hex digits), \0nnn (octal), \<c> for c itself.
 * Returns how many bytes of s it used (0 at the end of s).
 */
static size_t decode_char(const char *s, char *out)
{
	size_t n = 2;

	if (s[0] != '\\') {
		*out = s[0];
		return s[0] ? 1 : 0;
	}
	switch (s[1]) {
	case 'n': *out = '\n'; break;
	case 'r': *out = '\r'; break;
	case 't': *out = '\t'; break;
	case 'x': {
		int v = 0;

		while (n < 4 && isxdigit((unsigned char)s[n]))
			v = v * 16 + hexval(s[n++]);
		*out = (char)v;
		break;
	}
	case '0': {
		int v = 0;

		while (n < 5 && s[n] >= '0' && s[n] <= '7')
			v = v * 8 + (s[n++] - '0');
		*out = (char)v;
		break;
	}
	case '\0': *out = '\\'; return 1;
	default: *out = s[1]; break;
	}
	return n;
}

/* A delimiter argument: its first (decoded) character, or dflt when empty. */
static char delimiter_arg(const char *arg, char dflt)
{
	char c;

	return arg && decode_char(arg, &c) ? c : dflt;
}

/* The value of the variable named `name`, "" when unset. */
static const char *var_value(struct ly_channel *chan, const char *name, char *buf, size_t len)
{
	if (!ly_pbx_var_get(chan, name, buf, len))
		buf[0] = '\0';
	return buf;
}

/* Append to buf (of size len) where *used bytes are taken; truncates. */
static void append(char *buf, size_t len, size_t *used, const char *s, size_t n)
{
	if (*used + 1 >= len)
		return;
	if (n > len - 1 - *used)
		n = len - 1 - *used;
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
}

/* ---- LEN, TOUPPER, TOLOWER, PASSTHRU: the whole argument is the string ---- */

static int len_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	(void)chan;
	snprintf(buf, len, "%zu", strlen(args));
	return 0;
}

static int toupper_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	size_t i;

	(void)chan;
	for (i = 0; args[i] && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)args[i]);
	buf[i] = '\0';
	return 0;
}

static int tolower_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	size_t i;

	(void)chan;
	for (i = 0; args[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)args[i]);
	buf[i] = '\0';
	return 0;
}

static int passthru_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	(void)chan;
	ly_strlcpy(buf, args, len);
	return 0;
}

/* ---- CUT(varname,char-delim,range-spec) ---- */

/*
 * One range of a range-spec: "2" (one field), "2-4", "2-" (to the end) or
 * "-3" (fields 1 to 3).  false when it is none of these.
 */
static bool parse_range(const char *spec, long *start, long *stop)
{
	char *end;

	if (spec[0] == '-') {
		*start = 1;
		*stop = strtol(spec + 1, &end, 10);
		return end != spec + 1 && *end == '\0';
	}
	*start = strtol(spec, &end, 10);
	if (end == spec)
		return false;
	if (*end == '\0') {
		*stop = *start;
		return true;
	}
	if (*end != '-')
		return false;
	if (end[1] == '\0') {
		*stop = LONG_MAX;
		return true;
	}
	spec = end + 1;
	*stop = strtol(spec, &end, 10);
	return end != spec && *end == '\0';
}

/*
 * Asterisk walks the fields once, left to right, for all the '&'-joined
 * ranges: a range that starts before the current field cannot go back
 * (CUT(x,,3&1) gives field 3 only), and the output keeps the delimiter
 * between the fields it picked.
 */
static int cut_fields(char *value, char delim, char *spec, char *buf, size_t len)
{
	char ds[2] = { delim, '\0' };
	char *cursor = *value ? value : NULL;
	long field = 1;
	size_t used = 0;
	int picked = 0;
	char *range;

	buf[0] = '\0';
	while (cursor && (range = strsep(&spec, "&"))) {
		long start, stop;

		if (!parse_range(range, &start, &stop))
			return EINVAL;
		while (cursor && field < start) {
			strsep(&cursor, ds);
			field++;
		}
		if (field > start)
			ly_debug(1, "CUT: range %s starts before field %ld; fields are not reordered",
				 range, field);
		while (cursor && field <= stop) {
			char *f = strsep(&cursor, ds);

			if (picked++)
				append(buf, len, &used, ds, 1);
			append(buf, len, &used, f, strlen(f));
			field++;
		}
	}
	return 0;
}

static int cut_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *argv[3];
	char *value = ly_malloc(VALUE_MAX);
	int rc = EINVAL;

	if (split_raw(copy, argv, 3) < 3 || !*argv[0]) {
		ly_warning("%s: Syntax: CUT(<varname>,<char-delim>,<range-spec>) - missing argument",
			   chan_label(chan));
	} else {
		var_value(chan, ly_strstrip(argv[0]), value, VALUE_MAX);
		rc = cut_fields(value, delimiter_arg(argv[1], '-'), ly_strstrip(argv[2]), buf, len);
		if (rc)
			ly_warning("%s: CUT: invalid range-spec '%s'", chan_label(chan), argv[2]);
	}
	free(value);
	free(copy);
	return rc;
}

/* ---- FIELDQTY(varname,delim) ---- */

static int fieldqty_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *argv[2];
	char *value = ly_malloc(VALUE_MAX);
	int count = 1;

	/* Without a delimiter Asterisk counts the whole value as one field;
	 * an empty value has no fields. */
	if (split_raw(copy, argv, 2) == 2) {
		char delim = delimiter_arg(argv[1], '\0');	/* empty: nothing splits */

		var_value(chan, ly_strstrip(argv[0]), value, VALUE_MAX);
		count = *value ? 1 : 0;
		for (const char *p = value; *p && delim; p++)
			count += *p == delim;
	}
	snprintf(buf, len, "%d", count);
	free(value);
	free(copy);
	return 0;
}

/* ---- FILTER(allowed-chars,string) ---- */

static void allow(unsigned char *set, unsigned char c)
{
	set[c / 8] |= (unsigned char)(1u << (c % 8));
}

static bool allowed(const unsigned char *set, unsigned char c)
{
	return set[c / 8] & (1u << (c % 8));
}

/* "a-z0-9\-" -> a set of 256 bits.  A reversed range (z-a) wraps through
 * 255 as Asterisk's does (with a warning there too). */
static void build_charset(const char *spec, unsigned char *set, const char *who)
{
	while (*spec) {
		char c1, c2;
		size_t used = decode_char(spec, &c1);

		spec += used;
		if (*spec != '-') {
			allow(set, (unsigned char)c1);
			continue;
		}
		used = decode_char(spec + 1, &c2);
		if (!used)
			c2 = c1;
		spec += 1 + used;
		if ((unsigned char)c2 < (unsigned char)c1)
			ly_warning("%s: range wrapping in FILTER; this may not be what you want", who);
		for (unsigned char ac = (unsigned char)c1;; ac++) {
			allow(set, ac);
			if (ac == (unsigned char)c2)
				break;
		}
	}
}

static int filter_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *argv[2];
	unsigned char set[32] = { 0 };
	size_t used = 0;

	if (split_raw(copy, argv, 2) < 2) {
		ly_warning("%s: Syntax: FILTER(<allowed-chars>,<string>) - missing argument",
			   chan_label(chan));
		free(copy);
		return EINVAL;
	}
	build_charset(argv[0], set, chan_label(chan));
	buf[0] = '\0';
	for (const char *p = argv[1]; *p; p++)
		if (allowed(set, (unsigned char)*p))
			append(buf, len, &used, p, 1);
	free(copy);
	return 0;
}

/* ---- REGEX("regular expression" string) ---- */

static int regex_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	const char *open = strchr(args, '"');
	const char *close = open ? strchr(open + 1, '"') : NULL;
	struct ly_buf why;
	bool matched;
	const char *subject;
	char *re;
	int rc;

	if (!close) {
		ly_warning("%s: REGEX: arguments must be \"<regex>\" <string>", chan_label(chan));
		return EINVAL;
	}
	re = ly_strndup(open + 1, (size_t)(close - open - 1));
	/* One space after the closing quote separates; a second one is data. */
	subject = close + 1;
	if (*subject == ' ' || *subject == '\t')
		subject++;
	/* The core bounds the pattern's cost: a dialplan (or a DB value)
	 * must not be able to make glibc eat all memory. */
	ly_buf_init(&why);
	rc = ly_regex_match(re, subject, &matched, &why);
	if (rc)
		ly_warning("%s: REGEX: '%s': %s", chan_label(chan), re, ly_buf_str(&why));
	else
		ly_strlcpy(buf, matched ? "1" : "0", len);
	ly_buf_free(&why);
	free(re);
	return rc;
}

/* ---- REPLACE(varname,find-chars[,replace-char]) ---- */

static void decode_all(const char *s, char *out, size_t len)
{
	size_t n = 0;

	while (*s && n + 1 < len) {
		s += decode_char(s, &out[n]);
		n++;
	}
	out[n] = '\0';
}

static int replace_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *argv[3] = { NULL, NULL, NULL };
	char *value = ly_malloc(VALUE_MAX);
	char find[256], with = '\0';
	size_t used = 0;
	int argc = split_raw(copy, argv, 3);

	if (argc < 2 || !*ly_strstrip(argv[0]) || !*argv[1]) {
		ly_warning("%s: REPLACE: the variable name and the characters to find must not "
			   "be empty", chan_label(chan));
		free(value);
		free(copy);
		return EINVAL;
	}
	decode_all(argv[1], find, sizeof(find));
	if (argc == 3)
		decode_char(argv[2], &with);
	var_value(chan, argv[0], value, VALUE_MAX);
	buf[0] = '\0';
	for (const char *p = value; *p; p++) {
		if (!strchr(find, *p))
			append(buf, len, &used, p, 1);
		else if (with)	/* an empty replace-char deletes */
			append(buf, len, &used, &with, 1);
	}
	free(value);
	free(copy);
	return 0;
}

/* ---- SHIFT, POP (read), PUSH, UNSHIFT (write): varname[,delimiter] ---- */

/* varname and the delimiter (default ','); false when varname is empty. */
static bool list_args(char *copy, const char **var, char *delim)
{
	char *argv[2];
	int argc = split_raw(copy, argv, 2);

	*var = ly_strstrip(argv[0]);
	*delim = argc == 2 ? delimiter_arg(argv[1], ',') : ',';
	return **var != '\0';
}

/* Remove the first (shift) or last item of the list in the variable. */
static int take_item(struct ly_channel *chan, const char *args, bool first, char *buf,
		     size_t len)
{
	char *copy = ly_strdup(args), *value = ly_malloc(VALUE_MAX), *cut;
	const char *var;
	char delim;

	buf[0] = '\0';
	if (!list_args(copy, &var, &delim)) {
		ly_warning("%s: %s requires a variable name", chan_label(chan), first ? "SHIFT" : "POP");
		free(value);
		free(copy);
		return EINVAL;
	}
	var_value(chan, var, value, VALUE_MAX);
	cut = first ? strchr(value, delim) : strrchr(value, delim);
	if (!*value) {
		/* nothing to take: the result is empty and the variable unchanged */
	} else if (!cut) {	/* the only item */
		ly_strlcpy(buf, value, len);
		ly_pbx_var_set(chan, var, "");
	} else {
		*cut = '\0';
		ly_strlcpy(buf, first ? value : cut + 1, len);
		ly_pbx_var_set(chan, var, first ? cut + 1 : value);
	}
	free(value);
	free(copy);
	return 0;
}

static int shift_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	return take_item(chan, args, true, buf, len);
}

static int pop_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	return take_item(chan, args, false, buf, len);
}

/* Add value at the end (push) or the front of the list in the variable. */
static int add_item(struct ly_channel *chan, const char *args, const char *item, bool at_end)
{
	char *copy = ly_strdup(args), *value = ly_malloc(VALUE_MAX), *next;
	const char *var;
	char delim;
	int rc;

	if (!list_args(copy, &var, &delim)) {
		ly_warning("%s: %s requires a variable name", chan_label(chan),
			   at_end ? "PUSH" : "UNSHIFT");
		free(value);
		free(copy);
		return EINVAL;
	}
	var_value(chan, var, value, VALUE_MAX);
	if (!*value)
		next = ly_strdup(item);
	else if (at_end)
		next = ly_asprintf("%s%c%s", value, delim, item);
	else
		next = ly_asprintf("%s%c%s", item, delim, value);
	rc = ly_pbx_var_set(chan, var, next);
	free(next);
	free(value);
	free(copy);
	return rc;
}

static int push_write(struct ly_channel *chan, const char *args, const char *value)
{
	return add_item(chan, args, value, true);
}

static int unshift_write(struct ly_channel *chan, const char *args, const char *value)
{
	return add_item(chan, args, value, false);
}

/* ---- STRFTIME([epoch][,timezone][,format]) ---- */

/* The time to format: epoch may carry a fraction ("1700000000.250").
 * Without one it is the dialplan clock (fixed in tests). */
static void when_from_arg(const char *arg, time_t *secs, long *usec)
{
	char *end;
	double v;

	if (arg && *arg) {
		v = strtod(arg, &end);
		if (end != arg && v >= 0 && v < 1e15) {
			*secs = (time_t)v;
			*usec = (long)((v - (double)*secs) * 1e6 + 0.5) % 1000000;
			return;
		}
		ly_warning("STRFTIME: '%s' is not an epoch; using the current time", arg);
	}
	*secs = ly_pbx_now();
	*usec = *secs == time(NULL) ? (long)(ly_wallclock_us() % 1000000) : 0;
}

/* Replace Asterisk's %[n]q (fractions of a second, n digits, default 3)
 * before handing the rest to strftime(3). */
static void expand_fraction(const char *fmt, long usec, struct ly_buf *out)
{
	for (const char *p = fmt; *p; p++) {
		int digits = 3;
		char frac[8];

		if (p[0] != '%' || !p[1]) {
			ly_buf_append(out, p, 1);
			continue;
		}
		if (p[1] == '%') {
			ly_buf_puts(out, "%%");
			p++;
			continue;
		}
		if (p[1] >= '1' && p[1] <= '6' && p[2] == 'q') {
			digits = p[1] - '0';
			p++;
		} else if (p[1] != 'q') {
			ly_buf_append(out, p, 1);
			continue;
		}
		p++;
		snprintf(frac, sizeof(frac), "%06ld", usec);
		ly_buf_append(out, frac, (size_t)digits);
	}
}

/* The format is the dialplan's by design, so the compiler cannot check it;
 * strftime(3) reads nothing but tm whatever the format says. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static size_t format_time(char *buf, size_t len, const char *fmt, const struct tm *tm)
{
	return strftime(buf, len, fmt, tm);
}
#pragma GCC diagnostic pop

static int strftime_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *argv[3] = { NULL, NULL, NULL };
	int argc = split_raw(copy, argv, 3);
	const char *zone = argc >= 2 ? ly_strstrip(argv[1]) : NULL;
	char abbr[LY_TZ_ABBR_LEN] = "";
	struct ly_buf fmt;
	struct tm tm;
	time_t secs;
	long usec;
	int res;

	when_from_arg(argv[0], &secs, &usec);
	res = ly_localtime(zone, secs, &tm, abbr, sizeof(abbr));
	if (res && zone && *zone) {
		ly_warning("%s: STRFTIME: %s time zone '%s'; using the local time",
			   chan_label(chan), res == ENOENT ? "unknown" : "invalid", zone);
		res = ly_localtime(NULL, secs, &tm, abbr, sizeof(abbr));
	}
	if (len)
		buf[0] = '\0';
	if (!res) {
		ly_buf_init(&fmt);
		expand_fraction(argc == 3 && *argv[2] ? argv[2] : "%c", usec, &fmt);
		if (len && format_time(buf, len, ly_buf_str(&fmt), &tm) == 0)
			buf[0] = '\0';
		ly_buf_free(&fmt);
	}
	free(copy);
	return 0;
}

/* ---- registration ---- */

static struct ly_func string_funcs[] = {
	{ .name = "LEN", .synopsis = "Return the length of the string given", .read = len_read },
	{ .name = "TOUPPER", .synopsis = "Convert string to all uppercase letters",
	  .read = toupper_read },
	{ .name = "TOLOWER", .synopsis = "Convert string to all lowercase letters",
	  .read = tolower_read },
	{ .name = "PASSTHRU", .synopsis = "Pass the given argument back as a value",
	  .read = passthru_read },
	{ .name = "CUT", .synopsis = "Slices and dices strings, based upon a named delimiter",
	  .read = cut_read },
	{ .name = "FIELDQTY", .synopsis = "Count the fields with an arbitrary delimiter",
	  .read = fieldqty_read },
	{ .name = "FILTER", .synopsis = "Filter the string to include only the allowed characters",
	  .read = filter_read },
	{ .name = "REGEX", .synopsis = "Check string against a regular expression",
	  .read = regex_read },
	{ .name = "REPLACE", .synopsis = "Replace a set of characters in a given string",
	  .read = replace_read },
	{ .name = "SHIFT", .synopsis = "Removes and returns the first item of a delimited list",
	  .read = shift_read },
	{ .name = "POP", .synopsis = "Removes and returns the last item of a delimited list",
	  .read = pop_read },
	{ .name = "PUSH", .synopsis = "Appends a value to the end of a delimited list",
	  .write = push_write },
	{ .name = "UNSHIFT", .synopsis = "Inserts a value at the beginning of a delimited list",
	  .write = unshift_write },
	{ .name = "STRFTIME", .synopsis = "Returns the current date/time in the specified format",
	  .read = strftime_read },
};

static int load(struct ly_module *self)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(string_funcs); i++) {
		int rc = ly_func_register(self, &string_funcs[i]);

		if (rc)
			return rc;
	}
	return 0;
}

LYRE_MODULE(func_strings,
	.description = "String handling dialplan functions",
	.load = load);
