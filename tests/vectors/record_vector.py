# Independent check of the example record (doc/PROTOCOL.md): msgpack body by
# hand, Ed25519 from `cryptography`, XChaCha20-Poly1305 = HChaCha20 (vectorlib.py) +
# ChaCha20-Poly1305-IETF from `cryptography`.
# Run: python3 tests/vectors/record_vector.py (needs python3-cryptography)
# and compare with doc/PROTOCOL.md "Example record".
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vectorlib import mbin, mstr, muint, xchacha_seal

record_key = bytes.fromhex('7c62e4c5b2b0b71407f988d9f2082cee741a22ee63401f69292372d280921b2e')
ih = bytes.fromhex('d822632a1634d749a4cda1b6b1c165593989cc4e')
sk = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
pk = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
# wg is bound to the id (doc/PROTOCOL.md "Identity"): computed twice, from
# the seed (clamped first half of SHA-512, X25519 base point) and from the
# public key (the birational map u = (1 + y) / (1 - y) mod 2^255 - 19).
import hashlib
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
h = bytearray(hashlib.sha512(bytes(range(32))).digest()[:32])
h[0] &= 248; h[31] &= 127; h[31] |= 64
wg = X25519PrivateKey.from_private_bytes(bytes(h)).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
P = 2**255 - 19
y = int.from_bytes(pk, 'little') & ((1 << 255) - 1)
assert wg == ((1 + y) * pow(1 - y, P - 2, P) % P).to_bytes(32, 'little')
print('wg', wg.hex())
now = 493000 * 3600 + 100
cands = [(0, bytes([192, 168, 1, 20]), 51820), (1, bytes.fromhex('20010db8000000000000000000000001'), 40000)]
body = b'\x87' + mstr(b'v') + muint(1) + mstr(b'id') + mbin(pk) + mstr(b'wg') + mbin(wg) \
    + mstr(b'nick') + mstr(b'alice') + mstr(b'seq') + muint(1774800100000) + mstr(b'exp') + muint(now + 900) \
    + mstr(b'c') + bytes([0x90 | len(cands)]) + b''.join(b'\x93' + muint(k) + mbin(a) + muint(p) for k, a, p in cands)
sig = sk.sign(b'gonet/v1/record' + ih + body)
env = b'\x92' + mbin(body) + mbin(sig)
nonce = bytes(range(24))
value = b'GN\x01' + nonce + xchacha_seal(record_key, nonce, env, b'GN\x01' + ih)
print('pk', pk.hex())
print('body', body.hex())
print('value', len(value), value.hex())
# The same body with "nat": [3, 1] (doc/PROTOCOL.md, after the example).
body_nat = b'\x88' + body[1:] + mstr(b'nat') + b'\x92' + muint(3) + muint(1)
print('body_nat', len(body_nat), body_nat.hex())
