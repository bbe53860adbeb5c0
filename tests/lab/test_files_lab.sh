#!/usr/bin/env bash
# tests/lab/test_files_lab.sh — files between two NATed peers.
#
#   internet ── dht1 dht2 dht3, stun (coturn), refl
#      ├─ A prc ── hA1   A: gonet, the sender
#      │                 H: tests/lab/gonet_hostile, a sender that offers
#      │                    any name it is given (FILE.name), beside A
#      └─ B prc ── hB1   B: gonet, the receiver (--download-dir $T_TMP/B/dl)
#
# Both sites are port-restricted cone NATs (checked first). In order:
#   (e) H offers a file that B never accepts: B's download directory stays
#       empty, and H's and B's counters (/files) show no DATA at all.
#   (f) idle: A and B write NCHAT lines each; latency is measured.
#   (a) A sends 100 MB of random bytes; it arrives byte-identical (cmp).
#       A and B keep writing chat lines while it runs: every one arrives,
#       and the latency during the transfer is printed beside the idle one.
#   (d) H offers hostile names ("../x", an absolute path, control
#       characters, a leading dot, a name B already has): each is saved
#       inside the download directory under a safe name, the file that was
#       there is unchanged, and nothing appears outside.
#   (b) A sends SMALL_MB; half way, both routers forget every NAT mapping
#       (conntrack -F): it completes, byte-identical, and resumes instead of
#       restarting: A's counters show fewer DATA sent for it than the file
#       plus RESUME_SLACK of it (a restart at half way would send 1.5x),
#       and any later "started" of A's is from a non-zero offset.
#   (c) A sends SMALL_MB; half way, B is killed (SIGKILL) and started again
#       with the same identity and download directory: B resumes it from
#       its part without asking its user again (its "started" is from a
#       non-zero offset, no "offered"), it completes byte-identical, and A's
#       counters bound what was sent as in (b). How B came back to A
#       (directly, A pinging the candidates of B's new record at once, or
#       through a fallback after 20 s when the DHT was slow) is printed.
# Latencies come from the events: a "message" carries the sender's unix_ms
# when it was written, and every line of a peer's stdout is stamped (bash's
# EPOCHREALTIME) as it is read; the namespaces share one clock. They are
# printed (median, max), never asserted. Root, and a gonet with the session,
# else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"

[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
"$LAB_GONET" --help 2>&1 | grep -q -- '--download-dir' || t_fail "$LAB_GONET has no --download-dir"
HOSTILE=$T_BUILD/tests/lab/gonet_hostile
[ -x "$HOSTILE" ] || t_fail "no $HOSTILE"
BIG_MB=${BIG_MB:-100}
SMALL_MB=${SMALL_MB:-40}
NCHAT=${NCHAT:-10}
RESUME_SLACK=${RESUME_SLACK:-35}	# percent of the file sent beyond it (retransmissions)
LAB_GONET_LIMIT=400
start=$SECONDS

lab_init || t_fail "lab_init"
for s in A B; do lab_site "$s" prc || t_fail "lab_site $s prc"; done
pids=()
for s in A B; do lab_check_site "$s" prc >"$T_TMP/check-$s.out" 2>&1 & pids+=($!); done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=1; done
cat "$T_TMP"/check-*.out | grep '^site'
[ "$bad" -eq 0 ] || { cat "$T_TMP"/check-*.out >&2; t_fail "a site does not behave as named"; }
t_lab=$((SECONDS - start))

ROOM="lab/$T_ID/files/$RANDOM$RANDOM"
DL=$T_TMP/B/dl
SRC=$T_TMP/src
mkdir -p "$SRC" "$T_TMP/outside"
declare -A FP

# Each line gonet writes is stamped with the time it was read (µs).
stamp() {
	local l
	while IFS= read -r l; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$l"; done
}

# peer NAME NS BIN: `BIN --batch` in NS like lab_gonet, with its own HOME
# under $T_TMP/NAME (identity, download directory dl), run from
# $T_TMP/NAME/cwd/sub (so a "../x" relative to it would land in
# $T_TMP/NAME/cwd), stdout stamped into $T_TMP/NAME.log. LAB_GPID[NAME] is
# gonet's own pid.
peer() {
	local name=$1 ns=$2 bin=$3 d=$T_TMP/$1 fd tpid
	mkdir -p "$d/config" "$d/cache" "$d/cwd/sub" && rm -f "$d/in" && mkfifo "$d/in" || return 1
	exec {fd}<>"$d/in"
	LAB_FD[$name]=$fd
	(
		cd "$d/cwd/sub" || exit 1
		exec ip netns exec "$ns" env HOME="$d" XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" \
			GONET_BOOTSTRAP= timeout -k 2 "$LAB_GONET_LIMIT" "$bin" --batch --nick "$name" \
			--no-lan-discovery --bootstrap "$LAB_DHT" --stun "$LAB_STUN" --download-dir "$d/dl" "$ROOM" \
			<"$d/in" 2>"$T_TMP/$name.err" > >(stamp >"$T_TMP/$name.log")
	) &
	tpid=$!
	disown "$tpid"
	# $tpid became timeout; its children are gonet and the stamping subshell.
	t_wait_for 3 pgrep -P "$tpid" -x "${bin##*/}" || return 1
	LAB_GPID[$name]=$(pgrep -P "$tpid" -x "${bin##*/}")
	t_wait_for 10 grep -q '"what":"identity"' "$T_TMP/$name.log" ||
		t_fail "$name did not start: $(cat "$T_TMP/$name.err")"
	FP[$name]=$(sed -n 's/.*"what":"identity".*"fp":"\([0-9a-f-]*\)".*/\1/p' "$T_TMP/$name.log" | head -1)
}

# up X Y: X has a path to Y.
up() { grep '"event":"path-up"' "$T_TMP/$1.log" | grep -q "\"fp\":\"${FP[$2]}\""; }

# fev NAME WHAT FILE: the lines of NAME's "file" events WHAT for FILE.
fev() { grep '"event":"file"' "$T_TMP/$1.log" | grep "\"what\":\"$2\"" | grep "\"file\":\"$3\""; }

# xfer_of NAME WHAT FILE: the transfer number of the first such event.
xfer_of() { fev "$1" "$2" "$3" | head -1 | sed -n 's/.*"xfer":\([0-9]*\).*/\1/p'; }

# counters NAME: "in out retransmitted" DATA counts, from /files.
counters() {
	local n
	n=$(grep -c '"text":"files: data in' "$T_TMP/$1.log")
	lab_say "$1" /files
	t_wait_for 5 sh -c "[ \$(grep -c '\"text\":\"files: data in' '$T_TMP/$1.log') -gt $n ]" ||
		t_fail "$1 did not answer /files"
	grep '"text":"files: data in' "$T_TMP/$1.log" | tail -1 |
		sed -n 's/.*data in \([0-9]*\), out \([0-9]*\), retransmitted \([0-9]*\),.*/\1 \2 \3/p'
}

# offer_accept FROM FILE: FROM offers $SRC/FILE to B, B accepts it.
offers() { grep '"event":"file"' "$T_TMP/B.log" | grep '"what":"offered"' | grep -c "\"fp\":\"${FP[$1]}\""; }
offer_accept() {
	local from=$1 f=$2 n k
	k=$(offers "$from")
	lab_say "$from" "/send $SRC/$f B"
	t_wait_for 20 sh -c "[ \$(grep '\"event\":\"file\"' '$T_TMP/B.log' | grep '\"what\":\"offered\"' |
		grep -c '\"fp\":\"${FP[$from]}\"') -gt $k ]" || t_fail "B got no offer of $f from $from: $(tail -3 "$T_TMP/$from.log")"
	n=$(grep '"event":"file"' "$T_TMP/B.log" | grep '"what":"offered"' | grep "\"fp\":\"${FP[$from]}\"" |
		tail -1 | sed -n 's/.*"xfer":\([0-9]*\).*/\1/p')
	lab_say B "/accept $n"
}

# part_at_least BYTES: B's part of the running transfer holds that much.
part_at_least() {
	local f
	for f in "$DL"/.gonet-*.part; do
		[ -f "$f" ] && [ "$(stat -c %s "$f")" -ge "$1" ] && return 0
	done
	return 1
}

# stamp_of LINE: its stamp in ms.
stamp_of() { echo $((${1%% *} / 1000)); }

# latency R PREFIX: "median max count" ms of R's messages whose text starts with PREFIX.
latency() {
	grep '"event":"message"' "$T_TMP/$1.log" | grep "\"text\":\"$2" |
		sed -n 's/^\([0-9]*\) .*"unix_ms":\([0-9]*\).*/\1 \2/p' |
		awk '{ print int($1 / 1000) - $2 }' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "- - 0"; else print v[int((NR + 1) / 2)], v[NR], NR }'
}

# --- start ----------------------------------------------------------------------------
head -c $((BIG_MB << 20)) /dev/urandom >"$SRC/big.bin"
head -c $((SMALL_MB << 20)) /dev/urandom >"$SRC/flush.bin"
head -c $((SMALL_MB << 20)) /dev/urandom >"$SRC/kill.bin"
head -c 1000000 /dev/urandom >"$SRC/unwanted.bin"
t0=$(lab_ms)
peer A "$(lab_host A)" "$LAB_GONET"
peer B "$(lab_host B)" "$LAB_GONET"
peer H "$(lab_host A)" "$HOSTILE"
paths() { up A B && up B A && up H B && up B H; }
if ! t_wait_for 40 paths; then
	for p in A B H; do t_log "$p:"; grep -v '"status"' "$T_TMP/$p.log" | tail -6 >&2; done
	t_fail "no paths A<->B, H<->B in 40 s"
fi
echo "up: A<->B and H<->B $(($(lab_ms) - t0)) ms after launch;" \
	"A->B $(grep '"event":"path-up"' "$T_TMP/A.log" | grep "${FP[B]}" | head -1 | sed 's/^[0-9]* //')"

# --- (e) an offer nobody accepts ------------------------------------------------------
lab_say H "/send $SRC/unwanted.bin B"
t_wait_for 20 sh -c "grep '\"event\":\"file\"' '$T_TMP/B.log' | grep '\"what\":\"offered\"' | grep -q unwanted.bin" ||
	t_fail "(e) B never saw the offer: $(tail -3 "$T_TMP/H.log")"
sleep 3					# the offer is repeated meanwhile (1 s, 2 s)
[ -z "$(ls -A "$DL" 2>/dev/null)" ] || t_fail "(e) B's download directory holds $(ls -A "$DL")"
read -r h_in h_out _ < <(counters H)
read -r b_in b_out _ < <(counters B)
[ "$h_out" = 0 ] && [ "$b_in" = 0 ] || t_fail "(e) DATA went over: H out $h_out, B in $b_in"
fev B started unwanted.bin && t_fail "(e) B started an offer it did not accept"
n=$(xfer_of H waiting unwanted.bin)
lab_say H "/cancel $n"
t_wait_for 10 sh -c "grep '\"what\":\"failed\"' '$T_TMP/B.log' | grep unwanted.bin | grep -q cancelled" ||
	t_fail "(e) B was not told of the cancel"
[ -z "$(ls -A "$DL" 2>/dev/null)" ] || t_fail "(e) B's download directory holds $(ls -A "$DL")"
echo "(e) unaccepted offer: nothing in B's directory, H sent 0 DATA, B got 0; cancelled on both sides"

# --- (f) chat when idle -----------------------------------------------------------------
for i in $(seq 1 "$NCHAT"); do
	lab_say A "idle-A-$i"
	lab_say B "idle-B-$i"
	sleep 0.1
done
t_wait_for 10 sh -c "[ \$(grep -c '\"text\":\"idle-A-' '$T_TMP/B.log') -ge $NCHAT ] &&
	[ \$(grep -c '\"text\":\"idle-B-' '$T_TMP/A.log') -ge $NCHAT ]" || t_fail "(f) idle lines lost"

# --- (a) 100 MB, with chat lines during it ----------------------------------------------
ta=$(lab_ms)
offer_accept A big.bin
i=0
while ! fev B done big.bin >/dev/null && ! fev B failed big.bin >/dev/null && [ $i -lt 900 ]; do
	i=$((i + 1))
	if fev B started big.bin >/dev/null; then
		lab_say A "busy-A-$i"
		lab_say B "busy-B-$i"
	fi
	sleep 0.2
done
fev B done big.bin >/dev/null || t_fail "(a) not received: $(fev B failed big.bin; tail -3 "$T_TMP/A.log")"
t_wait_for 10 fev A done big.bin || t_fail "(a) A never heard it was done"
cmp "$SRC/big.bin" "$DL/big.bin" || t_fail "(a) $DL/big.bin differs from what A sent"
s_ms=$(stamp_of "$(fev B started big.bin | head -1)")
d_ms=$(stamp_of "$(fev B done big.bin | head -1)")
echo "(a) $BIG_MB MB byte-identical: accepted -> saved $((d_ms - s_ms)) ms" \
	"($(awk -v b=$((BIG_MB << 20)) -v ms=$((d_ms - s_ms)) 'BEGIN { printf "%.1f", b / ms / 1000 }') MB/s)," \
	"/send -> saved $((d_ms - ta)) ms"
# Every chat line written during it arrives.
for pair in "A B" "B A"; do
	read -r s r <<<"$pair"
	want=$(grep '"event":"sent"' "$T_TMP/$s.log" | grep -c "\"text\":\"busy-$s-")
	t_wait_for 10 sh -c "[ \$(grep '\"event\":\"message\"' '$T_TMP/$r.log' | grep -c '\"text\":\"busy-$s-') -ge $want ]" ||
		t_fail "(f) $s wrote $want lines during the transfer, $r got $(grep '"event":"message"' "$T_TMP/$r.log" | grep -c "busy-$s-")"
done
read -r im ix in_ < <(latency B idle-A-)
read -r bm bx bn < <(latency B busy-A-)
read -r im2 ix2 in2 < <(latency A idle-B-)
read -r bm2 bx2 bn2 < <(latency A busy-B-)
echo "(f) chat latency A->B (with the data): idle median $im ms, max $ix ms ($in_ lines);" \
	"during the transfer median $bm ms, max $bx ms ($bn lines)"
echo "(f) chat latency B->A (against it):    idle median $im2 ms, max $ix2 ms ($in2 lines);" \
	"during the transfer median $bm2 ms, max $bx2 ms ($bn2 lines)"

# --- (d) hostile names --------------------------------------------------------------------
# name_file BASE NAME: $SRC/BASE (random content) to be offered as NAME.
name_file() {
	head -c 5000 /dev/urandom >"$SRC/$1"
	printf '%s' "$2" >"$SRC/$1.name"
}
name_file h1 "../x"
name_file h2 "$T_TMP/outside/abs.txt"
name_file h3 $'ctl\x1b[31mred\x07\rend\x7f.txt'
name_file h4 "exists.txt"
name_file h5 ".gonet-0123456789abcdef0123456789abcdef.part"
name_file h6 "../../../../../../../../tmp/$T_ID-escape"
printf 'already here\n' >"$DL/exists.txt"
cp "$DL/exists.txt" "$T_TMP/exists.orig"
before=$(cd "$T_TMP" && find . -path ./B/dl -prune -o -path ./B/cache -prune -o -path ./A -prune -o \
	-path ./H -prune -o -path ./src -prune -o -name '*.log' -o -name '*.err' -o -print | sort)
for h in h1 h2 h3 h4 h5 h6; do offer_accept H "$h"; done
t_wait_for 30 sh -c "[ \$(grep '\"event\":\"file\"' '$T_TMP/B.log' | grep '\"what\":\"done\"' | grep -c '\"fp\":\"${FP[H]}\"') -ge 6 ]" ||
	t_fail "(d) not all six arrived: $(grep '"event":"file"' "$T_TMP/B.log" | grep "${FP[H]}" | grep -v progress | tail -8)"
after=$(cd "$T_TMP" && find . -path ./B/dl -prune -o -path ./B/cache -prune -o -path ./A -prune -o \
	-path ./H -prune -o -path ./src -prune -o -name '*.log' -o -name '*.err' -o -print | sort)
[ "$before" = "$after" ] || t_fail "(d) something changed outside the download directory: $(diff <(echo "$before") <(echo "$after"))"
[ ! -e "/tmp/$T_ID-escape" ] && [ ! -e "$T_TMP/B/x" ] && [ ! -e "$T_TMP/B/cwd/x" ] && [ ! -e "$T_TMP/x" ] &&
	[ -z "$(ls -A "$T_TMP/outside")" ] || t_fail "(d) a file escaped the download directory"
cmp -s "$T_TMP/exists.orig" "$DL/exists.txt" || t_fail "(d) exists.txt was overwritten"
# Every file H sent is in the download directory, byte for byte, under a
# name of plain characters, and nothing else is there but what A sent.
ok=0
LC_ALL=C
while IFS= read -r -d '' f; do
	base=${f##*/}
	case $base in
	big.bin | exists.txt) continue ;;
	esac
	[ -f "$f" ] && [ ! -L "$f" ] || t_fail "(d) $base is not a regular file"
	[[ $base != *[[:cntrl:]]* ]] || t_fail "(d) a saved name holds a control character: $(printf '%q' "$base")"
	[[ $base != .* ]] || t_fail "(d) a saved name starts with a dot: $base"
	m=
	for h in h1 h2 h3 h4 h5 h6; do cmp -s "$SRC/$h" "$f" && m=$h; done
	[ -n "$m" ] || t_fail "(d) $(printf '%q' "$base") is none of the files H sent"
	printf '(d) %-50s saved as %s\n' "$(printf '%q' "$(cat "$SRC/$m.name")")" "$(printf '%q' "$base")"
	ok=$((ok + 1))
done < <(find "$DL" -mindepth 1 -print0)
[ "$ok" -eq 6 ] || t_fail "(d) $ok of H's 6 files in the download directory"
[ -f "$DL/exists (1).txt" ] || t_fail "(d) the second exists.txt is not \"exists (1).txt\""
echo "(d) hostile names: all 6 saved inside $DL under safe names, exists.txt untouched, nothing outside"

# --- (b) conntrack flushed half way -----------------------------------------------------
# check_resume TAG FILE OUT0: FILE arrived byte-identical, and A, whose DATA
# out counter was OUT0 before, sent it once plus RESUME_SLACK %, never from 0 again.
check_resume() {
	local tag=$1 f=$2 out0=$3 out1 size nseg limit line
	size=$(stat -c %s "$SRC/$f")
	t_wait_for 120 fev B done "$f" || t_fail "($tag) not received: $(fev B failed "$f"; fev A failed "$f")"
	t_wait_for 10 fev A done "$f" || t_fail "($tag) A never heard it was done"
	cmp "$SRC/$f" "$DL/$f" || t_fail "($tag) $DL/$f differs from what A sent"
	read -r _ out1 retx1 < <(counters A)
	nseg=$(((size + 1339) / 1340))
	limit=$((nseg + nseg * RESUME_SLACK / 100))
	echo "($tag) A sent $((out1 - out0)) DATA for $nseg segments (limit $limit; from zero again would be >= $((nseg * 3 / 2)))"
	[ $((out1 - out0)) -le "$limit" ] || t_fail "($tag) A sent $((out1 - out0)) DATA for a file of $nseg segments"
	# Any "started" after the first resumes from where the receiver is.
	while IFS= read -r line; do
		[ "$(lab_field "${line#* }" done)" -gt 0 ] || t_fail "($tag) A started over from 0: $line"
	done < <(fev A started "$f" | tail -n +2)
}
read -r _ out0 _ < <(counters A)
offer_accept A flush.bin
t_wait_for 60 part_at_least $((SMALL_MB << 19)) || t_fail "(b) half never arrived"
tf=$(lab_ms)
lab_conntrack_flush A
lab_conntrack_flush B
echo "(b) both routers flushed at $(stat -c %s "$DL"/.gonet-*.part 2>/dev/null | head -1) bytes"
check_resume b flush.bin "$out0"
echo "(b) completed byte-identical $(($(stamp_of "$(fev B done flush.bin | head -1)") - tf)) ms after the flush;" \
	"A's events: $(fev A stalled flush.bin | wc -l) stalled, $(fev A started flush.bin | wc -l) started"

# --- (c) the receiver killed half way and started again ---------------------------------
read -r _ out0 _ < <(counters A)
offer_accept A kill.bin
t_wait_for 60 part_at_least $((SMALL_MB << 19)) || t_fail "(c) half never arrived"
kill -KILL "${LAB_GPID[B]}"
tk=$(lab_ms)
lab_hangup B
echo "(c) B killed at $(stat -c %s "$DL"/.gonet-*.part 2>/dev/null | head -1) bytes"
mv "$T_TMP/B.log" "$T_TMP/B-killed.log"
sleep 0.5
peer B "$(lab_host B)" "$LAB_GONET"
t_wait_for 60 fev B started kill.bin || t_fail "(c) B did not resume: $(grep -v '"status"' "$T_TMP/B.log" | tail -5)"
# A learns B's new candidates from its record and pings them while its old
# path still looks up, so B comes back directly in seconds; told, not
# asserted: when the DHT is slow to carry B's new record, B's punching gives
# up after 20 s and it comes back through a fallback (still resumed).
ev=$(grep '"event":"path-up"' "$T_TMP/B.log" | grep "\"fp\":\"${FP[A]}\"" | head -1)
echo "(c) the restarted B came back to A by $(lab_field "${ev#* }" path)," \
	"$(($(stamp_of "$ev") - tk)) ms after the kill"
from=$(lab_field "$(fev B started kill.bin | head -1 | sed 's/^[0-9]* //')" done)
fev B offered kill.bin && t_fail "(c) B asked its user again"
[ "$from" -gt 0 ] || t_fail "(c) B started over from 0"
check_resume c kill.bin "$out0"
echo "(c) B resumed from $from bytes; completed byte-identical $(($(stamp_of "$(fev B done kill.bin | head -1)") - tk)) ms after the kill"

for p in A B H; do lab_stop "$p"; done
for p in A H; do
	grep -q '"what":"bye"' "$T_TMP/$p.log" || t_fail "$p did not leave cleanly: $(tail -3 "$T_TMP/$p.log")"
done
ls -A "$DL" | grep -q '^\.gonet-' && t_fail "a part was left behind: $(ls -A "$DL")"
[ -n "${FILES_LAB_LOGS:-}" ] && cp "$T_TMP"/*.log "$T_TMP"/*.err "$FILES_LAB_LOGS"/	# to read them after a pass
echo "summary: lab ${t_lab} s, 100 MB $((d_ms - s_ms)) ms, chat A->B idle $im/$ix ms, during $bm/$bx ms (median/max)," \
	"total $((SECONDS - start)) s"
exit 0
