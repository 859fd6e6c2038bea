/* tests/fuzz/fuzz_log_stub.c - a silent logger for fuzz targets that link a parser without the core (log lines would only slow the fuzzer). */
#include "config.h"

#include <stdarg.h>

#include "lyre/log.h"

void ly_log(enum ly_log_level level, int sublevel, const char *file, int line,
	    const char *func, const char *fmt, ...)
{
	(void)level;
	(void)sublevel;
	(void)file;
	(void)line;
	(void)func;
	(void)fmt;
}
