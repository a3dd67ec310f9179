"""Logger, Tracer and Metrics: created once per execution environment and imported everywhere.

Service name, namespace and log level come from POWERTOOLS_* variables set in the template's Globals.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
