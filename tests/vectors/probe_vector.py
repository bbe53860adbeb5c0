# Independent check of the probe-family vectors, version 3 (doc/PROTOCOL.md
# "Probes" and "Peer relay"): bodies by hand, XChaCha20-Poly1305 = HChaCha20
# (written out in vectorlib.py) + ChaCha20-Poly1305-IETF from `cryptography`, the
# pairwise tag BLAKE2b-128 from hashlib, the pair key from X25519 of
# `cryptography` and BLAKE2b-256.
# Run: python3 tests/vectors/probe_vector.py (needs python3-cryptography)
# and compare with doc/PROTOCOL.md and tests/unit/test_probe.c, test_relay_msg.c.
import hashlib
import struct
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization

from vectorlib import xchacha_seal

def seal(typ, body, nonce):
    ad = bytes([0xf0, typ])
    ct = xchacha_seal(key, nonce, body, ad)
    m = ad + nonce + ct
    return m + hashlib.blake2b(m, key=pair, digest_size=16).digest()

def raw(k): return k.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def pair_key(priv, their_pub):
    sk = X25519PrivateKey.from_private_bytes(priv)
    our_pub = raw(sk.public_key())
    dh = sk.exchange(__import__('cryptography.hazmat.primitives.asymmetric.x25519', fromlist=['X25519PublicKey']).X25519PublicKey.from_public_bytes(their_pub))
    lo, hi = sorted([our_pub, their_pub])
    return hashlib.blake2b(b'gonet/v3/pair' + dh + lo + hi, key=key, digest_size=32).digest()

def rng(a, n): return bytes(range(a, a + n))
key = rng(0x00, 32)
pair = rng(0xd0, 32)   # the messages' pair key, given (derivation: below)
A, B, R = rng(0x40, 32), rng(0x80, 32), rng(0xa0, 32)
txid = rng(0xc0, 12)
n1, n2, n3 = rng(0x00, 24), rng(0x18, 24), rng(0x30, 24)
n4, n5, n6 = rng(0x48, 24), rng(0x60, 24), rng(0x78, 24)
ts_a = struct.pack('>Q', 1774800100000)
ts_b = struct.pack('>Q', 1774800100005)

vec = {
    'ping': seal(0x31, A + B + ts_a + txid + bytes(19), n1),
    'pong4': seal(0x32, B + A + ts_b + txid + b'\x04' + struct.pack('>H', 32853) + bytes([192, 0, 2, 1]), n2),
    'pong6': seal(0x32, B + A + ts_b + txid + b'\x06' + struct.pack('>H', 51820) + bytes.fromhex('20010db8000000000000000000000001'), n3),
    'data': seal(0x33, A + B + ts_a + bytes.fromhex('04000000') + rng(0xe0, 12), n4),
    'query': seal(0x34, A + R + ts_a + B + b'\x01' + txid, n5),
    'offer': seal(0x34, R + A + ts_b + B + b'\x02' + txid, n6),
}
for k, v in vec.items():
    print(k, len(v), v.hex())

# The pair key: A's X25519 private key 01 .. 20, B's 21 .. 40, probe key 00 .. 1f.
pa, pb = rng(0x01, 32), rng(0x21, 32)
A_pub = raw(X25519PrivateKey.from_private_bytes(pa).public_key())
B_pub = raw(X25519PrivateKey.from_private_bytes(pb).public_key())
kab, kba = pair_key(pa, B_pub), pair_key(pb, A_pub)
assert kab == kba
print('A_pub', A_pub.hex())
print('B_pub', B_pub.hex())
print('pair', kab.hex())
