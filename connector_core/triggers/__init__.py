"""Triggers: polled sources of new items, with cursors a host stores (see docs/triggers.md)."""

from .model import DEFAULT_POLL_INTERVAL, PollResult, Trigger, TriggerItem

__all__ = ["DEFAULT_POLL_INTERVAL", "PollResult", "Trigger", "TriggerItem"]
