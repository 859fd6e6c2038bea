/*
 * core/app_int.h - what the core application files (core/app_*.c) share:
 * their tables for core/pbx_apps.c to register, and small helpers.
 */
#ifndef LYRE_CORE_APP_INT_H
#define LYRE_CORE_APP_INT_H

#include <stdbool.h>
#include <stddef.h>

struct ly_app;
struct ly_func;
struct ly_channel;

/* Each file's applications, NULL-terminated. */
extern struct ly_app *const app_basic_list[];
extern struct ly_app *const app_goto_list[];
extern struct ly_app *const app_vars_list[];
extern struct ly_app *const app_gosub_list[];
extern struct ly_app *const app_while_list[];
extern struct ly_app *const app_waitexten_list[];
/* LOCAL(), which lives with the Gosub stack it reads. */
extern struct ly_func app_local_func;


/*
 * Cut s at the first `sep` outside (), [] and {} and outside "...":
 * the separator becomes NUL and the text after it is returned; NULL when s
 * holds no such separator.  Quotes are kept (the application that
 * receives the text splits its own arguments).
 */
char *app_split_top(char *s, char sep);

/* Where a message about c comes from: the "file:line" of the priority it
 * runs, or its name outside the dialplan (an originated application). */
const char *app_where(const struct ly_channel *c, char *buf, size_t len);

/* Wait up to ms milliseconds (< 0: until hangup), discarding frames.
 * 0 when the time passed, -1 when the channel hangs up. */
int app_wait_ms(struct ly_channel *c, long ms);

/* "seconds" with an optional fraction ("1.5") to milliseconds; -1 when
 * it is not a non-negative number. */
long app_seconds_to_ms(const char *s);

/* Current Gosub depth (0 outside any subroutine), used to keep While
 * loops of different subroutine levels apart. */
unsigned app_gosub_depth(struct ly_channel *c);
/* Forget the While loops opened at a Gosub depth above `depth` (a
 * subroutine returned from inside its loop). */
void app_while_forget_deeper(struct ly_channel *c, unsigned depth);

#endif
