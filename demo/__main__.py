"""Run the demo: ``python -m demo`` (``make demo``).

1. Discover the installed connectors, as an iPaaS host does at start-up.
2. Draw the S3 connection form from its manifest alone.
3. Validate connections: a bad one (every problem at once) and a good one.
4. Start a local AWS emulator (moto) on 127.0.0.1 and run "Test connection".
5. Run live operations of each built-in connector against the emulator.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys

from connector_core import Host, ValidationError
from demo import emulator_credentials


def heading(text: str) -> None:
    print(f"\n=== {text}")


def show_test(result) -> None:
    for check in result.checks:
        print(f"    {check.status:<7} {check.name}: {check.message}" + (f" -> {check.hint}" if check.hint else ""))
    print(f"    => {result.status}: {result.message}")


def main() -> int:
    heading("1. Connectors discovered through the `connector_core` entry points")
    host = Host.discover(settings={"net.allow_loopback": True})
    for m in host.connectors():
        print(f"  {m.id:<18} {m.name} {m.version}: {len(m.connection.fields)} fields, "
              f"{len(m.operations)} operations")
    for failure in host.load_failures():
        print(f"  ! {failure.plugin}: {failure.reason}")

    heading("2. The S3 connection form, from the manifest alone (JSON Schema + UI schema)")
    form = host.form("aws.s3")
    schema, ui = form["schema"], form["uiSchema"]
    print(f"  fields in order: {', '.join(ui['ui:order'])}")
    region = schema["properties"]["region"]["oneOf"]
    print(f"  region dropdown: {len(region)} choices, e.g. {region[0]['title']!r} ... {region[-1]['title']!r}")
    # A conditional field lives in the if/then branch that makes it apply, so a stock
    # renderer shows it only then.
    branch_of = {key: branch for branch in schema.get("allOf", ())
                 for key in branch.get("then", {}).get("properties", {})}
    secret = branch_of["secret_access_key"]["then"]["properties"]["secret_access_key"]
    print(f"  secret field: {json.dumps(secret)[:100]}...")
    print(f"  custom_region is shown (and required) when: {json.dumps(branch_of['custom_region']['if'])}")

    heading("3. Validating connections")
    bad = {"auth_mode": "static", "access_key_id": "not a key", "region": "custom", "bucket": "No_Such"}
    try:
        host.connect("aws.s3", bad)
    except ValidationError as exc:
        print("  a bad connection is refused, every problem at once:")
        for path, messages in sorted(exc.errors.items()):
            print(f"    {path}: {'; '.join(messages)}")

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's request log

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{server._server.server_port}"
        # "Custom Region": the custom region is used because the dropdown says so.
        values = emulator_credentials(endpoint, region="custom", custom_region="eu-west-3",
                                      bucket="demo-bucket", force_path_style=True)
        conn = host.connect("aws.s3", values, name="Demo S3")
        print(f"  a good connection (the secret is never shown): {conn!r}")

        heading(f"4. Test connection against the local emulator at {endpoint}")
        print("  before the bucket exists:")
        show_test(host.test(conn))
        created = host.run(conn, "create_bucket", {"bucket": "demo-bucket"})
        print(f"  after the create_bucket operation ({created['bucket']} in {created['region']}):")
        show_test(host.test(conn))

        for part in ("demo.s3", "demo.eventbridge"):
            try:
                module = importlib.import_module(part)
            except ModuleNotFoundError:
                continue
            heading(f"5. Live operations: {module.__doc__.strip().splitlines()[0] if module.__doc__ else part}")
            module.run(host, endpoint)
    finally:
        server.stop()
    print("\ndemo finished")
    return 0


if __name__ == "__main__":
    sys.exit(main())
