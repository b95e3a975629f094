"""Result types returned through the contract: test-connection results and options."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Check:
    """One check of "Test connection".

    ``status`` is ``"passed"``, ``"failed"`` or ``"skipped"`` (not run because an
    earlier check failed). A failed check's ``message`` says what is wrong and
    ``hint`` what to do about it.
    """

    name: str
    status: str
    message: str = ""
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.status not in ("passed", "failed", "skipped"):
            raise ValueError(f"check status must be passed, failed or skipped, not {self.status!r}")

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    @classmethod
    def passed(cls, name: str, message: str = "") -> Check:
        return cls(name, "passed", message)

    @classmethod
    def failed(cls, name: str, message: str, hint: str | None = None) -> Check:
        return cls(name, "failed", message, hint)

    @classmethod
    def skipped(cls, name: str, message: str = "an earlier check failed") -> Check:
        return cls(name, "skipped", message)


@dataclass(frozen=True)
class TestResult:
    """The outcome of "Test connection": ok or failed, a message, one entry per check."""

    __test__ = False  # not a pytest test class

    checks: tuple[Check, ...] = field(default_factory=tuple)
    message: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def status(self) -> str:
        return "ok" if self.ok else "failed"

    @classmethod
    def from_checks(cls, checks, message: str | None = None) -> TestResult:
        checks = tuple(checks)
        if message is None:
            failed = [c for c in checks if c.status == "failed"]
            if not checks:
                message = "no checks were run"
            elif failed:
                first = failed[0]
                message = f"{first.name} failed: {first.message}"
                if first.hint:
                    message += f" ({first.hint})"
            else:
                message = "the check passed" if len(checks) == 1 else f"all {len(checks)} checks passed"
        return cls(checks, message)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "status": self.status,
            "message": self.message,
            "checks": [asdict(c) for c in self.checks],
        }


@dataclass(frozen=True)
class Option:
    """One entry of a dynamic option list (a dropdown): the stored value and its caption."""

    value: str
    caption: str = ""

    def to_dict(self) -> dict:
        return {"value": self.value, "caption": self.caption or self.value}
