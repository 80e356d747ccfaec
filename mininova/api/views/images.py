"""Image views for Nova's image proxy (/v2.1/images)."""
from mininova.api.views import isotime
from mininova.api.views import links


def basic(base_url: str, image) -> dict:
    return {"id": image.id, "name": image.name, "links": links(base_url, "images", image.id)}


def show(base_url: str, image) -> dict:
    return {**basic(base_url, image), "status": image.status.upper(),
            "created": isotime(image.created_at),
            "updated": isotime(image.updated_at or image.created_at),
            "minDisk": image.min_disk, "minRam": image.min_ram, "progress": 100,
            "metadata": {}, "OS-EXT-IMG-SIZE:size": image.size}
