#!/bin/bash
# Independent check of the room-key vectors: argon2 (reference CLI) + Python hashlib.
# Run: bash tests/vectors/room_vectors.sh; compare with doc/PROTOCOL.md "Room keys".
set -e
command -v argon2 >/dev/null || { echo "SKIP: argon2 CLI not installed (apt-get install argon2)"; exit 77; }
salt_hex=$(python3 -c "import hashlib;print(hashlib.blake2b(b'gonet room salt v1',digest_size=16).hexdigest())")
echo salt=$salt_hex
salt=$(printf "$(echo $salt_hex | sed 's/../\\x&/g')")
for room in 'lobby/room/key' 'café ☕ 部屋'; do
  sec=$(printf '%s' "$room" | argon2 "$salt" -id -t 2 -k 65536 -p 1 -l 32 -r)
  echo "room=$room secret=$sec"
  python3 - "$sec" <<'PY'
import hashlib,sys,struct
s=bytes.fromhex(sys.argv[1])
sub=lambda l: hashlib.blake2b(l,digest_size=32,key=s).digest()
loc=sub(b"gonet/v1/locator")
for n in ("locator","record","psk","probe"):
    print(n+"="+sub(("gonet/v1/"+n).encode()).hex())
for e in (493000,493001):
    print("ih%d="%e+hashlib.blake2b(b"gonet/v1/epoch"+struct.pack(">Q",e),digest_size=20,key=loc).hexdigest())
PY
done
