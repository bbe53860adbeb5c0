# Independent check of the DHT mailbox vector (doc/PROTOCOL.md "DHT mailbox"):
# keys and infohash by hashlib.blake2b, msgpack by hand, Ed25519 from
# `cryptography`, XChaCha20-Poly1305 = HChaCha20 (vectorlib.py) + ChaCha20-Poly1305-IETF
# from `cryptography`. Shares no code with the C implementation.
# Run: python3 tests/vectors/mailbox_vector.py (needs python3-cryptography)
# and compare with doc/PROTOCOL.md and tests/unit/test_mailbox.c.
import hashlib
import struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from vectorlib import mbin, mstr, muint, xchacha_seal

def keypair(first):
    sk = Ed25519PrivateKey.from_private_bytes(bytes(range(first, first + 32)))
    return sk, sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

locator = bytes.fromhex('612c07075d63a78b3f5490b85964fecb9c4ea9db9e08b566cf891e43e0f9efae')
record_key = bytes.fromhex('7c62e4c5b2b0b71407f988d9f2082cee741a22ee63401f69292372d280921b2e')
label = b'gonet/v1/mailbox'
key = hashlib.blake2b(label, digest_size=32, key=record_key).digest()
sk_a, pk_a = keypair(0x00)
sk_b, pk_b = keypair(0x20)
epoch = 493000
ih = hashlib.blake2b(label + pk_b + struct.pack('>Q', epoch), digest_size=20, key=locator).digest()
now = 493000 * 3600 + 100
frames = [bytes.fromhex('9402cf18bcfe5680000001cf0000018bcfe5687ba26869'),
          bytes.fromhex('9203cf18bcfe5680000001')]
body = b'\x86' + mstr(b'v') + muint(1) + mstr(b'from') + mbin(pk_a) + mstr(b'to') + mbin(pk_b) \
    + mstr(b'seq') + muint(1774800100000) + mstr(b'exp') + muint(now + 300) \
    + mstr(b'frames') + bytes([0x90 | len(frames)]) + b''.join(mbin(f) for f in frames)
sig = sk_a.sign(label + ih + body)
env = b'\x92' + mbin(body) + mbin(sig)
nonce = bytes(range(24))
value = b'GN\x02' + nonce + xchacha_seal(key, nonce, env, b'GN\x02' + ih)
print('recipient', pk_b.hex())
print('key', key.hex())
print('infohash', ih.hex())
print('body', len(body), body.hex())
print('value', len(value), value.hex())
