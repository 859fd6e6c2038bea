/* core/loader.c - load, order, track and unload modules with libltdl. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <ltdl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "lyre/config.h"
#include "lyre/log.h"
#include "lyre/module.h"
#include "lyre/utils.h"

/*
 * Threads: modules are loaded, reloaded and unloaded only on the loop thread
 * (CLI handlers and start-up run there), which may therefore read the list
 * without a lock.  The list lock exists for readers on other threads
 * (counts, names) and is never held across a module's callbacks.
 */

struct tracked {
	struct tracked *next;	/* the next older item */
	void *item;
	ly_unregister_fn remove;
};

struct ly_module {
	struct ly_module *next;	/* in load order */
	char *name;
	const struct ly_module_info *info;
	lt_dlhandle handle;
	atomic_uint users;
	pthread_mutex_t track_lock;	/* registries track from any thread */
	struct tracked *tracked;	/* newest first */
};

static struct {
	char *moduledir;
	bool ltdl_ready;
	bool abandoned;		/* a module was left loaded at shutdown */
	pthread_mutex_t lock;
	struct ly_module *head;
} loader = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct names {
	char **v;
	size_t n;
};

static void names_add(struct names *l, const char *name)
{
	l->v = ly_realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = ly_strdup(name);
}

static bool names_has(const struct names *l, const char *name)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (!strcmp(l->v[i], name))
			return true;
	return false;
}

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Log a message and hand it to the caller's buffer too (the CLI shows it). */
static void LY_PRINTF(5, 6) say_at(struct ly_buf *why, enum ly_log_level level, int line,
				   const char *func, const char *fmt, ...)
{
	struct ly_buf text;
	va_list ap;

	ly_buf_init(&text);
	va_start(ap, fmt);
	ly_buf_vprintf(&text, fmt, ap);
	va_end(ap);
	ly_log(level, 0, __FILE__, line, func, "%s", ly_buf_str(&text));
	if (why)
		ly_buf_printf(why, "%s\n", ly_buf_str(&text));
	ly_buf_free(&text);
}

/* Only so that log lines name the caller's line, not say_at's. */
#define say(why, level, ...) say_at(why, level, __LINE__, __func__, __VA_ARGS__)

/* "app_x", "app_x.so" or "app_x.la" -> "app_x"; NULL for anything that could
 * name a file outside moduledir. */
static char *module_name_from(const char *arg)
{
	size_t len = strlen(arg);

	if (len > 3 && (!strcmp(arg + len - 3, ".so") || !strcmp(arg + len - 3, ".la")))
		len -= 3;
	if (len == 0 || len > 64)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = arg[i];

		if (!(c == '_' || c == '-' || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return NULL;
	}
	return ly_strndup(arg, len);
}

static bool valid_name(const char *name)
{
	char *canonical = module_name_from(name);
	bool same = canonical && !strcmp(canonical, name);

	free(canonical);
	return same;
}

static struct ly_module *find_loaded(const char *name)
{
	for (struct ly_module *m = loader.head; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static bool module_file_exists(const char *name)
{
	char *so = ly_asprintf("%s/%s.so", loader.moduledir, name);
	char *la = ly_asprintf("%s/%s.la", loader.moduledir, name);
	bool found = access(so, F_OK) == 0 || access(la, F_OK) == 0;

	free(so);
	free(la);
	return found;
}

/*
 * Prefer <name>.so: an uninstalled libtool .la names its final libdir first,
 * which would load a stale installed copy instead of the one beside it.
 */
static lt_dlhandle open_file(const char *name)
{
	char *path = ly_asprintf("%s/%s.so", loader.moduledir, name);
	lt_dlhandle h;

	if (access(path, F_OK) == 0) {
		h = lt_dlopen(path);
	} else {
		free(path);
		path = ly_asprintf("%s/%s", loader.moduledir, name);
		h = lt_dlopenext(path);
	}
	free(path);
	return h;
}

static const char *ltdl_error(void)
{
	const char *e = lt_dlerror();

	return e ? e : "unknown libltdl error";
}

/*
 * lt_dlerror() after a failed open is "file not found": libltdl tries every
 * loader in turn and the last (dlpreopen) one overwrites the dlopen message
 * that names the missing symbol.  Ask the dynamic linker once more for it.
 */
static void report_open_failure(const char *name, struct ly_buf *why)
{
	char *path = ly_asprintf("%s/%s.so", loader.moduledir, name);
	const char *ltdl_text = ltdl_error();
	void *h = access(path, F_OK) == 0 ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
	const char *text = h ? NULL : dlerror();

	if (h)
		dlclose(h);
	say(why, LY_LOG_ERROR, "%s: cannot load: %s", name, text ? text : ltdl_text);
	free(path);
}

/* The version is checked before any other field: a descriptor from another
 * major version may not even have the same layout. */
static int check_descriptor(const char *name, const struct ly_module_info *info,
			    struct ly_buf *why)
{
	if (!info) {
		say(why, LY_LOG_ERROR, "%s: not a Lyre module (it exports no %s)",
		    name, LY_MODULE_INFO_SYMBOL);
		return ENOEXEC;
	}
	if (info->api_major != LYRE_MODULE_API_MAJOR || info->api_minor > LYRE_MODULE_API_MINOR) {
		say(why, LY_LOG_ERROR, "%s: built against module API %u.%u, this daemon provides "
		    "%u.%u; rebuild it against this Lyre's headers", name, info->api_major,
		    info->api_minor, LYRE_MODULE_API_MAJOR, LYRE_MODULE_API_MINOR);
		return ENOEXEC;
	}
	if (!info->name || strcmp(info->name, name)) {
		say(why, LY_LOG_ERROR, "%s: its descriptor names it \"%s\"; a module's name "
		    "must match its file", name, info->name ? info->name : "");
		return EINVAL;
	}
	return 0;
}

/* Open the file and check its descriptor; nothing of the module runs yet. */
static int module_open(const char *name, struct ly_module **modp, struct ly_buf *why)
{
	const struct ly_module_info *info;
	struct ly_module *m;
	lt_dlhandle h;
	int err;

	if (!loader.moduledir) {
		say(why, LY_LOG_ERROR, "%s: the module loader is not initialised", name);
		return EINVAL;
	}
	if (!module_file_exists(name)) {
		say(why, LY_LOG_ERROR, "%s: no %s.so or %s.la in %s", name, name, name,
		    loader.moduledir);
		return ENOENT;
	}
	h = open_file(name);
	if (!h) {
		/* Modules are linked -z now, so a missing symbol shows up here. */
		report_open_failure(name, why);
		return ENOEXEC;
	}
	info = lt_dlsym(h, LY_MODULE_INFO_SYMBOL);
	err = check_descriptor(name, info, why);
	if (err) {
		lt_dlclose(h);
		return err;
	}
	m = ly_calloc(1, sizeof(*m));
	m->name = ly_strdup(name);
	m->info = info;
	m->handle = h;
	atomic_init(&m->users, 0);
	pthread_mutex_init(&m->track_lock, NULL);
	*modp = m;
	return 0;
}

static void module_close(struct ly_module *m)
{
	if (lt_dlclose(m->handle))
		ly_warning("%s: closing failed: %s", m->name, ltdl_error());
	pthread_mutex_destroy(&m->track_lock);
	free(m->name);
	free(m);
}

/* Newest first, without the lock held: remove() usually ends in the
 * registry's unregister, which calls ly_module_untrack. */
static void remove_tracked(struct ly_module *m)
{
	for (;;) {
		struct tracked *t;

		pthread_mutex_lock(&m->track_lock);
		t = m->tracked;
		if (t)
			m->tracked = t->next;
		pthread_mutex_unlock(&m->track_lock);
		if (!t)
			return;
		t->remove(t->item);
		free(t);
	}
}

static const char *description_of(const struct ly_module *m)
{
	return m->info->description ? m->info->description : "";
}

static void list_append(struct ly_module *m)
{
	struct ly_module **pp = &loader.head;

	pthread_mutex_lock(&loader.lock);
	while (*pp)
		pp = &(*pp)->next;
	m->next = NULL;
	*pp = m;
	pthread_mutex_unlock(&loader.lock);
}

static void list_remove(struct ly_module *m)
{
	pthread_mutex_lock(&loader.lock);
	for (struct ly_module **pp = &loader.head; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&loader.lock);
}

/* Run load(); on failure undo its registrations and close the file. */
static int module_start(struct ly_module *m, struct ly_buf *why)
{
	struct ly_buf *outer = ly_log_capture(why);
	int err = m->info->load ? m->info->load(m) : 0;

	ly_log_capture(outer);
	if (err) {
		if (err < 0)	/* Asterisk habit: -1 means "failed" */
			err = EINVAL;
		remove_tracked(m);
		say(why, LY_LOG_ERROR, "%s: load failed: %s; its registrations were removed",
		    m->name, strerror(err));
		module_close(m);
		return err;
	}
	list_append(m);
	say(why, LY_LOG_NOTICE, "Loaded %s (%s)", m->name, description_of(m));
	return 0;
}

/* The high bit of `users` marks a module being unloaded; the rest counts. */
#define MODULE_UNLOADING 0x80000000u

/* Claim an unused module for unloading; false (and nothing changed) when
 * someone holds it.  From here on ly_module_ref refuses it. */
static bool module_claim_unused(struct ly_module *m)
{
	unsigned expected = 0;

	return atomic_compare_exchange_strong(&m->users, &expected, MODULE_UNLOADING);
}

/* Registrations go first, so nothing can find the module's applications
 * or technologies while its unload() frees what they use. */
static void module_stop(struct ly_module *m, struct ly_buf *why)
{
	list_remove(m);
	remove_tracked(m);
	if (m->info->unload)
		m->info->unload(m);
	say(why, LY_LOG_NOTICE, "Unloaded %s (%s)", m->name, description_of(m));
	module_close(m);
}

/* At shutdown a module some thread still runs (a channel that outlived the
 * wait) loses its registrations, but its code stays mapped: closing it
 * would crash that thread instead of letting the process end. */
static void module_abandon(struct ly_module *m)
{
	list_remove(m);
	remove_tracked(m);
	loader.abandoned = true;
	ly_warning("%s still has %u user%s at shutdown; leaving it loaded", m->name,
		   ly_module_usecount(m), ly_module_usecount(m) == 1 ? "" : "s");
}

/*
 * A set of opened modules started in the order their needs demand (Kahn's
 * topological sort): a module starts once every need runs, and is refused
 * once a need is refused or absent.  What is left waits on a cycle.
 */
enum cand_state { WAITING, STARTED, REFUSED };

struct candidate {
	char *name;		/* kept after mod is started or closed */
	struct ly_module *mod;	/* owned until started */
	enum cand_state state;
	int err;
	int path_index;		/* position on the cycle search path, or -1 */
};

struct loadset {
	struct candidate *v;
	size_t n;
	struct names unavailable;	/* needs that are not in moduledir or failed to open */
	const struct names *noload;
	struct ly_buf *why;
};

static struct candidate *loadset_find(struct loadset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

static int loadset_open(struct loadset *s, const char *name)
{
	struct ly_module *m;
	int err = module_open(name, &m, s->why);

	if (err) {
		names_add(&s->unavailable, name);
		return err;
	}
	s->v = ly_realloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = (struct candidate){ .name = ly_strdup(name), .mod = m,
					   .state = WAITING, .path_index = -1 };
	return 0;
}

/* Bring in from moduledir every need that is neither loaded nor in the set. */
static void loadset_add_needs(struct loadset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *const *need = s->v[i].mod->info->needs;

		for (; need && *need; need++) {
			if (find_loaded(*need) || loadset_find(s, *need) ||
			    names_has(&s->unavailable, *need))
				continue;
			if (valid_name(*need) && !names_has(s->noload, *need) &&
			    module_file_exists(*need))
				loadset_open(s, *need);
			else
				names_add(&s->unavailable, *need);
		}
	}
}

static void refuse(struct candidate *c, int err)
{
	c->state = REFUSED;
	c->err = err;
	module_close(c->mod);
	c->mod = NULL;
}

/* 0 when the need runs, EAGAIN while undecided, else why it never will. */
static int need_state(struct loadset *s, const char *need)
{
	struct candidate *d;

	if (find_loaded(need))
		return 0;
	d = loadset_find(s, need);
	if (!d)
		return ENOENT;
	if (d->state == STARTED)
		return 0;
	return d->state == WAITING ? EAGAIN : ECANCELED;
}

static bool candidate_decide(struct loadset *s, struct candidate *c)
{
	const char *name = c->name;

	for (const char *const *need = c->mod->info->needs; need && *need; need++) {
		int st = need_state(s, *need);

		if (st == EAGAIN)
			return false;
		if (st) {
			say(s->why, LY_LOG_ERROR, "%s needs %s, which %s", name, *need,
			    st == ENOENT ? "is not available" : "failed to load");
			refuse(c, ENOENT);
			return true;
		}
	}
	c->err = module_start(c->mod, s->why);
	c->state = c->err ? REFUSED : STARTED;
	c->mod = NULL;	/* started: the list owns it; failed: closed */
	return true;
}

static struct candidate *first_waiting_need(struct loadset *s, struct candidate *c)
{
	for (const char *const *need = c->mod->info->needs; need && *need; need++) {
		struct candidate *d = loadset_find(s, *need);

		if (d && d->state == WAITING)
			return d;
	}
	return NULL;
}

/* Called when nothing can progress: follow waiting needs from the first
 * waiting module until one repeats, and refuse that cycle's members. */
static bool refuse_one_cycle(struct loadset *s)
{
	struct candidate **path = ly_calloc(s->n + 1, sizeof(*path));
	struct candidate *c = NULL;
	struct ly_buf text;
	size_t len = 0, start;

	for (size_t i = 0; i < s->n && !c; i++)
		if (s->v[i].state == WAITING)
			c = &s->v[i];
	while (c && c->path_index < 0) {
		c->path_index = (int)len;
		path[len++] = c;
		c = first_waiting_need(s, c);
	}
	if (!c) {
		free(path);
		return false;
	}
	start = (size_t)c->path_index;
	ly_buf_init(&text);
	for (size_t i = start; i < len; i++)
		ly_buf_printf(&text, "%s -> ", path[i]->name);
	ly_buf_puts(&text, c->name);
	for (size_t i = 0; i < len; i++)
		path[i]->path_index = -1;
	for (size_t i = start; i < len; i++) {
		say(s->why, LY_LOG_ERROR, "%s is part of a needs cycle: %s",
		    path[i]->name, ly_buf_str(&text));
		refuse(path[i], ELOOP);
	}
	ly_buf_free(&text);
	free(path);
	return true;
}

static void loadset_run(struct loadset *s)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].state == WAITING && candidate_decide(s, &s->v[i]))
				progress = true;
		if (!progress)
			progress = refuse_one_cycle(s);
	}
}

static void loadset_free(struct loadset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].mod)
			module_close(s->v[i].mod);
		free(s->v[i].name);
	}
	free(s->v);
	names_free(&s->unavailable);
}

/* Load every listed module that is not loaded yet, with the needs they
 * bring in from moduledir; failures are reported and skipped. */
static void load_names(const struct names *list, const struct names *noload)
{
	struct loadset s = { .noload = noload };

	for (size_t i = 0; i < list->n; i++) {
		const char *name = list->v[i];

		if (names_has(noload, name)) {
			ly_warning("modules.conf lists %s both to load and as noload; "
				   "not loading it", name);
			continue;
		}
		if (!find_loaded(name) && !loadset_find(&s, name) &&
		    !names_has(&s.unavailable, name))
			loadset_open(&s, name);
	}
	loadset_add_needs(&s);
	loadset_run(&s);
	loadset_free(&s);
}

int ly_module_load(const char *arg, struct ly_buf *why)
{
	struct loadset s = { .why = why };
	char *name = module_name_from(arg);
	int err;

	if (!name) {
		say(why, LY_LOG_WARNING, "\"%s\" is not a module name", arg);
		return EINVAL;
	}
	if (find_loaded(name)) {
		say(why, LY_LOG_WARNING, "%s is already loaded", name);
		free(name);
		return EEXIST;
	}
	err = loadset_open(&s, name);
	if (!err) {
		loadset_add_needs(&s);
		loadset_run(&s);
		err = s.v[0].err;
	}
	loadset_free(&s);
	free(name);
	return err;
}

static struct ly_module *find_arg(const char *arg, struct ly_buf *why)
{
	char *name = module_name_from(arg);
	struct ly_module *m = name ? find_loaded(name) : NULL;

	if (!m)
		say(why, LY_LOG_WARNING, "%s is not loaded", arg);
	free(name);
	return m;
}

static const struct ly_module *first_dependent(const struct ly_module *m)
{
	for (const struct ly_module *d = loader.head; d; d = d->next)
		for (const char *const *need = d->info->needs; need && *need; need++)
			if (!strcmp(*need, m->name))
				return d;
	return NULL;
}

int ly_module_unload(const char *arg, struct ly_buf *why)
{
	struct ly_module *m = find_arg(arg, why);
	const struct ly_module *dependent;
	unsigned users;

	if (!m)
		return ENOENT;
	dependent = first_dependent(m);
	if (dependent) {
		say(why, LY_LOG_WARNING, "%s is needed by %s", m->name, dependent->name);
		return EBUSY;
	}
	if (!module_claim_unused(m)) {
		users = ly_module_usecount(m);
		say(why, LY_LOG_WARNING, "%s is in use (%u user%s)", m->name, users,
		    users == 1 ? "" : "s");
		return EBUSY;
	}
	module_stop(m, why);
	return 0;
}

static int module_reload(struct ly_module *m, struct ly_buf *why)
{
	struct ly_buf *outer = ly_log_capture(why);
	int err = m->info->reload(m);

	ly_log_capture(outer);

	if (err) {
		if (err < 0)
			err = EINVAL;
		say(why, LY_LOG_ERROR, "%s: reload failed: %s; it keeps its previous "
		    "configuration", m->name, strerror(err));
		return err;
	}
	say(why, LY_LOG_NOTICE, "Reloaded %s", m->name);
	return 0;
}

int ly_module_reload(const char *arg, struct ly_buf *why)
{
	struct ly_module *m = find_arg(arg, why);

	if (!m)
		return ENOENT;
	if (!m->info->reload) {
		say(why, LY_LOG_WARNING, "%s has nothing to reload", m->name);
		return ENOTSUP;
	}
	return module_reload(m, why);
}

int ly_module_reload_all(struct ly_buf *why)
{
	int first = 0;

	for (struct ly_module *m = loader.head; m; m = m->next) {
		if (m->info->reload) {
			int err = module_reload(m, why);

			if (err && !first)
				first = err;
		}
	}
	return first;
}

struct modules_conf {
	bool autoload;
	struct names preload, load, noload, require;
};

static int conf_entry(struct modules_conf *mc, const struct ly_cfg_var *v)
{
	struct names *list = NULL;
	char *name;

	if (ly_strcaseeq(v->name, "autoload")) {
		if (!ly_true(v->value) && !ly_false(v->value)) {
			ly_error("%s:%d: autoload must be yes or no, not \"%s\"",
				 v->file, v->line, v->value);
			return EINVAL;
		}
		mc->autoload = ly_true(v->value);
		return 0;
	}
	if (ly_strcaseeq(v->name, "preload"))
		list = &mc->preload;
	else if (ly_strcaseeq(v->name, "load") || ly_strcaseeq(v->name, "require"))
		list = &mc->load;	/* a required module loads like any other */
	else if (ly_strcaseeq(v->name, "noload"))
		list = &mc->noload;
	if (!list) {
		ly_warning("%s:%d: unknown option \"%s\" ignored", v->file, v->line, v->name);
		return 0;
	}
	name = module_name_from(v->value);
	if (!name) {
		ly_error("%s:%d: \"%s\" is not a module name", v->file, v->line, v->value);
		return EINVAL;
	}
	names_add(list, name);
	if (ly_strcaseeq(v->name, "require"))
		names_add(&mc->require, name);
	free(name);
	return 0;
}

/* A missing modules.conf means: autoload everything. */
static int conf_read(const char *confdir, struct modules_conf *mc)
{
	const struct ly_cfg_section *sec;
	struct ly_cfg_error cerr;
	struct ly_config *cfg;
	int err;

	mc->autoload = true;
	err = ly_config_load(confdir, "modules.conf", &cfg, &cerr);
	if (err == ENOENT)
		return 0;
	if (err) {
		ly_error("%s", cerr.msg);
		return EINVAL;
	}
	sec = ly_cfg_section(cfg, "modules");
	for (const struct ly_cfg_var *v = sec ? sec->vars : NULL; v && !err; v = v->next)
		err = conf_entry(mc, v);
	ly_config_free(cfg);
	return err;
}

static void conf_free(struct modules_conf *mc)
{
	names_free(&mc->preload);
	names_free(&mc->load);
	names_free(&mc->noload);
	names_free(&mc->require);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every module file in moduledir (x.so, x.la), sorted, each name once. */
static void scan_moduledir(struct names *out)
{
	DIR *dir = opendir(loader.moduledir);
	struct dirent *de;

	if (!dir) {
		ly_warning("cannot read module directory %s: %s", loader.moduledir,
			   strerror(errno));
		return;
	}
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		char *name;

		if (len < 4 || (strcmp(de->d_name + len - 3, ".so") &&
				 strcmp(de->d_name + len - 3, ".la")))
			continue;
		name = module_name_from(de->d_name);
		if (name && !names_has(out, name))
			names_add(out, name);
		free(name);
	}
	closedir(dir);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), compare_names);
}

/* Every module file not named otherwise, after the explicit `load`s. */
static void add_autoload(struct modules_conf *mc)
{
	struct names found = { 0 };

	scan_moduledir(&found);
	for (size_t i = 0; i < found.n; i++)
		if (!names_has(&mc->noload, found.v[i]) && !names_has(&mc->load, found.v[i]) &&
		    !names_has(&mc->preload, found.v[i]))
			names_add(&mc->load, found.v[i]);
	names_free(&found);
}

static int check_required(const struct names *require)
{
	int err = 0;

	for (size_t i = 0; i < require->n; i++) {
		if (!find_loaded(require->v[i])) {
			ly_error("%s is required by modules.conf but did not load", require->v[i]);
			err = ENOENT;
		}
	}
	return err;
}

/*
 * Preloads first (with their needs), then `load`/`require` entries in file
 * order, then, with autoload, every other module file.  Returns 0, EINVAL
 * when modules.conf does not parse, ENOENT when a `require` module failed.
 */
int ly_loader_load_all(const char *confdir)
{
	struct modules_conf mc = { 0 };
	int err = conf_read(confdir, &mc);

	if (!err) {
		if (mc.autoload)
			add_autoload(&mc);
		load_names(&mc.preload, &mc.noload);
		load_names(&mc.load, &mc.noload);
		err = check_required(&mc.require);
		ly_verbose(1, "%u modules loaded", ly_module_count());
	}
	conf_free(&mc);
	return err;
}

int ly_loader_init(const char *moduledir)
{
	if (lt_dlinit()) {
		ly_error("cannot initialise libltdl: %s", ltdl_error());
		return EIO;
	}
	loader.ltdl_ready = true;
	free(loader.moduledir);
	loader.moduledir = ly_strdup(moduledir);
	return ly_loader_cli_register();
}

/* Dependents first: each module loaded after everything it needs. */
void ly_loader_shutdown(void)
{
	while (loader.head) {
		struct ly_module *last = loader.head;

		while (last->next)
			last = last->next;
		if (module_claim_unused(last))
			module_stop(last, NULL);
		else
			module_abandon(last);
	}
	ly_loader_cli_unregister();
	/* lt_dlexit closes every handle still open, an abandoned module's
	 * too, which would unmap code its threads still run (a media worker
	 * at "core stop now" under thousands of calls crashed that way):
	 * then the process's exit unmaps it instead. */
	if (loader.ltdl_ready && !loader.abandoned)
		lt_dlexit();
	loader.ltdl_ready = false;
	free(loader.moduledir);
	loader.moduledir = NULL;
}

unsigned ly_module_count(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&loader.lock);
	for (const struct ly_module *m = loader.head; m; m = m->next)
		n++;
	pthread_mutex_unlock(&loader.lock);
	return n;
}

void ly_module_names(struct ly_buf *out)
{
	pthread_mutex_lock(&loader.lock);
	for (const struct ly_module *m = loader.head; m; m = m->next)
		ly_buf_printf(out, "%s\n", m->name);
	pthread_mutex_unlock(&loader.lock);
}

void ly_module_foreach(ly_module_visit_fn visit, void *arg)
{
	pthread_mutex_lock(&loader.lock);
	for (const struct ly_module *m = loader.head; m; m = m->next)
		visit(arg, m->name, description_of(m), ly_module_usecount(m));
	pthread_mutex_unlock(&loader.lock);
}

void ly_module_available(struct ly_buf *out)
{
	struct names files = { 0 };

	if (!loader.moduledir)
		return;
	scan_moduledir(&files);
	for (size_t i = 0; i < files.n; i++)
		if (!find_loaded(files.v[i]))
			ly_buf_printf(out, "%s\n", files.v[i]);
	names_free(&files);
}

const char *ly_module_name(const struct ly_module *mod)
{
	return mod ? mod->name : "core";
}

bool ly_module_ref(struct ly_module *mod)
{
	unsigned v;

	if (!mod)
		return true;
	v = atomic_load(&mod->users);
	do {
		if (v & MODULE_UNLOADING)
			return false;
	} while (!atomic_compare_exchange_weak(&mod->users, &v, v + 1));
	return true;
}

void ly_module_unref(struct ly_module *mod)
{
	if (mod && (atomic_fetch_sub(&mod->users, 1) & ~MODULE_UNLOADING) == 0) {
		/* An unbalanced unref; undo it rather than wrap to 2 billion users. */
		atomic_fetch_add(&mod->users, 1);
		ly_error("%s: use count released more often than taken", mod->name);
	}
}

unsigned ly_module_usecount(const struct ly_module *mod)
{
	return mod ? atomic_load(&((struct ly_module *)mod)->users) & ~MODULE_UNLOADING : 0;
}


void ly_module_track(struct ly_module *owner, void *item, ly_unregister_fn remove)
{
	struct tracked *t;

	if (!owner)
		return;
	t = ly_malloc(sizeof(*t));
	t->item = item;
	t->remove = remove;
	pthread_mutex_lock(&owner->track_lock);
	t->next = owner->tracked;
	owner->tracked = t;
	pthread_mutex_unlock(&owner->track_lock);
}

void ly_module_untrack(struct ly_module *owner, void *item)
{
	struct tracked *found = NULL;

	if (!owner)
		return;
	pthread_mutex_lock(&owner->track_lock);
	for (struct tracked **pp = &owner->tracked; *pp; pp = &(*pp)->next) {
		if ((*pp)->item == item) {
			found = *pp;
			*pp = found->next;
			break;
		}
	}
	pthread_mutex_unlock(&owner->track_lock);
	free(found);
}
