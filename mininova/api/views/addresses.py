"""A server's addresses as Nova shows them: per network name, each address with its
version, and in server views its type and MAC (OS-EXT-IPS, OS-EXT-IPS-MAC)."""


def _address(vif: dict, extended: bool) -> dict:
    address = {"version": vif["version"], "addr": vif["address"]}
    if extended:
        address["OS-EXT-IPS:type"] = "fixed"
        address["OS-EXT-IPS-MAC:mac_addr"] = vif["mac"]
    return address


def index(network_info: list[dict], extended: bool = False) -> dict[str, list[dict]]:
    """{network name: [address, ...]} in allocation order."""
    addresses: dict[str, list[dict]] = {}
    for vif in network_info or []:
        addresses.setdefault(vif["network_name"], []).append(_address(vif, extended))
    return addresses


def show(network_info: list[dict], label: str) -> dict[str, list[dict]] | None:
    """{label: [address, ...]} for GET /servers/{id}/ips/{label}; None for a network
    the server is not on."""
    return {label: index(network_info)[label]} if label in index(network_info) else None
