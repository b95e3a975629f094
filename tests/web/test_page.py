"""What the page does beyond drawing forms: dynamic options, server errors by field, the catalog."""

from __future__ import annotations

from connector_core import Host
from connector_core.aws.emulator import EMULATOR_SETTINGS


def test_the_catalog_lists_both_connectors(form_page):
    form_page.open("aws.s3")
    links = form_page.page.locator("nav a").all_inner_texts()
    assert links == ["Amazon EventBridge", "Amazon S3"]
    options = form_page.page.locator("#form-picker option").all_inner_texts()
    assert options[0] == "Connection" and "Operation: Put object" in options


def test_picking_an_operation_shows_its_form(form_page):
    form_page.open("aws.s3")
    form_page.page.select_option("#form-picker", label="Operation: Presigned URL")
    form_page.page.wait_for_function("() => window.connectorFormPage.form === 'aws.s3/presign_url' "
                                     "&& window.connectorFormPage.ready && document.querySelector('[id=\"root.key\"]')")
    assert form_page.page.url.endswith("#/aws.s3/presign_url")
    assert {"key", "method", "expires_in"} <= form_page.visible_fields()


def test_the_hosts_forbidden_auth_mode_is_not_offered(form_page):
    form_page.open("aws.s3")
    captions = form_page.page.locator('[id="root.auth_mode"] option').all_inner_texts()
    assert "Static credentials (access key and secret key)" in captions
    assert "Default credential chain of the host" not in captions  # aws.allow_default_chain is false


def test_server_errors_show_under_their_fields(form_page):
    """The server's per-field errors show under the fields; rule errors above the form."""
    form_page.open("aws.s3", "presign_url")
    form_page.fill("key", "a.txt")
    form_page.page.route("**/api/connectors/aws.s3/validate*", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body='{"ok": false, "error": "invalid", "message": "x", "errors": {"key": ["is taken"], "a/b": ["pick one"]}}'))
    try:
        assert form_page.check() == "invalid"
    finally:
        form_page.page.unroute("**/api/connectors/aws.s3/validate*")
    assert "is taken" in form_page.page.inner_text('[id="root.key__error"]')
    assert "a/b: pick one" in form_page.status_text()


def test_dynamic_options_come_from_the_account(form_page, aws_emulator, aws_connection_values):
    host = Host.discover(settings=EMULATOR_SETTINGS)
    host.run(host.connect("aws.s3", aws_connection_values), "create_bucket", {"bucket": "page-choices"})
    form_page.open("aws.s3")
    for key in ("access_key_id", "secret_access_key", "endpoint_url"):
        form_page.fill(key, aws_connection_values[key])
    form_page.page.click("#load-options-bucket")
    form_page.page.wait_for_selector("#options-note-bucket:has-text('choices loaded')")
    suggestions = form_page.page.locator('[id="root.bucket__examples"] option')
    assert "page-choices" in [suggestions.nth(i).get_attribute("value") for i in range(suggestions.count())]

    # An operation's bucket field uses the connection entered on the Connection form.
    form_page.open("aws.s3", "presign_url")
    form_page.page.click("#load-options-bucket")
    form_page.page.wait_for_selector("#options-note-bucket:has-text('choices loaded')")
    assert form_page.page.locator('[id="root.bucket__examples"] option[value="page-choices"]').count() == 1


def test_options_with_an_unfinished_connection_say_what_is_missing(form_page):
    form_page.open("aws.s3")
    form_page.page.click("#load-options-bucket")
    note = form_page.page.locator("#options-note-bucket")
    note.filter(has_text="fill in the connection first").wait_for()
    assert "access_key_id" in note.inner_text()
