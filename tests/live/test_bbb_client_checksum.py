"""The BBB API checksum: documented vectors and the verification rule."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from live.bbb.checksum import ALGORITHMS, checksum, signed_query, verify_query

# The worked example of the API security model in the BigBlueButton docs:
# https://docs.bigbluebutton.org/development/api/#usage
DOC_QUERY = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
DOC_SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
DOC_PARAMS = {
    "name": "Test Meeting",
    "meetingID": "abc123",
    "attendeePW": "111222",
    "moderatorPW": "333444",
}
# SHA-1 is the documented value. The others are the same string hashed with
# `openssl dgst -sha256/-sha384/-sha512`; the SHA-256 one is also the value
# OpenOLAT's BigBlueButtonUriBuilderTest expects for this example.
DOC_DIGESTS = {
    "sha1": "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17",
    "sha256": "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e",
    "sha384": (
        "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d"
        "6e7b49a845cf29f5c6019c7d29d029d1"
    ),
    "sha512": (
        "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4"
        "b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4"
    ),
}


@pytest.mark.parametrize("algorithm", sorted(DOC_DIGESTS))
def test_checksum_matches_the_documented_example(algorithm):
    """The checksum of the docs' create example is the documented (SHA-1) or
    independently computed (SHA-256/384/512) digest."""
    assert (
        checksum("create", DOC_QUERY, DOC_SECRET, algorithm) == DOC_DIGESTS[algorithm]
    )


@pytest.mark.parametrize("algorithm", sorted(DOC_DIGESTS))
def test_signed_query_reproduces_the_documented_url(algorithm):
    """Signing the example's parameters gives the docs' query string plus the
    checksum, which a BBB server accepts."""
    query = signed_query("create", DOC_PARAMS, DOC_SECRET, algorithm)
    assert query == f"{DOC_QUERY}&checksum={DOC_DIGESTS[algorithm]}"
    assert verify_query("create", query, DOC_SECRET)


def test_documented_example_is_accepted_as_sent():
    """The docs' final query string (SHA-1) passes verification."""
    assert verify_query(
        "create", f"{DOC_QUERY}&checksum={DOC_DIGESTS['sha1']}", DOC_SECRET
    )


def test_signed_query_drops_none_and_spells_booleans():
    """None parameters are left out and booleans are sent as true/false."""
    query = signed_query(
        "create", {"meetingID": "m", "record": True, "x": None, "y": False}, "s"
    )
    assert query.startswith("meetingID=m&record=true&y=false&checksum=")


@pytest.mark.parametrize(
    "query",
    [
        DOC_QUERY,  # no checksum at all
        f"{DOC_QUERY}&checksum=",  # empty
        f"{DOC_QUERY}&checksum={DOC_DIGESTS['sha1'][:-1]}",  # no algorithm has 39
        f"{DOC_QUERY}&checksum={'0' * 40}",  # right length, wrong value
        # Two checksums: ambiguous, refused.
        f"{DOC_QUERY}&checksum={DOC_DIGESTS['sha1']}&checksum={DOC_DIGESTS['sha1']}",
        # A parameter changed after signing.
        f"{DOC_QUERY.replace('333444', '333445')}&checksum={DOC_DIGESTS['sha1']}",
    ],
)
def test_verify_query_refuses_missing_or_wrong_checksums(query):
    """A missing, malformed, duplicated or stale checksum is refused."""
    assert not verify_query("create", query, DOC_SECRET)


def test_verify_query_is_bound_to_the_call_name():
    """A checksum made for one call does not authorise another."""
    query = f"{DOC_QUERY}&checksum={DOC_DIGESTS['sha256']}"
    assert not verify_query("join", query, DOC_SECRET)


def test_verify_query_accepts_upper_case_digest():
    """Hex digests are compared without case, as BBB does."""
    query = f"{DOC_QUERY}&checksum={DOC_DIGESTS['sha256'].upper()}"
    assert verify_query("create", query, DOC_SECRET)


def test_checksum_refuses_unknown_algorithm():
    with pytest.raises(ValueError, match="md5"):
        checksum("create", DOC_QUERY, DOC_SECRET, "md5")


# --- property: whatever the parameters, signing then verifying round-trips -----

_keys = st.text(min_size=1, max_size=12).filter(lambda k: k != "checksum")
_values = st.text(max_size=40)
_params = st.dictionaries(_keys, _values, max_size=6)
_calls = st.sampled_from(
    ["create", "join", "getMeetingInfo", "isMeetingRunning", "end", "getRecordings"]
)
_algorithms = st.sampled_from(sorted(ALGORITHMS))
_secrets = st.text(min_size=1, max_size=40)


@given(call=_calls, params=_params, secret=_secrets, algorithm=_algorithms)
def test_verify_query_accepts_every_signed_query(call, params, secret, algorithm):
    """Any parameters (accents, emoji, '&', '=') signed with the secret verify."""
    query = signed_query(call, params, secret, algorithm)
    assert verify_query(call, query, secret)
    assert len(query.rsplit("checksum=", 1)[1]) == ALGORITHMS[algorithm]


@given(
    call=_calls,
    params=_params,
    secret=_secrets,
    other=_secrets,
    algorithm=_algorithms,
)
def test_verify_query_refuses_another_secret(call, params, secret, other, algorithm):
    """A query signed with another secret is refused."""
    query = signed_query(call, params, secret, algorithm)
    assert verify_query(call, query, other) == (other == secret)


@given(
    call=_calls,
    params=_params.filter(bool),
    secret=_secrets,
    algorithm=_algorithms,
    data=st.data(),
)
def test_verify_query_refuses_a_tampered_value(call, params, secret, algorithm, data):
    """Changing any one parameter value after signing breaks the checksum."""
    key = data.draw(st.sampled_from(sorted(params)))
    tampered = dict(params)
    tampered[key] = params[key] + "x"
    digest = signed_query(call, params, secret, algorithm).rsplit("checksum=", 1)[1]
    forged = signed_query(call, tampered, secret, algorithm).rsplit("&checksum=", 1)
    forged_query = (forged[0] + "&" if len(forged) == 2 else "") + f"checksum={digest}"
    assert not verify_query(call, forged_query, secret)


def test_checksum_is_sha_of_call_query_secret():
    """The rule itself: hash(callName + queryString + sharedSecret)."""
    expected = hashlib.sha256(b"getMeetingInfomeetingID=m1s3cret").hexdigest()
    assert checksum("getMeetingInfo", "meetingID=m1", "s3cret", "sha256") == expected
