"""The batcher: AWS's entry-size formula and request planning (hypothesis properties)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector_aws_eventbridge.batching import MAX_ENTRIES, entry_size, oversized, plan_batches


def test_entry_size_follows_the_aws_formula():
    entry = {"Source": "src", "DetailType": "tÿpe", "Detail": '{"a":"€"}', "Resources": ["r1", "ré"],
             "Time": "2026-01-01T00:00:00Z", "EventBusName": "ignored-bus", "TraceHeader": "ignored"}
    # Time 14 + "src" 3 + "tÿpe" 5 + detail 11 (€ is 3 bytes) + "r1" 2 + "ré" 3
    assert entry_size(entry) == 14 + 3 + 5 + 11 + 2 + 3
    assert entry_size({"Source": "a", "DetailType": "b"}) == 2


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
entries = st.lists(
    st.fixed_dictionaries(
        {"Source": texts, "DetailType": texts, "Detail": texts},
        optional={"Resources": st.lists(texts, max_size=3), "Time": st.just("2026-01-01T00:00:00Z")},
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(entries=entries, max_bytes=st.integers(min_value=1, max_value=600))
def test_every_entry_lands_in_exactly_one_request_within_the_limits(entries, max_bytes):
    sizes = [entry_size(e) for e in entries]
    refused = oversized(sizes, max_bytes)
    sendable = [i for i in range(len(entries)) if i not in set(refused)]
    batches = plan_batches(sendable, sizes, max_bytes)

    flat = [i for batch in batches for i in batch]
    assert flat == sendable  # each once, input order kept
    assert sorted(flat + refused) == list(range(len(entries)))
    for batch in batches:
        assert 1 <= len(batch) <= MAX_ENTRIES
        # the service measures UTF-8 bytes, not characters
        assert sum(entry_size(entries[i]) for i in batch) <= max_bytes
    for i in refused:
        assert sizes[i] > max_bytes


@given(sizes=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=50))
def test_batches_are_full_unless_a_limit_forces_a_split(sizes):
    batches = plan_batches(range(len(sizes)), sizes, 100)
    for current, following in zip(batches, batches[1:]):
        # greedy: the next entry did not fit in the previous request
        assert len(current) == MAX_ENTRIES or sum(sizes[i] for i in current) + sizes[following[0]] > 100


def test_an_oversized_entry_is_refused_by_the_planner():
    with pytest.raises(ValueError, match="entry 1"):
        plan_batches(range(2), [10, 500], 100)
