"""The whole local stack: moto, the template's resources, workers, the gateway and the pollers.

    with LocalStack("template.yaml", port=0) as stack:   # port 0: a free port
        requests.get(f"{stack.base_url}/health")

Everything listens on 127.0.0.1 only - which is also why AWS_IAM routes accept unsigned requests.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import boto3
from botocore.config import Config

from trackhub_local.gateway import Gateway
from trackhub_local.moto_server import MotoServer
from trackhub_local.openapi import OpenApiSource
from trackhub_local.pollers import Pollers
from trackhub_local.resources import create_buckets, create_queues, create_tables
from trackhub_local.template import DEFAULT_STACK_NAME, Template, load_template
from trackhub_local.workers import DEFAULT_MAX_WORKERS, Invoker, LogSink

HOST = "127.0.0.1"


class LocalStack:
    def __init__(
        self,
        template_path: str | Path,
        port: int = 3000,
        *,
        stack_name: str = DEFAULT_STACK_NAME,
        parameters: Mapping[str, str] | None = None,
        log_file: str | Path | None = None,
        log_stream: IO[str] | None = None,
        max_workers_per_function: int = DEFAULT_MAX_WORKERS,
        time_scale: float = 1.0,
        env_overrides: Mapping[str, str] | None = None,
        function_env_overrides: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """
        port: the gateway's port on 127.0.0.1 (0 picks a free one; read it back from `port`).
        parameters: template parameter overrides (defaults come from the template).
        log_file / log_stream: where function logs go (default: stderr).
        time_scale: multiplies the queues' visibility timeouts for the SQS pollers (0.05 makes a 30 s
            timeout 2 s), so retries and dead-lettering can be observed quickly in tests.
        env_overrides / function_env_overrides: variables set in every / one function's workers.
        """
        if time_scale < 0:
            raise ValueError("time_scale must not be negative")
        self.template_path = Path(template_path).resolve()
        self.requested_port = port
        self.stack_name = stack_name
        self.parameters = dict(parameters or {})
        self.max_workers_per_function = max_workers_per_function
        self.time_scale = time_scale
        self.env_overrides = dict(env_overrides or {})
        self.function_env_overrides = {k: dict(v) for k, v in (function_env_overrides or {}).items()}
        self.sink = LogSink(stream=log_stream, path=log_file)
        self.moto: MotoServer | None = None
        self.invoker: Invoker | None = None
        self.gateway: Gateway | None = None
        self.pollers: Pollers | None = None
        self._template: Template | None = None
        self.table_names: dict[str, str] = {}
        self.queue_urls: dict[str, str] = {}

    # -- lifecycle

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.moto = MotoServer()
        self.moto.start()
        template = load_template(
            self.template_path,
            stack_name=self.stack_name,
            parameters=self.parameters,
            account_id=self.moto.account_id,
            queue_endpoint=self.moto.endpoint_url,
        )
        self._template = template
        self.table_names = create_tables(self.client("dynamodb"), template)
        self.queue_urls = create_queues(self.client("sqs"), template)
        self.bucket_names = create_buckets(self.client("s3"), template)
        # moto builds its SSM backend (with AWS's public parameters) on first use: seconds, under the
        # lock every request waits on. Paid here, not by a function's first call (a 504 on a busy
        # machine: its timeout runs while moto loads).
        self.client("ssm").describe_parameters(MaxResults=1)
        self.invoker = Invoker(
            template,
            endpoint_url=self.moto.endpoint_url,
            log_sink=self.sink,
            max_workers_per_function=self.max_workers_per_function,
            env_overrides=self.env_overrides,
            function_env_overrides=self.function_env_overrides,
        )
        self.gateway = Gateway(
            template,
            self.invoker,
            host=HOST,
            port=self.requested_port,
            openapi=OpenApiSource(self.template_path),
        )
        self.gateway.start()
        self.pollers = Pollers.from_template(
            template,
            self.invoker,
            sqs=self.client("sqs"),
            dynamodb=self.client("dynamodb"),
            streams=self.client("dynamodbstreams"),
            queue_urls=self.queue_urls,
            sink=self.sink,
            time_scale=self.time_scale,
            stream_records=self.moto.stream_records,
        )
        self.pollers.start()

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Return once the gateway accepts connections and moto answers; TimeoutError otherwise."""
        if self.gateway is None or self.moto is None:
            raise RuntimeError("start() the stack first")
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.gateway.port), timeout=1):
                    pass
                self.client("dynamodb").list_tables(Limit=1)
                return
            except Exception as exc:
                last_error = exc
                time.sleep(0.05)
        raise TimeoutError(f"local stack not ready after {timeout} s: {last_error}")

    def stop(self) -> None:
        """Stop pollers and the gateway, terminate every worker, shut moto down. Safe to call twice."""
        if self.pollers is not None:
            self.pollers.stop()
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        if self.invoker is not None:
            self.invoker.close()  # a poller waiting on a worker gets its answer (an error) now
        if self.pollers is not None:
            self.pollers.join(timeout=10)
            self.pollers = None
        self.invoker = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        self.sink.close()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what callers use

    @property
    def template(self) -> Template:
        if self._template is None:
            raise RuntimeError("start() the stack first")
        return self._template

    @property
    def port(self) -> int:
        if self.gateway is None:
            raise RuntimeError("the stack is not running")
        return self.gateway.port

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def endpoint_url(self) -> str:
        """moto's endpoint: the AWS_ENDPOINT_URL every function sees."""
        if self.moto is None:
            raise RuntimeError("the stack is not running")
        return self.moto.endpoint_url

    def client(self, service: str) -> Any:
        """A boto3 client for the stack's moto (tests use it to inspect tables and queues)."""
        return boto3.session.Session().client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=self.template.region if self._template else "us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
            config=Config(retries={"mode": "standard", "max_attempts": 3}),
        )
