"""Logger, Tracer and Metrics: created once per execution environment and imported everywhere.

Service name, namespace and log level come from POWERTOOLS_* variables set in the template's Globals.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
# Only what we call is patched: boto3's AWS calls and http.client (webhook deliveries). patch_all would
# also import and patch every other library X-Ray knows that happens to be installed (sqlite3, ...).
tracer = Tracer(patch_modules=("botocore", "httplib"))
metrics = Metrics()

# A request that fails before recording a business metric (a 401, a 404) still flushes; that is normal.
warnings.filterwarnings("ignore", message="No application metrics to publish")
