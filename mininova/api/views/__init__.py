"""Response builders: turn objects into Nova-shaped JSON."""
import datetime


def isotime(value: datetime.datetime | None) -> str | None:
    """Nova's API time format: seconds precision, 'Z' for UTC."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def usage_time(value: datetime.datetime | None) -> str | None:
    """Nova's format for launched_at and action times: microseconds, no zone."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def links(base_url: str, collection: str, item_id: str) -> list[dict]:
    return [{"rel": "self", "href": f"{base_url}/v2.1/{collection}/{item_id}"},
            {"rel": "bookmark", "href": f"{base_url}/{collection}/{item_id}"}]
