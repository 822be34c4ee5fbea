"""Sources as plug-ins: the registry a source app declares itself to, the import
record every source shares, and the machinery that takes a source's picture to the
TVs (docs/sources.md). Nothing here imports a source."""
