"""The reference host's pages end to end in Chromium, against moto on 127.0.0.1: sign in,
create, test, save, reload and edit connections; tenants apart; sign out; errors shown."""

from __future__ import annotations

import secrets

from .conftest import call_api

KEEP = "set — leave blank to keep"


def test_s3_connection_from_a_failing_test_to_saved_and_edited_with_the_secret_kept(signed_in, aws_emulator, s3_client):
    page = signed_in
    unsafe = []  # every state-changing call the page makes, with the CSRF header it sent
    page.page.on("request", lambda r: r.method in ("POST", "PUT", "DELETE") and "/api/" in r.url
                 and unsafe.append((r.method, r.url, r.headers.get("x-csrf-token"))))
    bucket = f"ui-reports-{secrets.token_hex(3)}"
    page.new_connection("aws.s3", "Reports bucket")
    page.fill_aws_credentials(aws_emulator)
    page.fill("bucket", bucket)
    assert page.page.get_attribute('[id="root.secret_access_key"]', "type") == "password"

    checks = page.test_connection()
    failed = [c for c in checks.values() if not c["ok"]]
    assert failed, checks
    assert any("does not exist" in c["text"] and "create the bucket" in c["hint"] for c in failed), failed
    assert page.page.get_attribute("#test-result", "data-ok") == "false"
    page.screenshot("new-connection-test-failed")

    s3_client.create_bucket(Bucket=bucket)  # fix what the check named
    checks = page.test_connection()
    assert checks and all(c["ok"] for c in checks.values()), checks
    page.screenshot("new-connection-test-passed")

    connection_id = page.save()
    page.page.reload()
    page.page.wait_for_selector('section.connection-editor [id="root.secret_access_key"]')
    assert page.page.inner_text("#connection-title") == "Reports bucket"
    secret_box = page.page.locator('[id="root.secret_access_key"]')
    assert secret_box.input_value() == "" and secret_box.get_attribute("placeholder") == KEEP
    assert page.page.locator('[id="root.bucket"]').input_value() == bucket
    assert aws_emulator.secret_access_key not in page.page.content()
    page.screenshot("edit-connection")

    # Edit with the secret left blank: the stored one is kept, so the test still passes.
    page.page.fill("#connection-name", "Reports bucket (renamed)")
    checks = page.test_connection()
    assert checks and all(c["ok"] for c in checks.values()), checks
    assert page.save() == connection_id
    page.page.reload()
    page.page.wait_for_selector('section.connection-editor [id="root.secret_access_key"]')
    assert page.page.inner_text("#connection-title") == "Reports bucket (renamed)"
    assert page.test_connection() and page.page.get_attribute("#test-result", "data-ok") == "true"

    page.goto("/connections")
    row = page.page.locator(f'#connection-list tr[data-connection="{connection_id}"]')
    assert "Reports bucket (renamed)" in row.inner_text() and "Amazon S3" in row.inner_text()
    page.screenshot("connections")

    csrf = page.page.evaluate("() => fetch('/api/session').then(r => r.json()).then(b => b.csrf_token)")
    assert unsafe and all(header == csrf for _, _, header in unsafe), unsafe


def test_another_tenants_connection_url_is_not_found(signed_in, served_host, aws_emulator):
    _, other_token = served_host.new_tenant("globex")
    status, theirs = call_api(served_host.url, other_token, "POST", "/api/connections", {
        "connector_id": "aws.s3", "name": "Globex private data", "values": aws_emulator.connection_values(bucket="globex-data")})
    assert status == 201, theirs
    page = signed_in
    for path in (f"/connections/{theirs['id']}", f"/connections/{theirs['id']}/run?operation=list_objects"):
        page.goto(path)
        error = page.page.wait_for_selector("#error")
        assert error.get_attribute("data-code") == "not_found"
        assert "not found" in page.page.inner_text("main").lower()
        assert "Globex" not in page.page.content() and "globex-data" not in page.page.content()
    page.goto("/connections")
    page.page.wait_for_selector("#connection-list, #no-connections")
    assert "Globex" not in page.page.inner_text("main")


def test_sign_in_with_a_wrong_token_is_refused_and_signing_out_ends_the_session(host_page, served_host):
    page = host_page
    page.goto("/connections")
    page.page.fill("#token", "cct_0000000000000000_" + "x" * 43)
    page.page.click("#sign-in")
    refusal = page.page.wait_for_selector("#error")
    assert "Sign-in refused" in refusal.inner_text() and refusal.get_attribute("data-status") == "401"

    page.page.fill("#token", served_host.token)
    page.page.click("#sign-in")
    page.page.wait_for_selector("#tenant-name")
    assert page.page.url.endswith("/connections")  # the page asked for, after signing in
    assert page.tenant() == "acme"

    page.page.click("#sign-out")
    page.page.wait_for_selector("#token")
    assert page.page.evaluate("() => fetch('/api/connections').then(r => r.status)") == 401
    page.page.reload()
    page.page.wait_for_selector("#token")  # the cookie is gone, not just the page's state


def test_server_errors_are_shown_with_their_message_and_status(signed_in):
    page = signed_in
    page.new_connection("aws.s3", "Broken")
    page.fill("access_key_id", "AKIAIOSFODNN7EXAMPLE")
    page.fill("secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    page.page.route("**/api/connections", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"ok": false, "error": "store_unavailable", "message": "the store is not answering", "hint": "retry in a minute"}'))
    page.page.click("#save-connection")
    box = page.page.wait_for_selector("#error")
    text = box.inner_text()
    assert "the store is not answering" in text and "retry in a minute" in text and "HTTP 503" in text
    page.page.unroute("**/api/connections")

    # The server's field errors (422) land under their fields.
    page.page.route("**/api/connections", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body='{"ok": false, "error": "invalid", "message": "some fields are not valid", "errors": {"bucket": ["no such bucket name"]}}'))
    page.page.click("#save-connection")
    page.page.wait_for_selector('[id="root.bucket__error"]:has-text("no such bucket name")')
    page.page.unroute("**/api/connections")

    # Rate limited: the code's own title and when to try again.
    page.page.route("**/api/connections/test", lambda route: route.fulfill(
        status=429, content_type="application/json", headers={"retry-after": "7"},
        body='{"ok": false, "error": "rate_limited", "message": "too many test requests for this tenant", "retry_after": 7}'))
    page.page.click("#test-connection")
    box = page.page.wait_for_selector("#error[data-code=rate_limited]")
    assert "Too many requests" in box.inner_text() and "Try again in 7 s." in box.inner_text()
    page.page.unroute("**/api/connections/test")


def test_secret_text_is_masked_as_it_is_typed(signed_in):
    page = signed_in
    page.new_connection("aws.s3", "Roles Anywhere")
    page.fill("auth_mode", "Session credentials (IAM Roles Anywhere)")
    key = page.page.locator('[id="root.private_key"]')
    key.fill("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n")
    assert key.evaluate("e => getComputedStyle(e).webkitTextSecurity") == "disc"


def test_the_catalog_offers_each_connector_and_delete_asks_first(signed_in, served_host, aws_emulator):
    page = signed_in
    page.goto("/connectors")
    cards = page.page.locator("#connector-list li.card")
    cards.first.wait_for()
    assert {c.get_attribute("data-connector") for c in cards.all()} >= {"aws.s3", "aws.eventbridge"}
    assert "Amazon EventBridge" in page.page.inner_text('[data-connector="aws.eventbridge"]')
    page.screenshot("connectors")

    status, made = call_api(served_host.url, served_host.token, "POST", "/api/connections", {
        "connector_id": "aws.s3", "name": "To be deleted", "values": aws_emulator.connection_values(bucket="gone-soon")})
    assert status == 201, made
    page.goto("/connections")
    row = page.page.locator(f'#connection-list tr[data-connection="{made["id"]}"]')
    row.get_by_role("button", name="Delete").click()
    row.get_by_role("button", name="Keep").click()  # changed my mind: nothing is deleted
    assert call_api(served_host.url, served_host.token, "GET", f"/api/connections/{made['id']}")[0] == 200
    row.get_by_role("button", name="Delete").click()
    row.get_by_role("button", name="Yes, delete").click()
    row.wait_for(state="detached")
    assert call_api(served_host.url, served_host.token, "GET", f"/api/connections/{made['id']}")[0] == 404


def test_a_session_that_ends_brings_back_the_sign_in_form(signed_in):
    page = signed_in
    page.page.context.clear_cookies()  # the session is gone, as after an expiry
    page.page.get_by_role("link", name="Connections").click()
    reason = page.page.wait_for_selector("#sign-in-reason")
    assert "session has ended" in reason.inner_text()


def test_the_form_explorer_checks_values_on_the_signed_in_host(signed_in):
    page = signed_in
    page.page.get_by_role("link", name="Form explorer").click()
    page.page.click('nav[aria-label=Connectors] a:has-text("Amazon S3")')
    page.page.select_option("#form-picker", label="Operation: Presigned URL")
    page.page.wait_for_selector('[id="root.key"]')
    page.fill("key", "reports/q1.csv")
    assert page.check() == "valid"  # the server's verdict: its POST carried the CSRF token


def test_bucket_choices_load_from_the_account_on_the_new_connection_page(signed_in, aws_emulator, s3_client):
    bucket = f"ui-choice-{secrets.token_hex(3)}"
    s3_client.create_bucket(Bucket=bucket)
    page = signed_in
    page.new_connection("aws.s3", "Choices")
    page.fill_aws_credentials(aws_emulator)
    page.page.click("#load-options-bucket")
    page.page.wait_for_selector("#options-note-bucket:has-text('choices loaded')")
    assert page.page.locator(f'[id="root.bucket__examples"] option[value="{bucket}"]').count() == 1


def test_markup_in_a_connection_name_is_shown_as_text_never_run(signed_in, served_host, aws_emulator):
    name = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    status, made = call_api(served_host.url, served_host.token, "POST", "/api/connections", {
        "connector_id": "aws.s3", "name": name, "values": aws_emulator.connection_values(bucket="markup-name")})
    assert status == 201, made
    page = signed_in
    for path in ("/connections", f"/connections/{made['id']}"):
        page.goto(path)
        page.page.wait_for_selector(f"text={name}")
        assert page.page.evaluate("() => window.pwned") is None
        assert page.page.locator("main img, main script").count() == 0
