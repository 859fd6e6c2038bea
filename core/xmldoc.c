/* core/xmldoc.c - read the XML documentation modules ship and format it for the console. */
#include "config.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lyre/log.h"
#include "lyre/utils.h"
#include "xmldoc.h"

/* Console text is wrapped at this column, as Asterisk wraps at 80. */
#define WRAP_COLUMN 78

/*
 * Parsed files, one per module, read the first time someone asks and kept
 * until shutdown.  The file's mtime is kept with it so that installing a
 * new module version (or fixing a broken file) is seen without a restart;
 * a file that failed to parse is remembered with doc NULL so the error is
 * logged once per version of the file, not at every command.
 */
struct doc_file {
	char *module;
	struct timespec mtime;
	xmlDocPtr doc;		/* NULL: missing or malformed */
	struct doc_file *next;
};

/* Guards docdir and the cache; formatting runs under it because it walks
 * a cached tree that a reload of the same file would free. */
static pthread_mutex_t doc_lock = PTHREAD_MUTEX_INITIALIZER;
static char *docdir;
static struct doc_file *files;

/*
 * libxml2 is opened with dlopen on the first document read, not linked:
 * documentation is read only when someone asks for it on the console,
 * and idle RSS is a target (bench/README.md).  Linked, merely mapping
 * libxml2 and what Debian builds it with (ICU, libstdc++) cost about
 * 560 kB at start-up, and its xmlInitParser 700 kB more.  Only the
 * headers are used at build time; the calls below go through this table,
 * as res_rtp does for libsrtp2.
 */
#define XML_SONAMES { "libxml2.so.2", "libxml2.so" }

static struct {
	__typeof__(xmlInitParser) *init_parser;
	__typeof__(xmlFreeDoc) *free_doc;
	__typeof__(xmlNewParserCtxt) *new_ctxt;
	__typeof__(xmlCtxtReadFile) *read_file;
	__typeof__(xmlCtxtGetLastError) *last_error;
	__typeof__(xmlDocGetRootElement) *root;
	__typeof__(xmlFreeParserCtxt) *free_ctxt;
	__typeof__(xmlGetProp) *get_prop;
	__typeof__(xmlNodeGetContent) *content;
	xmlFreeFunc free_fn;		/* what libxml2 frees its strings with */
	bool ready;
} xml;

#define xmlInitParser (*xml.init_parser)
#define xmlFreeDoc (*xml.free_doc)
#define xmlNewParserCtxt (*xml.new_ctxt)
#define xmlCtxtReadFile (*xml.read_file)
#define xmlCtxtGetLastError (*xml.last_error)
#define xmlDocGetRootElement (*xml.root)
#define xmlFreeParserCtxt (*xml.free_ctxt)
#define xmlGetProp (*xml.get_prop)
#define xmlNodeGetContent (*xml.content)
#undef xmlFree
#define xmlFree (*xml.free_fn)

/* xmlFree is a variable, or with threads a macro around __xmlFree(). */
static bool find_free(void *h)
{
	xmlFreeFunc *(*per_thread)(void) = NULL;
	xmlFreeFunc *var = NULL;

	if (ly_lib_sym(h, "__xmlFree", &per_thread))
		var = per_thread();
	else
		ly_lib_sym(h, "xmlFree", &var);
	xml.free_fn = var ? *var : NULL;
	return xml.free_fn != NULL;
}

/* Kept open for the process's life: its parser state is never cleaned up
 * (see ly_xmldoc_shutdown). */
static void open_libxml2(void)
{
	static const char *const names[] = XML_SONAMES;
	void *h = ly_lib_open(names, sizeof(names) / sizeof(names[0]));

	if (!h) {
		ly_error("XML documentation: cannot open libxml2: %s", dlerror());
		return;
	}
	if (!ly_lib_sym(h, "xmlInitParser", &xml.init_parser) ||
	    !ly_lib_sym(h, "xmlFreeDoc", &xml.free_doc) ||
	    !ly_lib_sym(h, "xmlNewParserCtxt", &xml.new_ctxt) ||
	    !ly_lib_sym(h, "xmlCtxtReadFile", &xml.read_file) ||
	    !ly_lib_sym(h, "xmlCtxtGetLastError", &xml.last_error) ||
	    !ly_lib_sym(h, "xmlDocGetRootElement", &xml.root) ||
	    !ly_lib_sym(h, "xmlFreeParserCtxt", &xml.free_ctxt) ||
	    !ly_lib_sym(h, "xmlGetProp", &xml.get_prop) ||
	    !ly_lib_sym(h, "xmlNodeGetContent", &xml.content) ||
	    !find_free(h)) {
		ly_error("XML documentation: libxml2 lacks a function Lyre needs");
		return;
	}
	xmlInitParser();
	xml.ready = true;
}

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

int ly_xmldoc_init(const char *dir)
{
	pthread_mutex_lock(&doc_lock);
	free(docdir);
	docdir = ly_strdup(dir ? dir : "");
	pthread_mutex_unlock(&doc_lock);
	return 0;
}

static void free_file(struct doc_file *f)
{
	if (f->doc)	/* a document means libxml2 is open */
		xmlFreeDoc(f->doc);
	free(f->module);
	free(f);
}

/* libxml2's own global state (xmlCleanupParser) is left alone: other parts
 * of the daemon may use the library, and its documentation asks that the
 * cleanup run only when the process is done with it. */
void ly_xmldoc_shutdown(void)
{
	pthread_mutex_lock(&doc_lock);
	while (files) {
		struct doc_file *next = files->next;

		free_file(files);
		files = next;
	}
	free(docdir);
	docdir = NULL;
	pthread_mutex_unlock(&doc_lock);
}

/* ---- loading ---- */

static xmlDocPtr parse_file(const char *path)
{
	xmlParserCtxtPtr ctx;
	xmlDocPtr doc;

	pthread_once(&parser_once, open_libxml2);
	if (!xml.ready)
		return NULL;
	ctx = xmlNewParserCtxt();
	if (!ctx)
		return NULL;
	/* NOERROR/NOWARNING: report through our logger, not libxml2's stderr;
	 * NONET: documentation never fetches anything. */
	doc = xmlCtxtReadFile(ctx, path, NULL,
			      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(ctx);

		ly_warning("%s:%d: documentation not loaded: %s", path, e ? e->line : 0,
			   e && e->message ? ly_strstrip(e->message) : "unreadable");
	} else if (!xmlDocGetRootElement(doc)) {
		ly_warning("%s: documentation file is empty", path);
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctx);
	return doc;
}

static bool same_mtime(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* The parsed document of module (cached), or NULL.  Caller holds doc_lock. */
static xmlDocPtr module_doc_locked(const char *module)
{
	struct doc_file **pp, *f;
	struct timespec mtime = { 0, 0 };
	struct stat st;
	char *path;

	if (!docdir || !*docdir)
		return NULL;
	path = ly_asprintf("%s/%s.xml", docdir, module);
	if (stat(path, &st) == 0)
		mtime = st.st_mtim;
	for (pp = &files; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->module, module) == 0)
			break;
	f = *pp;
	if (f && same_mtime(&f->mtime, &mtime)) {
		free(path);
		return f->doc;
	}
	if (f) {	/* the file changed: forget the old version */
		*pp = f->next;
		free_file(f);
	}
	f = ly_calloc(1, sizeof(*f));
	f->module = ly_strdup(module);
	f->mtime = mtime;
	f->doc = mtime.tv_sec || mtime.tv_nsec ? parse_file(path) : NULL;
	f->next = files;
	files = f;
	free(path);
	return f->doc;
}

/* ---- walking the tree ---- */

static bool is_element(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr first_child(const xmlNode *parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (is_element(n, name))
			return n;
	return NULL;
}

/* An attribute's value (caller frees with xmlFree), or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static bool attr_is(const xmlNode *n, const char *name, const char *value)
{
	char *v = attr(n, name);
	bool eq = v && strcasecmp(v, value) == 0;

	xmlFree(v);
	return eq;
}

/* The <application name="..."> or <function name="..."> element. */
static xmlNodePtr find_item(xmlDocPtr doc, const char *kind, const char *name)
{
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

	for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next)
		if (is_element(n, kind) && attr_is(n, "name", name))
			return n;
	return NULL;
}

/* ---- text ---- */

/* Append the text under n with runs of white space collapsed to one
 * space, as the XML author's line breaks and indentation mean nothing. */
static void collapse_text(const xmlNode *n, struct ly_buf *out)
{
	xmlChar *raw = xmlNodeGetContent(n);
	bool space = out->len > 0 && out->data[out->len - 1] != ' ';

	for (const xmlChar *p = raw; p && *p; p++) {
		if (isspace(*p)) {
			space = out->len > 0;
			continue;
		}
		if (space && out->data[out->len - 1] != ' ')
			ly_buf_puts(out, " ");
		space = false;
		ly_buf_append(out, p, 1);
	}
	xmlFree(raw);
}

static void trim_trailing_space(struct ly_buf *b)
{
	while (b->len && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
}

/* Append text word-wrapped at WRAP_COLUMN, every line indented. */
static void append_wrapped(struct ly_buf *out, const char *text, int indent)
{
	int col = 0;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (col > indent && col + 1 + (int)word > WRAP_COLUMN) {
			ly_buf_puts(out, "\n");
			col = 0;
		}
		if (col == 0) {
			ly_buf_printf(out, "%*s", indent, "");
			col = indent;
		} else {
			ly_buf_puts(out, " ");
			col++;
		}
		ly_buf_append(out, text, word);
		col += (int)word;
		text += word;
		text += strspn(text, " ");
	}
	ly_buf_puts(out, "\n");
}

/* One paragraph: its text, collapsed and wrapped. */
static void append_para(struct ly_buf *out, const xmlNode *para, const char *prefix, int indent)
{
	struct ly_buf text;

	ly_buf_init(&text);
	if (prefix)
		ly_buf_puts(&text, prefix);
	collapse_text(para, &text);
	trim_trailing_space(&text);
	if (text.len)
		append_wrapped(out, ly_buf_str(&text), indent);
	ly_buf_free(&text);
}

/* <example>: verbatim, each line indented. */
static void append_example(struct ly_buf *out, const xmlNode *ex, int indent)
{
	xmlChar *raw = xmlNodeGetContent(ex);
	char *text = ly_strdup(raw ? (const char *)raw : "");
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *body = line + strspn(line, " \t");

		if (*body)
			ly_buf_printf(out, "%*s%s\n", indent + 4, "", body);
	}
	free(text);
	xmlFree(raw);
}

static void append_blocks(struct ly_buf *out, const xmlNode *parent, int indent);

/* <optionlist>/<enumlist>/<argument>: "name: text" with the text below. */
static void append_named_item(struct ly_buf *out, const xmlNode *item, int indent)
{
	char *name = attr(item, "name");

	ly_buf_printf(out, "%*s%s:\n", indent, "", name ? name : "");
	xmlFree(name);
	append_blocks(out, item, indent + 4);
}

/* The block content of an element: paragraphs, notes, examples and lists. */
static void append_blocks(struct ly_buf *out, const xmlNode *parent, int indent)
{
	for (const xmlNode *n = parent->children; n; n = n->next) {
		if (is_element(n, "para")) {
			append_para(out, n, NULL, indent);
		} else if (is_element(n, "note") || is_element(n, "warning")) {
			for (const xmlNode *p = n->children; p; p = p->next)
				if (is_element(p, "para"))
					append_para(out, p, is_element(n, "note") ? "NOTE: " : "WARNING: ",
						    indent);
		} else if (is_element(n, "example")) {
			append_example(out, n, indent);
		} else if (is_element(n, "optionlist") || is_element(n, "enumlist")) {
			for (const xmlNode *o = n->children; o; o = o->next)
				if (is_element(o, "option") || is_element(o, "enum"))
					append_named_item(out, o, indent);
		} else if (is_element(n, "argument")) {
			append_named_item(out, n, indent);
		}
	}
}

/* ---- sections ---- */

static bool is_optional(const xmlNode *param)
{
	char *req = attr(param, "required");
	bool optional = !req || ly_false(req);

	xmlFree(req);
	return optional;
}

/* Name(arg1,[arg2,[arg3]]): Asterisk nests each optional argument inside
 * the brackets of the one before, so the syntax shows that a later
 * argument needs the earlier ones' commas. */
static void append_syntax(struct ly_buf *out, const char *name, const xmlNode *syntax)
{
	char *sep = syntax ? attr(syntax, "argsep") : NULL;
	int open = 0, count = 0;

	ly_buf_printf(out, "%s(", name);
	for (const xmlNode *p = syntax ? syntax->children : NULL; p; p = p->next) {
		char *pname, *multiple;

		if (!is_element(p, "parameter"))
			continue;
		if (count++)
			ly_buf_puts(out, sep ? sep : ",");
		if (is_optional(p)) {
			ly_buf_puts(out, "[");
			open++;
		}
		pname = attr(p, "name");
		ly_buf_puts(out, pname ? pname : "");
		multiple = attr(p, "multiple");
		if (multiple && ly_true(multiple))
			ly_buf_printf(out, "[%s...]", sep ? sep : ",");
		xmlFree(multiple);
		xmlFree(pname);
	}
	while (open--)
		ly_buf_puts(out, "]");
	ly_buf_puts(out, ")\n");
	xmlFree(sep);
}

static void append_arguments(struct ly_buf *out, const xmlNode *syntax)
{
	bool any = false;

	for (const xmlNode *p = syntax ? syntax->children : NULL; p; p = p->next) {
		char *pname;

		if (!is_element(p, "parameter"))
			continue;
		if (!any)
			ly_buf_puts(out, "\n[Arguments]\n");
		any = true;
		pname = attr(p, "name");
		ly_buf_printf(out, "%s\n", pname ? pname : "");
		xmlFree(pname);
		append_blocks(out, p, 4);
	}
}

static void append_see_also(struct ly_buf *out, const xmlNode *see)
{
	int n = 0;

	for (const xmlNode *r = see ? see->children : NULL; r; r = r->next) {
		xmlChar *text;

		if (!is_element(r, "ref"))
			continue;
		text = xmlNodeGetContent(r);
		ly_buf_printf(out, "%s%s%s", n++ ? ", " : "\n[See Also]\n",
			      text ? ly_strstrip((char *)text) : "",
			      attr_is(r, "type", "application") || attr_is(r, "type", "function")
				      ? "()" : "");
		xmlFree(text);
	}
	if (n)
		ly_buf_puts(out, "\n");
}

static void append_synopsis(struct ly_buf *out, const xmlNode *item)
{
	const xmlNode *syn = first_child(item, "synopsis");
	struct ly_buf text;

	ly_buf_init(&text);
	if (syn)
		collapse_text(syn, &text);
	trim_trailing_space(&text);
	ly_buf_puts(out, text.len ? ly_buf_str(&text) : "Not available");
	ly_buf_free(&text);
}

static void format_item(const xmlNode *item, const char *kind, const char *name,
			struct ly_buf *out)
{
	const xmlNode *syntax = first_child(item, "syntax");
	const xmlNode *desc = first_child(item, "description");

	ly_buf_printf(out, "\n  -= Info about %c%s '%s' =-\n\n[Synopsis]\n", toupper(*kind),
		      kind + 1, name);
	append_synopsis(out, item);
	ly_buf_puts(out, "\n\n[Description]\n");
	if (desc)
		append_blocks(out, desc, 0);
	else
		ly_buf_puts(out, "Not available\n");
	ly_buf_puts(out, "\n[Syntax]\n");
	append_syntax(out, name, syntax);
	append_arguments(out, syntax);
	append_see_also(out, first_child(item, "see-also"));
}

/* The item's name as written in the XML (the registry matched it without
 * regard to case), copied into buf. */
static const char *item_name(const xmlNode *item, const char *fallback, char *buf, size_t len)
{
	char *v = attr(item, "name");

	ly_strlcpy(buf, v ? v : fallback, len);
	xmlFree(v);
	return buf;
}

static bool valid_kind(const char *kind)
{
	return kind && (strcmp(kind, "application") == 0 || strcmp(kind, "function") == 0);
}

bool ly_xmldoc_format(const char *kind, const char *name, const char *module,
		      struct ly_buf *out)
{
	xmlNodePtr item;
	char shown[128];

	if (!valid_kind(kind) || !name)
		return false;
	pthread_mutex_lock(&doc_lock);
	item = find_item(module_doc_locked(module ? module : "core"), kind, name);
	if (item)
		format_item(item, kind, item_name(item, name, shown, sizeof(shown)), out);
	pthread_mutex_unlock(&doc_lock);
	return item != NULL;
}

bool ly_xmldoc_synopsis(const char *kind, const char *name, const char *module,
			struct ly_buf *out)
{
	xmlNodePtr item;
	bool found = false;

	if (!valid_kind(kind) || !name)
		return false;
	pthread_mutex_lock(&doc_lock);
	item = find_item(module_doc_locked(module ? module : "core"), kind, name);
	if (item && first_child(item, "synopsis")) {
		append_synopsis(out, item);
		found = true;
	}
	pthread_mutex_unlock(&doc_lock);
	return found;
}
