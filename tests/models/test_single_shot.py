"""Fenced-block parsing of single-shot answers: the many ways models name their files."""

import pytest

from harness.models.chat import ModelOutputError
from harness.models.single_shot import clean_path, parse_files

CODE = "def f():\n    return 1\n"
WS = {"app.py": "old\n", "lib/util.py": "old\n"}


@pytest.mark.parametrize("answer", [
    f"```python path=app.py\n{CODE}```",
    f"```python file=app.py\n{CODE}```",
    f'```python title="app.py"\n{CODE}```',
    f"```python:app.py\n{CODE}```",
    f"```app.py\n{CODE}```",
    f"```python app.py\n{CODE}```",
    f"**app.py**\n```python\n{CODE}```",
    f"### app.py\n\n```python\n{CODE}```",
    f"File: `app.py`\n```python\n{CODE}```",
    f"Here is the updated `app.py`:\n```python\n{CODE}```",
    f"~~~python path=app.py\n{CODE}~~~",
    f"  ```python path=./app.py\n{CODE}  ```",
])
def test_every_common_way_of_naming_the_file_is_understood(answer):
    assert parse_files(answer, WS) == {"app.py": CODE}


def test_a_first_line_comment_names_the_file_and_is_kept():
    assert parse_files(f"```python\n# lib/util.py\n{CODE}```", WS) == {"lib/util.py": f"# lib/util.py\n{CODE}"}


def test_a_longer_fence_may_contain_a_shorter_one():
    body = 'DOC = """\n```python\nx = 1\n```\n"""\n'
    assert parse_files(f"````python path=app.py\n{body}````", WS) == {"app.py": body}


def test_several_files_and_a_later_block_for_the_same_path_wins():
    answer = (f"```python path=app.py\nfirst\n```\n```python path=lib/util.py\n{CODE}```\n"
              f"```python path=app.py\n{CODE}```")
    assert parse_files(answer, WS) == {"app.py": CODE, "lib/util.py": CODE}


def test_an_unterminated_block_of_a_truncated_answer_is_dropped():
    answer = f"```python path=app.py\n{CODE}```\n```python path=lib/util.py\ndef half("
    assert parse_files(answer, WS) == {"app.py": CODE}


def test_an_unnamed_block_is_used_only_when_the_workspace_has_one_file():
    assert parse_files(f"```python\n{CODE}```", {"only.py": "x"}) == {"only.py": CODE}
    with pytest.raises(ModelOutputError, match="names its file"):
        parse_files(f"```python\n{CODE}```", WS)


def test_no_block_is_a_model_error_carrying_the_raw_answer():
    with pytest.raises(ModelOutputError) as caught:
        parse_files("I cannot do that.", WS)
    assert caught.value.raw == "I cannot do that."


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.py", "a/../../b.py", ""])
def test_paths_outside_the_workspace_are_refused(path):
    assert clean_path(path) is None
    if path:
        with pytest.raises(ModelOutputError, match="unsafe path"):
            parse_files(f"```python path={path}\n{CODE}```", WS)


def test_paths_are_normalized():
    assert clean_path("./a//b/../c.py") == "a/c.py" and clean_path("a\\b.py") == "a/b.py"
