#!/usr/bin/env bash
# contrib/demo.sh — see gonet work, on one machine, behind two real NATs.
#
#   internet (a network namespace: nothing leaves the machine)
#     ├─ dht1 dht2 dht3   dhtnode        ├─ stun  coturn
#     ├─ alice's home: port-restricted NAT (prc) ── alice: gonet
#     └─ bob's home:   full-cone NAT (cone)      ── bob:   gonet
#
# Builds the NAT lab of tests/lab/lab.sh, then starts gonet's terminal UI
# for alice and bob side by side in tmux (two panes, one room): you watch
# them find each other on the DHT, punch through both NATs and connect,
# then type in either pane (C-b o switches panes; /who, /nick, /quit).
# Quitting both gonets, or detaching (C-b d), ends the demo; the lab is torn
# down on any exit (trap), and nothing outlives DEMO_LIMIT seconds (3600).
#
#   contrib/demo.sh [--no-attach] [--room ROOM] [--socket NAME] [--build DIR]
#
#   --no-attach   start, print how to attach, and wait until the tmux session
#                 ends (or SIGINT/SIGTERM)
#   --room ROOM   the room string (default: demo/<random>/key)
#   --socket NAME tmux server socket name, tmux -L NAME (default gonet-demo)
#   --build DIR   build directory with gonet and tests/lab/{reflector,natcheck}
#                 (default: $top_builddir, else the source tree); missing lab
#                 tools are built there with make
# Needs root (network namespaces), tmux, dhtnode, coturn, nftables,
# iptables, conntrack.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
attach=1 room="demo/$RANDOM$RANDOM/key" sock=gonet-demo build=${top_builddir:-$src}
while [ $# -gt 0 ]; do
	case $1 in
	--no-attach) attach=0 ;;
	--room) room=${2:?--room needs a value}; shift ;;
	--socket) sock=${2:?--socket needs a value}; shift ;;
	--build) build=${2:?--build needs a value}; shift ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
build=$(cd "$build" && pwd) || exit 2
export top_srcdir=$src top_builddir=$build
LAB_LIMIT=${DEMO_LIMIT:-3600}
. "$src/tests/lib.sh"
t_need_root
t_need_cmd tmux
. "$src/tests/lab/lab.sh"

say() { echo "demo: $*"; }
[ -x "$build/gonet" ] || t_fail "no $build/gonet: build first (contrib/setup.sh build), or give --build DIR"
if [ ! -x "$LAB_BIN/reflector" ] || [ ! -x "$LAB_BIN/natcheck" ]; then
	say "building the lab tools in $build"
	make -C "$build" tests/lab/reflector tests/lab/natcheck >/dev/null || t_fail "cannot build the lab tools"
fi
tmux -L "$sock" has-session 2>/dev/null && t_fail "a tmux server on socket '$sock' is already running (another demo?): tmux -L $sock kill-server"

say "building the lab: internet, 3 DHT nodes, STUN, two NATed homes"
lab_init || t_fail "lab_init"
lab_site alice prc || t_fail "lab_site alice"
lab_site bob cone || t_fail "lab_site bob"
for s in "alice prc" "bob cone"; do lab_check_site $s || t_fail "site $s does not behave as named"; done

# pane NAME TYPE: the command line for one pane: gonet's terminal UI in NAME's host.
pane() {
	local name=$1 type=$2 ns d=$T_TMP/$1
	ns=$(lab_host "$name")
	mkdir -p "$d/config" "$d/cache"
	cat >"$T_TMP/$name.sh" <<-EOS
	printf '\\033]2;%s\\007' '$name ($type NAT)'
	echo "== $name: host ${LAB_IP[$ns]} behind a $type NAT, public ${LAB_PUBIP[$name]}; room '$room'"
	echo "== type a line and Enter to chat; /who, /nick NEW, /quit; C-b o: other pane; C-b d: end the demo"
	ip netns exec '$ns' env HOME='$d' XDG_CONFIG_HOME='$d/config' XDG_CACHE_HOME='$d/cache' \\
		GONET_BOOTSTRAP= timeout --foreground -k 2 $LAB_LIMIT '$build/gonet' --nick $name \\
		--no-lan-discovery --bootstrap $LAB_DHT --stun $LAB_STUN '$room' 2>'$T_TMP/$name.err'
	echo "== gonet exited (\$?); this pane closes in 3 s"; sleep 3
	EOS
	echo "bash '$T_TMP/$name.sh'"
}
t_on_exit "tmux -L '$sock' kill-server"
tmux -L "$sock" -f /dev/null new-session -d -s demo -x 200 -y 50 "$(pane alice prc)" || t_fail "tmux new-session"
tmux -L "$sock" set -g pane-border-status top \; set -g pane-border-format ' #{pane_title} ' \; \
	set -g status-left '[gonet demo] ' \; set -g status-right 'C-b o: switch pane  C-b d: end demo ' >/dev/null
tmux -L "$sock" split-window -h -t demo "$(pane bob cone)" || t_fail "tmux split-window"
tmux -L "$sock" select-pane -t demo:0.0

if [ "$attach" -eq 1 ]; then
	tmux -L "$sock" attach -t demo
	say "tmux ended: tearing the lab down"
else
	say "running; attach with:  tmux -L $sock attach -t demo"
	say "ends when the tmux session does (both gonets quit, or tmux -L $sock kill-server), or on SIGINT/SIGTERM"
	while tmux -L "$sock" has-session -t demo 2>/dev/null; do sleep 1; done
	say "tmux session gone: tearing the lab down"
fi
exit 0
