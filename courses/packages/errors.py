"""Problems found in an uploaded package, and the one exception that carries them."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a package is refused.

    ``code`` is a stable machine identifier (see :data:`CODES`), ``message`` a
    French sentence for staff, ``entry`` the archive entry or manifest href at
    fault (shown escaped; it comes from the package).
    """

    code: str
    message: str
    entry: str = ""

    def __post_init__(self) -> None:
        # Names come from hostile archives: keep them displayable and storable
        # (PostgreSQL JSON refuses NUL and lone surrogates).
        object.__setattr__(self, "message", printable(self.message))
        object.__setattr__(self, "entry", printable(self.entry))

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def printable(text: str) -> str:
    """``text`` with control, invisible and unpaired characters shown as escapes."""
    return "".join(
        f"\\u{{{ord(c):04x}}}" if unicodedata.category(c) in _UNPRINTABLE else c
        for c in text
    )


class PackageError(Exception):
    """A package is refused; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("PackageError needs at least one problem")
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def one(cls, code: str, message: str, entry: str = "") -> PackageError:
        return cls([Problem(code=code, message=message, entry=entry)])

    @classmethod
    def from_dicts(cls, problems: list[dict[str, str]]) -> PackageError:
        """Rebuild the error from ``Package.errors``."""
        return cls(
            [
                Problem(
                    code=str(p.get("code", "")),
                    message=str(p.get("message", "")),
                    entry=str(p.get("entry", "")),
                )
                for p in problems
            ]
            or [Problem("internal_error", _("Le paquet a été refusé."))]
        )

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def as_list(self) -> list[dict[str, str]]:
        return [p.as_dict() for p in self.problems]


#: Every problem code this package may report, with what it means.
CODES: dict[str, str] = {
    # The archive itself (reliability A1, A2, A5).
    "not_a_zip": "not a zip archive (or a zip hidden behind other data)",
    "upload_too_large": "the uploaded file exceeds PACKAGE_MAX_UPLOAD_BYTES",
    "corrupt_archive": "truncated, bad CRC, overlapping or inconsistent entries",
    "encrypted_entry": "an entry is encrypted",
    "unsupported_compression": "an entry uses a method other than stored/deflate",
    "too_many_files": "more entries than PACKAGE_MAX_FILES",
    "too_large": "more uncompressed bytes than PACKAGE_MAX_UNCOMPRESSED_BYTES",
    "suspicious_ratio": "compression ratio above PACKAGE_MAX_COMPRESSION_RATIO",
    # Entry names and types (A3, A4, A6, A7).
    "unsafe_path": "traversal, absolute path, drive letter, backslash, dot segment",
    "invalid_name": "control or invisible characters, reserved or over-long names",
    "special_file": "symlink, device, fifo or any non-regular entry",
    "duplicate_entry": "same path twice (exactly, by case or by normalisation)",
    "file_dir_clash": "a file and a folder share a path",
    # What kind of package (A8).
    "manifest_missing": "no imsmanifest.xml / h5p.json at the package root",
    "unsupported_standard": "AICC, cmi5, Tin Can or plain IMS CP",
    # imsmanifest.xml (A8, A9, A10).
    "manifest_too_large": "the manifest exceeds the byte cap",
    "manifest_invalid": "not well-formed XML or wrong structure",
    "manifest_forbidden_xml": "DTD, entity or external reference in the manifest",
    "manifest_too_complex": "too many elements or too deep",
    "no_organization": "no organization / nothing to launch",
    "default_organization_missing": "organizations@default names no organization",
    "resource_missing": "an item refers to an unknown resource",
    "resource_without_href": "a launchable resource has no href",
    "unsafe_launch": "launch href is external, javascript:, data:, or escapes",
    "launch_missing": "the launch file is not in the package",
    # H5P (A13).
    "h5p_json_invalid": "h5p.json missing keys or wrong values",
    "h5p_content_missing": "content/content.json missing",
    "h5p_content_invalid": "content/content.json is not valid JSON",
    "h5p_file_not_allowed": "file extension outside the H5P whitelist",
    "h5p_library_invalid": "library folder or library.json invalid",
    "h5p_library_missing": "a required library folder is missing",
    "h5p_dependency_cycle": "circular preloaded dependencies",
    # Import and processing.
    "course_not_found": "no course with that code",
    "file_not_found": "the path given to import_package does not exist",
    "storage_error": "the storage refused a write",
    "processing_timeout": "the worker's soft time limit interrupted processing",
    "internal_error": "unexpected failure (logged)",
}
