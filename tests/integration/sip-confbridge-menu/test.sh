# ConfBridge menus, DTMF, packet size and Opus with real phones (baresip):
#   alice and bob (mu-law, 400 and 700 Hz) and dave (Opus, 48 kHz, 1500 Hz)
#   dial 8200: room40, mixed every 40 ms (at 48 kHz, for dave).  Each
#   hears the other two and not itself, and alice's phone receives 20 ms
#   packets (160 bytes of mu-law) although the mixer ticks every 40 ms.
#   dtmf_passthrough: digits alice presses that no menu entry takes reach
#   bob's phone (RFC 4733) and a Local participant whose other side runs
#   Read(); her menu key 1 (toggle_mute) is not passed on.
#   dialplan_exec: bob's key 2 runs [conf-sub] s (Set, Playback, Wait):
#   meanwhile he is out of the mix (flag D, alice does not hear 700 Hz),
#   then back in (heard again, still listed); SUBRAN stays set.  dave's
#   key 3 runs an extension that hangs up: he leaves cleanly (HANGUP).
#   Volume: alice's key 4 (increase_listening_volume) makes bob and dave
#   louder for her; bob's key 6 (decrease_talking_volume) makes him
#   quieter for dave.
#   The hall: carol (admin, announce_join_leave, music_on_hold_when_empty,
#   talk_detection_events) hears she is alone and music; alice
#   (announce_user_count) hears "only one", bob "there are" (overridden
#   by sound_there_are = beeperr) 2 "others".  Menu n: participant_count,
#   playback_and_continue, admin_kick_last (carol kicks bob; alice, not
#   an admin, cannot).  carol's recorded name is in the spool while she
#   is there and deleted once her leave announcement has played.
need_tool baresip
need_tool sox
need_tool python3
need_tool tshark
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
TONES=$SRC_TOP/tests/integration/sip-confbridge/tones.py

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/alice.wav" synth 200 sine 400 vol 0.3
sox -n -r 8000 -c 1 -b 16 "$T/audio/bob.wav" synth 200 sine 700 vol 0.3
sox -n -r 8000 -c 1 -b 16 "$T/audio/carol.wav" synth 200 sine 1100 vol 0.3
# baresip's Opus is opus/48000/2 and its file source does not resample
sox -n -r 48000 -c 2 -b 16 "$T/audio/dave.wav" synth 200 sine 1500 vol 0.3

dial() { bctl "$1" --listen 0.3 dial "sip:$2@127.0.0.1:$PORT_BASE"; }
key() { bctl "$1" --listen 0.3 sndcode "$2"; sleep 0.5; }
members() { lyre_cli "confbridge list $1" && [ "$(grep -cE '^(SIP|Local)/' <<<"$CLI_OUT")" = "$2" ]; }
now() { date +%s.%N; }

# level FILE FROM TO HZ: the tone's level in that window.
level() { python3 "$TONES" "$1" "$2" "$3" "$4" | sed -n "s/^$4://p"; }
# ratio A B LO HI: LO < A / B < HI.
ratio() {
	log "level ratio $1 / $2"
	awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" 'BEGIN{ exit !(b > 0 && a / b > lo && a / b < hi) }'
}

# hears FILE FROM TO "HEARD..." "NOT...": each HEARD tone above 0.05 of
# full scale (sent at 0.3), each NOT tone under 0.01.
hears() {
	local out hz lv; out=$(python3 "$TONES" "$1" "$2" "$3" $4 $5) || return 1
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

baresip_phone alice 0 "$(baresip_account alice alice-secret-1 pcmu)" alice.wav 200
baresip_phone bob 1 "$(baresip_account bob bob-secret-2 pcmu)" bob.wav 200
baresip_phone carol 2 "$(baresip_account carol carol-secret-3 pcmu)" carol.wav 200
baresip_phone dave 3 "$(baresip_account dave dave-secret-4 opus)" dave.wav 200
for p in alice bob carol dave; do
	check "$p registers" wait_for registered $p
done

# What Lyre sends to alice's RTP ports (30000-30099).
tshark -i lo -f "udp dst portrange 30000-30099" -w "$T/alice.pcap" -q >"$T/tshark.out" 2>&1 &
TSHARK=$!
check "tshark captures on lo" wait_for grep -q "Capturing on" "$T/tshark.out"

# ---- three phones, one on Opus, mixed every 40 ms ----
for p in alice bob dave; do
	check "$p dials 8200" dial $p 8200
done
WAIT_S=20 check "... all three are in room40" wait_for members room40 3
check "... dave's leg speaks Opus" cli_has "confbridge list room40" "SIP/dave.* opus "
check "... room40 mixes at 48 kHz (auto: dave is Opus)" cli_has "confbridge list" "^room40 .* 48000 "
check "a Local participant joins, its other side reads digits" \
	lyre_cli "channel originate Local/8203@conf extension 8202@conf"
check "... room40 has four participants" wait_for members room40 4
sleep 2

# ---- dtmf_passthrough ----
check "alice presses 5 (no menu entry)" key alice 5
check "... passed to the conference" wait_for logged "SIP/alice-[^ ]*: DTMF '5' passed to conference 'room40'"
check "... bob's phone receives it (RFC 4733)" wait_for grep -q "received event: '5' (end=1)" "$T/bob.log"
check "alice presses 1 (toggle_mute)" key alice 1
check "... she is muted" wait_for logged "SIP/alice-[^ ]* is now muted in conference 'room40'"
check "alice presses 1 again" key alice 1
check "... unmuted" wait_for logged "SIP/alice-[^ ]* is now unmuted in conference 'room40'"
sleep 2	# digits are not taken while conf-unmuted plays
check "alice presses 9 and #" eval 'key alice 9 && key alice "#"'
check "... the Local participant's Read() got 59, not the menu's 1" \
	wait_for logged "listener read \[59\] OK"
check "... bob's phone received 9 and # but never 1" \
	eval 'grep -q "received event: .#. (end=1)" "$T/bob.log" && ! grep -q "received event: .1." "$T/bob.log"'

# ---- dialplan_exec ----
check "bob presses 2 (dialplan_exec conf-sub,s,1)" key bob 2
check "... he leaves the mix" wait_for logged "SIP/bob-[^ ]* left the mix of conference 'room40' for the dialplan"
check "... the extension runs on his channel" wait_for logged "sub on SIP/bob-[^ ]* at conf-sub,s"
WAIT_S=3 check "... confbridge list shows him in the dialplan" \
	wait_for cli_has "confbridge list room40" "SIP/bob.* D"
check "... the extension ends" wait_for logged "sub done on SIP/bob-"
check "... he is back in the mix" wait_for logged "SIP/bob-[^ ]* is back in the mix of conference 'room40'"
check "... and still in room40" cli_has "confbridge list room40" "SIP/bob"
check "... no longer flagged D" cli_lacks "confbridge list room40" "SIP/bob.* D"
# ---- volume ----
# The recordings are matched to wall-clock time from their end (tones.py),
# and a phone's recording loses a little wherever packets came late, so
# the windows compared are the last seconds of the calls.
sleep 3
T3=$(now); sleep 3; T3E=$(now)
sleep 1
check "alice presses 4 (increase_listening_volume)" key alice 4
check "bob presses 6 (decrease_talking_volume)" key bob 6
sleep 1.5
T4=$(now); sleep 3; T4E=$(now)

lyre_cli "confbridge show mixer"; while read -r l; do log "$l"; done <<<"$CLI_OUT"

# ---- dialplan_exec that hangs up ----
check "dave presses 3 (dialplan_exec conf-sub,bye,1)" key dave 3
check "... the extension hangs him up" wait_for logged "sub hangs up SIP/dave-"
check "... he leaves room40" wait_for logged "SIP/dave-[^ ]* left conference 'room40'"
check "... CONFBRIDGE_RESULT=HANGUP, h runs" wait_for logged "conf hangup h HANGUP"
check "... room40 goes on with alice and bob" wait_for members room40 2
for p in alice bob; do
	bctl $p hangup
done
check "bob's dialplan goes on after ConfBridge, SUBRAN kept" \
	wait_for logged "conf (result 8200|hangup h) [A-Z]+ SUBRAN=yes"
lyre_cli "channel request hangup all" >/dev/null
# Lyre's packets to alice: RTP (even port) of mu-law, 12 + 160 bytes.
kill -INT $TSHARK; wait $TSHARK
tshark -r "$T/alice.pcap" -d udp.port==30000-30099,rtp -T fields -e frame.time_epoch \
	-e udp.dstport -e udp.length -e rtp.seq -e rtp.timestamp >"$T/alice.fields" 2>/dev/null
packets_20ms() {
	awk '$2 % 2 == 0 { n++; if ($3 == 8 + 12 + 160) ok++; else if ($3 == 8 + 12 + 320) big++ }
	     END { printf "%d RTP packets to alice, %d of 160 bytes, %d of 320\n", n, ok, big;
		   exit !(n > 500 && ok >= n * 0.98 && big == 0) }' "$T/alice.fields"
}
check "alice's phone got 20 ms packets (160 bytes), not 40 ms ones" packets_20ms
check "no SIP channel is left" no_sip_channels
sleep 1	# baresip closes its recordings

A=$(newest_rec alice) B=$(newest_rec bob) D=$(newest_rec dave)
check "alice hears bob and dave (Opus), not herself" hears "$A" "$T3" "$T3E" "700 1500" "400"
check "bob hears alice and dave, not himself" hears "$B" "$T3" "$T3E" "400 1500" "700"
check "dave (Opus) hears alice and bob, not himself" hears "$D" "$T3" "$T3E" "400 700" "1500"
check "dave's recording is 48 kHz" [ "$(soxi -r "$D")" = 48000 ]
away() { local out; out=$(python3 "$TEST_DIR/away.py" "$@"); local rc=$?; log "$out"; return $rc; }
check "bob in the dialplan: alice did not hear him for seconds, then again" away "$A" 700 1500
check "bob in the dialplan: dave did not hear him for seconds, then again" away "$D" 700 400
# +3 dB is x1.41, -3 dB x0.71 (the mu-law and Opus paths add a little).
check "alice's listening volume up: dave louder for her" \
	ratio "$(level "$A" "$T4" "$T4E" 1500)" "$(level "$A" "$T3" "$T3E" 1500)" 1.2 1.7
check "... bob too (his talking volume down: as loud as before)" \
	ratio "$(level "$A" "$T4" "$T4E" 700)" "$(level "$A" "$T3" "$T3E" 700)" 0.8 1.25
check "bob's talking volume down: quieter for dave" \
	ratio "$(level "$D" "$T4" "$T4E" 700)" "$(level "$D" "$T3" "$T3E" 700)" 0.55 0.85

# ---- the hall: announcements, music, menu n, the recorded name ----
names() { ls "$T"/spool/confbridge/name-*.wav 2>/dev/null | wc -l; }
played() { logged "SIP/$1-[^ ]*: playing '[^']*/$2\."; }
check "carol dials 8201 (the hall's admin, announce_join_leave)" dial carol 8201
check "... her name is recorded" wait_for played carol vm-rec-name
WAIT_S=20 check "... she joins the hall" wait_for logged "SIP/carol-[^ ]* joined conference 'hall'"
check "... her recorded name is kept while she is there" [ "$(names)" = 1 ]
check "... she hears she is alone (announce_only_user)" wait_for played carol conf-onlyperson
check "... then music (music_on_hold_when_empty)" wait_for logged "Started music on hold.* on SIP/carol-"
check "... her talking is logged (talk_detection_events)" \
	wait_for logged "ConfbridgeTalking: SIP/carol-[^ ]* in 'hall' started talking"
check "alice dials 8204 (announce_user_count)" dial alice 8204
check "... she hears there is only one other" wait_for played alice conf-onlyone
check "... carol's music stops" wait_for logged "Stopped music on hold on SIP/carol-"
check "bob dials 8204" dial bob 8204
check "... he hears the count with the hall's sound_there_are" wait_for played bob beeperr
check "... 2 others" wait_for played bob conf-otherinparty
check "... not the default prompt" eval '! played bob conf-thereare'
sleep 3	# alice's and bob's join prompts end: digits are not taken meanwhile
alice_counts() { [ "$(grep -cE "SIP/alice-[^ ]*: playing '[^']*/beeperr\." "$T/log/full")" -ge 1 ]; }
check "alice presses 4 (participant_count): 2 others" eval 'key alice 4 && wait_for alice_counts'
sleep 2.5	# digits are not taken while the count plays
check "alice presses 6 (playback_and_continue)" key alice 6
check "... she hears conf-getpin" wait_for played alice conf-getpin
check "alice presses 7 (admin_kick_last, she is no admin)" key alice 7
sleep 1
check "... nobody is kicked" eval '! logged "kicked SIP/[^ ]* from conference .hall."'
check "carol presses 7 (admin_kick_last)" key carol 7
check "... bob, the last to join, is kicked" \
	wait_for logged "SIP/carol-[^ ]* kicked SIP/bob-[^ ]* from conference 'hall'"
check "... CONFBRIDGE_RESULT=KICKED" wait_for logged "conf result 8204 KICKED"
check "... the hall has two" wait_for members hall 2
bctl carol hangup
check "carol leaves" wait_for logged "SIP/carol-[^ ]* left conference 'hall'"
check "... her recorded name is deleted once announced" wait_for [ "$(names)" = 0 ]
bctl alice hangup
check "no SIP channel is left" no_sip_channels

for p in alice bob carol dave; do
	bctl $p quit
done
for p in alice bob carol dave; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
