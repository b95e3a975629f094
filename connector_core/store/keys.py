"""Master keys: where they come from (never the database), and wrapping data keys with them.

A master key is 32 random bytes written as URL-safe base64 (``connectors store
generate-key`` prints one). Several may be active: the first (newest) wraps new data
keys, every one unwraps, so a key is rotated without downtime. Each key is known by a
short id derived from it, stored beside every record, which tells rotation what is left.

Sources, first found wins:

- ``CONNECTOR_CORE_MASTER_KEYS``: comma-separated keys, newest first;
- ``CONNECTOR_CORE_MASTER_KEY_FILE``: a file of keys, one a line, newest first (``#`` comments);
- for development only, ``Keyring.for_development(data_dir)`` creates ``master.key`` in the
  data folder (mode 0600) when nothing else is configured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError, MasterKeyError

ENV_KEYS = "CONNECTOR_CORE_MASTER_KEYS"
ENV_KEY_FILE = "CONNECTOR_CORE_MASTER_KEY_FILE"
DEV_KEY_FILE_NAME = "master.key"
_NONCE = 12


def generate_master_key() -> str:
    """A new master key, as the text to put in the environment or the key file."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def key_id(key: bytes) -> str:
    """A key's public name: a hash prefix (safe to store; it cannot give the key away)."""
    return hashlib.sha256(b"connector-core master key id\0" + key).hexdigest()[:16]


class Keyring:
    """Active master keys, newest first. Wraps data keys with the newest; unwraps with any."""

    def __init__(self, keys: Sequence[bytes], *, source: str = "keys given") -> None:
        if not keys:
            raise MasterKeyError("no master key is configured", hint=_SETUP_HINT)
        self.source = source
        self._keys: dict[str, AESGCM] = {}
        self._order: list[str] = []
        for key in keys:
            kid = key_id(key)
            if kid not in self._keys:
                self._keys[kid] = AESGCM(key)
                self._order.append(kid)

    # -- where keys come from -----------------------------------------------------------

    @classmethod
    def from_text(cls, text: str, *, source: str) -> Keyring:
        """Keys separated by commas or lines, newest first; blank lines and ``#`` comments ignored."""
        keys: list[bytes] = []
        for line in text.replace(",", "\n").splitlines():
            entry = line.split("#", 1)[0].strip()
            if entry:
                keys.append(_decode_key(entry, f"{source}, key {len(keys) + 1}"))
        return cls(keys, source=source)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Keyring:
        """Keys from ``CONNECTOR_CORE_MASTER_KEYS`` or ``CONNECTOR_CORE_MASTER_KEY_FILE``."""
        env = os.environ if environ is None else environ
        if env.get(ENV_KEYS, "").strip():
            return cls.from_text(env[ENV_KEYS], source=ENV_KEYS)
        path = env.get(ENV_KEY_FILE, "").strip()
        if path:
            return cls.from_file(path)
        raise MasterKeyError("no master key is configured", hint=_SETUP_HINT)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> Keyring:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise MasterKeyError(f"cannot read master key file {os.fspath(path)}: {exc.strerror}",
                                 hint=f"check {ENV_KEY_FILE} and the file's permissions") from None
        return cls.from_text(text, source=os.fspath(path))

    @classmethod
    def for_development(cls, data_dir: str | os.PathLike, environ: Mapping[str, str] | None = None,
                        *, create: bool = True) -> Keyring:
        """The configured keys, else ``DATA_DIR/master.key``, created (mode 0600) if missing.

        For demos and a single developer machine: the key then lives beside the database,
        so a copy of the folder holds both. Production sets one of the environment variables.
        """
        env = os.environ if environ is None else environ
        if env.get(ENV_KEYS, "").strip() or env.get(ENV_KEY_FILE, "").strip():
            return cls.from_environment(env)
        path = Path(data_dir) / DEV_KEY_FILE_NAME
        if not create:
            if path.exists():
                return cls.from_file(path)
            return cls.from_environment(env)  # the clear "no master key" error
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls.from_file(path)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# connector-core development master key (newest first). Keep it secret.\n")
            fh.write(generate_master_key() + "\n")
        return cls.from_file(path)

    # -- using them -----------------------------------------------------------------------

    @property
    def current_id(self) -> str:
        """The id of the key that wraps new data keys."""
        return self._order[0]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._order)

    def wrap(self, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        """Wrap a data key with the newest master key -> (key id, nonce + wrapped key)."""
        kid = self.current_id
        nonce = os.urandom(_NONCE)
        return kid, nonce + self._keys[kid].encrypt(nonce, data_key, _wrap_context(kid, context))

    def unwrap(self, kid: str, wrapped: bytes, context: bytes) -> bytes:
        """The data key; :class:`DecryptionError` if the key is unknown or anything was altered."""
        aead = self._keys.get(kid)
        if aead is None:
            raise DecryptionError(
                f"the record was encrypted with master key {kid}, which is not configured",
                hint=f"add that key (after the newest) to {ENV_KEYS} or the key file; "
                     "remove old keys only after `connectors store rotate-key`")
        try:
            return aead.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _wrap_context(kid, context))
        except InvalidTag:
            raise DecryptionError("the record's data key does not match its tenant and id",
                                  hint="the stored ciphertext was altered or copied from another record") from None


def _wrap_context(kid: str, context: bytes) -> bytes:
    return b"connector-core/wrap/v1\0" + kid.encode("ascii") + b"\0" + context


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise MasterKeyError(f"{where} is not a master key (32 bytes in URL-safe base64)",
                             hint="make one with `connectors store generate-key`")
    return key


_SETUP_HINT = (f"set {ENV_KEYS} to a key made by `connectors store generate-key` "
               f"(or {ENV_KEY_FILE} to a file holding one)")
