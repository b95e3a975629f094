"""Envelope encryption of one record's secrets.

Each record has its own random data key (AES-256-GCM). The data key encrypts the
record's secret values; the newest master key wraps the data key. Both layers take the
record's tenant and id as associated data, so a ciphertext copied into another record
(or another tenant's) fails to decrypt instead of handing over the secret.
Rotating a master key re-wraps the data key only (:func:`rewrap`): the payload stays.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError
from .keys import Keyring

_NONCE = 12


@dataclass(frozen=True)
class Sealed:
    """What the database holds for a record's secrets."""

    key_id: str
    wrapped_key: bytes
    ciphertext: bytes


def record_context(tenant: str, record_id: str) -> bytes:
    """Associated data naming the record: length-prefixed, so no two (tenant, id) pairs collide."""
    t, r = tenant.encode("utf-8"), record_id.encode("utf-8")
    return b"connector-core/record/v1\0%d:%b%d:%b" % (len(t), t, len(r), r)


def seal(keyring: Keyring, tenant: str, record_id: str, secrets: list[Any]) -> Sealed:
    """Encrypt ``secrets`` (JSON values) under a new data key wrapped by the newest master key."""
    context = record_context(tenant, record_id)
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_NONCE)
    plaintext = json.dumps(secrets, separators=(",", ":")).encode("utf-8")
    ciphertext = nonce + AESGCM(data_key).encrypt(nonce, plaintext, context)
    kid, wrapped = keyring.wrap(data_key, context)
    return Sealed(kid, wrapped, ciphertext)


def open_sealed(keyring: Keyring, tenant: str, record_id: str, sealed: Sealed) -> list[Any]:
    """The secret values; :class:`DecryptionError` for an unknown key or altered/copied data."""
    context = record_context(tenant, record_id)
    data_key = keyring.unwrap(sealed.key_id, sealed.wrapped_key, context)
    try:
        plaintext = AESGCM(data_key).decrypt(sealed.ciphertext[:_NONCE], sealed.ciphertext[_NONCE:], context)
    except InvalidTag:
        raise DecryptionError("the record's secrets do not match its tenant and id",
                              hint="the stored ciphertext was altered or copied from another record") from None
    return json.loads(plaintext)


def rewrap(keyring: Keyring, tenant: str, record_id: str, sealed: Sealed) -> Sealed:
    """The same payload, its data key wrapped by the newest master key."""
    context = record_context(tenant, record_id)
    data_key = keyring.unwrap(sealed.key_id, sealed.wrapped_key, context)
    kid, wrapped = keyring.wrap(data_key, context)
    return Sealed(kid, wrapped, sealed.ciphertext)
