"""Acceptance tallies for property tests that let the code refuse generated input.

A property test that catches DomainValidationError ("refused input: the invariant must hold all the same")
proves nothing when every generated operation is refused: the invariant then holds over empty tables. A tally
counts, across a whole hypothesis run, what was accepted and what was refused per kind of operation; the test
checks after the run that each kind was accepted often enough to mean something, and `hypothesis.target`
steers generation towards examples where more is accepted.

    tally = Tally()

    @given(...)
    def run(ops):
        for op in ops:
            with tally.attempt(op.kind):  # a DomainValidationError inside is counted as refused, and swallowed
                service(op)
        tally.example_done()

    run()
    tally.require(minimum={"create": 20, "status": 3})
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from hypothesis import target

from unionhub.errors import DomainValidationError


@dataclass
class Tally:
    accepted: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    examples: int = 0
    _in_example: int = 0

    @contextmanager
    def attempt(self, kind: str):
        """The block is one operation of `kind`: a DomainValidationError ends it and counts as refused (the rest
        of the block is skipped, the error swallowed); a block that runs to its end counts as accepted."""
        try:
            yield
        except DomainValidationError:
            self.refused[kind] += 1
            return
        self.accepted[kind] += 1
        self._in_example += 1

    def example_done(self) -> None:
        """End of one hypothesis example: count it and steer generation towards accepted operations."""
        target(float(self._in_example), label="accepted operations")
        self.examples += 1
        self._in_example = 0

    def require(self, minimum: dict[str, int]) -> None:
        """Fail unless every kind in `minimum` was accepted at least that many times over the run."""
        short = {kind: self.accepted[kind] for kind, least in minimum.items() if self.accepted[kind] < least}
        assert not short, (
            f"too few generated operations were accepted to mean something: {short} (wanted at least "
            f"{minimum}; accepted {dict(self.accepted)}, refused {dict(self.refused)}, "
            f"over {self.examples} examples)"
        )
