"""The training-data loader on tiny files made here: schemas, .txt separators, clean-up, errors, splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from greentext.training.documents import HUB_DATASET, DataError, clean, load_documents, split_documents

ROOT = Path(__file__).resolve().parent.parent

STORY_A = "the bus\n>be me\n>miss the bus\n>walk"
STORY_B = "the cake\n>be me\n>bake a cake\n>forget the sugar"


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def datasets_cache(tmp_path, monkeypatch):
    """Keep datasets' Arrow cache for the local folders made here out of the user's cache."""
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")


@pytest.mark.parametrize("column", ["text", "content", "greentext", "story", "body"])
def test_jsonl_text_column(tmp_path, column):
    path = write_jsonl(tmp_path / "s.jsonl", [{column: STORY_A}, {column: STORY_B}])
    assert load_documents(str(path)) == [STORY_A, STORY_B]


def test_jsonl_project_corpus_schema(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [{"id": "x-001", "topic": "x", "text": STORY_A},
                                              {"id": "x-002", "topic": "x", "text": STORY_B}])
    assert load_documents(str(path)) == [STORY_A, STORY_B]


def test_jsonl_prompt_completion(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [
        {"prompt": "the bus ", "completion": ">be me\n>miss the bus\n>walk"},  # no newline: one is added
        {"prompt": "the cake\n", "completion": "\n>be me\n>bake a cake\n>forget the sugar\n"},
        {"prompt": "the cake", "completion": "\\n>be me\\n>bake a cake\\n>forget the sugar"},  # literal \n
        {"prompt": "", "completion": STORY_A},
    ])
    assert load_documents(str(path)) == [STORY_A, STORY_B, STORY_B, STORY_A]


def test_folder_in_hub_layout_goes_through_load_dataset(tmp_path):
    folder = tmp_path / "greentext"
    folder.mkdir()
    write_jsonl(folder / "greentexts.jsonl", [
        {"prompt": "the bus", "completion": ">be me\\n>miss the bus\\n>walk"},
        {"prompt": "the cake", "completion": "\n>be me\n>bake a cake\n>forget the sugar"},
    ])
    (folder / "greentexts.txt").write_text("ignored: datasets prefers the .jsonl on a tie\n", encoding="utf-8")
    assert load_documents(str(folder)) == [STORY_A, STORY_B]


def test_folder_of_txt_keeps_stories_whole(tmp_path):
    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "stories.txt").write_text(f"{STORY_A}\n\n{STORY_B}\n", encoding="utf-8")
    assert load_documents(str(folder)) == [STORY_A, STORY_B]


def test_txt_with_endoftext_separators(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text(f"{STORY_A}\n\n>after a blank line\n<|endoftext|>\n{STORY_B}\n<|endoftext|>\n", encoding="utf-8")
    assert load_documents(str(path)) == [STORY_A + "\n\n>after a blank line", STORY_B]


def test_txt_with_blank_line_separators(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text(f"\n{STORY_A}\r\n\r\n  \n\n{STORY_B}\n\n\n", encoding="utf-8")
    assert load_documents(str(path)) == [STORY_A, STORY_B]


def test_txt_one_story_a_line_with_literal_newlines(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text(STORY_A.replace("\n", "\\n") + "\n" + STORY_B.replace("\n", "\\n") + "\n", encoding="utf-8")
    assert load_documents(str(path)) == [STORY_A, STORY_B]


@pytest.mark.parametrize("raw, expected", [
    ("the bus\\n>be me\\n>miss it", "the bus\n>be me\n>miss it"),
    (">it u2019d be fine", ">it ’d be fine"),
    (">donu2019t care", ">don’t care"),
    (">don\\u2019t care", ">don’t care"),
    ('>she says \\"hi\\"\\n>it\\\'s over', '>she says "hi"\n>it\'s over'),
    (">caf\\u00e9\\tnear u2014 here", ">café near — here"),
    (">saudade and stuffed crust", ">saudade and stuffed crust"),  # "udade", "uffed": out of range
    (">code u20195 stays", ">code u20195 stays"),  # part of a longer number
    ("\r\n\n  \ntitle  \r\n>be me\t \r\r\r\n\n>end<|endoftext|>\n\n", "title\n>be me\n\n>end"),
])
def test_clean(raw, expected):
    assert clean(raw) == expected


def test_clean_leaves_the_project_corpus_alone():
    for line in (ROOT / "assets/corpus/greentexts.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        assert clean(text) == text


def test_unknown_schema_names_the_columns(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [{"title": "x", "words": "y"}])
    with pytest.raises(DataError) as err:
        load_documents(str(path))
    message = str(err.value)
    assert "title, words" in message and "prompt + completion" in message and "text" in message
    assert str(path) in message and "\n" not in message


@pytest.mark.parametrize("content", ["", "\n\n", json.dumps({"text": "  \\n \n"}) + "\n"])
def test_empty_data(tmp_path, content):
    path = tmp_path / "s.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match="no greentexts found"):
        load_documents(str(path))


def test_bad_files(tmp_path):
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": STORY_A}) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2 is not valid JSON"):
        load_documents(str(tmp_path / "b.jsonl"))
    with pytest.raises(DataError, match="no such file"):
        load_documents(str(tmp_path / "missing.jsonl"))
    (tmp_path / "c.csv").write_text("text\nx\n", encoding="utf-8")
    with pytest.raises(DataError, match="use a .jsonl or .txt file"):
        load_documents(str(tmp_path / "c.csv"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="cannot read this folder"):
        load_documents(str(tmp_path / "empty"))


def test_hub_id_that_cannot_be_fetched(monkeypatch):
    import datasets
    import huggingface_hub

    # datasets and huggingface_hub read these variables once, at import: patch their copies too.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DataError) as err:
        load_documents("greentext-lab-tests/no-such-dataset")
    message = str(err.value)
    assert "Hugging Face hub" in message and "--data assets/corpus/greentexts.jsonl" in message
    assert "greentext-lab-tests/no-such-dataset" in message and "\n" not in message
    assert HUB_DATASET == "DarwinAnim8or/greentext"


def test_split_is_deterministic_and_sized():
    docs = [f"story {i}\n>be me" for i in range(50)]
    train, val = split_documents(docs, 0.1, seed=3)
    assert (train, val) == split_documents(docs, 0.1, seed=3)
    assert len(val) == 5 and len(train) == 45 and sorted(train + val) == sorted(docs)
    assert split_documents(docs, 0.1, seed=4) != (train, val)
    assert [len(part) for part in split_documents(docs[:2], 0.1)] == [1, 1]
    assert [len(part) for part in split_documents(docs[:3], 0.5)] == [2, 1]


@pytest.mark.parametrize("docs, fraction", [([], 0.1), (["one"], 0.1), (["a", "b"], 0.0), (["a", "b"], 0.6),
                                            (["a", "b"], float("nan"))])
def test_split_rejects(docs, fraction):
    with pytest.raises(DataError):
        split_documents(docs, fraction)


def test_project_corpus():
    docs = load_documents(str(ROOT / "assets/corpus/greentexts.jsonl"))
    assert len(docs) >= 600
    for doc in docs:
        title, *lines = doc.split("\n")
        assert title and not title.startswith(">")
        assert lines and all(line.startswith(">") for line in lines)
