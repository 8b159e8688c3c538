"""Serve an extracted package's files on the content origin, from the default storage.

Package files are immutable: a package is extracted once under its own UUID prefix
and never rewritten (a new version is a new package). So every answer may be cached
for a year by browsers and a CDN, and validated by ETag/Last-Modified. The view
honours single HTTP ranges (video seeking, large media) and ``HEAD``.

Only regular files of a READY package are served. The requested path is normalised
and must stay inside the package's storage prefix; there are no directory listings.
Works with ``FileSystemStorage`` (direct file access, symlinks refused) and with any
other Django storage such as ``S3Storage`` (ranged ``GetObject`` when available).
Isolation headers (CSP sandbox, nosniff, no cookies) are added for every
content-origin response by ``courses.middleware.ContentOriginMiddleware``.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import posixpath
import re
import stat
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from asgiref.sync import sync_to_async
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.views.decorators.http import require_http_methods

from courses.models import Package

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"

# ``mimetypes`` depends on the host's /etc/mime.types; the types that matter for
# packages are pinned here so every server answers the same.
EXPLICIT_TYPES: dict[str, str] = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".wav": "audio/wav",
    ".vtt": "text/vtt",
    ".wasm": "application/wasm",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}
DEFAULT_TYPE = "application/octet-stream"

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_type_for(path: str) -> str:
    """MIME type of a package file from its extension (never guessed from bytes)."""
    extension = posixpath.splitext(path)[1].lower()
    if extension in EXPLICIT_TYPES:
        return EXPLICIT_TYPES[extension]
    guessed, encoding = mimetypes.guess_type(path, strict=False)
    if guessed is None or encoding is not None:
        return DEFAULT_TYPE
    return guessed


def normalise_package_path(path: str) -> str | None:
    """The package-relative path with ``.``/empty segments resolved, or None.

    None when the path is empty, absolute, contains a NUL or a backslash, names a
    directory, or climbs out of the package with ``..``.
    """
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        return None
    if path.endswith("/"):
        return None
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(segment)
    return "/".join(parts) or None


def package_prefix(package: Package) -> str:
    """Storage prefix of a package's extracted files, always ending with ``/``."""
    prefix = package.storage_prefix or f"packages/{package.uuid}/"
    return prefix if prefix.endswith("/") else prefix + "/"


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What the view needs to know about one stored file, and how to read it."""

    size: int
    modified: datetime | None
    read_range: Callable[[int, int], Iterator[bytes]]
    close: Callable[[], None]


def _read_chunks(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    handle.seek(start)
    remaining = length
    while remaining > 0:
        data = handle.read(min(CHUNK_SIZE, remaining))
        if not data:
            break
        remaining -= len(data)
        yield data


def _filesystem_file(
    storage: FileSystemStorage, key: str, prefix: str
) -> StoredFile | None:
    try:
        path = storage.path(key)
        root = os.path.realpath(storage.path(prefix))
    except SuspiciousFileOperation:
        return None
    # No symlink anywhere on the way out of the package prefix.
    if os.path.commonpath([os.path.realpath(path), root]) != root:
        return None
    try:
        # O_NOFOLLOW and fstat on the open descriptor: what is checked is what
        # is read, even if the path changes in between.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    info = os.fstat(descriptor)
    # A regular file only: no directory, device or FIFO.
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        return None
    handle: IO[bytes] = os.fdopen(descriptor, "rb")  # closed by the response
    return StoredFile(
        size=info.st_size,
        modified=datetime.fromtimestamp(info.st_mtime, tz=UTC),
        read_range=lambda start, length: _read_chunks(handle, start, length),
        close=handle.close,
    )


def _storage_file(storage: Storage, key: str) -> StoredFile | None:
    try:
        handle = storage.open(key, "rb")
        size = int(handle.size)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None
    # S3Storage gives the boto3 object: read ranges straight from the bucket
    # instead of downloading the whole object into a spooled temporary file.
    s3_object: Any = getattr(handle, "obj", None)
    modified = getattr(s3_object, "last_modified", None) if s3_object else None
    if modified is None:
        try:
            modified = storage.get_modified_time(key)
        except (NotImplementedError, OSError):
            modified = None

    def read_range(start: int, length: int) -> Iterator[bytes]:
        if length <= 0:
            return
        if s3_object is not None:
            body = s3_object.get(Range=f"bytes={start}-{start + length - 1}")["Body"]
            try:
                yield from body.iter_chunks(CHUNK_SIZE)
            finally:
                body.close()
            return
        yield from _read_chunks(handle, start, length)

    return StoredFile(
        size=size, modified=modified, read_range=read_range, close=handle.close
    )


def open_package_file(package: Package, path: str) -> StoredFile | None:
    """The stored file at ``path`` inside ``package``, or None if it is not a file."""
    prefix = package_prefix(package)
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return _filesystem_file(storage, prefix + path, prefix)
    return _storage_file(storage, prefix + path)


def make_etag(package: Package, path: str, stored: StoredFile) -> str:
    stamp = stored.modified.timestamp() if stored.modified else 0
    digest = hashlib.sha256(
        f"{package.uuid}:{path}:{stored.size}:{stamp}".encode()
    ).hexdigest()[:32]
    return quote_etag(digest)


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """``(start, length)`` for one satisfiable byte range; False if unsatisfiable;
    None when the header should be ignored (absent, malformed or several ranges)."""
    match = _RANGE_RE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        # Suffix range: the last N bytes.
        suffix = int(last)
        if suffix == 0 or size == 0:
            return False
        start = max(size - suffix, 0)
        return start, size - start
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return False
    end = min(end, size - 1)
    return start, end - start + 1


def _range_applies(request: HttpRequest, etag: str, last_modified: str | None) -> bool:
    """RFC 9110 If-Range: serve the range only if the validator still matches."""
    if_range = request.headers.get("If-Range")
    if not if_range:
        return True
    if if_range.startswith(('"', "W/")):
        return if_range == etag
    if last_modified is None:
        return False
    return parse_http_date_safe(if_range) == parse_http_date_safe(last_modified)


def _async_chunks(stored: StoredFile, start: int, length: int) -> AsyncIterator[bytes]:
    iterator = stored.read_range(start, length)
    sentinel = b""

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                data = await sync_to_async(next, thread_sensitive=False)(
                    iterator, sentinel
                )
                if not data:
                    break
                yield data
        finally:
            await sync_to_async(stored.close, thread_sensitive=False)()

    return chunks()


def _sync_chunks(stored: StoredFile, start: int, length: int) -> Iterator[bytes]:
    try:
        yield from stored.read_range(start, length)
    finally:
        stored.close()


@require_http_methods(["GET", "HEAD"])
def package_file(
    request: HttpRequest, package_uuid: Any, path: str
) -> HttpResponseBase:
    """Serve one file of a READY package (range, conditional and cache aware)."""
    clean_path = normalise_package_path(path)
    if clean_path is None:
        raise Http404
    package = Package.objects.filter(
        uuid=package_uuid, status=Package.Status.READY
    ).first()
    if package is None:
        raise Http404
    stored = open_package_file(package, clean_path)
    if stored is None:
        raise Http404

    etag = make_etag(package, clean_path, stored)
    last_modified = http_date(stored.modified.timestamp()) if stored.modified else None
    headers = HttpResponse()
    headers["ETag"] = etag
    if last_modified:
        headers["Last-Modified"] = last_modified
    headers["Cache-Control"] = IMMUTABLE_CACHE
    headers["Accept-Ranges"] = "bytes"
    conditional = get_conditional_response(
        request,
        etag=etag,
        # HTTP dates have whole seconds: compare at that precision.
        last_modified=int(stored.modified.timestamp()) if stored.modified else None,
        response=headers,
    )
    if conditional is not headers:
        stored.close()
        return conditional

    start, length, status = 0, stored.size, 200
    range_header = request.headers.get("Range")
    if range_header and _range_applies(request, etag, last_modified):
        parsed = parse_range(range_header, stored.size)
        if parsed is False:
            stored.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{stored.size}"
            response["Accept-Ranges"] = "bytes"
            return response
        if parsed:
            start, length = parsed  # type: ignore[misc]
            status = 206

    if request.method == "HEAD":
        stored.close()
        response: HttpResponseBase = HttpResponse(status=status)
    elif isinstance(request, ASGIRequest):
        # Under ASGI a synchronous iterator would be read whole into memory.
        response = StreamingHttpResponse(
            _async_chunks(stored, start, length), status=status
        )
    else:
        response = StreamingHttpResponse(
            _sync_chunks(stored, start, length), status=status
        )
    for header in ("ETag", "Last-Modified", "Cache-Control", "Accept-Ranges"):
        if header in headers:
            response[header] = headers[header]
    response["Content-Type"] = content_type_for(clean_path)
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{start + length - 1}/{stored.size}"
    return response
