"""lkv-data-v2's generator: deterministic per seed, templates held out, documents split."""

from collections import defaultdict

import pytest

from lkv_sglang.training import sources
from lkv_sglang.training.varied import templates
from lkv_sglang.training.varied.family import ROLES
from lkv_sglang.training.varied.generator import SPLITS, build_sample
from lkv_sglang.training.varied.templates import FAMILIES, KINDS

LENGTHS = (300, 600, 700)
N = 2 * len(KINDS)


def ntok(s: str) -> int:
    return len(s.split()) * 4 // 3


@pytest.fixture(scope="module")
def samples():
    return {s: [build_sample(5, s, i, ntok, LENGTHS) for i in range(N)] for s in SPLITS}


def test_deterministic_for_a_seed_and_alone(samples):
    again = [build_sample(5, "train", i, ntok, LENGTHS) for i in range(N)]
    assert [s.to_json() for s in again] == [s.to_json() for s in samples["train"]]
    # one index rebuilds on its own, with nothing generated before it
    assert (
        build_sample(5, "val_heldout", 7, ntok, LENGTHS).to_json()
        == samples["val_heldout"][7].to_json()
    )
    other = [build_sample(6, "train", i, ntok, LENGTHS) for i in range(N)]
    assert [s.messages for s in other] != [s.messages for s in samples["train"]]


def test_every_kind_has_a_family_in_every_role():
    for kind in KINDS:
        for role in ROLES:
            assert templates.families(kind, role), (kind, role)


def test_no_template_id_or_phrasing_shared_between_roles():
    ids = [f.id for f in FAMILIES]
    assert len(ids) == len(set(ids))
    roles_of = defaultdict(set)
    for f in FAMILIES:
        for p in f.phrasings():
            roles_of[p].add(f.role)
    leaks = {p: r for p, r in roles_of.items() if len(r) > 1}
    assert not leaks, leaks


def test_each_split_uses_only_its_role_s_templates(samples):
    role = {
        "train": "train",
        "val_heldout": "val",
        "test_heldout": "test",
        "test_informat": "train",
    }
    for split, exs in samples.items():
        for s in exs:
            assert templates.BY_ID[s.family].role == role[split], s.id
    assert {s.kind for s in samples["train"]} == set(KINDS)


def test_held_out_wording_never_reaches_a_training_prompt(samples):
    train_text = "\n".join(m["content"] for s in samples["train"] for m in s.messages)
    for f in FAMILIES:
        if f.role == "train":
            continue
        for p in f.phrasings():
            fixed = p.split("{")[0].strip()  # the literal text before the first placeholder
            if len(fixed) >= 12:
                assert fixed not in train_text, (f.id, fixed)


def test_no_test_document_in_training(samples):
    docs = {s: {d for e in exs for d in e.docs} for s, exs in samples.items()}
    test_docs = docs["test_heldout"] | docs["test_informat"]
    assert docs["train"] and test_docs
    assert not docs["train"] & test_docs
    assert not docs["train"] & docs["val_heldout"]
    for split, exs in samples.items():
        doc_split = SPLITS[split][0]
        for e in exs:
            for d in e.docs:
                assert (
                    d.endswith(f":{doc_split}")
                    if d.startswith(("essays:", "gen:"))
                    else sources.split_of(d) == doc_split
                ), (e.id, d)


def test_gold_is_in_the_prompt_for_needles(samples):
    for exs in samples.values():
        for s in exs:
            text = "\n".join(m["content"] for m in s.messages)
            if s.kind in ("needle", "multineedle", "vt") or s.meta.get("task") == "needle":
                assert all(g in text for g in s.gold), s.id


def test_app_shapes_use_system_tool_and_assistant_turns(samples):
    roles = defaultdict(set)
    for s in samples["train"] + samples["test_heldout"]:
        roles[s.kind] |= {m["role"] for m in s.messages}
    assert "system" in roles["app_qa"]
    assert {"assistant", "user"} <= roles["chat"]
    assert "assistant" in roles["agent"] and ({"tool"} & roles["agent"] or "user" in roles["agent"])


def test_unknown_split_named():
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        build_sample(0, "dev", 0, ntok)
