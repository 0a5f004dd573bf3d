"""The data catalog: which partitions a dataset has. Do not modify."""

DATASETS = {
    "orders": [f"2023-{m:02d}" for m in range(9, 13)] + [f"2024-{m:02d}" for m in range(1, 13)],
    "customers": ["region=emea", "region=amer", "region=apac"],
    "web_events_q3": ["2024-07", "2024-08", "2024-09"],
}


def partitions(dataset: str) -> list[str]:
    if dataset not in DATASETS:
        raise KeyError(f"unknown dataset {dataset!r}")
    return list(DATASETS[dataset])
