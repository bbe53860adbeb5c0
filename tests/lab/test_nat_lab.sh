#!/usr/bin/env bash
# tests/lab/test_nat_lab.sh — the NAT lab itself (tests/lab/lab.sh), before any
# gonet runs in it.
#
#   internet (bridge, no default route)
#     ├─ dht1 dht2 dht3     dhtnode -s on 203.0.113.11-13:4222
#     ├─ stun               coturn, 203.0.113.20/.21:3478 (RFC 5780)
#     ├─ refl               reflector, 203.0.113.30:7000 / .31:7001
#     ├─ A none             host 198.51.100.11
#     ├─ B cone ── hB1      full cone (masquerade + DNAT map)
#     ├─ C prc  ── hC1      port-restricted cone (masquerade)
#     ├─ D sym  ── hD1      symmetric (masquerade fully-random)
#     ├─ E double: cgn ── home ── hE1
#     ├─ F samenat ── hF1, hF2
#     ├─ G sym upnp ── hG1  symmetric, miniupnpd (UPnP IGD, NAT-PMP, PCP)
#     ├─ H prc v6  ── hH1   port-restricted + global IPv6 behind a stateful firewall
#     └─ I sym v6  ── hI1   symmetric + global IPv6 behind a stateful firewall
#
# Checks: every site's mapping and filtering as named (tests/lab/natcheck
# against the reflector), IPv6 off where the site has no v6 flag, the IPv6
# firewalls stateful, miniupnpd mapping, letting in and deleting, and `gonet --nat-check` (RFC 5780 against coturn)
# reporting the same; the DHT nodes answer and coturn answers STUN from
# inside a NATed host; 40 ms each way on C's access link gives an echo RTT
# of at least 80 ms; 20% loss each way on A's link loses about 36% of 200
# echo round trips (accepted: 15-55%); the internet namespace has no default
# route; the host's own namespace gained no interface. Root, else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"

host_links_before=$(ip -o link show | awk -F': ' '{print $2}' | sort)
start=$SECONDS

lab_init || t_fail "lab_init"
SITES=("A none" "B cone" "C prc" "D sym" "E double" "F samenat" "G sym upnp" "H prc v6" "I sym v6")
for s in "${SITES[@]}"; do
	lab_site $s || t_fail "lab_site $s"
done
t_log "lab up in $((SECONDS - start)) s"

# --- every NAT as named (the sites are independent: measure in parallel) ----
pids=()
for s in "${SITES[@]}"; do
	set -- $s
	lab_check_site "$1" "$2" >"$T_TMP/check-$1.out" 2>"$T_TMP/check-$1.err" &
	pids+=($!)
done
bad=0
for i in "${!pids[@]}"; do wait "${pids[$i]}" || bad=1; done
cat "$T_TMP"/check-*.out
[ "$bad" -eq 0 ] || { cat "$T_TMP"/check-*.err >&2; t_fail "a site does not behave as named"; }

# --- gonet --nat-check agrees (RFC 5780 against coturn) ---------------------------
# What gonet reports must match what the lab's own checker measured above.
if [ -x "$T_BUILD/gonet" ]; then
	declare -A want=(
		[A]="none endpoint-independent none (public address)"
		[B]="endpoint-independent endpoint-independent full cone"
		[C]="endpoint-independent address-and-port-dependent port-restricted cone"
		[D]="address-and-port-dependent address-and-port-dependent symmetric"
		[E]="endpoint-independent address-and-port-dependent port-restricted cone"
		[F]="endpoint-independent address-and-port-dependent port-restricted cone"
		[G]="address-and-port-dependent address-and-port-dependent symmetric"
		[H]="endpoint-independent address-and-port-dependent port-restricted cone"
		[I]="address-and-port-dependent address-and-port-dependent symmetric"
	)
	pids=()
	for site in A B C D E F G H I; do
		lab_exec "$(lab_host $site)" timeout -k 2 40 "$T_BUILD/gonet" --nat-check --json \
			--stun "$LAB_STUN" >"$T_TMP/nc-$site.json" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do wait "${pids[$i]}" || true; done
	for site in A B C D E F G H I; do
		j=$(cat "$T_TMP/nc-$site.json")
		got="$(echo "$j" | sed -n 's/.*"mapping":"\([^"]*\)".*/\1/p') $(echo "$j" |
			sed -n 's/.*"filtering":"\([^"]*\)".*/\1/p') $(echo "$j" |
			sed -n 's/.*"nat_type":"\([^"]*\)".*/\1/p')"
		[ "$got" = "${want[$site]}" ] || t_fail "gonet --nat-check on $site: got \"$got\", want \"${want[$site]}\": $j"
		# The class gonet publishes: open, endpoint-independent, or (fully-random) random.
		cls=$(echo "$j" | sed -n 's/.*"nat_class":"\([^"]*\)".*/\1/p')
		case $site in
		A) wantc=open ;; D | G | I) wantc=random ;; *) wantc=endpoint-independent ;;
		esac
		[ "$cls" = "$wantc" ] || t_fail "gonet --nat-check on $site: class \"$cls\", want $wantc: $j"
		echo "nat-check: $site $got, class $cls"
	done
	echo "$(cat "$T_TMP/nc-F.json")" | grep -q '"hairpin":false' ||
		t_fail "samenat: hairpin should be absent: $(cat "$T_TMP/nc-F.json")"
fi

# --- the servers answer from behind a NAT ---------------------------------------
hC=$(lab_host C)
if [ -x "$T_BUILD/tests/helpers/stunc" ]; then
	out=$(lab_exec "$hC" timeout -k 2 10 "$T_BUILD/tests/helpers/stunc" -t 3000 ${LAB_STUN%:*} ${LAB_STUN#*:}) ||
		t_fail "coturn did not answer from C: $out"
	echo "$out" | grep -q "^mapped ${LAB_PUBIP[C]}:" || t_fail "coturn saw C as: $out"
	echo "stun: C is $(echo "$out" | sed -n 's/^mapped //p') to coturn"
fi
# gonet --dht-dump from behind C's NAT: every bootstrap node must answer.
if [ -x "$T_BUILD/gonet" ]; then
	boots=()
	for n in $LAB_DHT_ALL; do boots+=(--bootstrap "$n"); done
	mkdir -p "$T_TMP/dump"
	lab_exec "$hC" env HOME="$T_TMP/dump" XDG_CONFIG_HOME="$T_TMP/dump/c" XDG_CACHE_HOME="$T_TMP/dump/k" \
		timeout -k 2 20 "$T_BUILD/gonet" --dht-dump --json --no-lan-discovery "${boots[@]}" \
		>"$T_TMP/dump.json" 2>"$T_TMP/dump.err" || t_fail "--dht-dump: $(cat "$T_TMP/dump.err")"
	[ "$(grep -o "\"state\":\"ok\"" "$T_TMP/dump.json" | wc -l)" -eq "$LAB_DHT_N" ] ||
		t_fail "not every dhtnode answered: $(cat "$T_TMP/dump.json")"
fi
echo "dht: $LAB_DHT_N nodes answer from C"

# --- delay ---------------------------------------------------------------------
if [ -x "$LAB_BIN/delayer" ]; then
	base=$(lab_exec "$hC" "$LAB_BIN/natcheck" echo --server "$LAB_REFL" --count 20 --interval 20)
	lab_delay C 40 || t_fail "lab_delay"
	out=$(lab_exec "$hC" "$LAB_BIN/natcheck" echo --server "$LAB_REFL" --count 50 --interval 20)
	echo "delay: without: $base"
	echo "delay: 40 ms each way: $out"
	min=$(echo "$out" | sed -n 's/.*rtt_min_ms \([0-9]*\).*/\1/p')
	med=$(echo "$out" | sed -n 's/.*rtt_med_ms \([0-9]*\).*/\1/p')
	[ -n "$min" ] && [ "$min" -ge 80 ] || t_fail "RTT min ${min:-none} ms < 80 ms"
	[ "$med" -lt 130 ] || t_fail "RTT median $med ms: the delayer adds too much"
	echo "$out" | grep -q 'loss 0.0 ' || t_fail "the delayer lost packets: $out"
	lab_delay C 0 || t_fail "lab_delay C 0"
else
	echo "delay: SKIPPED (built without libnetfilter_queue)"
fi

# --- loss ------------------------------------------------------------------------
hA=$(lab_host A)
lab_loss A 20 || t_fail "lab_loss"
out=$(lab_exec "$hA" "$LAB_BIN/natcheck" echo --server "$LAB_REFL" --count 200 --interval 3 --wait 500)
echo "loss: 20% each way (expect ~36% of round trips): $out"
pct=$(echo "$out" | sed -n 's/.* loss \([0-9]*\).*/\1/p')
[ "$pct" -ge 15 ] && [ "$pct" -le 55 ] || t_fail "round-trip loss $pct% out of 15-55%"
lab_loss A 0
out=$(lab_exec "$hA" "$LAB_BIN/natcheck" echo --server "$LAB_REFL" --count 50 --interval 3)
echo "$out" | grep -q 'loss 0.0 ' || t_fail "loss still there after lab_loss A 0: $out"

# --- containment -----------------------------------------------------------------
[ -z "$(ip -n "$LAB_INET" route show default)" ] || t_fail "the internet namespace has a default route"
[ -z "$(ip -n "$LAB_INET" -4 addr show scope global)" ] || t_fail "the internet namespace has an address"
host_links_after=$(ip -o link show | awk -F': ' '{print $2}' | sort)
[ "$host_links_before" = "$host_links_after" ] ||
	t_fail "the host namespace's interfaces changed: $(diff <(echo "$host_links_before") <(echo "$host_links_after") | grep '^[<>]')"
for ns in "${T_NETNS[@]}"; do
	[ -z "$(ip -n "$ns" route show default | grep -v 'via 192.168\|via 100.64')" ] ||
		t_fail "$ns has a default route off the lab: $(ip -n "$ns" route show default)"
done
for ns in "${T_NETNS[@]}"; do
	[ -z "$(ip -n "$ns" -6 addr show scope global 2>/dev/null | grep inet6 | grep -v 'inet6 2001:db8:')" ] ||
		t_fail "$ns has global IPv6 outside 2001:db8::/32"
done
echo "containment: internet has no default route, host namespace unchanged, ${#T_NETNS[@]} namespaces"
echo "ok: lab verified in $((SECONDS - start)) s"
