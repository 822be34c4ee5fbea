from datetime import datetime

from ninja import Schema


class ArtworkOut(Schema):
    id: int
    content_id: str | None
    source: str
    source_ref: str
    title: str
    status: str
    last_error: str
    width: int | None
    height: int | None
    uploaded_at: datetime | None
    analysis_status: str
    ai_title: str
    ai_artist: str
    ai_description: str
    ai_vibes: list[str]
    ai_error: str


class Message(Schema):
    detail: str


class UploadOut(Schema):
    """One picture kept and queued for the TV by the upload page."""

    id: int
    title: str
    detail: str


class DuplicateOut(Schema):
    """The picture is already in the library; nothing was kept."""

    detail: str
    id: int
    title: str
