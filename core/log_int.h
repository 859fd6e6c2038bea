/* core/log_int.h */
