#!/usr/bin/env bash
# tests/lab/test_nat_rebind.sh — a live session survives its NAT forgetting it.
#
#   internet ── dht1 dht2 dht3, stun
#     ├─ A prc ── hA1        scenario 1: A <-> B; `conntrack -F` on A's router,
#     ├─ B prc ── hB1                    then on both routers at once
#     ├─ C prc ── hC1        scenario 2: C <-> D; flush C's router and take C's
#     └─ D cone ── hD1                   old public port toward D, so C's
#                                        packets come back from a new port
#                                        (a real NAT rebinding; D must roam)
#
# In each scenario both peers write 3 lines right after the flush (during the
# outage: until a peer sends again, its router drops what the other sends);
# in flushA-oneway only B writes, so only A's own timers (keepalive) can
# reopen A's NAT. Every line written before and during the outage must
# arrive, in order, within REBIND_S (30) seconds of the flush. Root, and a gonet with the
# session, else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"

[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
"$LAB_GONET" --help 2>&1 | grep -q -- '--stun' || t_fail "$LAB_GONET has no --stun"
REBIND_S=${REBIND_S:-30}
# One way, only A's own timers can reopen its NAT: its persistent keepalive
# (25 s) fires at most 25 s after the flush; when it reaches B after the
# silence, B resends its pending lines at once (PEER_RX_GAP_MS) instead of
# waiting out a backed-off retransmission timer: within 30 s too.
REBIND_ONEWAY_S=${REBIND_ONEWAY_S:-$REBIND_S}
LAB_GONET_LIMIT=300

lab_init || t_fail "lab_init"
for s in "A prc" "B prc" "C prc" "D cone"; do
	lab_site $s || t_fail "lab_site $s"
	lab_check_site $s || t_fail "site $s does not behave as named"
done

# count NAME PATTERN: message events in NAME's log whose text matches PATTERN.
count() { grep '"event":"message"' "$T_TMP/$1.log" | grep -c "$2"; }

# connect X Y: start both, wait for path-up on both and one message each way.
connect() {
	local x=$1 y=$2 room="lab/$T_ID/rebind/$1$2/$RANDOM$RANDOM"
	lab_gonet "$(lab_host "$x")" "$x" "$room" 203.0.113.11:4222
	lab_gonet "$(lab_host "$y")" "$y" "$room" "203.0.113.1$LAB_DHT_N:4222"
	t_wait_for 30 lab_event "$x" path-up || t_fail "$x: no path-up: $(tail -5 "$T_TMP/$x.log" "$T_TMP/$x.err")"
	t_wait_for 10 lab_event "$y" path-up || t_fail "$y: no path-up: $(tail -5 "$T_TMP/$y.log" "$T_TMP/$y.err")"
	lab_say "$x" "hello from $x"
	lab_say "$y" "hello from $y"
	t_wait_for 10 count "$y" "hello from $x" || t_fail "$y never got $x's hello"
	t_wait_for 10 count "$x" "hello from $y" || t_fail "$x never got $y's hello"
	echo "$x-$y: up ($(lab_event "$x" path-up))"
}

# outage TAG X Y [oneway]: both (or, with oneway, only Y) write 3 lines now;
# every line must arrive, in order, within REBIND_S (REBIND_ONEWAY_S).
outage() {
	local tag=$1 x=$2 y=$3 oneway=${4:-} t0 n dt got want_x=3 limit=$REBIND_S
	t0=$(lab_ms)
	[ -n "$oneway" ] && want_x=0 limit=$REBIND_ONEWAY_S
	for n in 1 2 3; do
		[ -z "$oneway" ] && lab_say "$x" "$tag $n from $x"
		lab_say "$y" "$tag $n from $y"
	done
	if ! t_wait_for "$limit" sh -c "[ \$(grep '\"event\":\"message\"' '$T_TMP/$y.log' | grep -c '$tag [0-9] from $x') -ge $want_x ] &&
		[ \$(grep '\"event\":\"message\"' '$T_TMP/$x.log' | grep -c '$tag [0-9] from $y') -ge 3 ]"; then
		t_log "$x:"; tail -n 20 "$T_TMP/$x.log" >&2
		t_log "$y:"; tail -n 20 "$T_TMP/$y.log" >&2
		t_fail "$tag: lines lost or late: $y got $(count "$y" "$tag [0-9] from $x")/$want_x, $x got $(count "$x" "$tag [0-9] from $y")/3 in $limit s"
	fi
	dt=$(($(lab_ms) - t0))
	if [ -z "$oneway" ]; then
		got=$(grep '"event":"message"' "$T_TMP/$y.log" | grep -o "$tag [0-9] from $x" | tr '\n' ,)
		[ "$got" = "$tag 1 from $x,$tag 2 from $x,$tag 3 from $x," ] || t_fail "$tag: order at $y: $got"
	fi
	got=$(grep '"event":"message"' "$T_TMP/$x.log" | grep -o "$tag [0-9] from $y" | tr '\n' ,)
	[ "$got" = "$tag 1 from $y,$tag 2 from $y,$tag 3 from $y," ] || t_fail "$tag: order at $x: $got"
	grep -h '"event":"undelivered"' "$T_TMP/$x.log" "$T_TMP/$y.log" && t_fail "$tag: a line was reported undelivered"
	echo "$tag: all $((3 + want_x)) lines delivered in order, $dt ms after the flush"
}

# --- scenario 1: A <-> B, conntrack flushed -------------------------------------
connect A B
lab_conntrack_flush A
outage flushA A B
# Only B writes: its packets die at A's router until A sends again (a
# keepalive at the latest), and must then arrive.
lab_conntrack_flush A
outage flushA-oneway A B oneway
lab_conntrack_flush A
lab_conntrack_flush B
outage flushAB A B

# --- scenario 2: C <-> D, C's public port changes --------------------------------
connect C D
rC=${LAB_ROUTERS[C]}
# C's data flow toward D's public address: "... sport=P dport=Q ... dport=MAPPED"
ct=$(lab_exec "$rC" conntrack -L -p udp --orig-src "${LAB_IP[$(lab_host C)]}" --orig-dst "${LAB_PUBIP[D]}" 2>/dev/null | head -1)
dport=$(echo "$ct" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^dport=/) d = $i } END { sub("dport=", "", d); print d }')
oport=$(echo "$ct" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^dport=/) { print substr($i, 7); exit } }')
[ -n "$dport" ] && [ -n "$oport" ] || t_fail "no conntrack entry C -> D: $ct"
# C's packets are held off at the router (dropped before conntrack) from the
# flush until its old port is taken: under load one of them could otherwise
# get there first and be given the old port back.
lab_exec "$rC" nft -f - <<EOF || t_fail "could not hold C's packets"
table ip rebindhold {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip saddr ${LAB_IP[$(lab_host C)]} drop
	}
}
EOF
lab_conntrack_flush C
# The router itself now talks from C's old public port to D: C's next packet
# to D cannot have that port back and is mapped to a new one.
lab_exec "$rC" "$LAB_BIN/natcheck" send --bind "${LAB_PUBIP[C]}:$dport" --to "${LAB_PUBIP[D]}:$oport" --count 1 ||
	t_fail "could not take C's old port $dport"
lab_exec "$rC" nft delete table ip rebindhold || t_fail "could not let C's packets through again"
outage rebindC C D
ct2=$(lab_exec "$rC" conntrack -L -p udp --orig-src "${LAB_IP[$(lab_host C)]}" --orig-dst "${LAB_PUBIP[D]}" 2>/dev/null | head -1)
new=$(echo "$ct2" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^dport=/) d = $i } END { sub("dport=", "", d); print d }')
echo "rebindC: C's public port toward D moved $dport -> ${new:-?}"
[ -n "$new" ] && [ "$new" != "$dport" ] || t_fail "the NAT did not move C's port (was $dport, now ${new:-none})"
for p in A B C D; do lab_stop "$p"; done
echo "ok: sessions survived conntrack flushes and a NAT rebinding"
