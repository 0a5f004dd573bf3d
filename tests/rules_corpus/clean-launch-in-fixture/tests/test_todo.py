from todo import add_todo


def test_add(reset_dbos, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert add_todo("milk") == "milk"
