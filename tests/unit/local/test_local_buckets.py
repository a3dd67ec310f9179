"""The local stack's S3 buckets: read from the template, referenced by functions, created in moto."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from trackhub_local.proxy import is_binary
from trackhub_local.resources import create_buckets
from trackhub_local.template import load_template

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      BinaryMediaTypes: [multipart~1mixed]
  FilesBucket:
    Type: AWS::S3::Bucket
  NamedBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: explicit-name
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/reader/
      Handler: app.lambda_handler
      Runtime: python3.11
      Environment:
        Variables:
          FILES_BUCKET_NAME: !Ref FilesBucket
          FILES_BUCKET_ARN: !GetAtt FilesBucket.Arn
"""


@pytest.fixture
def template_path(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return path


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


def test_buckets_get_lower_case_unique_names_or_their_bucket_name(template_path: Path) -> None:
    # Given a template with a generated and an explicitly named bucket, under a mixed-case stack name
    # When it is loaded
    template = load_template(template_path, stack_name="Track_Hub")
    # Then the generated name is a valid S3 name, unique per account (S3 names are global), and the
    # explicit one is kept
    assert {k: b.name for k, b in template.buckets.items()} == {
        "FilesBucket": "track-hub-filesbucket-123456789012",
        "NamedBucket": "explicit-name",
    }


def test_ref_and_arn_of_a_bucket_resolve_in_function_environments(template_path: Path) -> None:
    # Given a function whose environment references a bucket
    # When the template is loaded
    env = load_template(template_path, stack_name="hub").functions["Reader"].env
    # Then Ref is the bucket name and GetAtt Arn its ARN
    assert env["FILES_BUCKET_NAME"] == "hub-filesbucket-123456789012"
    assert env["FILES_BUCKET_ARN"] == "arn:aws:s3:::hub-filesbucket-123456789012"


def test_create_buckets_creates_every_template_bucket(template_path: Path, s3: Any) -> None:
    # Given the template's buckets
    template = load_template(template_path, stack_name="hub")
    # When they are created
    names = create_buckets(s3, template)
    # Then each exists in S3
    assert names == {"FilesBucket": "hub-filesbucket-123456789012", "NamedBucket": "explicit-name"}
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == set(names.values())


def test_create_buckets_outside_us_east_1_sets_the_location(template_path: Path) -> None:
    # Given a template loaded for another region
    template = load_template(template_path, stack_name="hub", region="eu-west-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        # When its buckets are created
        create_buckets(s3, template)
        # Then they live in that region
        assert s3.get_bucket_location(Bucket="explicit-name")["LocationConstraint"] == "eu-west-1"


def test_project_template_has_the_attachments_bucket(s3: Any) -> None:
    # Given the project's template
    template = load_template(ROOT / "template.yaml")
    # When its buckets are created
    names = create_buckets(s3, template)
    # Then the attachments bucket is among them and multipart/mixed reaches functions as binary
    assert "AttachmentsBucket" in names
    assert is_binary("multipart/mixed; boundary=x", b"plain text", template.apis["HubApi"].binary_media_types)
