"""pytest fixtures for the fake Google Drive.

`fake_drive` is a running FakeDrive with the standard content (see
tests/fakes/drive.py, `add_standard_content`); `drive_client` is a DriveClient
pointed at it with short time-outs; `drive_settings` points settings.DRIVE_* at it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivesource.client import DriveClient
from tests.fakes.drive import FakeDrive, add_standard_content

TIMEOUT = 2.0


@pytest.fixture
def fake_drive() -> Iterator[FakeDrive]:
    with FakeDrive() as fake:
        yield add_standard_content(fake)
    assert not fake.errors, "the fake Drive itself failed:\n" + "\n".join(fake.errors)


@pytest.fixture
def drive_client(fake_drive: FakeDrive) -> DriveClient:
    return DriveClient(api_key=fake_drive.api_key, api_url=fake_drive.url, timeout=TIMEOUT)


@pytest.fixture
def drive_settings(fake_drive: FakeDrive, settings):
    from drivesource import folders, thumbnails

    folders.forget()
    thumbnails.links.clear()
    settings.DRIVE_API_KEY = fake_drive.api_key
    settings.DRIVE_API_URL = fake_drive.url
    settings.DRIVE_FOLDER_URL = (
        f"https://drive.google.com/drive/folders/{fake_drive.find('Frame art').id}?usp=sharing"
    )
    settings.DRIVE_TIMEOUT = TIMEOUT
    return settings
