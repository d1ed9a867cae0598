"""Template families of the shapes the app sends: its QA prompt, multi-turn chats, agents.

``app-exact`` and ``agent-hermes`` copy the app's own system prompts (app/lkv_app/qa.py and
app/lkv_app/agent/loop.py); the held-out families paraphrase them.
"""

from __future__ import annotations

from .family import Family

F = Family
APP_QA_SYSTEM = (
    "Answer the question using only the documents below. Be brief. "
    "Cite the documents you used as [1], [2], ..."
)
APP_AGENT_SYSTEM = (
    "You answer questions about the user's documents. You cannot see the documents: call a "
    "tool first. Tools: list_documents() names the stored documents; search_documents(query) "
    "returns passages about query; read_document(name) returns one document's text.\n"
    "To call a tool, reply with only "
    '<tool_call>{"name": TOOL, "arguments": {...}}</tool_call>, for example '
    '<tool_call>{"name": "search_documents", "arguments": {"query": "report author"}}</tool_call>\n'
    "When a tool result holds the answer, reply with the answer in one sentence."
)

APP_FAMILIES: tuple[Family, ...] = (
    # ------------------------------------------------ the app's QA prompt (system + documents)
    F(
        "app-exact",
        "app_qa",
        "train",
        system=(APP_QA_SYSTEM,),
        intro=("Documents:",),
        doc=("[{i}] {title}\n{text}",),
        question=("Question: {q}",),
        needle=(
            "The magic number of this report is {value}.",
            "Reference {noun} for {key}: {value}.",
        ),
        extra={
            "needle_q": (
                "What is the magic number in the report?",
                "What is the reference {noun} for {key}?",
            )
        },
    ),
    F(
        "app-helpful",
        "app_qa",
        "train",
        system=(
            "You are a helpful assistant. Answer from the documents provided and keep it brief.",
        ),
        intro=("Here are the documents you may use:",),
        doc=("Document [{i}] {title}:\n{text}",),
        question=("{q}",),
        needle=("Note that the {noun} of {key} is {value}.",),
        extra={"needle_q": ("What is the {noun} of {key}?",)},
    ),
    F(
        "app-cite",
        "app_qa",
        "val",
        system=(
            "Reply using nothing but the documents provided. Keep it short and cite sources like [1].",
        ),
        intro=("Attached documents:",),
        doc=("[doc {i}: {title}]\n{text}",),
        question=("User question: {q}",),
        needle=("Fact sheet entry, {key}: {noun} {value}.",),
        extra={"needle_q": ("According to the fact sheet, which {noun} does {key} have?",)},
    ),
    F(
        "app-only",
        "app_qa",
        "test",
        system=(
            "Only the documents below may be used to answer. Short answers; cite them as [n].",
        ),
        intro=("Here are the documents:",),
        doc=("{i}. {title}\n{text}",),
        question=("Question -> {q}",),
        needle=("Important: {key} is associated with the {noun} {value}.",),
        extra={"needle_q": ("Which {noun} is {key} associated with?",)},
    ),
    # ------------------------------------------------ multi-turn chat transcripts
    F(
        "chat-notes",
        "chat",
        "train",
        doc=("Here is part {i} of my notes:\n{text}",),
        question=("Going back to my notes: {q}",),
        needle=("By the way, {key}'s {noun} is {value}.",),
        extra={
            "ack": ("Got it.", "Thanks, I have read part {i}."),
            "needle_q": ("What was {key}'s {noun}?",),
        },
    ),
    F(
        "chat-keep",
        "chat",
        "train",
        doc=("Can you keep this in mind?\n\n{text}",),
        question=("Quick question about what I sent earlier: {q}",),
        needle=("Also, the {noun} we agreed on for {key} is {value}.",),
        extra={
            "ack": ("Sure, noted.", "Okay, I will remember that."),
            "needle_q": ("What {noun} did we agree on for {key}?",),
        },
        system=("You are a friendly assistant.",),
    ),
    F(
        "chat-file",
        "chat",
        "val",
        doc=("File {i} ({title}) contents:\n{text}",),
        question=("Regarding the files above, {q}",),
        needle=("(internal) {key} / {noun} / {value}",),
        extra={
            "ack": ("Received file {i}.",),
            "needle_q": ("In the internal line, what {noun} is listed for {key}?",),
        },
    ),
    F(
        "chat-share",
        "chat",
        "test",
        doc=("I'm sharing a text with you.\n---\n{text}\n---",),
        question=("Now answer this from what I shared: {q}",),
        needle=("Do not lose this: {key} corresponds to {value}.",),
        extra={"ack": ("Thanks for sharing.",), "needle_q": ("What does {key} correspond to?",)},
    ),
    # ------------------------------------------------ agent transcripts (tool calls, results)
    F(
        "agent-hermes",
        "agent",
        "train",
        system=(APP_AGENT_SYSTEM,),
        question=("{q}",),
        needle=("The {noun} recorded for {key} is {value}.",),
        extra={
            "call": '<tool_call>{{"name": "{tool}", "arguments": {args}}}</tool_call>',
            "tools": ("list_documents", "search_documents", "read_document"),
            "result": "[{title}#{i}]\n{text}",
            "result_role": "tool",
            "needle_q": ("What {noun} is recorded for {key}?",),
        },
    ),
    F(
        "agent-json",
        "agent",
        "train",
        system=(
            "You can use tools. To call one, reply with a JSON object holding name and arguments. "
            "Tools: search(query), fetch(name).",
        ),
        question=("Please find out: {q}",),
        needle=("{key}: {noun} is {value}",),
        extra={
            "call": '{{"name": "{tool}", "arguments": {args}}}',
            "tools": ("search", "search", "fetch"),
            "result": "Result {i} ({title}):\n{text}",
            "result_role": "tool",
            "needle_q": ("the {noun} of {key}",),
        },
    ),
    F(
        "agent-func",
        "agent",
        "val",
        system=("Tools available: find(query) and open(name). Use them before answering.",),
        question=("Help me with this question. {q}",),
        needle=("Entry for {key}: {noun}={value}",),
        extra={
            "call": "CALL {tool}({args})",
            "tools": ("find", "find", "open"),
            "result": "<result n={i} src={title}>\n{text}\n</result>",
            "result_role": "tool",
            "needle_q": ("What is the {noun} in the entry for {key}?",),
        },
    ),
    F(
        "agent-react",
        "agent",
        "test",
        system=(
            "You are a research assistant with a search tool. Write Action: tool[input] to use it, "
            "then read the Observation.",
        ),
        question=("Task: {q}",),
        needle=("Known fact - {key} has {noun} {value}.",),
        extra={
            "call": "Action: {tool}[{args}]",
            "tools": ("lookup", "lookup", "page"),
            "result": "Observation {i} from {title}:\n{text}",
            "result_role": "user",
            "needle_q": ("Which {noun} does {key} have?",),
        },
    ),
)
