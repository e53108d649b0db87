"""C2SP tlog-tiles: tile coordinates, path encoding and entry bundles.

A hash tile at level L, index N holds the hashes of tree nodes at level 8·L with indices
[256·N, 256·N + W); W = 256 for a full tile, 1..255 for a partial one (`.p/W`). An entry
bundle `entries/N` holds entries [256·N, 256·N + W), each a big-endian uint16 length and the
entry bytes. Pure."""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_ENTRY_SIZE = 0xFFFF
MAX_LEVEL = 63

_ELEM = re.compile(r"^x[0-9]{3}$")
_LAST = re.compile(r"^[0-9]{3}$")
_WIDTH = re.compile(r"^[1-9][0-9]{0,2}$")
_LEVEL = re.compile(r"^(0|[1-9][0-9]?)$")


class TilePathError(ValueError):
    """A tile path is not in the canonical tlog-tiles form."""


@dataclass(frozen=True)
class TileRef:
    level: int  # tile level L (-1 for an entry bundle)
    index: int
    width: int  # 1..256

    @property
    def partial(self) -> bool:
        return self.width < TILE_WIDTH

    def path(self) -> str:
        head = "tile/entries" if self.level < 0 else f"tile/{self.level}"
        tail = f".p/{self.width}" if self.partial else ""
        return f"{head}/{encode_index(self.index)}{tail}"


def encode_index(n: int) -> str:
    """1234067 -> `x001/x234/067`; 5 -> `005`."""
    if n < 0:
        raise ValueError("tile index must not be negative")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def parse_index_and_width(parts: Sequence[str]) -> tuple[int, int]:
    """Path elements after the level (`x001`, `x234`, `067.p`, `12` ...) -> (index, width)."""
    parts = list(parts)
    if not parts:
        raise TilePathError("the tile index is missing")
    width = TILE_WIDTH
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        w = parts.pop()
        if not _WIDTH.match(w) or not 1 <= int(w) < TILE_WIDTH:
            raise TilePathError("a partial tile's width is 1..255")
        width = int(w)
        parts[-1] = parts[-1][: -len(".p")]
    *prefix, last = parts
    if not _LAST.match(last) or not all(_ELEM.match(p) for p in prefix):
        raise TilePathError("the tile index is written as x###/.../### (3-digit groups)")
    if prefix and prefix[0] == "x000":
        raise TilePathError("the tile index has a leading zero group")
    n = 0
    for p in [*(q[1:] for q in prefix), last]:
        n = n * 1000 + int(p)
    return n, width


def parse_level(text: str) -> int:
    if not _LEVEL.match(text) or int(text) > MAX_LEVEL:
        raise TilePathError("the tile level is a decimal number 0..63")
    return int(text)


def tile_for_request(level: int, index: int, width: int, size: int) -> TileRef | None:
    """The tile, if the tree of `size` leaves has it at that width (hash tiles: level >= 0;
    entry bundles: level -1). A full tile is served once complete; a partial one at any width
    up to the nodes that exist."""
    shift = 0 if level < 0 else TILE_HEIGHT * level
    nodes = size >> shift
    start = index * TILE_WIDTH
    if start + width > nodes:
        return None
    return TileRef(level, index, width)


def tile_node_range(ref: TileRef) -> tuple[int, int, int]:
    """(tree level, first node index, count) of a hash tile."""
    return TILE_HEIGHT * ref.level, ref.index * TILE_WIDTH, ref.width


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY_SIZE:
            raise ValueError(f"entry of {len(e)} bytes exceeds {MAX_ENTRY_SIZE}")
        out += len(e).to_bytes(2, "big") + e
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    return list(_iter_bundle(data))


def _iter_bundle(data: bytes) -> Iterator[bytes]:
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("truncated entry length in bundle")
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError("truncated entry in bundle")
        yield data[i + 2 : i + 2 + n]
        i += 2 + n


def tiles_for_size(size: int) -> list[TileRef]:
    """Every hash tile (full, or partial at its current width) of a tree of `size`."""
    out: list[TileRef] = []
    level = 0
    while True:
        nodes = size >> (TILE_HEIGHT * level)
        if nodes == 0:
            break
        full, rest = divmod(nodes, TILE_WIDTH)
        out += [TileRef(level, n, TILE_WIDTH) for n in range(full)]
        if rest:
            out.append(TileRef(level, full, rest))
        if nodes <= 1:
            break
        level += 1
    return out


def bundles_for_size(size: int) -> list[TileRef]:
    full, rest = divmod(size, TILE_WIDTH)
    out = [TileRef(-1, n, TILE_WIDTH) for n in range(full)]
    if rest:
        out.append(TileRef(-1, full, rest))
    return out
