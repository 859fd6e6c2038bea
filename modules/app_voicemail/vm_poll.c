/*
 * modules/app_voicemail/vm_poll.c - pollmailboxes=yes: messages that
 * another program puts into the spool or takes out of it (a copy by hand,
 * a web interface, a cleanup job) reach the phones' lamps.
 *
 * One thread for all mailboxes, waking every pollfreq seconds: it counts
 * each box's folders (directory reads, which is why this is not a timer
 * on the signalling loop, whose callbacks must not block on the disk)
 * and publishes a box only when its counts differ from what the core
 * holds (lyre/mwi.h), i.e. what Lyre itself last published.  Lyre's own
 * changes are published at once; the poller only catches the others.
 * A reload retunes or stops it; unloading the module stops and joins it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "vm_int.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static bool running, stopping;
static int freq_s;

static bool changed(const struct vm_user *u)
{
	char name[LY_MWI_NAME_MAX];
	struct ly_mwi_state st;
	int n, o, urgent;

	vm_box_counts3(u->context, u->box, &n, &o, &urgent);
	vm_fmt(name, sizeof(name), "%s@%s", u->box, u->context);
	if (!ly_mwi_get(name, &st))
		return true;
	return st.new_msgs != n || st.old_msgs != o || st.new_urgent != urgent;
}

int vm_poll_once(void)
{
	struct vm_conf *c = vm_conf_get();
	int published = 0;

	for (size_t i = 0; c && i < c->n_users; i++) {
		const struct vm_user *u = &c->users[i];

		if (!changed(u))
			continue;
		ly_verbose(3, "voicemail: pollmailboxes: %s@%s changed outside Lyre", u->box,
			   u->context);
		vm_mwi_publish_box(u->context, u->box);
		published++;
	}
	vm_conf_put(c);
	return published;
}

static void *poll_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += freq_s;
		while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
			;
		if (stopping)
			break;
		pthread_mutex_unlock(&lock);
		vm_poll_once();
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

void vm_poll_stop(void)
{
	pthread_mutex_lock(&lock);
	if (!running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&lock);
	running = stopping = false;
	pthread_mutex_unlock(&lock);
	ly_verbose(3, "voicemail: pollmailboxes stopped");
}

void vm_poll_configure(const struct vm_conf *c)
{
	if (!c || !c->g.pollmailboxes) {
		vm_poll_stop();
		return;
	}
	pthread_mutex_lock(&lock);
	freq_s = c->g.pollfreq > 0 ? c->g.pollfreq : 30;
	if (running) {	/* a reload: the new frequency from the next wait */
		pthread_cond_signal(&wake);
		pthread_mutex_unlock(&lock);
		return;
	}
	if (ly_thread_create(&thread, "vm-poll", poll_thread, NULL) != 0) {
		pthread_mutex_unlock(&lock);
		ly_warning("voicemail: pollmailboxes: cannot start the poller thread");
		return;
	}
	running = true;
	pthread_mutex_unlock(&lock);
	ly_verbose(2, "voicemail: pollmailboxes every %d s", freq_s);
}
