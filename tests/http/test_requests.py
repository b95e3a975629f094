"""Retries, status -> typed errors, masking, timeouts, redirects and the policy, pagination, the cache."""

from __future__ import annotations

import base64
import socket
import threading

import pytest

from connector_core import (
    AccessDeniedError,
    AuthenticationError,
    ConfigurationError,
    Host,
    NotFoundError,
    OperationError,
    ThrottledError,
    UnavailableError,
    ValidationError,
)

from .conftest import SETTINGS


def _counting(responses):
    """A handler answering each response in turn (the last one repeats)."""
    calls = []

    def handle(seen):
        calls.append(seen)
        return responses[min(len(calls), len(responses)) - 1]

    handle.calls = calls
    return handle


# -- retries ---------------------------------------------------------------------------


def test_an_idempotent_request_is_retried_after_a_503_then_succeeds(server, run):
    handler = _counting([(503, {}, "busy"), (502, {}, "bad gateway"), (200, {}, {"ok": 1})])
    server.route("GET", "/flaky", handler)
    assert run({"base_url": server.url}, lambda api, c, x: api.get("/flaky").json()) == {"ok": 1}
    assert len(handler.calls) == 3


def test_a_post_is_not_retried_after_a_500(server, run):
    handler = _counting([(500, {}, "boom"), (200, {}, {})])
    server.route("POST", "/orders", handler)
    with pytest.raises(UnavailableError, match="500"):
        run({"base_url": server.url}, lambda api, c, x: api.post("/orders", json={"n": 1}).json())
    assert len(handler.calls) == 1


def test_a_post_is_retried_after_a_429_honouring_retry_after(server, run):
    handler = _counting([(429, {"Retry-After": "0"}, "slow down"), (201, {}, {"id": 7})])
    server.route("POST", "/orders", handler)
    assert run({"base_url": server.url}, lambda api, c, x: api.post("/orders", json={"n": 1}).json()) == {"id": 7}
    assert [c.json() for c in handler.calls] == [{"n": 1}, {"n": 1}]


def test_a_retry_after_beyond_the_limit_is_not_waited_for(server, run):
    handler = _counting([(429, {"Retry-After": "3600"}, "come back in an hour")])
    server.route("GET", "/slow", handler)
    with pytest.raises(ThrottledError, match="asked to wait 3600 s") as caught:
        run({"base_url": server.url}, lambda api, c, x: api.get("/slow"))
    assert len(handler.calls) == 1 and caught.value.retryable


def test_attempts_are_bounded(server, run):
    handler = _counting([(503, {}, "down")])
    server.route("GET", "/down", handler)
    with pytest.raises(UnavailableError):
        run({"base_url": server.url}, lambda api, c, x: api.get("/down"))
    assert len(handler.calls) == 3  # http.max_attempts


# -- status -> typed errors, masked ------------------------------------------------------


@pytest.mark.parametrize("status, error", [
    (401, AuthenticationError), (403, AccessDeniedError), (404, NotFoundError), (409, ValidationError),
    (422, ValidationError), (429, ThrottledError), (500, UnavailableError), (418, OperationError)])
def test_statuses_become_typed_errors(server, host, plugin, status, error):
    server.route("POST", "/thing", (status, {"Retry-After": "3600"}, {"message": "the name is taken"}))
    plugin.action = lambda api, c, x: api.post("/thing", json={})
    with pytest.raises(error) as caught:
        host.run(host.connect("test.rest", {"base_url": server.url}), "call")
    assert caught.value.connector == "test.rest" and "/thing" in str(caught.value)
    if status in (409, 422):
        assert caught.value.errors == {"request": ["the name is taken"]}


def test_a_body_echoing_the_credentials_is_masked_in_every_encoding(server, run):
    password = "pw-Zq9/x+y=1"
    basic = base64.b64encode(f"ada:{password}".encode()).decode()

    def echo(seen):
        return 400, {}, (f"bad request; you sent Authorization: {seen.headers['authorization']} "
                         f"password={password} quoted=pw-Zq9%2Fx%2By%3D1 json=\"pw-Zq9/x+y=1\"")

    server.route("GET", "/echo", echo)
    values = {"base_url": server.url, "auth_type": "basic", "basic": {"username": "ada", "password": password}}
    with pytest.raises(OperationError) as caught:
        run(values, lambda api, c, x: api.get("/echo"))
    text = str(caught.value)
    assert "you sent Authorization: Basic" in text
    for leaked in (password, basic, "pw-Zq9%2Fx%2By%3D1", basic.rstrip("=")):
        assert leaked not in text


def test_an_oauth_token_echoed_in_an_error_is_masked(server, run):
    from .server import token_endpoint

    issued = token_endpoint(server, client_id="cid", client_secret="cs-secret-1")
    server.route("GET", "/echo", lambda seen: (403, {}, f"token {seen.headers['authorization']} lacks scope"))
    values = {"base_url": server.url, "auth_type": "oauth_client_credentials",
              "oauth": {"authorization_endpoint": f"{server.url}/oauth/token",
                        "client_parameters": {"client_id": "cid", "client_secret": "cs-secret-1"}}}
    with pytest.raises(AccessDeniedError) as caught:
        run(values, lambda api, c, x: api.get("/echo"))
    assert issued[0] not in str(caught.value) and "lacks scope" in str(caught.value)


def test_an_echoed_authorization_value_the_masker_never_saw_is_masked_too(server, run):
    server.route("GET", "/echo", (400, {}, "proxy saw Authorization: Bearer someone-elses-token-123"))
    with pytest.raises(OperationError) as caught:
        run({"base_url": server.url}, lambda api, c, x: api.get("/echo"))
    assert "someone-elses-token-123" not in str(caught.value) and "Authorization: Bearer" in str(caught.value)


def test_an_api_key_in_the_query_is_not_shown_in_errors(server, run):
    values = {"base_url": server.url, "auth_type": "api_key",
              "api_key": {"key": "key", "value": "qk-777777", "placement": "query"}}
    with pytest.raises(NotFoundError) as caught:
        run(values, lambda api, c, x: api.get("/missing"))
    assert "qk-777777" not in str(caught.value)


# -- timeouts and cancellation -----------------------------------------------------------


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_server_that_never_answers_hits_the_timeout_with_a_message_naming_it(silent_server, run):
    with pytest.raises(UnavailableError) as caught:
        run({"base_url": silent_server}, lambda api, c, x: api.post("/hang", timeout=0.3))
    assert "127.0.0.1 did not answer within 0.3 s" in str(caught.value)
    assert "POST" in str(caught.value)


def test_the_operation_timeout_bounds_every_request(silent_server, run):
    with pytest.raises(UnavailableError, match="did not answer within 0.4 s|ran out of time"):
        run({"base_url": silent_server}, lambda api, c, x: api.get("/hang"), timeout=0.4)


def test_a_cancelled_run_sends_nothing_more(server, run):
    handler = _counting([(503, {}, "down")])
    server.route("GET", "/down", handler)
    cancel = threading.Event()

    def action(api, connection, context):
        api.get("/ok", allow_status=(404,))
        cancel.set()
        return api.get("/down")

    with pytest.raises(OperationError, match="cancelled"):
        run({"base_url": server.url}, action, cancel=cancel)
    assert handler.calls == []


# -- the network policy: base URL, redirects, connects ------------------------------------


def test_a_loopback_base_url_is_refused_by_default_before_any_socket(server, plugin):
    host = Host(plugins=[plugin])  # default settings: loopback refused
    plugin.action = lambda api, c, x: api.get("/x")
    with pytest.raises(ConfigurationError):
        host.run(host.connect("test.rest", {"base_url": server.url}), "call")
    assert server.requests == []


def test_a_metadata_base_url_is_refused(plugin):
    host = Host(plugins=[plugin], settings=SETTINGS)
    plugin.action = lambda api, c, x: api.get("/latest/meta-data/")
    with pytest.raises(ConfigurationError, match="169.254.169.254"):
        host.run(host.connect("test.rest", {"base_url": "http://169.254.169.254"}), "call")


def test_a_redirect_to_a_forbidden_address_is_refused_not_followed(server, run):
    server.route("GET", "/go", (301, {"Location": "http://169.254.169.254/latest/meta-data/"}, ""))
    with pytest.raises(ConfigurationError, match="refused to follow a redirect \\(301\\).*169.254.169.254"):
        run({"base_url": server.url}, lambda api, c, x: api.get("/go"))


def test_a_redirect_is_followed_and_a_303_becomes_a_get(server, run):
    server.route("POST", "/submit", (303, {"Location": "/result"}, ""))
    server.route("GET", "/result", (200, {}, {"done": True}))
    assert run({"base_url": server.url}, lambda api, c, x: api.post("/submit", json={"a": 1}).json()) == {"done": True}


def test_credentials_do_not_follow_a_redirect_to_another_origin(server, run):
    from . import server as local

    other = local.start()
    try:
        other.route("GET", "/landing", (200, {}, {"there": True}))
        server.route("GET", "/away", (302, {"Location": f"http://localhost:{other.httpd.server_port}/landing"}, ""))
        values = {"base_url": server.url, "auth_type": "bearer", "bearer": {"token": "tok-123456"}}
        assert run(values, lambda api, c, x: api.get("/away").json()) == {"there": True}
        assert server.seen("/away")[0].headers["authorization"] == "Bearer tok-123456"
        assert "authorization" not in other.seen("/landing")[0].headers
    finally:
        other.httpd.shutdown()
        other.httpd.server_close()


def test_every_connect_is_checked_on_the_resolved_address(server, plugin, monkeypatch):
    """DNS rebinding: a name allowed when checked resolves to a forbidden address at connect time."""
    real = socket.getaddrinfo
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]])

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example":
            return next(answers, [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))])
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    host = Host(plugins=[plugin], settings=SETTINGS)
    plugin.action = lambda api, c, x: api.get("/x")
    with pytest.raises(ConfigurationError, match="169.254.169.254"):
        host.run(host.connect("test.rest", {"base_url": "http://rebind.example"}), "call")


# -- pagination ------------------------------------------------------------------------


def test_link_header_pagination_is_lazy(server, run, host):
    from connector_core.http import paginate_link

    pages = {"1": ([{"id": 1}, {"id": 2}], "2"), "2": ([{"id": 3}], "3"), "3": ([{"id": 4}], None)}

    def page(seen):
        items, nxt = pages[seen.query.get("page", ["1"])[0]]
        link = {"Link": f'<{server.url}/items?page={nxt}>; rel="next"'} if nxt else {}
        return 200, link, items

    server.route("GET", "/items", page)
    stream = run({"base_url": server.url}, lambda api, c, x: paginate_link(api, "/items"), operation="items")
    assert stream == [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]

    server.requests.clear()
    connection = host.connect("test.rest", {"base_url": server.url})
    iterator = host.run(connection, "items")
    assert next(iterator) == {"id": 1} and len(server.seen("/items")) == 1  # one page fetched so far


def test_cursor_offset_and_page_pagination(server, run):
    from connector_core.http import paginate_cursor, paginate_offset, paginate_page

    data = [{"id": i} for i in range(1, 8)]

    def cursor(seen):
        start = int(seen.query.get("cursor", ["0"])[0])
        nxt = start + 3 if start + 3 < len(data) else None
        return 200, {}, {"data": data[start:start + 3], "meta": {"next": nxt}}

    def offset(seen):
        start, limit = int(seen.query["offset"][0]), int(seen.query["limit"][0])
        return 200, {}, {"data": data[start:start + limit]}

    def page(seen):
        number, size = int(seen.query["page"][0]), int(seen.query["per_page"][0])
        return 200, {}, {"results": data[(number - 1) * size:number * size]}

    server.route("GET", "/c", cursor)
    server.route("GET", "/o", offset)
    server.route("GET", "/p", page)
    base = {"base_url": server.url}
    assert run(base, lambda api, c, x: paginate_cursor(api, "/c", cursor="meta.next"), operation="items") == data
    assert run(base, lambda api, c, x: paginate_offset(api, "/o", limit=3), operation="items") == data
    assert run(base, lambda api, c, x: paginate_page(api, "/p", items="results", size=2), operation="items") == data


# -- the client cache --------------------------------------------------------------------


def test_one_session_per_connection_identity(server, host, plugin):
    from connector_core.http import client_cache

    server.route("GET", "/x", (200, {}, {}))
    sessions = []
    plugin.action = lambda api, c, x: sessions.append((api.session, client_cache(x))) or {}
    values = {"base_url": server.url, "auth_type": "bearer", "bearer": {"token": "tok-aaaaaa"}}
    for _ in range(3):  # a fresh Connection per call, as a host that loads it from storage
        host.run(host.connect("test.rest", values), "call")
    host.run(host.connect("test.rest", {**values, "bearer": {"token": "tok-bbbbbb"}}), "call")
    assert sessions[0][0] is sessions[1][0] is sessions[2][0]
    assert sessions[3][0] is not sessions[0][0]
    assert sessions[0][1].built == 2


def test_the_cache_is_bounded_and_thread_safe(server, plugin):
    from connector_core.http import client_cache

    host = Host(plugins=[plugin], settings={**SETTINGS, "http.max_clients": 2})
    server.route("GET", "/x", (200, {}, {}))
    caches = []
    plugin.action = lambda api, c, x: caches.append(client_cache(x)) or api.get("/x").json()
    connections = [host.connect("test.rest", {"base_url": server.url, "auth_type": "bearer",
                                              "bearer": {"token": f"tok-{i:06d}"}}) for i in range(4)]
    threads = [threading.Thread(target=host.run, args=(connections[i % 4], "call")) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(caches[0]) <= 2 and caches[0].built >= 4


@pytest.mark.parametrize("base_path", ["", "/v1", "/v1/"])
def test_relative_paths_reach_the_urls_httpx2_would_build(server, run, base_path):
    """Plain paths are joined to the base URL by the toolkit (a parse saved); the result is httpx2's own."""
    import httpx2

    paths = ["/ping", "/", "/a/b?x=1&y=%2F", "/a b", "/%zz", "/ü", "//elsewhere/x", "/p#frag", "/x?q=a b",
             "/:@!$&()*+,;=-._~", "/a/../b", "ping", "?only=query"]
    base = server.url + base_path

    def reached(api, connection, context):
        return [str(api.get(path, allow_status=(404,)).request.url) for path in paths]

    with httpx2.Client(base_url=base) as plain:
        expected = [str(plain.build_request("GET", path).url) for path in paths]
    assert run({"base_url": base}, reached) == expected
