"""`python process_manifest.py <manifest>` applies every line exactly once, also when killed right after a commit,
without adding tables of its own to the warehouse database and although corrections may share a line's reference."""

import json

from conftest import schemas, tables
from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, sql

DHL = [("M-0701-1", "SKU-KETTLE", 40), ("M-0701-2", "SKU-TOASTER", 25), ("M-0701-3", "SKU-KETTLE", -12),
       ("M-0701-4", "SKU-MUG", 200), ("M-0701-5", "SKU-TOASTER", -5), ("M-0701-6", "SKU-MUG", -48)]
PRE_ADVISED_RETURN = ("M-0701-3", "SKU-KETTLE", 2)  # booked by the returns service before the manifest came in
WAREHOUSE_COLUMNS = {"stock_levels": {"sku", "on_hand"},
                     "stock_moves": {"id", "reference", "sku", "quantity", "created_at"}}
DBOS_OWN_TABLES = {"datasource_outputs", "dbos_datasource_migrations"}  # what a DBOS datasource creates (dbos 3.4.0)


def apply(manifest: str, **env: str):
    return run_program("process_manifest.py", f"manifests/{manifest}.json",
                       env={"LABELS_LOG": f"labels-{manifest}.jsonl", **env})


def summary(done) -> dict:
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def moves(prefix: str) -> list[tuple]:
    return sorted(sql("SELECT reference, sku, quantity FROM stock_moves WHERE reference LIKE %s", (prefix + "%",)))


def levels(*skus: str) -> dict[str, int]:
    return dict(sql("SELECT sku, on_hand FROM stock_levels WHERE sku = ANY(%s)", (list(skus),)))


def assert_no_tables_of_its_own(before: dict) -> None:
    """The prompt: no tables, columns or schemas of the job's own in the warehouse database (DBOS's are fine)."""
    added_schemas = schemas() - before["schemas"] - {"dbos"}
    assert not added_schemas, f"the job added schemas to the warehouse database: {sorted(added_schemas)}"
    added = {(schema, table) for schema, table in tables() - before["tables"]
             if (schema, table) not in {("public", t) for t in WAREHOUSE_COLUMNS}
             and not (schema == "dbos" and table in DBOS_OWN_TABLES)}
    assert not added, f"the job added tables to the warehouse database: {sorted(added)}"
    for table, expected in WAREHOUSE_COLUMNS.items():
        columns = {r[0] for r in sql("SELECT column_name FROM information_schema.columns "
                                     "WHERE table_schema = 'public' AND table_name = %s", (table,))}
        assert columns == expected, f"the job changed the columns of {table}: {sorted(columns)}"


def test_manifest_applied_once_and_a_rerun_changes_nothing(before_any_run):
    assert summary(apply("ups-0702")) == {"manifest": "ups-0702", "lines": 3, "net_units": 27}
    expected = [("M-0702-1", "SKU-LAMP", 30), ("M-0702-2", "SKU-LAMP", -7), ("M-0702-3", "SKU-RUG", 4)]
    assert moves("M-0702-") == expected
    assert levels("SKU-LAMP", "SKU-RUG") == {"SKU-LAMP": 23, "SKU-RUG": 4}
    printed = {r["reference"]: r["on_hand"] for r in read_jsonl("labels-ups-0702.jsonl")}
    assert printed == {"M-0702-1": 30, "M-0702-2": 23, "M-0702-3": 4}

    assert summary(apply("ups-0702")) == {"manifest": "ups-0702", "lines": 3, "net_units": 27}
    assert moves("M-0702-") == expected, "re-running a finished manifest applied lines again"
    assert levels("SKU-LAMP", "SKU-RUG") == {"SKU-LAMP": 23, "SKU-RUG": 4}
    assert len(read_jsonl("labels-ups-0702.jsonl")) == 3, "re-running a finished manifest printed labels again"
    assert_no_tables_of_its_own(before_any_run)


def test_kill_right_after_a_commit_then_rerun_applies_each_line_exactly_once(before_any_run):
    booked = run_program("returns_service.py", *map(str, PRE_ADVISED_RETURN))
    assert booked.returncode == 0, booked.stderr[-3000:]

    crashed = apply("dhl-0701", STOCK_CRASH_AFTER_COMMIT="3")
    assert_crashed_at_drill(crashed, "labels-dhl-0701.jsonl")

    assert summary(apply("dhl-0701")) == {"manifest": "dhl-0701", "lines": 6, "net_units": 200}
    applied = moves("M-0701-")
    assert applied == sorted([*DHL, PRE_ADVISED_RETURN]), \
        f"a manifest line was applied twice or not at all (the pre-advised return shares M-0701-3): {applied}"
    assert levels("SKU-KETTLE", "SKU-TOASTER", "SKU-MUG") == {"SKU-KETTLE": 30, "SKU-TOASTER": 20, "SKU-MUG": 152}
    printed = [r["reference"] for r in read_jsonl("labels-dhl-0701.jsonl")]
    assert sorted(printed) == [ref for ref, _, _ in DHL], f"a label was printed twice or not at all: {printed}"
    on_hand = {r["reference"]: r["on_hand"] for r in read_jsonl("labels-dhl-0701.jsonl")}
    assert on_hand == {"M-0701-1": 42, "M-0701-2": 25, "M-0701-3": 30, "M-0701-4": 200, "M-0701-5": 20,
                       "M-0701-6": 152}
    assert_no_tables_of_its_own(before_any_run)
