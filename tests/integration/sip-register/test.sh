# REGISTER against chan_sip with real sipp: digest auth success, wrong
# password and unknown user answered alike, un-register (Expires: 0 and
# "*"), expiry on time, max_contacts, 423 with Min-Expires, persistence
# across a restart; outbound registration of a trunk to a sipp registrar
# (403 then back-off, digest, refresh, un-REGISTER at stop).
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

# What the registrar answered a sipp run, as "status line" and the header
# shape of each WWW-Authenticate, with the per-challenge values masked.
answers() {
	awk '/message received/ { rx = 1; next } /message sent/ { rx = 0 }
	     rx && /^SIP\/2.0 / { print } rx && /^WWW-Authenticate:/ { print }' "$1" |
		sed -E 's/(nonce|opaque)="[^"]*"/\1="*"/g' | tr -d '\r'
}
same_answers() {
	answers "$T/msg.$((PORT_BASE + 14))" >"$T/answers.wrong"
	answers "$T/msg.$((PORT_BASE + 15))" >"$T/answers.unknown"
	grep -q '^SIP/2.0 401' "$T/answers.wrong" && diff "$T/answers.wrong" "$T/answers.unknown"
}
sipp_register 200 wrong $((PORT_BASE + 14)) -trace_msg -message_file "$T/msg.$((PORT_BASE + 14))"
sipp_register 404 wrong $((PORT_BASE + 15)) -trace_msg -message_file "$T/msg.$((PORT_BASE + 15))"
check "a wrong password and an unknown user get the same answers (status, challenge shape)" same_answers

# sipp_param USER PASSWORD LOCALPORT CONTACT EXPIRES: the final status in $STATUS.
PSCEN="$TEST_DIR/register_param_uac.xml"
STATUS=
sipp_param() {
	local user=$1 pass=$2 port=$3 contact=$4 expires=$5 msg="$T/param.$3.$RANDOM"
	timeout 20 sipp -sf "$PSCEN" -s "$user" -au "$user" -ap "$pass" -key contact "$contact" \
		-key expires "$expires" -i 127.0.0.1 -p "$port" -m 1 -nostdin -timeout 10 \
		-trace_msg -message_file "$msg" "$REG" >"$T/sipp.$port.out" 2>&1
	STATUS=$(answers "$msg" | sed -n 's/^SIP\/2.0 \([0-9]*\).*/\1/p' | tail -1)
	cp "$msg" "$T/param.last"
	[ -n "$STATUS" ]
}
status_is() { sipp_param "${@:2}" && [ "$STATUS" = "$1" ]; }
C200A="<sip:200@127.0.0.1:$((PORT_BASE + 20))>"
C200B="<sip:200@127.0.0.1:$((PORT_BASE + 21))>"
check "a second contact for 200 (max_contacts=2)" status_is 200 200 right-pass-200 $((PORT_BASE + 20)) "$C200A" 300
contacts_of() { lyre_cli "sip show contacts" && [ "$(grep -c "^$1 " <<<"$CLI_OUT")" = "$2" ]; }
check "... both are listed" contacts_of 200 2
check "Expires: 0 removes one binding" status_is 200 200 right-pass-200 $((PORT_BASE + 20)) "$C200A" 0
check "... it is gone" cli_lacks "sip show contacts" "200@127.0.0.1:$((PORT_BASE + 20))"
check "... the other stays" cli_has "sip show contacts" "200@127.0.0.1:$((PORT_BASE + 10))"
check "Contact: * without Expires: 0 is refused" status_is 400 200 right-pass-200 $((PORT_BASE + 20)) "*" 300
check "Contact: * with Expires: 0 removes every binding" status_is 200 200 right-pass-200 $((PORT_BASE + 20)) "*" 0
check "... 200 has no contact left" cli_lacks "sip show contacts" "^200 "
check "an expiry below min_expiry gets 423" status_is 423 200 right-pass-200 $((PORT_BASE + 22)) "$C200A" 1
check "... with Min-Expires: 2" grep -q '^Min-Expires: 2' "$T/param.last"
check "max_contacts=1: a second contact of 201 registers" \
	status_is 200 201 right-pass-201 $((PORT_BASE + 23)) "<sip:201@127.0.0.1:$((PORT_BASE + 23))>" 300
check "... after a first one" \
	status_is 200 201 right-pass-201 $((PORT_BASE + 24)) "<sip:201@127.0.0.1:$((PORT_BASE + 24))>" 300
check "... and replaces it (the oldest goes)" cli_lacks "sip show contacts" "201@127.0.0.1:$((PORT_BASE + 23))"
check "... the newest stays" cli_has "sip show contacts" "^201 +sip:201@127.0.0.1:$((PORT_BASE + 24))"
check "a 3 s registration" status_is 200 201 right-pass-201 $((PORT_BASE + 25)) "<sip:201@127.0.0.1:$((PORT_BASE + 25))>" 3
EXPIRY_START=$(date +%s)
check "... is listed" cli_has "sip show contacts" "201@127.0.0.1:$((PORT_BASE + 25))"
WAIT_S=6 check "... and disappears when it expires" wait_for cli_lacks "sip show contacts" "201@127.0.0.1:$((PORT_BASE + 25))"
check "... not before (>= 2 s)" test $(( $(date +%s) - EXPIRY_START )) -ge 2
check "re-register 200 for the restart" sipp_register 200 right-pass-200 $((PORT_BASE + 10))

lyre_stop
lyre_start || exit 1
check "registrations survive a restart" cli_has "sip show contacts" "^200 +sip:200@"
check "the generated secret survives a restart" cli_has "sip show endpoint 202" "^Secret: +$SECRET$"
lyre_stop

# Outbound registration: a trunk registers to a sipp registrar.
ITSP_PORT=$((PORT_BASE + 30))
cat >>"$ETC/sip.conf" <<EOT

[itsp]
type = trunk
host = 127.0.0.1:$ITSP_PORT
username = lyre-trunk
secret = itsp-secret
register = yes
expiry = 120
context = office
EOT
timeout 60 sipp -sf "$TEST_DIR/registrar_trunk_uas.xml" -key authuser lyre-trunk -key authpass itsp-secret \
	-i 127.0.0.1 -p $ITSP_PORT -m 1 -nostdin -trace_msg -message_file "$T/itsp.msg" \
	>"$T/sipp.itsp.out" 2>&1 &
ITSP_PID=$!
sleep 0.3
lyre_start || exit 1
check "the trunk is rejected first (403)" wait_for cli_has "sip show registrations" "^itsp .* Rejected +403 "
check "... and retried with back-off, registered with digest" \
	wait_for cli_has "sip show registrations" "^itsp +127.0.0.1:$ITSP_PORT +lyre-trunk +Registered +200 "
registers() { [ "$(grep -c '^REGISTER ' "$T/itsp.msg")" -ge "$1" ]; }
WAIT_S=12 check "... and refreshed before the 8 s granted run out" wait_for registers 4
check "... still registered" cli_has "sip show registrations" "^itsp .* Registered +200 "
same_call_id() { [ "$(grep -i '^Call-ID:' "$T/itsp.msg" | tr -d '\r' | sort -u | wc -l)" = 1 ]; }
check "... all on one Call-ID (RFC 3261 §10.2.4)" same_call_id
lyre_stop
itsp_done() { wait_exit "$ITSP_PID" 250 && [ "$EXIT_CODE" = 0 ]; }
check "the stop un-registered the trunk (the registrar scenario completed)" itsp_done
check "... with Expires: 0" grep -q '^Expires: 0' "$T/itsp.msg"
