"""The connection store: create, read and decrypt 10,000 connections; rotate 10,000 records.

On SQLite (a file in a temporary folder) and on PostgreSQL (a database created for the
run on ``CONNECTOR_CORE_BENCH_DATABASE_URL``, default the test server
postgresql://postgres@127.0.0.1:5432/postgres, dropped at the end). Each store figure is
printed beside a baseline measured in the same run, on the same engine:

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


def _timed(fn, items) -> tuple[float, list]:
    start = time.perf_counter()
    out = [fn(item) for item in items]
    return (time.perf_counter() - start) / len(items), out


def _baseline(engine, host, count: int) -> dict[str, float]:
    """The same work without the store: plain JSON rows, no encryption."""
    from sqlalchemy import JSON, Column, MetaData, String, Table, insert, select

    table = Table(f"bench_plain_{uuid.uuid4().hex[:8]}", MetaData(), Column("id", String(32), primary_key=True),
                  Column("tenant", String(255)), Column("values", JSON))
    table.create(engine)
    try:
        def create(i):
            connection = host.connect("aws.s3", _values(i))
            row = {"id": uuid.uuid4().hex, "tenant": "bench", "values": connection.to_storage()}
            with engine.begin() as db:
                db.execute(insert(table).values(**row))
            return row["id"]

        def read(record_id):
            with engine.connect() as db:
                return db.execute(select(table).where(table.c.id == record_id, table.c.tenant == "bench")).one()

        def load(record_id):
            return host.connect("aws.s3", read(record_id).values)

        create_cost, ids = _timed(create, range(count))
        read_cost, _ = _timed(read, ids)
        load_cost, _ = _timed(load, ids)
        return {"create": create_cost, "read": read_cost, "load": load_cost}
    finally:
        table.drop(engine)


def _run(label: str, url: str, host) -> None:
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    old_key = generate_master_key()
    store = ConnectionStore.open(host, url, Keyring.from_text(old_key, source="bench"))
    try:
        base = _baseline(store.engine, host, RECORDS)
        create_cost, records = _timed(lambda i: store.create("bench", "aws.s3", f"c{i}", _values(i)), range(RECORDS))
        read_cost, _ = _timed(lambda r: store.get("bench", r.id), records)
        load_cost, loaded = _timed(lambda r: store.load_connection("bench", r.id), records)
        assert loaded[-1]["secret_access_key"].reveal() == SECRET and loaded[-1].name == f"c{RECORDS - 1}"
        store._keyring = Keyring.from_text(f"{generate_master_key()},{old_key}", source="bench")
        start = time.perf_counter()
        report = store.rotate()
        rotate_total = time.perf_counter() - start
        assert report.complete and report.rewrapped == RECORDS, report
    finally:
        store.close()
    print(f"{label}: {RECORDS:,} connections")
    for name, key, cost in (("create", "create", create_cost), ("read (get)", "read", read_cost),
                            ("read + decrypt + validate (load_connection)", "load", load_cost)):
        baseline = base[key]
        print(f"  {name:<44} {cost * 1e6:8.0f} us/op   plain: {baseline * 1e6:6.0f} us/op   "
              f"{cost / baseline:5.2f}x")
    print(f"  {'rotate-key (re-wrap, one commit each)':<44} {rotate_total / RECORDS * 1e6:8.0f} us/record  "
          f"{rotate_total:6.1f} s for {RECORDS:,} ({RECORDS / rotate_total:,.0f} records/s)")


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
