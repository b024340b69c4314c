#!/usr/bin/env python3
"""Writes docs/contract/v1/command-signature-vectors.json: command-signature test vectors made
independently of the gateway's JavaScript.

- JCS (RFC 8785) here is a small Python implementation for the inputs below (objects, arrays,
  strings, finite numbers, true/false/null), not the `canonicalize` package the gateway uses.
  Numbers follow ECMAScript's Number::toString from Python's shortest round-trip repr; members
  are sorted by UTF-16 code units; strings are written as UTF-8 with only the escapes JSON needs.
- Two of RFC 8785's own published examples (sections 3.2.2/3.2.3 and 3.2.3's sorting example)
  are checked against the RFC's published output before anything is written.
- Signatures are Ed25519 by Python's `cryptography` and, when the `openssl` command is present,
  also by `openssl pkeyutl -sign -rawin`; Ed25519 is deterministic, so both must agree.
- The key pair is for tests only: its seed is derived from a public string.

Run: python3 tests/vectors/make_command_signature_vectors.py   (re-running gives the same file)
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def es_number(v):
    if isinstance(v, bool):
        raise TypeError("bool is not a number")
    v = float(v)
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError("NaN and Infinity are not JSON")
    if v == 0:
        return "0"
    if v < 0:
        return "-" + es_number(-v)
    mant, _, exp = repr(v).partition("e")
    exp = int(exp) if exp else 0
    ip, _, fp = mant.partition(".")
    digits = (ip + fp).lstrip("0")
    s = digits.rstrip("0")
    trailing = len(digits) - len(s)
    k = len(s)
    n = exp - len(fp) + trailing + k  # v = 0.s * 10^n
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + s
    e = n - 1
    sign = "+" if e > 0 else "-"
    head = s if k == 1 else s[0] + "." + s[1:]
    return f"{head}e{sign}{abs(e)}"


def jcs(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return es_number(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(jcs(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v.keys(), key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(v[k]) for k in keys) + "}"
    raise TypeError(type(v))


# RFC 8785 section 3.2.2 (input) and 3.2.3 (output), as published.
RFC_INPUT = r'''{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}'''
RFC_OUTPUT = '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' \
    '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
# RFC 8785 section 3.2.3, sorting of object properties: the published order of the names.
RFC_SORT_INPUT = r'''{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}'''
RFC_SORT_ORDER = ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis",
                  "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"]

ES_NUMBERS = {  # ECMAScript's own answers (String(x) in any engine)
    0.1: "0.1", 1e21: "1e+21", 1e20: "100000000000000000000", 1e-7: "1e-7", 1e-6: "0.000001",
    123.0: "123", -0.0: "0", 5e-324: "5e-324", 1.7976931348623157e308: "1.7976931348623157e+308",
    333333333.33333329: "333333333.3333333", 9007199254740993: "9007199254740992",
}


def check_self():
    for x, want in ES_NUMBERS.items():
        assert es_number(x) == want, (x, es_number(x), want)
    assert jcs(json.loads(RFC_INPUT)) == RFC_OUTPUT, jcs(json.loads(RFC_INPUT))
    sorted_obj = json.loads(jcs(json.loads(RFC_SORT_INPUT)))
    assert list(sorted_obj.values()) == RFC_SORT_ORDER, list(sorted_obj.values())


SEED = hashlib.sha256(b"quarterhour command-signature test vectors; TEST KEY, NEVER USE").digest()
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
PUB_RAW = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
PRIV_PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
PUB_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def openssl_sign(data):
    exe = shutil.which("openssl")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as d:
        k, m = os.path.join(d, "k.pem"), os.path.join(d, "m")
        open(k, "w").write(PRIV_PEM)
        open(m, "wb").write(data)
        out = subprocess.run([exe, "pkeyutl", "-sign", "-rawin", "-inkey", k, "-in", m],
                             capture_output=True, check=True)
        return out.stdout


COMMANDS = [
    ("locker.open", "a customer-service open with Chinese text in args (not \\u-escaped)", {
        "id": "cmd-vec-open-1", "gw": "gw-a", "device": "locker-a", "expiresAt": "2030-01-01T00:00:00.000Z",
        "args": {"compartment": "A05", "reason": "住户忘记取件码 (resident forgot the code)"},
    }),
    ("locker.open", "no device: a single-bank site", {
        "id": "cmd-vec-open-2", "gw": "gw-a", "expiresAt": "2030-01-01T00:00:00.000Z",
        "args": {"compartment": "A01", "reason": "客服 test"},
    }),
    ("device.command", "numbers 0.1, 1e21, 1e-7, -0, nested objects, names sorted by UTF-16 units", {
        "id": "cmd-vec-numbers", "gw": "gw-a", "device": "cooler-1", "expiresAt": "2030-01-01T00:00:00.000Z",
        "args": {"name": "setpoint", "args": {
            "celsius": 0.1, "big": 1e21, "tiny": 1e-7, "zero": -0.0, "count": 42,
            "nested": {"z": [1, 2.5, {"b": "é", "a": None}], "a": True},
            "\u20ac": "euro", "\ud83d\ude00".encode("utf-16", "surrogatepass").decode("utf-16"): "emoji",
            "\ufb33": "dalet", "line\u2028sep": "\u0007bell\ttab\"quote\\",
        }},
    }),
    ("ping", "the smallest command", {"id": "cmd-vec-ping", "gw": "gw-b", "expiresAt": "2030-01-01T00:00:00Z"}),
]


def main():
    check_self()
    out = {
        "description": "Ed25519 signatures over RFC 8785 (JCS) canonical commands, made by "
                       "tests/vectors/make_command_signature_vectors.py (Python JCS, Python cryptography "
                       "and openssl Ed25519), independently of the gateway's code. TEST KEY: never use it.",
        "publicKeyBase64": base64.b64encode(PUB_RAW).decode(),
        "publicKeyPem": PUB_PEM,
        "privateKeyPem": PRIV_PEM,
        "canonicalization": [
            {"name": "RFC 8785 3.2.2/3.2.3", "input": RFC_INPUT, "canonical": RFC_OUTPUT},
            {"name": "RFC 8785 3.2.3 sorting", "input": RFC_SORT_INPUT,
             "canonical": jcs(json.loads(RFC_SORT_INPUT))},
        ],
        "commands": [],
    }
    for name, what, cmd in COMMANDS:
        signed = jcs({**cmd, "name": name}).encode("utf-8")
        sig = KEY.sign(signed)
        other = openssl_sign(signed)
        if other is not None:
            assert other == sig, "openssl and cryptography disagree"
        wire = json.dumps({**cmd, "sig": base64.b64encode(sig).decode()}, ensure_ascii=True)
        out["commands"].append({
            "name": name, "what": what, "wire": wire, "signed": signed.decode("utf-8"),
            "sig": base64.b64encode(sig).decode(), "signedBy": "cryptography+openssl" if other else "cryptography",
        })
    target = os.path.join(os.path.dirname(__file__), "../../docs/contract/v1/command-signature-vectors.json")
    with open(target, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"wrote {os.path.normpath(target)}", file=sys.stderr)


if __name__ == "__main__":
    main()
