# ConfBridge with real phones (baresip):
#   alice, bob and carol (mu-law) send 400, 700 and 1100 Hz, dave (G.722,
#   16 kHz) 1500 Hz; all four dial 8100 (conference "main", recorded, menu
#   1 = toggle_mute).  Each phone's recording of what it heard holds the
#   other three tones and not its own (Goertzel in tones.py); the G.722
#   phone hears the others and is heard.
#   bob presses 1: his 700 Hz leaves the others' audio; 1 again brings it back.
#   The conference recording holds all four tones.
#   A locked room refuses a caller; a wrong PIN is refused after 3 tries and
#   the right one gets in; a wait_marked/end_marked follower waits for the
#   marked leader and leaves with ENDMARKED when he goes.
#   Bad input: an unknown profile is refused (FAILED); a conference name
#   with path characters records inside the monitor folder; an unknown
#   option in confbridge.conf is logged with file:line.
need_tool baresip
need_tool sox
need_tool python3
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR
MON=$T/spool/monitor

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/alice.wav" synth 200 sine 400 vol 0.3
sox -n -r 8000 -c 1 -b 16 "$T/audio/bob.wav" synth 200 sine 700 vol 0.3
sox -n -r 8000 -c 1 -b 16 "$T/audio/carol.wav" synth 200 sine 1100 vol 0.3
sox -n -r 16000 -c 1 -b 16 "$T/audio/dave.wav" synth 200 sine 1500 vol 0.3

dial() { bctl "$1" --listen 0.3 dial "sip:$2@127.0.0.1:$PORT_BASE"; }
key() { bctl "$1" --listen 0.3 sndcode "$2"; sleep 0.4; }
count() { grep -cE -- "$1" "$T/log/full" 2>/dev/null; }
members() { lyre_cli "confbridge list $1" && [ "$(grep -c '^SIP/' <<<"$CLI_OUT")" = "$2" ]; }
now() { date +%s.%N; }

# hears FILE FROM TO "HEARD..." "NOT...": each HEARD tone above 0.05 of
# full scale (sent at 0.3), each NOT tone under 0.01.
hears() {
	local out hz lv; out=$(python3 "$S/tones.py" "$1" "$2" "$3" $4 $5) || return 1
	log "$(basename "$1") $(printf '%.1f-%.1f' "$2" "$3"): $out"
	for hz in $4; do
		lv=$(tr ' ' '\n' <<<"$out" | sed -n "s/^$hz://p")
		awk -v l="$lv" 'BEGIN{ exit !(l > 0.05) }' || return 1
	done
	for hz in $5; do
		lv=$(tr ' ' '\n' <<<"$out" | sed -n "s/^$hz://p")
		awk -v l="$lv" 'BEGIN{ exit !(l < 0.01) }' || return 1
	done
}

check "an unknown option in confbridge.conf is logged with file:line" \
	logged "confbridge.conf:[0-9]+: confbridge: 'no_such_option = 1': unknown user profile option"

baresip_phone alice 0 "$(baresip_account alice alice-secret-1 pcmu)" alice.wav 280
baresip_phone bob 1 "$(baresip_account bob bob-secret-2 pcmu)" bob.wav 280
baresip_phone carol 2 "$(baresip_account carol carol-secret-3 pcmu)" carol.wav 280
baresip_phone dave 3 "$(baresip_account dave dave-secret-4 g722)" dave.wav 280
for p in alice bob carol dave; do
	check "$p registers" wait_for registered $p
done

# ---- four tones, mute and unmute ----
for p in alice bob carol dave; do
	check "$p dials 8100" dial $p 8100
done
WAIT_S=20 check "... all four are in conference main" wait_for members main 4
check "... dave's leg speaks G.722" cli_has "confbridge list main" "SIP/dave.* g722 "
check "... main mixes at 16 kHz (auto: dave is wideband)" cli_has "confbridge list" "^main .* 16000 "
check "... it is being recorded" cli_has "confbridge list" "^main .*/monitor/main.wav"
sleep 2
T1=$(now); sleep 3; T1E=$(now)
check "bob presses 1 (toggle_mute)" key bob 1
check "... bob is muted" wait_for logged "SIP/bob-[^ ]* is now muted in conference 'main'"
check "... confbridge list shows it" cli_has "confbridge list main" "SIP/bob.* m"
sleep 2
T2=$(now); sleep 3; T2E=$(now)
check "bob presses 1 again" key bob 1
check "... bob is unmuted" wait_for logged "SIP/bob-[^ ]* is now unmuted in conference 'main'"
sleep 2
T3=$(now); sleep 3; T3E=$(now)
# A tick that overruns its 20 ms (ASan; the first tick at a new rate builds
# resamplers and encoders) may happen, but rarely: fewer than 1 in 100.
mixer_ok() {
	lyre_cli "confbridge show mixer" || return 1
	log "$(grep '^main' <<<"$CLI_OUT")"
	awk '$1 == "main" && $2 == 4 && $3 > 500 && $7 * 100 < $3 { ok = 1 } END { exit !ok }' <<<"$CLI_OUT"
}
check "the mixer ran its ticks, with (almost) no overrun" mixer_ok
for p in alice bob carol dave; do
	bctl $p hangup
done
check "... conference main ends" wait_for logged "Conference 'main' ended"
check "... its recording is stopped" logged "Conference 'main': recording stopped: $MON/main.wav"
sleep 1	# baresip closes its recordings

A=$(newest_rec alice) B=$(newest_rec bob) C=$(newest_rec carol) D=$(newest_rec dave)
check "alice hears bob, carol and dave, not herself" hears "$A" "$T1" "$T1E" "700 1100 1500" "400"
check "bob hears alice, carol and dave, not himself" hears "$B" "$T1" "$T1E" "400 1100 1500" "700"
check "carol hears alice, bob and dave, not herself" hears "$C" "$T1" "$T1E" "400 700 1500" "1100"
check "dave (G.722) hears alice, bob and carol, not himself" hears "$D" "$T1" "$T1E" "400 700 1100" "1500"
check "dave's recording is 16 kHz" [ "$(soxi -r "$D")" = 16000 ]
check "bob muted: alice no longer hears 700 Hz" hears "$A" "$T2" "$T2E" "1100 1500" "700"
check "bob muted: carol no longer hears 700 Hz" hears "$C" "$T2" "$T2E" "400 1500" "700"
check "bob muted: dave no longer hears 700 Hz" hears "$D" "$T2" "$T2E" "400 1100" "700"
check "bob unmuted: alice hears 700 Hz again" hears "$A" "$T3" "$T3E" "700 1100 1500" "400"
check "bob unmuted: dave hears 700 Hz again" hears "$D" "$T3" "$T3E" "400 700 1100" "1500"
check "the conference recording holds all four tones" \
	hears "$MON/main.wav" "$T1" "$T1E" "400 700 1100 1500" ""
check "... and no 700 Hz while bob was muted" hears "$MON/main.wav" "$T2" "$T2E" "400 1100 1500" "700"
check "no SIP channel is left" no_sip_channels

# ---- a locked room ----
check "carol dials 8100 alone" dial carol 8100
check "... she is in main" wait_for members main 1
check "confbridge lock main" cli_has "confbridge lock main" "locked"
check "dave dials 8100" dial dave 8100
check "... the locked room refuses him" wait_for logged "SIP/dave-[^ ]*: conference 'main' is locked: refused"
check "... CONFBRIDGE_RESULT=FAILED" wait_for logged "conf hangup h FAILED"
check "... main still has one participant" members main 1
check "confbridge unlock main" cli_has "confbridge unlock main" "unlocked"
bctl carol hangup
check "no SIP channel is left" no_sip_channels

# ---- PIN ----
check "alice dials 8102 (PIN 1234)" dial alice 8102
getpin_played() { [ "$(count "playing '.*/conf-getpin\.")" -ge "$1" ]; }
for try in 1 2 3; do
	WAIT_S=15 check "... the PIN prompt plays (try $try)" wait_for getpin_played $try
	key alice 9
	key alice '#'
	check "... 9# is wrong" wait_for logged "wrong conference PIN \(try $try of 3\)"
done
check "... refused after 3 tries" wait_for logged "SIP/alice-[^ ]*: conference PIN refused after 3 tries"
check "... and hung up" no_sip_channels
check "... she never joined pinroom" eval '! logged "alice-[^ ]* joined conference .pinroom."'
check "bob dials 8102" dial bob 8102
WAIT_S=15 check "... the PIN prompt plays" wait_for getpin_played 4
for d in 1 2 3 4 '#'; do key bob "$d"; done
check "... 1234# lets him in" wait_for logged "SIP/bob-[^ ]* joined conference 'pinroom'"
bctl bob hangup
check "no SIP channel is left" no_sip_channels

# ---- marked users ----
check "alice dials 8105 (wait_marked, end_marked)" dial alice 8105
check "... she waits for the leader" wait_for logged "SIP/alice-[^ ]* joined conference 'lead' \(follower, waiting for a marked user\)"
check "... confbridge list shows her waiting" cli_has "confbridge list lead" "SIP/alice.* W"
check "... with music on hold" wait_for logged "Started music on hold.*SIP/alice"
check "bob dials 8106 (marked)" dial bob 8106
check "... bob joins lead" wait_for logged "SIP/bob-[^ ]* joined conference 'lead' \(leader, marked\)"
check "... alice waits no more" wait_for cli_lacks "confbridge list lead" "SIP/alice.* W"
check "... CONFBRIDGE_INFO before he joined: 1 party, 0 marked" logged "lead before leader: parties 1 marked 0"
check "bob hangs up" bctl bob hangup
check "... alice leaves: ENDMARKED" wait_for logged "conf result 8105 ENDMARKED"
check "no SIP channel is left" no_sip_channels

# ---- bad input ----
check "carol dials 8107 (an unknown bridge profile)" dial carol 8107
check "... refused with a warning" wait_for logged "WARNING.*ConfBridge: conference bridge profile 'nosuchprofile' does not exist"
failed_count() { [ "$(count "conf hangup h FAILED")" -ge "$1" ]; }
check "... CONFBRIDGE_RESULT=FAILED" wait_for failed_count 3
check "no SIP channel is left" no_sip_channels
check "carol dials 8108 (conference '../../evil/x', recorded)" dial carol 8108
check "... she joins" wait_for logged "SIP/carol-[^ ]* joined conference '\.\./\.\./evil/x'"
bctl carol hangup
check "... the recording is stopped" wait_for logged "recording stopped: $MON/"
check "... its file is in the monitor folder, path characters replaced" \
	eval 'ls "$MON"/confbridge-*evil_x-*.wav'
check "... nothing was written outside it" \
	eval '[ ! -e "$T/evil" ] && [ ! -e "$T/spool/evil" ] && [ -z "$(find "$T" -path "*evil*" -not -path "$MON/*")" ]'
check "no temporary recording is left" eval '[ -z "$(find "$MON" -name ".*" -type f)" ]'

for p in alice bob carol dave; do
	bctl $p quit
done
for p in alice bob carol dave; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
