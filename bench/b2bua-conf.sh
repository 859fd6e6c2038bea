# bench/b2bua-conf.sh - sourced by sip-calls.sh and sip-icount.sh: writes the
# benchmark's Lyre configuration into $1 (every directory inside $WORK):
# a trunk for any 127.0.0.1 caller, a trunk "uas" for the harness's sipp UAS
# on 127.0.0.1:5070, and  exten => _X.,1,Dial(SIP/uas/${EXTEN}).
# Needs top, MODDIR, DOCDIR, WORK and VERBOSE set.
write_b2bua_conf() {
	local etc=$1
	mkdir -p "$etc"
	# The office lyre.conf and modules.conf, every directory inside $WORK.
	cp "$top"/dialplans/office/lyre.conf "$top"/dialplans/office/modules.conf "$etc"/
	sed -i '/^\[directories\]/,/^\[/{/^;/d}' "$etc/lyre.conf"
	sed -i "s|^\[directories\]|[directories]\nmoduledir = $MODDIR\nsounddir = $top/sounds\nspooldir = $WORK/spool\nstatedir = $WORK/state\nlogdir = $WORK/log\nrundir = $WORK/run\ndocdir = $DOCDIR|" "$etc/lyre.conf"
	sed -i "s|^verbose *=.*|verbose = $VERBOSE|" "$etc/lyre.conf"
	printf '[general]\ndateformat = %%F %%T\n\n[logfiles]\nmessages => notice,warning,error\n' >"$etc/logger.conf"
	# A wide RTP range (each call holds two pairs), clear of the harness's media
	# ports 6000/6100; strict RTP as shipped.
	printf '[general]\nrtpstart = 10000\nrtpend = 60000\nstrictrtp = yes\nprobation = 4\nworkers = 0\n' >"$etc/rtp.conf"
	{
		printf '[general]\nrealm = bench\nauth_algorithms = md5\n\n'
		printf '[udp]\ntype = transport\nprotocol = udp\nbind = 127.0.0.1:5060\n\n'
		# Trunks are matched by host address alone, so the caller (sipp UAC on
		# any 127.0.0.1 port) may land on either: both enter the same context.
		printf '[caller]\ntype = trunk\nhost = 127.0.0.1\ncontext = bench\n\n'
		printf '[uas]\ntype = trunk\nhost = 127.0.0.1:5070\ncontext = bench\n'
	} >"$etc/sip.conf"
	printf '[bench]\nexten => _X.,1,Dial(SIP/uas/${EXTEN})\n' >"$etc/extensions.conf"
}
