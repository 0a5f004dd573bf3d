from app import greet


def test_greet(dbos):
    assert greet("ada") == "hi ada"
