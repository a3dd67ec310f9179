"""trackhub's Docker-free local stack: template.yaml run on moto, worker processes and an API Gateway.

Nothing here imports the domain package `trackhub`; handlers only ever run in worker processes.
See docs/local-stack.md.
"""
