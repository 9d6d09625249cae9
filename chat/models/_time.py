from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC timestamp: SQLite keeps no zone, so every column is UTC by convention."""
    return datetime.now(UTC).replace(tzinfo=None)
