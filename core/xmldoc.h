/*
 * core/xmldoc.h - the XML documentation modules ship for their
 * applications and functions, read with libxml2 when a user asks
 * (`core show application NAME`, `core show function NAME`).
 *
 * Each module ships <module>.xml (the core: core.xml), installed into the
 * docdir of lyre.conf [directories].  Format:
 *   <docs module="app_hello">
 *     <application name="Hello">
 *       <synopsis>One line.</synopsis>
 *       <syntax>
 *         <parameter name="name" required="false"><para>Who to greet.</para></parameter>
 *       </syntax>
 *       <description><para>...</para></description>
 *       <see-also><ref type="application">NoOp</ref></see-also>
 *     </application>
 *     <function name="...">...</function>
 *   </docs>
 */
#ifndef LYRE_CORE_XMLDOC_H
#define LYRE_CORE_XMLDOC_H

#include <stdbool.h>

#include "lyre/utils.h"

int ly_xmldoc_init(const char *docdir);
void ly_xmldoc_shutdown(void);
/*
 * Append the documentation of application (kind "application") or
 * function ("function") `name` owned by module `module` (NULL = core) to
 * out, formatted for the console.  false when there is none.
 */
bool ly_xmldoc_format(const char *kind, const char *name, const char *module,
		      struct ly_buf *out);
/* Just the synopsis (for `core show applications`); false when none. */
bool ly_xmldoc_synopsis(const char *kind, const char *name, const char *module,
			struct ly_buf *out);

#endif
