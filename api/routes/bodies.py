"""Request bodies read with a size limit, so an upload cannot fill memory before it is refused."""

from fastapi import HTTPException, Request, status


async def read_limited(request: Request, limit: int, what: str) -> bytes:
    """The body, refused with 413 as soon as it is known to be over ``limit`` bytes (from its
    Content-Length or while it streams in); ``what`` names it in the message."""
    too_big = HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"{what} over {limit} bytes")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)
