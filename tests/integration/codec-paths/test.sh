# The codec modules in the installed daemon: codec_g722 and codec_opus load
# with the office system (codecs.conf [opus] read), every format reaches
# every other in `core show translation`, the paths between a mu-law or
# A-law phone and a G.722 or Opus phone are the expected chains, and
# codec_opus refuses a broken codecs.conf on reload but keeps running.
lyre_system
lyre_start -vv || exit 1

check "module show lists codec_g722 and codec_opus" cli_has "module show like codec" \
	"codec_g722"
check "  ... and codec_opus" grep -q codec_opus "$T/cli.last"
check "core show codecs lists g722 at 16 kHz" cli_has "core show codecs" "^g722 +16000 "
check "  ... opus at 48 kHz" grep -qE "^opus +48000 " "$T/cli.last"
check "  ... slin48 at 48 kHz" grep -qE "^slin48 +48000 " "$T/cli.last"

# One row per format; a "-" only where the row meets its own column.
lyre_cli "core show translation"
for f in ulaw alaw g722 opus slin slin16 slin48; do
	check "translation matrix: $f reaches every other format" \
		awk -v f="$f" '$1 == f && / [0-9]+( |$)/ { n = 0; for (i = 2; i <= NF; i++) n += ($i == "-"); found = 1; exit (n == 1 ? 0 : 1) } END { if (!found) exit 1 }' "$T/cli.last"
done

path_is() {	# FROM TO CHAIN
	cli_has "core show translation path $1 $2" "^$3 \\(cost"
}
check "ulaw to g722" path_is ulaw g722 "ulaw -> slin -> slin16 -> g722"
check "g722 to ulaw" path_is g722 ulaw "g722 -> slin16 -> slin -> ulaw"
check "opus to ulaw" path_is opus ulaw "opus -> slin48 -> slin -> ulaw"
check "ulaw to opus" path_is ulaw opus "ulaw -> slin -> slin48 -> opus"
check "alaw to opus" path_is alaw opus "alaw -> slin -> slin48 -> opus"
check "ulaw to alaw stays direct" path_is ulaw alaw "ulaw -> alaw"

check "codecs.conf [opus] was read at load" grep -q "Opus encoder: fec on (loss 15%)" \
	"$T/lyre.out"

expect_errors "codecs.conf: .*complexity = 99|codec_opus: reload failed"
cat >"$ETC/codecs.conf" <<'CONF'
[opus]
complexity = 99
CONF
if lyre_cli "module reload codec_opus"; then fail "a broken codecs.conf is refused"
else ok "a broken codecs.conf is refused"; fi
check "the error names file and line" grep -q "codecs.conf:2: complexity = 99" "$T/log/messages"
check "codec_opus is still loaded" cli_has "core show codecs" "^opus "

lyre_stop
