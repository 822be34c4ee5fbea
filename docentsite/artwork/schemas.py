from datetime import datetime

from ninja import Field, Schema

from docentsite.artwork import placements


class PlacementOut(Schema):
    """The picture on one TV."""

    tv: str
    tv_id: int
    status: str
    content_id: str | None
    matte_id: str
    uploaded_at: datetime | None
    error: str
    waiting_reason: str
    next_attempt_at: datetime | None

    @staticmethod
    def resolve_tv(placement):
        return placement.tv.name

    @staticmethod
    def resolve_error(placement):
        return placement.last_error


class ArtworkOut(Schema):
    id: int
    content_id: str | None = Field(description="Its content id on the first TV showing it")
    source: str
    source_ref: str
    title: str
    status: str = Field(description="pending, failed, library (on no TV), or the most "
                                    "pressing of its placements: uploading, prepared, "
                                    "needs_attention, failed, on_tv, removed")
    library_status: str = Field(description="pending, prepared or failed")
    last_error: str
    width: int | None
    height: int | None
    uploaded_at: datetime | None
    placements: list[PlacementOut]
    analysis_status: str
    ai_title: str
    ai_artist: str
    ai_description: str
    ai_vibes: list[str]
    ai_error: str

    @staticmethod
    def resolve_status(artwork):
        return artwork.state

    @staticmethod
    def resolve_library_status(artwork):
        return artwork.status

    @staticmethod
    def resolve_content_id(artwork):
        return placements.content_id_on_first_tv(artwork)

    @staticmethod
    def resolve_uploaded_at(artwork):
        shown = artwork.shown
        return shown[0].uploaded_at if shown else None

    @staticmethod
    def resolve_last_error(artwork):
        return artwork.last_error or artwork.placement_error

    @staticmethod
    def resolve_placements(artwork):
        return artwork.placed


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
