"""`python -m mpc_engine`: sort files of signed integers, refuse bad input before any party runs."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mpc_engine.cli import main
from mpc_engine.demo import synthetic_profits

ROOT = Path(__file__).resolve().parents[2]
EDGES_32 = [0, 1, -1, 2**31 - 1, -(2**31), 5, 5, -7, 123456, -123456]


def write_lines(path, values, end="\n"):
    path.write_text("\n".join(str(v) for v in values) + (end if values else ""), encoding="utf-8")
    return path


def read_lines(path):
    return [int(line) for line in path.read_text(encoding="utf-8").splitlines()]


def sort_file(tmp_path, values, *options):
    source, target = write_lines(tmp_path / "in.txt", values), tmp_path / "out.txt"
    code = main(["sort", "--input", str(source), "--output", str(target), *options])
    return code, target


def test_sort_over_tcp_gives_sorted_values_with_edges_and_ties(tmp_path):
    code, target = sort_file(tmp_path, EDGES_32)
    assert code == 0
    assert read_lines(target) == sorted(EDGES_32)


def test_desc_sorts_largest_first(tmp_path):
    code, target = sort_file(tmp_path, EDGES_32, "--desc", "--transport", "local")
    assert code == 0
    assert read_lines(target) == sorted(EDGES_32, reverse=True)


def test_ring_64_sorts_values_beyond_32_bits(tmp_path):
    values = [2**63 - 1, -(2**63), 2**32, -(2**31) - 1, 0, -1, 1]
    code, target = sort_file(tmp_path, values, "--ring", "64", "--transport", "local")
    assert code == 0
    assert read_lines(target) == sorted(values)


@pytest.mark.parametrize("n", [1, 2, 3, 37])
def test_small_and_odd_sizes_sort_like_sorted(tmp_path, n):
    values = np.random.default_rng(n).integers(-(2**31), 2**31, n).tolist()
    code, target = sort_file(tmp_path, values, "--transport", "local")
    assert code == 0
    assert read_lines(target) == sorted(values)


def test_an_empty_file_gives_an_empty_output(tmp_path):
    code, target = sort_file(tmp_path, [])
    assert code == 0
    assert target.read_text() == ""


def test_a_file_without_final_newline_and_with_spaces_and_signs_is_read(tmp_path):
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text(" 3\r\n+2 \n-1", encoding="utf-8")
    assert main(["sort", "--input", str(source), "--output", str(target), "--transport",
                 "local"]) == 0
    assert read_lines(target) == [-1, 2, 3]


@pytest.mark.parametrize(("lines", "line_no", "reason"), [
    (["1", "2", "x3", "4"], 3, "not an integer"),
    (["1", "2.5"], 2, "not an integer"),
    (["1_000"], 1, "not an integer"),
    (["1", "", "2"], 2, "empty line"),
    (["1", "2", "2147483648"], 3, "outside the signed 32-bit range"),
    (["-2147483649"], 1, "outside the signed 32-bit range"),
    (["9" * 5000], 1, "outside the signed 32-bit range"),
])
def test_a_bad_line_exits_2_naming_it_and_writes_nothing(tmp_path, capsys, lines, line_no, reason):
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["sort", "--input", str(source), "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"line {line_no}:" in err and reason in err
    assert "x3" not in err and "2147483648" not in err.split("range")[0]  # never quotes a value
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left either


def test_a_bad_line_leaves_an_existing_output_untouched(tmp_path):
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text("1\nnope\n", encoding="utf-8")
    target.write_text("previous result\n", encoding="utf-8")
    assert main(["sort", "--input", str(source), "--output", str(target)]) == 2
    assert target.read_text() == "previous result\n"


def test_a_value_fitting_64_bits_is_out_of_range_for_ring_32(tmp_path, capsys):
    code, target = sort_file(tmp_path, [1, 2**40])
    assert code == 2
    assert "line 2:" in capsys.readouterr().err
    assert not target.exists()


def test_a_missing_input_file_exits_2(tmp_path, capsys):
    code = main(["sort", "--input", str(tmp_path / "nope.txt"), "--output", str(tmp_path / "o")])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_demo_sorts_company_profits_and_reports_the_match(capsys):
    assert main(["demo", "--n", "24", "--transport", "local"]) == 0
    out = capsys.readouterr().out
    assert "all 24 values match" in out and "rounds" in out


def test_demo_figures_are_reproducible_and_include_losses():
    profits = synthetic_profits(200)
    assert np.array_equal(profits, synthetic_profits(200))
    assert (profits < 0).any() and (profits > 0).any()


def test_help_lists_the_subcommands():
    done = subprocess.run([sys.executable, "-m", "mpc_engine", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    assert "sort" in done.stdout and "demo" in done.stdout


def test_the_module_sorts_a_file_as_a_command(tmp_path):
    source, target = write_lines(tmp_path / "in.txt", [3, -1, 2]), tmp_path / "out.txt"
    subprocess.run([sys.executable, "-m", "mpc_engine", "sort", "--input", str(source),
                    "--output", str(target)], cwd=ROOT, timeout=120, check=True)
    assert read_lines(target) == [-1, 2, 3]
