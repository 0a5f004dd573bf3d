from app import echo


def test_echo(dbos):
    assert echo("x") == "x"
