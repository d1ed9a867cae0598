"""What the agent offers as answers (``agent.answers``): the kind a question asks for, and of
the spans of that kind only those that fit what it implies (a unit, a currency, a country, a
clock time) and sit nearest its words."""

from __future__ import annotations

import re

from lkv_app.agent import steps
from lkv_app.agent.answers import answer_kind, candidates, cell_header, shape_terms
from lkv_app.agent.mentions import unmentioned, vocabulary
from lkv_app.agent.steps import (
    answer_pattern,
    best_sentences,
    bridged,
    first_query,
    link,
    second_hop,
    split_clause,
)
from lkv_app.agent.text import coverage, follows, sentences, terms
from lkv_app.agent.tools import focus

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


def test_header_lines_list_items_and_table_rows_are_sentences_of_their_own():
    email = "From: Lars Nyland, teacher\nTo: all schools\nSubject: Fair 2026\n\nDear all,\nThanks."
    assert sentences(email)[:3] == [
        "From: Lars Nyland, teacher",
        "To: all schools",
        "Subject: Fair 2026",
    ]
    listed = "Departures\n- From Kestrel Bay: first sailing 06:45.\n- From Lindholm: 07:50."
    assert sentences(listed) == [
        "Departures",
        "- From Kestrel Bay: first sailing 06:45.",
        "- From Lindholm: 07:50.",
    ]
    table = "| Ticket | Price |\n|---|---|\n| Adult | 12 euros |\n| Student | 7 euros |"
    assert sentences(table)[1:] == [
        "Ticket: Adult | Price: 12 euros",
        "Ticket: Student | Price: 7 euros",
    ]
    # the student's row holds "student" and a price; the adult's only "ticket"
    assert candidates(sentences(table), "How much is a student ticket?")[0] == "7 euros"


def test_a_doubled_consonant_and_a_qualifying_adverb_do_not_hide_a_match():
    assert terms("the winning team") == terms("the team will win")
    lost = "About 95,000 litres of water were lost before the valves were shut."
    assert candidates([lost], "How many litres of water were lost?") == ["95,000 litres"]


def test_a_sentence_holding_what_the_question_implies_joins_the_answer_sentences():
    found = [
        (
            "fair.txt",
            "Subject: Science fair 2026: results and prize ceremony\n\n"
            "The prize ceremony will take place in the town library on 12 March at 18:00.",
        )
    ]
    q = "On what date is the prize ceremony of the science fair?"
    # the subject line covers the whole question but holds only a bare year
    assert best_sentences(found, q)[0].startswith("Subject:")
    assert re.fullmatch(answer_pattern(found, q), "12 March")
    assert not re.fullmatch(answer_pattern(found, q), "2026")
    log = [
        (
            "log.txt",
            "A main burst on Harbour Road, beside the ferry terminal. About 95,000 litres of "
            "water were lost before the valves were shut. Summary: 405,000 litres lost in all.",
        )
    ]
    q = "How many litres of water were lost in the burst on Harbour Road?"
    assert re.fullmatch(answer_pattern(log, q), "95,000 litres")


def test_a_title_belongs_to_the_name_and_a_past_form_meets_its_verb():
    curated = ["The exhibition was curated by Dr. Elin Strand, who led the dive survey."]
    assert candidates(curated, "Who curated the exhibition?") == ["Dr. Elin Strand"]
    sank = ["The schooner Polar Wren sank in the pack ice in 1911."]
    assert coverage("In what year did the Polar Wren sink?", sank, sank) == 1.0
    assert candidates(sank, "In what year did the Polar Wren sink?") == ["1911"]
    assert answer_kind("On which dates are the vaccinations given?") == "date"


INVOICE = """NORDMILL FLOUR AB                INVOICE
Kvarngatan 4, Umea, Sweden
Payment due:      7 February 2027

Item                     Qty   Unit price   Amount
Rye flour, 10 kg bag       4    14.50 EUR    58.00 EUR
Smoked paprika, 1 kg tin   2    21.00 EUR    42.00 EUR

VAT 12 %                               39.36 EUR
Late payment: interest of 8 % a year is charged after the due date."""


def test_a_plain_text_table_is_read_row_by_row_under_its_column_headers():
    assert sentences(INVOICE) == [
        "NORDMILL FLOUR AB INVOICE Kvarngatan 4, Umea, Sweden",  # a letterhead, not a header
        "Payment due: 7 February 2027",
        "Item | Qty | Unit price | Amount",
        "Item: Rye flour, 10 kg bag | Qty: 4 | Unit price: 14.50 EUR | Amount: 58.00 EUR",
        "Item: Smoked paprika, 1 kg tin | Qty: 2 | Unit price: 21.00 EUR | Amount: 42.00 EUR",
        "VAT 12 % | 39.36 EUR",
        "Late payment: interest of 8 % a year is charged after the due date.",
    ]
    # one space between words is prose, not columns
    assert sentences("The fee is 4 euros.  It is paid at the door.") == [
        "The fee is 4 euros.",
        "It is paid at the door.",
    ]


def test_a_currency_code_after_a_number_makes_it_a_sum_and_settles_a_tie():
    q = "How much VAT does the Nordmill Flour invoice charge?"
    assert candidates(["VAT 12 % | 39.36 EUR"], q) == ["39.36 EUR"]
    # "charge" and "VAT" each appear once: the tie goes to the sentence holding a sum
    picked = best_sentences([("invoice.txt", INVOICE)], q)
    assert "VAT 12 % | 39.36 EUR" in picked
    assert re.fullmatch(answer_pattern([("invoice.txt", INVOICE)], q), "39.36 EUR")


def test_the_nouns_of_a_question_that_no_document_mentions():
    vocab = vocabulary(
        ["The MS Alva is commanded by Captain Ingrid Solberg. Robots: 212,000 containers.", INVOICE]
    )
    assert unmentioned("Who is the chief executive of Nordmill Flour?", vocab) == {
        "chief",
        "executiv",
    }
    assert unmentioned("How much does a child's ticket cost?", vocab) == {"child", "ticket"}
    assert unmentioned("Who is the mayor of Tampere?", vocab) == {"mayor", "tamper"}
    # verbs, participles and the answer's frame are not what the question is about
    assert unmentioned("When does the first ferry leave?", vocab) == {"first", "ferry"} - vocab
    assert unmentioned("Which fund paid for the paprika?", vocab) == set()
    assert unmentioned("What is the number of containers?", vocab) == set()
    assert unmentioned("What colour is the MS Alva?", vocab) == set()  # the answer's kind
    assert unmentioned("Who commands the winning boat?", vocab) == {"boat"}
    assert unmentioned("Who is the mayor?", frozenset()) == set()  # no documents: no claim


NOTES = """# Robot firmware: release notes

## 2.6.0 (February 2025)
- New: the low-battery warning now sounds at 15 percent charge instead of 10 percent.

## 2.5.2 (October 2024)
- Fixed: the cameras lost focus after 40 minutes in cold water.

Questions go to the support desk at support@example-robotics.fi, open from 8:00 to 16:00.
"""


def test_a_list_item_under_a_section_heading_is_about_that_heading():
    sents = sentences(NOTES)
    assert (
        "2.5.2 (October 2024): - Fixed: the cameras lost focus after 40 minutes in cold water."
        in sents
    )
    assert sents[0] == "Robot firmware: release notes"  # a "# " title does not prefix
    question = "Which firmware version fixed the cameras losing focus in cold water?"
    assert answer_kind(question) == "version"
    assert candidates(best_sentences([("notes.md", NOTES)], question), question) == ["2.5.2"]


def test_an_address_is_one_candidate_and_only_when_one_is_asked():
    question = "What is the email address of the support desk?"
    assert answer_kind(question) == "address"
    assert candidates(sentences(NOTES)[-1:], question) == ["support@example-robotics.fi"]
    phone = "What is the phone number of the support desk?"
    assert "support@example-robotics.fi" not in candidates(sentences(NOTES)[-1:], phone)
    assert "support@example-robotics.fi" not in candidates(
        sentences(NOTES)[-1:], "When is the desk open?"
    )
    # the documents hold an email address without the words "email address"
    assert not unmentioned(question, vocabulary([NOTES]))
    assert unmentioned(
        "What is the email address of the support desk?", vocabulary(["No address here."])
    )


def test_at_what_asks_an_amount_and_a_number_word_is_a_number():
    question = "At what charge does the low-battery warning sound?"
    assert answer_kind(question) == "amount"
    battery = ["The warning sounds at 15 percent charge.", "The robot costs 48,000 euros."]
    assert candidates(battery, question) == ["15 percent"]  # "charge" here is no price
    assert candidates(battery, "How much does the shop charge for the robot?") == ["48,000 euros"]
    sent = "The north channel froze for nine days in January, the longest freeze since 2010."
    assert candidates([sent], "For how many days did the north channel freeze?") == ["nine days"]


def test_a_town_is_the_name_after_in_and_the_thing_asked_about_is_no_answer():
    sent = ["Skarsund Ferries is based in Vardholm and runs four routes along the coast."]
    assert candidates(sent, "In which town is the ferry company based?") == ["Vardholm"]
    named = ["It is a Marten R3, and the dock workers named it Otter. Can I come?"]
    assert candidates(named, "What did the dock workers name the port's Marten robot?") == ["Otter"]


TIMETABLE = """Island bus, line 7

stop,first bus,last bus,minutes from the quay
Ferry quay,06:10,22:15,0
Church square,06:14,22:19,4
North beach,06:32,22:37,22

Buses run every 30 minutes, and the ride is free, short, and warm.
"""


def test_a_comma_separated_table_is_read_row_by_row_under_its_header():
    sents = sentences(TIMETABLE)
    row = "Stop: Church square | first bus: 06:14 | last bus: 22:19 | minutes from the quay: 4"
    assert row in sents
    # rows joined into prose (as the tool results join them) read back as the same rows
    assert sentences(" ".join(s if s.endswith(".") else s + "." for s in sents)) == [
        s if s.endswith(".") else s + "." for s in sents
    ]
    assert "Buses run every 30 minutes, and the ride is free, short, and warm." in sents  # prose
    # wrapped prose with as many commas on each line is no table: a part of it is long
    prose = "We met, as planned, at noon in the square by the church.\n" * 3
    assert not any(" | " in sent for sent in sentences(prose))


def test_in_a_table_row_the_cell_whose_header_says_the_question_answers():
    def answers(question: str) -> list[str]:
        return candidates(best_sentences([("bus.txt", TIMETABLE)], question), question)

    assert answers("When does the last bus leave the Church square stop?") == ["22:19"]
    assert answers("When does the first bus leave Church square?") == ["06:14"]
    # the header names the unit: "22" is in minutes although the cell holds a bare number
    question = "How many minutes does the bus take from the quay to North beach?"
    assert answers(question) == ["22"]


def test_a_value_that_opens_another_cells_value_keeps_its_own_header():
    # a row as the tool results join it (a full stop at its end); "22" also opens "22:37"
    row = "Stop: North beach | first bus: 06:32 | last bus: 22:37 | minutes from the quay: 22."
    assert cell_header(row, "22") == "minutes from the quay"
    assert cell_header(row, "22:37") == "last bus"
    assert cell_header(row.replace(": 22.", ": about 22."), "22") == "minutes from the quay"
    question = "How many minutes does the bus take from the quay to North beach?"
    assert candidates([row], question) == ["22"]


def test_an_address_says_email_address_itself():
    """The sentence holding an email address need not say "email address": with the address
    offered, those words count as held; without one they still weigh (nothing is answered)."""
    question = "What is the email address of the support desk?"
    found = [("notes.md", NOTES)]
    assert shape_terms(question, ["support@example-robotics.fi"]) == terms("email address")
    assert shape_terms(question, ["8:00"]) == frozenset()
    assert shape_terms("What is the phone number of the desk?", ["a@b.fi"]) == frozenset()
    assert answer_pattern(found, question) == "^(" + re.escape("support@example-robotics.fi") + ")$"
    desk = "Questions go to the support desk, open from 8:00 to 16:00."
    assert answer_pattern([("notes.md", desk)], question) == "^unknown$"


MENU = """FERRY CAFE: WINTER MENU
Open 8:00-17:00, closed on Mondays.

Lunch (11:30-14:30)
  Reindeer burger with chips ............. 14.50
  Vegetable pie .......................... 9.80

All prices in euros.
"""


def test_a_dot_leader_joins_a_name_to_its_value_and_a_weekday_answers_which_day():
    sents = sentences(MENU)
    # each dotted line a unit of its own (not "14.50 Vegetable pie ....", the next item's)
    assert "Reindeer burger with chips: 14.50" in sents
    assert "Vegetable pie: 9.80" in sents
    assert "Lunch (11:30-14:30)" in sents
    prose = "We waited... then the ferry came.\nIt was late."
    assert sentences(prose) == ["We waited... then the ferry came.", "It was late."]
    pie = "What does the vegetable pie cost at the cafe?"
    assert candidates(best_sentences([("menu.txt", MENU)], pie), pie) == ["9.80"]
    day = "On which day of the week is the cafe closed?"
    assert candidates(sents[:2], day) == ["Mondays"]
    # a weekday answers "which day" only: "when" and "what time" take the clock time
    assert candidates(["The cafe opens on Sundays at 10:00."], "When does the cafe open?") == [
        "10:00"
    ]
    assert "Mondays" not in candidates(sents[:2], "What time does the cafe close?")


SETTINGS = """; Pier webcam: settings file
; kept by the IT desk of the port

[camera]
model = Vistara PX-40
installed = 9 September 2025

[night]
infrared_on = 17:30
infrared_off = 07:45
"""
CHAT = """Harbour crew chat, Saturday 14 March 2026

[07:31] Ola Nygaard: Fog lifting. MS Alva left the quay at 07:28, eighteen minutes late.
[08:05] Petra Lind: Crane Heron is down again.
"""
NEWSLETTER = """SAILING SCHOOL
The youth sailing school starts again on 2 May. The course
fee for eight lessons is 95 euros.
"""


def test_settings_files_chat_logs_and_capital_headings_split_into_their_own_units():
    sents = sentences(SETTINGS)
    # a setting is a field named after its section; comments are notes of their own
    assert "Night infrared off: 07:45" in sents
    assert "Camera model: Vistara PX-40" in sents
    assert sents[:2] == ["Pier webcam: settings file", "kept by the IT desk of the port"]
    off = "At what time does the webcam switch its infrared off?"
    assert candidates(best_sentences([("cam.txt", SETTINGS)], off), off) == ["07:45"]
    # "key = value" outside a settings file (no section above it) stays prose
    assert sentences("Let x = 5 in the formula.\nThen y = 3.") == [
        "Let x = 5 in the formula.",
        "Then y = 3.",
    ]
    # a chat's stamped message starts a unit: 07:28 is not run into the next message's time
    chat = sentences(CHAT)
    assert "MS Alva left the quay at 07:28, eighteen minutes late." in chat
    assert "[08:05] Petra Lind: Crane Heron is down again." in chat
    # a heading in capitals does not start the sentence below it
    assert sentences(NEWSLETTER)[:2] == [
        "SAILING SCHOOL",
        "The youth sailing school starts again on 2 May.",
    ]


def test_a_fee_asks_a_sum_and_which_evening_asks_a_day():
    fee = "What is the course fee of the youth sailing school?"
    assert answer_kind(fee) == "amount"
    sents = sentences(NEWSLETTER)
    assert candidates(sents, fee) == ["95 euros"]
    evening = "On which evening is the boat shed open to members?"
    assert answer_kind(evening) == "date"
    shed = ["The boat shed is open to members on Wednesday evenings from 18:00 to 21:00."]
    assert candidates(shed, evening) == ["Wednesday"]
    # a part of the day before a noun is no question for a day
    assert answer_kind("What night temperature was kept in the trial?") != "date"


def test_what_the_question_rules_out_is_never_offered():
    # a country never answers who; money never counts things that are no money
    assert candidates(["Corvid Robotics, Finland, built it."], "Who founded Corvid Robotics?") == []
    books = ["The library spent 40,000 euros on new books."]
    assert candidates(books, "How many books does the library hold?") == []
    assert candidates(books, "How much did the library spend on books?") == ["40,000 euros"]
    # "what time" asks a clock time, not a duration
    soup = ["The soup simmers for 40 minutes; the canteen opens at 11:30."]
    assert candidates(soup, "At what time does the canteen open?") == ["11:30"]
    assert candidates(soup[:1][0].split(";")[:1], "At what time does the canteen open?") == []


def test_a_two_hop_answer_is_not_the_name_that_links_its_two_sentences():
    found = [
        ("fair.txt", "The team collected their samples on board the MS Alva in January."),
        ("ferry.md", "The MS Alva is commanded by Captain Ingrid Solberg, since 2019."),
    ]
    question = "Who commands the ship on which the winning team collected its samples?"
    # both hops found: no "unknown", and not the ship that links them
    assert answer_pattern(found, question) == "^(Captain Ingrid Solberg)$"
    # a lookup has no clause; an interrogative "which" is none either
    assert not bridged("In which town is the ferry company based?")
    assert bridged("In which town is the company that runs the ferry based?")
    assert link([text for _, text in found], question) == {"alva"}


def test_a_two_hop_answer_is_the_sentence_naming_what_the_clause_found(monkeypatch):
    question = "Who commands the ship on which the winning science fair team collected its samples?"
    assert (
        split_clause(question)[1].strip() == "the winning science fair team collected its samples?"
    )
    subject = "Subject: Regional science fair 2026: the winning team and the prize ceremony."
    clause = "The winning team collected its samples on board the MS Alva in January."
    answer = (
        "The MS Alva is commanded by Captain Ingrid Solberg, who has sailed the route since 2019."
    )
    found = [("fair.txt", f"{subject} {clause}"), ("ferry.md", answer)]
    # the subject line covers the clause as well as the sentence naming the ship, but only the
    # ship leads to a sentence about the main part ("commands") that holds a name
    assert second_hop(found, question) == [answer, clause]
    assert answer_pattern(found, question) == "^(Captain Ingrid Solberg)$"
    # without the second hop the picks are the two sentences nearest the whole question
    monkeypatch.setattr(steps, "second_hop", lambda *a, **k: [])
    assert "Ingrid Solberg" not in answer_pattern(found, question)


def test_a_second_hop_sentence_must_fit_what_the_question_implies():
    question = "What does an adult ticket cost at the museum next to the ferry that Ingrid Solberg commands?"
    found = [
        ("ferry.md", "The MS Alva is commanded by Captain Ingrid Solberg since 2019."),
        (
            "ferry.md",
            "From 1 December to 28 February 2026 the ferry MS Alva runs the winter timetable.",
        ),
        ("ferry.md", "An adult single ticket on the ferry costs 6.80 euros."),
    ]
    # the sentence naming the ship holds a date, no sum in a currency, while a result does:
    # no second hop, and the date is never offered for a price
    assert second_hop(found, question) == []
    assert "28 February" not in answer_pattern(found, question)


def test_two_unrelated_documents_that_each_say_half_the_question_do_not_answer_it():
    question = "At what time does the harbour canteen open?"
    recipe = ("soup.md", "The red lentil soup is served every Friday in the harbour canteen.")
    minutes = ("library.txt", "From January the library will open on Sundays from 12:00.")
    assert answer_pattern([recipe, minutes], question) == "^unknown$"
    # the same two sentences in one document are one place: the time is offered
    both = [("canteen.md", f"{recipe[1]} {minutes[1]}")]
    assert "12:00" in answer_pattern(both, question)
    # two documents naming the same thing (Okafor) are joined: the date is offered
    q = "On what date will the lead researcher of the greenhouse trial give a talk?"
    notes = ("trial.txt", "Greenhouse trial notes, lead researcher Dr. Tomas Okafor.")
    talk = ("library.txt", "Dr. Tomas Okafor will give a public talk on 12 February 2026.")
    assert "12 February 2026" in answer_pattern([notes, talk], q)


def test_how_and_any_adjective_asks_an_amount_and_how_large_an_area():
    assert answer_kind("How strong are the gusts on Sunday?") == "amount"
    assert answer_kind("How does the ferry reach Lindholm?") == "any"
    gusts = ["Gales, with gusts up to 26 metres per second, from the west."]
    assert candidates(gusts, "How strong are the gusts?") == ["26 metres"]
    kiosk = ["The kiosk holds 4 fridges and has a floor area of 18 square metres."]
    assert candidates(kiosk, "How large is the kiosk?") == ["18 square"]


def test_an_ampersand_joins_one_name():
    sent = ["The kiosk is rented to Brekke & Daughters Ltd from April."]
    assert candidates(sent, "Which company rents the kiosk?") == ["Brekke & Daughters Ltd"]


NOTICE = (
    "FOR SALE: Wooden rowing boat, 4.2 metres, with oars. 1,150 euros or best offer.\n\n"
    "FOR SALE: Child's bicycle, blue. 40 euros."
)


def test_the_sentence_after_a_pick_in_its_paragraph_can_hold_the_answer():
    q = "How much does the wooden rowing boat cost?"
    [(_, text)] = focus([("notices.txt", NOTICE)], first_query(q), 400, q)
    # the price follows the sentence naming the boat and names nothing asked: kept with it
    assert "with oars. 1,150 euros or best offer." in text
    assert "40 euros" not in text  # another paragraph's sentence without a query word is not
    found = [("notices.txt", text)]
    assert best_sentences(found, q)[-1] == "1,150 euros or best offer."
    assert re.fullmatch(answer_pattern(found, q), "1,150 euros")
    assert not re.fullmatch(answer_pattern(found, q), "4.2 metres")
    assert follows(
        NOTICE, "FOR SALE: Wooden rowing boat, 4.2 metres, with oars.", "1,150 euros or best offer."
    )
    assert not follows(NOTICE, "1,150 euros or best offer.", "FOR SALE: Child's bicycle, blue.")


def test_what_an_answer_is_offered_from_also_grounds_it():
    """An email address offered because it says "email address" itself is grounded in the
    sentence it was offered from: the offer and the grounding judge coverage alike."""
    question = "What is the email address of the Corvid support desk?"
    sent = "Firmware questions go to the Corvid support desk at support@corvid-robotics.fi."
    found = [("notes.md", f"Corvid Robotics publishes these notes with every release. {sent}")]
    assert answer_pattern(found, question) == "^(" + re.escape("support@corvid-robotics.fi") + ")$"
    assert steps.ground("support@corvid-robotics.fi", found, question) == "notes.md"


def test_an_adjective_in_y_mentions_its_noun_and_a_period_adjective_its_period():
    vocab = vocabulary(["[06:52] Ola: Morning all. Fog on the fjord, visibility under 200 m."])
    assert unmentioned("What was the visibility on the foggy morning?", vocab) == set()
    assert unmentioned("What was the visibility on the rainy morning?", vocab) == {"rainy"}
    assert terms("the monthly pay") == terms("pay a month")
    assert terms("its annual fee") == terms("a fee a year")
    pay = "Pay: 3,250 euros a month before tax."
    found = [("job.txt", f"Skarsund Ferries is looking for two seasonal deckhands. {pay}")]
    assert "3,250 euros" in answer_pattern(
        found, "What is the monthly pay of the seasonal deckhand job?"
    )


def test_called_says_name():
    found = [("board.txt", "LOST: Grey cat called Pepper, last seen near the ferry quay.")]
    assert terms("called") == terms("name")
    assert answer_pattern(found, "What is the name of the lost cat?") == "^(Pepper)$"


def test_a_participle_clause_describing_by_a_noun_makes_a_two_hop():
    assert bridged("At what time does the walk led by the property manager of the kiosk begin?")
    assert bridged("What was the elapsed time of the boat skippered by the man selling a boat?")
    # described by a name, the thing needs no hop of its own ("wanted by the Harbour Bakery")
    assert not bridged("How much does the cargo bike wanted by the Harbour Bakery cost?")
    assert not bridged("How late did the ship commanded by Captain Ingrid Solberg leave?")
    question = (
        "At what time does the walk led by the property manager of the kiosk's landlord begin?"
    )
    found = [
        ("lease.txt", "Contacts 5.1 For the Landlord: Harald Vik, property manager."),
        ("day.txt", "13:15-14:00 | Guided walk to the new shore power berth, led by Harald Vik."),
    ]
    assert answer_pattern(found, question) == "^(14:00|13:15)$"


REGISTER = """{
  "owner": "Port of Kestrel Bay",
  "boats": [
    {
      "name": "Skua",
      "type": "pilot boat",
      "built": 2014,
      "call_sign": "LH2281"
    },
    {
      "name": "Eider",
      "type": "tug",
      "call_sign": "LH1904"
    }
  ]
}
"""


def test_a_json_object_is_one_record_of_its_keyed_fields():
    assert sentences(REGISTER) == [
        "Owner: Port of Kestrel Bay",
        "Name: Skua | type: pilot boat | built: 2014 | call sign: LH2281",
        "Name: Eider | type: tug | call sign: LH1904",
    ]
    found = [("register.txt", REGISTER)]
    assert answer_pattern(found, "What is the call sign of the tug Eider?") == "^(LH1904)$"


def test_a_word_of_a_cells_header_is_no_answer():
    row = "Name: Eider | type: tug | bollard pull tonnes: 38 | call sign: LH1904"
    assert candidates([row], "What is the bollard pull of the tug Eider?") == ["38"]


def test_what_is_the_noun_of_asks_for_that_noun():
    assert answer_kind("What is the top speed of the pilot boat?") == "amount"
    assert answer_kind("What is the population of Lindholm?") == "amount"
    assert answer_kind("What is the phone number of the desk?") == "any"
    assert answer_kind("What is the name of the cat?") == "any"
