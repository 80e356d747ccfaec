"""Request bodies of /images/{id}/metadata and /images/{id}/metadata/{key}: the same key
and value limits as a server's metadata (Nova shares one definition)."""
from mininova.api.schemas import server_metadata

# POST /images/{id}/metadata (merge) and PUT /images/{id}/metadata (replace all).
create = server_metadata.create
update_all = server_metadata.update_all

# PUT /images/{id}/metadata/{key}: exactly one item, the URL's key.
update = server_metadata.update
