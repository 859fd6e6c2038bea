/*
 * lyre/lyre.h - everything a module needs, in one include.
 */
#ifndef LYRE_LYRE_H
#define LYRE_LYRE_H

#include "utils.h"
#include "obj.h"
#include "log.h"
#include "config.h"
#include "module.h"
#include "cli.h"
#include "sched.h"
#include "loop.h"
#include "thread.h"
#include "frame.h"
#include "format.h"
#include "channel.h"
#include "app.h"
#include "core.h"
#include "pbx.h"
#include "timing.h"
#include "db.h"
#include "rtp.h"
#include "bridge.h"
#include "file.h"
#include "moh.h"

#endif
