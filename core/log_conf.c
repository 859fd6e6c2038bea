/* core/log_conf.c: being split out of core/log.c */
