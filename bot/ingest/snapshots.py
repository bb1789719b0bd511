"""Local copies of the reading list: `<id>.<ext>` beside `<id>.meta.json` in the pack."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.ingest.messages import message
from bot.registry import Format, Source

EXTENSIONS: dict[Format, str] = {
    Format.wordpress_json: "wp.json",
    Format.html: "html",
    Format.pdf: "pdf",
    Format.markdown: "md",
    Format.text: "txt",
}


@dataclass(frozen=True)
class SnapshotMeta:
    """What is known of a stored copy: where it came from, when, and its hash."""

    source_id: str
    url: str
    fetched_at: str
    sha256: str
    content_type: str
    bytes: int
    file: str
    origin: str = "fetch"  # "fetch" | "shared" (copied unchanged from a provided file)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshot_path(snapshots_dir: Path, source: Source) -> Path:
    return snapshots_dir / f"{source.id}.{EXTENSIONS[source.format]}"


def meta_path(snapshots_dir: Path, source_id: str) -> Path:
    return snapshots_dir / f"{source_id}.meta.json"


def read_meta(snapshots_dir: Path, source_id: str) -> SnapshotMeta | None:
    """The snapshot's metadata, or None when the source has no snapshot yet."""
    path = meta_path(snapshots_dir, source_id)
    if not path.exists():
        return None
    try:
        return SnapshotMeta(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file and rename, so a crash never leaves half a snapshot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; snapshots are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_snapshot(
    snapshots_dir: Path,
    source: Source,
    data: bytes,
    content_type: str,
    origin: str = "fetch",
) -> tuple[SnapshotMeta, bool]:
    """Store a copy; return its metadata and whether it changed the stored bytes."""
    digest = sha256_bytes(data)
    old = read_meta(snapshots_dir, source.id)
    path = snapshot_path(snapshots_dir, source)
    if old and old.sha256 == digest and path.exists():
        return old, False
    meta = SnapshotMeta(
        source_id=source.id,
        url=source.url,
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        sha256=digest,
        content_type=content_type,
        bytes=len(data),
        file=path.name,
        origin=origin,
    )
    _atomic_write(path, data)
    _atomic_write(
        meta_path(snapshots_dir, source.id),
        (json.dumps(asdict(meta), indent=2) + "\n").encode("utf-8"),
    )
    return meta, True


class SnapshotError(ValueError):
    """A snapshot that must not be indexed: outside its folder, or not the bytes fetched."""


def snapshot_file(snapshots_dir: Path, meta: SnapshotMeta) -> Path:
    """The snapshot's path; refuses a `file` that leads out of the snapshots folder.

    The metadata is data from the pack, not code: '../../etc/passwd' or a symlink out of the
    folder must never get a file of the machine indexed and quoted.
    """
    folder = snapshots_dir.resolve()
    path = (folder / meta.file).resolve()
    if not path.is_relative_to(folder) or path == folder:
        raise SnapshotError(message("snapshot_outside", file=meta.file))
    return path


def verified_snapshot(snapshots_dir: Path, meta: SnapshotMeta, max_bytes: int) -> Path:
    """The snapshot's path once its bytes match the recorded sha256 (files over `max_bytes`
    are left to the loader, which refuses them by size)."""
    path = snapshot_file(snapshots_dir, meta)
    if path.stat().st_size <= max_bytes:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != meta.sha256:
            raise SnapshotError(
                message("snapshot_changed", meta=meta_path(snapshots_dir, meta.source_id).name)
            )
    return path


def snapshot_status(snapshots_dir: Path, source: Source) -> tuple[str, SnapshotMeta | None]:
    """'present' with its metadata, or 'missing' (a file outside the folder counts as missing)."""
    meta = read_meta(snapshots_dir, source.id)
    if meta is None:
        return "missing", None
    try:
        present = snapshot_file(snapshots_dir, meta).exists()
    except SnapshotError:
        present = False
    return ("present", meta) if present else ("missing", None)
