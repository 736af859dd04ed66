"""What a validation run returns to the flow and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SuiteResult:
    """One suite's outcome. `failed` and `warnings` are readable one-line messages."""

    suite: str
    evaluated: int
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Rule (or GX batch expectation) -> the violating rows it found (up to 1000 each).
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return not self.failed


@dataclass
class ValidationResult:
    """The gate's verdict. `success` is False when any critical expectation failed;
    warnings (drift, temporary relaxations) never make it False."""

    success: bool
    suites: list[SuiteResult]
    data_docs: Path | None
    notes: list[str] = field(default_factory=list)
    # What this validation did not run whole (csc.validate.scope): check -> why that is
    # sound. `carried`: passed in the last passed validation on the same tables, not run;
    # `scoped`: run on the versions the drops loaded since then brought.
    carried: dict[str, str] = field(default_factory=dict)
    scoped: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[str]:
        return [f"{s.suite}: {f}" for s in self.suites for f in s.failed]

    def failed_checks(self) -> dict[str, list[str]]:
        """Every failed critical check as "<suite>: <rule>" -> example rows."""
        return {f"{s.suite}: {name}": rows for s in self.suites
                for name, rows in s.examples.items()
                if any(f.startswith(name) for f in s.failed)}

    @property
    def warnings(self) -> list[str]:
        return [f"{s.suite}: {w}" for s in self.suites for w in s.warnings] + self.notes

    def summary(self) -> str:
        parts = [f"{s.suite} {s.evaluated - len(s.failed)}/{s.evaluated}" for s in self.suites]
        line = ("passed" if self.success else "FAILED") + " (" + ", ".join(parts) + ")"
        if self.warnings:
            line += f"; {len(self.warnings)} warning(s)"
        return line
