"""What every benchmark module shares: the `Benchmark` description the runner discovers, the
`Result` it returns, the machine description, and the writer that keeps one section per
benchmark in `bench/RESULTS.md` (re-running one benchmark replaces only its section)."""

import argparse
import contextlib
import os
import platform
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
OUT_DIR = BENCH_DIR / "out"  # logs and raw data of the last run (git-ignored)

RESULTS_HEADER = """# Benchmark results

Written by `make bench` (`.venv/bin/python -m bench`). Each benchmark owns one section below,
between its `bench:<name>` markers; re-running a benchmark (`python -m bench --only <name>`)
replaces only that section. What each figure means: `bench/README.md`.
"""


@dataclass(frozen=True)
class Target:
    """One acceptance target: what is wanted, what was measured, whether it was met."""

    name: str
    goal: str
    actual: str
    met: bool | None  # None: not evaluated (e.g. the phase did not run)


@dataclass
class Result:
    """What a benchmark run hands back; `render_section` turns it into Markdown."""

    figures: list[tuple[str, str, str]]  # (figure, value, meaning)
    targets: list[Target] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_markdown: str = ""  # further tables (e.g. per-phase breakdowns)

    @property
    def all_met(self) -> bool:
        return all(t.met for t in self.targets)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark module exposes one of these as `BENCHMARK`."""

    name: str
    title: str
    description: str
    add_arguments: Callable[[argparse._ArgumentGroup], None]
    run: Callable[[argparse.Namespace], Result]


# -- machine ----------------------------------------------------------------------------------
def machine_info() -> dict[str, str]:
    info = {"cpus (nproc)": str(os.cpu_count() or "?")}
    with contextlib.suppress(AttributeError):
        info["cpus (nproc)"] = str(len(os.sched_getaffinity(0)))
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cpu model"] = model
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    info["memory"] = mem
    info["os"] = f"{platform.system()} {platform.release()}"
    info["python"] = platform.python_version()
    with contextlib.suppress(OSError):
        info["load average at start"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return info


def command_line() -> str:
    args = " ".join(shlex.quote(a) for a in sys.argv[1:])
    return f".venv/bin/python -m bench {args}".rstrip()


# -- RESULTS.md -------------------------------------------------------------------------------
def _begin(name: str) -> str:
    return f"<!-- bench:{name}:begin -->"


def _end(name: str) -> str:
    return f"<!-- bench:{name}:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_section(
    bench: Benchmark,
    result: Result,
    *,
    started: datetime,
    elapsed_s: float,
    machine: dict[str, str],
    command: str,
) -> str:
    lines = [
        _begin(bench.name),
        f"## {bench.name} — {bench.title}",
        "",
        bench.description,
        "",
        f"- Date: {started.astimezone(UTC):%Y-%m-%d %H:%M UTC} (took {elapsed_s:.0f} s)",
        f"- Command: `{command}`",
        "- Machine: " + "; ".join(f"{k}: {v}" for k, v in machine.items()),
        "",
        "| figure | value | meaning |",
        "|---|---:|---|",
    ]
    lines += [f"| {_cell(f)} | {_cell(v)} | {_cell(m)} |" for f, v, m in result.figures]
    if result.targets:
        verdict = "all met" if result.all_met else "NOT all met"
        lines += [
            "",
            f"### Targets ({verdict})",
            "",
            "| target | goal | measured | met |",
            "|---|---|---:|---|",
        ]
        for t in result.targets:
            met = "n/a" if t.met is None else ("yes" if t.met else "**no**")
            lines.append(f"| {_cell(t.name)} | {_cell(t.goal)} | {_cell(t.actual)} | {met} |")
    if result.extra_markdown:
        lines += ["", result.extra_markdown.strip()]
    if result.settings:
        lines += ["", "### Settings used", ""]
        lines += [f"- `{k}` = `{v}`" for k, v in result.settings.items()]
    if result.notes:
        lines += ["", "### Notes", ""]
        lines += [f"- {n}" for n in result.notes]
    lines += [_end(bench.name)]
    return "\n".join(lines) + "\n"


def write_section(name: str, section: str, path: Path = RESULTS_FILE) -> None:
    """Replace the section of `name` in RESULTS.md (or append it); leave the rest alone."""
    text = path.read_text() if path.exists() else RESULTS_HEADER
    pattern = re.compile(
        re.escape(_begin(name)) + r".*?" + re.escape(_end(name)) + r"\n?", re.DOTALL
    )
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def standalone(name: str, argv: list[str] | None = None) -> int:
    """`python -m bench.<module> [options]`, the same as `python -m bench --only <name>`."""
    from bench.__main__ import main

    return main(["--only", name, *(sys.argv[1:] if argv is None else argv)])
