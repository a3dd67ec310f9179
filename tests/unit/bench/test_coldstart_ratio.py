"""The cold-start ratio pairs each sample with the floor sample taken just before it."""

from __future__ import annotations

import pytest

from bench.coldstart import ColdStart


def test_a_slow_moment_of_the_machine_slows_the_floor_beside_it_and_cancels() -> None:
    # Given a function whose second sample fell in a slow minute, as did the floor sample before it
    result = ColdStart(
        "F", samples=(0.25, 0.30, 0.26), cpu_samples=(0.25, 0.30, 0.26), paired_floor_cpu=(0.2, 0.24, 0.2)
    )
    # Then each sample is compared with its own floor (1.25, 1.25, 1.30): the median is 1.25,
    # where the run's medians alone (0.26 / 0.2) would say 1.30
    assert result.paired_ratio == pytest.approx(1.25)
    assert result.cpu_median / 0.2 == pytest.approx(1.30)


def test_every_sample_needs_its_floor() -> None:
    # Given samples without their floor samples / Then the ratio refuses to guess
    with pytest.raises(ValueError):
        _ = ColdStart("F", samples=(0.25,), cpu_samples=(0.25,), paired_floor_cpu=()).paired_ratio
