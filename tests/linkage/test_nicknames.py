"""The generator's nicknames and the linkage's nickname table must agree: a child the
generator re-keys with a nickname has to be recognisable by the linkage."""

from csc.generate.people import NICKNAMES
from csc.linkage import load_nicknames


def test_every_generated_nickname_resolves_to_the_same_forename():
    table = load_nicknames()

    def canonical(name: str) -> str:
        name = name.lower()
        return table.get(name, name)

    for formal, nickname in NICKNAMES.items():
        assert canonical(nickname) == canonical(formal) or nickname == formal, (formal, nickname)


def test_a_nickname_names_one_forename():
    seen: dict[str, str] = {}
    with open(__import__("csc.linkage", fromlist=["x"]).NICKNAMES_FILE) as fh:
        next(fh)
        for line in fh:
            nickname, forename = line.strip().split(",")
            assert seen.setdefault(nickname, forename) == forename, nickname
