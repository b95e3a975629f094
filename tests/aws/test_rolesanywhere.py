"""IAM Roles Anywhere against a local stand-in that verifies the certificate signature."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from connector_core.aws import refresh as refresh_module
from connector_core.aws import session_for
from connector_core.aws.rolesanywhere import endpoint_for
from connector_core.connection import Connection
from connector_core.errors import AccessDeniedError, ConfigurationError
from connector_core.secrets import MASK, Secret

PROFILE = "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/0f6c7a3e-1111-2222-3333-444455556666"
ANCHOR = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/7d3e2a1b-1111-2222-3333-444455556666"
ROLE = "arn:aws:iam::123456789012:role/workload"


def make_identity(kind: str, serial: int = 4242, sign_hash=hashes.SHA256()):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "workload")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(serial).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, sign_hash)
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


class StandIn(BaseHTTPRequestHandler):
    """CreateSession, verifying the X.509 SigV4 signature independently of the client code."""

    calls: list
    fail_with: list

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        problem = self.verify(body)
        if self.fail_with:
            problem = self.fail_with[0]
        if problem:
            self.reply(403, {"message": problem})
            return
        request = json.loads(body)
        self.calls.append(request)
        n = len(self.calls)
        expires = datetime.now(timezone.utc) + timedelta(seconds=request["durationSeconds"])
        self.reply(201, {"credentialSet": [{"credentials": {
            "accessKeyId": f"ASIAROLESANYWHERE{n:03d}",
            "secretAccessKey": f"rolesanywhere-secret-{n:03d}-abcdefghijklmnop",
            "sessionToken": f"rolesanywhere-token-{n:03d}-" + "t" * 40,
            "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }}], "subjectArn": "arn:aws:rolesanywhere:eu-west-1:123456789012:subject/x"})

    def verify(self, body: bytes) -> str | None:
        auth = self.headers["Authorization"]
        algorithm, rest = auth.split(" ", 1)
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        serial, date, region, service, terminal = fields["Credential"].split("/")
        cert = x509.load_der_x509_certificate(base64.b64decode(self.headers["X-Amz-X509"]))
        if int(serial) != cert.serial_number:
            return "serial number does not match the certificate"
        if (region, service, terminal) != ("eu-west-1", "rolesanywhere", "aws4_request"):
            return f"bad scope {fields['Credential']}"
        amz_date = self.headers["X-Amz-Date"]
        if date != amz_date[:8]:
            return "scope date does not match X-Amz-Date"
        signed = fields["SignedHeaders"].split(";")
        if not {"host", "x-amz-date", "x-amz-x509", "content-type"} <= set(signed):
            return "required headers are not signed"
        canonical = "\n".join(
            ["POST", self.path, ""] + [f"{h}:{self.headers[h].strip()}" for h in signed]
            + ["", ";".join(signed), hashlib.sha256(body).hexdigest()]
        )
        to_sign = "\n".join([algorithm, amz_date, fields["Credential"].split("/", 1)[1],
                             hashlib.sha256(canonical.encode()).hexdigest()]).encode()
        public = cert.public_key()
        try:
            if algorithm == "AWS4-X509-RSA-SHA256" and isinstance(public, rsa.RSAPublicKey):
                public.verify(bytes.fromhex(fields["Signature"]), to_sign, padding.PKCS1v15(), hashes.SHA256())
            elif algorithm == "AWS4-X509-ECDSA-SHA256" and isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(bytes.fromhex(fields["Signature"]), to_sign, ec.ECDSA(hashes.SHA256()))
            else:
                return f"algorithm {algorithm} does not match the key"
        except InvalidSignature:
            return "signature does not verify"
        return None

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def stand_in():
    handler = type("Handler", (StandIn,), {"calls": [], "fail_with": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()
    server.server_close()


def ra_values(cert_pem, key_pem, **extra):
    values = {
        "auth_mode": "roles_anywhere", "role_arn": ROLE, "profile_arn": PROFILE, "trust_anchor_arn": ANCHOR,
        "certificate": cert_pem, "private_key": Secret(key_pem), "session_duration": 900,
        "role_session_name": "connector-core", "region": "us-east-1",
    }
    values.update(extra)
    return values


def frozen(conn, host):
    return session_for(conn, host.context()).get_credentials().get_frozen_credentials()


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_create_session_signed_with_the_certificate(kind, host, stand_in):
    cert, key = make_identity(kind)
    conn = Connection("aws.s3", ra_values(cert, key, endpoint_url=stand_in.url))
    creds = frozen(conn, host)
    assert creds.access_key == "ASIAROLESANYWHERE001"
    assert stand_in.calls == [{"profileArn": PROFILE, "roleArn": ROLE, "trustAnchorArn": ANCHOR, "durationSeconds": 900}]


def test_sha384_issued_certificate_still_signs_sha256(host, stand_in):
    cert, key = make_identity("ec", sign_hash=hashes.SHA384())
    assert frozen(Connection("aws.s3", ra_values(cert, key, endpoint_url=stand_in.url)), host).access_key


def test_chosen_session_name_is_sent(host, stand_in):
    cert, key = make_identity("rsa")
    frozen(Connection("aws.s3", ra_values(cert, key, endpoint_url=stand_in.url, role_session_name="wf-9")), host)
    assert stand_in.calls[0]["roleSessionName"] == "wf-9"


def test_endpoint_from_host_setting(make_host, stand_in):
    host = make_host({"net.allow_loopback": True, "aws.rolesanywhere_endpoint": stand_in.url})
    cert, key = make_identity("ec")
    assert frozen(Connection("aws.s3", ra_values(cert, key)), host).access_key == "ASIAROLESANYWHERE001"


def test_default_endpoint_is_the_profiles_region_and_partition():
    cert, key = make_identity("ec")
    assert endpoint_for(ra_values(cert, key), {}) == ("https://rolesanywhere.eu-west-1.amazonaws.com", "eu-west-1")
    cn = ra_values(cert, key, profile_arn="arn:aws-cn:rolesanywhere:cn-north-1:123456789012:profile/abc")
    assert endpoint_for(cn, {}) == ("https://rolesanywhere.cn-north-1.amazonaws.com.cn", "cn-north-1")


def test_refreshes_before_expiry(host, stand_in, monkeypatch):
    now = [datetime.now(timezone.utc)]
    monkeypatch.setattr(refresh_module, "_now", lambda: now[0])
    cert, key = make_identity("rsa")
    conn = Connection("aws.s3", ra_values(cert, key, endpoint_url=stand_in.url))
    assert frozen(conn, host).access_key == "ASIAROLESANYWHERE001"
    now[0] += timedelta(seconds=600)
    assert frozen(conn, host).access_key == "ASIAROLESANYWHERE001"
    now[0] += timedelta(seconds=200)  # 100 s before expiry
    assert frozen(conn, host).access_key == "ASIAROLESANYWHERE002"
    assert len(stand_in.calls) == 2


def test_temporary_secrets_and_private_key_are_masked(host, stand_in):
    cert, key = make_identity("ec")
    creds = frozen(Connection("aws.s3", ra_values(cert, key, endpoint_url=stand_in.url)), host)
    text = f"{creds.secret_key} {creds.token} {key}"
    assert host.masker.mask(text) == f"{MASK} {MASK} {MASK}"


def test_refused_certificate_is_access_denied(host, stand_in):
    cert, key = make_identity("rsa")
    stand_in.fail_with.append("Untrusted signing certificate")
    with pytest.raises(AccessDeniedError, match="Untrusted signing certificate") as info:
        frozen(Connection("aws.s3", ra_values(cert, key, endpoint_url=stand_in.url)), host)
    assert info.value.action == "rolesanywhere:CreateSession" and "trust anchor" in info.value.hint


def test_key_of_another_certificate_fails_verification(host, stand_in):
    cert, _ = make_identity("rsa")
    _, other_key = make_identity("rsa")
    with pytest.raises(AccessDeniedError, match="signature does not verify"):
        frozen(Connection("aws.s3", ra_values(cert, other_key, endpoint_url=stand_in.url)), host)


def test_bad_pem_says_what_to_do(host):
    cert, key = make_identity("ec")
    with pytest.raises(ConfigurationError, match="private key"):
        session_for(Connection("aws.s3", ra_values(cert, "not a key", endpoint_url="http://127.0.0.1:1")), host.context())
    with pytest.raises(ConfigurationError, match="certificate"):
        session_for(Connection("aws.s3", ra_values("nope", key, endpoint_url="http://127.0.0.1:1")), host.context())


def test_metadata_endpoint_refused(host):
    cert, key = make_identity("ec")
    with pytest.raises(ConfigurationError, match="never allowed"):
        session_for(Connection("aws.s3", ra_values(cert, key, endpoint_url="http://169.254.169.254")), host.context())


def test_works_for_an_aws_client(host, stand_in, moto_reset):
    """The session's clients sign with Roles Anywhere credentials (moto accepts any)."""
    from connector_core.aws import client

    cert, key = make_identity("ec")
    values = ra_values(cert, key, endpoint_url=moto_reset)
    host.settings["aws.rolesanywhere_endpoint"] = stand_in.url
    c = client(Connection("aws.s3", values), host.context(), "s3")
    c.create_bucket(Bucket="ra-bucket")
    assert c._request_signer._credentials.get_frozen_credentials().access_key == "ASIAROLESANYWHERE001"
