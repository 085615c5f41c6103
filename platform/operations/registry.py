"""Per-union job functions, by name. Apps register theirs on import (in AppConfig.ready):

    @fanout_job("period_close")
    def close_period(*, union, params, run_id): ...

The function runs inside the union's schema and returns a JSON-able result stored on the progress row.
With atomic=True (the default, for DB-only work) it runs in the same transaction that marks the union done,
so a crash can never leave the work committed but the union not done. Work with outside effects (files, mail)
registers atomic=False and must be idempotent (deterministic keys), since a crash between the effect and the
commit means it runs again.

`on_finished(run_id=...)`, when given, runs once per run in the public schema, in the transaction that stamps the
run finished: a crash leaves the run unfinished and the fan-out sweep finishes it (and calls the hook) later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FanoutJob:
    name: str
    func: Callable[..., object]
    atomic: bool = True
    on_finished: Callable[..., object] | None = None


_jobs: dict[str, FanoutJob] = {}


def fanout_job(name: str, *, atomic: bool = True, on_finished: Callable[..., object] | None = None):
    def register(func):
        existing = _jobs.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"fan-out job {name!r} is already registered by {existing.func!r}")
        _jobs[name] = FanoutJob(name=name, func=func, atomic=atomic, on_finished=on_finished)
        return func

    return register


def fanout_job_get(name: str) -> FanoutJob:
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"unknown fan-out job {name!r}") from None


def fanout_job_names() -> list[str]:
    return sorted(_jobs)
