"""Where photo files live: on local disk (one server) or in an S3-compatible object store (MinIO, Ceph, AWS; more
than one server). The one place that reads, writes and deletes them.

Each photo is two files, `<stem>.jpg` (display) and `<stem>_t.jpg` (thumbnail), named `ab/<stem>…` under the
store's root (a folder, or a bucket and prefix). A stem is never reused: a redaction writes new files under a new
stem and deletes the old ones, so a file's content never changes under its name.

A store that cannot be written (a read-only or full disk, an unreachable bucket) raises PhotoStoreUnavailable,
and leaves nothing half-written: no temporary file, no display without its thumbnail."""
from __future__ import annotations

import os
import secrets
import shutil
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterator, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

SIZES = ("display", "thumb")


class PhotoStoreUnavailable(Exception):
    """The photo store cannot be written or read right now; nothing was stored."""


class StoredPhoto(Protocol):
    display: bytes
    thumbnail: bytes


def name_for(stem: str, size: str = "display") -> str:
    """The file's name relative to the store's root."""
    suffix = "_t.jpg" if size == "thumb" else ".jpg"
    return f"{stem[:2]}/{stem}{suffix}"


def stem_of(name: str) -> str | None:
    """The stem a stored name belongs to, or None for anything that is not a photo file (e.g. a leftover)."""
    base = name.rsplit("/", 1)[-1]
    if base.startswith(".") or not base.endswith(".jpg"):
        return None
    return base[:-4].removesuffix("_t")


def is_temporary(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") and base.endswith(".tmp")


class PhotoStore(ABC):
    """What every store does. `name` arguments are names relative to the root (see name_for)."""

    def new_stem(self) -> str:
        return secrets.token_hex(16)

    # The primitives a store implements.
    @abstractmethod
    def get(self, name: str) -> bytes | None:
        """The file's bytes, or None if there is no such file."""

    @abstractmethod
    def put(self, name: str, content: bytes) -> None:
        """Write a whole file at once (never visible half-written). Raises PhotoStoreUnavailable."""

    @abstractmethod
    def remove(self, name: str) -> None:
        """Delete a file; a missing file is fine. Raises PhotoStoreUnavailable."""

    @abstractmethod
    def names(self) -> Iterator[str]:
        """Every file in the store (photo files and leftovers), for doctor and backup."""

    @abstractmethod
    def health_check(self) -> None:
        """Write and delete a small probe; raises PhotoStoreUnavailable when the store cannot be written."""

    @abstractmethod
    def describe(self) -> str:
        """Where the photos are, for operators (no secrets)."""

    # The photo operations, the same for every store.
    def read(self, stem: str, size: str = "display") -> bytes | None:
        return self.get(name_for(stem, size))

    def save(self, stem: str, photo: StoredPhoto) -> None:
        """Both files or neither."""
        try:
            self.put(name_for(stem), photo.display)
            self.put(name_for(stem, "thumb"), photo.thumbnail)
        except PhotoStoreUnavailable:
            try:
                self.discard(stem)
            except PhotoStoreUnavailable:
                pass  # nothing could be written either; doctor finds what a crash might leave
            raise

    def discard(self, stem: str) -> None:
        for size in SIZES:
            self.remove(name_for(stem, size))

    def exists(self, stem: str) -> bool:
        return all(self.has(name_for(stem, size)) for size in SIZES)

    def has(self, name: str) -> bool:
        return self.get(name) is not None

    def list_stems(self) -> set[str]:
        return {stem for stem in map(stem_of, self.names()) if stem}


class DiskPhotoStore(PhotoStore):
    """Photo files on local disk, two levels deep so no folder grows huge."""

    def __init__(self, root: str | Path, min_free_bytes: int = 0):
        self.root = Path(root)
        # Less free space than this and /healthz says the store fails: a report's photos would not fit (a small
        # probe still would, so writing one proves nothing on an almost full disk).
        self.min_free_bytes = min_free_bytes

    def describe(self) -> str:
        return f"disk {self.root}"

    def path(self, stem: str, size: str = "display") -> Path:
        """The file's path on disk (for tests and operators; the service reads through the store)."""
        return self.root / name_for(stem, size)

    def get(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise PhotoStoreUnavailable(f"cannot read {name}: {exc.strerror}") from exc

    def has(self, name: str) -> bool:
        return (self.root / name).is_file()

    def put(self, name: str, content: bytes) -> None:
        path = self.root / name
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)  # a full disk leaves a partial temporary file: remove it
            except OSError:
                pass
            raise PhotoStoreUnavailable(f"cannot write {name}: {exc.strerror or exc}") from exc

    def remove(self, name: str) -> None:
        try:
            (self.root / name).unlink()
        except (FileNotFoundError, NotADirectoryError):
            pass
        except OSError as exc:
            raise PhotoStoreUnavailable(f"cannot delete {name}: {exc.strerror}") from exc

    def names(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                yield path.relative_to(self.root).as_posix()

    def health_check(self) -> None:
        probe = f".probe-{secrets.token_hex(4)}.tmp"
        self.put(probe, b"probe")
        self.remove(probe)
        if self.min_free_bytes and shutil.disk_usage(self.root).free < self.min_free_bytes:
            raise PhotoStoreUnavailable(f"less than {self.min_free_bytes // 2**20} MB free under {self.root}")


class S3PhotoStore(PhotoStore):
    """Photo files as objects in an S3-compatible bucket, under an optional prefix."""

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str = "", region: str = "",
                 access_key: str = "", secret_key: str = ""):
        if not bucket:
            raise ValueError("PHOTO_STORE=s3 needs S3_BUCKET")
        self.bucket = bucket
        self.prefix = (prefix.strip("/") + "/") if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url or None
        self.client = boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=region or None,
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            # Fail fast: a request waits on the store, and an outage should answer 503, not hang.
            config=Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 3, "mode": "standard"}))

    def describe(self) -> str:
        return f"s3 {self.endpoint_url or 'AWS'} bucket {self.bucket} prefix '{self.prefix}'"

    def get(self, name: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
            return answer["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None
        except (BotoCoreError, ClientError) as exc:
            raise PhotoStoreUnavailable(f"cannot read {name}: {exc}") from exc

    def has(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + name)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise PhotoStoreUnavailable(f"cannot read {name}: {exc}") from exc
        except (BotoCoreError, ClientError) as exc:
            raise PhotoStoreUnavailable(f"cannot read {name}: {exc}") from exc

    def put(self, name: str, content: bytes) -> None:
        try:  # an object appears whole or not at all
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=content,
                                   ContentType="image/jpeg" if name.endswith(".jpg") else "application/octet-stream")
        except (BotoCoreError, ClientError) as exc:
            raise PhotoStoreUnavailable(f"cannot write {name}: {exc}") from exc

    def remove(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)
        except (BotoCoreError, ClientError) as exc:
            raise PhotoStoreUnavailable(f"cannot delete {name}: {exc}") from exc

    def names(self) -> Iterator[str]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix):]
        except (BotoCoreError, ClientError) as exc:
            raise PhotoStoreUnavailable(f"cannot list the bucket: {exc}") from exc

    def health_check(self) -> None:
        probe = f".probe-{secrets.token_hex(4)}.tmp"
        self.put(probe, b"probe")
        self.remove(probe)


def make_store(config) -> PhotoStore:
    """The store the settings ask for (PHOTO_STORE: disk or s3)."""
    kind = (config.get("PHOTO_STORE") or "disk").strip().lower()
    if kind == "disk":
        return DiskPhotoStore(config["MEDIA_DIR"], int(config.get("PHOTO_STORE_MIN_FREE_MB", 64)) * 2**20)
    if kind == "s3":
        return S3PhotoStore(config.get("S3_BUCKET", ""), prefix=config.get("S3_PREFIX", ""),
                            endpoint_url=config.get("S3_ENDPOINT_URL", ""), region=config.get("S3_REGION", ""),
                            access_key=config.get("AWS_ACCESS_KEY_ID", ""),
                            secret_key=config.get("AWS_SECRET_ACCESS_KEY", ""))
    raise ValueError(f"PHOTO_STORE must be disk or s3, not {kind!r}")
