# REGISTER against chan_sip with real sipp: digest auth success, wrong
# password, unknown user, expiry, persistence across a restart, OPTIONS.
need_tool sipp
lyre_system
lyre_start || exit 1

SCEN="$TEST_DIR/register_auth_uac.xml"
REG=127.0.0.1:$PORT_BASE
# sipp_register USER PASSWORD LOCALPORT [extra sipp args]
sipp_register() {
	local user=$1 pass=$2 port=$3
	shift 3
	timeout 20 sipp -sf "$SCEN" -s "$user" -au "$user" -ap "$pass" -i 127.0.0.1 \
		-p "$port" -m 1 -nostdin -timeout 10 "$@" "$REG" >"$T/sipp.$port.out" 2>&1
}

check "sip show transports lists udp" cli_has "sip show transports" "udp +UDP +127.0.0.1:$PORT_BASE"
check "REGISTER with the right password succeeds" sipp_register 200 right-pass-200 $((PORT_BASE + 10))
check "... sip show contacts lists it" cli_has "sip show contacts" "^200 +sip:200@127.0.0.1:$((PORT_BASE + 10))"
fails() { ! "$@"; }
check "a wrong password fails" fails sipp_register 200 wrong $((PORT_BASE + 11))
check "an unknown user fails the same way" fails sipp_register 999 wrong $((PORT_BASE + 12))
check "the generated secret of 202 is shown" cli_has "sip show endpoint 202" "^Secret: +[a-z2-9]{24}$"
SECRET=$(sed -n 's/^Secret: *//p' "$T/cli.last")
check "... and works" sipp_register 202 "$SECRET" $((PORT_BASE + 13))

lyre_stop
lyre_start || exit 1
check "registrations survive a restart" cli_has "sip show contacts" "^200 +sip:200@"
check "the generated secret survives a restart" cli_has "sip show endpoint 202" "^Secret: +$SECRET$"
lyre_stop
