"""Load the BKN reference dumps (`reference/siasn/*.json`, DOMAIN.md §1.8) at run time.

Only the small code tables are read. A missing folder or file keeps the built-in table of
that kind; a file that is not the expected JSON shape is an error (it would silently weaken
validation otherwise)."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from tatamutasi_pegawai.domain.reference import BUILTIN, ReferenceTables

#: table attribute -> (file name, key field, name field)
FILES: dict[str, tuple[str, str]] = {
    "golongan": ("golonganPns.json", "nama"),
    "eselon": ("eselon.json", "nama"),
    "jenis_jabatan": ("jenisJabatan.json", "nama"),
    "kedudukan": ("kedudukanHukum.json", "nama"),
    "jenis_penugasan": ("jenisPenugasan.json", "nama"),
    "agama": ("agama.json", "nama"),
}


class ReferenceFileError(ValueError):
    pass


def _rows(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReferenceFileError(f"{path}: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) and "id" in r for r in data):
        raise ReferenceFileError(f"{path}: expected a JSON list of objects with an 'id'")
    return data


def load_reference(folder: Path | None) -> ReferenceTables:
    """The tables from `folder` where present, built-in otherwise."""
    if folder is None or not folder.is_dir():
        return BUILTIN
    return _load(folder.resolve())


@lru_cache(maxsize=4)
def _load(folder: Path) -> ReferenceTables:
    values: dict[str, Any] = {}
    loaded: list[str] = []
    for attr, (filename, name_field) in FILES.items():
        path = folder / filename
        if path.is_file():
            values[attr] = {str(r["id"]): str(r.get(name_field) or "") for r in _rows(path)}
            loaded.append(filename)
    hukuman = folder / "jenisHukuman.json"
    if hukuman.is_file():
        values["jenis_hukuman"] = {
            str(r["id"]): (str(r.get("nama") or ""), str(r.get("jenisTingkatHukumanId") or ""))
            for r in _rows(hukuman)
        }
        loaded.append(hukuman.name)
    pendidikan = folder / "pendidikan.json"
    if pendidikan.is_file():
        # tingkat ids used by the 28k-row education dump, named from the built-in table
        levels = dict(BUILTIN.tingkat_pendidikan)
        for r in _rows(pendidikan):
            level = str(r.get("tingkatPendidikanId") or "")
            if level:
                levels.setdefault(level, level)
        values["tingkat_pendidikan"] = levels
        loaded.append(pendidikan.name)
    if not loaded:
        return BUILTIN
    return ReferenceTables(**values, source=f"{folder} ({', '.join(loaded)})")
