/* core/log_cli.c: being split out of core/log.c */
