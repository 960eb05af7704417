"""``dataset split``, ``merge`` and ``stats``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from detector.dataset.convert import merge_datasets, split_dataset
from detector.dataset.model import DatasetError, sha256_file, split_of
from detector.dataset.stats import SizeBucket, dataset_stats, size_bucket
from detector.dataset.validate import validate_dataset
from tests.detector.dataset.builders import label_files, yolo_dataset

IMAGES = {f"img-{seed}.png": f"{seed % 2} 0.5 0.5 0.2 0.2\n" for seed in range(12)}


def _splits(out: Path) -> dict[str, str]:
    """Image content hash → split, of a written dataset."""
    return {
        sha256_file(path): path.parent.name for path in sorted((out / "images").glob("*/*.png"))
    }


def test_split_is_deterministic_disjoint_and_independent_of_the_input_order(
    tmp_path: Path,
) -> None:
    everything_in_train = yolo_dataset(tmp_path / "a", {"train": IMAGES})
    reversed_and_in_val = yolo_dataset(tmp_path / "b", {"val": dict(reversed(IMAGES.items()))})
    split_dataset(everything_in_train, tmp_path / "one", 0.4)
    split_dataset(reversed_and_in_val, tmp_path / "two", 0.4)
    one, two = _splits(tmp_path / "one"), _splits(tmp_path / "two")
    assert one == two and len(one) == 12
    assert set(one.values()) == {"train", "val"}
    assert {digest: split_of(digest, 0.4) for digest in one} == one
    assert label_files(tmp_path / "one") == label_files(tmp_path / "two")
    assert validate_dataset(tmp_path / "one" / "data.yaml") == []


@pytest.mark.parametrize(
    ("digest", "share", "split"),
    [
        ("0" * 64, 0.2, "val"),
        ("3333333333333000" + "0" * 48, 0.2, "val"),
        ("3333333333334000" + "0" * 48, 0.2, "train"),
        ("f" * 64, 1.0, "val"),
        ("f" * 64, 0.99, "train"),
        ("0" * 64, 0.0, "train"),
    ],
)
def test_split_of_depends_on_the_hash_alone(digest: str, share: float, split: str) -> None:
    assert split_of(digest, share) == split


def test_merge_matches_classes_by_name_and_keeps_a_shared_image_once(tmp_path: Path) -> None:
    first = yolo_dataset(
        tmp_path / "a", {"train": {"x-1.png": "0 0.5 0.5 0.2 0.2\n"}}, names=("stall", "clutter")
    )
    second = yolo_dataset(
        tmp_path / "b",
        {
            "train": {
                "y-1.png": "0 0.5 0.5 0.4 0.4\n",
                "y-2.png": "0 0.5 0.5 0.2 0.2\n1 0.2 0.2 0.1 0.1\n",
            }
        },
        names=("clutter", "illegal_ad"),
    )
    report = merge_datasets([first, second], tmp_path / "merged")
    names = yaml.safe_load((tmp_path / "merged" / "data.yaml").read_text())["names"]
    assert names == {0: "stall", 1: "clutter", 2: "illegal_ad"}
    assert len(report.duplicates) == 1  # y-1 is x-1's picture: the first dataset's labels win
    labels = sorted(label_files(tmp_path / "merged").values())
    assert labels == sorted(
        [
            "0 0.500000 0.500000 0.200000 0.200000\n",
            "1 0.500000 0.500000 0.200000 0.200000\n2 0.200000 0.200000 0.100000 0.100000\n",
        ]
    )


def test_merge_and_split_refuse_a_folder_in_use(tmp_path: Path) -> None:
    data = yolo_dataset(tmp_path / "a", {"train": IMAGES})
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("mine")
    with pytest.raises(DatasetError, match="exists and is not an empty folder"):
        split_dataset(data, tmp_path / "used", 0.2)


def test_stats_counts_per_split_and_class(tmp_path: Path) -> None:
    data = yolo_dataset(
        tmp_path,
        {
            "train": {"a-1.png": "0 0.5 0.5 0.02 0.04\n0 0.5 0.5 0.9 0.9\n", "b-2.png": ""},
            "val": {"c-3.png": "1 0.5 0.5 0.2 0.4\n5 0.5 0.5 0.1 0.1\nbad\n", "d-4.png": None},
        },
    )
    train, val = dataset_stats(data).splits
    assert (train.images, train.without_labels, dict(train.instances)) == (2, 1, {"stall": 2})
    assert dict(train.sizes) == {SizeBucket.SMALL: 1, SizeBucket.LARGE: 1}
    assert (val.without_labels, val.unreadable) == (1, 1)
    assert dict(val.instances) == {"clutter": 1, "?5": 1}
    assert dict(val.images_with) == {"clutter": 1, "?5": 1}


@pytest.mark.parametrize(
    ("w", "h", "width", "height", "bucket"),
    [
        (0.04, 0.04, 640, 640, SizeBucket.SMALL),  # 25.6 px square
        (0.05, 0.05, 640, 640, SizeBucket.MEDIUM),  # 32 px: COCO's boundary is "under 32²"
        (0.05, 0.05, 1280, 1280, SizeBucket.MEDIUM),  # scaled to 640 first
        (0.15, 0.15, 640, 640, SizeBucket.LARGE),  # 96 px
        (0.04, 0.2, 1280, 320, SizeBucket.SMALL),  # long side 1280: 25.6 × 32 px at 640
    ],
)
def test_size_bucket(w: float, h: float, width: int, height: int, bucket: SizeBucket) -> None:
    assert size_bucket(w, h, width, height) is bucket
