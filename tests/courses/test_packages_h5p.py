"""H5P packages: h5p.json, content, libraries, whitelist and dependency cycles."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from courses.packages import h5p, zipsafe
from courses.packages.errors import PackageError
from tests.courses.package_builders import (
    QUIZ_LIBRARY,
    build_h5p,
    h5p_json,
    library_json,
    make_zip,
)

LIMITS = zipsafe.Limits(max_files=1000, max_bytes=50_000_000, max_ratio=200)


def _validate(data: bytes) -> h5p.H5PPackage:
    archive = zipsafe.open_archive(io.BytesIO(data), LIMITS)
    with archive:
        listing = zipsafe.inspect_archive(archive, LIMITS)

        def read(path: str, cap: int, code: str) -> bytes:
            return zipsafe.read_member(archive, listing.files[path], cap, code)

        return h5p.validate_h5p(listing, read)


def _codes(data: bytes) -> list[str]:
    with pytest.raises(PackageError) as excinfo:
        _validate(data)
    return excinfo.value.codes


def test_valid_h5p_structure():
    """A valid package gives its title, main library and libraries."""
    package = _validate(build_h5p(title="Mon quiz"))
    assert package.title == "Mon quiz"
    assert package.main_library == f"{QUIZ_LIBRARY}-1.0"
    assert package.structure["main_library"] == f"{QUIZ_LIBRARY}-1.0"
    assert package.structure["h5p"]["title"] == "Mon quiz"
    assert package.structure["h5p"]["preloadedDependencies"] == [
        {"machineName": QUIZ_LIBRARY, "majorVersion": 1, "minorVersion": 0}
    ]
    [library] = package.structure["libraries"]
    assert library["folder"] == f"{QUIZ_LIBRARY}-1.0"
    assert library["runnable"] is True
    assert sorted(package.files) == sorted(
        [
            "h5p.json",
            "content/content.json",
            f"{QUIZ_LIBRARY}-1.0/library.json",
            f"{QUIZ_LIBRARY}-1.0/quiz.js",
            f"{QUIZ_LIBRARY}-1.0/quiz.css",
        ]
    )


def test_dot_and_underscore_files_are_skipped():
    """Files starting with . or _ are skipped, as H5P core does."""
    package = _validate(
        build_h5p(
            files={"content/.hidden.php": "<?php", "__MACOSX/x": "y", "_x/y.exe": "z"}
        )
    )
    assert not any(p.startswith(("content/.", "__", "_x")) for p in package.files)


def test_content_media_in_whitelist_is_accepted():
    """Images, audio, video and documents are allowed in content/."""
    package = _validate(
        build_h5p(
            files={
                "content/images/photo.JPG": b"\xff\xd8",
                "content/audio/son.mp3": b"ID3",
                "content/doc.pdf": b"%PDF",
                "content/model.glb": b"glTF",
            }
        )
    )
    assert "content/images/photo.JPG" in package.files


@pytest.mark.parametrize(
    "path",
    [
        "content/shell.php",
        "content/page.html",
        "content/page.htm",
        "content/evil.js",
        "content/style.css",
        "content/noextension",
        "content/x.svgz",
        "readme.html",
        f"{QUIZ_LIBRARY}-1.0/tool.exe",
        f"{QUIZ_LIBRARY}-1.0/page.html",
        f"{QUIZ_LIBRARY}-1.0/run.sh",
    ],
)
def test_files_outside_the_whitelist_are_refused(path):
    """Extensions outside H5P's whitelists refuse the package, naming the file."""
    with pytest.raises(PackageError) as excinfo:
        _validate(build_h5p(files={path: "x"}))
    [problem] = excinfo.value.problems
    assert problem.code == "h5p_file_not_allowed"
    assert problem.entry == path


def test_library_js_css_allowed_only_in_libraries():
    """js and css are accepted inside a library folder."""
    package = _validate(build_h5p(files={f"{QUIZ_LIBRARY}-1.0/extra/more.js": "1"}))
    assert f"{QUIZ_LIBRARY}-1.0/extra/more.js" in package.files


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": ""}, "h5p_json_invalid"),
        ({"title": "x" * 256}, "h5p_json_invalid"),
        ({"language": "français!"}, "h5p_json_invalid"),
        ({"mainLibrary": "1bad"}, "h5p_json_invalid"),
        ({"mainLibrary": "H5P.Other"}, "h5p_json_invalid"),
        ({"preloadedDependencies": []}, "h5p_json_invalid"),
        ({"preloadedDependencies": "H5P.X"}, "h5p_json_invalid"),
        (
            {"preloadedDependencies": [{"machineName": "H5P.X", "majorVersion": "a"}]},
            "h5p_json_invalid",
        ),
        ({"embedTypes": ["script"]}, "h5p_json_invalid"),
    ],
)
def test_invalid_h5p_json(change, code):
    """h5p.json must carry valid title, language, mainLibrary and dependencies."""
    document = json.loads(h5p_json())
    document.update(change)
    assert _codes(build_h5p(files={"h5p.json": json.dumps(document)})) == [code]


@pytest.mark.parametrize("data", [b"", b"[]", b"\xff\xfe", b"[" * 100_000, b"1" * 5000])
def test_parse_h5p_json_is_total(data):
    """Garbage h5p.json raises PackageError, nothing else."""
    with pytest.raises(PackageError):
        h5p.parse_h5p_json(data)


def test_missing_h5p_json():
    """Without h5p.json there is no H5P package."""
    data = make_zip({"content/content.json": "{}"})
    archive = zipsafe.open_archive(io.BytesIO(data), LIMITS)
    listing = zipsafe.inspect_archive(archive, LIMITS)
    with pytest.raises(PackageError) as excinfo:
        h5p.validate_h5p(listing, lambda *a: b"")
    assert excinfo.value.codes == ["manifest_missing"]


def test_content_json_must_be_an_object():
    """content/content.json must be a JSON object."""
    assert _codes(build_h5p(files={"content/content.json": "[1, 2]"})) == [
        "h5p_content_invalid"
    ]


def test_missing_preloaded_file_in_library():
    """A preloadedJs file that is absent refuses the library."""
    codes = _codes(
        build_h5p(
            files={
                f"{QUIZ_LIBRARY}-1.0/library.json": library_json(
                    preloaded_js=["missing.js"]
                )
            }
        )
    )
    assert codes == ["h5p_library_invalid"]


def test_unversioned_library_folder_is_refused():
    """Library folders must be named Machine-Major.Minor."""
    data = build_h5p(files={"Lib/library.json": library_json("Lib")})
    assert _codes(data) == ["h5p_library_invalid"]


def test_transitive_dependency_missing():
    """A library's own preloaded dependency must be in the package."""
    data = build_h5p(
        files={
            f"{QUIZ_LIBRARY}-1.0/library.json": library_json(
                preloaded_js=["quiz.js"],
                preloaded_css=["quiz.css"],
                dependencies=[("H5P.JoubelUI", 1, 3)],
            )
        }
    )
    with pytest.raises(PackageError) as excinfo:
        _validate(data)
    assert excinfo.value.codes == ["h5p_library_missing"]
    assert "H5P.JoubelUI-1.3" in excinfo.value.problems[0].message


def test_dependency_chain_and_cycle_detection():
    """A chain A→B→C is fine; C→A closes a cycle and is refused."""

    def package(c_dependencies):
        return make_zip(
            {
                "h5p.json": h5p_json(
                    main_library="H5P.A", dependencies=[("H5P.A", 1, 0)]
                ),
                "content/content.json": "{}",
                "H5P.A-1.0/library.json": library_json(
                    "H5P.A", dependencies=[("H5P.B", 1, 0)]
                ),
                "H5P.B-1.0/library.json": library_json(
                    "H5P.B", dependencies=[("H5P.C", 1, 0)]
                ),
                "H5P.C-1.0/library.json": library_json(
                    "H5P.C", dependencies=c_dependencies
                ),
            }
        )

    assert [lib["folder"] for lib in _validate(package([])).structure["libraries"]] == [
        "H5P.A-1.0",
        "H5P.B-1.0",
        "H5P.C-1.0",
    ]
    with pytest.raises(PackageError) as excinfo:
        _validate(package([("H5P.A", 1, 0)]))
    assert excinfo.value.codes == ["h5p_dependency_cycle"]
    assert (
        "H5P.A-1.0 → H5P.B-1.0 → H5P.C-1.0 → H5P.A-1.0"
        in excinfo.value.problems[0].message
    )


def test_find_cycle_handles_long_chains_without_recursion():
    """Cycle detection is iterative: a 50,000-library chain does not overflow."""
    graph = {f"L{i}": [f"L{i + 1}"] for i in range(50_000)}
    graph["L50000"] = []
    assert h5p._find_cycle(graph) is None
    graph["L50000"] = ["L0"]
    cycle = h5p._find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1]


def test_h5p_in_single_top_level_folder():
    """An .h5p wrapped in one folder is accepted by the root rule."""
    assert _validate(build_h5p(root_folder="export")).title == "Quiz H5P"


def test_zip_entries_are_not_inner_archives():
    """A nested zip inside content is refused by the whitelist, never opened."""
    inner = make_zip({"a.txt": "x"})
    with zipfile.ZipFile(io.BytesIO(build_h5p(files={"content/x.zip": inner}))) as z:
        assert "content/x.zip" in z.namelist()
    assert _codes(build_h5p(files={"content/x.zip": inner})) == ["h5p_file_not_allowed"]
