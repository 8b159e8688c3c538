"""Package files on the content origin: only READY packages, only their files,
correct types, ranges, caching and isolation headers."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, storages
from django.test import AsyncClient, Client

from courses.middleware import content_host
from courses.models import Package
from courses.player.files import normalise_package_path, parse_range

BODY = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def media(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def make_package(
    files: dict[str, bytes], status: str = Package.Status.READY
) -> Package:
    package = Package.objects.create(
        original_filename="paquet.zip",
        standard=Package.Standard.SCORM_12,
        status=status,
    )
    package.storage_prefix = f"packages/{package.uuid}/"
    package.save(update_fields=["storage_prefix"])
    storage = storages["default"]
    for path, data in files.items():
        storage.save(package.storage_prefix + path, ContentFile(data))
    return package


@pytest.fixture
def content_client() -> Client:
    return Client(HTTP_HOST=content_host())


def url(package: Package, path: str) -> str:
    return f"/packages/{package.uuid}/{path}"


@pytest.mark.django_db
def test_file_is_served_with_type_length_and_immutable_caching(media, content_client):
    """A package file comes back whole, typed, cacheable for a year and validated."""
    package = make_package({"shared/launch.html": b"<!doctype html><p>Bonjour</p>"})
    response = content_client.get(url(package, "shared/launch.html"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<!doctype html><p>Bonjour</p>"
    assert response["Content-Type"] == "text/html"
    assert response["Content-Length"] == "29"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("app.js", "text/javascript"),
        ("module.mjs", "text/javascript"),
        ("style.css", "text/css"),
        ("logo.svg", "image/svg+xml"),
        ("font.woff2", "font/woff2"),
        ("data.json", "application/json"),
        ("video.mp4", "video/mp4"),
        ("clip.webm", "video/webm"),
        ("captions.vtt", "text/vtt"),
        ("engine.wasm", "application/wasm"),
        ("photo.JPG", "image/jpeg"),
        ("archive.unknownext", "application/octet-stream"),
    ],
)
def test_mime_types_are_pinned(media, content_client, name, expected):
    """Browsers get the right type for what packages ship (never sniffed)."""
    package = make_package({name: b"x"})
    response = content_client.get(url(package, name))
    assert response["Content-Type"] == expected
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_single_range_gives_206_with_content_range(media, content_client):
    """Video seeking: bytes=100-199 returns exactly those 100 bytes."""
    package = make_package({"media/video.mp4": BODY})
    response = content_client.get(
        url(package, "media/video.mp4"), headers={"range": "bytes=100-199"}
    )
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == BODY[100:200]
    assert response["Content-Range"] == f"bytes 100-199/{len(BODY)}"
    assert response["Content-Length"] == "100"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=10000-", 10000, 10240),
        ("bytes=-40", 10200, 10240),
        ("bytes=10200-99999", 10200, 10240),
    ],
)
def test_open_and_suffix_ranges(media, content_client, header, start, end):
    """Open-ended, suffix and over-long ranges are clamped to the file."""
    package = make_package({"big.bin": BODY})
    response = content_client.get(url(package, "big.bin"), headers={"range": header})
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == BODY[start:end]
    assert response["Content-Range"] == f"bytes {start}-{end - 1}/{len(BODY)}"


@pytest.mark.django_db
def test_unsatisfiable_range_gives_416(media, content_client):
    """A range starting past the end is refused with the file size."""
    package = make_package({"big.bin": BODY})
    response = content_client.get(
        url(package, "big.bin"), headers={"range": "bytes=20000-"}
    )
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(BODY)}"


@pytest.mark.django_db
def test_multiple_ranges_and_stale_if_range_get_the_whole_file(media, content_client):
    """Several ranges, or an If-Range that no longer matches: the full file (200)."""
    package = make_package({"big.bin": BODY})
    several = content_client.get(
        url(package, "big.bin"), headers={"range": "bytes=0-1,5-6"}
    )
    assert several.status_code == 200
    assert b"".join(several.streaming_content) == BODY
    stale = content_client.get(
        url(package, "big.bin"), headers={"range": "bytes=0-9", "if-range": '"autre"'}
    )
    assert stale.status_code == 200
    etag = several["ETag"]
    fresh = content_client.get(
        url(package, "big.bin"), headers={"range": "bytes=0-9", "if-range": etag}
    )
    assert fresh.status_code == 206


@pytest.mark.django_db
def test_conditional_get_gives_304(media, content_client):
    """A browser revalidating with the ETag or the date gets 304 and no body."""
    package = make_package({"a.css": b"body{}"})
    first = content_client.get(url(package, "a.css"))
    by_etag = content_client.get(
        url(package, "a.css"), headers={"if-none-match": first["ETag"]}
    )
    assert by_etag.status_code == 304
    assert by_etag["ETag"] == first["ETag"]
    by_date = content_client.get(
        url(package, "a.css"), headers={"if-modified-since": first["Last-Modified"]}
    )
    assert by_date.status_code == 304


@pytest.mark.django_db
def test_head_returns_headers_without_body(media, content_client):
    """HEAD tells the size and type without sending the file."""
    package = make_package({"media/video.mp4": BODY})
    response = content_client.head(url(package, "media/video.mp4"))
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(BODY))
    assert response["Content-Type"] == "video/mp4"
    assert response.content == b""


@pytest.mark.django_db
def test_other_methods_are_refused(media, content_client):
    """Files are read-only: POST gets 405."""
    package = make_package({"a.txt": b"a"})
    assert content_client.post(url(package, "a.txt")).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [Package.Status.PENDING, Package.Status.PROCESSING, Package.Status.FAILED]
)
def test_package_not_ready_is_404(media, content_client, status):
    """Files of a package still processing or refused are not served."""
    package = make_package({"index.html": b"<p>x</p>"}, status=status)
    assert content_client.get(url(package, "index.html")).status_code == 404


@pytest.mark.django_db
def test_unknown_package_missing_file_and_directory_are_404(media, content_client):
    """No listing, no guessing: only existing regular files answer."""
    package = make_package({"shared/index.html": b"x"})
    unknown = content_client.get(f"/packages/{uuid.uuid4()}/shared/index.html")
    assert unknown.status_code == 404
    # The content origin's error pages are plain text (no platform navigation).
    assert unknown["Content-Type"].startswith("text/plain")
    assert content_client.get(url(package, "shared/absent.html")).status_code == 404
    assert content_client.get(url(package, "shared")).status_code == 404
    assert content_client.get(url(package, "shared/")).status_code == 404


@pytest.mark.django_db
def test_paths_cannot_leave_the_package(media, content_client):
    """Another package's file is out of reach through dot segments, encoded or not."""
    package = make_package({"index.html": b"mine"})
    other = make_package({"secret.txt": b"not yours"})
    for path in (
        f"../{other.uuid}/secret.txt",
        f"%2e%2e/{other.uuid}/secret.txt",
        f"a/../../{other.uuid}/secret.txt",
        "..%2f..%2fsettings.py",
    ):
        response = content_client.get(f"/packages/{package.uuid}/{path}")
        assert response.status_code == 404, path
    assert content_client.get(url(package, "./index.html")).status_code == 200


@pytest.mark.django_db
def test_symlink_inside_the_package_is_not_followed(media, content_client, tmp_path):
    """A symlink planted in storage (never by the importer) does not leak files."""
    package = make_package({"index.html": b"x"})
    outside = tmp_path / "outside.txt"
    outside.write_text("confidentiel")
    os.symlink(outside, media / package.storage_prefix / "link.txt")
    assert content_client.get(url(package, "link.txt")).status_code == 404


@pytest.mark.django_db
def test_isolation_headers_hold_and_no_cookie_is_set(media, content_client):
    """Content-origin answers are sandboxed, never framed by others, set no cookie."""
    package = make_package({"index.html": b"<p>x</p>"})
    content_client.cookies["sessionid"] = "vol-de-session"
    response = content_client.get(url(package, "index.html"))
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts allow-same-origin")
    assert "frame-ancestors 'self'" in csp
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "X-Frame-Options" not in response
    assert not response.cookies
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_files_are_not_served_on_the_platform_origin(media, client):
    """The session-cookie origin never serves package files."""
    package = make_package({"index.html": b"<p>x</p>"})
    assert client.get(url(package, "index.html")).status_code == 404


@pytest.mark.django_db
def test_other_storages_are_read_through_the_storage_api(settings, content_client):
    """With a non-filesystem storage (as S3) files and ranges still work."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    package = make_package({"media/clip.webm": BODY})
    whole = content_client.get(url(package, "media/clip.webm"))
    assert b"".join(whole.streaming_content) == BODY
    assert whole["ETag"]
    part = content_client.get(
        url(package, "media/clip.webm"), headers={"range": "bytes=5-9"}
    )
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == BODY[5:10]
    assert content_client.get(url(package, "media/absent.webm")).status_code == 404


class _FakeBody:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.closed = False

    def iter_chunks(self, size: int):
        for start in range(0, len(self.data), size):
            yield self.data[start : start + size]

    def close(self) -> None:
        self.closed = True


class _FakeS3Object:
    """The slice of boto3's ``s3.Object`` that ``S3Storage``'s files expose."""

    ranges: list[str] = []

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.content_length = len(data)
        self.last_modified = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

    def get(self, Range: str) -> dict:  # noqa: N803 - boto3's parameter name
        _FakeS3Object.ranges.append(Range)
        first, last = Range.removeprefix("bytes=").split("-")
        return {"Body": _FakeBody(self.data[int(first) : int(last) + 1])}


class _FakeS3File:
    def __init__(self, data: bytes) -> None:
        self.obj = _FakeS3Object(data)
        self.size = len(data)

    def read(self, *args):
        raise AssertionError(
            "S3 objects are read by ranged GET, never downloaded whole"
        )

    def close(self) -> None:
        pass


class FakeS3Storage(InMemoryStorage):
    """In-memory storage whose files look like ``S3Storage``'s (``.obj``)."""

    def open(self, name, mode="rb"):
        with super().open(name, mode) as handle:
            return _FakeS3File(handle.read())


@pytest.mark.django_db
def test_s3_objects_are_read_by_ranged_get(settings, content_client):
    """On S3 a range is fetched with a ranged GetObject; the date comes from S3."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FakeS3Storage"},
    }
    _FakeS3Object.ranges = []
    package = make_package({"media/clip.mp4": BODY})
    response = content_client.get(
        url(package, "media/clip.mp4"), headers={"range": "bytes=1000-1999"}
    )
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == BODY[1000:2000]
    assert _FakeS3Object.ranges == ["bytes=1000-1999"]
    assert response["Last-Modified"] == "Mon, 05 Jan 2026 10:00:00 GMT"


@pytest.mark.django_db(transaction=True)
async def test_asgi_streams_ranges_asynchronously(media, settings):
    """Under ASGI the file is streamed by an async iterator (no whole-file buffering)."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    # The async test client always sends Host: testserver.
    settings.CONTENT_ORIGIN = "http://testserver"
    package = await sync_to_async(make_package)({"media/video.mp4": BODY})
    try:
        response = await AsyncClient().get(
            url(package, "media/video.mp4"), headers={"range": "bytes=0-1023"}
        )
        assert response.status_code == 206
        assert response.is_async
        chunks = [chunk async for chunk in response.streaming_content]
        assert b"".join(chunks) == BODY[:1024]
    finally:
        # The view ran in asgiref's sync thread: close its persistent connection.
        await sync_to_async(connections.close_all)()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("index.html", "index.html"),
        ("a//b/./c.js", "a/b/c.js"),
        ("a/../b.js", "b.js"),
        ("../b.js", None),
        ("a/../../b.js", None),
        ("/etc/passwd", None),
        ("a\\b.js", None),
        ("a\x00.js", None),
        ("dir/", None),
        ("", None),
    ],
)
def test_paths_are_normalised_or_refused(raw, clean):
    """Dot segments resolve inside the package; anything escaping is refused."""
    assert normalise_package_path(raw) == clean


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 1)),
        ("bytes=5-", (5, 5)),
        ("bytes=-3", (7, 3)),
        ("bytes=-30", (0, 10)),
        ("bytes=10-", False),
        ("bytes=-0", False),
        ("bytes=5-2", None),
        ("bytes=0-1,3-4", None),
        ("items=0-1", None),
    ],
)
def test_range_parsing(header, expected):
    """Single byte ranges only, per RFC 9110; others are ignored or unsatisfiable."""
    assert parse_range(header, 10) == expected
