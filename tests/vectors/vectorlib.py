# What the vector scripts of tests/vectors share, written out from the
# specifications (no code of the C implementation): HChaCha20 and
# XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha: HChaCha20 + ChaCha20-Poly1305-IETF
# from `cryptography`), and msgpack by hand (str, bin, uint: the smallest form).
# Imported by record_vector.py, mailbox_vector.py and probe_vector.py.
import struct
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

def rotl(v, n): return ((v << n) & 0xffffffff) | (v >> (32 - n))
def hchacha20(key, nonce16):
    s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] + list(struct.unpack('<8I', key)) + list(struct.unpack('<4I', nonce16))
    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack('<8I', *(s[0:4] + s[12:16]))
def xchacha_seal(key, nonce, pt, ad):
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).encrypt(b'\0' * 4 + nonce[16:], pt, ad)

def mstr(b): assert len(b) < 32; return bytes([0xa0 | len(b)]) + b
def mbin(b):
    if len(b) < 256: return b'\xc4' + bytes([len(b)]) + b
    return b'\xc5' + struct.pack('>H', len(b)) + b
def muint(v):
    if v < 128: return bytes([v])
    if v < 256: return b'\xcc' + bytes([v])
    if v < 65536: return b'\xcd' + struct.pack('>H', v)
    if v < 2**32: return b'\xce' + struct.pack('>I', v)
    return b'\xcf' + struct.pack('>Q', v)
