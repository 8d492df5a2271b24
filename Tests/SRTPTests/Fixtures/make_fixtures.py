#!/usr/bin/env python3
"""Known-answer fixtures for Consort's SRTP target, computed independently of libsrtp.

Implements, from the RFC text only:
  * RFC 3711 §4.3 key derivation (AES-CM PRF, key derivation rate 0), checked against
    the RFC 3711 Appendix B.3 test vector before anything is written;
  * RFC 3711 §4.1.1 AES-CM encryption and §4.2 HMAC-SHA1 authentication (80- and 32-bit tags)
    for SRTP and SRTCP (E flag set, SRTCP index 1);
  * RFC 7714 AEAD_AES_128_GCM / AEAD_AES_256_GCM for SRTP (§8) and SRTCP (§9), 16-byte tag.

For the GCM profiles the 96-bit master salt is zero-padded on the right to the 112 bits the
RFC 3711 KDF expects (what libsrtp, pion and the other deployed stacks do).
For AES_CM_128_HMAC_SHA1_32, SRTCP keeps the 80-bit tag (RFC 4568 §6.2.2 / RFC 3711 §5.2).

The first SRTCP packet a fresh sender protects carries index 1, as libsrtp numbers them.

Run:  python3 make_fixtures.py   (writes <PROFILE>.json beside this script)
"""

import hashlib
import hmac
import json
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def kdf(master_key: bytes, master_salt: bytes, label: int, length: int) -> bytes:
    """RFC 3711 §4.3.1 with kdr = 0 (r = 0) and the §4.3.3 AES-CM PRF."""
    salt = master_salt.ljust(14, b"\x00")
    key_id = bytes([label]) + b"\x00" * 6  # label || r, 56 bits
    x = bytearray(salt)
    for i in range(7):
        x[7 + i] ^= key_id[i]
    iv = bytes(x) + b"\x00\x00"  # x * 2^16
    return aes_ctr(master_key, iv, b"\x00" * length)


def check_rfc3711_b3():
    """RFC 3711 Appendix B.3: key derivation test vectors."""
    mk = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139")
    ms = bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")
    assert kdf(mk, ms, 0, 16) == bytes.fromhex("C61E7A93744F39EE10734AFE3FF7A087"), "B.3 cipher key"
    assert kdf(mk, ms, 2, 14) == bytes.fromhex("30CBBC08863D8C85D49DB34A9AE1"), "B.3 cipher salt"
    auth = bytes.fromhex(
        "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
        "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
        "6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2"
    )
    assert kdf(mk, ms, 1, 94) == auth, "B.3 authentication key"


PROFILES = {
    # name: (master key len, master salt len, kind, rtp tag len, rtcp tag len)
    "AES_CM_128_HMAC_SHA1_80": (16, 14, "cm", 10, 10),
    "AES_CM_128_HMAC_SHA1_32": (16, 14, "cm", 4, 10),
    "AEAD_AES_128_GCM": (16, 12, "gcm", 16, 16),
    "AEAD_AES_256_GCM": (32, 12, "gcm", 16, 16),
}


def session_keys(profile, master_key, master_salt, rtcp: bool):
    _, salt_len, kind, _, _ = PROFILES[profile]
    base = 3 if rtcp else 0
    enc = kdf(master_key, master_salt, base + 0, len(master_key))
    auth = kdf(master_key, master_salt, base + 1, 20) if kind == "cm" else b""
    salt = kdf(master_key, master_salt, base + 2, salt_len)
    return enc, auth, salt


def protect_rtp(profile, mk, ms, packet: bytes, roc: int = 0) -> bytes:
    _, _, kind, tag_len, _ = PROFILES[profile]
    k_e, k_a, k_s = session_keys(profile, mk, ms, rtcp=False)
    header_len = 12 + 4 * (packet[0] & 0x0F)  # no extension in these fixtures
    assert packet[0] & 0x10 == 0
    seq = struct.unpack(">H", packet[2:4])[0]
    ssrc = struct.unpack(">I", packet[8:12])[0]
    header, payload = packet[:header_len], packet[header_len:]
    if kind == "cm":
        index = (roc << 16) | seq
        iv = int.from_bytes(k_s, "big") << 16
        iv ^= ssrc << 64
        iv ^= index << 16
        encrypted = header + aes_ctr(k_e, iv.to_bytes(16, "big"), payload)
        tag = hmac.new(k_a, encrypted + struct.pack(">I", roc), hashlib.sha1).digest()[:tag_len]
        return encrypted + tag
    nonce = bytes(a ^ b for a, b in zip(b"\x00\x00" + struct.pack(">IIH", ssrc, roc, seq), k_s))
    return header + AESGCM(k_e).encrypt(nonce, payload, header)


def protect_rtcp(profile, mk, ms, packet: bytes, index: int = 1) -> bytes:
    _, _, kind, _, tag_len = PROFILES[profile]
    k_e, k_a, k_s = session_keys(profile, mk, ms, rtcp=True)
    ssrc = struct.unpack(">I", packet[4:8])[0]
    header, body = packet[:8], packet[8:]
    e_index = struct.pack(">I", 0x80000000 | index)
    if kind == "cm":
        iv = int.from_bytes(k_s, "big") << 16
        iv ^= ssrc << 64
        iv ^= index << 16
        authenticated = header + aes_ctr(k_e, iv.to_bytes(16, "big"), body) + e_index
        tag = hmac.new(k_a, authenticated, hashlib.sha1).digest()[:tag_len]
        return authenticated + tag
    nonce = bytes(a ^ b for a, b in zip(b"\x00\x00" + struct.pack(">IHI", ssrc, 0, index), k_s))
    return header + AESGCM(k_e).encrypt(nonce, body, header + e_index) + e_index


SSRC = 0xCAFEBABE


def rtp_packet(seq: int, timestamp: int, payload_len: int) -> bytes:
    header = struct.pack(">BBHII", 0x80, 0x00, seq, timestamp, SSRC)  # V=2, PT 0 (PCMU)
    return header + bytes((i * 7 + seq) & 0xFF for i in range(payload_len))


def rtcp_sender_report() -> bytes:
    # RFC 3550 §6.4.1, RC = 0, length 6 words.
    return struct.pack(">BBHIIIIII", 0x80, 200, 6, SSRC, 0xE0A1B2C3, 0xD4E5F607, 0x12345678, 42, 6720)


def main():
    check_rfc3711_b3()
    here = os.path.dirname(os.path.abspath(__file__))
    for name, (key_len, salt_len, _, _, _) in PROFILES.items():
        master_key = bytes(range(1, key_len + 1))
        master_salt = bytes(0xA0 + i for i in range(salt_len))
        rtp = []
        for seq, ts, n in [(0x1234, 0xDECAFBAD, 48), (0x1235, 0xDECAFC4D, 160)]:
            plain = rtp_packet(seq, ts, n)
            rtp.append({"sequenceNumber": seq, "plain": plain.hex(),
                        "protected": protect_rtp(name, master_key, master_salt, plain).hex()})
        sr = rtcp_sender_report()
        fixture = {
            "profile": name,
            "masterKey": master_key.hex(),
            "masterSalt": master_salt.hex(),
            "ssrc": SSRC,
            "rtp": rtp,
            "rtcp": [{"srtcpIndex": 1, "plain": sr.hex(),
                      "protected": protect_rtcp(name, master_key, master_salt, sr, 1).hex()}],
        }
        with open(os.path.join(here, name + ".json"), "w") as f:
            json.dump(fixture, f, indent=2)
            f.write("\n")
    print("RFC 3711 B.3 key derivation: ok; wrote", ", ".join(PROFILES))


if __name__ == "__main__":
    main()
