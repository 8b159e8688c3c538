"""Archive checks before extraction, the root rule, and streaming extraction."""

from __future__ import annotations

import io
import zipfile

import pytest

from courses.packages import zipsafe
from courses.packages.errors import PackageError
from tests.courses.package_builders import make_zip

LIMITS = zipsafe.Limits(max_files=100, max_bytes=10_000_000, max_ratio=200)


def _listing(data: bytes, limits: zipsafe.Limits = LIMITS) -> zipsafe.Listing:
    with zipsafe.open_archive(io.BytesIO(data), limits) as archive:
        return zipsafe.inspect_archive(archive, limits)


@pytest.mark.parametrize(
    "name",
    [
        "index.html",
        "story_content/user.js",
        "Mon module (v2)/page 1.html",
        "médias/élève.mp4",
        "a#b.html",
        "a%20b.html",
        "data/.hidden",
        "-leading-dash.js",
        "x/…y.html",
        "版本/文件.html",
        "console/con-x.js",
    ],
)
def test_ordinary_names_are_accepted(name):
    """Names real authoring tools produce are accepted unchanged."""
    parts, is_dir = zipsafe.split_name(name)
    assert "/".join(parts) == name
    assert is_dir is False


def test_folder_entries():
    """A trailing slash marks a folder."""
    assert zipsafe.split_name("assets/images/") == (("assets", "images"), True)


def test_root_is_archive_root_when_files_at_top():
    """Files at the top level keep the archive root."""
    listing = _listing(make_zip({"imsmanifest.xml": "x", "a/b.html": "y"}))
    assert listing.root == ""
    assert sorted(listing.files) == ["a/b.html", "imsmanifest.xml"]


def test_single_top_level_folder_is_stripped_once():
    """One top-level folder is the root (stripped once, not recursively)."""
    listing = _listing(make_zip({"imsmanifest.xml": "x"}, root_folder="outer/inner"))
    assert listing.root == "outer/"
    assert list(listing.files) == ["inner/imsmanifest.xml"]


def test_two_top_level_folders_keep_the_root():
    """Two top-level folders: nothing is stripped."""
    listing = _listing(make_zip({"a/imsmanifest.xml": "x", "b/x.html": "y"}))
    assert listing.root == ""


def test_litter_is_validated_and_skipped():
    """__MACOSX and .DS_Store are listed as skipped, not as files."""
    listing = _listing(
        make_zip({"c/imsmanifest.xml": "x", "c/.DS_Store": "", "__MACOSX/c/._x": ""})
    )
    assert listing.root == "c/"
    assert list(listing.files) == ["imsmanifest.xml"]
    assert {e.name for e in listing.skipped} == {"c/.DS_Store", "__MACOSX/c/._x"}
    with pytest.raises(PackageError) as excinfo:
        _listing(make_zip({"imsmanifest.xml": "x", "__MACOSX/../../evil": "x"}))
    assert excinfo.value.codes == ["unsafe_path"]


def test_utf8_names_without_flag_are_decoded_as_utf8():
    """Names written in UTF-8 without the UTF-8 flag are read as UTF-8."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eleve.html", "x")
    data = buffer.getvalue().replace(b"eleve.html", "élve.html".encode())
    assert len("élve.html".encode()) == len(b"eleve.html")
    assert list(_listing(data).files) == ["élve.html"]


def test_cp437_names_fall_back():
    """Names that are not UTF-8 are read as CP437, the zip default."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eleve.html", "x")
    data = buffer.getvalue().replace(b"eleve.html", b"\x82leve.html")
    assert list(_listing(data).files) == ["éleve.html"]


def test_problems_are_all_reported():
    """Several bad entries give several problems, each naming its entry."""
    with pytest.raises(PackageError) as excinfo:
        _listing(make_zip({"../a": "x", "/b": "y", "ok.html": "z", "c\x07": "w"}))
    assert [p.entry for p in excinfo.value.problems] == ["../a", "/b", "c\\u{0007}"]


def test_ratio_below_one_mebibyte_is_tolerated():
    """Small, very compressible files (blank images, padding) are accepted."""
    listing = _listing(make_zip({"imsmanifest.xml": "x", "blank.bmp": b"\0" * 500_000}))
    assert "blank.bmp" in listing.files


def test_extract_streams_and_counts_real_bytes(tmp_path):
    """Extraction writes exactly the files, and stops at the byte budget."""
    data = make_zip({"a.txt": b"a" * 3000, "dir/b.txt": b"b" * 3000})
    root = tmp_path / "root"
    root.mkdir()
    with zipsafe.open_archive(io.BytesIO(data), LIMITS) as archive:
        listing = zipsafe.inspect_archive(archive, LIMITS)
        progress: list[tuple[int, int]] = []
        written = zipsafe.extract(
            archive,
            list(listing.files.values()),
            root,
            10_000,
            progress=lambda done, total: progress.append((done, total)),
        )
    assert written == 6000
    assert (root / "dir" / "b.txt").read_bytes() == b"b" * 3000
    assert progress[-1] == (6000, 6000)
    assert progress == sorted(progress)
    assert (3000, 6000) in progress

    second = tmp_path / "second"
    second.mkdir()
    with zipsafe.open_archive(io.BytesIO(data), LIMITS) as archive:
        listing = zipsafe.inspect_archive(archive, LIMITS)
        with pytest.raises(PackageError) as excinfo:
            zipsafe.extract(archive, list(listing.files.values()), second, 4000)
    assert excinfo.value.codes == ["too_large"]


def test_extract_refuses_a_non_empty_staging_folder(tmp_path):
    """Extraction only ever happens into a fresh, empty folder."""
    (tmp_path / "already").write_text("x")
    data = make_zip({"a.txt": "a"})
    with zipsafe.open_archive(io.BytesIO(data), LIMITS) as archive:
        listing = zipsafe.inspect_archive(archive, LIMITS)
        with pytest.raises(ValueError, match="fresh and empty"):
            zipsafe.extract(archive, list(listing.files.values()), tmp_path, 100)


def test_read_member_caps_bytes():
    """Reading a manifest before extraction is capped."""
    data = make_zip({"imsmanifest.xml": "x" * 100})
    with zipsafe.open_archive(io.BytesIO(data), LIMITS) as archive:
        listing = zipsafe.inspect_archive(archive, LIMITS)
        entry = listing.files["imsmanifest.xml"]
        assert zipsafe.read_member(archive, entry, 100) == b"x" * 100
        with pytest.raises(PackageError) as excinfo:
            zipsafe.read_member(archive, entry, 99, "manifest_too_large")
    assert excinfo.value.codes == ["manifest_too_large"]


def test_empty_archive_has_no_files():
    """An empty zip is a valid archive with nothing in it."""
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    assert _listing(buffer.getvalue()).files == {}
