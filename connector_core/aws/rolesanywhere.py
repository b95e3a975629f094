"""IAM Roles Anywhere: session credentials from an X.509 certificate (CreateSession).

The request is signed with the SigV4 variant for certificates: the algorithm is
``AWS4-X509-RSA-SHA256`` or ``AWS4-X509-ECDSA-SHA256``, the credential is the
certificate's serial number, the certificate travels (base64 DER) in ``X-Amz-X509``
and is signed, and the signature is the private key's RSA PKCS#1 v1.5 / ECDSA signature
of the string to sign. AWS verifies it against the trust anchor.

Why not the ``iam-rolesanywhere-session`` package (evaluated at 3.0.0): it always calls
``https://<host>/sessions`` (no plain-HTTP stand-in, no endpoint URL), reads a ``str``
certificate or key as a *file path*, names the algorithm after the certificate's own
signature hash (``...-SHA384`` for a SHA-384-issued certificate, while signing with
SHA-256), resolves its endpoint by building a throwaway botocore client, and installs
credentials through botocore's private ``session._credentials``. The exchange is ~100
lines with ``cryptography``, so it is implemented here.

Endpoint, in order: the host setting ``aws.rolesanywhere_endpoint``, the connection's
``endpoint_url``, else ``https://rolesanywhere.<region>.<partition suffix>`` with the
region of the profile ARN. Every one passes the endpoint policy.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from .. import errors as E
from ..net import NetworkPolicy
from ..secrets import Secret
from .refresh import refreshable, temporary_metadata

ENDPOINT_SETTING = "aws.rolesanywhere_endpoint"
SERVICE = "rolesanywhere"
CONTENT_TYPE = "application/json"
DEFAULT_SESSION_NAME = "connector-core"  # the aws.credentials fragment's default


def _require_cryptography() -> None:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        raise E.ConfigurationError(
            "IAM Roles Anywhere needs the 'cryptography' package, which is not installed",
            hint="pip install cryptography in the host's environment",
        ) from None


def load_certificate_chain(pem: str) -> list:
    """The certificates of a PEM text: the leaf first, then any intermediates."""
    _require_cryptography()
    from cryptography import x509

    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        raise E.ConfigurationError(
            "the client certificate is not a PEM certificate",
            hint="paste the certificate including its BEGIN/END CERTIFICATE lines",
        ) from None
    return certificates


def load_private_key(pem: str) -> Any:
    """An RSA or EC private key from PEM (unencrypted)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        # The exception text may quote the key material: never chain it.
        raise E.ConfigurationError(
            "the private key is not an unencrypted PEM private key",
            hint="give the certificate's private key in PEM, without a passphrase",
        ) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise E.ConfigurationError(
            "the private key must be an RSA or EC key", hint="IAM Roles Anywhere accepts RSA and EC keys only"
        )
    return key


def algorithm_for(key: Any) -> str:
    """``AWS4-X509-RSA-SHA256`` or ``AWS4-X509-ECDSA-SHA256``, by the key type."""
    from cryptography.hazmat.primitives.asymmetric import ec

    return "AWS4-X509-ECDSA-SHA256" if isinstance(key, ec.EllipticCurvePrivateKey) else "AWS4-X509-RSA-SHA256"


def _der_b64(certificate: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return base64.b64encode(certificate.public_bytes(Encoding.DER)).decode("ascii")


def canonical_request(method: str, path: str, headers: Mapping[str, str], signed: list[str], body: bytes) -> str:
    """SigV4's canonical request (no query string: CreateSession has none)."""
    lines = [method, path or "/", ""]
    lines += [f"{name}:{' '.join(str(headers[name]).split())}" for name in signed]
    lines += ["", ";".join(signed), hashlib.sha256(body).hexdigest()]
    return "\n".join(lines)


def sign_request(
    url: str, body: bytes, chain: list, key: Any, region: str, now: datetime | None = None
) -> dict[str, str]:
    """The headers of a signed CreateSession request (Authorization included)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    now = now or datetime.now(timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{amz_date[:8]}/{region}/{SERVICE}/aws4_request"
    parts = urlsplit(url)
    headers = {
        "content-type": CONTENT_TYPE,
        "host": parts.netloc,
        "x-amz-date": amz_date,
        "x-amz-x509": _der_b64(chain[0]),
    }
    if len(chain) > 1:
        headers["x-amz-x509-chain"] = ",".join(_der_b64(c) for c in chain[1:])
    signed = sorted(headers)
    algorithm = algorithm_for(key)
    request_hash = hashlib.sha256(
        canonical_request("POST", parts.path, headers, signed, body).encode()
    ).hexdigest()
    string_to_sign = "\n".join([algorithm, amz_date, scope, request_hash]).encode()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(string_to_sign, ec.ECDSA(hashes.SHA256()))
    else:
        signature = key.sign(string_to_sign, padding.PKCS1v15(), hashes.SHA256())
    headers["authorization"] = (
        f"{algorithm} Credential={chain[0].serial_number}/{scope}, "
        f"SignedHeaders={';'.join(signed)}, Signature={signature.hex()}"
    )
    return headers


def _region_of_arn(value: str | None) -> str | None:
    parts = (value or "").split(":")
    return parts[3] if len(parts) > 5 and parts[3] else None


def endpoint_for(connection: Mapping[str, Any], settings: Mapping[str, Any]) -> tuple[str, str]:
    """``(base URL, signing region)`` of the Roles Anywhere endpoint for the connection."""
    from .regions import dns_suffix, region_of

    region = _region_of_arn(connection.get("profile_arn")) or region_of(connection)
    url = settings.get(ENDPOINT_SETTING) or connection.get("endpoint_url")
    if not url:
        url = f"https://{SERVICE}.{region}.{dns_suffix(region)}"
    return url.rstrip("/"), region


def _http_error(status: int, body: bytes, connector: str | None) -> E.ConnectorError:
    try:
        detail = str(json.loads(body).get("message") or "")[:300]
    except (ValueError, AttributeError):
        detail = ""
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        return E.AccessDeniedError(
            f"IAM Roles Anywhere refused the certificate (HTTP {status}){said}",
            action="rolesanywhere:CreateSession",
            hint="check that the trust anchor issued the certificate, the profile and role ARNs, "
            "and that the role trusts rolesanywhere.amazonaws.com",
            connector=connector,
        )
    if status == 404:
        return E.NotFoundError(
            f"IAM Roles Anywhere: profile, trust anchor or role not found (HTTP 404){said}",
            hint="check the three ARNs and the region of the profile", connector=connector,
        )
    if status == 429:
        return E.ThrottledError("IAM Roles Anywhere is throttling CreateSession", hint="retry later", connector=connector)
    if status >= 500:
        return E.UnavailableError(
            f"IAM Roles Anywhere failed (HTTP {status})", hint="retry later", connector=connector
        )
    return E.ConfigurationError(
        f"IAM Roles Anywhere rejected the session request (HTTP {status}){said}",
        hint="check the session duration (900 to 3600 s unless the profile allows more) and the ARNs",
        connector=connector,
    )


def create_session(
    url: str,
    request: Mapping[str, Any],
    chain: list,
    key: Any,
    region: str,
    *,
    timeout: float = 30,
    proxy_url: str | None = None,
    connector: str | None = None,
    policy: NetworkPolicy | None = None,
) -> dict[str, Any]:
    """POST ``/sessions``, signed with the certificate; the first credential set returned.

    With a ``policy``, sockets open only through :meth:`NetworkPolicy.create_connection`."""
    body = json.dumps(dict(request)).encode()
    target = f"{url}/sessions"
    headers = sign_request(target, body, chain, key, region)
    # An explicit (possibly empty) proxy map: the host's HTTP(S)_PROXY variables must not
    # silently route a tenant's certificate exchange.
    proxies = {"http": proxy_url, "https": proxy_url} if proxy_url else {}
    proxy_handler = urllib.request.ProxyHandler(proxies)
    opener = policy.build_opener(proxy_handler) if policy else urllib.request.build_opener(proxy_handler)
    http_request = urllib.request.Request(target, data=body, headers=headers, method="POST")
    try:
        with opener.open(http_request, timeout=timeout) as response:
            payload = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise _http_error(exc.code, exc.read(), connector) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise E.UnavailableError(
            f"cannot reach IAM Roles Anywhere at {url} ({type(reason).__name__})",
            hint="check the region, Endpoint URL and network; retry later", connector=connector,
        ) from None
    except ValueError:
        raise E.UnavailableError(
            "IAM Roles Anywhere answered with something that is not JSON", hint="retry later", connector=connector
        ) from None
    try:
        return payload["credentialSet"][0]["credentials"]
    except (KeyError, IndexError, TypeError):
        raise E.UnavailableError(
            "IAM Roles Anywhere returned no credentials", hint="retry later", connector=connector
        ) from None


def rolesanywhere_credentials(connection: Mapping[str, Any], context: Any):
    """Refreshable credentials from IAM Roles Anywhere for a ``roles_anywhere`` connection."""
    from .config import DEFAULTS, READ_TIMEOUT
    from .endpoints import network_policy

    connector = getattr(connection, "connector_id", None)
    missing = [f for f in ("role_arn", "profile_arn", "trust_anchor_arn", "certificate", "private_key")
               if not connection.get(f)]
    if missing:
        raise E.ConfigurationError(
            f"IAM Roles Anywhere needs {', '.join(missing)}", hint="fill in the fields listed", connector=connector
        )
    _require_cryptography()
    private_key = connection["private_key"]
    pem = private_key.reveal() if isinstance(private_key, Secret) else str(private_key)
    context.add_secret(pem)
    key = load_private_key(pem)
    chain = load_certificate_chain(str(connection["certificate"]))
    url, region = endpoint_for(connection, context.settings)
    policy = network_policy(context.settings)
    policy.check_url(url)
    proxy_url = connection.get("proxy_url") or None
    if proxy_url:
        policy.check_url(proxy_url, what="proxy")
    duration = int(connection.get("session_duration") or 3600)
    request = {
        "profileArn": connection["profile_arn"],
        "roleArn": connection["role_arn"],
        "trustAnchorArn": connection["trust_anchor_arn"],
        "durationSeconds": duration,
    }
    # AWS rejects roleSessionName unless the profile sets acceptRoleSessionName: send
    # only a name the user chose, not the fragment's default.
    if connection.get("role_session_name") not in (None, "", DEFAULT_SESSION_NAME):
        request["roleSessionName"] = connection["role_session_name"]
    timeout = float(context.settings.get(READ_TIMEOUT, DEFAULTS[READ_TIMEOUT]))

    def fetch() -> dict:
        c = create_session(url, request, chain, key, region, timeout=timeout, proxy_url=proxy_url,
                           connector=connector, policy=policy)
        return temporary_metadata(c["accessKeyId"], c["secretAccessKey"], c["sessionToken"], c["expiration"], context)

    return refreshable(fetch, "roles-anywhere", duration)


__all__ = [
    "ENDPOINT_SETTING",
    "algorithm_for",
    "canonical_request",
    "create_session",
    "endpoint_for",
    "load_certificate_chain",
    "load_private_key",
    "rolesanywhere_credentials",
    "sign_request",
]
