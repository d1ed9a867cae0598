"""needle_example.py's check: the number as a whole number, not a prefix of a longer one."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import needle_example  # noqa: E402


def test_the_number_must_stand_alone():
    assert needle_example.kept("The number is 4829173.")
    assert needle_example.kept("4829173")
    assert not needle_example.kept("The number is 48291732.")
    assert not needle_example.kept("The number is 14829173")
    assert not needle_example.kept("The number is 4899.")
