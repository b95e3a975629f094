"""Master key rotation: re-wrap every record's data key with the newest master key.

Resumable by construction: each record is committed on its own and carries the id of the
key that wraps it, so a run that is interrupted (killed, crashed, stopped) leaves every
record readable, and the next run picks up exactly the records still on an older key.
Records are visited in id order with keyset pagination, so a record that cannot be
re-wrapped (its key is not configured) is reported and skipped, never retried forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import and_, select, update

from .envelope import Sealed, open_sealed, rewrap, seal
from .errors import DecryptionError
from .schema import connections

if TYPE_CHECKING:
    from .store import ConnectionStore


@dataclass
class RotationReport:
    key_id: str  # the newest key, which now wraps every re-wrapped record
    rewrapped: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # record id -> why (no secret)

    @property
    def complete(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {"key_id": self.key_id, "rewrapped": self.rewrapped, "failed": self.failed,
                "complete": self.complete}


def rotate(store: ConnectionStore, *, batch_size: int = 200, reencrypt: bool = False,
           on_record: Callable[[str], None] | None = None) -> RotationReport:
    """Re-wrap records not on the newest key; ``reencrypt`` also gives each a new data key.

    ``on_record(record_id)`` is called after each record's commit (progress, and the hook
    the interruption test uses).
    """
    keyring = store.keyring
    current = keyring.current_id
    report = RotationReport(current)
    c = connections
    last_id = ""
    while True:
        query = (select(c.c.id, c.c.tenant, c.c.key_id, c.c.wrapped_key, c.c.secrets)
                 .where(c.c.key_id != current, c.c.id > last_id).order_by(c.c.id).limit(batch_size))
        with store._read() as db:
            batch = db.execute(query).all()
        if not batch:
            return report
        for record_id, tenant, kid, wrapped, secrets in batch:
            last_id = record_id
            old = Sealed(kid, bytes(wrapped), bytes(secrets))
            try:
                new = (seal(keyring, tenant, record_id, open_sealed(keyring, tenant, record_id, old))
                       if reencrypt else rewrap(keyring, tenant, record_id, old))
            except DecryptionError as exc:
                report.failed[record_id] = exc.message
                continue
            with store._write("rotate") as db:
                # Only if nobody rewrote the record meanwhile (an edit seals with the newest key anyway).
                db.execute(update(c).where(and_(c.c.id == record_id, c.c.key_id == kid,
                                                c.c.wrapped_key == old.wrapped_key))
                           .values(key_id=new.key_id, wrapped_key=new.wrapped_key, secrets=new.ciphertext))
            report.rewrapped += 1
            if on_record is not None:
                on_record(record_id)
