/*
 * modules/res_musiconhold/res_musiconhold.c - music on hold: classes from
 * musiconhold.conf (mode=files: every sound file of a folder, played in a
 * loop in sorted or random order), installed as the core's ly_moh_start/
 * stop; MusicOnHold, StartMusicOnHold, StopMusicOnHold; `moh show classes`.
 *
 * musiconhold.conf, as Asterisk's:
 *   [default]
 *   mode=files
 *   directory=moh          ; relative: under the sound folder (sounddir)
 *   sort=random            ; or alpha
 * Without the file, the class "default" plays <sounddir>/moh in random order.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#define MAX_NAMES 256

struct moh_class {
	struct moh_class *next;
	char name[80];
	char dir[512];
	bool random;
	char **names;	/* file names without extension, sorted, unique */
	size_t n;
	unsigned refs;	/* players; a reload frees a class when the last one ends */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct moh_class *classes;

/* ---- classes ---- */

static void class_unref(struct moh_class *k)
{
	if (!k || --k->refs)
		return;
	for (size_t i = 0; i < k->n; i++)
		free(k->names[i]);
	free(k->names);
	free(k);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every playable file of the folder, by name without extension. */
static void class_scan(struct moh_class *k)
{
	DIR *d = opendir(k->dir);
	struct dirent *e;

	k->names = ly_calloc(MAX_NAMES, sizeof(char *));
	if (!d) {
		ly_warning("musiconhold: class '%s': cannot open %s", k->name, k->dir);
		return;
	}
	while ((e = readdir(d)) != NULL && k->n < MAX_NAMES) {
		const char *dot = strrchr(e->d_name, '.');

		if (e->d_name[0] == '.' || !dot ||
		    (!ly_strcaseeq(dot + 1, "wav") && !ly_file_ext_format(dot + 1)))
			continue;
		k->names[k->n++] = ly_strndup(e->d_name, (size_t)(dot - e->d_name));
	}
	closedir(d);
	qsort(k->names, k->n, sizeof(char *), cmp_str);
	/* "tune.wav" and "tune.g722" are one piece in two formats. */
	size_t w = 0;
	for (size_t i = 0; i < k->n; i++) {
		if (w && !strcmp(k->names[w - 1], k->names[i]))
			free(k->names[i]);
		else
			k->names[w++] = k->names[i];
	}
	k->n = w;
	if (!k->n)
		ly_warning("musiconhold: class '%s': no sound files in %s", k->name, k->dir);
}

static struct moh_class *class_new(const char *name, const char *dir, bool random)
{
	struct moh_class *k = ly_calloc(1, sizeof(*k));

	ly_strlcpy(k->name, name, sizeof(k->name));
	if (dir[0] == '/')
		ly_strlcpy(k->dir, dir, sizeof(k->dir));
	else
		snprintf(k->dir, sizeof(k->dir), "%s/%s", ly_dirs()->sounddir, dir);
	k->random = random;
	k->refs = 1;
	class_scan(k);
	return k;
}

static struct moh_class *section_class(const struct ly_cfg_section *s)
{
	const char *mode = ly_cfg_section_get(s, "mode");
	const char *dir = ly_cfg_section_get(s, "directory");
	const char *sort = ly_cfg_section_get(s, "sort");

	if (mode && !ly_strcaseeq(mode, "files")) {
		ly_warning("%s:%d: musiconhold class '%s': mode=%s is not supported (files only)",
			   s->file, s->line, s->name, mode);
		return NULL;
	}
	if (!dir) {
		ly_warning("%s:%d: musiconhold class '%s' has no directory", s->file, s->line,
			   s->name);
		return NULL;
	}
	return class_new(s->name, dir, !sort || !ly_strcaseeq(sort, "alpha"));
}

/* Read musiconhold.conf into a new list; ENOENT gives the built-in default. */
static int load_classes(void)
{
	struct ly_cfg_error cerr;
	struct ly_config *cfg;
	struct moh_class *list = NULL, *old, **tail = &list;
	int rc = ly_config_load(ly_dirs()->confdir, "musiconhold.conf", &cfg, &cerr);

	if (rc && rc != ENOENT) {
		ly_error("musiconhold.conf: %s", cerr.msg);
		return rc;
	}
	if (rc == ENOENT) {
		list = class_new("default", "moh", true);
	} else {
		for (const struct ly_cfg_section *s = cfg->sections; s; s = s->next) {
			struct moh_class *k;

			if (s->is_template || ly_strcaseeq(s->name, "general") ||
			    !(k = section_class(s)))
				continue;
			*tail = k;
			tail = &k->next;
		}
		ly_config_free(cfg);
	}
	pthread_mutex_lock(&lock);
	old = classes;
	classes = list;
	while (old) {
		struct moh_class *next = old->next;

		class_unref(old);
		old = next;
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

/* ---- playing: one player per channel, on the media worker ---- */

struct player {
	struct moh_class *k;
	const struct ly_format *want;
	struct ly_file *file;
	size_t idx;
	unsigned failures;	/* files in a row that would not open */
};

static void player_open_next(struct player *p)
{
	const char *dirs[] = { p->k->dir, NULL };
	char path[1024];

	p->idx = p->k->random ? (size_t)random() % p->k->n : (p->idx + 1) % p->k->n;
	if (ly_file_find(dirs, p->k->names[p->idx], NULL, p->want, path, sizeof(path)) ||
	    ly_file_open_path(path, &p->file))
		p->file = NULL;
}

static struct ly_frame *player_tick(void *arg)
{
	struct player *p = arg;

	while (p->k->n && p->failures < p->k->n) {
		struct ly_frame *f = p->file ? ly_file_read(p->file, 20) : NULL;

		if (f) {
			p->failures = 0;
			return f;
		}
		ly_file_close(p->file);
		p->file = NULL;
		player_open_next(p);
		if (!p->file)
			p->failures++;
	}
	return NULL;
}

/* The module, held by every player: a channel's generator calls into this
 * module's code every 20 ms, so it must not be unloaded under one. */
static struct ly_module *self_mod;

static void player_free(void *arg)
{
	struct player *p = arg;

	ly_file_close(p->file);
	pthread_mutex_lock(&lock);
	class_unref(p->k);
	pthread_mutex_unlock(&lock);
	free(p);
	ly_module_unref(self_mod);	/* last, in tail position */
}

static int moh_start(struct ly_channel *c, const char *name)
{
	struct moh_class *k;
	struct player *p;
	int err;

	pthread_mutex_lock(&lock);
	for (k = classes; k && !ly_strcaseeq(k->name, name); k = k->next)
		;
	if (k)
		k->refs++;
	pthread_mutex_unlock(&lock);
	if (!k) {
		ly_warning("%s: no music on hold class '%s'", ly_chan_name(c), name);
		return ENOENT;
	}
	if (!ly_module_ref(self_mod)) {	/* unloading */
		pthread_mutex_lock(&lock);
		class_unref(k);
		pthread_mutex_unlock(&lock);
		return ENOSYS;
	}
	p = ly_calloc(1, sizeof(*p));
	p->k = k;
	p->want = ly_chan_native_format(c);
	p->idx = k->n ? k->n - 1 : 0;	/* alpha: the first file comes next */
	err = ly_chan_gen_start(c, player_tick, p, player_free);
	if (err)
		ly_warning("%s: cannot play music on hold: %s", ly_chan_name(c), strerror(err));
	else
		ly_verbose(3, "Started music on hold, class '%s', on %s", name, ly_chan_name(c));
	return err;
}

static void moh_stop(struct ly_channel *c)
{
	if (!ly_chan_gen_active(c, player_tick))
		return;
	ly_chan_gen_stop(c, player_tick);
	ly_verbose(3, "Stopped music on hold on %s", ly_chan_name(c));
}

static const struct ly_moh_funcs funcs = { .start = moh_start, .stop = moh_stop };

/* ---- applications ---- */

/* MusicOnHold(class[,duration]): play until hangup or for duration seconds. */
static int musiconhold_exec(struct ly_channel *c, const char *data)
{
	char *copy = ly_strdup(data ? data : ""), *argv[2] = { NULL, NULL };
	int n = ly_app_split_args(copy, argv, 2);
	double secs = n > 1 && argv[1][0] ? atof(argv[1]) : 0;
	uint64_t end = secs > 0 ? ly_now_ms() + (uint64_t)(secs * 1000) : 0;
	int res = 0;

	if (ly_chan_state(c) != LY_STATE_UP)
		ly_chan_answer(c);
	if (ly_moh_start(c, argv[0]) != 0) {
		free(copy);
		return 0;	/* Asterisk: a warning and on with the dialplan */
	}
	free(copy);
	for (;;) {
		uint64_t now = ly_now_ms();
		struct ly_frame *f;

		if (end && now >= end)
			break;
		f = ly_chan_read(c, end ? (int)(end - now) : 1000);
		if (ly_chan_check_hangup(c) ||
		    (f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP)) {
			ly_frame_free(f);
			res = -1;
			break;
		}
		ly_frame_free(f);
	}
	ly_moh_stop(c);
	return res;
}

static int start_exec(struct ly_channel *c, const char *data)
{
	ly_moh_start(c, data);
	return 0;
}

static int stop_exec(struct ly_channel *c, const char *data)
{
	(void)data;
	ly_moh_stop(c);
	return 0;
}

static struct ly_app apps[] = {
	{ .name = "MusicOnHold", .synopsis = "Play music on hold",
	  .description = "MusicOnHold(class[,duration]): the class's music until hangup or "
			 "for duration seconds.",
	  .exec = musiconhold_exec },
	{ .name = "StartMusicOnHold", .synopsis = "Start music on hold",
	  .description = "StartMusicOnHold(class): music plays while the dialplan goes on.",
	  .exec = start_exec },
	{ .name = "StopMusicOnHold", .synopsis = "Stop music on hold",
	  .description = "StopMusicOnHold(): stops what StartMusicOnHold started.",
	  .exec = stop_exec },
};

/* ---- CLI ---- */

static enum ly_cli_result show_classes(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	pthread_mutex_lock(&lock);
	for (const struct moh_class *k = classes; k; k = k->next) {
		ly_cli_print(a, "Class: %s\n", k->name);
		ly_cli_print(a, "\tMode: files\n\tDirectory: %s\n\tSort: %s\n\tFiles: %zu\n",
			     k->dir, k->random ? "random" : "alpha", k->n);
	}
	pthread_mutex_unlock(&lock);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result reload_cmd(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	if (load_classes())
		return LY_CLI_FAILURE;
	ly_cli_print(a, "Music on hold classes reloaded\n");
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command cli[] = {
	{ "moh show classes", "List music on hold classes",
	  "Usage: moh show classes\n  Lists the music on hold classes and their files.\n",
	  show_classes, NULL },
	{ "moh reload", "Reload musiconhold.conf",
	  "Usage: moh reload\n  Reads musiconhold.conf again; music playing goes on.\n",
	  reload_cmd, NULL },
};

static int load(struct ly_module *self)
{
	int err = load_classes();

	self_mod = self;
	for (size_t i = 0; !err && i < sizeof(apps) / sizeof(apps[0]); i++)
		err = ly_app_register(self, &apps[i]);
	if (!err)
		err = ly_cli_register_multiple(self, cli, sizeof(cli) / sizeof(cli[0]));
	if (!err)
		ly_moh_install(&funcs);
	return err;
}

static void unload(struct ly_module *self)
{
	(void)self;
	ly_moh_uninstall();
	/* Players still running keep their class until they stop. */
	pthread_mutex_lock(&lock);
	while (classes) {
		struct moh_class *next = classes->next;

		class_unref(classes);
		classes = next;
	}
	pthread_mutex_unlock(&lock);
}

static int reload(struct ly_module *self)
{
	(void)self;
	return load_classes();
}

LYRE_MODULE(res_musiconhold,
	.description = "Music on hold: classes of files, MusicOnHold and friends",
	.load = load, .unload = unload, .reload = reload);
