/* core/loop_int.h - core-private: which loop is the daemon's main loop. */
#ifndef LYRE_CORE_LOOP_INT_H
#define LYRE_CORE_LOOP_INT_H

struct ly_loop;

/* main.c sets it after creating the loop; NULL when the loop is freed. */
void ly_main_loop_set(struct ly_loop *loop);

#endif
