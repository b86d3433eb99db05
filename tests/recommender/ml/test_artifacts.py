import numpy as np
import pytest

from recommender.ml.artifacts import (
    load_array,
    load_json,
    save_array,
    save_json,
    write_artifact_dir,
)


def test_write_artifact_dir_publishes_a_complete_directory(tmp_path):
    def write(directory):
        save_json(directory / "params.json", {"factors": 4})

    final = write_artifact_dir(tmp_path, "v1", write)

    assert final == tmp_path / "v1"
    assert load_json(final / "params.json") == {"factors": 4}
    assert [path.name for path in tmp_path.iterdir()] == ["v1"]


def test_a_failing_writer_leaves_nothing_behind(tmp_path):
    def write(directory):
        save_json(directory / "params.json", {})
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        write_artifact_dir(tmp_path, "v1", write)

    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_never_replaced(tmp_path):
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "keep").write_text("x")

    with pytest.raises(FileExistsError):
        write_artifact_dir(tmp_path, "v1", lambda directory: None)

    assert [path.name for path in (tmp_path / "v1").iterdir()] == ["keep"]


def test_arrays_round_trip_memory_mapped_and_read_only(tmp_path):
    save_array(tmp_path / "ids.npy", np.asarray(["a", "bc"], dtype=str))

    loaded = load_array(tmp_path / "ids.npy", mmap=True)

    assert isinstance(loaded, np.memmap)
    assert loaded.tolist() == ["a", "bc"]
    with pytest.raises(ValueError, match="read-only"):
        loaded[0] = "z"


def test_object_arrays_are_refused(tmp_path):
    with pytest.raises(TypeError, match="pickle"):
        save_array(tmp_path / "ids.npy", np.array([1, "a"], dtype=object))

    assert not (tmp_path / "ids.npy").exists()
