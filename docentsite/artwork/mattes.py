"""The TV's matte ids (`shadowbox_polar`) in words and colours, for the matte picker."""

from dataclasses import dataclass

# The TV's own spellings, as the Art API lists them; an id missing here is shown
# from its own letters, so a newer TV's matte still has a name.
STYLES = {
    "modernthin": "Modern thin", "modern": "Modern", "modernwide": "Modern wide",
    "flexible": "Flexible", "panoramic": "Panoramic", "triptych": "Triptych", "mix": "Mix",
    "squares": "Squares", "shadowbox": "Shadowbox",
}
# (name, swatch colour): the colour is close to the TV's, enough to choose by.
COLOURS = {
    "antique": ("Antique", "#d8ccb4"), "black": ("Black", "#1c1c1c"),
    "burgandy": ("Burgundy", "#6d1a2a"), "navy": ("Navy", "#1f2a48"),
    "neutral": ("Neutral", "#c9c3b8"), "polar": ("Polar", "#f4f4f1"),
    "sage": ("Sage", "#a3ad94"), "sand": ("Sand", "#d9c7a4"),
    "seafoam": ("Sea foam", "#9fc9bd"), "warm": ("Warm", "#e5d6c0"),
    "apricot": ("Apricot", "#f0b88a"), "byzantine": ("Byzantine", "#8f3c8a"),
    "lavender": ("Lavender", "#b9a8d4"), "redorange": ("Red orange", "#d4532c"),
    "skyblue": ("Sky blue", "#8cbfe0"), "turquoise": ("Turquoise", "#2fa6a0"),
}
UNKNOWN_SWATCH = "#999999"


@dataclass(frozen=True)
class Matte:
    id: str
    style: str
    colour: str
    swatch: str

    @property
    def name(self) -> str:
        return "No matte" if self.id == "none" else f"{self.style}, {self.colour}"


def matte(matte_id: str) -> Matte:
    if matte_id == "none":
        return Matte("none", "No matte", "", "")
    kind, _, colour = matte_id.partition("_")
    colour_name, swatch = COLOURS.get(colour, (colour.capitalize(), UNKNOWN_SWATCH))
    return Matte(matte_id, STYLES.get(kind, kind.capitalize()), colour_name, swatch)


def matte_name(matte_id: str) -> str:
    """`shadowbox_polar` -> "Shadowbox, Polar"; blank for an unknown matte."""
    return matte(matte_id).name if matte_id else ""


def by_style(matte_ids: list[str]) -> list[tuple[str, list[Matte]]]:
    """The TV's mattes as (style, its colours), `none` on its own first, TV order kept."""
    groups: dict[str, list[Matte]] = {}
    for matte_id in matte_ids:
        found = matte(matte_id)
        groups.setdefault(found.style, []).append(found)
    return list(groups.items())
