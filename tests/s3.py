"""A throwaway S3-compatible server for the tests: moto's standalone server (`moto_server`, from PyPI), started
as its own process on a free port, so that the S3 photo store is tested over real HTTP, as against MinIO."""
from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3

from tests.pg import free_port

ACCESS_KEY = "tk-test-key"
SECRET_KEY = "tk-test-secret"
REGION = "eu-north-1"
_buckets = itertools.count()


class ThrowawayS3:
    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkdtemp(prefix="tk-s3-")) / "moto.log"
        self.reason = ""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _command(self) -> list[str] | None:
        beside = Path(sys.executable).with_name("moto_server")
        if beside.exists():
            return [str(beside)]
        found = shutil.which("moto_server")
        return [found] if found else None

    def start(self, deadline_seconds: float = 60) -> bool:
        command = self._command()
        if command is None:
            self.reason = "moto_server is not installed (pip install 'moto[server]', see requirements.txt)"
            return False
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([*command, "-H", "127.0.0.1", "-p", str(self.port)],
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.reason = f"moto_server exited: {self.log.read_text(errors='replace')[-500:]}"
                return False
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2):
                    return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)  # polling for readiness, bounded by the deadline
        self.reason = "moto_server did not answer within a minute"
        self.stop()
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.log.parent, ignore_errors=True)

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY)

    def new_bucket(self) -> str:
        name = f"tk-photos-{next(_buckets)}"
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def keys(self, bucket: str) -> list[str]:
        answer = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def config(self, bucket: str, prefix: str = "photos") -> dict:
        """The app's settings for a store in this bucket."""
        return {"PHOTO_STORE": "s3", "S3_ENDPOINT_URL": self.endpoint, "S3_BUCKET": bucket, "S3_PREFIX": prefix,
                "S3_REGION": REGION, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
