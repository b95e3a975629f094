"""botocore/AWS errors become typed framework errors that say what to do and carry no secret."""

from __future__ import annotations

import logging
import socket
import threading
import traceback

import boto3
import pytest
from botocore.exceptions import ClientError, NoCredentialsError, ParamValidationError

from .conftest import static_values
from connector_core import errors as E
from connector_core.aws import aws_errors, client, map_error, session_for
from connector_core.connection import Connection
from connector_core.secrets import Secret

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvalue0123456789"


def client_error(code, message="", status=400, headers=None, **extra):
    response = {
        "Error": {"Code": code, "Message": message, **extra},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}},
    }
    return ClientError(response, "SomeOperation")


@pytest.mark.parametrize("code", ["InvalidAccessKeyId", "SignatureDoesNotMatch", "UnrecognizedClientException",
                                  "InvalidClientTokenId"])
def test_bad_credentials(code):
    err = map_error(client_error(code, status=403), connector="aws.s3", action="s3:ListBucket")
    assert type(err) is E.AuthenticationError
    assert "access key and secret key" in err.hint and err.connector == "aws.s3"


def test_expired_token_says_it_is_rebuilt():
    err = map_error(client_error("ExpiredToken", status=400))
    assert type(err) is E.AuthenticationError and "expired" in err.message


def test_access_denied_names_the_action_aws_reports():
    message = ("User: arn:aws:iam::123456789012:user/app is not authorized to perform: s3:ListBucket "
               "on resource: \"arn:aws:s3:::bucket-1\" because no identity-based policy allows the s3:ListBucket action")
    err = map_error(client_error("AccessDenied", message, 403), action="s3:GetObject", resource="bucket-1")
    assert isinstance(err, E.AccessDeniedError) and err.action == "s3:ListBucket"
    assert err.hint == "grant the connection's IAM identity s3:ListBucket"


def test_access_denied_falls_back_to_the_callers_action():
    err = map_error(client_error("403", "Forbidden", 403), action="s3:HeadBucket", resource="b")
    assert isinstance(err, E.AccessDeniedError) and err.action == "s3:HeadBucket"


@pytest.mark.parametrize(("code", "status"), [("NoSuchBucket", 404), ("NoSuchKey", 404),
                                              ("ResourceNotFoundException", 400), ("404", 404)])
def test_not_found(code, status):
    err = map_error(client_error(code, status=status), resource="bucket-1/key")
    assert isinstance(err, E.NotFoundError) and "bucket-1/key" in err.message


def test_wrong_region_from_the_bucket_region_header():
    err = map_error(client_error("301", "Moved Permanently", 301, {"x-amz-bucket-region": "eu-central-1"}))
    assert isinstance(err, E.WrongRegionError) and err.region == "eu-central-1"
    assert "eu-central-1" in err.hint


def test_wrong_region_from_the_error_body():
    err = map_error(client_error("AuthorizationHeaderMalformed", "the region 'us-east-1' is wrong; expecting "
                                 "'ap-south-1'", 400, Region="ap-south-1"))
    assert isinstance(err, E.WrongRegionError) and err.region == "ap-south-1"
    err = map_error(client_error("PermanentRedirect", "use the endpoint", 301,
                                 {"X-Amz-Bucket-Region": "us-west-2"}))
    assert err.region == "us-west-2"


@pytest.mark.parametrize(("code", "status", "kind"), [
    ("Throttling", 400, E.ThrottledError), ("ThrottlingException", 400, E.ThrottledError),
    ("SlowDown", 503, E.ThrottledError), ("TooManyRequestsException", 429, E.ThrottledError),
    ("ServiceUnavailable", 503, E.UnavailableError), ("InternalError", 500, E.UnavailableError),
    ("SomethingNew", 502, E.UnavailableError),
])
def test_retryable(code, status, kind):
    err = map_error(client_error(code, status=status))
    assert type(err) is kind and err.retryable


def test_unknown_code_keeps_aws_message():
    err = map_error(client_error("BucketAlreadyOwnedByYou", "you already own it", 409), action="s3:CreateBucket")
    assert type(err) is E.OperationError and "you already own it" in err.message and not err.retryable


def test_no_credentials():
    err = map_error(NoCredentialsError())
    assert isinstance(err, E.ConfigurationError) and "access key" in err.hint


def test_connector_errors_pass_through():
    original = E.NotFoundError("x")
    assert map_error(original) is original


def test_endpoint_unreachable(make_host):
    host = make_host({"net.allow_loopback": True, "aws.max_attempts": 1, "aws.connect_timeout": 1})
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = client(Connection("aws.s3", static_values(f"http://127.0.0.1:{port}")), host.context(), "s3")
    with pytest.raises(E.UnavailableError, match="cannot reach the endpoint") as info:
        with aws_errors(connector="aws.s3", action="s3:ListAllMyBuckets"):
            c.list_buckets()
    assert info.value.retryable


def test_read_timeout(make_host):
    host = make_host({"net.allow_loopback": True, "aws.max_attempts": 1, "aws.read_timeout": 0.3})
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    try:
        c = client(Connection("aws.s3", static_values(f"http://127.0.0.1:{listener.getsockname()[1]}")),
                   host.context(), "s3")
        with pytest.raises(E.UnavailableError, match="timed out waiting for a response") as info:
            with aws_errors(connector="aws.s3"):
                c.list_buckets()
        assert "aws.read_timeout" in info.value.hint
    finally:
        for conn, _ in accepted:
            conn.close()
        listener.close()


def test_param_validation_does_not_repeat_values(host, moto_reset):
    c = client(Connection("aws.s3", static_values(moto_reset)), host.context(), "s3")
    with pytest.raises(E.ValidationError) as info:
        with aws_errors(connector="aws.s3", action="s3:PutObject"):
            c.put_object(Bucket="bucket-1", Key="k", Body=12345, ContentLength=SECRET_KEY, Unknown="x")
    err = info.value
    assert err.errors == {
        "Body": ["must be of type bytes, bytearray"],
        "ContentLength": ["must be of type int"],
        "Unknown": ["is not a parameter of this call"],
    }
    everything = str(err) + repr(err) + "".join(traceback.format_exception(err)) + str(err.to_dict())
    assert SECRET_KEY not in everything and "12345" not in everything
    assert err.__cause__ is None and err.__context__ is None


def test_param_validation_missing_and_range():
    report = ('Missing required parameter in input: "Bucket"\n'
              'Invalid range for parameter MaxKeys, value: -5, valid min value: 0\n'
              'Invalid length for parameter Key, value: 0, valid min length: 1')
    err = map_error(ParamValidationError(report=report))
    assert err.errors == {"Bucket": ["is required"], "MaxKeys": ["must be at least 0"],
                          "Key": ["must have a minimum length of 1"]}


def test_other_errors_keep_their_cause():
    with pytest.raises(E.NotFoundError) as info:
        with aws_errors(resource="b"):
            raise client_error("NoSuchBucket", status=404)
    assert isinstance(info.value.__cause__, ClientError)


def test_botocore_debug_logs_do_not_leak_secrets(host, moto_reset, installed_masker, debug_logs, capsys):
    """boto3.set_stream_logger at DEBUG, static keys with a session token, then an assumed role."""
    boto3.set_stream_logger("botocore", logging.DEBUG)
    try:
        static = Connection("aws.s3", static_values(moto_reset, session_token=Secret(TOKEN)))
        c = client(static, host.context(), "s3")
        c.create_bucket(Bucket="bucket-1")
        with pytest.raises(E.ValidationError):
            with aws_errors(connector="aws.s3"):
                c.put_object(Bucket="bucket-1", Key="k", ContentLength=SECRET_KEY)
        role = Connection("aws.s3", static_values(moto_reset, auth_mode="assume_role",
                                                  role_arn="arn:aws:iam::123456789012:role/r", session_duration=900))
        client(role, host.context(), "s3").list_buckets()
        assumed = session_for(role, host.context()).get_credentials().get_frozen_credentials()
    finally:
        botocore_logger = logging.getLogger("botocore")
        for handler in list(botocore_logger.handlers):
            botocore_logger.removeHandler(handler)
        botocore_logger.setLevel(logging.NOTSET)
    streamed = capsys.readouterr().err
    logged = "\n".join(debug_logs)
    # The logs really are verbose: the STS response body and signed requests are in them.
    assert "AssumeRoleResponse" in logged and "X-Amz-Security-Token" in logged and "Sending http request" in streamed
    for secret in (SECRET_KEY, TOKEN, assumed.secret_key, assumed.token):
        assert secret not in logged, "secret in a log record"
        assert secret not in streamed, "secret on the stream logger"
