/* modules/chan_sip/chan_sip.c - the chan_sip module: load, reload and unload of the SIP stack from sip.conf. */
#include <errno.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_call.h"
#include "sip_cli.h"
#include "sip_config.h"
#include "sip_core.h"
#include "sip_mwi.h"
#include "sip_resolve.h"
#include "sip_sub_cli.h"

static int read_conf(struct sip_conf **out)
{
	char err[600];
	int rc = sip_conf_load(ly_dirs()->confdir, "sip.conf", out, err, sizeof(err));

	if (rc == ENOENT) {
		/* No sip.conf: a stack with no transports and no endpoints. */
		struct ly_config *empty;
		struct ly_cfg_error cerr;

		rc = ly_config_parse_buffer(NULL, "sip.conf", "", 0, &empty, &cerr);
		if (!rc)
			rc = sip_conf_from_config(empty, out, err, sizeof(err));
		if (!rc)
			ly_notice("No sip.conf: chan_sip runs with no transports");
	}
	if (rc)
		ly_error("%s", err);
	return rc;
}

static int load(struct ly_module *self)
{
	struct sip_conf *conf;
	struct sip_core *core;
	int rc = read_conf(&conf);

	if (rc)
		return rc;
	sip_resolver_set_owner(self);	/* DNS helpers hold the module while their answer waits */
	rc = sip_core_start(ly_main_loop(), conf, ly_dirs()->statedir, &core);
	if (rc)
		return rc;
	rc = sip_cli_register(self);
	if (!rc)
		rc = sip_sub_cli_register(self);
	if (!rc)
		rc = sip_call_layer_start(self, core, ly_main_loop());
	if (rc) {
		sip_core_stop(core);
		sip_call_layer_free();
		return rc;
	}
	sip_core_set_running(core);
	/* after set_running: the first changes find the stack */
	sip_mwi_start(self, ly_main_loop());
	return 0;
}

static int reload(struct ly_module *self)
{
	struct sip_core *core = sip_core_running();
	struct sip_conf *conf;
	char err[600];
	int rc;

	(void)self;
	if (!core)
		return ENOENT;
	rc = read_conf(&conf);
	if (rc) {
		ly_error("sip.conf not reloaded: the running configuration stays");
		return rc;
	}
	rc = sip_core_reconfigure(core, conf, err, sizeof(err));
	if (rc)
		ly_error("%s; sip.conf not reloaded: the running configuration stays", err);
	else
		ly_verbose(1, "sip.conf reloaded");
	return rc;
}

static void unload(struct ly_module *self)
{
	struct sip_core *core = sip_core_running();

	(void)self;
	sip_mwi_stop();
	sip_core_set_running(NULL);
	sip_call_layer_detach();
	sip_core_stop(core);
	sip_call_layer_free();	/* after the transactions (sip_dialog.h) */
}

LYRE_MODULE(chan_sip,
	.description = "SIP channel driver: transports, registrar, OPTIONS, calls, message waiting",
	.load = load,
	.unload = unload,
	.reload = reload);
