/* modules/chan_sip/sip_sub_cli.h - `sip show subscriptions`. */
#ifndef LYRE_SIP_SUB_CLI_H
#define LYRE_SIP_SUB_CLI_H

struct ly_module;

int sip_sub_cli_register(struct ly_module *self);

#endif
