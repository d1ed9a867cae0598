"""The document store: safe names, accepted files, positions, no duplicates, deletion."""

from __future__ import annotations

import pytest
from pdf_bytes import make_pdf
from sample_docs import CATS, MARS

from lkv_app.errors import InputRejected
from lkv_app.store import DocumentStore, safe_name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\x\\notes.md", "notes.md"),
        ("/abs/path/a b&c.txt", "a_b_c.txt"),
        ("..hidden.md", "hidden.md"),
        ("résumé.pdf", "resume.pdf"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_safe_name(raw, clean):
    assert safe_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "..", "../", "///", "***"])
def test_unusable_names_are_refused(raw):
    with pytest.raises(InputRejected, match="no usable name"):
        safe_name(raw)


def test_files_never_land_outside_the_store(store, tmp_path):
    res = store.ingest("../../../evil.txt", b"some text here")
    assert res.name == "evil.txt"
    written = [p for p in tmp_path.rglob("*evil*")]
    assert written and all(store.root in p.resolve().parents for p in written)


def test_ingest_keeps_source_and_positions(store):
    data = "".join(f"Paragraph {i} about item {i}. " * 5 + "\n\n" for i in range(40)).encode()
    res = store.ingest("long.txt", data)
    assert res.status == "added" and res.chunks > 1
    doc = store.read("long.txt")
    got = store._col.get(where={"source": "long.txt"}, include=["documents", "metadatas"])
    for chunk, meta in zip(got["documents"], got["metadatas"], strict=True):
        assert doc[meta["start"] : meta["end"]] == chunk
    assert sorted(m["chunk"] for m in got["metadatas"]) == list(range(res.chunks))


def test_pdf_pages_are_recorded(store):
    store.ingest("codes.pdf", make_pdf(["Apples are red.", "The secret code is 4711."]))
    hit = store.search("secret code", 1)[0]
    assert hit.name == "codes.pdf" and "4711" in store.read("codes.pdf")
    assert hit.page in (1, 2)


def test_reingest_does_not_duplicate(filled_store):
    before = filled_store._col.count()
    assert filled_store.ingest("mars.txt", MARS).status == "unchanged"
    copy = filled_store.ingest("copy_of_mars.txt", MARS)
    assert copy.status == "unchanged" and "mars.txt" in copy.note
    assert filled_store._col.count() == before


def test_changed_content_replaces_old_chunks(filled_store):
    filled_store.ingest("mars.txt", b"Completely new text about Jupiter's moons.")
    assert "butterscotch" not in filled_store.read("mars.txt")
    got = filled_store._col.get(where={"source": "mars.txt"}, include=["documents"])
    assert got["documents"] == ["Completely new text about Jupiter's moons."]


def test_delete_removes_chunks_and_files(filled_store):
    assert filled_store.delete("mars.txt") > 0
    assert [d.name for d in filled_store.documents()] == ["cats.md"]
    assert all(h.name == "cats.md" for h in filled_store.search("sky on Mars", 3))
    assert not (filled_store.root / "files" / "mars.txt").exists()
    with pytest.raises(InputRejected, match="stored documents: cats.md"):
        filled_store.read("mars.txt")


def test_search_finds_the_right_document(filled_store):
    assert filled_store.search("What is a group of cats called?", 1)[0].name == "cats.md"
    assert filled_store.search("colour of the Martian sky", 1)[0].name == "mars.txt"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("big.txt", b"a" * 100_001, "largest file allowed"),
        ("tool.exe", b"MZ...", "not supported; allowed: .txt, .md, .pdf"),
        ("noext", b"text", "not supported"),
        ("latin.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("broken.pdf", b"%PDF-1.4 garbage", "could not be read as a PDF"),
        ("blank.md", b"   \n\n ", "contains no text"),
    ],
)
def test_bad_uploads_are_refused_and_lose_nothing(filled_store, name, data, message):
    before = (filled_store._col.count(), filled_store.documents())
    with pytest.raises(InputRejected, match=message):
        filled_store.ingest(name, data)
    assert (filled_store._col.count(), filled_store.documents()) == before


def test_store_persists(tmp_path, embedding):
    root = tmp_path / "persist"
    DocumentStore(root, embedding_function=embedding).ingest("cats.md", CATS)
    again = DocumentStore(root, embedding_function=embedding)
    assert [d.name for d in again.documents()] == ["cats.md"]
