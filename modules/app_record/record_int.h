/* modules/app_record/record_int.h - the parts of app_record shared between its files. */
#ifndef APP_RECORD_INT_H
#define APP_RECORD_INT_H

#include <stddef.h>

#define PATH_MAX_REC 1024

/* The dialplan's file name (with its extension) as a path in the spool
 * folder: 0, EACCES (leaves the spool folder), ENAMETOOLONG, EEXIST (no
 * free %d number) or an errno from making its folders. */
int record_path(const char *name, char *out, size_t len);

#endif
