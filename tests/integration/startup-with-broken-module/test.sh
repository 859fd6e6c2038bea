# A module that cannot load at start-up (bad config, missing symbol) is
# reported and skipped; the daemon starts with the rest.
need_tool cc
lyre_system
expect_errors 'hello\.conf|app_hello|mod_badsym|undefined symbol'
# A module that calls a function the daemon does not have: with -z now the
# loader, not a call in progress, finds out.
cat > "$T/mod_badsym.c" <<'C'
#include <lyre/lyre.h>
void ly_function_nobody_defines(void);
static int load(struct ly_module *self) { (void)self; ly_function_nobody_defines(); return 0; }
LYRE_MODULE(mod_badsym, .description = "Needs a missing symbol", .load = load);
C
cc -fPIC -shared -Wl,-z,now -I"$LYRE_INCLUDEDIR" -o "$T/modules/mod_badsym.so" "$T/mod_badsym.c"
lyre_start || exit 1

check "the daemon runs" lyre_cli "core show uptime"
check "app_hello was not loaded" cli_lacks "module show" "app_hello"
check "the codecs were loaded" cli_has "module show" "codec_g711"
check "the log names hello.conf and its line" grep -qE "hello\.conf:2" "$T/log/messages"
check "the log names the missing symbol" grep -q "ly_function_nobody_defines" "$T/log/messages"
if lyre_cli "module load app_hello"; then fail "loading it again still fails"
else ok "loading it again still fails"; fi
check "... and the console shows why" grep -q "hello.conf:2" "$T/cli.last"
printf '[general]\ngreeting = Hi\n' > "$ETC/hello.conf"
check "once the file is fixed the module loads" lyre_cli "module load app_hello"
check "and works" cli_has "hello" "^Hi, world!"
lyre_stop
