# Modules load, unload and reload at run time; their registrations come and
# go with them; a module another one needs cannot be unloaded.
lyre_system
expect_errors 'no_such_module|codec_slin|module_api|mod_badapi|needs'
lyre_start || exit 1

check "Hello is a registered application" cli_has "core show applications" "Hello"
check "the hello command works" cli_has "hello" "Hello, world!"
check "module unload app_hello" lyre_cli "module unload app_hello"
check "app_hello is gone from module show" cli_lacks "module show" "app_hello"
check "its application is gone" cli_lacks "core show applications" "Hello"
if lyre_cli "hello"; then fail "its command is gone"; else ok "its command is gone"; fi
check "module load app_hello" lyre_cli "module load app_hello"
check "the command is back" cli_has "hello" "Hello, world!"
if lyre_cli "module load app_hello"; then fail "loading it twice is refused"
else ok "loading it twice is refused"; fi
check "... saying it is already loaded" grep -qi "already loaded" "$T/cli.last"

if lyre_cli "module unload codec_slin"; then fail "unloading a needed module is refused"
else ok "unloading a needed module is refused"; fi
check "... naming who needs it" grep -q "codec_g711" "$T/cli.last"
check "codec_slin is still loaded" cli_has "module show like codec_slin" "codec_slin"
check "ulaw to alaw translation is available" cli_has "core show translation" "ulaw"
if lyre_cli "module load no_such_module"; then fail "loading a missing module fails"
else ok "loading a missing module fails"; fi
check "module reload of everything works" lyre_cli "module reload"
lyre_stop
