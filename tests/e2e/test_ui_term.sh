#!/usr/bin/env bash
# tests/e2e/test_ui_term.sh — the terminal front end, driven through tmux.
#
#   node0 <- node1 <- ... <- node4      dhtnode on 127.0.0.1
#     UI: gonet (readline UI) in a detached tmux pane, 120x30, own server
#     B:  gonet --batch, stdin from a FIFO          (--loopback --no-stun)
#
# Checks, reading the pane with `tmux capture-pane`:
#   a. lines from B with an OSC title, ESC[2J, ESC[31m, a C1 CSI (U+009B),
#      a bidi override (U+202E) and BELs appear neutralised (^[ ^G \u009b
#      \u202e, src/ui/sanitize.h); the screen is not cleared, the pane title not
#      changed, no colour reaches the message text (capture-pane -e); a raw
#      0x9B byte (ill-formed UTF-8) is refused by the sender, never shown;
#   b. a line being typed survives incoming messages: text intact on the
#      prompt line, cursor where it was (at the end, then 5 to the left);
#      Enter sends exactly that line;
#   c. 300 lines pasted at once into B (more than CHAT_SEND_QUEUE_MAX): each
#      is delivered or reported "undelivered" (queue-full), none lost silently;
#   d. /who lists B with its fingerprint; /nick changes the prompt and tells
#      B; a command's reply leaves no copy of the typed line behind;
#   e. /msg and /me: B's private line shows as "(private) <[fp] B> ...", its
#      action as "* [fp] B ...", ours as "(private) -> [fp] B: ..." and B
#      gets it marked private; /quit exits 0 and B sees the goodbye.
# The UI is started without ROOM: it asks for it, and the room typed there
# never shows in the pane (echo off), nor in its argv.
# No root needed. SKIP without dhtnode or tmux.
. "${top_srcdir:-.}/tests/lib.sh"

t_need_cmd dhtnode timeout tmux
[ -x "$T_BUILD/gonet" ] || t_fail "no $T_BUILD/gonet"
ROOM="gonet-ui/$T_ID/$RANDOM$RANDOM"
SOCK=gonet-test$$
t0=$SECONDS

tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -t ui; }
# shows TEXT: the visible pane has a line containing TEXT.
shows() { screen | grep -F -q -- "$1"; }
lastline() { screen | sed '/^ *$/d' | tail -1; }
dump() { t_log "pane:"; screen | sed '/^ *$/d; s/^/    | /' >&2; }
fail() { dump; t_fail "$@"; }

t_dht_local 5 120 || t_fail "dhtnode does not start: $(cat "$T_TMP"/dht*.log)"
t_gonet B "$ROOM" "${T_DHT_PORTS[4]}"
t_wait_for 5 grep -q '"what":"identity"' "$T_TMP/B.log" || t_fail "B did not start: $(cat "$T_TMP/B.err")"
FPB=$(t_fp B)

# The UI peer: `timeout --foreground`, or it runs in a background process
# group of the pane's terminal and stops at its first read (SIGTTIN).
d=$T_TMP/ui
mkdir -p "$d/config" "$d/cache"
cat >"$T_TMP/ui.sh" <<EOS
env HOME='$d' XDG_CONFIG_HOME='$d/config' XDG_CACHE_HOME='$d/cache' GONET_BOOTSTRAP= \
	timeout --foreground -k 2 90 '$T_BUILD/gonet' --loopback --no-stun --no-lan-discovery \
	--nick ui --bootstrap 127.0.0.1:${T_DHT_PORTS[1]} 2>'$T_TMP/ui.err'
echo \$? >'$T_TMP/ui.rc'
EOS
t_on_exit "tmux -L $SOCK kill-server"
tm -f /dev/null new-session -d -s ui -x 120 -y 30 "bash '$T_TMP/ui.sh'" || t_fail "tmux new-session"
t_wait_for 10 shows "Room (not shown):" || fail "UI: no prompt for the room"
tm send-keys -t ui -l "$ROOM"
tm send-keys -t ui Enter
t_wait_for 20 shows "connected to [$FPB] B" || fail "UI: not connected to B in 20 s"
t_wait_for 10 grep -q '"event":"path-up"' "$T_TMP/B.log" || fail "B: no path-up"
FPU=$(sed -n 's/.*"event":"peer".*"fp":"\([0-9a-f-]*\)".*/\1/p' "$T_TMP/B.log" | head -1)
shows "identity: " && screen | grep -q "identity: .*$FPU" || fail "UI does not show its own fingerprint $FPU"
shows "$ROOM" && fail "the room typed at the prompt is on the screen"
uipid=$(pgrep -f -- "--nick ui --bootstrap 127.0.0.1:${T_DHT_PORTS[1]}" | head -1)
[ -n "$uipid" ] && ! tr '\0' '\n' <"/proc/$uipid/cmdline" | grep -qxF -- "$ROOM" || fail "the room is in argv"
echo "connected: UI [$FPU] and B [$FPB] after $((SECONDS - t0)) s (the room typed at a prompt, not echoed)"

# --- a. escape sequences from the network ------------------------------------------
title0=$(tm display -p -t ui '#{pane_title}')
t_say B "before-the-escapes"
t_wait_for 10 shows "<[$FPB] B> before-the-escapes" || fail "no marker line"
# sent (printf format) | shown
CASES=(
	't1 osc \033]0;pwned-title\007 end|t1 osc ^[]0;pwned-title^G end'
	't2 cls \033[2J\033[H end|t2 cls ^[[2J^[[H end'
	't3 red \033[31mRED\033[0m end|t3 red ^[[31mRED^[[0m end'
	't4 c1 \302\23331m end|t4 c1 \\u009b31m end'
	't5 bidi \342\200\256evil end|t5 bidi \\u202eevil end'
	't6 bel \007\007 end|t6 bel ^G^G end'
)
for c in "${CASES[@]}"; do
	# shellcheck disable=SC2059
	t_say B "$(printf "${c%%|*}")"
done
t_say B "$(printf 't7 raw \23331m end')"
t_say B "after-the-escapes"
t_wait_for 10 shows "<[$FPB] B> after-the-escapes" || fail "the escape lines did not all arrive"
# Every line from B ends where its text ends: nothing hidden after it.
for c in "${CASES[@]}"; do
	want="<[$FPB] B> $(printf '%b' "${c#*|}")"
	screen | grep -E -q -- "^[0-9]{2}:[0-9]{2} $(printf '%s' "$want" | sed 's/[][\.*^$/]/\\&/g')\$" ||
		fail "line is not exactly '$want'"
done
grep -q '"event":"error".*not valid UTF-8' "$T_TMP/B.log" || t_fail "B did not refuse the raw 0x9B line: $(grep t7 "$T_TMP/B.log")"
shows "t7 raw" && fail "the raw 0x9B line reached the UI"
LC_ALL=C screen | LC_ALL=C grep -q $'\x9b' && fail "a raw 0x9B byte is on the screen"
shows "before-the-escapes" && shows "connected to [$FPB] B" || fail "the screen was cleared"
title1=$(tm display -p -t ui '#{pane_title}')
[ "$title1" = "$title0" ] || fail "pane title changed: '$title0' -> '$title1'"
tm capture-pane -p -e -t ui >"$T_TMP/pane-e"
grep -F -- "<[$FPB] B>" "$T_TMP/pane-e" | grep -q $'\033' &&
	fail "attributes in the message text: $(grep -F -- "<[$FPB] B>" "$T_TMP/pane-e" | grep $'\033' | cat -v)"
grep -q $'\033\\[[0-9;]*3[0-7]m' "$T_TMP/pane-e" && fail "a colour on the screen: $(grep $'\033' "$T_TMP/pane-e" | cat -v)"
echo "a. escapes: ${#CASES[@]} hostile lines shown neutralised, screen not cleared, title '$title1' unchanged, no colour; raw 0x9B refused at the sender"

# --- b. typing survives incoming lines ---------------------------------------------
TYPED="half-typed words, not sent yet"
tm send-keys -t ui -l "$TYPED"
t_wait_for 5 sh -c "tmux -L $SOCK capture-pane -p -t ui | grep -F -q -- 'ui> $TYPED'" || fail "typed text not shown"
for n in 1 2 3 4 5; do t_say B "during-typing $n"; done
t_wait_for 10 shows "<[$FPB] B> during-typing 5" || fail "lines during typing did not arrive"
sleep 0.3
# cursor LINE_PREFIX: the prompt line is the last one, cursor on it at column $2.
at_prompt() {
	local want=$1 col=$2 cur x y row
	[ "$(lastline)" = "$want" ] || fail "prompt line is '$(lastline)', want '$want'"
	cur=$(tm display -p -t ui '#{cursor_x} #{cursor_y}')
	read -r x y <<<"$cur"
	row=$(screen | sed -n "$((y + 1))p" | sed 's/ *$//')
	[ "$row" = "$want" ] || fail "cursor is on row $y: '$row', not on the prompt line"
	[ "$x" -eq "$col" ] || fail "cursor at column $x, want $col"
}
P="ui> $TYPED"
at_prompt "$P" ${#P}
[ "$(screen | grep -c -F -- "$TYPED")" -eq 1 ] || fail "the typed text appears more than once"
tm send-keys -t ui Left Left Left Left Left
t_say B "during-typing 6"
t_wait_for 10 shows "<[$FPB] B> during-typing 6" || fail "line 6 did not arrive"
sleep 0.3
at_prompt "$P" $((${#P} - 5))
tm send-keys -t ui End Enter
t_wait_for 10 sh -c "grep '\"event\":\"message\"' '$T_TMP/B.log' | grep -F -q '\"text\":\"$TYPED\"'" ||
	fail "B did not receive the typed line"
grep '"event":"message"' "$T_TMP/B.log" | grep -F "\"fp\":\"$FPU\"" | grep -q -F "\"text\":\"$TYPED\"" ||
	t_fail "B got the typed line changed: $(grep '"event":"message"' "$T_TMP/B.log")"
echo "b. typing: '$TYPED' intact on the prompt line through 6 incoming lines, cursor kept (end, end-5); Enter sent it exactly"

# --- c. a paste larger than the send queue ------------------------------------------
# 300 lines at once from B: CHAT_SEND_QUEUE_MAX (256) fit; every line must be
# either delivered or reported undelivered ("queue-full"), none lost silently.
ev() { grep -c "\"event\":\"$1\"" "$T_TMP/B.log"; }
d0=$(ev delivered) u0=$(ev undelivered)
seq -f 'paste %03g' 1 300 >"$T_TMP/paste"
cat "$T_TMP/paste" >&"${T_GFD[B]}"
pasted() { [ $(($(ev delivered) - d0 + $(ev undelivered) - u0)) -ge 300 ]; }
t_wait_for 30 pasted || t_fail "paste: not every line accounted for in 30 s: $(($(ev delivered) - d0)) delivered, $(($(ev undelivered) - u0)) undelivered"
ndel=$(($(ev delivered) - d0)) nund=$(($(ev undelivered) - u0))
[ $((ndel + nund)) -eq 300 ] || t_fail "paste: $ndel delivered + $nund undelivered, want 300"
[ "$(grep '"event":"sent"' "$T_TMP/B.log" | grep -c '"text":"paste ')" -eq 300 ] || t_fail "paste: not 300 sent events"
grep '"event":"undelivered"' "$T_TMP/B.log" | grep -v -q '"reason":"queue-full"' &&
	t_fail "paste: undelivered for another reason: $(grep '"event":"undelivered"' "$T_TMP/B.log" | grep -v queue-full | head -2)"
# The UI got exactly the delivered ones: the last of them is on the screen.
last=$(sed -n 's/.*"event":"sent".*"text":"paste \([0-9]*\)".*/\1/p' "$T_TMP/B.log" | sed -n "${ndel}p")
t_wait_for 10 shows "<[$FPB] B> paste $last" || fail "paste: line $last (the last delivered) not on the screen"
echo "c. paste: 300 lines at once: $ndel delivered, $nund refused as queue-full (reported), none lost silently"

# --- d. commands -----------------------------------------------------------------------
tm send-keys -t ui -l "/who"
tm send-keys -t ui Enter
t_wait_for 5 sh -c "tmux -L $SOCK capture-pane -p -t ui | grep -E -q '^[0-9:]+ +\\[$FPB\\] B  (lan|direct) '" ||
	fail "/who does not list B with its fingerprint"
[ "$(lastline)" = "ui>" ] || fail "after /who the prompt line is '$(lastline)', want 'ui>'"
tm send-keys -t ui -l "/nick zed"
tm send-keys -t ui Enter
t_wait_for 5 sh -c "grep '\"event\":\"nick\"' '$T_TMP/B.log' | grep -F '\"old\":\"ui\"' | grep -q '\"nick\":\"zed\"'" ||
	fail "B was not told of the new nick"
t_wait_for 3 sh -c "[ \"\$(tmux -L $SOCK capture-pane -p -t ui | sed '/^ *\$/d' | tail -1)\" = 'zed>' ]" ||
	fail "prompt after /nick is '$(lastline)', want 'zed>'"
screen | grep -E -q '(ui|zed)> /(who|nick).*(ui|zed)>' && fail "a command's reply left the typed line behind"
tm send-keys -t ui -l "hello as zed"
tm send-keys -t ui Enter
t_wait_for 10 sh -c "grep '\"event\":\"message\"' '$T_TMP/B.log' | grep -F '\"nick\":\"zed\"' | grep -q 'hello as zed'" ||
	fail "B did not get a message from zed"
echo "d. commands: /who lists B [$FPB], /nick -> prompt 'zed>' and B told"

# --- e. direct messages and actions ---------------------------------------------------------
t_say B "/msg zed psst only you"
t_say B "/me waves"
t_wait_for 10 shows "(private) <[$FPB] B> psst only you" || fail "B's private line not shown as private"
t_wait_for 10 shows "* [$FPB] B waves" || fail "B's action not shown as one"
tm send-keys -t ui -l "/msg B@${FPB:0:4} back at you"
tm send-keys -t ui Enter
t_wait_for 5 shows "(private) -> [$FPB] B: back at you" || fail "our private line not confirmed"
t_wait_for 10 sh -c "grep '\"text\":\"back at you\"' '$T_TMP/B.log' | grep -q '\"private\":true'" ||
	fail "B did not get our line as private"
echo "e. /msg and /me: shown as private and as an action on both sides"

tm send-keys -t ui -l "/quit"
tm send-keys -t ui Enter
t_wait_for 10 test -s "$T_TMP/ui.rc" || fail "the UI did not exit after /quit"
rc=$(cat "$T_TMP/ui.rc")
[ "$rc" -eq 0 ] || t_fail "the UI exited with status $rc after /quit: $(cat "$T_TMP/ui.err")"
t_wait_for 5 sh -c "grep '\"event\":\"peer-left\"' '$T_TMP/B.log' | grep -q '\"reason\":\"bye\"'" || t_fail "B did not see the UI leave"
grep -l -e 'runtime error' -e 'Sanitizer' "$T_TMP/ui.err" && t_fail "sanitizer: $(cat "$T_TMP/ui.err")"
echo "quit: /quit exit 0, B saw bye"
echo "summary: terminal UI checks passed in $((SECONDS - t0)) s"
exit 0
