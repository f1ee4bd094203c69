"""The change feed: one counter the caches bump on every event, that live views wait on.

A live view (one Server-Sent Events stream) remembers the version it last rendered and waits for
a newer one; it then re-renders from the caches and sends only if its JSON changed. A burst of
events therefore costs each view one render, never one per event, and a slow browser never makes
the informers wait (bumping is O(1) and never blocks). :meth:`ChangeFeed.close` wakes every waiter
for good: that is how the server ends its streams at shutdown.

Invariant: ``version`` only grows; after ``close`` :meth:`wait_beyond` returns None at once.
"""

from __future__ import annotations

import asyncio


class ChangeFeed:
    def __init__(self) -> None:
        self.version = 0
        self.closed = False
        self._changed = asyncio.Event()

    def bump(self) -> None:
        self.version += 1
        # Wake the current waiters and give later ones a fresh event: an Event cannot be "re-armed"
        # without racing a waiter that has not run yet.
        self._changed.set()
        self._changed = asyncio.Event()

    def close(self) -> None:
        self.closed = True
        self._changed.set()

    async def wait_beyond(self, seen: int) -> int | None:
        """The first version newer than ``seen``; None once the feed is closed."""
        while self.version == seen and not self.closed:
            await self._changed.wait()
        return None if self.closed else self.version
