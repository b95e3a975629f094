"""Where known literal strings (the forms of secret values) occur in a text.

Built for :class:`~connector_core.secrets.SecretMasker`: values arrive one at a time for
the life of a process (thousands of connections), and every log record is searched.
Nothing is compiled: a regular expression of all forms costs far more to compile than
the record it searches, and recompiling as values arrive was most of a connection's cost.

- Each form is filed in a dict under its first :data:`KEY` characters (a shorter form
  under itself), so adding or dropping a value touches its own forms only.
- A text is searched by looking up the KEY characters at each of its positions in that
  dict, the iteration running in C (``map`` over slices); a hit is checked against the
  forms filed under it. The cost is per character of text, whatever the number of forms.
- While there are few forms, ``str.find`` for each is quicker still, and is used instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress

#: Forms are looked up by their first KEY characters; the rest is compared directly.
KEY = 8
#: Up to this many forms, each is looked for with str.find instead of scanning by keys.
FIND_EACH_UP_TO = 400  # measured: ~0.13 µs per form vs ~0.15 µs per character of text, per 500-char record


class FormIndex:
    """The forms of many values; a form held by several values stays until the last drops it.

    Writers are serialised by the caller (the masker's lock). :meth:`spans` may run at the
    same time: it reads structures that each change replaces whole, or dicts read by key.
    """

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[str, ...]] = {}  # key -> forms, longest first
        self._holders: dict[str, int] = {}  # form -> how many values have it
        self._key_counts: dict[int, int] = {}  # key length (KEY, or a shorter form's) -> forms filed so
        # What readers use, replaced whole on each change:
        self._key_lengths: tuple[int, ...] = ()
        self._few: tuple[str, ...] | None = ()  # every form while there are few, else None

    def __len__(self) -> int:
        return len(self._holders)

    def file(self, forms: Iterable[str]) -> None:
        """Make a value's ``forms`` findable."""
        for form in forms:
            held = self._holders.get(form, 0)
            self._holders[form] = held + 1
            if held:
                continue
            key = form[:KEY]
            self._buckets[key] = tuple(sorted((*self._buckets.get(key, ()), form), key=len, reverse=True))
            self._key_counts[len(key)] = self._key_counts.get(len(key), 0) + 1
        self._publish()

    def unfile(self, forms: Iterable[str]) -> None:
        """A value's ``forms`` are held by one value fewer; a form no value holds is not found."""
        for form in forms:
            held = self._holders.get(form, 0)
            if held > 1:
                self._holders[form] = held - 1
                continue
            if not held:
                continue
            del self._holders[form]
            key = form[:KEY]
            rest = tuple(f for f in self._buckets.get(key, ()) if f != form)
            if rest:
                self._buckets[key] = rest
            else:
                self._buckets.pop(key, None)
            self._key_counts[len(key)] -= 1
            if not self._key_counts[len(key)]:
                del self._key_counts[len(key)]
        self._publish()

    def _publish(self) -> None:
        self._key_lengths = tuple(sorted(self._key_counts, reverse=True))  # KEY first, when present
        self._few = tuple(self._holders) if len(self._holders) <= FIND_EACH_UP_TO else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of every occurrence of an indexed form (overlapping ones included)."""
        few = self._few
        if few is not None:
            found = []
            for form in few:
                start = text.find(form)
                while start >= 0:
                    found.append((start, start + len(form)))
                    start = text.find(form, start + 1)
            return found
        buckets, lengths = self._buckets, self._key_lengths
        starts: set[int] = set()
        for length in lengths:  # usually just KEY: shorter keys come from short values only
            positions = range(len(text) - length + 1)
            keys = map(text.__getitem__, map(slice, positions, range(length, len(text) + 1)))
            starts.update(compress(positions, map(buckets.__contains__, keys)))
        found = []
        for start in starts:
            end = _longest_at(text, start, buckets, lengths)
            if end:
                found.append((start, end))
        return found


def _longest_at(text: str, start: int, buckets: dict[str, tuple[str, ...]], lengths: tuple[int, ...]) -> int:
    """The end of the longest indexed form starting at ``start``, or 0."""
    for length in lengths:
        for form in buckets.get(text[start:start + length], ()):
            if text.startswith(form, start):
                return start + len(form)
    return 0
