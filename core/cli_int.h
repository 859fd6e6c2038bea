/* core/cli_int.h - core-private side of the CLI registry. */
#ifndef LYRE_CORE_CLI_INT_H
#define LYRE_CORE_CLI_INT_H

/* Register `help`; 0 or an errno value. */
int ly_cli_init(void);
/* Drop every registration (at exit). */
void ly_cli_shutdown(void);

/* Core command sets (core/cli_core.c). */
int ly_cli_core_register(void);
/* `mwi show`, `mwi update` (core/mwi_cli.c). */
int ly_mwi_cli_register(void);

#endif
