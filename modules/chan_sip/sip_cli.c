/* modules/chan_sip/sip_cli.c - the sip show / sip set debug console commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lyre/lyre.h>

#include "sip_call.h"
#include "sip_chan.h"
#include "sip_cli.h"
#include "sip_core.h"
#include "sip_options.h"
#include "sip_outreg.h"
#include "sip_registrar.h"
#include "sip_resolve.h"

static struct sip_core *core_or_fail(struct ly_cli_args *a)
{
	struct sip_core *core = sip_core_running();

	if (!core)
		ly_cli_print(a, "chan_sip is not running\n");
	return core;
}

/* "Reachable 12ms" / "Unreachable" / "Unknown" for one endpoint's bindings. */
static void endpoint_state(struct sip_core *core, const struct sip_endpoint_conf *e, char *buf, size_t size);

struct state_ctx {
	enum sip_reach best;
	unsigned rtt;
};

static void state_one(struct sip_binding *b, void *arg)
{
	struct state_ctx *s = arg;

	if (b->reach == SIP_REACH_REACHABLE && (s->best != SIP_REACH_REACHABLE || b->rtt_ms < s->rtt)) {
		s->best = SIP_REACH_REACHABLE;
		s->rtt = b->rtt_ms;
	} else if (b->reach == SIP_REACH_UNREACHABLE && s->best == SIP_REACH_UNKNOWN) {
		s->best = SIP_REACH_UNREACHABLE;
	}
}

static void endpoint_state(struct sip_core *core, const struct sip_endpoint_conf *e, char *buf, size_t size)
{
	struct state_ctx s = { SIP_REACH_UNKNOWN, 0 };
	unsigned n = sip_registrar_count(sip_core_registrar(core), e->name);

	if (!n) {
		ly_strlcpy(buf, "Unavailable", size);
		return;
	}
	sip_registrar_foreach(sip_core_registrar(core), e->name, state_one, &s);
	if (s.best == SIP_REACH_REACHABLE)
		snprintf(buf, size, "Reachable %ums", s.rtt);
	else if (!e->qualify)
		ly_strlcpy(buf, "Registered", size);
	else
		ly_strlcpy(buf, sip_reach_name(s.best), size);
}

static enum ly_cli_result show_endpoints(struct ly_cli_args *a)
{
	struct sip_core *core = core_or_fail(a);
	unsigned count = 0;
	char state[32];

	if (a->argc != 3)
		return LY_CLI_SHOWUSAGE;
	if (!core)
		return LY_CLI_FAILURE;
	ly_cli_print(a, "%-16s %-16s %-9s %s\n", "Endpoint", "Context", "Contacts", "State");
	for (const struct sip_endpoint_conf *e = sip_core_conf(core)->endpoints; e; e = e->next) {
		endpoint_state(core, e, state, sizeof(state));
		ly_cli_print(a, "%-16s %-16s %4u/%-4u %s\n", e->name, e->context,
			     sip_registrar_count(sip_core_registrar(core), e->name), e->max_contacts, state);
		count++;
	}
	ly_cli_print(a, "%u endpoint%s\n", count, count == 1 ? "" : "s");
	return LY_CLI_SUCCESS;
}

static void algos_text(unsigned algos, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", algos & SIP_AUTH_SHA256 ? "sha256" : "",
		 (algos & SIP_AUTH_SHA256) && (algos & SIP_AUTH_MD5) ? "," : "",
		 algos & SIP_AUTH_MD5 ? "md5" : "");
}

static void print_contact(struct sip_binding *b, void *arg);

/* The call options of sip_ident.h and the session timer policy. */
static void print_call_conf(struct ly_cli_args *a, const struct sip_call_conf *cc)
{
	ly_cli_print(a, "From user/domain: %s / %s\n", cc->from_user ? cc->from_user : "(caller id)",
		     cc->from_domain ? cc->from_domain : "(ours)");
	ly_cli_print(a, "trust_id:        inbound %s, outbound %s; send_pai %s\n", cc->trust_id_inbound ? "yes" : "no",
		     cc->trust_id_outbound ? "yes" : "no", cc->send_pai ? "yes" : "no");
	ly_cli_print(a, "Session timers:  %s, %u s, Min-SE %u s\n", sip_timers_mode_name(cc->timers.mode),
		     cc->timers.session_expires, cc->timers.min_se);
}

static enum ly_cli_result show_endpoint(struct ly_cli_args *a)
{
	struct sip_core *core = core_or_fail(a);
	const struct sip_endpoint_conf *e;
	char buf[64];

	if (a->argc != 4)
		return LY_CLI_SHOWUSAGE;
	if (!core)
		return LY_CLI_FAILURE;
	e = sip_conf_endpoint(sip_core_conf(core), a->argv[3]);
	if (!e) {
		ly_cli_print(a, "No such endpoint: %s\n", a->argv[3]);
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Endpoint:        %s  (%s:%d)\n", e->name, e->file, e->line);
	/* Generated secrets are shown, so an administrator can set up the
	 * phone; a secret written in sip.conf is already known to them. */
	ly_cli_print(a, "Secret:          %s\n", e->secret_auto ? e->secret : "(set in sip.conf)");
	ly_cli_print(a, "Context:         %s\n", e->context);
	ly_cli_print(a, "Caller ID:       %s\n", e->callerid ? e->callerid : "(none)");
	ly_cli_print(a, "Codecs:         ");
	for (char **c = e->allow; c && *c; c++)
		ly_cli_print(a, " %s", *c);
	ly_cli_print(a, "\n");
	if (e->transport)
		ly_cli_print(a, "Transport:       %s (%s only)\n", e->transport, sip_proto_name(e->transport_proto));
	else
		ly_cli_print(a, "Transport:       (any)\n");
	algos_text(e->auth_algos, buf, sizeof(buf));
	ly_cli_print(a, "Auth algorithms: %s\n", buf);
	ly_cli_print(a, "DTMF mode:       %s\n", sip_dtmf_mode_name(e->dtmfmode));
	ly_cli_print(a, "SRTP:            %s%s\n", sip_srtp_mode_name(e->srtp),
		     sip_conf_srtp_exposed(sip_core_conf(core), e->transport, e->srtp)
		     ? "  WARNING: SDES keys over a transport that is not TLS" : "");
	ly_cli_print(a, "force_rport:     %s\n", e->force_rport ? "yes" : "no");
	ly_cli_print(a, "rewrite_contact: %s\n", e->rewrite_contact ? "yes" : "no");
	ly_cli_print(a, "symmetric_rtp:   %s\n", e->symmetric_rtp ? "yes" : "no");
	ly_cli_print(a, "Max contacts:    %u\n", e->max_contacts);
	ly_cli_print(a, "Qualify:         %us\n", e->qualify);
	ly_cli_print(a, "ACL rules:       %zu\n", e->acl.count);
	print_call_conf(a, &e->call);
	endpoint_state(core, e, buf, sizeof(buf));
	ly_cli_print(a, "State:           %s\n", buf);
	sip_registrar_foreach(sip_core_registrar(core), e->name, print_contact, a);
	return LY_CLI_SUCCESS;
}

static void print_contact(struct sip_binding *b, void *arg)
{
	struct ly_cli_args *a = arg;
	time_t now = time(NULL);
	char src[80], state[32];

	sip_core_src_print(&b->src, src, sizeof(src));
	if (b->reach == SIP_REACH_REACHABLE)
		snprintf(state, sizeof(state), "Reachable %ums", b->rtt_ms);
	else
		ly_strlcpy(state, sip_reach_name(b->reach), sizeof(state));
	ly_cli_print(a, "%-10s %-44s %6lld %-4s %-22s %s\n", b->aor, b->uri,
		     (long long)(b->expires_at > now ? b->expires_at - now : 0),
		     sip_proto_name(b->src.proto), src, state);
}

static void count_contact(struct sip_binding *b, void *arg)
{
	(void)b;
	(*(unsigned *)arg)++;
}

static enum ly_cli_result show_contacts(struct ly_cli_args *a)
{
	struct sip_core *core = core_or_fail(a);
	unsigned n = 0;

	if (a->argc != 3)
		return LY_CLI_SHOWUSAGE;
	if (!core)
		return LY_CLI_FAILURE;
	ly_cli_print(a, "%-10s %-44s %6s %-4s %-22s %s\n", "AOR", "Contact", "Expire", "Via", "Source",
		     "State");
	sip_registrar_foreach(sip_core_registrar(core), NULL, print_contact, a);
	sip_registrar_foreach(sip_core_registrar(core), NULL, count_contact, &n);
	ly_cli_print(a, "%u contact%s\n", n, n == 1 ? "" : "s");
	return LY_CLI_SUCCESS;
}

struct reg_print {
	struct ly_cli_args *a;
	unsigned n;
};

static void print_registration(const struct sip_outreg_info *r, void *arg)
{
	struct reg_print *p = arg;
	char status[8] = "-";

	if (r->last_status)
		snprintf(status, sizeof(status), "%d", r->last_status);
	p->n++;
	ly_cli_print(p->a, "%-16s %-24s %-16s %-12s %6s %7u %7u\n", r->trunk, r->host, r->username,
		     sip_outreg_state_name(r->state), status, r->expires_in, r->next_in);
}

static enum ly_cli_result show_registrations(struct ly_cli_args *a)
{
	struct sip_core *core = core_or_fail(a);
	struct reg_print p = { a, 0 };

	if (a->argc != 3)
		return LY_CLI_SHOWUSAGE;
	if (!core)
		return LY_CLI_FAILURE;
	ly_cli_print(a, "%-16s %-24s %-16s %-12s %6s %7s %7s\n", "Trunk", "Host", "Username", "State", "Status",
		     "Expires", "Next");
	sip_outreg_foreach(sip_core_outreg(core), print_registration, &p);
	ly_cli_print(a, "%u registration%s\n", p.n, p.n == 1 ? "" : "s");
	return LY_CLI_SUCCESS;
}

/* A trunk's host and, for a DNS name, what it resolved to (RFC 3263). */
static void print_trunk(struct ly_cli_args *a, struct sip_core *core, const struct sip_trunk_conf *t)
{
	struct sip_resolve_info ri;
	char addr[80];

	ly_cli_print(a, "%-16s %-28s %-5s %-16s %s\n", t->name, t->host, sip_proto_name(t->proto), t->context,
		     t->do_register ? "yes" : "no");
	if (!sip_resolver_info(sip_core_resolver(core), t->name, &ri))
		return;	/* numeric */
	ly_cli_print(a, "  DNS %s: %s%s, next lookup in %u s%s%s\n", ri.name, sip_resolve_state_name(ri.state),
		     ri.srv ? " (SRV)" : "", ri.next_in, ri.error[0] ? "; last error: " : "", ri.error);
	for (size_t i = 0; i < ri.n; i++) {
		ly_addr_print((const struct sockaddr *)&ri.targets[i].addr, addr, sizeof(addr));
		ly_cli_print(a, "    %zu. %s\n", i + 1, addr);
	}
}

static enum ly_cli_result show_trunks(struct ly_cli_args *a)
{
	struct sip_core *core = core_or_fail(a);
	unsigned n = 0;

	if (a->argc != 3)
		return LY_CLI_SHOWUSAGE;
	if (!core)
		return LY_CLI_FAILURE;
	ly_cli_print(a, "%-16s %-28s %-5s %-16s %s\n", "Trunk", "Host", "Proto", "Context", "Register");
	for (const struct sip_trunk_conf *t = sip_core_conf(core)->trunks; t; t = t->next, n++)
		print_trunk(a, core, t);
	ly_cli_print(a, "%u trunk%s\n", n, n == 1 ? "" : "s");
	return LY_CLI_SUCCESS;
}

static void print_transport(const struct sip_core_tp_info *tp, void *arg)
{
	ly_cli_print(arg, "%-12s %-5s %-24s %-24s%s\n", tp->name, sip_proto_name(tp->proto), tp->bind,
		     tp->sentby, tp->in_config ? "" : " (removed from sip.conf)");
}

static enum ly_cli_result show_transports(struct ly_cli_args *a)
{
	struct sip_core *core = core_or_fail(a);

	if (a->argc != 3)
		return LY_CLI_SHOWUSAGE;
	if (!core)
		return LY_CLI_FAILURE;
	ly_cli_print(a, "%-12s %-5s %-24s %-24s\n", "Transport", "Proto", "Bind", "Listening on");
	sip_core_foreach_transport(core, print_transport, a);
	return LY_CLI_SUCCESS;
}

struct channels_job {
	struct sip_call_info *v;
	size_t n;
};

static void take_snapshot(void *arg)
{
	struct channels_job *j = arg;

	j->n = sip_call_snapshot(&j->v);
}

/* Like Asterisk's "sip show channels": one line per call leg.  The copy is
 * taken on the SIP thread, which owns the calls, and printed here. */
static enum ly_cli_result show_channels(struct ly_cli_args *a)
{
	struct sip_core *core = core_or_fail(a);
	struct channels_job j = { NULL, 0 };

	if (a->argc != 3)
		return LY_CLI_SHOWUSAGE;
	if (!core)
		return LY_CLI_FAILURE;
	sip_chan_run(take_snapshot, &j);
	ly_cli_print(a, "%-24s %-12s %-3s %-36s %-11s %-6s %-22s %s\n", "Channel", "Peer", "Dir", "Call-ID",
		     "State", "Format", "RTP local", "RTP remote");
	for (size_t i = 0; i < j.n; i++) {
		const struct sip_call_info *in = &j.v[i];

		ly_cli_print(a, "%-24s %-12s %-3s %-36s %-11s %-6s %-22s %s\n", in->channel, in->peer,
			     in->outbound ? "out" : "in", in->call_id, in->state, in->format, in->rtp_local,
			     in->rtp_remote);
	}
	ly_cli_print(a, "%zu active SIP channel%s\n", j.n, j.n == 1 ? "" : "s");
	free(j.v);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result set_debug(struct ly_cli_args *a)
{
	struct sip_core *core = core_or_fail(a);
	struct sockaddr_storage ss;
	socklen_t len;
	char only[80];

	if (a->argc < 4 || a->argc > 5)
		return LY_CLI_SHOWUSAGE;
	if (!core)
		return LY_CLI_FAILURE;
	if (a->argc == 4 && ly_strcaseeq(a->argv[3], "on")) {
		sip_core_set_debug(core, true, NULL, 0);
	} else if (a->argc == 4 && ly_strcaseeq(a->argv[3], "off")) {
		sip_core_set_debug(core, false, NULL, 0);
	} else if (a->argc == 5 && ly_strcaseeq(a->argv[3], "ip")) {
		/* Port 0 (none given) means any port of that host. */
		if (sip_addr_parse(a->argv[4], 0, &ss, &len)) {
			ly_cli_print(a, "Not a numeric address: %s\n", a->argv[4]);
			return LY_CLI_FAILURE;
		}
		sip_core_set_debug(core, true, (const struct sockaddr *)&ss, len);
	} else {
		return LY_CLI_SHOWUSAGE;
	}
	if (!sip_core_debug(core, only, sizeof(only)))
		ly_cli_print(a, "SIP debugging disabled\n");
	else
		ly_cli_print(a, "SIP debugging enabled%s%s\n", *only ? " for " : "", only);
	return LY_CLI_SUCCESS;
}

static void complete_endpoint(const struct ly_cli_args *a, int pos, const char *word,
			      struct ly_cli_completion *c)
{
	struct sip_core *core = sip_core_running();

	(void)a;
	if (pos != 3 || !core)
		return;
	for (const struct sip_endpoint_conf *e = sip_core_conf(core)->endpoints; e; e = e->next)
		if (ly_str_startswith(e->name, word))
			ly_cli_complete_add(c, e->name);
}

static void complete_debug(const struct ly_cli_args *a, int pos, const char *word,
			   struct ly_cli_completion *c)
{
	static const char *const words[] = { "on", "off", "ip" };

	(void)a;
	for (unsigned i = 0; pos == 3 && i < 3; i++)
		if (ly_str_startswith(words[i], word))
			ly_cli_complete_add(c, words[i]);
}

static const struct ly_cli_command commands[] = {
	{ "sip show endpoints", "List SIP endpoints",
	  "Usage: sip show endpoints\n  Lists the endpoints of sip.conf with their contacts and state.\n",
	  show_endpoints, NULL },
	{ "sip show endpoint", "Show one SIP endpoint",
	  "Usage: sip show endpoint <name>\n  Shows an endpoint's settings, generated secret and contacts.\n",
	  show_endpoint, complete_endpoint },
	{ "sip show contacts", "List registered SIP contacts",
	  "Usage: sip show contacts\n  Lists every registered contact with its expiry and qualify state.\n",
	  show_contacts, NULL },
	{ "sip show registrations", "List SIP trunks and their outbound registration",
	  "Usage: sip show registrations\n"
	  "  Lists the outbound registrations of the register=yes trunks: state,\n"
	  "  last status, seconds left of the binding and until the next REGISTER.\n",
	  show_registrations, NULL },
	{ "sip show trunks", "List SIP trunks and the addresses of their hosts",
	  "Usage: sip show trunks\n"
	  "  Lists the trunks of sip.conf; a host named by DNS is shown with its\n"
	  "  state and resolved addresses, in the order they are tried (RFC 3263).\n",
	  show_trunks, NULL },
	{ "sip show transports", "List SIP transports",
	  "Usage: sip show transports\n  Lists the bound transports with the address each listens on.\n",
	  show_transports, NULL },
	{ "sip show channels", "List active SIP channels",
	  "Usage: sip show channels\n"
	  "  Lists the SIP call legs: channel, peer, direction, Call-ID, dialog\n"
	  "  state, format and the RTP addresses on both ends.\n",
	  show_channels, NULL },
	{ "sip set debug", "Log SIP messages",
	  "Usage: sip set debug {on|off|ip <addr[:port]>}\n"
	  "  Logs every SIP message sent and received, or only those to and from addr.\n",
	  set_debug, complete_debug },
};

int sip_cli_register(struct ly_module *self)
{
	return ly_cli_register_multiple(self, commands, sizeof(commands) / sizeof(commands[0]));
}
