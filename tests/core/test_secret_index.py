"""The masker's form index finds exactly what a plain search for every form finds.

The index looks forms up by their first KEY characters at every position of a text, or,
while there are few forms, with str.find for each; either way the masked text must equal
the one a naive search (every form, every position, overlapping spans merged) gives.
"""

from __future__ import annotations

import random
import string
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from connector_core.secret_forms import secret_forms
from connector_core import secret_index
from connector_core.secret_index import KEY
from connector_core.secrets import _SEGMENT_SIZE as SEGMENT_SIZE
from connector_core.secrets import MASK, SecretMasker


def _naive_mask(text: str, forms: set[str]) -> str:
    spans = sorted((i, i + len(f)) for f in forms for i in range(len(text)) if text.startswith(f, i))
    out, position = [], 0
    for start, end in spans:
        if end <= position:
            continue
        if start >= position:
            out += [text[position:start], MASK]
        position = end
    return "".join(out) + text[position:]


def _forms_of(value: str, usernames: tuple[str, ...] = ()) -> set[str]:
    return {f for f in secret_forms(value, usernames) if len(f) >= 4} if len(value) >= 4 else set()


values = st.text(alphabet=string.ascii_letters + string.digits + "+/=&% '\"\\\nö", min_size=1, max_size=14)


# Both ways of searching: str.find for each form (few forms), lookup by key (many).
BOTH_WAYS = st.sampled_from([10**6, 0])


@settings(max_examples=80, deadline=None)
@given(st.lists(values, min_size=1, max_size=2 * SEGMENT_SIZE + 5, unique=True), st.randoms(use_true_random=False),
       BOTH_WAYS)
def test_masking_equals_a_plain_search_for_every_form(secrets_, rnd, find_each_up_to):
    masker = SecretMasker()
    known: set[str] = set()
    with mock.patch.object(secret_index, "FIND_EACH_UP_TO", find_each_up_to):
        for value in secrets_:
            masker.add(value, ["user"])
            known |= _forms_of(value, ("user",))
    # Text made of pieces of forms (whole, cut, overlapping) and filler.
    pieces = sorted(known) or ["none"]
    text = "".join(rnd.choice([rnd.choice(pieces), rnd.choice(pieces)[: rnd.randint(1, 6)], " x ", "ab"])
                   for _ in range(30))
    assert masker.mask(text) == _naive_mask(text, known)


@mock.patch.object(secret_index, "FIND_EACH_UP_TO", 0)  # searched by key
def test_short_forms_and_forms_sharing_a_key_are_each_found():
    masker = SecretMasker()
    masker.add("abcd")  # shorter than a key: filed under itself
    long_ones = [f"SharedKey{n:03d}-tail" for n in range(SEGMENT_SIZE + 3)]  # all share the first KEY chars
    for value in long_ones:
        masker.add(value)
    assert long_ones[0][:KEY] == long_ones[-1][:KEY]
    text = f"x abcd y {long_ones[0]} z {long_ones[-1]} SharedKey999-tail"
    assert masker.mask(text) == f"x {MASK} y {MASK} z {MASK} SharedKey999-tail"


@mock.patch.object(secret_index, "FIND_EACH_UP_TO", 0)
def test_a_forgotten_segment_keeps_the_forms_other_values_still_hold():
    """The same value with two usernames shares forms; forgetting one keeps the other's masked."""
    masker = SecretMasker()
    masker.max_values = SEGMENT_SIZE + 2
    masker.add("shared-secret-value", ["first-user"])  # in the first segment
    for n in range(SEGMENT_SIZE - 1):
        masker.add(f"filler-secret-{n:04d}")
    masker.add("shared-secret-value", ["second-user"])  # pending, shares every plain form
    for n in range(5):  # overflow: the first segment, unused since, is forgotten
        masker.add(f"later-secret-{n:04d}")
    assert masker.mask("filler-secret-0001") == "filler-secret-0001"
    assert masker.mask("a shared-secret-value b") == f"a {MASK} b"


def test_many_values_added_and_used_in_random_order_stay_masked():
    rnd = random.Random(7)
    masker = SecretMasker()
    added = [f"{rnd.choice(['tok', 'key', 'pwd'])}-{rnd.getrandbits(64):x}" for _ in range(5 * SEGMENT_SIZE)]
    for n, value in enumerate(added):
        masker.add(value)
        probe = rnd.choice(added[: n + 1])
        assert masker.mask(f"[{probe}]") == f"[{MASK}]"
