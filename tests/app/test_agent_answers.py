"""What the agent offers as answers (``agent.answers``): the kind a question asks for, and of
the spans of that kind only those that fit what it implies (a unit, a currency, a country, a
clock time) and sit nearest its words."""

from __future__ import annotations

from lkv_app.agent.answers import answer_kind, candidates
from lkv_app.agent.text import coverage

HOURS = "On weekdays it stays open from 9:00 to 20:00."
SOUP = "The canteen sells about 140 bowls of this soup each Friday, at 4.50 euros a bowl."
BATTERY = "Battery: 40 Wh pack, enough for about 95 minutes of walking."
CHANNEL = "The dredging cost 18.5 million euros and left the channel 14 metres deep."
CARGO = [
    "The port handled 4.2 million tonnes of cargo in 2025.",
    "Container traffic grew fastest: 212,000 containers crossed the quays.",
]
MAKER = "The robot is built by Corvid Robotics, a company based in Tampere, Finland."


def test_the_kind_follows_the_noun_after_which_or_what():
    assert answer_kind("What night temperature was kept?") == "amount"
    assert answer_kind("Which company built the robot?") == "name"
    assert answer_kind("In which country is the company?") == "country"
    assert answer_kind("What does the robot weigh?") == "amount"
    assert answer_kind("Until what time is it open?") == "date"
    assert answer_kind("Which one?") == "any"


def test_a_clock_time_is_one_candidate_and_until_asks_for_the_end_of_a_range():
    assert candidates([HOURS], "Until what time is the library open on weekdays?") == ["20:00"]
    assert candidates([HOURS], "At what time does the library open on weekdays?") == ["9:00"]


def test_a_price_is_a_sum_in_a_currency():
    assert candidates([SOUP], "How much does a bowl of soup cost?") == ["4.50 euros"]
    assert candidates([SOUP], "How many bowls of soup does the canteen sell?") == ["140 bowls"]


def test_the_unit_of_the_quantity_asked_decides_among_numbers():
    assert candidates([BATTERY], "How long does the battery last?") == ["95 minutes"]
    assert candidates([CHANNEL], "How deep is the channel after the dredging?") == ["14 metres"]
    assert candidates(CARGO, "How many containers crossed the quays?") == ["212,000 containers"]
    weight = ["Weight: 11.5 kilograms. Waterproof to a depth of 3 metres."]
    assert candidates(weight, "What does the Marten R3 weigh?") == ["11.5 kilograms"]
    # "weigh" meets "Weight": the sentence covers the question
    assert coverage("What does it weigh?", weight, weight) == 1.0


def test_a_country_is_preferred_when_one_is_asked_for():
    assert candidates([MAKER], "In which country is the company that built the robot?") == [
        "Finland"
    ]
    # the answer's kind need not be in the text; held, it counts
    assert coverage("In which country is Corvid Robotics?", [MAKER], [MAKER]) == 1.0
    funded = ["The trial was funded by the Nordic Horticulture Fund."]
    assert coverage("Which fund paid for the trial?", funded, funded) > 0.5
