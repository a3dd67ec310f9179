"""The project's template.yaml as the local stack reads it, parsed once per test process (~0.1 s)."""

from __future__ import annotations

import functools
from pathlib import Path

from trackhub_local.template import Template, load_template

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def project_template() -> Template:
    return load_template(ROOT / "template.yaml")


# Environment variable each function reads for a table, by the table's logical id in the template.
TABLE_ENV = {
    "TenancyTable": "TENANCY_TABLE_NAME",
    "EventsTable": "EVENTS_TABLE_NAME",
    "WebTrackingTable": "WEBTRACKING_TABLE_NAME",
    "WebhooksTable": "WEBHOOKS_TABLE_NAME",
    "CollectorTable": "COLLECTOR_TABLE_NAME",
    "StatementsTable": "STATEMENTS_TABLE_NAME",
    "XapiDocumentsTable": "XAPI_DOCUMENTS_TABLE_NAME",
}
# The same for the template's S3 buckets.
BUCKET_ENV = {
    "AttachmentsBucket": "ATTACHMENTS_BUCKET_NAME",
}
