"""imsmanifest.xml parsing: standards, editions, organizations, SCOs, launch URLs."""

from __future__ import annotations

import builtins
import socket
import time
import zipfile

import pytest

from courses.packages import manifest
from courses.packages.errors import PackageError
from courses.packages.manifest import check_launch_files, parse_manifest, resolve_launch
from tests.courses import evil_packages
from tests.courses.package_builders import (
    CP_2004,
    multi_sco_2004,
    scorm12_manifest,
    scorm2004_manifest,
)
from tests.shared_data import SCORM_SAMPLES

SAMPLES = SCORM_SAMPLES


def _sample(name: str) -> tuple[manifest.ParsedManifest, list[str]]:
    with zipfile.ZipFile(SAMPLES / name) as archive:
        parsed = parse_manifest(archive.read("imsmanifest.xml"))
        files = [n for n in archive.namelist() if not n.endswith("/")]
    check_launch_files(parsed, files)
    return parsed, files


def _codes(excinfo: pytest.ExceptionInfo[PackageError]) -> list[str]:
    return excinfo.value.codes


def test_real_scorm12_sample():
    """Rustici's SCORM 1.2 sample is read as SCORM 1.2 with one SCO."""
    parsed, _files = _sample("RuntimeBasicCalls_SCORM12.zip")
    assert (parsed.standard, parsed.edition) == ("scorm12", "1.2")
    assert parsed.title == "Golf Explained - Run-time Basic Calls"
    assert parsed.launch_href == "shared/launchpage.html"
    [sco] = parsed.structure["scos"]
    assert sco["identifier"] == "item_1"
    assert sco["scorm_type"] == "sco"
    assert sco["mastery_score"] is None
    assert parsed.structure["sequencing"] == {
        "flow": True,
        "choice": True,
        "unsupported": [],
    }


def test_real_scorm2004_single_sco_sample():
    """Rustici's 2004 3rd edition single-SCO sample: edition, SCO and control mode."""
    parsed, _files = _sample("RuntimeBasicCalls_SCORM20043rdEdition.zip")
    assert (parsed.standard, parsed.edition) == ("scorm2004", "2004 3rd")
    assert manifest.describe_standard(parsed.standard, parsed.edition) == (
        "SCORM 2004 3e édition"
    )
    [sco] = parsed.structure["scos"]
    assert sco["href"] == "shared/launchpage.html"
    assert sco["scorm_type"] == "sco"
    assert parsed.structure["sequencing"]["flow"] is True
    assert parsed.structure["sequencing"]["choice"] is True


def test_real_scorm2004_multi_sco_sample():
    """The multi-SCO sample gives its tree of items and its 18 launchable items."""
    parsed, _files = _sample("ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip")
    structure = parsed.structure
    assert structure["default_organization"] == "golf_sample_default_org"
    [organization] = structure["organizations"]
    assert [item["title"] for item in organization["items"]] == [
        "Playing the Game",
        "Etiquette",
        "Handicapping",
        "Having Fun",
    ]
    playing = organization["items"][0]
    assert playing["sco"] is None
    assert playing["children"][0] == {
        "identifier": "playing_playing_item",
        "title": "How to Play",
        "sco": "playing_playing_item",
        "visible": True,
        "children": [],
    }
    assert len(structure["scos"]) == 18
    quiz = next(s for s in structure["scos"] if s["identifier"] == "playing_quiz_item")
    assert quiz["href"] == "shared/assessmenttemplate.html?questions=Playing"
    assert quiz["path"] == "shared/assessmenttemplate.html"
    assert quiz["scorm_type"] == "asset"
    # No sequencing declared: IMS SS defaults (choice on, flow off).
    assert structure["sequencing"] == {"flow": False, "choice": True, "unsupported": []}
    assert parsed.launch_href == "Playing/Playing.html"


@pytest.mark.parametrize(
    ("edition", "expected"),
    [(2, "2004 2nd"), (3, "2004 3rd"), (4, "2004 4th")],
)
def test_scorm2004_editions(edition, expected):
    """The schemaversion tells 2nd (CAM 1.3), 3rd and 4th editions apart."""
    parsed = parse_manifest(scorm2004_manifest(edition=edition).encode())
    assert (parsed.standard, parsed.edition) == ("scorm2004", expected)


def test_scorm2004_without_schemaversion_is_2004():
    """A 2004 manifest without schemaversion is still recognised by its namespaces."""
    xml = scorm2004_manifest().replace(
        "<schemaversion>2004 4th Edition</schemaversion>", ""
    )
    parsed = parse_manifest(xml.encode())
    assert (parsed.standard, parsed.edition) == ("scorm2004", "2004")


def test_fourth_edition_multi_sco_runtime_data():
    """4th edition thresholds, passing score, parameters and folders are read."""
    parsed = parse_manifest(scorm2004_manifest(scos=multi_sco_2004()).encode())
    scos = {s["identifier"]: s for s in parsed.structure["scos"]}
    assert list(scos) == ["intro", "lesson", "quiz"]
    assert scos["intro"]["completion_threshold"] == 0.5
    assert scos["lesson"]["href"] == "lesson/index.html?page=2"
    assert scos["quiz"]["scaled_passing_score"] == 0.7
    assert scos["quiz"]["mastery_score"] is None
    folders = parsed.structure["organizations"][0]["items"]
    assert [f["title"] for f in folders] == ["Partie 1", "Partie 2"]
    assert [c["sco"] for c in folders[0]["children"]] == ["intro", "lesson"]


def test_third_edition_threshold_as_text():
    """A 3rd edition completionThreshold is read from its text."""
    scos = [
        {"identifier": "a", "title": "A", "href": "a.html", "completion_threshold": 0.8}
    ]
    parsed = parse_manifest(scorm2004_manifest(edition=3, scos=scos).encode())
    assert parsed.structure["scos"][0]["completion_threshold"] == 0.8


def test_scorm12_mastery_score_and_lms_data():
    """SCORM 1.2 mastery score, launch data and time limit action are kept."""
    extra = (
        "<adlcp:datafromlms>mode=exam</adlcp:datafromlms>"
        "<adlcp:timelimitaction>exit,message</adlcp:timelimitaction>"
        "<adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>"
    )
    xml = scorm12_manifest(mastery_score=75, extra_item_xml=extra)
    [sco] = parse_manifest(xml.encode()).structure["scos"]
    assert sco["mastery_score"] == 75.0
    assert sco["data_from_lms"] == "mode=exam"
    assert sco["time_limit_action"] == "exit,message"
    assert sco["max_time_allowed"] == "00:30:00"


def test_unsupported_sequencing_is_listed():
    """Sequencing rules we do not implement are listed, so the UI can say so."""
    extra = (
        "<imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule>"
        '<imsss:ruleConditions><imsss:ruleCondition condition="satisfied"/>'
        '</imsss:ruleConditions><imsss:ruleAction action="skip"/>'
        "</imsss:preConditionRule></imsss:sequencingRules>"
        "<imsss:rollupRules/></imsss:sequencing>"
    )
    xml = scorm2004_manifest(flow=True, choice=False).replace(
        "</title>\n      <item", "</title>\n      <item", 1
    )
    xml = xml.replace(
        '<item identifier="sco_1" identifierref="resource_1"><title>Module SCORM 2004</title>',
        '<item identifier="sco_1" identifierref="resource_1"><title>Module SCORM 2004</title>'
        + extra,
    )
    sequencing = parse_manifest(xml.encode()).structure["sequencing"]
    assert sequencing["flow"] is True
    assert sequencing["choice"] is False
    assert sequencing["unsupported"] == ["imsss:rollupRules", "imsss:sequencingRules"]


def test_titles_are_kept_verbatim_for_escaping():
    """Markup in titles is kept as text (it is escaped where rendered, never parsed)."""
    xml = scorm12_manifest(title="<img src=x onerror=alert(1)> & co")
    parsed = parse_manifest(xml.encode())
    assert parsed.title == "<img src=x onerror=alert(1)> & co"


def test_utf8_bom_and_utf16_manifests():
    """A BOM or a UTF-16 manifest is read (A8)."""
    xml = scorm12_manifest(title="Éducation")
    assert parse_manifest(b"\xef\xbb\xbf" + xml.encode()).title == "Éducation"
    utf16 = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert parse_manifest(utf16).title == "Éducation"


def test_xinclude_is_not_processed():
    """XInclude elements are ignored: nothing is fetched or inlined."""
    xml = scorm12_manifest().replace(
        "<metadata>",
        '<metadata><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        'href="file:///etc/passwd" parse="text"/>',
    )
    parsed = parse_manifest(xml.encode())
    assert "root:" not in str(parsed.structure)


def test_xml_base_is_applied():
    """xml:base on resources and resource prefixes the launch href."""
    xml = scorm12_manifest(launch="index.html").replace(
        "<resources>", '<resources xml:base="course/">'
    )
    parsed = parse_manifest(xml.encode())
    assert parsed.launch_href == "course/index.html"
    check_launch_files(parsed, ["course/index.html", "imsmanifest.xml"])


@pytest.mark.parametrize(
    ("bases", "href", "parameters", "url", "path"),
    [
        ([], "index.html", "", "index.html", "index.html"),
        ([], "./index.html", "", "index.html", "index.html"),
        ([], "a b/é.html", "", "a%20b/%C3%A9.html", "a b/é.html"),
        ([], "a%20b.html", "", "a%20b.html", "a%20b.html"),
        ([], "q.html?x=1", "?y=2", "q.html?x=1&y=2", "q.html"),
        ([], "q.html", "&y=2", "q.html?y=2", "q.html"),
        ([], "q.html", "#part", "q.html#part", "q.html"),
        ([], "q.html#a", "#b", "q.html#a", "q.html"),
        ([], "q.html?x=<script>", "", "q.html?x=%3Cscript%3E", "q.html"),
        (
            ["course/", "v1/"],
            "index.html",
            "",
            "course/v1/index.html",
            "course/v1/index.html",
        ),
    ],
)
def test_resolve_launch(bases, href, parameters, url, path):
    """Launch URLs are resolved, parameters applied by the ADL rules, and encoded."""
    assert resolve_launch(bases, href, parameters) == (url, path)


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "https://evil.example/x",
        "//evil.example/x",
        "data:text/html,x",
        "file:///etc/passwd",
        "/etc/passwd",
        "../x.html",
        "a/../../x.html",
        "%2e%2e/x.html",
        "a\\..\\x.html",
        "C:/x.html",
        "java\tscript:alert(1)",
        "",
    ],
)
def test_resolve_launch_refuses_escapes(href):
    """Anything that could leave the package is refused, naming the href."""
    with pytest.raises(PackageError) as excinfo:
        resolve_launch([], href, "")
    assert _codes(excinfo) == ["unsafe_launch"]


def test_launch_missing_mentions_case_difference():
    """A launch file differing only by case is reported with a hint."""
    parsed = parse_manifest(scorm12_manifest(launch="Index.html").encode())
    with pytest.raises(PackageError) as excinfo:
        check_launch_files(parsed, ["index.html"])
    assert _codes(excinfo) == ["launch_missing"]
    assert "casse" in excinfo.value.problems[0].message


def test_literal_percent_in_file_name():
    """A file literally named with "%20" gets a URL that reaches it."""
    parsed = parse_manifest(scorm12_manifest(launch="a%20b.html?x=1").encode())
    check_launch_files(parsed, ["a%20b.html"])
    assert parsed.launch_href == "a%2520b.html?x=1"
    assert parsed.structure["scos"][0]["path"] == "a%20b.html"
    parsed = parse_manifest(scorm12_manifest(launch="a%20b.html").encode())
    check_launch_files(parsed, ["a b.html"])
    assert parsed.launch_href == "a%20b.html"
    assert parsed.structure["scos"][0]["path"] == "a b.html"


def test_manifest_namespaced_2004_without_prefix():
    """The 2004 CP namespace is accepted as the default namespace."""
    assert CP_2004 in scorm2004_manifest()
    assert parse_manifest(scorm2004_manifest().encode()).standard == "scorm2004"


def test_default_organization_comes_first():
    """The default organization is listed first and provides the launch URL."""
    xml = scorm12_manifest().replace(
        '<organizations default="org_1">',
        '<organizations default="org_1"><organization identifier="other">'
        '<title>Autre</title><item identifier="x" identifierref="resource_1">'
        "<title>X</title></item></organization>",
    )
    parsed = parse_manifest(xml.encode())
    assert parsed.structure["default_organization"] == "org_1"
    assert [o["identifier"] for o in parsed.structure["organizations"]] == [
        "org_1",
        "other",
    ]
    assert parsed.structure["scos"][0]["organization"] == "org_1"


@pytest.mark.parametrize(
    "xml",
    [
        evil_packages.XXE_FILE,
        evil_packages.XXE_HTTP,
        evil_packages.PARAMETER_ENTITY,
        evil_packages.EXTERNAL_DTD,
        evil_packages.BILLION_LAUGHS,
        evil_packages.QUADRATIC,
    ],
    ids=[
        "xxe-file",
        "xxe-http",
        "parameter-entity",
        "external-dtd",
        "laughs",
        "quadratic",
    ],
)
def test_xml_attacks_make_no_network_or_file_access(xml, monkeypatch):
    """DTD-based attacks are refused without opening a socket or a file."""

    def forbidden(*args, **kwargs):
        raise AssertionError("no I/O allowed while parsing a manifest")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(builtins, "open", forbidden)
    started = time.monotonic()
    with pytest.raises(PackageError) as excinfo:
        parse_manifest(xml.encode())
    assert excinfo.value.codes == ["manifest_forbidden_xml"]
    assert "sécurité" in excinfo.value.problems[0].message
    assert time.monotonic() - started < 1


def test_deep_nesting_is_refused_quickly():
    """100,000 nested elements are refused at depth 64, without recursion."""
    started = time.monotonic()
    with pytest.raises(PackageError) as excinfo:
        parse_manifest(evil_packages.DEEP_NESTING.encode())
    assert excinfo.value.codes == ["manifest_too_complex"]
    assert time.monotonic() - started < 1
