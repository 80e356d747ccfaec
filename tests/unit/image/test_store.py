"""The image file store: streamed writes, their hashes, and no half-written files."""
import hashlib
import io

import pytest

from mininova.image import store


@pytest.fixture
def store_path(tmp_path, flags):
    path = tmp_path / "images"
    flags(store_path=str(path), group="image")
    return path


def test_write_streams_and_hashes(store_path):
    data = b"x" * (3 << 20) + b"tail"  # several chunks
    stored = store.write("img-1", io.BytesIO(data))
    assert stored.path == str(store_path / "img-1") == store.image_path("img-1")
    assert (store_path / "img-1").read_bytes() == data
    assert stored.size == len(data)
    assert stored.checksum == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert stored.os_hash_value == hashlib.sha512(data).hexdigest()
    assert list(store_path.iterdir()) == [store_path / "img-1"]


def test_copy_file_and_delete(store_path, tmp_path):
    source = tmp_path / "disk.raw"
    source.write_bytes(b"disk")
    stored = store.copy_file(str(source), "img-2")
    assert (store_path / "img-2").read_bytes() == b"disk"
    store.delete(stored.path)
    store.delete(stored.path)  # already gone is fine
    assert not (store_path / "img-2").exists()


def test_failed_write_leaves_nothing(store_path):
    class Broken(io.RawIOBase):
        def read(self, size=-1):
            raise OSError("connection reset")

    with pytest.raises(OSError):
        store.write("img-3", Broken())
    assert list(store_path.iterdir()) == []
