"""The server side of Cognito's SRP-6a (`USER_SRP_AUTH` → `PASSWORD_VERIFIER`), written by hand.

No maintained Python library speaks Cognito's dialect of SRP (its hex padding, its `x`, its HKDF key and its
signed `SECRET_BLOCK`), and the server's side is a few lines of modular arithmetic. The client's side, which
this must agree with bit for bit, is amazon-cognito-identity-js's `AuthenticationHelper.js` (ported as
pycognito's `aws_srp.py`, which the tests sign in with). Where each constant comes from:

- `N`, `g`: the 3072-bit group of RFC 5054, Appendix A (the same prime as RFC 3526 §4, MODP group 15), g = 2;
  `AuthenticationHelper.js` lines 22-49 (`initN`, `g = new BigInteger('2', 16)`).
- `H` = SHA-256 over the bytes of hex strings, and `pad_hex`: `AuthenticationHelper.js` `hash`, `hexHash` and
  `padHex` (a Java BigInteger's two's-complement bytes: a leading `00` when the top bit is set).
- `k = H(pad(N) ‖ pad(g))`: SRP-6a's multiplier (RFC 5054 §2.5.3), with `padHex` rather than RFC 5054's PAD.
- `x = H(pad(salt) ‖ H(poolName ‖ userIdForSrp ‖ ":" ‖ password))`, poolName being the pool id after "_":
  `AuthenticationHelper.getPasswordAuthenticationKey`; `v = g^x mod N` (RFC 5054 §2.4).
- Server: `B = k·v + g^b mod N`, `u = H(pad(A) ‖ pad(B))`, `S = (A·v^u)^b mod N` (RFC 5054 §2.5.4, §2.6).
- The session key: HKDF-SHA256 (RFC 5869) of `pad(S)` with salt `pad(u)`, info "Caldera Derived Key", 16 bytes
  (`AuthenticationHelper.computehkdf`).
- The client's proof: Base64(HMAC-SHA256(key, poolName ‖ userIdForSrp ‖ SECRET_BLOCK bytes ‖ TIMESTAMP))
  (`CognitoUser.authenticateUserInternal`), TIMESTAMP like "Sun Dec 6 10:00:00 UTC 2026".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
INFO = b"Caldera Derived Key"
# The client's TIMESTAMP: "EEE MMM d HH:mm:ss 'UTC' yyyy" in English, the day without a leading zero.
TIMESTAMP = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                       r"[1-9]\d? \d\d:\d\d:\d\d UTC \d{4}")


def pad_hex(value: int | str) -> str:
    """A number as amazon-cognito-identity-js hashes it: even-length hex, `00` first if the top bit is set."""
    text = value if isinstance(value, str) else f"{value:x}"
    if len(text) % 2:
        return "0" + text
    return "00" + text if text[0] in "89abcdefABCDEF" else text


def hex_hash(hex_text: str) -> int:
    return int(hashlib.sha256(bytes.fromhex(hex_text)).hexdigest(), 16)


K = hex_hash(pad_hex(N) + pad_hex(G))


def pool_name(pool_id: str) -> str:
    return pool_id.split("_", 1)[1]


def private_key(pool_id: str, user_id: str, password: str, salt_hex: str) -> int:
    """`x`: what the client derives from the password and the salt."""
    inner = hashlib.sha256(f"{pool_name(pool_id)}{user_id}:{password}".encode()).hexdigest()
    return hex_hash(pad_hex(salt_hex) + inner)


def new_verifier(pool_id: str, user_id: str, password: str) -> tuple[str, str]:
    """A fresh salt and the verifier `v = g^x mod N` (hex), what the pool keeps instead of the password."""
    salt = f"{secrets.randbits(128) | 1 << 127:x}"
    return salt, f"{pow(G, private_key(pool_id, user_id, password, salt), N):x}"


def server_ephemeral(verifier_hex: str) -> tuple[int, int]:
    """`(b, B)`: the server's secret and public values for one sign-in; `b` has 256 random bits, RFC 5054 §3.1's
    minimum (a full-size exponent would cost ten times as much for no gain)."""
    while True:
        b = secrets.randbits(256) | 1 << 255
        big_b = (K * int(verifier_hex, 16) + pow(G, b, N)) % N
        if big_b:
            return b, big_b


def session_key(big_a: int, big_b: int, b: int, verifier_hex: str) -> bytes | None:
    """The 16-byte key both sides derive; None for an `A` that SRP-6a says to refuse (A ≡ 0 or u = 0)."""
    u = hex_hash(pad_hex(big_a) + pad_hex(big_b))
    if big_a % N == 0 or u == 0:
        return None
    shared = pow(big_a * pow(int(verifier_hex, 16), u, N), b, N)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=16, salt=bytes.fromhex(pad_hex(u)), info=INFO)
    return hkdf.derive(bytes.fromhex(pad_hex(shared)))


def claim_signature(key: bytes, pool_id: str, user_id: str, secret_block: bytes, timestamp: str) -> str:
    message = pool_name(pool_id).encode() + user_id.encode() + secret_block + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
