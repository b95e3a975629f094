"""The conformance suite: subclass :class:`ConnectorConformance` in a test module.

.. code-block:: python

    from connector_core.testing import ConnectorConformance
    import acme_widgets.hooks

    class TestAcmeWidgets(ConnectorConformance):
        plugin = acme_widgets.hooks
        connector_id = "acme.widgets"
        good_connection = {"api_key": "a-working-key"}
        bad_connection = {"api_key": "a-refused-key"}
        operation_params = {"get_widget": {"name": "sprocket"}}

Each check is one test; a failure lists every problem found, each naming the plugin,
the operation or field, and what to fix.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from connector_core import Host

from . import checks, trigger_checks, version_checks
from .checks import Problem, Subject
from .plugin import TEST_SETTINGS


class ConnectorConformance:
    """Base class of a plugin's conformance tests. Set the class attributes; add nothing else.

    - ``plugin``: the plugin object (usually your hooks module).
    - ``connector_id``: the connector under test (one class per connector).
    - ``good_connection``: connection values that validate and pass "Test connection".
    - ``bad_connection``: values that validate but must fail "Test connection" (a refused
      key, a missing resource); ``None`` skips that check.
    - ``operation_params``: ``{operation id: sample params}``; those operations are run
      (results checked against the manifest and for secrets).
    - ``connection_base``: the name of a fixture whose values both connections are laid
      over: a toolkit's connection values pointed at a local stand-in of the service.
    - ``documentation``: where help text is required: ``"connection"`` fields,
      ``"operations"`` descriptions, ``"inputs"`` fields. Labels are always required.
    - ``hypothesis_examples``: generated inputs per form for the agreement check.
    - ``settings``: host settings (loopback endpoints are allowed).
    - ``previous_manifests``: the manifest files of released versions; a bump with breaking
      changes must be a major version with a migration of stored connections from each.
    - ``trigger_params``: ``{trigger id: sample params}``; those triggers are polled
      (baseline, new items, again, and from the stored cursor in a restarted host).

    Override :meth:`prepare` to create what the good connection needs (a bucket), and
    :meth:`make_trigger_items` to create new items for a trigger (put objects).
    """

    plugin: ClassVar[Any] = None
    connector_id: ClassVar[str] = ""
    good_connection: ClassVar[Mapping[str, Any] | None] = None
    bad_connection: ClassVar[Mapping[str, Any] | None] = None
    operation_params: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    connection_base: ClassVar[str | None] = None
    documentation: ClassVar[tuple[str, ...]] = checks.DOC_LEVELS
    hypothesis_examples: ClassVar[int] = 100
    settings: ClassVar[Mapping[str, Any]] = TEST_SETTINGS
    trigger_params: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    previous_manifests: ClassVar[tuple[str | os.PathLike, ...]] = ()

    def prepare(self, host: Host, good: Mapping[str, Any] | None) -> None:
        """Called before checks that use ``good_connection``; create what it refers to here."""

    def make_trigger_items(self, host: Host, good: Mapping[str, Any], trigger: str,
                           params: Mapping[str, Any], count: int) -> list[str] | None:
        """Create ``count`` new items ``trigger`` must report; return their dedupe keys (None: unknown)."""
        raise NotImplementedError(f"{type(self).__name__}: override make_trigger_items to create new items "
                                  f"for trigger {trigger!r}")

    # -- fixtures -----------------------------------------------------------------------

    @pytest.fixture
    def conformance_subject(self, request: pytest.FixtureRequest) -> Subject:
        plugin = self.plugin
        if plugin is None:
            plugin = request.getfixturevalue("connector_plugin")
        if plugin is None or not self.connector_id:
            pytest.fail(f"{type(self).__name__}: set the class attributes `plugin` (your hooks module) "
                        "and `connector_id` (the `id:` of your manifest)", pytrace=False)
        host = Host(plugins=[plugin], settings=dict(self.settings))
        return Subject(host, plugin, self.connector_id)

    @pytest.fixture
    def conformance_values(self, request: pytest.FixtureRequest) -> tuple[dict | None, dict | None]:
        """(good, bad) connection values, over the ``connection_base`` fixture's."""
        base: dict[str, Any] = {}
        if self.connection_base:
            base = request.getfixturevalue(self.connection_base)
        good = {**base, **self.good_connection} if self.good_connection is not None else None
        bad = {**base, **self.bad_connection} if self.bad_connection is not None else None
        return good, bad

    @pytest.fixture
    def prepared(self, conformance_subject: Subject, conformance_values) -> tuple[dict | None, dict | None]:
        good, _bad = conformance_values
        if conformance_subject.loaded() is not None:
            self.prepare(conformance_subject.host, good)
        return conformance_values

    # -- reporting ----------------------------------------------------------------------

    def _report(self, subject: Subject, check: str, problems: list[Problem] | None) -> None:
        if not problems:
            return
        lines = [f"conformance check {check!r} failed for plugin {subject.plugin_name!r}, "
                 f"connector {subject.connector_id!r} ({len(problems)} problem"
                 f"{'s' if len(problems) != 1 else ''}):"]
        lines += [f"  - {p}" for p in problems]
        pytest.fail("\n".join(lines), pytrace=False)

    def _form_examples(self, conformance_values) -> dict[str | None, list]:
        """Known inputs per form (None: the connection) that generated ones are mutated from."""
        good, bad = conformance_values
        examples: dict[str | None, list] = {None: [v for v in (good, bad) if v is not None]}
        for op_id, params in self.operation_params.items():
            examples[op_id] = [params]
        return examples

    def _need(self, value: Any, attribute: str) -> None:
        if value is None:
            pytest.skip(f"set `{attribute}` in {type(self).__name__} to run this check")

    # -- the checks ---------------------------------------------------------------------

    def test_manifest_loads(self, conformance_subject: Subject) -> None:
        self._report(conformance_subject, "manifest loads", checks.check_manifest_loads(conformance_subject))

    def test_manifest_documents_every_field(self, conformance_subject: Subject) -> None:
        self._report(conformance_subject, "manifest documents every field",
                     checks.check_documented(conformance_subject, self.documentation))

    def test_operations_match_implementations(self, conformance_subject: Subject) -> None:
        self._report(conformance_subject, "operations match implementations",
                     checks.check_operations_match(conformance_subject))

    def test_forms_are_valid_json_schema(self, conformance_subject: Subject) -> None:
        self._report(conformance_subject, "forms are valid JSON Schema",
                     checks.check_forms_valid(conformance_subject))

    def test_forms_agree_with_server_validation(self, conformance_subject: Subject, conformance_values) -> None:
        self._report(conformance_subject, "forms agree with server-side validation",
                     checks.check_forms_agree(conformance_subject, self._form_examples(conformance_values),
                                              self.hypothesis_examples))

    def test_forms_agree_with_ajv2020(self, conformance_subject: Subject, conformance_values,
                                      request: pytest.FixtureRequest) -> None:
        """What a host's browser runs (stock RJSF + Ajv2020) compiles the forms and agrees with the server."""
        from .ajv_checks import check_forms_in_ajv2020

        ajv = request.getfixturevalue("ajv2020")  # needs Node: a skip with the reason (a failure under CI=true)
        self._report(conformance_subject, "forms agree with Ajv2020",
                     check_forms_in_ajv2020(conformance_subject, ajv, self._form_examples(conformance_values),
                                            self.hypothesis_examples))

    def test_secrets_never_leak(self, conformance_subject: Subject, prepared, caplog) -> None:
        good, bad = prepared
        with caplog.at_level(logging.DEBUG):
            problems = checks.check_secrets(conformance_subject, good, bad, self.operation_params,
                                            lambda: list(caplog.records))
        if problems is None:
            pytest.skip("no secret values to look for: give secret fields literal values in "
                        "good_connection, bad_connection or operation_params")
        self._report(conformance_subject, "secrets never leak", problems)

    def test_test_connection_with_good_credentials(self, conformance_subject: Subject, prepared) -> None:
        good, _bad = prepared
        self._need(self.good_connection, "good_connection")
        self._report(conformance_subject, "test connection (good credentials)",
                     checks.check_test_connection(conformance_subject, good, expect_ok=True))

    def test_test_connection_with_bad_credentials(self, conformance_subject: Subject, prepared) -> None:
        _good, bad = prepared
        self._need(self.bad_connection, "bad_connection")
        self._report(conformance_subject, "test connection (bad credentials)",
                     checks.check_test_connection(conformance_subject, bad, expect_ok=False))

    def test_dynamic_options(self, conformance_subject: Subject, prepared) -> None:
        good, _bad = prepared
        manifest = conformance_subject.loaded()
        if manifest is not None and not checks.dynamic_fields(manifest):
            pytest.skip("the manifest has no `options: dynamic` field")
        self._need(self.good_connection, "good_connection")
        self._report(conformance_subject, "dynamic options", checks.check_options(conformance_subject, good))

    def test_sample_operations_run(self, conformance_subject: Subject, prepared) -> None:
        good, _bad = prepared
        if not self.operation_params:
            pytest.skip("set `operation_params` to run operations with sample params")
        self._need(self.good_connection, "good_connection")
        self._report(conformance_subject, "sample operations run",
                     checks.check_operations_run(conformance_subject, good, self.operation_params))

    def test_triggers_resume_from_their_cursor(self, conformance_subject: Subject, prepared) -> None:
        good, _bad = prepared
        manifest = conformance_subject.loaded()
        if manifest is not None and not manifest.triggers:
            pytest.skip("the manifest declares no triggers")
        if not self.trigger_params:
            pytest.skip("set `trigger_params` to poll triggers with sample params")
        self._need(self.good_connection, "good_connection")
        problems = []
        for trigger, params in self.trigger_params.items():
            problems += trigger_checks.check_trigger(
                conformance_subject, good, trigger, params, self.make_trigger_items,
                lambda: Host(plugins=[conformance_subject.plugin], settings=dict(self.settings)))
        self._report(conformance_subject, "triggers resume from their cursor", problems)

    def test_version_bumps_have_migrations(self, conformance_subject: Subject) -> None:
        if not self.previous_manifests:
            pytest.skip("set `previous_manifests` to the manifests of released versions to check version bumps")
        self._report(conformance_subject, "version bumps have migrations",
                     version_checks.check_version_bumps(conformance_subject, self.previous_manifests))
