#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/) from the test fixtures.

Standard library only. Signed tokens are signed with the throwaway test key
crates/clerk-auth/tests/fixtures/rsa2048.pk8.pem (RS256, done here with Python integers), so the
`jwt` target starts from tokens that verify. Run from anywhere: `python3 fuzz/seeds.py`. The output
is deterministic; rerunning it rewrites the same files.
"""

import base64
import hashlib
import json
import os
import struct

FUZZ = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(FUZZ, "..", "crates", "clerk-auth", "tests", "fixtures")
EXAMPLES = os.path.join(FUZZ, "..", "crates", "clerk-auth", "tests", "generated", "webhook_examples.json")
NOW = 1_700_000_000


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def pem_der(pem):
    lines = [l for l in pem.decode().splitlines() if l and not l.startswith("-----")]
    return base64.b64decode("".join(lines))


def der_elements(der):
    """The (tag, contents) elements of a DER sequence's contents."""
    out, i = [], 0
    while i < len(der):
        tag, length = der[i], der[i + 1]
        i += 2
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(der[i:i + count], "big")
            i += count
        out.append((tag, der[i:i + length]))
        i += length
    return out


def rsa_private_key(pk8_pem):
    """(n, d) of a PKCS#8 RSA private key."""
    (_, outer), = der_elements(pem_der(pk8_pem))
    _, _, (_, octets) = der_elements(outer)
    (_, rsa), = der_elements(octets)
    ints = [int.from_bytes(v, "big") for _, v in der_elements(rsa)]
    return ints[1], ints[3]


N, D = rsa_private_key(fixture("rsa2048.pk8.pem"))
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rs256(message):
    k = (N.bit_length() + 7) // 8
    t = SHA256_PREFIX + hashlib.sha256(message).digest()
    em = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return pow(int.from_bytes(em, "big"), D, N).to_bytes(k, "big")


def token(header, payload):
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    return signing_input + "." + b64url(rs256(signing_input.encode()))


def write(target, name, data):
    folder = os.path.join(FUZZ, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


SESSION_V2 = {"sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.com", "azp": "https://app.example.com",
              "exp": NOW + 60, "nbf": NOW - 10, "iat": NOW - 10, "v": 2, "fea": "o:dashboard,u:profile",
              "o": {"id": "org_1", "rol": "admin", "slg": "acme", "per": "read,manage", "fpm": "3"},
              "fva": [5, -1], "sts": "active"}
SESSION_V1 = {"sub": "user_1", "exp": NOW + 60, "iat": NOW - 1, "org_id": "org_1", "org_role": "org:admin",
              "org_slug": "acme", "org_permissions": ["org:dashboard:read"], "aud": ["aud_1", "aud_2"]}
HEADER = {"alg": "RS256", "typ": "JWT", "kid": "ins_test_2048"}
M2M = {"sub": "mch_1", "exp": NOW + 60, "iat": NOW, "jti": "mt_1", "scopes": "a b"}
OAUTH = {"sub": "user_1", "exp": NOW + 60, "iat": NOW, "jti": "oat_1", "scp": ["read"], "aud": "aud_1"}
HANDSHAKE = {"handshake": ["__session=abc; Path=/", "__client_uat=1700000000; Path=/"]}


def keys():
    for name in ["rsa2048.spki.pem", "rsa2048.pkcs1.pem", "rsa4096.spki.pem", "rsa1024.spki.pem",
                 "ec-p256.spki.pem", "rsa2048.pk8.pem"]:
        pem = fixture(name)
        stem = name.replace(".", "_")
        write("keys", stem + "_der", b"\x00" + pem_der(pem))
        write("keys", stem + "_pem", b"\x01" + pem)
        write("keys", stem + "_wrapped", b"\x02\x00" + pem_der(pem))
        write("keys", stem + "_escaped", b"\x05" + pem)
    write("keys", "jwks", b"\x03" + fixture("rsa2048.jwks.json"))
    n = N.to_bytes(256, "big")
    write("keys", "components", b"\x04" + struct.pack(">H", len(n)) + n + b"\x01\x00\x01")


def jwt():
    seeds = {
        "session_v2": token(HEADER, SESSION_V2),
        "session_v1": token({"alg": "RS256"}, SESSION_V1),
        "m2m": token({"alg": "RS256", "kid": "ins_test_2048", "cat": "cl_B7d4PD333AAA"}, M2M),
        "oauth": token({"alg": "RS256", "typ": "at+jwt", "kid": "ins_test_2048"}, OAUTH),
        "handshake": token({"alg": "RS256", "kid": "ins_test_2048", "cat": "cl_B7d4PD111AAA"}, HANDSHAKE),
        "expired": token(HEADER, dict(SESSION_V2, exp=NOW - 100)),
    }
    for i, (name, tok) in enumerate(seeds.items()):
        # Mode byte: the verification to run (bits 1..); settings byte: none or all checks.
        for mode in range(0, 12, 2):
            write("jwt", f"{name}_{mode}", bytes([mode, 0x0B if i % 2 else 0]) + tok.encode())
    write("jwt", "structured", b"\x01\x00" + json.dumps(HEADER).encode() + b"\x00"
          + json.dumps(SESSION_V2).encode() + b"\x00" + b"\x01" * 256)
    write("jwt", "alg_none", b"\x00\x00" + (b64url(b'{"alg":"none"}') + "." + b64url(b'{"sub":"u"}') + ".").encode())


def jwt_claims():
    now = struct.pack(">q", NOW)
    payloads = {
        "v2": SESSION_V2, "v1": SESSION_V1, "m2m": M2M, "oauth": OAUTH,
        "floats": {"sub": "user_1", "exp": NOW + 0.5, "nbf": 1.9e9, "iat": -1e300, "aud": "aud_1"},
        "big_fpm": dict(SESSION_V2, o={"id": "org_1", "per": "a,b,c," * 50, "fpm": "340282366920938463463374607431768211457,7"}),
        "actor": dict(SESSION_V2, act={"sub": "user_2", "type": "agent"}, pla="u:pro,o:team", sts="pending"),
    }
    checks = ["org:dashboard:read", "org:admin", "dashboard", "u:profile", "strict_mfa", "pro"]
    for i, (name, payload) in enumerate(payloads.items()):
        write("jwt_claims", name, now + bytes([i * 37 % 256]) + checks[i % len(checks)].encode() + b"\x00"
              + json.dumps(payload).encode())


def webhook():
    with open(EXAMPLES) as f:
        examples = json.load(f)
    for name in ["user.created", "user.deleted", "session.created", "organization.created",
                 "organizationMembership.created", "email.created", "paymentAttempt.updated"]:
        body = json.dumps(examples[name]).encode()
        write("webhook", name, b"\x01\x00\x00msg_1\x00v1,bm90IHRoaXMgb25l\x00" + body)
    write("webhook", "raw", b"\x00msg_1\x001700000000\x00v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v2,x\x00{}")
    write("webhook", "secret", b"\x02whsec_ZG9jIGV4YW1wbGUga2V5LCBub3QgYSByZWFsIG9uZSE=\x00{\"type\":\"user.created\"}")
    write("webhook", "headers", b"\x03\x03\x00msg_1\x00\x011700000000\x00\x02v1,abc\x00{}")


def cookies():
    write("cookies", "session", b"\x00__session\x00__session=eyJ.eyJ.c2ln; __client_uat=1700000000; theme=dark")
    write("cookies", "escaped", b"\x00a\x00a=%C3%A9%20x; b=%zz; a=second;  c = d ;e")
    write("cookies", "headers", b"\x01__session\x00\x02__session=a\x00__session=b; x=%41")
    write("cookies", "bearer", b"\x02Bearer  eyJ.eyJ.sig ")
    write("cookies", "query", b"\x03__clerk_handshake=abc&redirect_url=https%3A%2F%2Fa.io%2F%3Fx%3D1&a+b=c+d&&=x&y")
    write("cookies", "suffix", b"\x04pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk")


def effective_url():
    for i, url in enumerate(["https://app.example.com/sign-in?redirect_url=%2Fx&a=1#frag",
                             "HTTP://localhost:3000", "https://a.io/p/a%20b/?__clerk_synced=true&x=%E2%82%AC",
                             "ftp://x/y", "https://user@host:8443/path?q=a+b"]):
        write("effective_url", f"parse_{i}", b"\x00" + url.encode())
    write("effective_url", "request", b"\x1e/dashboard?__clerk_db_jwt=x\x00app.example.com\x00proxy.example.com, other\x00HTTPS, http\x00https://public.example.com")
    write("effective_url", "absolute", b"\x02https://h.example.com:8443/a/b?c=d\x00\x00\x00\x00")


def publishable_key():
    for i, key in enumerate(["pk_live_Y2xlcmsuZXhhbXBsZS5jb20k", "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk",
                             " pk_test_Y2xlcmsuZXhhbXBsZS5jb20 ", "pk_live_Y2xlcmsuZXhhbXBsZS5jb20kJA==", "sk_live_x"]):
        write("publishable_key", f"key_{i}", b"\x00" + key.encode())
    write("publishable_key", "host", b"\x03foo-bar-13.clerk.accounts.dev")
    write("publishable_key", "host_nopad", b"\x05clerk.example.com")


def org_sync():
    write("org_sync", "slug", b"\x00/orgs/:slug\n/orgs/:slug/(.*)\x00/me\n/me/(.*)\x00org_1\x00acme\x00/orgs/other/settings")
    write("org_sync", "id", b"\x01/o/:id/(.*)\x00/\x00org_1\x00acme\x00/O/org_2/")
    write("org_sync", "personal", b"\x00/orgs/:slug\x00/me/(.*)\x00org_1\x00acme\x00/me/profile")
    write("org_sync", "escaped", b"\x00/orgs/:slug\x00\x00org_1\x00acme\x00/orgs/a%2Fb")


def authenticate():
    session = token(HEADER, SESSION_V2)
    cookie = f"__session={session}; __client_uat={NOW - 100}".encode()
    write("authenticate", "bearer", b"\x00\x00\x80/api\x00\x00\x00\x00\x00\x00\x00\x01\x01\x00Bearer " + session.encode())
    write("authenticate", "cookie_prod", b"\x00\x00\x00/dashboard\x00\x00\x00\x00\x00\x00\x00\x00\x03\x01" + cookie
          + b"\x00\x07document\x00\x02app.example.com")
    write("authenticate", "cookie_dev", b"\x00\x01\x40/?__clerk_db_jwt=dvb_1&__clerk_handshake=" + session.encode()
          + b"\x00\x00\x00\x00\x00\x00__session=new; Path=/\n__client_uat=1\x00\x07\x02\x01" + cookie
          + b"\x00\x07document")
    write("authenticate", "satellite", b"\x00\x08\x07/\x00satellite.example.org\x00\x00https://primary.example.com/sign-in\x00\x00\x00\x00\x00\x02\x07document\x05https://primary.example.com")
    write("authenticate", "machine", b"\x00\x00\x70/\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00Bearer ak_123")


def api_decode():
    ok = b"\x00\x64\x00\x00application/json\x00"  # 200
    write("api_decode", "page_data", ok + b'{"data":[{"id":"user_1","created_at":1},{"id":"user_2"}],"total_count":2.0}')
    write("api_decode", "page_array", ok + b'[{"id":"a"}]')
    write("api_decode", "page_m2m", ok + b'{"m2m_tokens":[],"total_count":null}')
    write("api_decode", "error_422", b"\x01\x42\x00ray_1\x00application/json; charset=utf-8\x00"
          + b'{"errors":[{"code":"form_param_missing","message":"Enter it.","long_message":"Enter an email.",'
          + b'"meta":{"param_name":"email_address"}}],"clerk_trace_id":"trace_1"}')
    write("api_decode", "error_429", b"\x01\x4d 7 \x00\x00\x00" + b'{"errors":[{"code":"too_many_requests","message":"slow down"}]}')
    write("api_decode", "html_502", b"\x01\x92\x00\x00text/html\x00<html>502</html>")


def client():
    write("client", "user", b"\x00\x00user_123\x00\x00\x64application/json\x00{\"id\":\"user_123\"}")
    write("client", "dots", b"\x02\x00%252e%252e\x00\x00\x64\x00{}")
    write("client", "query", b"\x01\x4corg_1\x00user 1/2\x00\x00a@b.io\x01x y+z\x00\x00\x64\x00{\"data\":[],\"total_count\":0}")
    write("client", "error", b"\x03\x80a\x00b\x00\x01\x42application/json\x00{\"errors\":[{\"code\":\"c\",\"message\":\"m\"}]}")


if __name__ == "__main__":
    for generate in [keys, jwt, jwt_claims, webhook, cookies, effective_url, publishable_key, org_sync,
                     authenticate, api_decode, client]:
        generate()
