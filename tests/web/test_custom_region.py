"""The Boomi "Custom Region" rule, end to end in the browser.

Boomi's EventBridge connection page: the AWS Region dropdown offers "Custom Region"; the
Custom AWS Region field is used only when that option is chosen, and is then required.
"""

from __future__ import annotations

import pytest

from .matrix_cases import KEYS


@pytest.mark.parametrize("connector_id", ["aws.eventbridge", "aws.s3"])
def test_custom_region_appears_only_for_custom_region_then_is_required_and_dropped_otherwise(form_page, connector_id):
    form_page.open(connector_id)
    for key, value in KEYS.items():
        form_page.fill(key, value)
    assert "custom_region" not in form_page.visible_fields()

    form_page.fill("region", "Custom Region")
    assert "custom_region" in form_page.visible_fields()
    assert form_page.check() == "client-invalid"  # the browser asks for it before the server is asked
    assert form_page.page.locator('[id="root.custom_region__error"]').count() == 1
    assert not form_page.server_accepts(connector_id, None, form_page.form_data())[0]

    form_page.fill("custom_region", "eu-south-9")
    assert form_page.check() == "valid"
    assert form_page.form_data()["custom_region"] == "eu-south-9"

    form_page.fill("region", "Europe (Ireland)")
    assert "custom_region" not in form_page.visible_fields()
    assert form_page.check() == "valid"
    values = form_page.form_data()
    assert values["region"] == "eu-west-1"
    assert "custom_region" not in values  # dropped, not sent along unseen
