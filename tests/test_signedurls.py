"""docentsite.signedurls: a signature opens what it names and nothing else, lapses after
one to two buckets, stays the same within a bucket, and holds only under this site's
SECRET_KEY (or one moved to SECRET_KEY_FALLBACKS)."""

import pytest

from docentsite.signedurls import BUCKET_SECONDS, PARAM, is_valid, signature

NOW = 1_800_000_000.0
THUMB = ("plex-thumbnail", "123", "/library/metadata/123/thumb/1700000000")


def test_a_signature_opens_what_it_names():
    assert is_valid(signature(*THUMB, now=NOW), *THUMB, now=NOW)


@pytest.mark.parametrize("other", [
    ("plex-thumbnail", "124", "/library/metadata/123/thumb/1700000000"),
    ("plex-thumbnail", "123", "/library/metadata/123/thumb/1700000001"),
    ("immich-thumbnail", "123", "/library/metadata/123/thumb/1700000000"),
    ("plex-thumbnail", "123/library/metadata/123/thumb/1700000000", ""),  # parts run together
    ("plex-thumbnail", "123"),
])
def test_a_signature_opens_nothing_else(other):
    assert not is_valid(signature(*THUMB, now=NOW), *other, now=NOW)


def test_links_written_within_a_bucket_are_the_same_and_hold_one_to_two_buckets():
    start = NOW - NOW % BUCKET_SECONDS
    first, last = signature(*THUMB, now=start), signature(*THUMB, now=start + BUCKET_SECONDS - 1)

    assert first == last  # a page reloaded in the bucket: the browser's cache holds
    assert signature(*THUMB, now=start + BUCKET_SECONDS) != first
    assert is_valid(last, *THUMB, now=start + 2 * BUCKET_SECONDS - 1)
    assert not is_valid(first, *THUMB, now=start + 2 * BUCKET_SECONDS)


def test_a_signature_made_under_another_key_is_refused_unless_that_key_is_a_fallback(
    settings,
):
    settings.SECRET_KEY = "the old key, long enough to be a key of its own 0123456789"
    signed = signature(*THUMB, now=NOW)
    settings.SECRET_KEY = "the new key, long enough to be a key of its own 0123456789"

    assert not is_valid(signed, *THUMB, now=NOW)
    settings.SECRET_KEY_FALLBACKS = ["the old key, long enough to be a key of its own 0123456789"]
    assert is_valid(signed, *THUMB, now=NOW)


@pytest.mark.parametrize("signed", [
    "", ".", "abc", "zzzz.abc", "6b49d200.", ".AAAAAAAAAAAAAAAAAAAAAA",
    "1" * 40 + ".AAAAAAAAAAAAAAAAAAAAAA",
])
def test_garbage_is_refused_without_an_error(signed):
    assert not is_valid(signed, *THUMB, now=NOW)


def test_the_expiry_cannot_be_moved_without_the_key():
    signed = signature(*THUMB, now=NOW)
    expires, _, mac = signed.partition(".")
    later = f"{int(expires, 16) + 100 * BUCKET_SECONDS:x}.{mac}"

    assert not is_valid(later, *THUMB, now=NOW)


def test_a_signature_is_plain_url_text_and_holds_no_secret(settings):
    signed = signature(*THUMB, now=NOW)

    assert PARAM == "s"
    assert all(c.isalnum() or c in "-_." for c in signed)
    assert settings.SECRET_KEY not in signed and len(signed) < 40
