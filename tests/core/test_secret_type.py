"""Secrets: never shown; references resolved only at reveal(); log records masked."""

from __future__ import annotations

import json
import logging
import pickle

import pytest

from connector_core import Secret, SecretMasker, SecretReferenceError
from connector_core.secrets import MASK, SecretJSONEncoder, dumps

VALUE = "s3cr3t-Value-QX7"

MANIFEST = """
manifest_version: 1
id: test.sec
name: Secrets
version: 1.0.0
connection:
  fields:
    - {key: user, label: User, type: string}
    - {key: password, label: Password, type: secret}
"""


def test_a_secret_never_shows_its_value():
    secret = Secret(VALUE)
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>30}", "%s" % secret,
             "{}".format(secret), dumps({"password": secret}), json.dumps([secret], cls=SecretJSONEncoder),
             repr({"password": secret}), str([secret])]
    for text in shown:
        assert VALUE not in text
    assert MASK in str(secret)
    assert secret.reveal() == VALUE
    with pytest.raises(TypeError):
        json.dumps(secret)  # plain json refuses rather than leaking
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_env_reference_is_read_only_at_reveal(make_host, monkeypatch):
    monkeypatch.delenv("TEST_CONNECTOR_PASSWORD", raising=False)
    host = make_host(MANIFEST)
    conn = host.connect("test.sec", {"password": {"$env": "TEST_CONNECTOR_PASSWORD"}})
    assert str(conn["password"]) == "$env:TEST_CONNECTOR_PASSWORD"
    with pytest.raises(SecretReferenceError) as info:
        conn["password"].reveal()
    assert "TEST_CONNECTOR_PASSWORD is not set" in info.value.message
    assert "set TEST_CONNECTOR_PASSWORD" in info.value.hint
    monkeypatch.setenv("TEST_CONNECTOR_PASSWORD", VALUE)  # set after connect: read lazily
    assert conn["password"].reveal() == VALUE
    monkeypatch.setenv("TEST_CONNECTOR_PASSWORD", VALUE + "-rotated")
    assert conn["password"].reveal() == VALUE + "-rotated"  # rotation is picked up
    assert conn.to_storage()["password"] == {"$env": "TEST_CONNECTOR_PASSWORD"}


def test_file_reference_is_read_only_at_reveal(make_host, tmp_path):
    path = tmp_path / "password.txt"
    host = make_host(MANIFEST)
    conn = host.connect("test.sec", {"password": {"$file": str(path)}})
    with pytest.raises(SecretReferenceError) as info:
        conn["password"].reveal()
    assert str(path) in info.value.message and info.value.hint
    path.write_text(VALUE + "\n")
    assert conn["password"].reveal() == VALUE  # the trailing newline of the file is not part of it
    assert VALUE not in repr(conn)


@pytest.mark.parametrize("bad", [{"$env": ""}, {"$env": 5}, {"$vault": "x"}, {"$env": "A", "$file": "b"}])
def test_malformed_references_are_validation_errors(make_host, bad):
    from connector_core import ValidationError

    with pytest.raises(ValidationError) as info:
        make_host(MANIFEST).connect("test.sec", {"password": bad})
    assert list(info.value.errors) == ["password"]


def _logger_with(masker: SecretMasker, records: list) -> logging.Logger:
    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Collect()
    handler.addFilter(masker)
    logger = logging.getLogger("test.secret.masker")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger


def test_the_masker_masks_known_values_in_every_record():
    masker = SecretMasker()
    masker.add(VALUE)
    masker.add("abc")  # too short to mask: would garble every record
    records: list[str] = []
    log = _logger_with(masker, records)
    log.debug("plain %s", VALUE)
    log.info("in a dict %r", {"password": VALUE})
    log.warning(f"pre-formatted {VALUE} and {VALUE}")
    log.error("prefix%ssuffix", VALUE)
    try:
        raise ValueError(f"the server echoed {VALUE}")
    except ValueError:
        log.exception("failed")
    assert len(records) == 5
    for text in records:
        assert VALUE not in text
    assert records[0] == f"plain {MASK}"
    assert "ValueError: the server echoed " + MASK in records[4]


def test_two_maskers_each_mask_their_values_in_tracebacks():
    """A handler's masker still masks a traceback another masker formatted first."""
    first, second = SecretMasker(), SecretMasker()
    first.add("first-Secret-111")
    second.add(VALUE)
    records: list[str] = []
    log = _logger_with(second, records)
    log.handlers[0].filters.insert(0, first)
    try:
        raise ValueError(f"first-Secret-111 and {VALUE}")
    except ValueError:
        log.exception("failed", stack_info=True)
    (text,) = records
    assert "first-Secret-111" not in text and VALUE not in text and text.count(MASK) >= 2


def test_revealing_a_reference_teaches_the_process_masker(make_host, monkeypatch, caplog):
    monkeypatch.setenv("TEST_CONNECTOR_PASSWORD", "late-bound-Value-99")
    host = make_host(MANIFEST, process_masker=True)
    conn = host.connect("test.sec", {"password": {"$env": "TEST_CONNECTOR_PASSWORD"}})
    conn["password"].reveal()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("some.library").debug("request body: password=late-bound-Value-99")
    assert "late-bound-Value-99" not in caplog.text and MASK in caplog.text


def test_the_masker_stays_whole_and_bounded_with_many_values():
    masker = SecretMasker()
    masker.max_values = 100
    masker.add("inner-secret")
    for n in range(60):  # several compiled segments
        masker.add(f"filler-value-{n:04d}")
    masker.add("XX-inner-secret-YY")  # contains a value compiled in another segment
    assert masker.mask("a XX-inner-secret-YY b inner-secret c") == "a ********** b ********** c"
    for n in range(200):
        masker.add(f"later-value-{n:04d}")
        masker.add("inner-secret")  # in use all along: never forgotten
    assert masker.mask("inner-secret filler-value-0001 later-value-0199") == (
        "********** filler-value-0001 **********")  # the unused old value was forgotten
