"""Secret values: a type that never shows its value, references, and log masking.

A :class:`Secret` holds either a literal value or a reference to one
(``{"$env": "NAME"}`` or ``{"$file": "/path"}``). References are resolved only when
:meth:`Secret.reveal` is called, i.e. at the moment a value is really needed.
``repr``, ``str``, ``format`` and JSON encoding never show the value.

:class:`SecretMasker` is a log filter that replaces every value it has been told about
with ``**********`` in every log record, including records from third-party libraries
(vendor SDKs' DEBUG logs print request bodies and credential responses), in every encoding
the value may take on the way out (see :mod:`connector_core.secret_forms`).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import SecretReferenceError
from .secret_forms import secret_forms
from .secret_index import FormIndex

MASK = "**********"

# Record attributes that _mask_record already handles (or that never hold free text).
_RECORD_TEXT_FIELDS = frozenset({"msg", "args", "exc_text", "name", "levelname", "pathname", "filename",
                                 "module", "funcName", "threadName", "processName"})

# Values shorter than this are not masked in logs: masking "a" would garble every record.
_MIN_MASKED_LENGTH = 4
# Values are forgotten (past max_values) this many at a time.
_SEGMENT_SIZE = 32

class Secret:
    """A secret string. Use :meth:`reveal` to obtain the value; nothing else shows it."""

    __slots__ = ("_value", "_env", "_file", "_on_reveal")

    def __init__(
        self,
        value: str | None = None,
        *,
        env: str | None = None,
        file: str | os.PathLike[str] | None = None,
    ) -> None:
        if sum(x is not None for x in (value, env, file)) != 1:
            raise TypeError("Secret takes exactly one of: a value, env=NAME, file=PATH")
        self._value = value
        self._env = env
        self._file = os.fspath(file) if file is not None else None
        self._on_reveal: Callable[[str], None] | None = None

    @classmethod
    def from_input(cls, raw: Any) -> Secret:
        """Build a Secret from a literal string or a ``{$env: NAME}`` / ``{$file: PATH}`` map."""
        if isinstance(raw, Secret):
            return raw
        if isinstance(raw, str):
            return cls(raw)
        if is_reference(raw):
            ((kind, target),) = raw.items()
            return cls(env=target) if kind == "$env" else cls(file=target)
        raise TypeError("a secret is a string or a {$env: NAME} / {$file: PATH} reference")

    @property
    def is_reference(self) -> bool:
        return self._value is None

    def describe(self) -> str:
        """A safe description: the mask, or where the value comes from."""
        if self._env is not None:
            return f"$env:{self._env}"
        if self._file is not None:
            return f"$file:{self._file}"
        return MASK

    def to_storage(self) -> Any:
        """What a host stores: the reference itself, or the literal (the host encrypts it)."""
        if self._env is not None:
            return {"$env": self._env}
        if self._file is not None:
            return {"$file": self._file}
        return self._value

    def bind(self, on_reveal: Callable[[str], None]) -> Secret:
        """Call ``on_reveal(value)`` whenever the value is revealed (used to mask logs)."""
        self._on_reveal = on_reveal
        if self._value is not None:
            on_reveal(self._value)
        return self

    def reveal(self) -> str:
        """The value. Resolves a reference now; raises :class:`SecretReferenceError` if it can't."""
        value = self._value
        if value is None and self._env is not None:
            value = os.environ.get(self._env)
            if value is None:
                raise SecretReferenceError(
                    f"environment variable {self._env} is not set",
                    hint=f"set {self._env} in the host's environment or store the value itself",
                )
        elif value is None:
            assert self._file is not None  # __init__ takes exactly one of value, env, file
            try:
                value = Path(self._file).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise SecretReferenceError(
                    f"cannot read secret file {self._file}: {exc.strerror}",
                    hint="check the path and that the host may read it",
                ) from None
        if self._on_reveal is not None:
            self._on_reveal(value)
        return value

    def __repr__(self) -> str:
        return f"Secret({self.describe()!r})"

    def __str__(self) -> str:
        return self.describe()

    def __format__(self, spec: str) -> str:
        return format(self.describe(), spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return self.to_storage() == other.to_storage()

    def __hash__(self) -> int:
        return hash(("Secret", repr(self.to_storage())))

    def __reduce__(self):  # pickling would carry the value out of the process
        raise TypeError("Secret values cannot be pickled")


def is_reference(raw: Any) -> bool:
    """True for ``{"$env": "NAME"}`` or ``{"$file": "PATH"}`` with a non-empty string target."""
    return (
        isinstance(raw, Mapping)
        and len(raw) == 1
        and next(iter(raw)) in ("$env", "$file")
        and isinstance(next(iter(raw.values())), str)
        and bool(next(iter(raw.values())))
    )


def json_default(o: Any) -> Any:
    """What JSON writes for a value it has no type for: a secret's safe description, bytes
    as text, a time as ISO 8601; anything else is a ``TypeError``, as :func:`json.dumps` says."""
    if isinstance(o, Secret):
        return o.describe()
    if isinstance(o, (bytes, bytearray)):
        return o.decode("utf-8", "replace")
    if hasattr(o, "isoformat"):
        return o.isoformat()
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class SecretJSONEncoder(json.JSONEncoder):
    """JSON encoder that writes secrets as their safe description (see :func:`json_default`)."""

    def default(self, o: Any) -> Any:
        return json_default(o)


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that never shows a secret."""
    return json.dumps(value, cls=SecretJSONEncoder, **kwargs)


class SecretMasker(logging.Filter):
    """Masks every known secret value in log records.

    Attach it to handlers with ``handler.addFilter(masker)``, or call :meth:`install`
    to mask every record created in the process, whichever handler later sees it
    (this also covers handlers added after installation, such as pytest's).
    """

    _process: SecretMasker | None = None
    _process_lock = threading.Lock()

    @classmethod
    def for_process(cls) -> SecretMasker:
        """The process's masker, installed on first use.

        Logging is process-wide, so its masker is too: every host shares it, and
        creating many hosts does not stack log-record factories.
        """
        with cls._process_lock:
            if cls._process is None:
                cls._process = cls()
                cls._process.install()
            return cls._process

    #: How many distinct values are remembered; the oldest are forgotten first, so a
    #: long-running host that connects millions of times does not grow without bound.
    max_values = 10_000

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._previous_factory: Callable[..., logging.LogRecord] | None = None
        # Values are forgotten by segments of _SEGMENT_SIZE, oldest first, sparing those used
        # since their segment was sealed. Their forms are found through _index (no regex).
        self._ticks = itertools.count()
        self._last_use: dict[tuple[str, tuple[str, ...]], int] = {}
        self._forms: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
        self._segments: list[tuple[int, list]] = []  # (tick sealed, keys)
        self._pending: list[tuple[str, tuple[str, ...]]] = []
        self._index = FormIndex()

    def add(self, value: str, usernames: Iterable[str] = ()) -> None:
        """Remember a value to mask, in every encoding it may be logged in.

        ``usernames``: the user names or client ids sent with ``value`` in a Basic auth
        header, so that ``base64(user:value)`` is masked too. Short values are ignored
        (they would garble logs). Costs the value's own forms only.
        """
        if not isinstance(value, str) or len(value) < _MIN_MASKED_LENGTH:
            return
        key = (value, tuple(sorted({u for u in usernames if isinstance(u, str)})))
        with self._lock:
            known = key in self._last_use
            self._last_use[key] = next(self._ticks)
            if known:
                return
            forms = frozenset(f for f in secret_forms(value, key[1]) if len(f) >= _MIN_MASKED_LENGTH)
            self._forms[key] = forms
            self._index.file(forms)
            self._pending.append(key)
            if len(self._pending) >= _SEGMENT_SIZE:
                self._seal_pending()
            if len(self._forms) > self.max_values and self._segments:
                self._forget_oldest_segment()

    def _seal_pending(self) -> None:
        self._segments.append((next(self._ticks), self._pending))
        self._pending = []

    def _forget_oldest_segment(self) -> None:
        sealed, keys = self._segments.pop(0)
        for key in keys:
            if self._last_use[key] > sealed:  # used since: still wanted, kept for a later segment
                self._pending.append(key)
            else:
                self._index.unfile(self._forms.pop(key))
                del self._last_use[key]

    def mask(self, text: str) -> str:
        """``text`` with every occurrence of every known form replaced by the mask.

        Overlapping occurrences are masked as one, so a value containing another is masked whole.
        """
        if not self._forms:
            return text
        spans = sorted(self._index.spans(text))
        if not spans:
            return text
        out, position = [], 0
        for start, end in spans:
            if end <= position:
                continue
            if start >= position:
                out.append(text[position:start])
                out.append(MASK)
            position = end
        out.append(text[position:])
        return "".join(out)

    def filter(self, record: logging.LogRecord) -> bool:
        """As a handler filter, this also masks ``extra=`` fields (set after record creation)."""
        self._mask_record(record)
        if self._forms:
            for key, value in vars(record).items():
                if isinstance(value, str) and key not in _RECORD_TEXT_FIELDS:
                    masked = self.mask(value)
                    if masked != value:
                        setattr(record, key, masked)
        return True

    def _mask_record(self, record: logging.LogRecord) -> None:
        if not self._forms:
            return
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        # Another masker (a handler's filter, the process's factory) may have formatted the
        # traceback already, knowing other values: mask whatever text is there.
        if record.exc_info and record.exc_text is None and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)

    def install(self) -> None:
        """Mask every log record created from now on, in this process (idempotent)."""
        if self._previous_factory is not None:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            self._mask_record(record)
            return record

        self._previous_factory = previous
        logging.setLogRecordFactory(factory)

    def uninstall(self) -> None:
        if self._previous_factory is not None:
            logging.setLogRecordFactory(self._previous_factory)
            self._previous_factory = None
