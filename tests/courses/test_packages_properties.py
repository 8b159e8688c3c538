"""Property-based tests: the manifest parser is total, extraction stays in its root."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.packages import h5p, manifest, zipsafe
from courses.packages.errors import PackageError
from tests.courses.package_builders import scorm12_manifest

CP = [
    "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "http://www.imsglobal.org/xsd/imscp_v1p1",
]
ADLCP = [
    "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "http://www.adlnet.org/xsd/adlcp_v1p3",
]
TAGS = [
    "manifest",
    "metadata",
    "schema",
    "schemaversion",
    "organizations",
    "organization",
    "item",
    "title",
    "resources",
    "resource",
    "file",
    "dependency",
]
HREF_PIECES = [
    "a",
    "b.html",
    "..",
    ".",
    "/",
    "\\",
    "%2e",
    "?",
    "#",
    ":",
    "javascript:",
    "http://x",
    "é",
    " ",
    "\t",
    "&",
]

hrefs = st.lists(st.sampled_from(HREF_PIECES), max_size=8).map("".join)
attribute_values = st.one_of(
    st.sampled_from(["o", "i", "r", "sco", "asset", "1.2", "true", "false"]),
    hrefs,
    st.text(max_size=12),
)
attributes = st.dictionaries(
    st.sampled_from(
        [
            "identifier",
            "identifierref",
            "href",
            "default",
            "parameters",
            "isvisible",
            "adlcp:scormtype",
            "adlcp:scormType",
            "xml:base",
        ]
    ),
    attribute_values,
    max_size=4,
)


@st.composite
def elements(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in draw(attributes).items())
    if depth >= 3:
        children = []
    else:
        children = draw(st.lists(elements(depth + 1), max_size=3))
    text = escape(draw(st.text(max_size=10)))
    return f"<{tag}{attrs}>{text}{''.join(children)}</{tag}>"


@st.composite
def manifests(draw) -> bytes:
    namespace = draw(st.sampled_from([*CP, "", "http://example.test/x"]))
    declarations = f' xmlns="{namespace}"' if namespace else ""
    declarations += f' xmlns:adlcp="{draw(st.sampled_from(ADLCP))}"'
    body = "".join(draw(st.lists(elements(), max_size=5)))
    prolog = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<!DOCTYPE manifest [<!ENTITY e "x">]>',
                '<!DOCTYPE manifest SYSTEM "http://127.0.0.1:9/x.dtd">',
            ]
        )
    )
    return f'{prolog}<manifest identifier="m"{declarations}>{body}</manifest>'.encode()


def _check_parsed(parsed: manifest.ParsedManifest) -> None:
    for sco in parsed.structure["scos"]:
        path = sco["path"]
        assert not path.startswith("/")
        assert ".." not in path.split("/")
        assert "\\" not in path
        url = urlsplit(sco["href"])
        assert url.scheme == "" and url.netloc == ""
        assert not sco["href"].startswith("/")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_parse_manifest_is_total_on_bytes(data):
    """Any bytes: parse_manifest returns a manifest or raises PackageError."""
    started = time.monotonic()
    try:
        _check_parsed(manifest.parse_manifest(data))
    except PackageError:
        pass
    assert time.monotonic() - started < 2


@settings(max_examples=200, deadline=None)
@given(manifests())
def test_parse_manifest_is_total_on_xml(data):
    """Random manifest-like XML: a safe manifest or PackageError, fast."""
    started = time.monotonic()
    try:
        _check_parsed(manifest.parse_manifest(data))
    except PackageError:
        pass
    assert time.monotonic() - started < 2


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=20))
def test_resolve_launch_never_escapes(href, parameters):
    """A launch URL is either refused or a relative URL inside the package."""
    try:
        url, path = manifest.resolve_launch([], href, parameters)
    except PackageError as exc:
        assert exc.codes == ["unsafe_launch"]
        return
    parts = urlsplit(url)
    assert parts.scheme == "" and parts.netloc == ""
    assert not url.startswith("/") and not path.startswith("/")
    assert ".." not in path.split("/")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_parse_h5p_json_is_total(data):
    """Any bytes: parse_h5p_json returns a dict or raises PackageError."""
    try:
        assert isinstance(h5p.parse_h5p_json(data), dict)
    except PackageError:
        pass


name_alphabet = st.sampled_from(
    list("ab./\\:%2e")
    + [
        "..",
        "\x00",
        "\x07",
        "\u2025",
        "\uff0e",
        "\u202e",
        "é",
        "e\u0301",
        "C:",
        " ",
        "CON",
    ]
)
entry_names = st.lists(name_alphabet, min_size=1, max_size=12).map("".join)
modes = st.sampled_from(
    [
        stat.S_IFREG | 0o644,
        stat.S_IFLNK | 0o777,
        stat.S_IFDIR | 0o755,
        stat.S_IFIFO | 0o644,
        0,
    ]
)
entries = st.lists(
    st.tuples(entry_names, st.binary(max_size=64), modes), min_size=1, max_size=8
)


def _archive(items) -> bytes:
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(action="ignore", category=UserWarning),
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, data, mode in items:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _run(data: bytes, root: Path, budget: int):
    limits = zipsafe.Limits(max_files=100, max_bytes=budget, max_ratio=200)
    try:
        with zipsafe.open_archive(io.BytesIO(data), limits) as archive:
            listing = zipsafe.inspect_archive(archive, limits)
            written = zipsafe.extract(
                archive, list(listing.files.values()), root, budget
            )
    except PackageError as exc:
        return ("refused", tuple(exc.codes))
    return ("extracted", tuple(sorted(listing.files)), written)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(entries, st.integers(min_value=0, max_value=400))
def test_extraction_stays_inside_root(items, budget):
    """Whatever the names, modes and budget: every written path is a regular file
    under the root, the bytes stay within budget, and the result is deterministic."""
    data = _archive(items)
    with tempfile.TemporaryDirectory() as sandbox:
        sandbox_path = Path(sandbox)
        outcomes = []
        roots: list[str] = []
        for attempt in range(2):
            root = sandbox_path / f"root{attempt}"
            root.mkdir()
            roots.append(os.path.realpath(root))
            outcome = _run(data, root, budget)
            outcomes.append(outcome)
            for folder, dirs, files in os.walk(sandbox_path):
                for name in dirs + files:
                    path = os.path.realpath(os.path.join(folder, name))
                    assert not os.path.islink(os.path.join(folder, name))
                    assert any(os.path.commonpath([r, path]) == r for r in roots), path
            written = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
            assert written <= budget
            if outcome[0] == "extracted":
                on_disk = sorted(
                    str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()
                )
                assert on_disk == sorted(outcome[1])
        assert outcomes[0] == outcomes[1]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_split_name_is_safe(name):
    """An accepted entry name has only plain, non-dot segments."""
    try:
        parts, _is_dir = zipsafe.split_name(name)
    except PackageError as exc:
        assert exc.codes[0] in {"unsafe_path", "invalid_name"}
        return
    assert parts
    for part in parts:
        assert part not in ("", ".", "..")
        assert "/" not in part and "\\" not in part and "\x00" not in part
    assert not name.startswith("/")


@settings(max_examples=300, deadline=None)
@given(st.one_of(hrefs, st.text(max_size=30)), st.one_of(hrefs, st.just("")))
def test_valid_manifest_with_hostile_hrefs(href, base):
    """Well-formed manifests with random hrefs and xml:base: safe launch URLs only."""
    xml = scorm12_manifest(launch=href).replace(
        "<resources>", f"<resources xml:base={quoteattr(base)}>"
    )
    try:
        parsed = manifest.parse_manifest(xml.encode("utf-8", "surrogatepass"))
    except (PackageError, UnicodeEncodeError):
        return
    _check_parsed(parsed)
