"""`make demo`: the framework end to end, without an AWS account (moto on 127.0.0.1)."""
