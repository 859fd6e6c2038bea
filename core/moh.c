/* core/moh.c - a channel's music class and the hooks the music-on-hold module installs (ly_moh_start/stop). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/moh.h"
#include "lyre/utils.h"

static pthread_rwlock_t hooks_lock = PTHREAD_RWLOCK_INITIALIZER;
static const struct ly_moh_funcs *hooks;

void ly_moh_install(const struct ly_moh_funcs *f)
{
	pthread_rwlock_wrlock(&hooks_lock);
	hooks = f;
	pthread_rwlock_unlock(&hooks_lock);
}

void ly_moh_uninstall(void)
{
	ly_moh_install(NULL);
}

/* ---- the class, kept in a datastore that calls this channel creates inherit ---- */

static void *class_dup(const void *data)
{
	return ly_strdup(data);
}

static const struct ly_datastore_info class_info = {
	.type = "musicclass", .destroy = free, .duplicate = class_dup,
};

const char *ly_moh_class(const struct ly_channel *c, char *buf, size_t len)
{
	const char *cls = ly_chan_datastore_find(c, &class_info);

	ly_strlcpy(buf, cls && *cls ? cls : "default", len);
	return buf;
}

void ly_moh_set_class(struct ly_channel *c, const char *mclass)
{
	free(ly_chan_datastore_remove(c, &class_info));
	if (mclass && *mclass)
		ly_chan_datastore_add(c, &class_info, ly_strdup(mclass));
}

int ly_moh_start(struct ly_channel *c, const char *mclass)
{
	char cls[80];
	int err = ENOSYS;

	if (!mclass || !*mclass)
		mclass = ly_moh_class(c, cls, sizeof(cls));
	pthread_rwlock_rdlock(&hooks_lock);
	if (hooks)
		err = hooks->start(c, mclass);
	pthread_rwlock_unlock(&hooks_lock);
	if (err == ENOSYS)
		ly_warning("%s: no music on hold (res_musiconhold is not loaded)", ly_chan_name(c));
	return err;
}

void ly_moh_stop(struct ly_channel *c)
{
	pthread_rwlock_rdlock(&hooks_lock);
	if (hooks)
		hooks->stop(c);
	pthread_rwlock_unlock(&hooks_lock);
}
