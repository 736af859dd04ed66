import pytest

from csc.cli import build_parser


@pytest.mark.parametrize("command", ["generate", "refresh"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert command in capsys.readouterr().out
