"""The evil-package corpus (reliability.md §3 recipe 1), generated, never committed.

Each :class:`EvilCase` builds one hostile archive and names the problem code the
import must report. ``stage`` says where it is refused: ``"upload"`` (at
``create_package_from_upload``) or ``"process"`` (the package ends FAILED).
"""

from __future__ import annotations

import io
import json
import os
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.courses.package_builders import (
    CP_12,
    QUIZ_LIBRARY,
    build_h5p,
    build_scorm12,
    h5p_json,
    library_json,
    make_zip,
    scorm12_manifest,
)


@dataclass(frozen=True)
class EvilCase:
    id: str
    build: Callable[[], bytes]
    code: str
    stage: str = "process"
    filename: str = "paquet.zip"
    settings: dict[str, Any] = field(default_factory=dict)


# --- Low-level zip crafting -------------------------------------------------------


def zip_with(
    entries: list[tuple[zipfile.ZipInfo | str, bytes]],
    *,
    base: dict[str, bytes | str] | None = None,
) -> bytes:
    """A valid SCORM 1.2 package plus hostile ``entries`` written as given."""
    buffer = io.BytesIO()
    base = (
        base
        if base is not None
        else {"imsmanifest.xml": scorm12_manifest(), "sco12.html": "<p>SCO</p>"}
    )
    with (
        warnings.catch_warnings(action="ignore", category=UserWarning),
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, content in base.items():
            archive.writestr(name, content)
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def info(name: str, *, mode: int | None = None, **attributes: Any) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    entry.create_system = 3
    entry.external_attr = (mode if mode is not None else stat.S_IFREG | 0o644) << 16
    for key, value in attributes.items():
        setattr(entry, key, value)
    return entry


def rename_entry(data: bytes, placeholder: str, raw_name: bytes) -> bytes:
    """Replace a same-length placeholder name in local and central headers."""
    encoded = placeholder.encode("ascii")
    assert len(encoded) == len(raw_name)
    assert data.count(encoded) == 2
    return data.replace(encoded, raw_name)


def _central_headers(data: bytes) -> list[int]:
    positions, start = [], 0
    while (position := data.find(b"PK\x01\x02", start)) >= 0:
        positions.append(position)
        start = position + 4
    return positions


def patch_central(data: bytes, name: str, **fields: int) -> bytes:
    """Patch ``file_size``, ``crc`` or ``header_offset`` in one central header."""
    offsets = {"crc": 16, "compress_size": 20, "file_size": 24, "header_offset": 42}
    buffer = bytearray(data)
    for position in _central_headers(data):
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name.encode():
            for key, value in fields.items():
                struct.pack_into("<L", buffer, position + offsets[key], value)
            return bytes(buffer)
    raise AssertionError(f"no central header for {name}")


def set_flags(data: bytes, name: str, bits: int) -> bytes:
    """OR ``bits`` into the general-purpose flags of ``name`` (both headers)."""
    buffer = bytearray(data)
    encoded = name.encode()
    for position in _central_headers(data):
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == encoded:
            flags = struct.unpack_from("<H", data, position + 8)[0]
            struct.pack_into("<H", buffer, position + 8, flags | bits)
            local = struct.unpack_from("<L", data, position + 42)[0]
            flags = struct.unpack_from("<H", data, local + 6)[0]
            struct.pack_into("<H", buffer, local + 6, flags | bits)
            return bytes(buffer)
    raise AssertionError(f"no central header for {name}")


def flip_data_byte(data: bytes, marker: bytes) -> bytes:
    position = data.index(marker)
    buffer = bytearray(data)
    buffer[position] ^= 0xFF
    return bytes(buffer)


def with_declared_count(data: bytes, count: int) -> bytes:
    """Make the end-of-central-directory record declare ``count`` entries."""
    buffer = bytearray(data)
    position = data.rindex(b"PK\x05\x06")
    struct.pack_into(
        "<HH", buffer, position + 8, min(count, 0xFFFF), min(count, 0xFFFF)
    )
    return bytes(buffer)


def with_zip64_count(data: bytes, count: int) -> bytes:
    """Append a ZIP64 end record declaring ``count`` entries (an absurd number)."""
    position = data.rindex(b"PK\x05\x06")
    (_sig, _d, _cd, _n1, _n2, cd_size, cd_offset, _clen) = struct.unpack_from(
        "<4s4H2LH", data, position
    )
    body = data[:position]
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, cd_size, cd_offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(body), 1)
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, cd_size, cd_offset, 0
    )
    return body + record + locator + end


def overlapping() -> bytes:
    """Two central headers pointing at the same local header (quoted overlap)."""
    data = zip_with([(info("a.txt"), b"A" * 64), (info("b.txt"), b"B" * 64)])
    a_offset = data.index(b"a.txt") - 30
    return patch_central(data, "b.txt", header_offset=a_offset)


def stored_package(extra: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("imsmanifest.xml", scorm12_manifest())
        archive.writestr("sco12.html", b"<p>SCO</p>")
        archive.writestr("data.bin", extra)
    return buffer.getvalue()


# --- Manifests ----------------------------------------------------------------------


def manifest_package(manifest: str | bytes, **files: bytes | str) -> bytes:
    content: dict[str, bytes | str] = {
        "imsmanifest.xml": manifest,
        "sco12.html": "<p>x</p>",
    }
    content.update(files)
    return make_zip(content)


def scorm12_with_href(
    href: str, *, resource_attrs: str = "", root_attrs: str = ""
) -> bytes:
    manifest = f"""<?xml version="1.0"?>
<manifest identifier="m" xmlns="{CP_12}" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2" {root_attrs}>
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r"><title>I</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco"
     href="{href}" {resource_attrs}/></resources>
</manifest>"""
    return manifest_package(manifest)


XXE_FILE = f"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest identifier="m" xmlns="{CP_12}"><metadata><schema>&xxe;</schema></metadata></manifest>"""

XXE_HTTP = f"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "http://169.254.169.254/latest/meta-data/">]>
<manifest identifier="m" xmlns="{CP_12}"><metadata><schema>&xxe;</schema></metadata></manifest>"""

PARAMETER_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<manifest identifier="m" xmlns="{CP_12}"/>"""

EXTERNAL_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE manifest SYSTEM "http://127.0.0.1:9/manifest.dtd">
<manifest identifier="m" xmlns="{CP_12}"/>"""

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE manifest [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + f']>\n<manifest identifier="m" xmlns="{CP_12}"><metadata><schema>&lol9;</schema>'
    "</metadata></manifest>"
)

QUADRATIC = (
    f'<?xml version="1.0"?>\n<!DOCTYPE manifest [<!ENTITY a "{"x" * 5000}">]>\n'
    f'<manifest identifier="m" xmlns="{CP_12}"><metadata><schema>'
    + "&a;" * 5000
    + "</schema></metadata></manifest>"
)

DEEP_NESTING = (
    f'<manifest identifier="m" xmlns="{CP_12}">'
    + "<a>" * 100_000
    + "</a>" * 100_000
    + "</manifest>"
)

MANY_ITEMS = (
    f'<manifest identifier="m" xmlns="{CP_12}"><organizations><organization identifier="o">'
    + "<item/>" * 60_000
    + "</organization></organizations></manifest>"
)


def huge_manifest() -> bytes:
    padding = os.urandom(3 * 1024 * 1024).hex()  # 6 MB, incompressible enough
    return manifest_package(
        scorm12_manifest().replace("<metadata>", f"<!-- {padding} --><metadata>")
    )


WRONG_NAMESPACE = scorm12_manifest().replace(CP_12, "http://example.test/not-ims")

NO_ORGANIZATIONS = f"""<?xml version="1.0"?>
<manifest identifier="m" xmlns="{CP_12}" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations/>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="sco12.html"/></resources>
</manifest>"""

PLAIN_IMS_CP = """<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1">
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r"><title>I</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" href="sco12.html"/></resources>
</manifest>"""


# --- H5P ----------------------------------------------------------------------------


def h5p_with(files: dict[str, bytes | str]) -> bytes:
    return build_h5p(files=files)


def h5p_cycle() -> bytes:
    folder_a, folder_b = "H5P.A-1.0", "H5P.B-1.0"
    return make_zip(
        {
            "h5p.json": h5p_json(main_library="H5P.A", dependencies=[("H5P.A", 1, 0)]),
            "content/content.json": "{}",
            f"{folder_a}/library.json": library_json(
                "H5P.A", dependencies=[("H5P.B", 1, 0)]
            ),
            f"{folder_b}/library.json": library_json(
                "H5P.B", dependencies=[("H5P.A", 1, 0)]
            ),
        }
    )


def h5p_missing_library() -> bytes:
    return make_zip(
        {
            "h5p.json": h5p_json(),
            "content/content.json": "{}",
        }
    )


def h5p_bad_json() -> bytes:
    document = json.loads(h5p_json())
    del document["title"]
    return build_h5p(files={"h5p.json": json.dumps(document)})


def h5p_folder_mismatch() -> bytes:
    return build_h5p(
        files={f"{QUIZ_LIBRARY}-1.0/library.json": library_json(QUIZ_LIBRARY, 2, 0)}
    )


def h5p_no_content() -> bytes:
    return make_zip(
        {
            "h5p.json": h5p_json(),
            f"{QUIZ_LIBRARY}-1.0/library.json": library_json(),
        }
    )


# --- The corpus ---------------------------------------------------------------------

LINK = stat.S_IFLNK | 0o777

CASES: list[EvilCase] = [
    # A1: not a zip.
    EvilCase(
        "exe-renamed", lambda: b"MZ\x90\x00" + b"\x00" * 200, "not_a_zip", "upload"
    ),
    EvilCase("empty-file", lambda: b"", "not_a_zip", "upload"),
    EvilCase("pdf-renamed", lambda: b"%PDF-1.7\n" + b"x" * 300, "not_a_zip", "upload"),
    EvilCase(
        "html-polyglot",
        lambda: b"<html><script>alert(1)</script></html>" + build_scorm12(),
        "not_a_zip",
        "upload",
    ),
    EvilCase(
        "zip-after-jpeg",
        lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 100 + build_scorm12(),
        "not_a_zip",
        "upload",
    ),
    EvilCase(
        "zip-after-zip-header",
        lambda: b"PK\x03\x04" + b"\x00" * 60 + build_scorm12(),
        "not_a_zip",
    ),
    # A2: corrupt archives.
    EvilCase("truncated", lambda: build_scorm12()[:-60], "corrupt_archive"),
    EvilCase(
        "bad-crc",
        lambda: flip_data_byte(stored_package(b"MARKER" + b"z" * 100), b"MARKER"),
        "corrupt_archive",
    ),
    EvilCase(
        "size-smaller-than-data",
        lambda: patch_central(stored_package(b"q" * 500), "data.bin", file_size=100),
        "corrupt_archive",
    ),
    EvilCase(
        "size-larger-than-data",
        lambda: patch_central(
            zip_with([(info("data.bin"), b"q" * 500)]), "data.bin", file_size=5000
        ),
        "corrupt_archive",
    ),
    EvilCase(
        "encrypted-flag",
        lambda: set_flags(zip_with([(info("secret.html"), b"x")]), "secret.html", 0x1),
        "encrypted_entry",
    ),
    EvilCase(
        "strong-encryption-flag",
        lambda: set_flags(zip_with([(info("secret.html"), b"x")]), "secret.html", 0x40),
        "encrypted_entry",
    ),
    EvilCase(
        "lzma",
        lambda: zip_with(
            [(info("a.html", compress_type=zipfile.ZIP_LZMA), b"x" * 100)]
        ),
        "unsupported_compression",
    ),
    EvilCase(
        "bzip2",
        lambda: zip_with(
            [(info("a.html", compress_type=zipfile.ZIP_BZIP2), b"x" * 100)]
        ),
        "unsupported_compression",
    ),
    EvilCase("overlapping-entries", overlapping, "corrupt_archive"),
    EvilCase(
        "declared-60000-entries",
        lambda: with_declared_count(build_scorm12(), 60_000),
        "too_many_files",
    ),
    EvilCase(
        "zip64-absurd-count",
        lambda: with_zip64_count(build_scorm12(), 2**40),
        "too_many_files",
    ),
    # A3: zip slip.
    EvilCase("dotdot", lambda: zip_with([(info("../evil.txt"), b"x")]), "unsafe_path"),
    EvilCase(
        "dotdot-cron",
        lambda: zip_with([(info("../../etc/cron.d/evil"), b"* * * * * root id")]),
        "unsafe_path",
    ),
    EvilCase("absolute", lambda: zip_with([(info("/abs.txt"), b"x")]), "unsafe_path"),
    EvilCase(
        "drive-letter", lambda: zip_with([(info("C:/x.txt"), b"x")]), "unsafe_path"
    ),
    EvilCase(
        "drive-backslash", lambda: zip_with([(info("C:\\x.txt"), b"x")]), "unsafe_path"
    ),
    EvilCase(
        "backslash-dotdot",
        lambda: zip_with([(info("..\\..\\x.txt"), b"x")]),
        "unsafe_path",
    ),
    EvilCase(
        "inner-dotdot", lambda: zip_with([(info("a/../../x.txt"), b"x")]), "unsafe_path"
    ),
    EvilCase(
        "percent-dotdot",
        lambda: zip_with([(info("%2e%2e/x.txt"), b"x")]),
        "unsafe_path",
    ),
    EvilCase(
        "double-percent-dotdot",
        lambda: zip_with([(info("%252e%252e/x.txt"), b"x")]),
        "unsafe_path",
    ),
    EvilCase(
        "dot-segments", lambda: zip_with([(info("./././x.txt"), b"x")]), "unsafe_path"
    ),
    EvilCase(
        "two-dot-leader",
        lambda: zip_with([(info("\u2025/x.txt"), b"x")]),
        "unsafe_path",
    ),
    EvilCase(
        "fullwidth-dots",
        lambda: zip_with([(info("\uff0e\uff0e/x.txt"), b"x")]),
        "unsafe_path",
    ),
    EvilCase(
        "fullwidth-slash",
        lambda: zip_with([(info("a\uff0f..\uff0fx.txt"), b"x")]),
        "unsafe_path",
    ),
    EvilCase(
        "empty-segment", lambda: zip_with([(info("a//b.txt"), b"x")]), "unsafe_path"
    ),
    # A4: links and special files.
    EvilCase(
        "symlink-passwd",
        lambda: zip_with([(info("passwd.html", mode=LINK), b"/etc/passwd")]),
        "special_file",
    ),
    EvilCase(
        "symlink-dir-then-write",
        lambda: zip_with(
            [(info("link", mode=LINK), b"/tmp"), (info("link/pwned.txt"), b"x")]
        ),
        "special_file",
    ),
    EvilCase(
        "fifo",
        lambda: zip_with([(info("pipe", mode=stat.S_IFIFO | 0o644), b"")]),
        "special_file",
    ),
    EvilCase(
        "char-device",
        lambda: zip_with([(info("dev", mode=stat.S_IFCHR | 0o644), b"")]),
        "special_file",
    ),
    # A5: bombs.
    EvilCase(
        "ratio-bomb",
        lambda: zip_with(
            [
                (
                    info("zeros.bin", compress_type=zipfile.ZIP_DEFLATED),
                    b"\0" * (10 << 20),
                )
            ]
        ),
        "suspicious_ratio",
    ),
    EvilCase(
        "too-many-entries",
        lambda: zip_with([(info(f"f{i}.txt"), b"x") for i in range(60)]),
        "too_many_files",
        settings={"PACKAGE_MAX_FILES": 50},
    ),
    EvilCase(
        "twenty-thousand-entries",
        lambda: zip_with([(info(f"f{i}"), b"") for i in range(20_000)]),
        "too_many_files",
    ),
    EvilCase(
        "declared-total-too-large",
        lambda: zip_with([(info("big.bin"), os.urandom(80_000))]),
        "too_large",
        settings={"PACKAGE_MAX_UNCOMPRESSED_BYTES": 50_000},
    ),
    # A6: collisions.
    EvilCase(
        "duplicate-name",
        lambda: zip_with([(info("a.html"), b"1"), (info("a.html"), b"2")]),
        "duplicate_entry",
    ),
    EvilCase(
        "case-collision",
        lambda: zip_with([(info("Index.html"), b"1"), (info("index.html"), b"2")]),
        "duplicate_entry",
    ),
    EvilCase(
        "nfc-nfd-collision",
        lambda: zip_with(
            [(info("caf\u00e9.html"), b"1"), (info("cafe\u0301.html"), b"2")]
        ),
        "duplicate_entry",
    ),
    EvilCase(
        "file-dir-clash",
        lambda: zip_with([(info("a"), b"file"), (info("a/b.txt"), b"x")]),
        "file_dir_clash",
    ),
    # A7: malicious names.
    EvilCase(
        "nul-in-name",
        lambda: rename_entry(
            zip_with([(info("evil.phpX.jpg"), b"<?php")]),
            "evil.phpX.jpg",
            b"evil.php\x00.jpg",
        ),
        "invalid_name",
    ),
    EvilCase(
        "control-char", lambda: zip_with([(info("a\x07.html"), b"x")]), "invalid_name"
    ),
    EvilCase("newline", lambda: zip_with([(info("a\nb.html"), b"x")]), "invalid_name"),
    EvilCase(
        "long-component", lambda: zip_with([(info("a" * 300), b"x")]), "invalid_name"
    ),
    EvilCase(
        "long-path",
        lambda: zip_with([(info("/".join(["abcd"] * 1000)), b"x")]),
        "invalid_name",
    ),
    EvilCase(
        "reserved-con", lambda: zip_with([(info("CON.html"), b"x")]), "invalid_name"
    ),
    EvilCase(
        "reserved-aux", lambda: zip_with([(info("js/aux.js"), b"x")]), "invalid_name"
    ),
    EvilCase(
        "trailing-dot", lambda: zip_with([(info("page.html."), b"x")]), "invalid_name"
    ),
    EvilCase(
        "trailing-space", lambda: zip_with([(info("page.html "), b"x")]), "invalid_name"
    ),
    EvilCase(
        "rtl-override",
        lambda: zip_with([(info("gpj.\u202eexe.html"), b"x")]),
        "invalid_name",
    ),
    EvilCase("quote", lambda: zip_with([(info('a".html'), b"x")]), "invalid_name"),
    # A8: manifest missing or invalid.
    EvilCase("no-manifest", lambda: make_zip({"index.html": "x"}), "manifest_missing"),
    EvilCase(
        "manifest-too-deep",
        lambda: make_zip({"a/b/imsmanifest.xml": scorm12_manifest(), "x.html": "x"}),
        "manifest_missing",
    ),
    EvilCase(
        "wrong-namespace", lambda: manifest_package(WRONG_NAMESPACE), "manifest_invalid"
    ),
    EvilCase(
        "malformed-xml",
        lambda: manifest_package("<manifest><oops></manifest>"),
        "manifest_invalid",
    ),
    EvilCase(
        "no-organizations",
        lambda: manifest_package(NO_ORGANIZATIONS),
        "no_organization",
    ),
    EvilCase(
        "default-org-missing",
        lambda: manifest_package(
            scorm12_manifest().replace('default="org_1"', 'default="nope"')
        ),
        "default_organization_missing",
    ),
    EvilCase(
        "resource-without-href",
        lambda: manifest_package(
            scorm12_manifest().replace('href="sco12.html"><file', "><file")
        ),
        "resource_without_href",
    ),
    EvilCase(
        "resource-missing",
        lambda: manifest_package(
            scorm12_manifest().replace(
                'identifierref="resource_1"', 'identifierref="ghost"'
            )
        ),
        "resource_missing",
    ),
    # A9: XML attacks.
    EvilCase("xxe-file", lambda: manifest_package(XXE_FILE), "manifest_forbidden_xml"),
    EvilCase("xxe-http", lambda: manifest_package(XXE_HTTP), "manifest_forbidden_xml"),
    EvilCase(
        "parameter-entity",
        lambda: manifest_package(PARAMETER_ENTITY),
        "manifest_forbidden_xml",
    ),
    EvilCase(
        "external-dtd", lambda: manifest_package(EXTERNAL_DTD), "manifest_forbidden_xml"
    ),
    EvilCase(
        "billion-laughs",
        lambda: manifest_package(BILLION_LAUGHS),
        "manifest_forbidden_xml",
    ),
    EvilCase(
        "quadratic-blowup",
        lambda: manifest_package(QUADRATIC),
        "manifest_forbidden_xml",
    ),
    EvilCase(
        "deep-nesting", lambda: manifest_package(DEEP_NESTING), "manifest_too_complex"
    ),
    EvilCase(
        "sixty-thousand-items",
        lambda: manifest_package(MANY_ITEMS),
        "manifest_too_complex",
    ),
    EvilCase("huge-manifest", huge_manifest, "manifest_too_large"),
    # A10: launch href abuse.
    EvilCase(
        "launch-javascript",
        lambda: scorm12_with_href("javascript:alert(1)"),
        "unsafe_launch",
    ),
    EvilCase(
        "launch-javascript-tab",
        lambda: scorm12_with_href("java&#9;script:alert(1)"),
        "unsafe_launch",
    ),
    EvilCase(
        "launch-https",
        lambda: scorm12_with_href("https://evil.example/x"),
        "unsafe_launch",
    ),
    EvilCase(
        "launch-protocol-relative",
        lambda: scorm12_with_href("//evil.example/x"),
        "unsafe_launch",
    ),
    EvilCase(
        "launch-data",
        lambda: scorm12_with_href("data:text/html,&lt;script&gt;"),
        "unsafe_launch",
    ),
    EvilCase(
        "launch-dotdot",
        lambda: scorm12_with_href("../../../etc/passwd"),
        "unsafe_launch",
    ),
    EvilCase(
        "launch-absolute", lambda: scorm12_with_href("/etc/passwd"), "unsafe_launch"
    ),
    EvilCase(
        "launch-encoded-dotdot",
        lambda: scorm12_with_href("%2e%2e/%2e%2e/etc/passwd"),
        "unsafe_launch",
    ),
    EvilCase(
        "xml-base-http",
        lambda: scorm12_with_href(
            "sco12.html", resource_attrs='xml:base="http://evil.example/"'
        ),
        "unsafe_launch",
    ),
    EvilCase(
        "xml-base-dotdot",
        lambda: scorm12_with_href("sco12.html", root_attrs='xml:base="../"'),
        "unsafe_launch",
    ),
    EvilCase(
        "launch-missing", lambda: scorm12_with_href("missing.html"), "launch_missing"
    ),
    # Unsupported standards.
    EvilCase(
        "aicc",
        lambda: make_zip(
            {"course.crs": "[Course]", "course.au": "x", "course.des": "x"}
        ),
        "unsupported_standard",
    ),
    EvilCase(
        "cmi5",
        lambda: make_zip({"cmi5.xml": "<courseStructure/>"}),
        "unsupported_standard",
    ),
    EvilCase(
        "tincan", lambda: make_zip({"tincan.xml": "<tincan/>"}), "unsupported_standard"
    ),
    EvilCase(
        "plain-ims-cp", lambda: manifest_package(PLAIN_IMS_CP), "unsupported_standard"
    ),
    # A13: H5P.
    EvilCase(
        "h5p-php-in-content",
        lambda: h5p_with({"content/shell.php": "<?php system($_GET[1]);"}),
        "h5p_file_not_allowed",
        filename="quiz.h5p",
    ),
    EvilCase(
        "h5p-html-in-content",
        lambda: h5p_with({"content/page.html": "<script>alert(1)</script>"}),
        "h5p_file_not_allowed",
        filename="quiz.h5p",
    ),
    EvilCase(
        "h5p-js-in-content",
        lambda: h5p_with({"content/evil.js": "alert(1)"}),
        "h5p_file_not_allowed",
        filename="quiz.h5p",
    ),
    EvilCase(
        "h5p-exe-in-library",
        lambda: h5p_with({f"{QUIZ_LIBRARY}-1.0/tool.exe": b"MZ"}),
        "h5p_file_not_allowed",
        filename="quiz.h5p",
    ),
    EvilCase("h5p-circular", h5p_cycle, "h5p_dependency_cycle", filename="quiz.h5p"),
    EvilCase(
        "h5p-missing-library",
        h5p_missing_library,
        "h5p_library_missing",
        filename="quiz.h5p",
    ),
    EvilCase(
        "h5p-json-no-title", h5p_bad_json, "h5p_json_invalid", filename="quiz.h5p"
    ),
    EvilCase(
        "h5p-no-content", h5p_no_content, "h5p_content_missing", filename="quiz.h5p"
    ),
    EvilCase(
        "h5p-content-not-json",
        lambda: h5p_with({"content/content.json": "{not json"}),
        "h5p_content_invalid",
        filename="quiz.h5p",
    ),
    EvilCase(
        "h5p-library-folder-mismatch",
        h5p_folder_mismatch,
        "h5p_library_invalid",
        filename="quiz.h5p",
    ),
]
