"""The agent task suite over the packaged example documents (``lkv_app/examples``).

kind "lookup": one fact in one document; "two_hop": the question names the thing by a fact
from another document, so two tool calls are needed; "absent": the documents do not hold the
answer and the agent must say so. ``expected``: strings one of which the answer must hold
(case-insensitive, commas ignored); ``source``: the document the answer must name.
``TASKS`` is the suite the agent was built against; ``HELDOUT_TASKS``, ``HELDOUT2_TASKS`` and
``HELDOUT3_TASKS`` were written later, apart (see their comments for what each has seen);
``HELDOUT3_TASKS`` to ``HELDOUT7_TASKS`` are also over documents of their own
(``agent_docs/``, ``SUITE_DOCUMENTS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

PORT = "kestrel_bay_port_report.md"
ROBOT = "marten_r3_robot_spec.md"
GREEN = "greenhouse_trial_notes.txt"
LIB = "library_board_minutes.txt"
SOUP = "canteen_soup_recipe.md"


@dataclass(frozen=True)
class Task:
    kind: str
    question: str
    expected: tuple[str, ...] = ()
    source: str | None = None


TASKS = (
    Task("lookup", "Who is the harbour master of the Port of Kestrel Bay?", ("Marchetti",), PORT),
    Task("lookup", "What is the new pilot code of the Port of Kestrel Bay?", ("7731",), PORT),
    Task("lookup", "What is the name of the new electric crane at the port?", ("Heron",), PORT),
    Task("lookup", "How much does one Marten R3 robot cost?", ("48000", "48.000"), ROBOT),
    Task("lookup", "Which company built the Marten R3 robot?", ("Corvid",), ROBOT),
    Task("lookup", "What firmware version does the Marten R3 run?", ("2.7.1",), ROBOT),
    Task("lookup", "Which tomato variety gave the highest yield?", ("Sunvale",), GREEN),
    Task("lookup", "How much water did each tomato plant get per day?", ("2.4",), GREEN),
    Task("lookup", "What is the secret ingredient of the house soup?", ("paprika",), SOUP),
    Task("lookup", "Who chairs the Lindholm library board?", ("Haugen",), LIB),
    Task("lookup", "What library budget did the board approve for 2026?", ("612000",), LIB),
    Task(
        "two_hop",
        "Who is the harbour master of the port where the Marten R3 was tested?",
        ("Marchetti",),
        PORT,
    ),
    Task(
        "two_hop",
        "What is the secret ingredient of the soup served at the port whose "
        "harbour master is Ilse Marchetti?",
        ("paprika",),
        SOUP,
    ),
    Task(
        "two_hop",
        "What does one robot of the type the Port of Kestrel Bay plans to buy cost?",
        ("48000", "48.000"),
        ROBOT,
    ),
    Task(
        "two_hop",
        "On what date will the lead researcher of the greenhouse trial give a talk at the library?",
        ("12 February",),
        LIB,
    ),
    Task(
        "two_hop",
        "In which city is the company that built the robot tested at Kestrel Bay?",
        ("Tampere",),
        ROBOT,
    ),
    Task("absent", "What is the population of Lindholm?"),
    Task("absent", "Who is the mayor of Tampere?"),
    Task("absent", "How many employees does Corvid Robotics have?"),
    Task("absent", "What colour is the Marten R3 robot?"),
    Task("absent", "What did the harbour canteen earn in 2024?"),
)

HELDOUT_TASKS = (
    # Written in session 6 before that session changed the agent, and never used to tune it:
    # ``--suite heldout`` measures whether the agent's rules carry over to questions nobody
    # looked at while writing them.
    Task("lookup", "Who wrote down the recipe for the house soup?", ("Almeida",), SOUP),
    Task(
        "lookup",
        "How many containers crossed the quays of Kestrel Bay in 2025?",
        ("212000", "212.000"),
        PORT,
    ),
    Task("lookup", "How long does the battery of the Marten R3 last?", ("95",), ROBOT),
    Task("lookup", "Which fund paid for the greenhouse trial?", ("Nordic Horticulture",), GREEN),
    Task("lookup", "When is the next meeting of the library board?", ("20 January",), LIB),
    Task("lookup", "How deep is the north channel after the dredging?", ("14",), PORT),
    Task(
        "two_hop",
        "Who is the chief engineer of the robot that the Port of Kestrel Bay plans to buy?",
        ("Lindqvist",),
        ROBOT,
    ),
    Task(
        "two_hop",
        "How many bowls of soup does the canteen of the port with the Heron crane sell each "
        "Friday?",
        ("140",),
        SOUP,
    ),
    Task(
        "two_hop",
        "Which tomato variety gave the highest yield in the trial of the researcher who will "
        "speak at the library in February?",
        ("Sunvale",),
        GREEN,
    ),
    Task("absent", "At what time does the harbour canteen open?"),
    Task("absent", "How many books does the Lindholm library hold?"),
    Task("absent", "Who is the chief executive of Corvid Robotics?"),
)

HELDOUT2_TASKS = (
    # Written in session 6 after the agent's first changes were measured on HELDOUT_TASKS (which
    # then fell from 7/12 to 5/12 with eviction off) and before the changes that followed: the
    # fresh check of those later changes.
    Task(
        "lookup",
        "How many tonnes of cargo did the Port of Kestrel Bay handle in 2025?",
        ("4.2 million",),
        PORT,
    ),
    Task("lookup", "What does the Marten R3 weigh?", ("11.5",), ROBOT),
    Task("lookup", "Until what time is the library open on weekdays?", ("20:00", "20.00"), LIB),
    Task("lookup", "How many hours a day did the LED lamps run?", ("16",), GREEN),
    Task("lookup", "How many minutes does the house soup take to cook?", ("40",), SOUP),
    Task("lookup", "How much did the dredging of the north channel cost?", ("18.5",), PORT),
    Task(
        "two_hop",
        "In which country is the company that built the robot tested at the port with the "
        "Heron crane?",
        ("Finland",),
        ROBOT,
    ),
    Task(
        "two_hop",
        "What night temperature was kept in the trial of the researcher who speaks at the "
        "library in February?",
        ("17",),
        GREEN,
    ),
    Task(
        "two_hop",
        "How much does a bowl of soup cost in the canteen of the port whose pilot code is 7731?",
        ("4.50",),
        SOUP,
    ),
    Task("absent", "What is the top speed of the Heron crane?"),
    Task("absent", "Who founded Corvid Robotics?"),
    Task("absent", "How many visits did the library count in 2024?"),
)

FERRY = "ferry_service_notice.md"
WATER = "water_incident_log.txt"
FAIR = "science_fair_email.txt"

HELDOUT3_TASKS = (
    # Written at the start of session 7, before any agent change of that session, over three
    # documents the agent had never been run on (``agent_docs/``: a notice with lists, a log, an
    # email), searched together with the five examples. Blind to every agent version up to then.
    Task("lookup", "What does an adult single ticket on the MS Alva cost?", ("6.80",), FERRY),
    Task("lookup", "Who commands the MS Alva?", ("Solberg",), FERRY),
    Task(
        "lookup",
        "How many litres of water were lost in the burst on Harbour Road?",
        ("95000", "95.000"),
        WATER,
    ),
    Task("lookup", "Which school won first prize at the science fair?", ("Brekke",), FAIR),
    Task("lookup", "On what date is the prize ceremony of the science fair?", ("12 March",), FAIR),
    Task(
        "lookup",
        "How long did the crew take to close the main on Mill Street?",
        ("9 hours",),
        WATER,
    ),
    Task(
        "two_hop",
        "Who commands the ship on which the winning science fair team collected its samples?",
        ("Solberg",),
        FERRY,
    ),
    Task(
        "two_hop",
        "How many litres were lost in the leak on the street where the science fair was held?",
        ("310000", "310.000"),
        WATER,
    ),
    Task(
        "two_hop",
        "When does the first ferry leave from the port whose harbour master is Marchetti?",
        ("06:45", "6:45"),
        FERRY,
    ),
    Task("absent", "What is the top speed of the MS Alva?"),
    Task("absent", "Who is the head teacher of Brekke School?"),
    Task("absent", "How many passengers did the ferry route carry in 2024?"),
)

MUSEUM = "museum_exhibition_guide.md"
CLINIC = "clinic_faq.txt"

HELDOUT4_TASKS = (
    # Written in session 7 after round 3 was measured on HELDOUT3_TASKS and before round 4 (made
    # from heldout3's failures), over two more documents (a guide with a table, an FAQ), searched
    # with the other eight: the blind check of round 4.
    Task(
        "lookup",
        "How much is a student ticket at the Lindholm Maritime Museum?",
        ("7 euros",),
        MUSEUM,
    ),
    Task("lookup", "Who curated the Ice and Timber exhibition?", ("Strand",), MUSEUM),
    Task("lookup", "When can I phone the Lindholm Community Clinic?", ("8:00", "11:30"), CLINIC),
    Task("lookup", "How many parking spaces does the clinic have?", ("14",), CLINIC),
    Task("lookup", "In what year did the Polar Wren sink?", ("1911",), MUSEUM),
    Task("lookup", "How long do the guided tours of the museum last?", ("50 minutes",), MUSEUM),
    Task(
        "two_hop",
        "Who is the captain of the ferry run by the company that sponsors the museum's exhibition?",
        ("Solberg",),
        FERRY,
    ),
    Task(
        "two_hop",
        "On which dates are flu vaccinations given at the school that won the science fair?",
        ("10 October",),
        CLINIC,
    ),
    Task(
        "two_hop",
        "What does an adult ticket cost at the museum next to the landing of the ferry that "
        "Ingrid Solberg commands?",
        ("12 euros",),
        MUSEUM,
    ),
    Task("absent", "How much does a child's ticket to the maritime museum cost?"),
    Task("absent", "How deep does the wreck of the Polar Wren lie?"),
    Task("absent", "What is the phone number of the Lindholm Community Clinic?"),
)

INVOICE = "nordmill_invoice.txt"
CLEANUP = "beach_cleanup_thread.txt"

HELDOUT5_TASKS = (
    # Written at the start of session 8, before any agent change of that session, over two
    # documents of shapes no agent version was run on (an invoice with aligned columns, an email
    # thread with quoted replies), searched with the other ten: blind to round 5 (8811b49).
    Task(
        "lookup",
        "What is the invoice number of the Nordmill Flour invoice?",
        ("2027-0113",),
        INVOICE,
    ),
    Task("lookup", "When is payment of the Nordmill Flour invoice due?", ("7 February",), INVOICE),
    Task("lookup", "How much VAT does the Nordmill Flour invoice charge?", ("39.36",), INVOICE),
    Task(
        "lookup",
        "How many volunteers have signed up for the Lindholm beach clean-up?",
        ("63",),
        CLEANUP,
    ),
    Task(
        "lookup",
        "How many litter pickers can the depot lend for the beach clean-up?",
        ("40",),
        CLEANUP,
    ),
    Task("lookup", "In which country is Nordmill Flour based?", ("Sweden",), INVOICE),
    Task(
        "two_hop",
        "How many bowls of soup a Friday does the canteen that ordered red lentils from Nordmill "
        "Flour sell?",
        ("140",),
        SOUP,
    ),
    Task(
        "two_hop",
        "What unit price does Nordmill Flour charge for the secret ingredient of the harbour "
        "canteen's house soup?",
        ("21.00", "21 "),
        INVOICE,
    ),
    Task(
        "two_hop",
        "Who commands the ferry that stops at the meeting point of the Lindholm beach clean-up?",
        ("Solberg",),
        FERRY,
    ),
    Task("absent", "How many volunteers took part in the Lindholm beach clean-up last year?"),
    Task("absent", "Who is the mayor of Lindholm?"),
    Task("absent", "What is the phone number of the Nordmill Flour delivery driver?"),
)

RELEASE = "marten_r3_release_notes.md"
RADIO = "harbour_radio_interview.txt"

HELDOUT6_TASKS = (
    # Written at the start of session 9, before any agent change of that session, over two
    # documents of shapes no agent version was run on (release notes under version headings, a
    # radio interview transcript with speaker labels), searched with the other twelve: blind to
    # round 6 (6e07f94).
    Task(
        "lookup",
        "Which Marten R3 firmware version fixed the cameras losing focus in cold water?",
        ("2.5.2",),
        RELEASE,
    ),
    Task(
        "lookup",
        "At what charge does the Marten R3 low-battery warning sound?",
        ("15 percent", "15%"),
        RELEASE,
    ),
    Task(
        "lookup",
        "What is the email address of the Corvid support desk?",
        ("support@corvid-robotics.fi",),
        RELEASE,
    ),
    Task(
        "lookup", "What did the dock workers name the port's first Marten robot?", ("Otter",), RADIO
    ),
    Task(
        "lookup",
        "For how many days did the north channel freeze in January 2026?",
        ("nine", "9 days"),
        RADIO,
    ),
    Task("lookup", "When is the open day of the Port of Kestrel Bay?", ("14 June",), RADIO),
    Task(
        "two_hop",
        "What known issue does the firmware version that the Marten R3 runs have?",
        ("wet concrete",),
        RELEASE,
    ),
    Task(
        "two_hop",
        "In which town is the company based that will put the MS Tora on the Lindholm route?",
        ("Vardholm",),
        FERRY,
    ),
    Task(
        "two_hop",
        "How much does one robot of the kind the dock workers named Otter cost?",
        ("48000", "48.000"),
        ROBOT,
    ),
    Task("absent", "What is the phone number of the Corvid support desk?"),
    Task("absent", "What is the name of the port's second Marten robot?"),
    Task("absent", "How much did the icebreaker Valkyrie cost?"),
)

BUS = "lindholm_bus_timetable.txt"
SHORE = "shore_power_press_release.md"

HELDOUT7_TASKS = (
    # Written in session 9 after round 7 was committed (2c25c28) and before any later change,
    # over two documents of shapes no agent version was run on (a timetable as comma-separated
    # rows, a press release with a quotation and notes to editors), searched with the other
    # fourteen: blind to round 7.
    Task("lookup", "When does the last bus leave the Church square stop?", ("22:19",), BUS),
    Task(
        "lookup",
        "How many minutes does the line 7 bus take from the ferry quay to North beach?",
        ("22",),
        BUS,
    ),
    Task("lookup", "How much does a ride on the Lindholm island bus cost?", ("2.20",), BUS),
    Task(
        "lookup",
        "Which ship was the first to connect to the shore power berth?",
        ("Nordic Tern",),
        SHORE,
    ),
    Task(
        "lookup",
        "How much did the shore power berth at Kestrel Bay cost?",
        ("6.3 million",),
        SHORE,
    ),
    Task("lookup", "Who runs the press office of the Port of Kestrel Bay?", ("Lene Dahl",), SHORE),
    Task(
        "two_hop",
        "At what time does the first bus stop at the research station whose lead researcher is "
        "Dr. Tomas Okafor?",
        ("06:21", "6:21"),
        BUS,
    ),
    Task(
        "two_hop",
        "When does the first bus reach the stop of the school that won the regional science fair?",
        ("06:25", "6:25"),
        BUS,
    ),
    Task(
        "two_hop",
        "How many tonnes of CO2 a year does the port that commissioned the Heron crane expect to "
        "save with shore power?",
        ("2100", "2.100"),
        SHORE,
    ),
    Task("absent", "When does the last bus leave North beach on Sundays?"),
    Task("absent", "How many ships connected to Berth 4 in its first month?"),
    Task("absent", "What is the email address of the Port of Kestrel Bay press office?"),
)

KIOSK = "harbour_kiosk_lease.txt"
FORECAST = "kestrel_bay_weekend_forecast.txt"

HELDOUT8_TASKS = (
    # Written in session 10 after round 8 was committed (66775d3, e0f0ea2 only merges a pattern)
    # and before any later change, over two documents of shapes no agent version was run on (a
    # lease in numbered clauses, "3.1 The monthly rent ...", and a weather forecast in
    # paragraphs per day), searched with the other sixteen: blind to round 8.
    Task("lookup", "What is the monthly rent for harbour kiosk No. 3?", ("950",), KIOSK),
    Task(
        "lookup",
        "How much deposit does the tenant of the harbour kiosk pay?",
        ("2850", "2.850"),
        KIOSK,
    ),
    Task("lookup", "Until what time must the harbour kiosk be open?", ("18:00",), KIOSK),
    Task("lookup", "Which company rents the harbour kiosk at Pier 2?", ("Daughters",), KIOSK),
    Task(
        "lookup",
        "How strong are the gusts on exposed coasts on Sunday?",
        ("26",),
        FORECAST,
    ),
    Task("lookup", "Who was the forecaster on duty?", ("Aasen",), FORECAST),
    Task(
        "two_hop",
        "How large is the kiosk that the port whose harbour master is Ilse Marchetti lets at "
        "Pier 2?",
        ("18",),
        KIOSK,
    ),
    Task(
        "two_hop",
        "Who is the property manager of the port that commissioned the Heron crane?",
        ("Harald Vik",),
        KIOSK,
    ),
    Task(
        "two_hop",
        "After what time does the ferry company whose captain is Ingrid Solberg expect to "
        "cancel crossings on Sunday?",
        ("10:00",),
        FORECAST,
    ),
    Task("absent", "What is the highest temperature forecast for Tuesday?"),
    Task("absent", "What was the lowest temperature forecast for Saturday?"),
    Task("absent", "What is the fine for opening the harbour kiosk late?"),
)

PROGRAMME = "coastal_day_programme.txt"
NOTICES = "lindholm_notice_board.txt"

HELDOUT9_TASKS = (
    # Written in session 10 after round 9 was committed (b32fcc4) and before any later change,
    # over two documents of shapes no agent version was run on (a programme of time slots, a
    # notice board of short ads), searched with the other eighteen: blind to round 9.
    Task("lookup", "How much does the wooden rowing boat cost?", ("1150",), NOTICES),
    Task("lookup", "What is the name of the lost cat?", ("Pepper",), NOTICES),
    Task("lookup", "Where is the boat shed for rent?", ("North beach",), NOTICES),
    Task("lookup", "Who gives the welcome at the Lindholm Coastal Day?", ("Haugen",), PROGRAMME),
    Task("lookup", "How many people does the Great Hall seat?", ("180",), PROGRAMME),
    Task(
        "lookup",
        "By what date must visitors register for the Coastal Day?",
        ("5 June",),
        PROGRAMME,
    ),
    Task(
        "two_hop",
        "What is the title of the keynote given by the person who runs the press office of the "
        "Port of Kestrel Bay?",
        ("diesel",),
        PROGRAMME,
    ),
    Task(
        "two_hop",
        "At what time does the walk led by the property manager of the harbour kiosk's landlord "
        "begin?",
        ("13:15",),
        PROGRAMME,
    ),
    Task(
        "two_hop",
        "When does the talk by the students of the school that won the regional science fair "
        "start?",
        ("12:30",),
        PROGRAMME,
    ),
    Task("absent", "What colour is the lost cat's collar?"),
    Task("absent", "How much does the cargo bike wanted by the Harbour Bakery cost?"),
    Task("absent", "What is the phone number of the Harbour Bakery?"),
)

VACANCY = "skarsund_deckhand_vacancy.txt"
REGATTA = "kestrel_regatta_results.md"

HELDOUT10_TASKS = (
    # Written in session 11 after round 10 was committed (e5cfdb9, 79dd2a2) and before any later
    # change, over two documents of shapes no agent version was run on (a job advertisement in
    # bulleted sections, a results table in markdown), searched with the other twenty: blind to
    # round 10, and to the next round as long as its failures are not read before it runs here.
    Task("lookup", "What is the monthly pay of the seasonal deckhand job?", ("3250",), VACANCY),
    Task(
        "lookup",
        "By what date must applications for the deckhand job reach Skarsund Ferries?",
        ("15 March",),
        VACANCY,
    ),
    Task("lookup", "Which boat won the Kestrel Bay Summer Regatta?", ("Seagrass",), REGATTA),
    Task("lookup", "How long was the course of the Summer Regatta?", ("18",), REGATTA),
    Task("lookup", "Who skippered Storm Petrel in the regatta?", ("Lunde",), REGATTA),
    Task(
        "two_hop",
        "Who is the captain of the ship on which the seasonal deckhands will work?",
        ("Solberg",),
        FERRY,
    ),
    Task(
        "two_hop",
        "What was the elapsed time of the boat skippered by the man selling the wooden rowing "
        "boat?",
        ("2:14:38",),
        REGATTA,
    ),
    Task(
        "two_hop",
        "Which boat did the harbour master of the Port of Kestrel Bay sail in the regatta?",
        ("Blue Fulmar",),
        REGATTA,
    ),
    Task(
        "two_hop",
        "In which town is the company that is hiring seasonal deckhands based?",
        ("Vardholm",),
        FERRY,
    ),
    Task("absent", "Who won the junior class of the Summer Regatta?"),
    Task("absent", "How many days of holiday does the deckhand job give?"),
    Task("absent", "What is the entry fee for the Summer Regatta?"),
)

GUESTHOUSE = "gull_rock_guesthouse_booking.txt"
CAFE = "ferry_quay_cafe_menu.txt"

HELDOUT11_TASKS = (
    # Written in session 12 after round 11 was committed (773251f) and before any later change,
    # over two documents of shapes no agent version was run on (a booking confirmation of
    # labelled fields and a letter, a menu of dotted price lines without a currency word beside
    # each price), searched with the other twenty-two: blind to round 11, and to the next round
    # as long as its failures are not read before it runs here.
    Task(
        "lookup",
        "What is the booking reference of Dr. Tomas Okafor's stay?",
        ("GR-20417",),
        GUESTHOUSE,
    ),
    Task(
        "lookup",
        "What is the code of the key box at the Gull Rock Guesthouse?",
        ("5583",),
        GUESTHOUSE,
    ),
    Task(
        "lookup",
        "Until what time is breakfast served at the Gull Rock Guesthouse?",
        ("9:30", "09:30"),
        GUESTHOUSE,
    ),
    Task("lookup", "What does the vegetable pie cost at the Ferry Quay Cafe?", ("9.80",), CAFE),
    Task("lookup", "On which day of the week is the Ferry Quay Cafe closed?", ("Monday",), CAFE),
    Task(
        "two_hop",
        "What does a cinnamon bun cost at the cafe run by the skipper of Kittiwake?",
        ("3.20",),
        CAFE,
    ),
    Task(
        "two_hop",
        "On what date does the researcher who gives the library talk on growing tomatoes arrive "
        "at his guesthouse?",
        ("11 February",),
        GUESTHOUSE,
    ),
    Task(
        "two_hop",
        "Who runs the guesthouse where the speaker of the library talk on growing tomatoes stays?",
        ("Solheim",),
        GUESTHOUSE,
    ),
    Task(
        "two_hop",
        "What is the total price of the stay booked by the science fair jury member from the "
        "Lindholm research station?",
        ("168",),
        GUESTHOUSE,
    ),
    Task("absent", "What does a glass of wine cost at the Ferry Quay Cafe?"),
    Task("absent", "What is the phone number of the Gull Rock Guesthouse?"),
    Task("absent", "How many rooms does the Gull Rock Guesthouse have?"),
)

CHAT = "harbour_crew_chat.txt"
PONTOON = "lindholm_pontoon_article.md"

HELDOUT12_TASKS = (
    # Written in session 12 after round 13 was committed (b869fc8, 1c97024) and before any later
    # change, over two documents of shapes no agent version was run on (a chat log of timestamped
    # messages, a news article with quotes and a correction), searched with the other
    # twenty-four: blind to round 13, and to the next round as long as its failures are not read
    # before it runs here.
    Task(
        "lookup",
        "At what time did the MS Alva leave the quay on the foggy morning?",
        ("07:28", "7:28"),
        CHAT,
    ),
    Task("lookup", "What is the phone number of Kranservice Nord?", ("552 310",), CHAT),
    Task("lookup", "How many visiting boats can berth at the new pontoon?", ("24",), PONTOON),
    Task("lookup", "How long may a boat at the new pontoon be?", ("14 metres", "14 m"), PONTOON),
    Task(
        "lookup",
        "What does a night's berth cost for a boat under 10 metres?",
        ("28 euros",),
        PONTOON,
    ),
    Task(
        "two_hop",
        "What part of the crane that the port commissioned in March 2025 was leaking?",
        ("boom",),
        CHAT,
    ),
    Task(
        "two_hop",
        "Since which year has the man who reported the fog in the harbour crew chat run the "
        "marina?",
        ("2017",),
        PONTOON,
    ),
    Task(
        "two_hop",
        "At what time does the crew dinner start at the cafe run by the skipper of Kittiwake?",
        ("19:00",),
        CHAT,
    ),
    Task(
        "two_hop",
        "How late did the ship commanded by Captain Ingrid Solberg leave on the foggy morning?",
        ("eighteen", "18 minutes"),
        CHAT,
    ),
    Task("absent", "How deep is the water at the new Lindholm pontoon?"),
    Task("absent", "What is the phone number of the Lindholm marina?"),
    Task("absent", "Who paid the remaining third of the pontoon's cost?"),
)

NEWSLETTER = "lindholm_sailing_club_newsletter.txt"
WEBCAM = "lindholm_pier_webcam_settings.txt"

HELDOUT13_TASKS = (
    # Written in session 13 after round 14 was written (it landed folded into round 15's
    # e468b86) and run on heldout12, and before any later change, over two documents of shapes
    # no agent version was run on (a club newsletter under capitalised headings without markup,
    # a settings file of "[section]" and "key = value" lines), searched with the other twenty-six: blind to
    # round 14. Two of its absent questions describe what they ask about by a clause, as a
    # two-hop does: round 14 answers such questions from the sentence naming what the
    # clause found, and nothing before this suite asked one whose answer is missing.
    Task("lookup", "What is the course fee of the youth sailing school?", ("95",), NEWSLETTER),
    Task("lookup", "How much does the new slipway winch cost?", ("4700",), NEWSLETTER),
    Task(
        "lookup", "On which evening is the boat shed open to members?", ("Wednesday",), NEWSLETTER
    ),
    Task("lookup", "At what time does the pier webcam switch its infrared on?", ("17:30",), WEBCAM),
    Task("lookup", "Which camera model is the Lindholm pier webcam?", ("PX-40",), WEBCAM),
    Task(
        "two_hop",
        "On what date does the sailing school taught by the man who skippered Seagrass start?",
        ("2 May",),
        NEWSLETTER,
    ),
    Task(
        "two_hop",
        "At what time does the webcam kept by the port that commissioned the Heron crane switch "
        "its infrared off?",
        ("07:45", "7:45"),
        WEBCAM,
    ),
    Task(
        "two_hop",
        "What does a family membership cost at the club of the boat that finished fourth in the "
        "regatta?",
        ("180",),
        NEWSLETTER,
    ),
    Task(
        "two_hop",
        "Who is the treasurer of the club of the skipper of Kittiwake?",
        ("Holm",),
        NEWSLETTER,
    ),
    Task(
        "absent",
        "What is the email address of the club whose boat won the Kestrel Bay Summer Regatta?",
    ),
    Task("absent", "How many members does the club that keeps a boat shed on Strandvegen have?"),
    Task("absent", "What is the frame rate of the Lindholm pier webcam?"),
)

BOATS = "kestrel_port_workboats_export.txt"
TRAIL = "lindholm_coast_trail_guide.txt"

HELDOUT14_TASKS = (
    # Written in session 14 after round 15 was committed and run on heldout13, and before any
    # later change, over two documents of shapes no agent version was run on (a register
    # exported as JSON, a walking guide of stages whose figures lead each stage's paragraph),
    # searched with the other twenty-eight: blind to round 15.
    Task("lookup", "How long is the Lindholm Coast Trail?", ("23.5",), TRAIL),
    Task("lookup", "How high is the Varde cairn on Lindholm?", ("212",), TRAIL),
    Task(
        "lookup",
        "Until what date must dogs be kept on a lead on the Lindholm Coast Trail?",
        ("20 August",),
        TRAIL,
    ),
    Task("lookup", "What is the call sign of the tug Eider?", ("LH1904",), BOATS),
    Task("lookup", "In which year was the pilot boat Skua built?", ("2014",), BOATS),
    Task(
        "two_hop",
        "How long is the stage of the coast trail that ends at the guesthouse whose host is "
        "Marit Solheim?",
        ("4.7",),
        TRAIL,
    ),
    Task(
        "two_hop",
        "What is the top speed of the pilot boat of the port whose harbour master is Marchetti?",
        ("24",),
        BOATS,
    ),
    Task(
        "two_hop",
        "How long does the ferry crossing take to the island whose coast trail is waymarked "
        "with a blue gull?",
        ("55",),
        FERRY,
    ),
    Task(
        "two_hop",
        "What is the call sign of the boat skippered by the man who reported the fog in the "
        "harbour crew chat?",
        ("LH3310",),
        BOATS,
    ),
    Task("absent", "What is the bollard pull of the pilot boat Skua?"),
    Task("absent", "How many walkers used the Lindholm Coast Trail last year?"),
    Task("absent", "Who is the skipper of the fire boat of the Port of Kestrel Bay?"),
)

CALENDAR = "kestrel_harbour_events_calendar.txt"
TOUR = "kestrel_coast_tour_itinerary.txt"

HELDOUT15_TASKS = (
    # Written in session 14 after round 16 was committed (1e4043e), while it ran on heldout14
    # and before any later change, over two documents of shapes no agent version was run on (a
    # calendar exported as iCalendar, folded lines and escaped commas included; a tour's
    # day-by-day itinerary), searched with the other thirty: blind to round 16.
    Task("lookup", "What does the island hopping tour cost per person?", ("640",), TOUR),
    Task(
        "lookup",
        "At what time does the tour guide meet the group on the first day?",
        ("09:30", "9:30"),
        TOUR,
    ),
    Task("lookup", "What is the entry fee of the harbour swim?", ("25",), CALENDAR),
    Task("lookup", "Where does the harbour swim start?", ("pontoon",), CALENDAR),
    Task("lookup", "Who organises the open day at the pilot station?", ("Vold",), CALENDAR),
    Task(
        "two_hop",
        "On which day of the tour is the boat trip with the skipper who won the Kestrel Bay "
        "Summer Regatta?",
        ("Friday", "12 June", "Day 2"),
        TOUR,
    ),
    Task(
        "two_hop",
        "What is the call sign of the boat that visitors can board at the pilot station's open "
        "day?",
        ("LH2281",),
        BOATS,
    ),
    Task(
        "two_hop",
        "On what date is the event organised by the skipper of the tug Eider?",
        ("20260523", "23 May"),
        CALENDAR,
    ),
    Task(
        "two_hop",
        "Who is the host of the guesthouse where the tour group spends its first night?",
        ("Solheim",),
        GUESTHOUSE,
    ),
    Task("absent", "How many swimmers can take part in the harbour swim?"),
    Task("absent", "What does lunch cost on the island hopping tour?"),
    Task("absent", "At what time does the midsummer bonfire end?"),
)

SUITES = {
    "main": TASKS,
    "heldout": HELDOUT_TASKS,
    "heldout2": HELDOUT2_TASKS,
    "heldout3": HELDOUT3_TASKS,
    "heldout4": HELDOUT4_TASKS,
    "heldout5": HELDOUT5_TASKS,
    "heldout6": HELDOUT6_TASKS,
    "heldout7": HELDOUT7_TASKS,
    "heldout8": HELDOUT8_TASKS,
    "heldout9": HELDOUT9_TASKS,
    "heldout10": HELDOUT10_TASKS,
    "heldout11": HELDOUT11_TASKS,
    "heldout12": HELDOUT12_TASKS,
    "heldout13": HELDOUT13_TASKS,
    "heldout14": HELDOUT14_TASKS,
    "heldout15": HELDOUT15_TASKS,
}
"""``main``: the suite the agent was built against; ``heldout`` .. ``heldout15``: tasks written
apart from it."""

NEW_DOCUMENTS = {
    "heldout3": (FERRY, WATER, FAIR),
    "heldout4": (MUSEUM, CLINIC),
    "heldout5": (INVOICE, CLEANUP),
    "heldout6": (RELEASE, RADIO),
    "heldout7": (BUS, SHORE),
    "heldout8": (KIOSK, FORECAST),
    "heldout9": (PROGRAMME, NOTICES),
    "heldout10": (VACANCY, REGATTA),
    "heldout11": (GUESTHOUSE, CAFE),
    "heldout12": (CHAT, PONTOON),
    "heldout13": (NEWSLETTER, WEBCAM),
    "heldout14": (BOATS, TRAIL),
    "heldout15": (CALENDAR, TOUR),
}
"""The ``agent_docs`` each suite brought; a suite searches its own and every earlier suite's."""

SUITE_DOCUMENTS = dict(zip(NEW_DOCUMENTS, accumulate(NEW_DOCUMENTS.values()), strict=True))
"""The ``agent_docs`` a suite searches besides the examples (none for the others)."""


def entry_key(model: str, config: str, suite: str) -> str:
    """The key of a model's results for a configuration and suite in ``results/agent.json``:
    ``MODEL/CONFIG`` for ``main``, ``MODEL/CONFIG/SUITE`` for the others."""
    return f"{model}/{config}" + ("" if suite == "main" else f"/{suite}")
