"""The retry schedule: seconds to wait after each failed attempt, the last step repeating.

WEBHOOK_RETRY_SCHEDULE="60,120,300" waits 60 s after the 1st failure, 120 s after the 2nd and 300 s
after every later one. Ten attempts in all (MAX_ATTEMPTS), as Ekademia promises.
"""

from __future__ import annotations

MAX_ATTEMPTS = 10
MAX_STEP_SECONDS = 43_200  # SQS ChangeMessageVisibility's ceiling (12 h)


def parse_schedule(text: str) -> tuple[int, ...]:
    """Comma-separated whole seconds, 0..43200 each, at least one; ValueError naming the bad step."""
    steps: list[int] = []
    for raw in text.split(","):
        token = raw.strip()
        if not token.isdigit() or int(token) > MAX_STEP_SECONDS:
            raise ValueError(
                f"WEBHOOK_RETRY_SCHEDULE: {token!r} is not a whole number of seconds "
                f"from 0 to {MAX_STEP_SECONDS}"
            )
        steps.append(int(token))
    return tuple(steps)


def delay_after(failed_attempt: int, schedule: tuple[int, ...]) -> int:
    """Seconds to wait after attempt number `failed_attempt` (1-based) failed."""
    return schedule[min(max(failed_attempt, 1), len(schedule)) - 1]
