"""Uploaded files, spooled to the import directory as they arrive and deleted when the job ends.

Several replicas must share the directory (a volume), since any replica may run any job.
"""

import asyncio
import codecs
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from ideaflow_shared.problems import PayloadTooLarge, UnprocessableContent


def _create(partial: Path) -> BinaryIO:
    partial.parent.mkdir(parents=True, exist_ok=True)
    return partial.open("wb")


def spooled_file(directory: Path, import_id: uuid.UUID) -> Path:
    return directory / f"{import_id}.upload"


async def receive(chunks: AsyncIterator[bytes], *, directory: Path, import_id: uuid.UUID, max_bytes: int) -> Path:
    """Write the body to a file of its own, checking size and UTF-8 as it streams; never held in memory.

    Answers the partial file's path (the caller moves it into place once the job accepts it);
    on any problem the partial file is gone.
    """
    partial = directory / f"{import_id}.{uuid.uuid4().hex}.part"
    file = await asyncio.to_thread(_create, partial)
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    try:
        with file:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"An import file may be at most {max_bytes} bytes.")
                decoder.decode(chunk)
                await asyncio.to_thread(file.write, chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        partial.unlink(missing_ok=True)
        raise UnprocessableContent.at("/body", "The file must be UTF-8 text.") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if size == 0:
        partial.unlink()
        raise UnprocessableContent.at("/body", "The file is empty.")
    return partial


def discard(directory: Path, import_id: uuid.UUID) -> None:
    spooled_file(directory, import_id).unlink(missing_ok=True)
