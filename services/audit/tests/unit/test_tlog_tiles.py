"""tlog-tiles path encoding, tile availability and entry bundles."""

import pytest

from tatamutasi_audit.ledger.tiles import (
    TilePathError,
    TileRef,
    bundles_for_size,
    decode_bundle,
    encode_bundle,
    encode_index,
    parse_index_and_width,
    parse_level,
    tile_for_request,
    tiles_for_size,
)


@pytest.mark.parametrize(
    ("n", "path"),
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_encoding_round_trips(n: int, path: str) -> None:
    assert encode_index(n) == path
    assert parse_index_and_width(path.split("/")) == (n, 256)


def test_partial_tile_paths() -> None:
    assert TileRef(0, 1234067, 12).path() == "tile/0/x001/x234/067.p/12"
    assert TileRef(-1, 3, 256).path() == "tile/entries/003"
    assert parse_index_and_width(["x001", "067.p", "12"]) == (1067, 12)


@pytest.mark.parametrize(
    "parts",
    [
        [],
        ["5"],
        ["0005"],
        ["x001"],
        ["001", "002"],
        ["x000", "001"],
        ["001.p", "0"],
        ["001.p", "256"],
        ["001.p", "012"],
        ["001.p", "x"],
        ["abc"],
        ["x01", "001"],
    ],
)
def test_malformed_tile_indexes_are_rejected(parts: list[str]) -> None:
    with pytest.raises(TilePathError):
        parse_index_and_width(parts)


@pytest.mark.parametrize("level", ["", "00", "64", "-1", "a"])
def test_malformed_levels_are_rejected(level: str) -> None:
    with pytest.raises(TilePathError):
        parse_level(level)


def test_tiles_exist_only_within_the_tree() -> None:
    assert tile_for_request(0, 0, 256, 300) == TileRef(0, 0, 256)
    assert tile_for_request(0, 1, 44, 300) == TileRef(0, 1, 44)
    assert tile_for_request(0, 1, 10, 300) == TileRef(0, 1, 10)  # a smaller prefix is fine
    assert tile_for_request(0, 1, 45, 300) is None
    assert tile_for_request(0, 1, 256, 300) is None  # not full yet
    assert tile_for_request(1, 0, 1, 300) == TileRef(1, 0, 1)
    assert tile_for_request(1, 0, 2, 300) is None
    assert tile_for_request(-1, 1, 44, 300) == TileRef(-1, 1, 44)


def test_every_tile_of_a_tree() -> None:
    assert tiles_for_size(0) == []
    assert tiles_for_size(3) == [TileRef(0, 0, 3)]
    assert tiles_for_size(300) == [TileRef(0, 0, 256), TileRef(0, 1, 44), TileRef(1, 0, 1)]
    assert bundles_for_size(300) == [TileRef(-1, 0, 256), TileRef(-1, 1, 44)]


def test_entry_bundles_are_uint16_length_prefixed() -> None:
    data = encode_bundle([b"ab", b"", b"xyz"])
    assert data == b"\x00\x02ab\x00\x00\x00\x03xyz"
    assert decode_bundle(data) == [b"ab", b"", b"xyz"]
    with pytest.raises(ValueError):
        decode_bundle(b"\x00\x05ab")
    with pytest.raises(ValueError):
        decode_bundle(b"\x00")
    with pytest.raises(ValueError):
        encode_bundle([bytes(70000)])
