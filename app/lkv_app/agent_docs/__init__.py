"""Documents only the agent's held-out suites search (besides the examples; which ones:
``agent_tasks.SUITE_DOCUMENTS``): formats the agent was not built against (a notice with lists,
a log, an email, a guide with a table, an FAQ, an invoice with aligned columns, an email thread
with quoted replies, release notes, an interview transcript, a comma-separated timetable, a
press release, a lease in numbered clauses, a weather forecast, a programme of time slots, a
notice board of short ads, a job advertisement in bulleted sections, a results table, a
booking confirmation of labelled fields, a menu of dotted price lines, a chat log of timestamped
messages, a news article with quotes and a correction, a club newsletter under capitalised headings
without markup, a settings file of "[section]" and "key = value" lines, a register exported as JSON, a walking
guide of stages, a calendar exported as iCalendar, a tour's day-by-day itinerary). Fictional, written for this project;
not shown in the app."""

from __future__ import annotations

from pathlib import Path

AGENT_DOCS_DIR = Path(__file__).parent


def agent_documents() -> dict[str, bytes]:
    """{file name: bytes} of every document here, sorted by name."""
    return {
        p.name: p.read_bytes()
        for p in sorted(AGENT_DOCS_DIR.iterdir())
        if p.suffix in (".md", ".txt")
    }
