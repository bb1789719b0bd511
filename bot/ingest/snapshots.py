"""Local copies of the reading list: `<id>.<ext>` beside `<id>.meta.json` in the pack."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

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


def snapshot_status(snapshots_dir: Path, source: Source) -> tuple[str, SnapshotMeta | None]:
    """'present' with its metadata, or 'missing'."""
    meta = read_meta(snapshots_dir, source.id)
    if meta and (snapshots_dir / meta.file).exists():
        return "present", meta
    return "missing", None
