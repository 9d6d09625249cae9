from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC timestamp: SQLite keeps no zone, so every column is UTC by convention."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
