"""The connection store: create, read and decrypt 10,000 connections; rotate 10,000 records.

On SQLite (a file in a temporary folder) and on PostgreSQL (a database created for the
run on ``CONNECTOR_CORE_BENCH_DATABASE_URL``, default the test server
postgresql://postgres@127.0.0.1:5432/postgres, dropped at the end). Each store figure is
printed beside a baseline measured in the same run, on the same engine, the two calls
alternating record by record:

- create: ``host.connect`` (validation) + one plain INSERT of the values as JSON, committed
  alone: what a host that stored connections unencrypted would pay;
- read: one plain SELECT by primary key;
- load (read + decrypt + validate): the plain SELECT + ``host.connect`` of the values;
- rotation: per record, re-wrapping the data key and committing it alone.

``BENCH_STORE_RECORDS`` changes the count (default 10,000).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid

RECORDS = int(os.environ.get("BENCH_STORE_RECORDS", "10000"))
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _values(i: int) -> dict:
    # The same values for every record (each is still sealed under its own data key): the
    # host's log masker remembers each new (secret, sibling strings) pair by recompiling one
    # pattern of every value it knows, so 10,000 distinct connections would measure the
    # masker (tens of ms per new pair at a few thousand), not the store.
    return {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": SECRET,
            "region": "eu-west-1", "bucket": "reports-bucket"}


class _Clock:
    """Per-operation totals; store and plain calls alternate, so load drifts hit both alike."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def __call__(self, name: str, fn, *args):
        start = time.perf_counter()
        result = fn(*args)
        self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - start
        return result


def _plain_table(engine):
    """The same work without the store: plain JSON rows, no encryption."""
    from sqlalchemy import JSON, Column, MetaData, String, Table

    table = Table(f"bench_plain_{uuid.uuid4().hex[:8]}", MetaData(), Column("id", String(32), primary_key=True),
                  Column("tenant", String(255)), Column("values", JSON))
    table.create(engine)
    return table


def _run(label: str, url: str, host) -> None:
    from sqlalchemy import insert, select

    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    old_key = generate_master_key()
    store = ConnectionStore.open(host, url, Keyring.from_text(old_key, source="bench"))
    engine = store.engine
    table = _plain_table(engine)
    clock = _Clock()

    def plain_create(i):
        connection = host.connect("aws.s3", _values(i))
        row = {"id": uuid.uuid4().hex, "tenant": "bench", "values": connection.to_storage()}
        with engine.begin() as db:
            db.execute(insert(table).values(**row))
        return row["id"]

    def plain_read(record_id):
        with engine.connect() as db:
            return db.execute(select(table).where(table.c.id == record_id, table.c.tenant == "bench")).one()

    try:
        pairs = []
        for i in range(RECORDS):
            pairs.append((clock("create", store.create, "bench", "aws.s3", f"c{i}", _values(i)).id,
                          clock("plain create", plain_create, i)))
        for record_id, plain_id in pairs:
            clock("read", store.get, "bench", record_id)
            clock("plain read", plain_read, plain_id)
        for record_id, plain_id in pairs:
            connection = clock("load", store.load_connection, "bench", record_id)
            clock("plain load", lambda p: host.connect("aws.s3", plain_read(p).values), plain_id)
        assert connection["secret_access_key"].reveal() == SECRET and connection.name == f"c{RECORDS - 1}"
        store._keyring = Keyring.from_text(f"{generate_master_key()},{old_key}", source="bench")
        report = clock("rotate", store.rotate)
        assert report.complete and report.rewrapped == RECORDS, report
    finally:
        table.drop(engine)
        store.close()
    per = {name: total / RECORDS for name, total in clock.totals.items()}
    print(f"{label}: {RECORDS:,} connections")
    for title, name in (("create", "create"), ("read (get)", "read"),
                        ("read + decrypt + validate (load_connection)", "load")):
        print(f"  {title:<44} {per[name] * 1e6:8.0f} us/op   plain: {per['plain ' + name] * 1e6:6.0f} us/op   "
              f"{per[name] / per['plain ' + name]:5.2f}x")
    total = clock.totals["rotate"]
    print(f"  {'rotate-key (re-wrap, one commit each)':<44} {per['rotate'] * 1e6:8.0f} us/record  "
          f"{total:6.1f} s for {RECORDS:,} ({RECORDS / total:,.0f} records/s)")


def _postgres_url() -> tuple[str, str] | None:
    """(URL of a fresh database, its name), or None when no server answers."""
    import psycopg

    admin = os.environ.get("CONNECTOR_CORE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"cc_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as db:
            db.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL: skipped, {admin} is unreachable: {str(exc).strip().splitlines()[0]}")
        return None
    return admin, name


def main() -> None:
    import logging

    from connector_core import Host

    logging.getLogger("alembic").setLevel(logging.WARNING)
    host = Host.discover()
    host.connect("aws.s3", _values(0))  # build the validator once, outside every measurement
    with tempfile.TemporaryDirectory() as folder:
        _run("SQLite (WAL, synchronous=NORMAL)", f"sqlite:///{folder}/connections.db", host)
    found = _postgres_url()
    if found is None:
        return
    admin, name = found
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        _run("PostgreSQL (127.0.0.1, psycopg 3)", url, host)
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
