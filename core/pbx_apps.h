/*
 * core/pbx_apps.h - the core dialplan applications (Answer, Goto, Gosub,
 * While, Wait, WaitExten, ...), registered at start-up.
 */
#ifndef LYRE_CORE_PBX_APPS_H
#define LYRE_CORE_PBX_APPS_H

/* Register every core application.  0 or an errno value. */
int ly_pbx_apps_init(void);
void ly_pbx_apps_shutdown(void);

#endif
