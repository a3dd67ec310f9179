"""The template's S3 buckets: private, encrypted, kept when the stack goes; multipart/mixed is binary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trackhub_local.template import load_yaml

ROOT = Path(__file__).resolve().parents[3]
DOC = load_yaml(ROOT / "template.yaml")
BUCKETS = {k: v for k, v in DOC["Resources"].items() if v.get("Type") == "AWS::S3::Bucket"}


def test_the_attachments_bucket_exists_with_an_output() -> None:
    # Given the template
    # When its buckets and outputs are read
    # Then the attachments bucket is there and its name is an output
    assert "AttachmentsBucket" in BUCKETS
    assert DOC["Outputs"]["AttachmentsBucketName"]["Value"] == {"Ref": "AttachmentsBucket"}


@pytest.mark.parametrize("name", sorted(BUCKETS))
def test_buckets_are_private_encrypted_and_retained(name: str) -> None:
    # Given a bucket of the template
    bucket: dict[str, Any] = BUCKETS[name]
    properties = bucket["Properties"]
    # When its properties are read
    block = properties["PublicAccessBlockConfiguration"]
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # Then public access is blocked, objects are encrypted, and the data outlives the stack
    assert all(
        block[k] is True
        for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )
    assert encryption[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"


def test_hub_api_passes_multipart_bodies_as_binary() -> None:
    # Given the hub's API
    # When its binary media types are read
    # Then multipart/mixed (xAPI attachments) is one of them
    assert "multipart/mixed" in DOC["Resources"]["HubApi"]["Properties"]["BinaryMediaTypes"]
