"""The host CPU as libvirt's getCapabilities() describes it, in Nova's cpu_info shape.

The compute host stores it (JSON) in compute_nodes.cpu_info; os-hypervisors shows it
(a string below microversion 2.28, an object from 2.28).
"""
from xml.etree import ElementTree


def _topology(cpu: ElementTree.Element, host: ElementTree.Element) -> dict:
    """The <cpu><topology> libvirt reports, else one counted from the NUMA cells."""
    topo = cpu.find("topology")
    if topo is not None:
        return {key: int(topo.get(key, 1)) for key in ("sockets", "cores", "threads")} | {
            "cells": len(host.findall("topology/cells/cell")) or 1}
    cpus = host.findall("topology/cells/cell/cpus/cpu")
    if not cpus:
        return {}
    sockets = {c.get("socket_id") for c in cpus}
    cores = {(c.get("socket_id"), c.get("core_id")) for c in cpus}
    return {"cells": len(host.findall("topology/cells/cell")), "sockets": len(sockets),
            "cores": len(cores) // len(sockets), "threads": len(cpus) // len(cores)}


def cpu_info(capabilities_xml: str) -> dict:
    """arch, model, vendor, topology and feature names of the host CPU."""
    host = ElementTree.fromstring(capabilities_xml).find("host")
    cpu = host.find("cpu") if host is not None else None
    if cpu is None:
        return {}
    return {
        "arch": cpu.findtext("arch"),
        "model": cpu.findtext("model"),
        "vendor": cpu.findtext("vendor"),
        "topology": _topology(cpu, host),
        "features": sorted(feature.get("name") or feature.tag
                           for feature in cpu.iter() if _is_feature(cpu, feature)),
    }


def _is_feature(cpu: ElementTree.Element, element: ElementTree.Element) -> bool:
    """<feature name=.../> (real hosts) or the bare flags under <features> (test driver)."""
    if element.tag == "feature":
        return element.get("policy", "require") != "disable"
    features = cpu.find("features")
    return features is not None and element in list(features)
