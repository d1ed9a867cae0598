"""Run the agent: it searches and reads documents until it answers; steps shown live.

Every turn is constrained decoding on the server (see ``lkv_app.agent``): the first turn calls a
tool, the last one answers, and an answer names the document that supports it."""

import streamlit as st

from lkv_app.agent import AgentSettings, run_agent
from lkv_app.agent.steps import NOT_FOUND
from lkv_app.ui.common import config, llm, shown_errors, sidebar, store

cfg = config()
choice = sidebar(cfg)
st.title("Agent")
question = st.text_input("Question for the agent", key="agent_question", max_chars=2000)
c1, c2 = st.columns(2)
max_turns = c1.number_input("Max turns (model calls)", 2, 12, 4)
growth = c2.number_input("Budget growth per turn (tokens)", 0, 4096, 64, step=16)

if st.button("Run agent", type="primary"):
    with shown_errors():
        settings = AgentSettings(
            max_turns=int(max_turns),
            eviction=choice.eviction,
            eviction_budget=choice.eviction_budget,
            budget_growth=int(growth),
        )
        steps = run_agent(question, store(), llm(choice), settings)
        run = None
        while run is None:
            try:
                step = next(steps)
            except StopIteration as stop:
                run = stop.value
                break
            ev = step.eviction
            kept = f" (kept {ev.kept_tokens}/{ev.prompt_tokens} prompt tokens)" if ev else ""
            with st.container(border=True):
                if step.kind == "tool_call":
                    st.caption(f"Turn {step.turn + 1}: calls {step.name}{kept}")
                    st.text(step.text)
                elif step.kind == "tool_result":
                    st.caption(f"Result of {step.name}")
                    st.text(step.text[:1500])
                else:
                    st.caption(f"Turn {step.turn + 1}: answer{kept}")
                    st.text(step.text)
        if run.completed and not run.tools_used:
            st.warning(
                "Answered without calling a tool: the answer does not come from your documents."
            )
        elif run.answer == NOT_FOUND:
            st.info(f"Searched with {len(run.tools_used)} tool calls: {NOT_FOUND}")
        elif run.completed:
            st.success(f"Answered after {len(run.tools_used)} tool calls.")
        else:
            st.warning(f"No answer: {run.stop_reason}.")
