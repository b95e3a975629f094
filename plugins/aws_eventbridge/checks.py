"""Test connection: credentials, account ID, region, event bus; one check each."""

from __future__ import annotations

from connector_core.aws import caller_identity, region_of
from connector_core import Connection, RunContext
from connector_core import AccessDeniedError, ConnectorError, NotFoundError
from connector_core import Check, TestResult

from .common import call, default_bus

CREDENTIALS = "Credentials"
ACCOUNT = "Account ID"
REGION = "Region"
EVENT_BUS = "Event bus"


def test_connection(connection: Connection, context: RunContext) -> TestResult:
    """Run the checks in order; later checks are skipped when the credentials fail."""
    checks: list[Check] = []
    try:
        identity = caller_identity(connection, context)
    except ConnectorError as exc:
        checks.append(Check.failed(CREDENTIALS, exc.message, exc.hint or
                                   "check the access key, secret key and authentication mode"))
        checks += [Check.skipped(name) for name in (ACCOUNT, REGION, EVENT_BUS)]
        return TestResult.from_checks(checks)
    checks.append(Check.passed(CREDENTIALS, f"signed in as {identity['arn']}"))
    checks.append(_account(connection, identity["account"]))

    try:
        region = region_of(connection)
        call(connection, context, "ListEventBuses", None, Limit=1)
    except AccessDeniedError:
        # The endpoint answered: the region is reachable even if listing is not allowed.
        checks.append(Check.passed(REGION, f"EventBridge in {region} answered"))
    except ConnectorError as exc:
        checks.append(Check.failed(REGION, exc.message, exc.hint or
                                   "check the AWS Region (or Custom AWS Region), endpoint URL and proxy"))
        checks.append(Check.skipped(EVENT_BUS))
        return TestResult.from_checks(checks)
    else:
        checks.append(Check.passed(REGION, f"EventBridge in {region} answered"))
    checks.append(_bus(connection, context, region))
    return TestResult.from_checks(checks)


def _account(connection: Connection, actual: str) -> Check:
    configured = connection.get("account_id")
    if not configured:
        return Check.skipped(ACCOUNT, "no AWS Account ID configured (put events needs one)")
    if configured != actual:
        return Check.failed(
            ACCOUNT,
            f"the credentials belong to account {actual}, not the configured {configured}",
            f"set AWS Account ID to {actual}, or use credentials of account {configured}",
        )
    return Check.passed(ACCOUNT, f"account {actual} matches")


def _bus(connection: Connection, context: RunContext, region: str) -> Check:
    bus = default_bus(connection)
    try:
        call(connection, context, "DescribeEventBus", f"event-bus/{bus}", Name=bus)
    except NotFoundError:
        return Check.failed(EVENT_BUS, f"event bus {bus!r} does not exist in {region}",
                            "create it, or choose an existing bus in Default event bus")
    except AccessDeniedError as exc:
        return Check.failed(EVENT_BUS, exc.message, "allow events:DescribeEventBus for these credentials")
    except ConnectorError as exc:
        return Check.failed(EVENT_BUS, exc.message, exc.hint or "check the Default event bus")
    return Check.passed(EVENT_BUS, f"event bus {bus!r} is reachable")
