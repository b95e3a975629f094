"""Value sets entered through the page: the fields shown, and browser and server agreeing.

For each case a user's steps are replayed in Chromium on stock RJSF 6. Then: the top-level
fields shown are exactly the ones that apply; pressing Check, the browser (Ajv2020) accepts
exactly when the server accepts what the form holds; and that verdict is the right one.
"""

from __future__ import annotations

import pytest

from .matrix_cases import CASES

VERDICTS = {"valid": True, "invalid": True, "client-invalid": False}


def test_the_matrix_is_large_enough():
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_entered_values(form_page, case):
    errors_before = len(form_page.console_errors)
    form_page.open(case.connector, case.operation)
    for action, path, value in case.steps:
        getattr(form_page, action)(path, value)

    problems = []
    shown = form_page.visible_fields() - case.maybe
    if shown != case.visible:
        problems.append(f"shown but should not be: {sorted(shown - case.visible)}; "
                        f"missing: {sorted(case.visible - shown)}")

    verdict = form_page.check()
    values = form_page.form_data()
    server_accepts, reply = form_page.server_accepts(case.connector, case.operation, values)
    browser_accepts = VERDICTS[verdict]
    if browser_accepts != server_accepts:
        problems.append(f"the browser {'accepts' if browser_accepts else 'refuses'} and the server "
                        f"{'accepts' if server_accepts else 'refuses'} {values}: {reply.get('errors')}")
    if server_accepts != case.valid:
        problems.append(f"the server {'accepts' if server_accepts else 'refuses'} {values}: {reply.get('errors')}")
    problems += [f"console: {e}" for e in form_page.console_errors[errors_before:]]
    assert problems == []
