"""The one table `make bench` prints, built from the results dict it writes to bench/results.json."""

from __future__ import annotations

from typing import Any

COLD_TARGET = 1.3  # handler init at most 1.3x the boto3 floor
COLUMNS = ("part", "what", "measured", "beside it", "ratio", "target")


def _mib(n: int) -> str:
    return f"{n / 1_048_576:.1f} MiB"


def _bytecode(coverage: dict[str, int] | None) -> str:
    if not coverage:
        return ""
    return f", bytecode for {coverage['unchecked_bytecode']} of {coverage['modules']} modules"


def rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    cold = results.get("cold_start")
    sizes = results.get("sizes", {}).get("functions", {})
    if cold:
        floor, floor_cpu = cold["floor_s"], cold["floor_cpu_s"]
        out.append(
            (
                "cold start",
                "floor: import boto3 + client",
                f"{floor_cpu * 1000:.0f} ms CPU",
                f"{floor * 1000:.0f} ms wall",
                "1.00",
                "",
            )
        )
        for name, row in cold["functions"].items():
            size = sizes.get(name)
            beside = f"{row['median_s'] * 1000:.0f} ms wall"
            if size:
                beside += f", {_mib(size['with_layer_bytes'])} built"
            mark = "" if row["ratio"] <= COLD_TARGET else "  over"
            out.append(
                (
                    "cold start",
                    name,
                    f"{row['cpu_median_s'] * 1000:.0f} ms CPU",
                    beside,
                    f"{row['ratio']:.2f}",
                    f"≤ {COLD_TARGET}{mark}",
                )
            )
    layer = results.get("sizes", {}).get("layer")
    if layer:
        out.append(
            (
                "size",
                f"{layer['name']} (every function's layer)",
                _mib(layer["bytes"]),
                f"{_mib(layer['zip_bytes'])} zipped{_bytecode(layer.get('bytecode'))}",
                "",
                "",
            )
        )
    for name, row in results.get("calls", {}).items():
        calls = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in row["warm"].items())
        mark = "" if row["warm_total"] <= row["minimum"] else "  over"
        out.append(("AWS calls", name, str(row["warm_total"]), calls, "", f"= {row['minimum']}{mark}"))
    throughput = results.get("throughput", {})
    units = {
        "statements": "statements/s",
        "events": "events/s",
        "pushes": "pushes/s",
        "deliveries": "deliveries/s",
    }
    for name, row in throughput.items():
        out.append(
            (
                "throughput",
                f"{units.get(name, name)} (n={row['items']})",
                f"{row['per_second']:.0f}/s",
                f"p50 {row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms",
                "",
                f"{len(row['errors'])} errors (results.json)" if row.get("errors") else "",
            )
        )
    ralph = results.get("ralph")
    if ralph:
        ratio = results.get("trackhub_vs_ralph")
        out.append(
            (
                "vs Ralph",
                f"Ralph statements/s (n={ralph['items']})",
                f"{ralph['per_second']:.0f}/s",
                f"p50 {ralph['p50_ms']:.0f} ms, p99 {ralph['p99_ms']:.0f} ms",
                f"{ratio:.2f}" if ratio is not None else "",
                "trackhub/Ralph ≥ 1.0",
            )
        )
        ours = throughput.get("statements", {}).get("server_cpu_ms_per_request")
        theirs = ralph.get("server_cpu_ms_per_request")
        if ours is not None and theirs is not None:
            out.append(
                (
                    "vs Ralph",
                    "server CPU per batch (all processes, client excluded)",
                    f"{ours:.0f} ms",
                    f"Ralph {theirs:.0f} ms",
                    f"{theirs / ours:.2f}" if ours else "",
                    "",
                )
            )
    return out


def render(results: dict[str, Any]) -> str:
    table = [COLUMNS, *rows(results)]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in table]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
