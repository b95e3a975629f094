"""The Amazon EventBridge connector (``aws.eventbridge``): hooks in :mod:`.hooks`, one module per job."""
