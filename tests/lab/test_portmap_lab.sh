#!/usr/bin/env bash
# tests/lab/test_portmap_lab.sh — port mapping against a real miniupnpd, and
# a gateway that ignores it.
#
#   internet ── dht1..3, stun (coturn), refl
#      ├─ G sym upnp ── hG1    symmetric NAT, miniupnpd (PCP, NAT-PMP, UPnP IGD)
#      ├─ D sym      ── hD1    symmetric NAT, no mapping gateway
#      ├─ S prc      ── hS1    port-restricted, its router drops port 5351 (silent)
#      └─ I sym igd  ── hI1    symmetric NAT, miniupnpd with UPnP IGD only
#
# 1. gonet in G gets a mapping (status "portmap"), the DNAT rule is on the
#    gateway for the data port, the record carries a "mapped" candidate; when
#    gonet quits, the rule is gone from the gateway.
# 2. gonet in S: the silent gateway costs nothing visible: no error event,
#    nothing on stderr, no "portmap" status; the time to the first publish is
#    printed beside a run with --no-port-mapping.
# 3. G (sym + mapping) with D (sym): a direct path, made through the mapping
#    (strategy "portmap" on D's side), 3 lines each way; no DHT mailbox.
# 4. gonet in I: PCP and NAT-PMP get nothing, UPnP IGD (miniupnpc, on a
#    worker thread) maps the data port: status "portmap" naming UPnP IGD,
#    the DNAT rule on the gateway; when gonet quits, the rule is gone.
# Root, else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"
t_need_cmd miniupnpd
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"

lab_init || t_fail "lab_init"
lab_site G sym upnp || t_fail "lab_site G"
lab_site D sym || t_fail "lab_site D"
lab_site S prc || t_fail "lab_site S"
lab_site I sym igd || t_fail "lab_site I"
for s in "G sym" "D sym" "S prc" "I sym"; do
	lab_check_site $s || t_fail "site $s does not behave as named"
done
# S's gateway ignores PCP and NAT-PMP: no answer, not even an ICMP error.
lab_exec "${LAB_ROUTERS[S]}" nft add rule ip lab guard iifname lan udp dport 5351 drop ||
	t_fail "silencing S's gateway"
hG=$(lab_host G) hD=$(lab_host D) hS=$(lab_host S) hI=$(lab_host I)
BOOTS=()
for n in $LAB_DHT_ALL; do BOOTS+=(--bootstrap "$n"); done

# wait_event NAME EVENT [WHAT] SECONDS: the first such line of NAME's log.
wait_event() {
	local name=$1 ev=$2 what=${3:-} secs=$4 pat
	pat=${what:+\"what\":\"$what\"}
	t_wait_for "$secs" sh -c "grep '\"event\":\"$ev\"' '$T_TMP/$name.log' | grep -q '$pat'" &&
		grep "\"event\":\"$ev\"" "$T_TMP/$name.log" | grep "$pat" | head -1
}

# --- 1. a mapping, and its removal ------------------------------------------------
lab_gonet "$hG" g1 "lab/$T_ID/pm1" "$LAB_DHT" "${BOOTS[@]}"
ev=$(wait_event g1 status portmap 10) || t_fail "no mapping from miniupnpd: $(cat "$T_TMP/g1.log" "$T_TMP/g1.err" | tail -20)"
echo "G: $(lab_field "$ev" text)"
port=$(lab_field "$ev" text | sed -n 's/.*forwards [0-9.]*:\([0-9]*\) .*/\1/p')
[ -n "$port" ] || t_fail "no port in: $ev"
lab_upnp_rules G | grep -q "dport $port dnat ip to ${LAB_IP[$hG]}:" ||
	t_fail "no DNAT rule for $port on G's gateway: $(lab_upnp_rules G)"
t_wait_for 10 sh -c "grep '\"what\":\"candidates\"' '$T_TMP/g1.log' | grep -q 'mapped ${LAB_PUBIP[G]}:$port'" ||
	t_fail "the mapped candidate was not published: $(grep candidates "$T_TMP/g1.log")"
echo "G: rule on the gateway: $(lab_upnp_rules G)"
lab_stop g1
t_wait_for 5 sh -c "! kill -0 ${LAB_GPID[g1]} 2>/dev/null" || t_fail "gonet in G did not quit"
t_wait_for 3 sh -c "[ -z \"\$(ip netns exec ${LAB_ROUTERS[G]} nft list chain inet labupnp prerouting_miniupnpd | grep dnat)\" ]" ||
	t_fail "the mapping outlived gonet: $(lab_upnp_rules G)"
echo "G: mapping removed from the gateway on exit"

# --- 2. a silent gateway ---------------------------------------------------------
for run in with without; do
	extra=()
	[ $run = without ] && extra=(--no-port-mapping)
	t0=$(lab_ms)
	lab_gonet "$hS" "s-$run" "lab/$T_ID/pm2$run" "$LAB_DHT" "${BOOTS[@]}" "${extra[@]}"
	wait_event "s-$run" status published 20 >/dev/null || t_fail "S ($run mapping) never published"
	eval "pub_$run=$(($(lab_ms) - t0))"
	sleep 1				# past the 500 ms the client may spend on a silent gateway
	lab_stop "s-$run"
	t_wait_for 5 sh -c "! kill -0 ${LAB_GPID[s-$run]} 2>/dev/null"
done
grep -q '"event":"error"' "$T_TMP/s-with.log" && t_fail "an error with a silent gateway: $(grep '"event":"error"' "$T_TMP/s-with.log")"
grep -q '"what":"portmap"' "$T_TMP/s-with.log" && t_fail "a portmap status with a silent gateway"
[ -s "$T_TMP/s-with.err" ] && grep -v '^$' "$T_TMP/s-with.err" | grep -qv 'exit\|statistics' &&
	t_fail "stderr with a silent gateway: $(cat "$T_TMP/s-with.err")"
echo "S: silent gateway: first publish after $pub_with ms with port mapping, $pub_without ms without; nothing said"

# --- 3. symmetric with a mapping gateway <-> symmetric ---------------------------
room="lab/$T_ID/pm3"
t0=$(lab_ms)
lab_gonet "$hG" g3 "$room" "$LAB_DHT" "${BOOTS[@]}" --no-dht-fallback
lab_gonet "$hD" d3 "$room" "$LAB_DHT" "${BOOTS[@]}" --no-dht-fallback
why3() {	# what each side saw, for a failure
	local n
	for n in g3 d3; do
		echo "--- $n"
		grep -v '"what":"reject"' "$T_TMP/$n.log" | grep -v '"event":"info","what":"dht"' | tail -15
		tail -5 "$T_TMP/$n.err"
	done
}
upG=$(wait_event g3 path-up "" 30) || t_fail "G: no path to D: $(why3)"
upD=$(wait_event d3 path-up "" 30) || t_fail "D: no path to G: $(why3)"
up_ms=$(($(lab_ms) - t0))
for n in 1 2 3; do lab_say g3 "g says $n"; lab_say d3 "d says $n"; done
t_wait_for 15 sh -c "[ \$(grep -c 'g says' '$T_TMP/d3.log') -ge 3 ] && [ \$(grep -c 'd says' '$T_TMP/g3.log') -ge 3 ]" ||
	t_fail "lines lost: G got $(grep -c 'd says' "$T_TMP/g3.log"), D got $(grep -c 'g says' "$T_TMP/d3.log")"
echo "G-D: G path $(lab_field "$upG" path) $(lab_field "$upG" endpoint) by $(lab_field "$upG" strategy);" \
	"D path $(lab_field "$upD" path) $(lab_field "$upD" endpoint) by $(lab_field "$upD" strategy); both up within $up_ms ms"
[ "$(lab_field "$upD" path)" = direct ] && [ "$(lab_field "$upG" path)" = direct ] ||
	t_fail "sym with a mapping gateway and sym: not direct"
[ "$(lab_field "$upD" strategy)" = portmap ] || [ "$(lab_field "$upD" endpoint)" = "${LAB_PUBIP[G]}:$port" ] ||
	echo "note: D's path did not go to the mapped address"
lab_stop g3
lab_stop d3

# --- 4. UPnP IGD alone: the third way ------------------------------------------------
t0=$(lab_ms)
lab_gonet "$hI" i4 "lab/$T_ID/pm4" "$LAB_DHT" "${BOOTS[@]}"
ev=$(wait_event i4 status portmap 10) || t_fail "no mapping from the IGD-only gateway: $(cat "$T_TMP/i4.log" "$T_TMP/i4.err" | tail -20)"
echo "I: $(lab_field "$ev" text), $(($(lab_ms) - t0)) ms after start"
case $(lab_field "$ev" text) in *"UPnP IGD"*) ;; *) t_fail "I: not by UPnP IGD: $ev" ;; esac
port=$(lab_field "$ev" text | sed -n 's/.*forwards [0-9.]*:\([0-9]*\) .*/\1/p')
lab_upnp_rules I | grep -q "dport $port dnat ip to ${LAB_IP[$hI]}:" ||
	t_fail "no DNAT rule for $port on I's gateway: $(lab_upnp_rules I)"
t_wait_for 10 sh -c "grep '\"what\":\"candidates\"' '$T_TMP/i4.log' | grep -q 'mapped ${LAB_PUBIP[I]}:$port'" ||
	t_fail "the UPnP mapping was not published: $(grep candidates "$T_TMP/i4.log")"
echo "I: rule on the gateway: $(lab_upnp_rules I)"
lab_stop i4
t_wait_for 5 sh -c "! kill -0 ${LAB_GPID[i4]} 2>/dev/null" || t_fail "gonet in I did not quit"
t_wait_for 3 sh -c "[ -z \"\$(ip netns exec ${LAB_ROUTERS[I]} nft list chain inet labupnp prerouting_miniupnpd | grep dnat)\" ]" ||
	t_fail "the UPnP mapping outlived gonet: $(lab_upnp_rules I)"
echo "I: UPnP IGD mapping removed from the gateway on exit"
echo "ok: port mapping works (PCP/NAT-PMP, and UPnP IGD alone), is removed on exit, and costs nothing where the gateway is silent"
