# tests/lab/lab.sh — the NAT lab: an internet, a DHT, STUN and NATed sites
# out of network namespaces. Source tests/lib.sh first, then this file.
#
#                        internet (namespace $T_ID-inet: bridge br0, no address,
#                                  no default route, nothing leaves it)
#   ═══════════╤══════════╤═══════════╤═════════════╤══════════════╤══════════
#              │          │           │             │              │
#   dht1..dhtN (one ns each)  stun      refl        none site      NATed site
#   203.0.113.11-19, :4222 .20,.21    .30,.31      host on the     router ns:
#   then .50.. (lab_dht_ip)
#   dhtnode -s           coturn :3478  reflector    wire           wan 198.51.100.(10+k)
#                        (RFC 5780)   :7000,:7001  198.51.100.    lan bridge 192.168.k.1/24
#                                                  (10+k)            │
#                                                                host ns h1, h2…
#                                                                eth0 192.168.k.(9+i)
#   double site:  cgn router (wan 198.51.100.(10+k), lan 100.64.k.1/24)
#                   └─ home router (wan 100.64.k.2, lan 192.168.k.1/24) └─ h1
#
# IPv6 (documentation space only, 2001:db8::/32): the wire is 2001:db8::/64;
# dht i is 2001:db8::1i (from i = 10: 2001:db8::(40+i)), stun 2001:db8::20 and ::21, refl 2001:db8::30. A
# site added with the flag v6 gets global IPv6: its router (or none host) is
# 2001:db8::100:k on the wire, its LAN 2001:db8:k::/64 (host i at ::(9+i)),
# and every v6 namespace on the wire routes that /64 via the router. Sites
# without v6 have IPv6 switched off in every namespace (checked).
#
# Every namespace on the wire has both /24s on-link and no default route, so
# no packet can go anywhere but between lab namespaces. Hosts behind a
# router route by default to it; routers forward.
#
# Site types (IPv4 NAT rules in the router's nftables table "ip lab"):
#   none     host with a public address, no NAT, no firewall
#   cone     full cone: masquerade (keeps the source port) + every inbound
#            UDP port 1024-65535 DNATed to the one inside host, same port
#   prc      port-restricted cone: masquerade
#   sym      symmetric: masquerade fully-random
#   double   prc inside prc: a CGN (100.64.0.0/10) in front of a home router
#   samenat  one prc router, two hosts (no hairpin)
# Flags after the type (lab_site NAME TYPE [FLAG...]):
#   v6       global IPv6 beside the IPv4 NAT, behind the router's stateful
#            firewall (RFC 6092: established/related forwarded in, new
#            inbound dropped, anything outbound allowed); table "ip6 lab6"
#   igd      as upnp, but miniupnpd serves UPnP IGD alone (NAT-PMP and PCP
#            off: enable_natpmp=no), for the client's third fallback
#   upnp     the router runs miniupnpd (UPnP IGD, NAT-PMP and PCP on the
#            LAN, port 5351 and SSDP): a mapping DNATs new inbound to the
#            inside host, and its SNAT rule runs before the site's own NAT.
#            miniupnpd refuses documentation-space WAN addresses given as
#            ext_ip, so it learns its address by STUN from the lab's coturn
#            (ext_perform_stun), which finds no NAT in front of it. Its
#            tables are "inet labupnp"; its lease file and log are in
#            $T_TMP/NAME-upnp.{leases,log}
# Every router drops new inbound connections on its WAN in prerouting at
# priority -175 (after conntrack's lookup, before anything confirms an
# entry): an early punch packet from a peer must not create a conntrack
# entry, or the router's own later flow to that peer collides and moves to
# another port (NETLAB-NOTES). The cone site accepts new inbound UDP there,
# since its DNAT must see it; its DNAT entry's reply direction is the host's
# own later flow, so nothing collides. An upnp router's guard sits at
# priority -99 instead (after NAT prerouting at -100, still before any
# confirmation) so that it can let in what a port mapping DNATed, and it
# accepts coturn's answers to miniupnpd's own STUN check.
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
#   lab_site NAME TYPE [FLAG...]  add a site (flags v6, upnp, above); hosts
#                            are lab_host NAME [I]
#   lab_host NAME [I]        namespace of host I (default 1) of site NAME
#   lab_exec NS CMD...       run CMD in namespace NS
#   lab_bg NS LOG CMD...     start CMD in NS under timeout $LAB_LIMIT, log in
#                            $T_TMP/LOG.log; sets LAB_PID
#   lab_check_site NAME TYPE measure the site's NAT (and, for its flags, its
#                            IPv6 firewall or IPv6 being off, its port
#                            mapping gateway), print one line, fail when it
#                            does not behave as named
#   lab_upnp_rules NAME      the DNAT rules miniupnpd holds now, one a line
#   lab_v6 NS                the global IPv6 address of NS (empty if none)
#   lab_delay NAME MS        one-way delay on the access link (0 = none)
#   lab_loss NAME PCT        loss on each direction of the access link
#   lab_conntrack_flush NAME forget every NAT mapping of the site's routers
#   lab_dht_ip I             the address of the DHT's node I (LAB_DHT_N <= 214)
#   lab_delay_wire MS|LO-HI [LOSS]  delay (and loss) on the ingress of every
#                            namespace on the wire: each crossing of the
#                            internet is delayed once (see the function)
#   lab_static_neigh         permanent neighbour entries on the wire (a
#                            big lab outgrows the kernel's ARP table)
#   lab_dht_site NAME TYPE   a site of TYPE whose host runs a dhtnode
#   lab_churner NS BOOT LIFE a short-lived dhtnode: joins, puts, gets, is
#                            SIGKILLed after LIFE s
#   lab_dht_replace I        DHT node I vanishes, a new id takes its place
# Variables: LAB_DHT (first dhtnode, IP:PORT), LAB_DHT_ALL, LAB_STUN
# (coturn, IP:PORT), LAB_REFL, LAB_REFL_ALT, LAB_INET (namespace),
# LAB_DHT6, LAB_STUN6 (the same over IPv6, [IP]:PORT).
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
LAB_WIRE6=2001:db8:		# the wire is ${LAB_WIRE6}:/64
LAB_STUN6_IP1=2001:db8::20
LAB_STUN6_IP2=2001:db8::21
LAB_STUN6=[$LAB_STUN6_IP1]:3478
LAB_DHT6=[2001:db8::11]:$LAB_DHT_PORT
LAB_REFL6=2001:db8::30
LAB_V6_NS=			# namespaces on the wire with IPv6 on
LAB_WIRED=()			# "NS IFNAME" of every namespace on the wire
LAB_V6_NETS=			# "PREFIX/64 ROUTER" of every v6 site behind a router
declare -a LAB_DHT_PID LAB_DHT_AT	# node I's `timeout dhtnode` pid and IP:PORT
declare -A LAB_TYPE LAB_HOSTS LAB_EDGE LAB_ROUTERS LAB_PUBIP LAB_IP LAB_QUEUE LAB_DELAYER \
	LAB_FLAGS LAB_IP6 LAB_UPNP LAB_K

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

# lab_wire NS IP/24 [IFNAME [IP6]]: attach NS to the internet bridge as eth0
# (or IFNAME); with IP6, IPv6 on with that address on the wire and a route
# to every v6 site's LAN, else IPv6 off in NS.
lab_wire() {
	local ns=$1 addr=$2 ifname=${3:-eth0} ip6=${4:-} port net via
	LAB_NPORTS=$((LAB_NPORTS + 1))
	port=p$LAB_NPORTS
	ip -n "$LAB_INET" link add "$port" type veth peer name "$ifname" netns "$ns" || return 1
	LAB_WIRED+=("$ns $ifname")
	ip -n "$LAB_INET" link set "$port" master br0 up &&
	ip -n "$ns" addr add "$addr" dev "$ifname" &&
	ip -n "$ns" link set "$ifname" up &&
	# Both public /24s on-link: no default route anywhere on the wire.
	ip -n "$ns" route replace 198.51.100.0/24 dev "$ifname" &&
	ip -n "$ns" route replace 203.0.113.0/24 dev "$ifname" || return 1
	if [ -z "$ip6" ]; then
		lab_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1
		return 0
	fi
	lab_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=0
	lab_sysctl "$ns" net.ipv6.conf.all.accept_ra=0
	# nodad: no second of "tentative" before the address works.
	ip -n "$ns" addr add "$ip6/64" dev "$ifname" nodad || return 1
	while read -r net via; do
		[ -n "$net" ] && { ip -n "$ns" -6 route replace "$net" via "$via" dev "$ifname" || return 1; }
	done <<<"$LAB_V6_NETS"
	LAB_V6_NS="$LAB_V6_NS $ns:$ifname"
}

# lab_route6 PREFIX VIA ROUTER_NS: every other v6 namespace on the wire (now
# and later) reaches PREFIX through VIA.
lab_route6() {
	local e
	LAB_V6_NETS="$LAB_V6_NETS"$'\n'"$1 $2"
	for e in $LAB_V6_NS; do
		[ "${e%%:*}" = "$3" ] && continue
		ip -n "${e%%:*}" -6 route replace "$1" via "$2" dev "${e#*:}" || return 1
	done
}

lab_v6() { echo "${LAB_IP6[$1]:-}"; }

# lab_dht_ip I [6]: the address (IPv4, or IPv6 with 6) of the DHT's node I.
# Nodes 1-9 are 203.0.113.11-19; from node 10 on, 203.0.113.(40+I), since
# .20/.21 are the STUN server's and .30/.31 the reflector's (the same in
# IPv6: 2001:db8::(40+I)). Hence LAB_DHT_N <= 214.
lab_dht_ip() {
	local h=$((10 + $1))
	[ "$1" -lt 10 ] || h=$((40 + $1))
	if [ "${2:-}" = 6 ]; then echo "2001:db8::$h"; else echo "203.0.113.$h"; fi
}

lab_init() {
	local i ns boot
	t_need_cmd nft iptables conntrack dhtnode turnserver timeout flock
	[ "$LAB_DHT_N" -le 214 ] || { lab_log "LAB_DHT_N $LAB_DHT_N: at most 214"; return 1; }
	[ -x "$LAB_BIN/reflector" ] && [ -x "$LAB_BIN/natcheck" ] || { lab_log "no $LAB_BIN/reflector, natcheck"; return 1; }
	# One lab at a time on a machine: under `make -j` two labs compete for
	# the two cores and the NAT checks' timing suffers. The lock goes with
	# the test's process (fd 9), on any exit.
	exec 9>"${TMPDIR:-/tmp}/gonet-lab.lock"
	flock -w 900 9 || { lab_log "another lab held the lock for 900 s"; return 1; }
	LAB_LOCKED_AT=$EPOCHREALTIME	# when the lab began (a bench's set-up time)
	lab_ns inet || return 1
	LAB_INET=$LAB_NS
	ip -n "$LAB_INET" link add br0 type bridge || return 1
	ip -n "$LAB_INET" link set br0 up
	# The bridge carries IPv6 frames between the namespaces; the internet
	# itself has no address of either family.
	lab_sysctl "$LAB_INET" net.ipv6.conf.all.disable_ipv6=1
	LAB_V6_NS= LAB_V6_NETS= LAB_WIRED=()

	# The DHT: one node per namespace, each bootstrapping from the first.
	LAB_DHT_ALL=
	for ((i = 1; i <= LAB_DHT_N; i++)); do
		lab_ns "dht$i" || return 1
		ns=$LAB_NS
		lab_wire "$ns" "$(lab_dht_ip "$i")/24" eth0 "$(lab_dht_ip "$i" 6)" || return 1
		boot=()
		[ "$i" -gt 1 ] && boot=(-b "$LAB_DHT")
		lab_bg "$ns" "dht$i" dhtnode -s -p "$LAB_DHT_PORT" "${boot[@]}"
		LAB_DHT_PID[$i]=$LAB_PID LAB_DHT_AT[$i]=$(lab_dht_ip "$i"):$LAB_DHT_PORT
		LAB_DHT_ALL="$LAB_DHT_ALL ${LAB_DHT_AT[$i]}"
	done

	# STUN: coturn on two addresses answers RFC 5780 (OTHER-ADDRESS, CHANGE-REQUEST).
	lab_ns stun || return 1
	ns=$LAB_NS
	lab_wire "$ns" "$LAB_STUN_IP1/24" eth0 "$LAB_STUN6_IP1" && ip -n "$ns" addr add "$LAB_STUN_IP2/24" dev eth0 &&
	ip -n "$ns" addr add "$LAB_STUN6_IP2/64" dev eth0 nodad || return 1
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
		--listening-ip="$LAB_STUN_IP1" --listening-ip="$LAB_STUN_IP2" \
		--listening-ip="$LAB_STUN6_IP1" --listening-ip="$LAB_STUN6_IP2" --listening-port=3478 \
		--no-tls --no-dtls --no-tcp --no-cli --simple-log --log-file=stdout \
		--pidfile="$T_TMP/turnserver.pid" --userdb="$T_TMP/turndb" \
		--no-stun-backward-compatibility

	# The reflector that natcheck measures NATs against.
	lab_ns refl || return 1
	ns=$LAB_NS
	lab_wire "$ns" 203.0.113.30/24 eth0 "$LAB_REFL6" && ip -n "$ns" addr add 203.0.113.31/24 dev eth0 || return 1
	lab_bg "$ns" reflector "$LAB_BIN/reflector" 203.0.113.30 203.0.113.31 7000 7001

	t_wait_for 5 grep -q listening "$T_TMP/reflector.log" || { lab_log "reflector: $(cat "$T_TMP/reflector.log")"; return 1; }
	t_wait_for 5 lab_udp_bound "$T_ID-stun" 3478 || { lab_log "coturn: $(tail -5 "$T_TMP/turnserver.log")"; return 1; }
	for ((i = 1; i <= LAB_DHT_N; i++)); do
		t_wait_for 5 lab_udp_bound "$T_ID-dht$i" "$LAB_DHT_PORT" ||
			{ lab_log "dhtnode $i: $(tail -5 "$T_TMP/dht$i.log")"; return 1; }
	done
}

# lab_router NS WAN_IF LAN_IF LAN_IP/24 NAT_RULE [cone HOST_IP]: forwarding,
# NAT of what comes from the LAN (not of the router's own packets: those of
# miniupnpd's STUN check must keep their ports), and the guard against early
# unsolicited inbound packets. LAB_GUARD_UPNP=1:
# the guard of a router that runs miniupnpd (see the top).
lab_router() {
	local ns=$1 wan=$2 lan=$3 lanip=$4 nat=$5 cone=${6:-} cone_host=${7:-} pass= prio=-175
	ip -n "$ns" link add "$lan" type bridge && ip -n "$ns" link set "$lan" up &&
	ip -n "$ns" addr add "$lanip" dev "$lan" || return 1
	lab_sysctl "$ns" net.ipv4.ip_forward=1
	if [ "$cone" = cone ]; then
		pass="iifname \"$wan\" ct state new udp dport 1024-65535 accept"
		cone="iifname \"$wan\" udp dport 1024-65535 dnat to $cone_host"
	fi
	if [ -n "${LAB_GUARD_UPNP:-}" ]; then
		prio=-99
		pass="iifname \"$wan\" ct status dnat accept
			iifname \"$wan\" ip saddr { $LAB_STUN_IP1, $LAB_STUN_IP2 } udp sport { 3478, 3479 } accept"
	fi
	ip netns exec "$ns" nft -f - <<-EOT
	table ip lab {
		chain guard {
			type filter hook prerouting priority $prio; policy accept;
			$pass
			iifname "$wan" ct state new drop
		}
		chain cone_in {
			type nat hook prerouting priority -100; policy accept;
			$cone
		}
		chain nat_out {
			type nat hook postrouting priority 100; policy accept;
			oifname "$wan" ip saddr ${lanip%.*}.0/24 $nat
		}
	}
	EOT
}

# lab_firewall6 NS WAN_IF LAN_IF: a home router's stateful IPv6 firewall
# (RFC 6092 REC-5, -11, -14: anything out, only established/related in,
# ICMPv6 errors for established flows via related).
lab_firewall6() {
	local ns=$1 wan=$2 lan=$3
	lab_sysctl "$ns" net.ipv6.conf.all.forwarding=1
	ip netns exec "$ns" nft -f - <<-EOT
	table ip6 lab6 {
		chain filter_fwd {
			type filter hook forward priority 0; policy drop;
			ct state established,related accept
			iifname "$lan" oifname "$wan" accept
			iifname "$wan" counter drop
		}
	}
	EOT
}

# lab_upnp NAME ROUTER_NS LAN_PREFIX [igd]: miniupnpd on the site's router,
# told about the lab only: WAN wan, LAN lan, mappings only to the LAN's /24,
# its public address by STUN from the lab's coturn; with igd, UPnP IGD only.
lab_upnp() {
	local name=$1 r=$2 lanpfx=$3 conf=$T_TMP/$1-upnp.conf natpmp=yes ready='Listening for NAT-PMP/PCP'
	[ "${4:-}" = igd ] && natpmp=no ready='HTTP listening on port'
	t_need_cmd miniupnpd
	ip netns exec "$r" nft -f - <<-EOT || return 1
	table inet labupnp {
		chain forward {
			type filter hook forward priority 0; policy accept;
			jump miniupnpd
		}
		chain miniupnpd {
		}
		chain prerouting {
			type nat hook prerouting priority -100; policy accept;
			jump prerouting_miniupnpd
		}
		chain postrouting {
			type nat hook postrouting priority 99; policy accept;
			jump postrouting_miniupnpd
		}
		chain prerouting_miniupnpd {
		}
		chain postrouting_miniupnpd {
		}
	}
	EOT
	# Every option that matters is set here, not left to a default.
	cat >"$conf" <<-EOT
	ext_ifname=wan
	listening_ip=lan
	port=0
	enable_natpmp=$natpmp
	enable_upnp=yes
	secure_mode=no
	ext_perform_stun=yes
	ext_stun_host=$LAB_STUN_IP1
	ext_stun_port=3478
	system_uptime=no
	lease_file=$T_TMP/$name-upnp.leases
	upnp_table_name=labupnp
	upnp_nat_table_name=labupnp
	upnp_forward_chain=miniupnpd
	upnp_nat_chain=prerouting_miniupnpd
	upnp_nat_postrouting_chain=postrouting_miniupnpd
	min_lifetime=10
	max_lifetime=3600
	clean_ruleset_interval=0
	uuid=6e61742d-6c61-4200-8000-000000000001
	allow 1024-65535 $lanpfx.0/24 1024-65535
	deny 0-65535 0.0.0.0/0 0-65535
	EOT
	lab_bg "$r" "$name-upnp" /usr/sbin/miniupnpd -d -f "$conf" -P "$T_TMP/$name-upnp.pid"
	LAB_UPNP[$name]=$LAB_PID
	t_wait_for 15 grep -q "$ready" "$T_TMP/$name-upnp.log" &&
		grep -q 'Port forwarding is now enabled' "$T_TMP/$name-upnp.log" ||
		{ lab_log "miniupnpd on $name: $(grep -v "parse_stun_response: SOFTWARE\|MAPPED-ADDRESS" "$T_TMP/$name-upnp.log" | tail -25)"; return 1; }
}

# The DNAT rules miniupnpd holds on NAME's router, one a line ("dport P dnat ip to H:P").
lab_upnp_rules() {
	ip netns exec "${LAB_ROUTERS[$1]%% *}" nft list chain inet labupnp prerouting_miniupnpd 2>/dev/null |
		grep -o 'dport [0-9]* dnat.*' || true
}

# lab_lan_host ROUTER_NS LAN_IF NAME IP/24 GW [IP6 GW6]: a host namespace on
# the router's LAN; sets LAB_NS.
lab_lan_host() {
	local r=$1 lan=$2 name=$3 addr=$4 gw=$5 ip6=${6:-} gw6=${7:-} ns port
	lab_ns "$name" || return 1
	ns=$LAB_NS
	LAB_NPORTS=$((LAB_NPORTS + 1))
	port=h$LAB_NPORTS
	ip -n "$r" link add "$port" type veth peer name eth0 netns "$ns" &&
	ip -n "$r" link set "$port" master "$lan" up &&
	ip -n "$ns" addr add "$addr" dev eth0 && ip -n "$ns" link set eth0 up &&
	ip -n "$ns" route add default via "$gw" || return 1
	LAB_IP[$ns]=${addr%/*}
	if [ -z "$ip6" ]; then
		lab_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1
		return 0
	fi
	lab_sysctl "$ns" net.ipv6.conf.all.accept_ra=0
	ip -n "$ns" addr add "$ip6/64" dev eth0 nodad &&
	ip -n "$ns" -6 route add default via "$gw6" dev eth0 || return 1
	LAB_IP6[$ns]=$ip6
}

lab_site() {
	local name=$1 type=$2 k pub r cgn h lanpfx nhosts=1 i hosts= f v6= upnp= igd= wan6= lan6=
	shift 2
	for f in "$@"; do
		case $f in
		v6) v6=1 ;;
		upnp) upnp=1 ;;
		igd) upnp=1 igd=igd ;;
		*) lab_log "unknown site flag $f"; return 1 ;;
		esac
	done
	LAB_NSITES=$((LAB_NSITES + 1))
	k=$LAB_NSITES
	pub=198.51.100.$((10 + k))
	lanpfx=192.168.$k
	[ -n "${LAB_LAN_SAME:-}" ] && lanpfx=192.168.1
	if [ -n "$v6" ]; then
		wan6=2001:db8::100:$k
		lan6=2001:db8:$k:
	fi
	LAB_TYPE[$name]=$type
	LAB_PUBIP[$name]=$pub
	LAB_FLAGS[$name]="$*"
	LAB_K[$name]=$k
	case $type in
	none)
		[ -z "$upnp" ] || { lab_log "$name: a none site has no router for upnp"; return 1; }
		lab_ns "$name-h1" || return 1
		h=$LAB_NS
		lab_wire "$h" "$pub/24" eth0 "$wan6" || return 1
		LAB_IP[$h]=$pub
		[ -n "$v6" ] && LAB_IP6[$h]=$wan6
		LAB_HOSTS[$name]=$h
		LAB_EDGE[$name]="$h eth0 -"
		LAB_ROUTERS[$name]=
		return 0
		;;
	cone | prc | sym | samenat)
		lab_ns "$name-r" || return 1
		r=$LAB_NS
		lab_wire "$r" "$pub/24" wan "$wan6" || return 1
		[ -n "$upnp" ] && local LAB_GUARD_UPNP=1
		case $type in
		cone) lab_router "$r" wan lan "$lanpfx.1/24" masquerade cone "$lanpfx.10" ;;
		sym) lab_router "$r" wan lan "$lanpfx.1/24" "masquerade fully-random" ;;
		*) lab_router "$r" wan lan "$lanpfx.1/24" masquerade ;;
		esac || return 1
		if [ -n "$v6" ]; then
			ip -n "$r" addr add "${lan6}:1/64" dev lan nodad &&
			lab_firewall6 "$r" wan lan && lab_route6 "${lan6}:/64" "$wan6" "$r" || return 1
		fi
		[ "$type" = samenat ] && nhosts=2
		for ((i = 1; i <= nhosts; i++)); do
			lab_lan_host "$r" lan "$name-h$i" "$lanpfx.$((9 + i))/24" "$lanpfx.1" \
				${v6:+"${lan6}:$((9 + i))" "${lan6}:1"} || return 1
			hosts="$hosts $LAB_NS"
		done
		LAB_HOSTS[$name]=${hosts# }
		LAB_EDGE[$name]="$r wan lan"
		LAB_ROUTERS[$name]=$r
		if [ -n "$upnp" ]; then
			lab_upnp "$name" "$r" "$lanpfx" $igd || return 1
		fi
		;;
	double)
		[ -z "$v6$upnp" ] || { lab_log "$name: double takes no flags"; return 1; }
		lab_ns "$name-cgn" || return 1
		cgn=$LAB_NS
		lab_wire "$cgn" "$pub/24" wan || return 1
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
	case " ${LAB_FLAGS[$name]} " in
	*" v6 "*) lab_check_v6 "$name" && extra="$extra, $LAB_CHECK_SAID" || ok=1 ;;
	*) lab_check_no_v6 "$name" && extra="$extra, $LAB_CHECK_SAID" || ok=1 ;;
	esac
	case " ${LAB_FLAGS[$name]} " in
	*" upnp "*) lab_check_upnp "$name" && extra="$extra, $LAB_CHECK_SAID" || ok=1 ;;
	*" igd "*) lab_check_upnp "$name" igd && extra="$extra, $LAB_CHECK_SAID" || ok=1 ;;
	esac
	echo "site $name $type${LAB_FLAGS[$name]:+ ${LAB_FLAGS[$name]}}: mapping $map, filtering $filt, mapped $mapped$extra$( [ $ok -eq 0 ] && echo ": OK" || echo ": MISMATCH")"
	return $ok
}

# lab_check_no_v6 NAME: IPv6 is off on every host of the site (and its routers).
lab_check_no_v6() {
	local ns
	for ns in ${LAB_HOSTS[$1]} ${LAB_ROUTERS[$1]}; do
		[ "$(ip netns exec "$ns" sysctl -n net.ipv6.conf.all.disable_ipv6)" = 1 ] &&
			[ -z "$(ip -n "$ns" -6 addr show scope global 2>/dev/null)" ] ||
			{ lab_log "$1: IPv6 is on in $ns"; return 1; }
	done
	LAB_CHECK_SAID="IPv6 off"
}

# lab_check_v6 NAME: host 1 has global IPv6; what it sends out is answered
# (the reply gets back through the firewall); what nobody asked for is not
# let in. Sets LAB_CHECK_SAID.
lab_check_v6() {
	local name=$1 h ip6 refl=$T_ID-refl out got p=$((7600 + 4 * ${LAB_K[$1]}))
	h=$(lab_host "$name")
	ip6=$(lab_v6 "$h")
	[ -n "$ip6" ] || { lab_log "$name: host has no IPv6 address"; return 1; }
	# Solicited: the host writes to the reflector's namespace, which answers.
	lab_bg "$refl" "$name-v6echo" socat -T 3 UDP6-RECVFROM:$p,reuseaddr SYSTEM:'cat; echo answered'
	t_wait_for 3 lab_udp6_bound "$refl" "$p" || { lab_log "$name: socat did not listen"; return 1; }
	out=$(echo asked | ip netns exec "$h" timeout -k 1 4 socat -T 2 - "UDP6:[$LAB_REFL6]:$p,sourceport=$((p + 1))" 2>&1)
	case $out in *answered*) ;; *) lab_log "$name: no answer over IPv6 ($out)"; return 1 ;; esac
	# Unsolicited: the reflector writes to a port the host listens on but
	# never wrote from.
	lab_bg "$h" "$name-v6in" socat -u -T 3 UDP6-RECV:$((p + 2)),reuseaddr OPEN:"$T_TMP/$name-v6in.got",creat,trunc
	t_wait_for 3 lab_udp6_bound "$h" $((p + 2)) || { lab_log "$name: socat did not listen in the host"; return 1; }
	for _ in 1 2 3; do
		echo unsolicited | ip netns exec "$refl" timeout -k 1 2 socat -u - "UDP6-SENDTO:[$ip6]:$((p + 2))" 2>/dev/null
		sleep 0.2
	done
	sleep 0.5
	got=$(cat "$T_TMP/$name-v6in.got" 2>/dev/null)
	[ -z "$got" ] || { lab_log "$name: unsolicited IPv6 got in"; return 1; }
	LAB_CHECK_SAID="IPv6 $ip6 stateful (answers in, unsolicited dropped)"
}

# Is UDP port $2 bound over IPv6 in namespace $1?
lab_udp6_bound() {
	ip netns exec "$1" cat /proc/net/udp6 | awk -v p="$(printf ':%04X' "$2")" \
		'substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# lab_check_upnp NAME: the gateway maps a port on request (NAT-PMP by
# natpmpc, UPnP IGD by upnpc), the mapping lets a stranger in, and deleting
# it removes the rule. Sets LAB_CHECK_SAID.
lab_check_upnp() {
	local name=$1 h gw port=40000 out ext desc
	t_need_cmd natpmpc upnpc
	h=$(lab_host "$name")
	gw=${LAB_IP[$h]%.*}.1
	if [ "${2:-}" = igd ]; then
		# IGD alone: NAT-PMP (and so PCP) gets no mapping.
		out=$(ip netns exec "$h" timeout -k 1 3 natpmpc -g "$gw" -a "$port" "$port" udp 30 2>&1)
		! echo "$out" | grep -q 'Mapped public port' ||
			{ lab_log "$name: NAT-PMP answered an IGD-only gateway: $out"; return 1; }
		[ -z "$(lab_upnp_rules "$name")" ] || { lab_log "$name: rules: $(lab_upnp_rules "$name")"; return 1; }
	fi
	[ "${2:-}" = igd ] || {
	out=$(ip netns exec "$h" timeout -k 1 10 natpmpc -g "$gw" -a "$port" "$port" udp 30 2>&1)
	ext=$(echo "$out" | sed -n 's/.*Mapped public port \([0-9]*\) protocol UDP.*/\1/p')
	[ -n "$ext" ] || { lab_log "$name: NAT-PMP mapping refused: $out"; return 1; }
	lab_upnp_rules "$name" | grep -q "dport $ext dnat ip to ${LAB_IP[$h]}:$port" ||
		{ lab_log "$name: no DNAT rule for $ext: $(lab_upnp_rules "$name")"; return 1; }
	# A stranger (the reflector's namespace, never written to) gets in.
	lab_bg "$h" "$name-upnp-listen" "$LAB_BIN/natcheck" listen --server "$LAB_REFL" \
		--bind "0.0.0.0:$port" --timeout 3000
	t_wait_for 3 grep -q '^mapped' "$T_TMP/$name-upnp-listen.log"
	ip netns exec "$T_ID-refl" timeout -k 1 5 "$LAB_BIN/natcheck" send \
		--to "${LAB_PUBIP[$name]}:$ext" --count 5 >/dev/null 2>&1 || true
	t_wait_for 4 grep -q '^got\|^none' "$T_TMP/$name-upnp-listen.log"
	grep -q '^got' "$T_TMP/$name-upnp-listen.log" ||
		{ lab_log "$name: mapped port $ext lets nobody in: $(cat "$T_TMP/$name-upnp-listen.log")"; return 1; }
	out=$(ip netns exec "$h" timeout -k 1 10 natpmpc -g "$gw" -a "$port" "$port" udp 0 2>&1)
	[ -z "$(lab_upnp_rules "$name")" ] ||
		{ lab_log "$name: NAT-PMP delete left $(lab_upnp_rules "$name")"; return 1; }
	}
	# UPnP IGD: SSDP finds it; upnpc calls it "not connected" (its external
	# address is documentation space), so the SOAP calls name its URL.
	desc=$(ip netns exec "$h" timeout -k 1 15 upnpc -l 2>&1 | sed -n 's/^ *desc: //p' | head -1)
	[ -n "$desc" ] || { lab_log "$name: SSDP found no IGD"; return 1; }
	out=$(ip netns exec "$h" timeout -k 1 15 upnpc -u "$desc" -a "${LAB_IP[$h]}" 40010 40010 UDP 30 2>&1)
	lab_upnp_rules "$name" | grep -q "dport 40010 dnat" ||
		{ lab_log "$name: UPnP IGD mapping failed: $(echo "$out" | tail -3)"; return 1; }
	ip netns exec "$h" timeout -k 1 15 upnpc -u "$desc" -d 40010 UDP >/dev/null 2>&1
	[ -z "$(lab_upnp_rules "$name")" ] ||
		{ lab_log "$name: UPnP delete left $(lab_upnp_rules "$name")"; return 1; }
	if [ "${2:-}" = igd ]; then
		LAB_CHECK_SAID="port mapping by UPnP IGD alone (no NAT-PMP/PCP) adds, deletes"
	else
		LAB_CHECK_SAID="port mapping (NAT-PMP $port->$ext, UPnP IGD) adds, lets in, deletes"
	fi
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

# --- a DHT that behaves like the public one: delay everywhere, NATs, churn -------

declare -A LAB_WDELAY LAB_WDELAY_MS	# per namespace: the wire delayer's pid, its delay

# lab_delay_wire MS|LO-HI [LOSS]: every namespace on the wire (the DHT
# nodes, STUN, the reflector, each site's outer router or none host) delays
# what arrives on its wire interface by MS (iptables raw PREROUTING, before
# conntrack, -j NFQUEUE to a delayer on queue 1; IPv6 too where it is on)
# and, with LOSS > 0, drops LOSS % of it (nftables table inet labwloss).
# Nothing is delayed on the way out, so a packet that crosses the internet
# is delayed exactly once: MS is the one-way delay of every path between two
# namespaces (a round trip is 2 MS) and LOSS the loss of each crossing.
# With LO-HI, each namespace gets its own delay drawn from LO..HI, and a
# path's one-way delay is its receiver's. Namespaces already delayed are
# left as they are, so call it again after adding sites. Not together with
# lab_delay or lab_loss on one site (they share the raw chain and the
# ingress); LAB_WDELAY_MS[NS] says what each namespace got.
lab_delay_wire() {
	local spec=$1 loss=${2:-0} e ns ifn lo hi ms started=()
	[ -x "$LAB_BIN/delayer" ] || { lab_log "no delayer (built without libnetfilter_queue)"; return 1; }
	lo=${spec%-*} hi=${spec#*-}
	{ [ "$lo" -ge 0 ] && [ "$hi" -ge "$lo" ]; } 2>/dev/null || { lab_log "delay $spec: want MS or LO-HI"; return 1; }
	for e in "${LAB_WIRED[@]}"; do
		read -r ns ifn <<<"$e"
		[ -z "${LAB_WDELAY_MS[$ns]:-}" ] || continue
		ms=$((lo + RANDOM % (hi - lo + 1)))
		LAB_WDELAY_MS[$ns]=$ms
		[ "$ms" -gt 0 ] || continue
		lab_bg "$ns" "wdelay-${ns#"$T_ID-"}" "$LAB_BIN/delayer" --queue 1 --delay "$ms"
		LAB_WDELAY[$ns]=$LAB_PID
		started+=("$e")
	done
	# All delayers start at once; the rules go in once each one listens (a
	# queue nobody reads drops what is sent to it).
	for e in "${started[@]}"; do
		read -r ns ifn <<<"$e"
		t_wait_for 5 grep -q '^ready' "$T_TMP/wdelay-${ns#"$T_ID-"}.log" ||
			{ lab_log "delayer in $ns: $(cat "$T_TMP/wdelay-${ns#"$T_ID-"}.log")"; return 1; }
		ip netns exec "$ns" iptables -t raw -A PREROUTING -i "$ifn" -j NFQUEUE --queue-num 1 || return 1
		if [ "$(ip netns exec "$ns" sysctl -n net.ipv6.conf.all.disable_ipv6)" = 0 ]; then
			ip netns exec "$ns" ip6tables -t raw -A PREROUTING -i "$ifn" -j NFQUEUE --queue-num 1 || return 1
		fi
	done
	[ "$loss" -gt 0 ] || return 0
	for e in "${LAB_WIRED[@]}"; do
		read -r ns ifn <<<"$e"
		ip netns exec "$ns" nft list table inet labwloss >/dev/null 2>&1 && continue
		ip netns exec "$ns" nft -f - <<-EOF || return 1
		table inet labwloss {
			chain in {
				type filter hook prerouting priority -300; policy accept;
				iifname "$ifn" numgen random mod 100 < $loss drop
			}
		}
		EOF
	done
}

# lab_static_neigh: every namespace on the wire learns every other one's
# addresses (IPv4, and IPv6 where it has it on) as permanent neighbour
# entries. The kernel's neighbour tables are shared by all namespaces, and
# beyond gc_thresh3 (1024, settable only from the host) entries learnt by
# ARP or ND are refused ("neighbor table overflow" in dmesg) and packets to
# an unresolved address are lost; a wire of n namespaces that all talk to
# each other (a DHT) needs up to n^2. Permanent entries are not counted
# against that limit. Call it once the last namespace is on the wire, in a
# lab of more than about 30 of them.
lab_static_neigh() {
	local e ns ifn mac a v6 all=()
	for e in "${LAB_WIRED[@]}"; do
		read -r ns ifn <<<"$e"
		mac=$(ip -n "$ns" -o link show "$ifn" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
		[ -n "$mac" ] || return 1
		for a in $(ip -n "$ns" -o addr show dev "$ifn" scope global | awk '{ print $4 }'); do
			all+=("$ns ${a%/*} $mac")
		done
	done
	for e in "${LAB_WIRED[@]}"; do
		read -r ns ifn <<<"$e"
		v6=
		case " $LAB_V6_NS " in *" $ns:"*) v6=1 ;; esac
		for a in "${all[@]}"; do
			set -- $a
			[ "$1" != "$ns" ] || continue
			case $2 in *:*) [ -n "$v6" ] || continue ;; esac
			echo "neigh replace $2 lladdr $3 dev $ifn nud permanent"
		done | ip -n "$ns" -batch - || { lab_log "static neighbours in $ns"; return 1; }
	done
}

# lab_dht_site NAME TYPE [BOOT]: a site (lab_site NAME TYPE) whose host runs a
# dhtnode on port 4222, joining through BOOT (default LAB_DHT): a DHT node
# behind a NAT, as many on the public network are. Sets LAB_PID.
lab_dht_site() {
	local h
	lab_site "$1" "$2" || return 1
	h=$(lab_host "$1")
	lab_bg "$h" "dht-$1" dhtnode -s -p "$LAB_DHT_PORT" -b "${3:-$LAB_DHT}"
}

# lab_churner NS BOOT LIFE: a short-lived dhtnode in NS (any port) joins
# through BOOT (IP:PORT), puts a value under one of 64 keys after about a
# second and gets another a second later (so it takes part: it is asked to
# store and it searches), and is killed with SIGKILL LIFE s after it
# started: it vanishes without a word and the routing tables that learnt it
# hold a dead node. Its stdin feeder outlives it by at most 2 s.
lab_churner() {
	local ns=$1 boot=$2 life=$3
	{ sleep 1; echo "p churn$((RANDOM % 64)) $RANDOM"; sleep 1; echo "g churn$((RANDOM % 64))"
	  sleep "$life"; } 2>/dev/null |
		ip netns exec "$ns" timeout -s KILL "$life" dhtnode -p 0 -b "$boot" >/dev/null 2>&1 &
	disown $!
}

# lab_dht_replace I: the DHT's node I vanishes (SIGKILL, no goodbye) and a new
# node with a new id takes its namespace, on the other of ports 4222 and
# 4223 (so no new id appears where an old one was), joining through LAB_DHT.
# LAB_DHT_AT[I] says where it is now.
lab_dht_replace() {
	local i=$1 ns=$T_ID-dht$1 port child
	child=$(pgrep -P "${LAB_DHT_PID[$i]}")
	[ -n "$child" ] && kill -KILL $child 2>/dev/null
	port=4223
	[ "${LAB_DHT_AT[$i]##*:}" = 4223 ] && port=4222
	lab_bg "$ns" "dht$i-$port" dhtnode -s -p "$port" -b "$LAB_DHT"
	LAB_DHT_PID[$i]=$LAB_PID LAB_DHT_AT[$i]=$(lab_dht_ip "$i"):$port
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
