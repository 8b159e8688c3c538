"""Tell what kind of package an archive holds, from the files at its root.

Rule (deterministic, documented for staff):

* ``imsmanifest.xml`` at the package root (any letter case) → SCORM, unless
  the upload is named ``*.h5p`` and ``h5p.json`` is also at the root;
* ``h5p.json`` at the root → H5P;
* otherwise the standards we recognise but do not play are named: ``cmi5.xml``
  → cmi5, ``tincan.xml`` → Tin Can (xAPI), ``*.au``/``*.crs``/``*.des``/``*.cst``
  → AICC; anything else → « imsmanifest.xml introuvable », pointing at a
  manifest found deeper in the archive if there is one.

The package root is chosen by ``zipsafe`` (archive root or one single top-level
folder); a manifest deeper than that is never used.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import PackageError
from .zipsafe import Listing

KIND_SCORM = "scorm"
KIND_H5P = "h5p"

_AICC_EXTENSIONS = (".au", ".crs", ".des", ".cst")


def _unsupported(name: str, entry: str) -> PackageError:
    return PackageError.one(
        "unsupported_standard",
        _(
            "Norme non prise en charge : ce paquet est au format %(name)s. Seuls "
            "SCORM 1.2, SCORM 2004 et H5P sont acceptés."
        )
        % {"name": name},
        entry,
    )


def detect_kind(listing: Listing, filename: str = "") -> tuple[str, str]:
    """``(kind, manifest path)`` for the archive, or ``PackageError``."""
    root_files = {path.casefold(): path for path in listing.files if "/" not in path}
    manifest = root_files.get("imsmanifest.xml")
    h5p_json = root_files.get("h5p.json")
    if h5p_json and (manifest is None or filename.lower().endswith(".h5p")):
        return KIND_H5P, h5p_json
    if manifest:
        return KIND_SCORM, manifest
    if "cmi5.xml" in root_files:
        raise _unsupported("cmi5", root_files["cmi5.xml"])
    if "tincan.xml" in root_files:
        raise _unsupported(_("Tin Can (xAPI)"), root_files["tincan.xml"])
    aicc = next(
        (path for key, path in root_files.items() if key.endswith(_AICC_EXTENSIONS)),
        None,
    )
    if aicc:
        raise _unsupported("AICC", aicc)
    deeper = sorted(
        (path for path in listing.files if path.casefold().endswith("imsmanifest.xml")),
        key=lambda path: (path.count("/"), path),
    )
    if deeper:
        raise PackageError.one(
            "manifest_missing",
            _(
                "imsmanifest.xml doit se trouver à la racine de l'archive ou dans un "
                "unique dossier de premier niveau (trouvé : « %(path)s »)."
            )
            % {"path": listing.root + deeper[0]},
            listing.root + deeper[0],
        )
    raise PackageError.one(
        "manifest_missing",
        _(
            "Aucun imsmanifest.xml (SCORM) ni h5p.json (H5P) à la racine de "
            "l'archive : ce n'est pas un paquet SCORM ou H5P."
        ),
    )
