# A third-party module builds against the installed headers with
# `pkg-config --cflags --libs lyre` and loads into the running daemon; one
# built for another API version is refused, naming both versions.
need_tool cc
need_tool pkg-config
lyre_system
expect_errors 'mod_future|API'
lyre_start || exit 1

mkdir -p "$T/src"
cat > "$T/src/mod_thirdparty.c" <<'C'
#include <lyre/lyre.h>

static enum ly_cli_result cmd(struct ly_cli_args *a)
{
	ly_cli_print(a, "third party says hi\n");
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command third_cmd = {
	.command = "thirdparty hello", .summary = "Says hi", .usage = "Usage: thirdparty hello\n",
	.handler = cmd,
};

static int load(struct ly_module *self)
{
	return ly_cli_register(self, &third_cmd);
}

LYRE_MODULE(mod_thirdparty, .description = "An out-of-tree module", .load = load);
C
cat > "$T/src/mod_future.c" <<'C'
#include <lyre/lyre.h>
static int load(struct ly_module *self) { (void)self; return 0; }
const struct ly_module_info mod_future_LTX_lyre_module_info = {
	.api_major = LYRE_MODULE_API_MAJOR + 1, .api_minor = 0,
	.name = "mod_future", .description = "Built for a future API", .load = load,
};
C
export PKG_CONFIG_PATH=$LYRE_PKGCONFIGDIR
pc() { pkg-config --define-variable=prefix="$LYRE_STAGE_PREFIX" "$@" lyre; }
check "pkg-config knows lyre" pc --exists
check "the module compiles against the installed headers" \
	bash -c "cc -Wall -Wextra -Werror \$(pkg-config --define-variable=prefix='$LYRE_STAGE_PREFIX' --cflags --libs lyre) -o '$T/modules/mod_thirdparty.so' '$T/src/mod_thirdparty.c'"
check "the future-API module compiles too" \
	bash -c "cc \$(pkg-config --define-variable=prefix='$LYRE_STAGE_PREFIX' --cflags --libs lyre) -o '$T/modules/mod_future.so' '$T/src/mod_future.c'"
check "pkg-config's moduledir points into the install" \
	bash -c "pkg-config --define-variable=prefix='$LYRE_STAGE_PREFIX' --variable=moduledir lyre | grep -q lyre/modules"

check "module load mod_thirdparty" lyre_cli "module load mod_thirdparty"
check "it shows in module show" cli_has "module show like thirdparty" "An out-of-tree module"
check "its command runs" cli_has "thirdparty hello" "third party says hi"
check "module unload mod_thirdparty" lyre_cli "module unload mod_thirdparty"
if lyre_cli "thirdparty hello"; then fail "its command left with it"; else ok "its command left with it"; fi

if lyre_cli "module load mod_future"; then fail "a module for another API version is refused"
else ok "a module for another API version is refused"; fi
check "the refusal names both API versions" \
	grep -qE "2\.0.*1\.0|1\.0.*2\.0" "$T/cli.last"
check "the daemon goes on" lyre_cli "core show uptime"
lyre_stop
