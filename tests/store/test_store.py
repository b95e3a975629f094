"""The connection store on SQLite and PostgreSQL: the API, tenancy, encryption at rest."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import select, update

from connector_core import NotFoundError, ValidationError
from connector_core.store import ConnectionStore, DecryptionError, Keyring, MasterKeyError, generate_master_key
from connector_core.store.schema import connections

from .conftest import SECRET, s3_values


def test_create_returns_the_record_without_its_secret(store):
    record = store.create("acme", "aws.s3", "Reports", s3_values())
    assert record.tenant == "acme" and record.connector_id == "aws.s3" and record.name == "Reports"
    assert record.manifest_version == store.host.manifest("aws.s3").version
    assert record.values["bucket"] == "reports-bucket"
    assert "secret_access_key" not in record.values and record.secret_fields == ("secret_access_key",)
    assert SECRET not in repr(record) and SECRET not in str(record.to_dict())
    assert store.get("acme", record.id) == record


def test_secret_is_not_in_the_database_in_clear(store):
    record = store.create("acme", "aws.s3", "Reports", s3_values())
    with store.engine.connect() as db:
        row = db.execute(select(connections).where(connections.c.id == record.id)).one()
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
    assert SECRET.encode() not in stored
    assert row.public_values["secret_access_key"] == {"$secret": 0}


def test_load_connection_decrypts_and_validates(store):
    record = store.create("acme", "aws.s3", "Reports", s3_values())
    connection = store.load_connection("acme", record.id)
    assert connection.connector_id == "aws.s3" and connection.name == "Reports"
    assert connection["secret_access_key"].reveal() == SECRET
    assert connection["bucket"] == "reports-bucket"


def test_invalid_values_are_refused_and_nothing_is_stored(store):
    with pytest.raises(ValidationError) as caught:
        store.create("acme", "aws.s3", "Bad", s3_values(bucket="No_Such Bucket!"))
    assert "bucket" in str(caught.value)
    assert store.list("acme") == []


def test_list_filters_by_connector_and_by_non_secret_values(store):
    a = store.create("acme", "aws.s3", "A", s3_values(bucket="bucket-a"))
    b = store.create("acme", "aws.s3", "B", s3_values(bucket="bucket-b"))
    assert [r.id for r in store.list("acme")] == [a.id, b.id]
    assert [r.id for r in store.list("acme", "aws.s3", where={"bucket": "bucket-b"})] == [b.id]
    assert store.list("acme", where={"force_path_style": True}) == []
    assert store.list("acme", "aws.eventbridge") == []


def test_update_renames_and_keeps_a_secret_left_blank(store):
    record = store.create("acme", "aws.s3", "Reports", s3_values())
    edited = store.update("acme", record.id, s3_values(bucket="other-bucket", secret_access_key=""),
                          name="Renamed")
    assert edited.name == "Renamed" and edited.values["bucket"] == "other-bucket"
    assert edited.revision == record.revision + 1
    assert store.load_connection("acme", record.id)["secret_access_key"].reveal() == SECRET
    store.update("acme", record.id, s3_values(secret_access_key="a-new-secret-value"))
    assert store.load_connection("acme", record.id)["secret_access_key"].reveal() == "a-new-secret-value"


def test_delete(store):
    record = store.create("acme", "aws.s3", "Reports", s3_values())
    store.delete("acme", record.id)
    with pytest.raises(NotFoundError):
        store.get("acme", record.id)
    with pytest.raises(NotFoundError):
        store.delete("acme", record.id)


def test_every_path_with_another_tenants_id_is_not_found(store):
    mine = store.create("acme", "aws.s3", "Reports", s3_values())
    never = "0" * 32
    calls = {
        "get": lambda i: store.get("globex", i),
        "update": lambda i: store.update("globex", i, s3_values(bucket="stolen-bucket")),
        "rename": lambda i: store.update("globex", i, name="stolen"),
        "delete": lambda i: store.delete("globex", i),
        "load_connection": lambda i: store.load_connection("globex", i),
    }
    for name, call in calls.items():
        with pytest.raises(NotFoundError) as other:
            call(mine.id)
        with pytest.raises(NotFoundError) as missing:
            call(never)
        # The same words as for an id that never existed: nothing tells the record is there.
        assert str(other.value).replace(mine.id, "ID") == str(missing.value).replace(never, "ID"), name
        assert "Reports" not in str(other.value) and "acme" not in str(other.value)
    assert store.list("globex") == []
    assert store.get("acme", mine.id) == mine  # untouched
    assert store.load_connection("acme", mine.id)["bucket"] == "reports-bucket"


def test_a_tenant_is_required(store):
    for tenant in ("", "   ", None, "x" * 256):
        with pytest.raises(ValidationError):
            store.list(tenant)


def _copy_ciphertext(store, source_id: str, target_id: str) -> None:
    with store.engine.begin() as db:
        row = db.execute(select(connections.c.key_id, connections.c.wrapped_key, connections.c.secrets)
                         .where(connections.c.id == source_id)).one()
        db.execute(update(connections).where(connections.c.id == target_id)
                   .values(key_id=row.key_id, wrapped_key=row.wrapped_key, secrets=row.secrets))


@pytest.mark.parametrize("other_tenant", ["acme", "globex"])
def test_a_ciphertext_copied_to_another_record_does_not_decrypt(store, other_tenant):
    source = store.create("acme", "aws.s3", "Source", s3_values())
    target = store.create(other_tenant, "aws.s3", "Target", s3_values(secret_access_key="the-targets-own-key"))
    _copy_ciphertext(store, source.id, target.id)
    with pytest.raises(DecryptionError) as caught:
        store.load_connection(other_tenant, target.id)
    assert "copied from another record" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_rotation_rewraps_every_record_with_the_newest_key(store_url, host, master_key):
    with ConnectionStore.open(host, store_url, Keyring.from_text(master_key, source="old")) as old:
        ids = [old.create(f"tenant-{i % 3}", "aws.s3", f"c{i}", s3_values()).id for i in range(12)]
        old_id = old.keyring.current_id
    newest = generate_master_key()
    with ConnectionStore.open(host, store_url, Keyring.from_text(f"{newest},{master_key}", source="both")) as both:
        # Both keys active: old records still read, new ones use the newest key.
        assert both.load_connection("tenant-0", ids[0])["secret_access_key"].reveal() == SECRET
        report = both.rotate(batch_size=5)
        assert report.complete and report.rewrapped == 12
        assert both.count_by_key() == {both.keyring.current_id: 12}
        assert both.rotate().rewrapped == 0  # nothing left: running it again is a no-op
    with ConnectionStore.open(host, store_url, Keyring.from_text(newest, source="new only")) as new:
        for i, record_id in enumerate(ids):
            assert new.load_connection(f"tenant-{i % 3}", record_id)["secret_access_key"].reveal() == SECRET
    assert old_id not in Keyring.from_text(newest, source="x").ids


def test_reencrypting_rotation_gives_each_record_a_new_data_key(store_url, host, master_key):
    with ConnectionStore.open(host, store_url, Keyring.from_text(master_key, source="old")) as old:
        record = old.create("acme", "aws.s3", "Reports", s3_values())
    both = Keyring.from_text(f"{generate_master_key()},{master_key}", source="both")
    with ConnectionStore.open(host, store_url, both) as s:
        with s.engine.connect() as db:
            before = db.execute(select(connections.c.secrets).where(connections.c.id == record.id)).scalar_one()
        assert s.rotate(reencrypt=True).rewrapped == 1
        with s.engine.connect() as db:
            after = db.execute(select(connections.c.secrets).where(connections.c.id == record.id)).scalar_one()
        assert bytes(after) != bytes(before)
        assert s.load_connection("acme", record.id)["secret_access_key"].reveal() == SECRET


def test_a_record_on_an_unconfigured_key_says_which_key(store_url, host, master_key):
    with ConnectionStore.open(host, store_url, Keyring.from_text(master_key, source="a")) as first:
        record = first.create("acme", "aws.s3", "Reports", s3_values())
        kid = first.keyring.current_id
    with ConnectionStore.open(host, store_url, Keyring.from_text(generate_master_key(), source="b")) as other:
        with pytest.raises(DecryptionError) as caught:
            other.load_connection("acme", record.id)
        assert kid in str(caught.value) and "CONNECTOR_CORE_MASTER_KEYS" in str(caught.value)
        report = other.rotate()
        assert not report.complete and record.id in report.failed
        assert other.list("acme")[0].id == record.id  # listing needs no key


def test_no_master_key_is_a_clear_error(store_url, host):
    with ConnectionStore.open(host, store_url, environ={}) as s:
        with pytest.raises(MasterKeyError) as caught:
            s.create("acme", "aws.s3", "Reports", s3_values())
    assert "CONNECTOR_CORE_MASTER_KEYS" in str(caught.value) and "generate-key" in str(caught.value)


def test_malformed_master_key_is_a_clear_error():
    with pytest.raises(MasterKeyError) as caught:
        Keyring.from_environment({"CONNECTOR_CORE_MASTER_KEYS": "not-a-key"})
    assert "CONNECTOR_CORE_MASTER_KEYS, key 1" in str(caught.value)


def test_key_file_and_development_key(tmp_path):
    key = generate_master_key()
    path = tmp_path / "keys"
    path.write_text(f"# newest first\n{key}\n")
    assert Keyring.from_environment({"CONNECTOR_CORE_MASTER_KEY_FILE": str(path)}).ids == Keyring.from_text(key, source="t").ids
    dev = Keyring.for_development(tmp_path / "data", {})
    key_file = tmp_path / "data" / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Keyring.for_development(tmp_path / "data", {}).ids == dev.ids  # created once, then reused

