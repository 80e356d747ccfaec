"""KeyPair objects over the database, and the Instance fields that carry a key pair."""
import pytest

from mininova import exception
from mininova import objects

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGNfLNrpsA5mGZFPxbj5tyqyILHsZqDyyAgoKeNdWG5y u@h"


def _keypair(ctxt, name: str, user_id: str = "alice"):
    keypair = objects.KeyPair(ctxt, name=name, user_id=user_id, type="ssh",
                              public_key=KEY, fingerprint="aa:bb")
    keypair.create()
    return keypair


def test_created_key_pair_reads_back_with_its_times(db, ctxt):
    created = _keypair(ctxt, "k1")
    found = objects.KeyPair.get_by_name(ctxt, "alice", "k1")
    assert (found.id, found.public_key, found.type) == (created.id, KEY, "ssh")
    assert found.created_at is not None and found.updated_at is None


def test_names_are_unique_per_user_and_deletes_are_final(db, ctxt):
    _keypair(ctxt, "k1")
    with pytest.raises(exception.KeyPairExists):
        _keypair(ctxt, "k1")
    _keypair(ctxt, "k1", user_id="bob")
    objects.KeyPair.destroy_by_name(ctxt, "alice", "k1")
    with pytest.raises(exception.KeypairNotFound):
        objects.KeyPair.get_by_name(ctxt, "alice", "k1")
    with pytest.raises(exception.KeypairNotFound):
        objects.KeyPair.destroy_by_name(ctxt, "alice", "k1")
    assert objects.KeyPair.get_by_name(ctxt, "bob", "k1").user_id == "bob"


def test_list_is_one_users_sorted_by_name_and_pages_by_name(db, ctxt):
    for name in ("b", "c", "a"):
        _keypair(ctxt, name)
    _keypair(ctxt, "a", user_id="bob")

    def names(**kwargs):
        return [kp.name for kp in objects.KeyPairList.get_by_user(ctxt, "alice", **kwargs)]

    assert names() == ["a", "b", "c"]
    assert names(limit=2) == ["a", "b"]
    assert names(marker="a") == ["b", "c"]
    assert names(limit=0) == []
    assert objects.KeyPairList.get_count_by_user(ctxt, "alice") == 3
    with pytest.raises(exception.MarkerNotFound):
        names(marker="z")


def test_instance_key_fields_are_left_out_for_a_1_1_peer():
    inst = objects.Instance(key_name="k1", key_data=KEY, display_name="vm")
    old = inst.obj_to_primitive(target_version="1.1")["mininova_object.data"]
    assert old == {"display_name": "vm"}
    latest = inst.obj_to_primitive()["mininova_object.data"]
    assert (latest["key_name"], latest["key_data"]) == ("k1", KEY)
