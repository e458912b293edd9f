"""Identical concurrent work runs once: callers with the same key share one task.

Used by the HTTP client (identical requests) and the analysis service (identical analyses
and chart renders). The shared task is shielded, so one caller giving up (a cancelled
command) does not cancel the work the others wait for; the key is forgotten as soon as the
task ends, whatever its outcome, so a failure is never served to later callers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class InFlight(Generic[T]):
    """A table of running tasks by key. ``joined`` counts callers that shared one."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Future[T]] = {}
        self.joined = 0

    def __len__(self) -> int:
        return len(self._tasks)

    def __contains__(self, key: object) -> bool:
        return key in self._tasks

    async def run(self, key: str, start: Callable[[], Awaitable[T]]) -> T:
        """Await the task running for ``key``, or start one with ``start()``."""
        return await self.share(key, start)

    def share(self, key: str, start: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """The task running for ``key``, or one started now with ``start()``, registered
        before this returns (so a caller checking ``key in`` right after sees it); shielded:
        cancelling what is returned does not cancel the shared task. Needs a running loop."""
        task = self._tasks.get(key)
        if task is not None:
            self.joined += 1
        else:
            task = asyncio.ensure_future(start())
            self._tasks[key] = task
            task.add_done_callback(lambda _t: self._tasks.pop(key, None))
            task.add_done_callback(_retrieve)
        return asyncio.shield(task)


def _retrieve(task: asyncio.Future[T]) -> None:
    """Mark a shared task's exception as retrieved.

    When every caller has given up (cancelled: a closed Discord command, Ctrl-C), the
    shield's own callback is gone and nobody reads the task's outcome; asyncio would then
    log "Task exception was never retrieved" for an error no one is waiting for. Callers
    that are still waiting get the exception through the shield as before.
    """
    if not task.cancelled():
        task.exception()
