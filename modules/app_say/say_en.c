/* modules/app_say/say_en.c - English numbers, letters and dates as lists of prompt names. */
/*
 * The rules are Asterisk's English ones (say.c), so that a caller hears
 * the same words from the same sound files: no "and" after "hundred",
 * teens and tens from their own files, ordinals from digits/h-N.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "say_en.h"

void say_add(struct say_list *l, const char *name)
{
	if (l->n < SAY_MAX)
		snprintf(l->name[l->n++], SAY_NAME, "%s", name);
}

static void add_num(struct say_list *l, const char *prefix, long long n)
{
	char buf[SAY_NAME];

	snprintf(buf, sizeof(buf), "%s%lld", prefix, n);
	say_add(l, buf);
}

/* 1..999, the part of a number between two scale words. */
static void say_below_1000(struct say_list *l, long long n)
{
	if (n >= 100) {
		add_num(l, "digits/", n / 100);
		say_add(l, "digits/hundred");
		n %= 100;
	}
	if (n >= 20) {
		add_num(l, "digits/", n / 10 * 10);
		n %= 10;
	}
	if (n > 0)
		add_num(l, "digits/", n);
}

void say_number_en(struct say_list *l, long long n)
{
	static const struct {
		long long value;
		const char *name;
	} scales[] = {
		{ 1000000000LL, "digits/billion" },
		{ 1000000LL, "digits/million" },
		{ 1000LL, "digits/thousand" },
	};
	unsigned long long u;

	if (n == 0) {
		say_add(l, "digits/0");
		return;
	}
	if (n < 0)
		say_add(l, "digits/minus");
	u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		unsigned long long v = (unsigned long long)scales[i].value;

		if (u >= v) {
			/* Above 999 billion the count of billions is itself a number. */
			if (u / v >= 1000)
				say_number_en(l, (long long)(u / v));
			else
				say_below_1000(l, (long long)(u / v));
			say_add(l, scales[i].name);
			u %= v;
		}
	}
	if (u)
		say_below_1000(l, (long long)u);
}

void say_ordinal_en(struct say_list *l, int n)
{
	if (n > 20 && n % 10) {
		add_num(l, "digits/", n / 10 * 10);
		n %= 10;
	}
	add_num(l, "digits/h-", n);
}

const char *say_digit_name(char c)
{
	static const char *const digits[] = { "digits/0", "digits/1", "digits/2", "digits/3",
					      "digits/4", "digits/5", "digits/6", "digits/7",
					      "digits/8", "digits/9" };

	if (c >= '0' && c <= '9')
		return digits[c - '0'];
	switch (c) {
	case '*': return "digits/star";
	case '#': return "digits/pound";
	case '-': return "digits/minus";
	default: return NULL;
	}
}

const char *say_alpha_name(char c, char *buf, size_t len)
{
	static const struct {
		char c;
		const char *name;
	} symbols[] = {
		{ '*', "letters/asterisk" }, { '!', "letters/exclaimation-point" },
		{ '@', "letters/at" }, { '$', "letters/dollar" }, { '-', "letters/dash" },
		{ '.', "letters/dot" }, { '=', "letters/equals" }, { '+', "letters/plus" },
		{ '/', "letters/slash" }, { ' ', "letters/space" }, { '#', "digits/pound" },
	};

	if (isdigit((unsigned char)c))
		return say_digit_name(c);
	if (isalpha((unsigned char)c)) {
		snprintf(buf, len, "letters/%c", tolower((unsigned char)c));
		return buf;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		if (symbols[i].c == c)
			return symbols[i].name;
	/* Other printable ASCII by its code, as Asterisk names them. */
	if (c > ' ' && c < 127) {
		snprintf(buf, len, "letters/ascii%d", c);
		return buf;
	}
	return NULL;
}

/* ---- SayUnixTime ---- */

/* Hours and minutes the way Asterisk's English H, k, M and S say them. */
static void say_clock_part(struct say_list *l, int v, char letter)
{
	if (letter == 'H' || letter == 'k') {
		if ((letter == 'H' && v < 10) || v == 0)
			say_add(l, "digits/oh");
		if (v)
			say_number_en(l, v);
		return;
	}
	/* M and S */
	if (v == 0) {
		if (letter == 'M')
			say_add(l, "digits/oclock");
		return;
	}
	if (v < 10)
		say_add(l, "digits/oh");
	say_number_en(l, v);
}

static void say_year(struct say_list *l, int year)
{
	if (year >= 2000 || year < 1901) {
		say_number_en(l, year);
		return;
	}
	/* 1987: nineteen eighty-seven; 1905: nineteen oh five */
	say_add(l, "digits/19");
	if (year % 100 < 10)
		say_add(l, "digits/oh");
	say_number_en(l, year % 100);
}

/* Days since 1970-01-01 of a calendar date (proleptic Gregorian), so
 * that "yesterday" works across a year's end. */
static long day_number(const struct tm *t)
{
	long y = t->tm_year + 1900L - (t->tm_mon < 2), era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400, m = t->tm_mon + 1;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + t->tm_mday - 1;

	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void say_letter(struct say_list *l, const struct tm *tm, const struct tm *now,
		       char f, int depth);

static void say_format(struct say_list *l, const struct tm *tm, const struct tm *now,
		       const char *format, int depth)
{
	for (const char *p = format; *p; p++) {
		if (*p == '\'') {	/* a quoted sound file name */
			const char *end = strchr(p + 1, '\'');
			char name[SAY_NAME];
			size_t n;

			if (!end)
				break;
			n = (size_t)(end - p - 1);
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, p + 1, n);
			name[n] = '\0';
			if (n)
				say_add(l, name);
			p = end;
			continue;
		}
		say_letter(l, tm, now, *p, depth);
	}
}

static void say_letter(struct say_list *l, const struct tm *tm, const struct tm *now,
		       char f, int depth)
{
	char buf[SAY_NAME];
	long days = day_number(now) - day_number(tm);
	int h12 = tm->tm_hour % 12 ? tm->tm_hour % 12 : 12;

	if (depth > 2)
		return;
	switch (f) {
	case 'A': case 'a':
		snprintf(buf, sizeof(buf), "digits/day-%d", tm->tm_wday);
		say_add(l, buf);
		break;
	case 'B': case 'b': case 'h':
		snprintf(buf, sizeof(buf), "digits/mon-%d", tm->tm_mon);
		say_add(l, buf);
		break;
	case 'm':
		say_ordinal_en(l, tm->tm_mon + 1);
		break;
	case 'd': case 'e':
		say_ordinal_en(l, tm->tm_mday);
		break;
	case 'Y':
		say_year(l, tm->tm_year + 1900);
		break;
	case 'I': case 'l':
		say_number_en(l, h12);
		break;
	case 'H': case 'k':
		say_clock_part(l, tm->tm_hour, f);
		break;
	case 'M': case 'S':
		say_clock_part(l, f == 'M' ? tm->tm_min : tm->tm_sec, f);
		break;
	case 'P': case 'p':
		say_add(l, tm->tm_hour > 11 ? "digits/p-m" : "digits/a-m");
		break;
	case 'Q':	/* "today", "yesterday", or the full date */
		if (days == 0)
			say_add(l, "digits/today");
		else if (days == 1)
			say_add(l, "digits/yesterday");
		else
			say_format(l, tm, now, "ABdY", depth + 1);
		break;
	case 'q':	/* nothing for today, "yesterday", the weekday this week, else the date */
		if (days == 1)
			say_add(l, "digits/yesterday");
		else if (days > 1 && days < 7)
			say_letter(l, tm, now, 'A', depth + 1);
		else if (days != 0)
			say_format(l, tm, now, "ABdY", depth + 1);
		break;
	case 'R':
		say_format(l, tm, now, "HM", depth + 1);
		break;
	case 'T':
		say_format(l, tm, now, "HMS", depth + 1);
		break;
	default:	/* spaces, and letters not supported (see README) */
		break;
	}
}

void say_time_en(struct say_list *l, const struct tm *tm, const struct tm *now,
		 const char *format)
{
	say_format(l, tm, now, format, 0);
}
