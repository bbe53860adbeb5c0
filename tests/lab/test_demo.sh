#!/usr/bin/env bash
# tests/lab/test_demo.sh — contrib/demo.sh works without a person at the keyboard.
#
# Starts `contrib/demo.sh --no-attach` on a tmux socket of its own, reads
# both panes (capture-pane) until alice and bob say "connected to" each
# other (direct), types a line in alice's pane and sees it in bob's, then
# sends the demo SIGTERM: it must exit, and its tmux server and every lab
# namespace must be gone. Root, tmux, else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
t_need_cmd tmux dhtnode turnserver
SOCK=gonet-test$$
t0=$SECONDS

bash "$T_SRC/contrib/demo.sh" --no-attach --socket "$SOCK" --build "$T_BUILD" --room "demo-test/$T_ID/$RANDOM" \
	>"$T_TMP/demo.log" 2>&1 </dev/null &
DEMO=$!
t_on_exit "kill -TERM $DEMO; sleep 3; kill -KILL $DEMO; tmux -L $SOCK kill-server"
pane() { tmux -L "$SOCK" capture-pane -p -t "demo:0.$1" 2>/dev/null; }
dump() { t_log "demo:"; cat "$T_TMP/demo.log" >&2; for i in 0 1; do t_log "pane $i:"; pane $i | sed '/^ *$/d; s/^/    | /' >&2; done; }
fail() { dump; t_fail "$@"; }

# lab_init waits up to 900 s for another lab (one at a time): allow for one.
t_wait_for 300 grep -q 'running; attach with' "$T_TMP/demo.log" || fail "the demo did not start"
grep -q "tmux -L $SOCK attach -t demo" "$T_TMP/demo.log" || fail "no attach instructions"
t_start=$SECONDS
t_wait_for 60 sh -c "tmux -L $SOCK capture-pane -p -t demo:0.0 | grep -q 'connected to .* bob: direct' &&
	tmux -L $SOCK capture-pane -p -t demo:0.1 | grep -q 'connected to .* alice: direct'" ||
	fail "alice and bob did not connect in 60 s"
echo "demo: both panes say connected (direct) $((SECONDS - t_start)) s after the lab was up"
pane 0 | grep -F -e found -e punching -e connected | sed 's/^/  alice| /'
tmux -L "$SOCK" send-keys -t demo:0.0 -l "hi bob, this is alice"
tmux -L "$SOCK" send-keys -t demo:0.0 Enter
t_wait_for 10 sh -c "tmux -L $SOCK capture-pane -p -t demo:0.1 | grep -q '<\[.*\] alice> hi bob, this is alice'" ||
	fail "bob's pane did not show alice's line"
echo "demo: a line typed in alice's pane shows in bob's"

kill -TERM "$DEMO"
t_wait_for 15 sh -c "! kill -0 $DEMO" || fail "the demo did not exit within 15 s of SIGTERM"
tmux -L "$SOCK" has-session 2>/dev/null && t_fail "the demo's tmux server is still running"
left=$(ip netns list | grep "^gn$DEMO-" | tr '\n' ' ')
[ -z "$left" ] || t_fail "namespaces left behind: $left"
echo "summary: demo started, connected, chatted and tore itself down in $((SECONDS - t0)) s"
exit 0
