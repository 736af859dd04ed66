import pytest

from csc.cli import build_parser, main


@pytest.mark.parametrize("command", ["generate", "refresh"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert command in capsys.readouterr().out


def test_a_warehouse_folder_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    """`--warehouse` names the published file. A folder given instead is refused at once,
    naming the file it likely meant, rather than after a whole build (the publish step's
    rename onto a folder) with the GX project and reports written into its parent."""
    folder = tmp_path / "warehouse"
    folder.mkdir()
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["refresh", "--landing", str(tmp_path),
                                   "--warehouse", str(folder)])
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert f"{folder} is a folder" in message and str(folder / "csc.duckdb") in message
    # The same check on the environment's default, for every command that reads it.
    monkeypatch.setenv("CSC_WAREHOUSE", str(folder))
    assert main(["report", "--period", "2013-14 Q4"]) == 2
    assert f"CSC_WAREHOUSE: {folder} is a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [folder] and not list(folder.iterdir())
