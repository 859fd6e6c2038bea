# The remote console: commands from a pipe, and an interactive session in a
# terminal (tmux) with tab completion, history and the daemon's log lines.
lyre_system
lyre_start || exit 1

printf 'core show version\nhelp module\n' | "$LYRE_BIN" -C "$ETC" -r >"$T/piped.out" 2>&1
check "piped commands run in order" bash -c "grep -q '^Lyre ' '$T/piped.out' && grep -q 'module load' '$T/piped.out'"

need_tool tmux
export TMUX_TMPDIR=$T
screen() { tmux capture-pane -p -t lyre; }
tmux new-session -d -s lyre -x 160 -y 50 "$LYRE_BIN -C $ETC -r"
check "the interactive console shows its prompt" wait_for bash -c "tmux capture-pane -p -t lyre | grep -q 'CLI>'"
tmux send-keys -t lyre 'core show ver' Tab
check "tab completes a command word" wait_for bash -c "tmux capture-pane -p -t lyre | grep -q 'core show version'"
tmux send-keys -t lyre Enter
check "the completed command runs" wait_for bash -c "tmux capture-pane -p -t lyre | grep -q '^Lyre '"
tmux send-keys -t lyre 'module unload app_h' Tab
check "tab completes a module name" wait_for bash -c "tmux capture-pane -p -t lyre | grep -q 'module unload app_hello'"
tmux send-keys -t lyre C-u
tmux send-keys -t lyre Up
check "history recalls the last command" wait_for bash -c "tmux capture-pane -p -t lyre | grep -v '^\s*$' | tail -1 | grep -q 'CLI> core show version'"
tmux send-keys -t lyre C-u
lyre_cli "module reload app_hello" >/dev/null
check "log lines from the daemon appear in the console" \
	wait_for bash -c "tmux capture-pane -p -t lyre | grep -qi 'app_hello'"
tmux send-keys -t lyre 'quit' Enter
check "quit leaves the console" wait_for bash -c "! tmux has-session -t lyre 2>/dev/null"
check "the daemon keeps running after a remote console leaves" lyre_cli "core show uptime"
lyre_stop

# The foreground console (lyre -c): quitting it stops the daemon.
tmux new-session -d -s fg -x 160 -y 50 "$LYRE_BIN -C $ETC -c; echo exit=\$? > $T/fg.exit; sleep 1"
check "lyre -c shows a console prompt" wait_for bash -c "tmux capture-pane -p -t fg | grep -q 'CLI>'"
tmux send-keys -t fg 'core show uptime' Enter
check "lyre -c runs commands" wait_for bash -c "tmux capture-pane -p -t fg | grep -q 'System uptime'"
tmux send-keys -t fg 'quit' Enter
check "quitting the foreground console stops lyre with exit 0" wait_for grep -q "exit=0" "$T/fg.exit"
tmux kill-server 2>/dev/null
