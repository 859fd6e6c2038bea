/* core/media_int.h - start-up of the channel, frame, format and application core. */
#ifndef LYRE_CORE_MEDIA_INT_H
#define LYRE_CORE_MEDIA_INT_H

/* Register the CLI commands of channels, formats and applications. */
int ly_media_core_init(void);
/* At exit, after every module is unloaded: free what is left. */
void ly_media_core_shutdown(void);

#endif
