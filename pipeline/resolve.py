"""The resolve stage: the protocol a user named, from memory first (DESIGN.md §1).

Shared by the command line and the Discord cogs so that both resolve a name the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.errors import ProtocolNotFound
from core.protocol import ProtocolRecord
from sources.directory import Directory


async def find_protocol(directory: Directory, text: str, *,
                        before_loading: Callable[[], Awaitable[object]] | None = None,
                        ) -> tuple[ProtocolRecord, bool]:
    """The record for ``text``, and whether the DefiLlama list had to be loaded for it.

    Answered from memory whenever possible (the built-in table and any list already
    loaded). Only a name that is not there while the list has not been loaded yet (nor
    failed to load) awaits ``before_loading`` — the bot defers there, to keep Discord's
    3-second window — and then :meth:`Directory.resolve`, which loads the list.

    Raises:
        ProtocolNotFound: nothing close enough; at once (no network) when there is nothing
            more to load.
    """
    try:
        return directory.lookup(text), False
    except ProtocolNotFound:
        if directory.loaded or directory.load_error is not None:
            raise  # nothing more to wait for
    if before_loading is not None:
        await before_loading()
    return await directory.resolve(text), True
