#!/usr/bin/env bash
# tests/e2e/test_config.sh — the configuration file, through the real binary:
#
#   1. precedence, read back with --print-config: the command line beats the
#      environment, which beats the file, which beats the defaults; a list
#      on the command line replaces the file's; --no-config and --config;
#   2. refusals, each with its reason and exit 2: TURN credentials readable
#      by group or others, a file writable by them, an unknown key (with its
#      line), a key given twice; the same file without credentials at 0644
#      is accepted; --batch also says it as JSON on stdout;
#   3. TURN credentials from the file: a gonet --batch allocates on a real
#      coturn (127.0.0.1, long-term credentials) with no password in its
#      argv (/proc/PID/cmdline) or its output; a wrong password in the file
#      fails with 401 (unauthorized). SKIP part 3 without turnserver.
# No root needed.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_cmd timeout
G=$T_BUILD/gonet
[ -x "$G" ] || t_fail "no $G"

H=$T_TMP/home
mkdir -p "$H/config/gonet" "$H/cache"
CFG=$H/config/gonet/config
g() { env HOME="$H" XDG_CONFIG_HOME="$H/config" XDG_CACHE_HOME="$H/cache" USER=envuser \
	GONET_BOOTSTRAP= timeout -k 2 30 "$G" "$@"; }
# key FILE KEY: the values of KEY in a --print-config output, comma separated.
key() { sed -n "s/^$2 = //p" "$1" | paste -sd, -; }

# --- 1. precedence ----------------------------------------------------------------
cat >"$CFG" <<'EOF'
# a comment
nick = filenick
bootstrap = 127.0.0.1:4301
bootstrap = 127.0.0.1:4302
stun = 127.0.0.1:3479
port = 41641
dht-port = 4222
dht-proxy = https://proxy.example.org:8080
download-dir = ~/in
dht-hybrid = yes
EOF
chmod 600 "$CFG"
g --print-config >"$T_TMP/p1" || t_fail "--print-config failed: $(cat "$T_TMP/p1")"
[ "$(key "$T_TMP/p1" nick)" = filenick ] || t_fail "nick not from the file: $(cat "$T_TMP/p1")"
[ "$(key "$T_TMP/p1" bootstrap)" = "127.0.0.1:4301,127.0.0.1:4302" ] || t_fail "bootstrap not from the file"
[ "$(key "$T_TMP/p1" stun)" = "127.0.0.1:3479" ] || t_fail "stun not from the file"
[ "$(key "$T_TMP/p1" port)" = 41641 ] && [ "$(key "$T_TMP/p1" dht-port)" = 4222 ] || t_fail "ports not from the file"
[ "$(key "$T_TMP/p1" dht-proxy)" = "https://proxy.example.org:8080" ] || t_fail "dht-proxy not carried"
[ "$(key "$T_TMP/p1" dht-hybrid)" = yes ] || t_fail "dht-hybrid not carried"
grep -q "^# .*Config file: $CFG" "$T_TMP/p1" || t_fail "--print-config does not name the file"
[ "$(key "$T_TMP/p1" download-dir)" = "$H/in" ] || t_fail "download-dir not from the file, ~ expanded: $(key "$T_TMP/p1" download-dir)"

g --print-config --nick cli --port 5 --stun 127.0.0.1:9 --stun 127.0.0.1:10 >"$T_TMP/p2" || t_fail "p2"
[ "$(key "$T_TMP/p2" nick)" = cli ] && [ "$(key "$T_TMP/p2" port)" = 5 ] ||
	t_fail "the command line did not win: $(cat "$T_TMP/p2")"
[ "$(key "$T_TMP/p2" stun)" = "127.0.0.1:9,127.0.0.1:10" ] || t_fail "--stun did not replace the file's list"
[ "$(key "$T_TMP/p2" dht-port)" = 4222 ] || t_fail "an option given changed another setting"
g --print-config --download-dir /srv/x >"$T_TMP/p2c" && [ "$(key "$T_TMP/p2c" download-dir)" = /srv/x ] ||
	t_fail "--download-dir did not beat the file"
g --print-config --no-stun >"$T_TMP/p2b" && [ "$(key "$T_TMP/p2b" stun)" = none ] || t_fail "--no-stun"

GONET_BOOTSTRAP_VAL=127.0.0.1:4309
env HOME="$H" XDG_CONFIG_HOME="$H/config" USER=envuser GONET_BOOTSTRAP=$GONET_BOOTSTRAP_VAL \
	"$G" --print-config >"$T_TMP/p3" || t_fail "p3"
[ "$(key "$T_TMP/p3" bootstrap)" = "$GONET_BOOTSTRAP_VAL" ] || t_fail "GONET_BOOTSTRAP did not beat the file"
g --print-config --bootstrap 127.0.0.1:4310 >"$T_TMP/p4" || t_fail "p4"
[ "$(key "$T_TMP/p4" bootstrap)" = 127.0.0.1:4310 ] || t_fail "--bootstrap did not beat the file"

g --print-config --no-config >"$T_TMP/p5" || t_fail "p5"
[ -z "$(key "$T_TMP/p5" dht-hybrid)" ] || t_fail "--no-config still hybrid"
g --print-config --no-config --dht-hybrid >"$T_TMP/p5h" 2>&1; st=$?
[ "$st" -eq 2 ] && grep -q "needs a proxy" "$T_TMP/p5h" ||
	t_fail "--dht-hybrid without a proxy: exit $st, $(cat "$T_TMP/p5h")"
[ "$(key "$T_TMP/p5" nick)" = envuser ] && [ "$(key "$T_TMP/p5" port)" = 0 ] &&
	[ "$(key "$T_TMP/p5" bootstrap)" = bootstrap.jami.net:4222 ] || t_fail "--no-config: $(cat "$T_TMP/p5")"
printf 'nick = other\n' >"$T_TMP/other.conf"
chmod 600 "$T_TMP/other.conf"
g --print-config --config "$T_TMP/other.conf" >"$T_TMP/p6" && [ "$(key "$T_TMP/p6" nick)" = other ] ||
	t_fail "--config FILE"
g --print-config --config "$T_TMP/missing.conf" >/dev/null 2>"$T_TMP/e6"; st=$?
[ $st -eq 2 ] && grep -q "cannot open the config file" "$T_TMP/e6" || t_fail "--config of a missing file: $st"
echo "1: precedence: command line > environment > $CFG > defaults; lists replaced whole"

# --- 2. refusals -----------------------------------------------------------------------
refused() {	# refused WANT [OPTION...]: exit 2 and WANT on stderr
	local want=$1 st
	shift
	g "$@" --print-config >"$T_TMP/r.out" 2>"$T_TMP/r.err"; st=$?
	[ $st -eq 2 ] || t_fail "exit $st, want 2 ($want)"
	grep -qF -- "$want" "$T_TMP/r.err" || t_fail "stderr lacks \"$want\": $(cat "$T_TMP/r.err")"
	[ ! -s "$T_TMP/r.out" ] || t_fail "refused, yet printed: $(cat "$T_TMP/r.out")"
}
printf 'nick = n\nturn = turn:gonet:s3cret@127.0.0.1:3478\n' >"$CFG"
chmod 640 "$CFG"
refused "holds TURN credentials and group or others can read it: refused (chmod 600 $CFG)"
chmod 604 "$CFG"
refused "holds TURN credentials"
chmod 600 "$CFG"
g --print-config >"$T_TMP/r1" || t_fail "0600 with credentials refused"
grep -q 's3cret' "$T_TMP/r1" && t_fail "--print-config shows the TURN password"
grep -qx 'turn = turn:gonet:\*\*\*\*\*\*\*\*@127.0.0.1:3478' "$T_TMP/r1" || t_fail "TURN line: $(grep turn "$T_TMP/r1")"
printf 'nick = n\n' >"$CFG"
chmod 644 "$CFG"
g --print-config >/dev/null || t_fail "0644 without credentials refused"
chmod 664 "$CFG"
refused "writable by group or others"
chmod 600 "$CFG"
printf 'nick = n\n\nnick_name = x\n' >"$CFG"
refused "$CFG:3: unknown key \"nick_name\""
printf 'port = 1\nport = 2\n' >"$CFG"
refused "$CFG:2: port given twice (first on line 1)"
printf 'stun = a b\n' >"$CFG"
refused "$CFG:1: stun: want HOST[:PORT]"
# --batch: the same refusal, as JSON on stdout too.
g --batch x </dev/null >"$T_TMP/r.json" 2>/dev/null; st=$?
[ $st -eq 2 ] && grep -q '^{"event":"error","what":"config","text":".*stun: want HOST' "$T_TMP/r.json" ||
	t_fail "--batch config error not JSON on stdout: $(cat "$T_TMP/r.json")"
echo "2: refused with the reason: credentials readable by others, group/other-writable, unknown key and duplicate (with line numbers); JSON in --batch"

# --- 3. TURN credentials from the file, on a real coturn ---------------------------------------------
command -v turnserver >/dev/null 2>&1 || { echo "3: SKIP (no turnserver)"; exit 0; }
udp_bound() { grep -qi " 0100007F:$(printf '%04X' "$1") " /proc/net/udp; }
ok=
for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	udp_bound "$port" && continue
	t_bg turnserver timeout -k 5 60 turnserver -n \
		--listening-ip=127.0.0.1 --listening-port="$port" --relay-ip=127.0.0.1 \
		--min-port=$((port + 1)) --max-port=$((port + 200)) \
		--no-tls --no-dtls --no-tcp --no-cli --simple-log \
		--log-file=stdout --pidfile="$T_TMP/turnserver.pid" --userdb="$T_TMP/turndb" \
		--lt-cred-mech --user=gonet:s3cret --realm=gonet.test \
		--allow-loopback-peers --allowed-peer-ip=127.0.0.1
	pid=$T_PID
	if t_wait_for 5 udp_bound "$port" && sleep 0.2 && kill -0 "$pid" 2>/dev/null; then ok=1; break; fi
	kill "$pid" 2>/dev/null || true
done
[ -n "$ok" ] || t_fail "turnserver would not start"

# run_turn NAME PASSWORD: a gonet --batch whose only TURN server is in its config file.
run_turn() {
	printf 'turn = turn:gonet:%s@127.0.0.1:%s\nstun = none\nbootstrap = none\n' "$2" "$port" >"$CFG"
	chmod 600 "$CFG"
	env HOME="$H" XDG_CONFIG_HOME="$H/config" XDG_CACHE_HOME="$H/cache" GONET_BOOTSTRAP= \
		timeout -k 2 30 "$G" --batch --no-lan-discovery --linger 5 --nick "$1" \
		config/turn/room </dev/null >"$T_TMP/$1.log" 2>"$T_TMP/$1.err" &
	TPID=$!
	t_on_exit "kill -TERM $TPID"
}
run_turn good s3cret
t_wait_for 10 grep -q '"what":"turn".*relays for us' "$T_TMP/good.log" ||
	t_fail "no TURN allocation with the file's credentials: $(grep -e turn -e error "$T_TMP/good.log")"
gpid=$(pgrep -P "$TPID" | head -1)
[ -n "$gpid" ] && ! tr '\0' ' ' <"/proc/$gpid/cmdline" | grep -q s3cret || t_fail "the password is in argv"
# It ends by itself (--linger): no signal in the middle of OpenDHT's start-up.
wait "$TPID" 2>/dev/null
grep -q s3cret "$T_TMP/good.log" "$T_TMP/good.err" && t_fail "the password was printed"
run_turn bad wrong
t_wait_for 10 grep -q '"event":"error".*TURN server .*unauthorized' "$T_TMP/bad.log" ||
	t_fail "a wrong password from the file did not fail as unauthorized: $(grep -e turn -e error "$T_TMP/bad.log")"
wait "$TPID" 2>/dev/null
echo "3: TURN credentials from the file: allocated on coturn, the password in neither argv nor output; a wrong one: 401"
exit 0
