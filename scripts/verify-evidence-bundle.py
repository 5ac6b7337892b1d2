#!/usr/bin/env python3
"""Verify a Charter evidence bundle without Charter.

Written from docs/evidence.md alone, with Python's standard library and the `cryptography`
package's Ed25519. Checks that the checkpoint is signed by the log's key, that the leaf is in
the tree the checkpoint signs (RFC 6962 / RFC 9162 inclusion proof), and that the banner, the
cookie inventory and the policy revisions in the bundle are exactly the ones the leaf commits
to, and the IP prefix and user agent too while the bundle carries them.

usage: verify-evidence-bundle.py BUNDLE [--public-key KEY]

KEY is the log's public key as /.well-known/charter-log.pub serves it (or a file holding it),
obtained from somewhere other than the bundle. Exit status 0: verified; 1: rejected, with the
reason; 2: the bundle could not be read.
"""

import argparse
import base64
import binascii
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "charter-evidence-bundle/1"


class Rejected(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def b64(text, what):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise Rejected(f"{what} is not base64")


def public_key(verifier_key):
    """A signed-note verifier key: name+key id (8 hex digits)+base64(0x01 || Ed25519 key)."""
    parts = verifier_key.strip().split("+", 2)
    if len(parts) != 3:
        raise Rejected("the public key is not of the form name+id+key")
    name, key_id, key = parts
    raw = b64(key, "the public key")
    if len(raw) != 33 or raw[0] != 1:
        raise Rejected("the public key is not an Ed25519 key")
    expected_id = sha256(name.encode() + b"\n" + raw)[:4]
    if key_id != expected_id.hex():
        raise Rejected("the public key's id does not match its name and key")
    return name, expected_id, Ed25519PublicKey.from_public_bytes(raw[1:])


def open_checkpoint(note, verifier_key):
    """The (size, root) a signed checkpoint commits to, once its signature verifies."""
    name, key_id, key = public_key(verifier_key)
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise Rejected("the checkpoint is not a signed note")
    body = (text + "\n").encode()
    signed = False
    for line in signatures[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Rejected("a signature line of the checkpoint is malformed")
        signer, _, signature = line[2:].partition(" ")
        raw = b64(signature, "a checkpoint signature")
        if signer == name and raw[:4] == key_id:
            try:
                key.verify(raw[4:], body)
            except InvalidSignature:
                raise Rejected("the checkpoint's signature does not verify")
            signed = True
    if not signed:
        raise Rejected("the checkpoint is not signed by the log's key")
    lines = text.split("\n")
    if len(lines) < 3 or lines[0] != name:
        raise Rejected("the checkpoint does not name the log the key belongs to")
    size_text, root_text = lines[1], lines[2]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise Rejected("the checkpoint's tree size is not a number")
    root = b64(root_text, "the checkpoint's root")
    if len(root) != 32:
        raise Rejected("the checkpoint's root is not a SHA-256 hash")
    return int(size_text), root


def root_from_inclusion(index, size, leaf, proof):
    """RFC 9162, section 2.1.3.2."""
    if not 0 <= index < size:
        raise Rejected(f"leaf {index} cannot be in a tree of {size} leaves")
    fn, sn, root = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise Rejected("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            root = node_hash(sibling, root)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            root = node_hash(root, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Rejected("the inclusion proof is too short")
    return root


def commitment(salt, field, value):
    try:
        salt_bytes = bytes.fromhex(salt)
    except (ValueError, TypeError):
        raise Rejected("the context's salt is not hexadecimal")
    return sha256(salt_bytes + field.encode() + b"\x00" + value.encode()).hex()


def verify(bundle, trusted_key):
    if bundle.get("format") != FORMAT:
        raise Rejected(f"not a {FORMAT} file")
    key = trusted_key or bundle["log"]["public_key"]
    if trusted_key and trusted_key.strip() != bundle["log"]["public_key"].strip():
        raise Rejected("the bundle names another public key than the one given")
    size, root = open_checkpoint(bundle["checkpoint"], key)

    leaf_bytes = bundle["leaf"]["bytes"].encode()
    index = bundle["leaf"]["index"]
    if not isinstance(index, int) or isinstance(index, bool):
        raise Rejected("the leaf's index is not a number")
    proof = [b64(h, "an inclusion proof hash") for h in bundle["inclusion_proof"]]
    if any(len(h) != 32 for h in proof):
        raise Rejected("an inclusion proof hash is not a SHA-256 hash")
    if root_from_inclusion(index, size, leaf_hash(leaf_bytes), proof) != root:
        raise Rejected(f"leaf {index} is not in the tree the checkpoint signs")

    try:
        leaf = json.loads(leaf_bytes)
    except ValueError:
        raise Rejected("the leaf is not JSON")
    if leaf.get("v") != 1 or leaf.get("type") != "consent-event":
        raise Rejected("the leaf is not a consent event of version 1")

    banner = bundle["banner"]
    if sha256(banner["text"].encode()).hex() != banner["sha256"]:
        raise Rejected("the banner's text does not match its hash")
    if banner["sha256"] != leaf["banner_sha256"]:
        raise Rejected("the banner is not the one the event names")

    inventory = bundle["inventory"]
    if sha256(inventory["json"].encode()).hex() != inventory["version"]:
        raise Rejected("the inventory does not match its version")
    if inventory["version"] != leaf["configuration"]:
        raise Rejected("the inventory is not the one the event names")

    linked = {(r["id"], r["sha256"]) for r in leaf["revisions"]}
    bundled = set()
    for revision in bundle["revisions"]:
        if sha256(revision["markdown"].encode()).hex() != revision["sha256"]:
            raise Rejected(f"revision {revision['id']}'s text does not match its hash")
        bundled.add((revision["id"], revision["sha256"]))
    if bundled != linked:
        raise Rejected("the revisions are not the ones the event names")

    context = bundle.get("context")
    if context is not None:
        for field in ("ip_prefix", "user_agent"):
            if commitment(context["salt"], field, context[field]) != leaf[f"{field}_commitment"]:
                raise Rejected(f"the {field.replace('_', ' ')} is not the one the event committed to")
    return leaf, size, context is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle")
    parser.add_argument("--public-key", help="the log's public key, or a file holding it")
    arguments = parser.parse_args()
    trusted = arguments.public_key
    if trusted and "+" not in trusted:
        with open(trusted, encoding="utf-8") as file:
            trusted = file.read()
    try:
        with open(arguments.bundle, encoding="utf-8") as file:
            bundle = json.load(file)
    except (OSError, ValueError) as error:
        print(f"cannot read {arguments.bundle}: {error}", file=sys.stderr)
        return 2
    try:
        leaf, size, with_context = verify(bundle, trusted)
    except Rejected as rejected:
        print(f"rejected: {rejected}", file=sys.stderr)
        return 1
    except (KeyError, TypeError, AttributeError) as error:
        print(f"rejected: the bundle lacks or mangles {error}", file=sys.stderr)
        return 1
    if not trusted:
        print(
            "warning: checked with the public key the bundle names; "
            "pass --public-key from another source to trust it",
            file=sys.stderr,
        )
    chosen = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in sorted(leaf["choices"].items()))
    print(
        f"verified: consent event {leaf['id']} ({leaf['action']} by {leaf['method']}: {chosen}) "
        f"is leaf {bundle['leaf']['index']} of the {size}-leaf tree the checkpoint signs, "
        f"with its banner, inventory and {len(bundle['revisions'])} revision(s)"
        + (", IP prefix and user agent" if with_context else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
