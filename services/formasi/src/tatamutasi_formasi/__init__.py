"""The formasi service: units, jabatan, needs and bezetting derived from placements."""
