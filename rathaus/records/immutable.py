"""The error raised when a row that is written once (document version, journal entry, sealed decision) would change."""


class ImmutableRow(Exception):
    """A document version, journal entry or sealed decision was about to be changed: they are written once."""
