/*
 * modules/chan_sip/sip_cli.h - console commands of chan_sip:
 * sip show endpoints|endpoint NAME|contacts|registrations|transports,
 * sip set debug on|off|ip ADDR.
 */
#ifndef LYRE_SIP_CLI_H
#define LYRE_SIP_CLI_H

struct ly_module;

int sip_cli_register(struct ly_module *self);

#endif
