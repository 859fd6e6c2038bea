/*
 * modules/app_say/say_en.h - what the English Say applications play: lists
 * of prompt names (Asterisk's core sound names), built without a channel
 * so they can be unit-tested.
 */
#ifndef LYRE_APP_SAY_EN_H
#define LYRE_APP_SAY_EN_H

#include <stddef.h>
#include <time.h>

#define SAY_MAX 64	/* prompts in one list (a date says about a dozen) */
#define SAY_NAME 64	/* longest prompt name, quoted format files included */

struct say_list {
	size_t n;
	char name[SAY_MAX][SAY_NAME];
};

/* Append one prompt name (dropped, with the list marked full, past SAY_MAX). */
void say_add(struct say_list *l, const char *name);
/* English cardinal: -5 -> digits/minus digits/5; up to 999 billion. */
void say_number_en(struct say_list *l, long long n);
/* English ordinal up to 99 (days of the month): 21 -> digits/20 digits/h-1. */
void say_ordinal_en(struct say_list *l, int n);
/* The prompt for one character of SayDigits (NULL: not spoken). */
const char *say_digit_name(char c);
/* The prompt for one character of SayAlpha into buf (NULL: not spoken). */
const char *say_alpha_name(char c, char *buf, size_t len);
/* SayUnixTime: `tm` is the time to say, `now` the current time in the same
 * zone (for Q and q).  Unknown format letters are skipped. */
void say_time_en(struct say_list *l, const struct tm *tm, const struct tm *now,
		 const char *format);

#endif
