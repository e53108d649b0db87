"""`tatamutasi plan solve`: writes assignment and objective, rejects bad instances."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tatamutasi_cli.main import app
from tatamutasi_matching.domain.instance import FORMAT

runner = CliRunner()


def write(tmp_path: Path, **options: Any) -> Path:
    raw = {
        "format": FORMAT,
        "employees": [
            {"id": "a", "current_post": "P1", "stay_score": 10, "preferences": ["P2"]},
            {"id": "b", "current_post": "P2", "stay_score": 10},
        ],
        "posts": [
            {"id": "P1", "capacity": 1},
            {"id": "P2", "capacity": 1},
            {"id": "P3", "capacity": 1},
        ],
        "pairs": [
            {"employee": "a", "post": "P2", "score": 90},
            {"employee": "b", "post": "P3", "score": 80},
        ],
        "options": options,
    }
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(raw))
    return path


def test_solve_writes_assignment_and_objective(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    res = runner.invoke(app, ["plan", "solve", str(write(tmp_path)), "--out", str(out)])
    assert res.exit_code == 0, res.output
    result = json.loads(out.read_text())
    assert result["objective"] == 170 and result["moves_count"] == 2
    assert [r["post"] for r in result["assignment"]] == ["P2", "P3"]
    assert "objective 170" in res.output


def test_solve_twice_gives_identical_bytes_and_stable_mode(tmp_path: Path) -> None:
    path = write(tmp_path)
    a = runner.invoke(app, ["plan", "solve", str(path)])
    b = runner.invoke(app, ["plan", "solve", str(path)])
    assert a.exit_code == 0 and a.stdout == b.stdout
    stable = runner.invoke(app, ["plan", "solve", str(path), "--mode", "stable"])
    # b stated no preference, so it stays; a cannot take P2 from its holder
    assert json.loads(stable.stdout)["moves_count"] == 0


def test_bad_instance_exits_2_naming_the_field(tmp_path: Path) -> None:
    path = write(tmp_path)
    raw = json.loads(path.read_text())
    raw["posts"][0]["capacity"] = -1
    path.write_text(json.dumps(raw))
    res = runner.invoke(app, ["plan", "solve", str(path)])
    assert res.exit_code == 2
    assert "posts[0].capacity" in res.output and "di luar rentang" in res.output
    path.write_text("{not json")
    assert runner.invoke(app, ["plan", "solve", str(path)]).exit_code == 2
    path.write_text('{"x": NaN}')
    assert runner.invoke(app, ["plan", "solve", str(path)]).exit_code == 2
    assert runner.invoke(app, ["plan", "solve", str(tmp_path / "missing.json")]).exit_code == 2


def test_unmet_priority_post_exits_3_and_says_why(tmp_path: Path) -> None:
    path = write(tmp_path, priority_posts=["P1"], locked_employees=["a"], max_moves=0)
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["plan", "solve", str(path), "-o", str(out)])
    assert res.exit_code == 0  # P1 stays filled by its locked holder
    path = write(tmp_path, priority_posts=["P3"], max_moves=0)
    res = runner.invoke(app, ["plan", "solve", str(path), "-o", str(out)])
    assert res.exit_code == 3
    assert "unmet priority_post P3" in res.output
    assert json.loads(out.read_text())["status"] == "constraints_unmet"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda r: r["pairs"].append({"employee": "ghost", "post": "P2", "score": 1}),
            "pairs[2].employee",
        ),
        (lambda r: r["pairs"].append({"employee": "a", "post": "P9", "score": 1}), "pairs[2].post"),
        (lambda r: r["pairs"][0].update(score=5000), "pairs[0].score"),
        (lambda r: r["employees"][1].update(current_post="P9"), "employees[1].current_post"),
        (lambda r: r["options"].update(priority_posts=["P9"]), "options.priority_posts[0]"),
    ],
)
def test_unknown_references_and_out_of_range_scores_exit_2(
    tmp_path: Path, mutate: Any, field: str
) -> None:
    path = write(tmp_path)
    raw = json.loads(path.read_text())
    mutate(raw)
    path.write_text(json.dumps(raw))
    res = runner.invoke(app, ["plan", "solve", str(path)])
    assert res.exit_code == 2 and field in res.output
