# tests/lab/lab.sh — the NAT lab: an internet, a DHT, STUN and NATed sites
# out of network namespaces. Source tests/lib.sh first, then this file.
#
#                        internet (namespace $T_ID-inet: bridge br0, no address,
#                                  no default route, nothing leaves it)
#   ═══════════╤══════════╤═══════════╤═════════════╤══════════════╤══════════
#              │          │           │             │              │
#   dht1..dhtN (one ns each)  stun      refl        none site      NATed site
#   203.0.113.11.. :4222   .20,.21    .30,.31      host on the     router ns:
#   dhtnode -s           coturn :3478  reflector    wire           wan 198.51.100.(10+k)
#                        (RFC 5780)   :7000,:7001  198.51.100.    lan bridge 192.168.k.1/24
#                                                  (10+k)            │
#                                                                host ns h1, h2…
#                                                                eth0 192.168.k.(9+i)
#   double site:  cgn router (wan 198.51.100.(10+k), lan 100.64.k.1/24)
#                   └─ home router (wan 100.64.k.2, lan 192.168.k.1/24) └─ h1
#
# Every namespace on the wire has both /24s on-link and no default route, so
# no packet can go anywhere but between lab namespaces. Hosts behind a
# router route by default to it; routers forward.
#
# Site types (NAT rules in the router's nftables table "ip lab"):
#   none     host with a public address, no NAT, no firewall
#   cone     full cone: masquerade (keeps the source port) + every inbound
#            UDP port 1024-65535 DNATed to the one inside host, same port
#   prc      port-restricted cone: masquerade
#   sym      symmetric: masquerade fully-random
#   double   prc inside prc: a CGN (100.64.0.0/10) in front of a home router
#   samenat  one prc router, two hosts (no hairpin)
# Every router drops new inbound connections on its WAN in prerouting at
# priority -175 (after conntrack's lookup, before anything confirms an
# entry): an early punch packet from a peer must not create a conntrack
# entry, or the router's own later flow to that peer collides and moves to
# another port (NETLAB-NOTES). The cone site accepts new inbound UDP there,
# since its DNAT must see it; its DNAT entry's reply direction is the host's
# own later flow, so nothing collides.
#
# Link emulation (lab_delay, lab_loss) sits on a site's access link, in the
# namespace that owns it (the outermost router, or the none host), on the
# ingress of both sides before conntrack: iptables raw PREROUTING -j NFQUEUE
# to tests/lab/delayer (no netem here), nftables numgen random for loss.
# Delaying before conntrack makes the NAT see a packet when it "arrives",
# as a real router would; queueing after conntrack would let two packets of
# a new flow sit unconfirmed at once and be NATed to two ports.
#
# API (all return non-zero on failure; nothing here exits):
#   lab_init                 internet + DHT (LAB_DHT_N nodes, default 3) +
#                            coturn + reflector
#   lab_site NAME TYPE       add a site; hosts are lab_host NAME [I]
#   lab_host NAME [I]        namespace of host I (default 1) of site NAME
#   lab_exec NS CMD...       run CMD in namespace NS
#   lab_bg NS LOG CMD...     start CMD in NS under timeout $LAB_LIMIT, log in
#                            $T_TMP/LOG.log; sets LAB_PID
#   lab_check_site NAME TYPE measure the site's NAT, print one line, fail
#                            when it does not behave as TYPE
#   lab_delay NAME MS        one-way delay on the access link (0 = none)
#   lab_loss NAME PCT        loss on each direction of the access link
#   lab_conntrack_flush NAME forget every NAT mapping of the site's routers
# Variables: LAB_DHT (first dhtnode, IP:PORT), LAB_DHT_ALL, LAB_STUN
# (coturn, IP:PORT), LAB_REFL, LAB_REFL_ALT, LAB_INET (namespace).
# LAB_TURN=1 before lab_init: coturn relays too, for --turn "$LAB_TURN_URI"
# (allocations live at most LAB_TURN_LIFETIME s, default 10).

LAB_BIN=${LAB_BIN:-$T_BUILD/tests/lab}
LAB_LIMIT=${LAB_LIMIT:-900}	# no lab process outlives this, cleanup or not
LAB_DHT_N=${LAB_DHT_N:-3}
LAB_DHT_PORT=4222
LAB_STUN_IP1=203.0.113.20
LAB_STUN_IP2=203.0.113.21
LAB_STUN=$LAB_STUN_IP1:3478
LAB_TURN_LIFETIME=${LAB_TURN_LIFETIME:-10}
LAB_TURN_URI=turn:gonet:s3cret@$LAB_STUN
LAB_REFL=203.0.113.30:7000
LAB_REFL_ALT=203.0.113.31:7001
LAB_DHT=203.0.113.11:$LAB_DHT_PORT
LAB_DHT_ALL=
LAB_INET=
LAB_NSITES=0
LAB_NPORTS=0
declare -A LAB_TYPE LAB_HOSTS LAB_EDGE LAB_ROUTERS LAB_PUBIP LAB_IP LAB_QUEUE LAB_DELAYER

lab_exec() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

lab_bg() {
	local ns=$1 log=$T_TMP/$2.log
	shift 2
	ip netns exec "$ns" timeout -k 2 "$LAB_LIMIT" "$@" >"$log" 2>&1 &
	LAB_PID=$!
	disown "$LAB_PID"	# cleanup kills it with its namespace, quietly
}

lab_log() { t_log "lab: $*"; }

# lab_ns NAME: create namespace $T_ID-NAME, registered for cleanup; sets LAB_NS.
# (Not $(t_netns ...): T_NETNS+= in a command substitution's subshell is
# lost, and cleanup would never delete the namespace.)
lab_ns() {
	LAB_NS="$T_ID-$1"
	ip netns add "$LAB_NS" || { lab_log "ip netns add $LAB_NS"; return 1; }
	T_NETNS+=("$LAB_NS")
	ip -n "$LAB_NS" link set lo up
}

# Is UDP port $2 bound in namespace $1? (/proc/net/udp is per namespace)
lab_udp_bound() {
	ip netns exec "$1" cat /proc/net/udp | awk -v p="$(printf ':%04X' "$2")" \
		'substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

lab_sysctl() { ip netns exec "$1" sysctl -qw "$2" >/dev/null; }

# lab_wire NS IP/24: attach NS to the internet bridge as eth0 (or $3).
lab_wire() {
	local ns=$1 addr=$2 ifname=${3:-eth0} port
	LAB_NPORTS=$((LAB_NPORTS + 1))
	port=p$LAB_NPORTS
	ip -n "$LAB_INET" link add "$port" type veth peer name "$ifname" netns "$ns" || return 1
	ip -n "$LAB_INET" link set "$port" master br0 up &&
	ip -n "$ns" addr add "$addr" dev "$ifname" &&
	ip -n "$ns" link set "$ifname" up &&
	# Both public /24s on-link: no default route anywhere on the wire.
	ip -n "$ns" route replace 198.51.100.0/24 dev "$ifname" &&
	ip -n "$ns" route replace 203.0.113.0/24 dev "$ifname"
}

lab_init() {
	local i ns boot
	t_need_cmd nft iptables conntrack dhtnode turnserver timeout flock
	[ -x "$LAB_BIN/reflector" ] && [ -x "$LAB_BIN/natcheck" ] || { lab_log "no $LAB_BIN/reflector, natcheck"; return 1; }
	# One lab at a time on a machine: under `make -j` two labs compete for
	# the two cores and the NAT checks' timing suffers. The lock goes with
	# the test's process (fd 9), on any exit.
	exec 9>"${TMPDIR:-/tmp}/gonet-lab.lock"
	flock -w 900 9 || { lab_log "another lab held the lock for 900 s"; return 1; }
	lab_ns inet || return 1
	LAB_INET=$LAB_NS
	ip -n "$LAB_INET" link add br0 type bridge || return 1
	ip -n "$LAB_INET" link set br0 up
	lab_sysctl "$LAB_INET" net.ipv6.conf.all.disable_ipv6=1

	# The DHT: one node per namespace, each bootstrapping from the first.
	LAB_DHT_ALL=
	for ((i = 1; i <= LAB_DHT_N; i++)); do
		lab_ns "dht$i" || return 1
		ns=$LAB_NS
		lab_wire "$ns" "203.0.113.$((10 + i))/24" || return 1
		boot=()
		[ "$i" -gt 1 ] && boot=(-b "$LAB_DHT")
		lab_bg "$ns" "dht$i" dhtnode -s -p "$LAB_DHT_PORT" "${boot[@]}"
		LAB_DHT_ALL="$LAB_DHT_ALL 203.0.113.$((10 + i)):$LAB_DHT_PORT"
	done

	# STUN: coturn on two addresses answers RFC 5780 (OTHER-ADDRESS, CHANGE-REQUEST).
	lab_ns stun || return 1
	ns=$LAB_NS
	lab_wire "$ns" "$LAB_STUN_IP1/24" && ip -n "$ns" addr add "$LAB_STUN_IP2/24" dev eth0 || return 1
	# LAB_TURN=1: the same coturn relays too (long-term credentials
	# $LAB_TURN_URI, allocations of at most LAB_TURN_LIFETIME s, default 10;
	# permissions and channels keep RFC 8656's fixed 300 s / 600 s, which
	# clients assume), else it is STUN only.
	local mode=(--stun-only --no-auth)
	if [ -n "${LAB_TURN:-}" ]; then
		mode=(--lt-cred-mech --user=gonet:s3cret --realm=lab.test --relay-ip="$LAB_STUN_IP1"
			--min-port=49152 --max-port=49999 --max-allocate-lifetime="$LAB_TURN_LIFETIME")
	fi
	lab_bg "$ns" turnserver turnserver -n "${mode[@]}" \
		--listening-ip="$LAB_STUN_IP1" --listening-ip="$LAB_STUN_IP2" --listening-port=3478 \
		--no-tls --no-dtls --no-tcp --no-cli --simple-log --log-file=stdout \
		--pidfile="$T_TMP/turnserver.pid" --userdb="$T_TMP/turndb" \
		--no-stun-backward-compatibility

	# The reflector that natcheck measures NATs against.
	lab_ns refl || return 1
	ns=$LAB_NS
	lab_wire "$ns" 203.0.113.30/24 && ip -n "$ns" addr add 203.0.113.31/24 dev eth0 || return 1
	lab_bg "$ns" reflector "$LAB_BIN/reflector" 203.0.113.30 203.0.113.31 7000 7001

	t_wait_for 5 grep -q listening "$T_TMP/reflector.log" || { lab_log "reflector: $(cat "$T_TMP/reflector.log")"; return 1; }
	t_wait_for 5 lab_udp_bound "$T_ID-stun" 3478 || { lab_log "coturn: $(tail -5 "$T_TMP/turnserver.log")"; return 1; }
	for ((i = 1; i <= LAB_DHT_N; i++)); do
		t_wait_for 5 lab_udp_bound "$T_ID-dht$i" "$LAB_DHT_PORT" ||
			{ lab_log "dhtnode $i: $(tail -5 "$T_TMP/dht$i.log")"; return 1; }
	done
}

# lab_router NS WAN_IF LAN_IF LAN_IP/24 NAT_RULE [cone HOST_IP]: forwarding,
# NAT, and the guard against early unsolicited inbound packets.
lab_router() {
	local ns=$1 wan=$2 lan=$3 lanip=$4 nat=$5 cone=${6:-} cone_host=${7:-} pass=
	ip -n "$ns" link add "$lan" type bridge && ip -n "$ns" link set "$lan" up &&
	ip -n "$ns" addr add "$lanip" dev "$lan" || return 1
	lab_sysctl "$ns" net.ipv4.ip_forward=1
	if [ "$cone" = cone ]; then
		pass="iifname \"$wan\" ct state new udp dport 1024-65535 accept"
		cone="iifname \"$wan\" udp dport 1024-65535 dnat to $cone_host"
	fi
	ip netns exec "$ns" nft -f - <<-EOF
	table ip lab {
		chain guard {
			type filter hook prerouting priority -175; policy accept;
			$pass
			iifname "$wan" ct state new drop
		}
		chain cone_in {
			type nat hook prerouting priority -100; policy accept;
			$cone
		}
		chain nat_out {
			type nat hook postrouting priority 100; policy accept;
			oifname "$wan" $nat
		}
	}
	EOF
}

# lab_lan_host ROUTER_NS LAN_IF NAME IP/24 GW: a host namespace on the
# router's LAN; sets LAB_NS.
lab_lan_host() {
	local r=$1 lan=$2 name=$3 addr=$4 gw=$5 ns port
	lab_ns "$name" || return 1
	ns=$LAB_NS
	LAB_NPORTS=$((LAB_NPORTS + 1))
	port=h$LAB_NPORTS
	ip -n "$r" link add "$port" type veth peer name eth0 netns "$ns" &&
	ip -n "$r" link set "$port" master "$lan" up &&
	ip -n "$ns" addr add "$addr" dev eth0 && ip -n "$ns" link set eth0 up &&
	ip -n "$ns" route add default via "$gw" || return 1
	lab_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1
	LAB_IP[$ns]=${addr%/*}
}

lab_site() {
	local name=$1 type=$2 k pub r cgn h lanpfx nhosts=1 i hosts=
	LAB_NSITES=$((LAB_NSITES + 1))
	k=$LAB_NSITES
	pub=198.51.100.$((10 + k))
	lanpfx=192.168.$k
	[ -n "${LAB_LAN_SAME:-}" ] && lanpfx=192.168.1
	LAB_TYPE[$name]=$type
	LAB_PUBIP[$name]=$pub
	case $type in
	none)
		lab_ns "$name-h1" || return 1
		h=$LAB_NS
		lab_wire "$h" "$pub/24" || return 1
		lab_sysctl "$h" net.ipv6.conf.all.disable_ipv6=1
		LAB_IP[$h]=$pub
		LAB_HOSTS[$name]=$h
		LAB_EDGE[$name]="$h eth0 -"
		LAB_ROUTERS[$name]=
		return 0
		;;
	cone | prc | sym | samenat)
		lab_ns "$name-r" || return 1
		r=$LAB_NS
		lab_wire "$r" "$pub/24" wan || return 1
		lab_sysctl "$r" net.ipv6.conf.all.disable_ipv6=1
		case $type in
		cone) lab_router "$r" wan lan "$lanpfx.1/24" masquerade cone "$lanpfx.10" ;;
		sym) lab_router "$r" wan lan "$lanpfx.1/24" "masquerade fully-random" ;;
		*) lab_router "$r" wan lan "$lanpfx.1/24" masquerade ;;
		esac || return 1
		[ "$type" = samenat ] && nhosts=2
		for ((i = 1; i <= nhosts; i++)); do
			lab_lan_host "$r" lan "$name-h$i" "$lanpfx.$((9 + i))/24" "$lanpfx.1" || return 1
			hosts="$hosts $LAB_NS"
		done
		LAB_HOSTS[$name]=${hosts# }
		LAB_EDGE[$name]="$r wan lan"
		LAB_ROUTERS[$name]=$r
		;;
	double)
		lab_ns "$name-cgn" || return 1
		cgn=$LAB_NS
		lab_wire "$cgn" "$pub/24" wan || return 1
		lab_sysctl "$cgn" net.ipv6.conf.all.disable_ipv6=1
		lab_router "$cgn" wan lan "100.64.$k.1/24" masquerade || return 1
		lab_ns "$name-r" || return 1
		r=$LAB_NS
		LAB_NPORTS=$((LAB_NPORTS + 1))
		ip -n "$cgn" link add "c$LAB_NPORTS" type veth peer name wan netns "$r" &&
		ip -n "$cgn" link set "c$LAB_NPORTS" master lan up &&
		ip -n "$r" addr add "100.64.$k.2/24" dev wan && ip -n "$r" link set wan up &&
		ip -n "$r" route add default via "100.64.$k.1" || return 1
		lab_sysctl "$r" net.ipv6.conf.all.disable_ipv6=1
		lab_router "$r" wan lan "$lanpfx.1/24" masquerade || return 1
		lab_lan_host "$r" lan "$name-h1" "$lanpfx.10/24" "$lanpfx.1" || return 1
		LAB_HOSTS[$name]=$LAB_NS
		LAB_EDGE[$name]="$cgn wan lan"
		LAB_ROUTERS[$name]="$r $cgn"
		;;
	*)
		lab_log "unknown site type $type"
		return 1
		;;
	esac
}

lab_host() {
	local hosts
	read -r -a hosts <<<"${LAB_HOSTS[$1]}"
	echo "${hosts[$((${2:-1} - 1))]}"
}

# lab_probe NS: natcheck probe output of one host, as "key value" lines.
lab_probe() {
	ip netns exec "$1" timeout -k 2 30 "$LAB_BIN/natcheck" probe --server "$LAB_REFL" --alt "$LAB_REFL_ALT"
}

# lab_check_site NAME TYPE: does the site behave as TYPE? One summary line
# on stdout ("site NAME TYPE: ..."), the reasons on stderr; 0 if it does.
lab_check_site() {
	local name=$1 type=$2 h out map filt mapped local_port ok=0 want_map want_filt extra= ip
	h=$(lab_host "$name")
	out=$(lab_probe "$h") || { lab_log "$name: natcheck failed: $out"; echo "site $name $type: no answer from the reflector"; return 1; }
	map=$(echo "$out" | sed -n 's/^mapping //p')
	filt=$(echo "$out" | sed -n 's/^filtering //p')
	mapped=$(echo "$out" | sed -n "s/^mapped $LAB_REFL //p")
	local_port=$(echo "$out" | sed -n 's/^local .*://p')
	ip=${mapped%:*}
	case $type in
	none | cone) want_map=endpoint-independent want_filt=endpoint-independent ;;
	prc | double | samenat) want_map=endpoint-independent want_filt=address-and-port-dependent ;;
	sym) want_map=dependent want_filt=address-and-port-dependent ;;
	*) lab_log "unknown type $type"; return 1 ;;
	esac
	if [ "$want_map" = dependent ]; then
		[ "$map" != endpoint-independent ] || { lab_log "$name: mapping $map, want dependent"; ok=1; }
	else
		[ "$map" = "$want_map" ] || { lab_log "$name: mapping $map, want $want_map"; ok=1; }
	fi
	[ "$filt" = "$want_filt" ] || { lab_log "$name: filtering $filt, want $want_filt"; ok=1; }
	if [ "$type" = none ]; then
		[ "$mapped" = "${LAB_IP[$h]}:$local_port" ] || { lab_log "$name: mapped $mapped, own ${LAB_IP[$h]}:$local_port"; ok=1; }
	else
		[ "$ip" = "${LAB_PUBIP[$name]}" ] || { lab_log "$name: mapped address $ip, want ${LAB_PUBIP[$name]}"; ok=1; }
		[ "$ip" != "${LAB_IP[$h]}" ] || { lab_log "$name: not translated"; ok=1; }
	fi
	if [ "$type" = samenat ]; then
		local h2 out2
		h2=$(lab_host "$name" 2)
		out2=$(lab_probe "$h2") || { lab_log "$name: natcheck on host 2 failed"; ok=1; }
		[ "$(echo "$out2" | sed -n "s/^mapped $LAB_REFL //p" | cut -d: -f1)" = "${LAB_PUBIP[$name]}" ] ||
			{ lab_log "$name: host 2 not behind the same public address"; ok=1; }
		# Hairpin: h2 sends to h1's mapped address.
		lab_bg "$h" "$name-hairpin" "$LAB_BIN/natcheck" listen --server "$LAB_REFL" --timeout 2000
		t_wait_for 3 grep -q '^mapped' "$T_TMP/$name-hairpin.log"
		ip netns exec "$h2" timeout -k 1 5 "$LAB_BIN/natcheck" send \
			--to "$(sed -n 's/^mapped //p' "$T_TMP/$name-hairpin.log")" --count 5 || true
		t_wait_for 4 grep -q '^got\|^none' "$T_TMP/$name-hairpin.log"
		if grep -q '^got' "$T_TMP/$name-hairpin.log"; then extra=", hairpin present"; else extra=", hairpin absent"; fi
	fi
	echo "site $name $type: mapping $map, filtering $filt, mapped $mapped$extra$( [ $ok -eq 0 ] && echo ": OK" || echo ": MISMATCH")"
	return $ok
}

# lab_delay NAME MS: MS of one-way delay each way on the site's access link.
lab_delay() {
	local name=$1 ms=$2 ns wan lan q rule
	read -r ns wan lan <<<"${LAB_EDGE[$name]}"
	[ -x "$LAB_BIN/delayer" ] || { lab_log "no delayer (built without libnetfilter_queue)"; return 1; }
	# Remove an earlier delay first.
	ip netns exec "$ns" iptables -t raw -F PREROUTING 2>/dev/null
	ip netns exec "$ns" iptables -t raw -F OUTPUT 2>/dev/null
	[ -n "${LAB_DELAYER[$name]:-}" ] && { kill "${LAB_DELAYER[$name]}" 2>/dev/null; wait "${LAB_DELAYER[$name]}" 2>/dev/null; }
	LAB_DELAYER[$name]=
	[ "$ms" -gt 0 ] || return 0
	q=0
	lab_bg "$ns" "$name-delayer" "$LAB_BIN/delayer" --queue "$q" --delay "$ms"
	LAB_DELAYER[$name]=$LAB_PID
	t_wait_for 5 grep -q '^ready' "$T_TMP/$name-delayer.log" || { lab_log "delayer: $(cat "$T_TMP/$name-delayer.log")"; return 1; }
	ip netns exec "$ns" iptables -t raw -A PREROUTING -i "$wan" -j NFQUEUE --queue-num "$q" || return 1
	if [ "$lan" = - ]; then
		ip netns exec "$ns" iptables -t raw -A OUTPUT -o "$wan" -j NFQUEUE --queue-num "$q"
	else
		ip netns exec "$ns" iptables -t raw -A PREROUTING -i "$lan" -j NFQUEUE --queue-num "$q"
	fi
}

# lab_loss NAME PCT: drop PCT% of the packets in each direction of the access link.
lab_loss() {
	local name=$1 pct=$2 ns wan lan out
	read -r ns wan lan <<<"${LAB_EDGE[$name]}"
	ip netns exec "$ns" nft delete table ip labloss 2>/dev/null
	[ "$pct" -gt 0 ] || return 0
	if [ "$lan" = - ]; then
		out="chain out { type filter hook output priority -300; oifname \"$wan\" numgen random mod 100 < $pct drop; }"
		lan=$wan
	else
		out=
	fi
	ip netns exec "$ns" nft -f - <<-EOF
	table ip labloss {
		chain in {
			type filter hook prerouting priority -300; policy accept;
			iifname { "$wan", "$lan" } numgen random mod 100 < $pct drop
		}
		$out
	}
	EOF
}

lab_conntrack_flush() {
	local r
	for r in ${LAB_ROUTERS[$1]}; do
		ip netns exec "$r" conntrack -F 2>/dev/null
	done
	return 0
}

# --- gonet peers in the lab ------------------------------------------------------
LAB_GONET=${LAB_GONET:-$T_BUILD/gonet}
declare -A LAB_FD LAB_GPID

# lab_gonet NS NAME ROOM [BOOTSTRAP [OPTION...]]: start a `gonet --batch` in
# NS with its own HOME and XDG dirs under $T_TMP/NAME, bootstrapping from
# BOOTSTRAP (default $LAB_DHT) and asking the lab's coturn. Its stdin is a
# FIFO this shell holds open (lab_say NAME TEXT writes a line, lab_hangup
# NAME closes it); events go to $T_TMP/NAME.log, stderr to NAME.err. Bounded
# by LAB_GONET_LIMIT seconds. Sets LAB_PID.
lab_gonet() {
	local ns=$1 name=$2 room=$3 boot=${4:-$LAB_DHT} d=$T_TMP/$2 fd
	shift 3
	[ $# -gt 0 ] && shift
	mkdir -p "$d/config" "$d/cache" && rm -f "$d/in" && mkfifo "$d/in" || return 1
	exec {fd}<>"$d/in"
	LAB_FD[$name]=$fd
	ip netns exec "$ns" env HOME="$d" XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" \
		GONET_BOOTSTRAP= timeout -k 2 "${LAB_GONET_LIMIT:-120}" "$LAB_GONET" --batch \
		--nick "$name" --no-lan-discovery --bootstrap "$boot" --stun "$LAB_STUN" "$@" "$room" \
		<"$d/in" >"$T_TMP/$name.log" 2>"$T_TMP/$name.err" &
	LAB_PID=$!
	LAB_GPID[$name]=$LAB_PID
	disown "$LAB_PID"
}

# lab_stop NAME: close its stdin (gonet quits on EOF), then stop it (its
# timeout wrapper passes SIGTERM on) if it is still there after 2 s.
lab_stop() {
	local pid=${LAB_GPID[$1]:-}
	lab_hangup "$1"
	[ -n "$pid" ] || return 0
	t_wait_for 2 sh -c "! kill -0 $pid" || kill -TERM "$pid" 2>/dev/null
	return 0
}

lab_say() { printf '%s\n' "$2" >&"${LAB_FD[$1]}"; }

lab_hangup() {
	local fd=${LAB_FD[$1]:-}
	[ -n "$fd" ] && exec {fd}>&-
	LAB_FD[$1]=
}

# lab_event NAME EVENT: the first line of that event in NAME's log.
lab_event() { grep -m1 "\"event\":\"$2\"" "$T_TMP/$1.log" 2>/dev/null; }

# lab_field JSON KEY: a string or number field of one JSON line (flat events only).
lab_field() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p; t; s/.*\"$2\":\\([-0-9.]*\\).*/\\1/p"
}

lab_ms() { echo $(($(date +%s%N) / 1000000)); }
