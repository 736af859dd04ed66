"""A small messy CAF population for linkage tests, written as a real drop.

RAISE persons with varied names, dates of birth and postcodes; CAF children who are some of
those persons (a third carrying the RAISE id) recorded with nicknames, typos, transposed
dates of birth, postcode slips and house moves, plus CAF children who are not in RAISE at
all. Returns the true mapping."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from csc.contract import load_contract
from csc.linkage import load_nicknames

FORENAMES = ("olivia amelia isla ava mia ivy lily isabella rosie sophia grace freya evie "
             "poppy florence willow elsie daisy ruby harper william thomas james oliver harry "
             "jacob charles george noah arthur leo oscar henry theodore archie joshua samuel "
             "joseph alexander daniel benjamin edward matthew nicholas robert katherine "
             "elizabeth margaret rebecca abigail jessica eleanor emily zachary patrick "
             "stephen frederick christopher andrew david maxwell nathan").split()
SURNAMES = ("smith jones taylor brown williams wilson johnson davies robinson wright thompson "
            "evans walker white roberts green hall wood jackson clarke patel khan lewis james "
            "phillips mason mitchell rose davis rodriguez cox alexander morgan moore martin "
            "price hughes lee harris turner hill scott cooper ward morris king watson baker "
            "harrison atkinson dixon bell carr metcalfe pearson robson stephenson hutchinson "
            "richardson young allen kelly bennett gray shaw foster chapman parker murray "
            "marshall graham webb hunt holmes palmer mills barnes knight lloyd butler russell "
            "fisher stevens").split()
POSTCODE_DISTRICTS = ["TS17", "TS18", "TS19", "TS20", "TS21", "TS16", "TS23", "TS22"]


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    if rng.random() < 0.5:  # transpose two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + "aeiouy"[int(rng.integers(6))] + word[i + 1:]  # substitute a vowel


def _postcode(rng: np.random.Generator) -> str:
    return (f"{POSTCODE_DISTRICTS[int(rng.integers(8))]} {int(rng.integers(1, 10))}"
            f"{'ABDEFGHJLNPQRSTUWXYZ'[int(rng.integers(20))]}"
            f"{'ABDEFGHJLNPQRSTUWXYZ'[int(rng.integers(20))]}")


def write_messy_drop(landing: Path, extract_date: str = "2014-04-14", n_persons: int = 1500,
                     n_caf: int = 600, seed: int = 1, la_code: str = "808") -> list[dict]:
    rng = np.random.default_rng(seed)
    nick_of = {}
    for nickname, formal in load_nicknames().items():
        nick_of.setdefault(formal, nickname)
    persons = []
    families: list[tuple[str, str]] = []
    while len(persons) < n_persons:
        # A family: one surname and address, one to three children in RAISE.
        surname = SURNAMES[int(rng.integers(len(SURNAMES)))].title()
        postcode = _postcode(rng)
        families.append((surname, postcode))
        for _ in range(int(rng.integers(1, 4))):
            dob = date(1996, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 18)))
            persons.append({"la_code": la_code, "person_id": f"{len(persons) + 1:06d}",
                            "forename": FORENAMES[int(rng.integers(len(FORENAMES)))].title(),
                            "surname": surname, "date_of_birth": dob, "postcode": postcode})
    persons = persons[:n_persons]
    children, truth = [], []
    chosen = rng.choice(n_persons, size=int(n_caf * 0.7), replace=False)
    for k in range(n_caf):
        caf_id = f"CAF{k + 1:05d}"
        if k < len(chosen):
            p = persons[int(chosen[k])]
            forename, surname = p["forename"].lower(), p["surname"].lower()
            dob, postcode = p["date_of_birth"], p["postcode"]
            carries_id = rng.random() < 1 / 3
            # Each kind of mess independently, so some records carry several.
            if rng.random() < 0.25 and forename in nick_of:
                forename = nick_of[forename]
            if rng.random() < 0.15:
                surname = _typo(surname, rng)
            if rng.random() < 0.1:
                forename = _typo(forename, rng)
            if rng.random() < 0.15 and dob.day <= 12 and dob.day != dob.month:
                dob = date(dob.year, dob.day, dob.month)
            slip = rng.random()
            if slip < 0.15:
                postcode = postcode[:-1] + "ABDEFGHJ"[int(rng.integers(8))]
            elif slip < 0.25:  # moved house since RAISE recorded the address
                postcode = _postcode(rng)
            elif slip < 0.33:
                postcode = ""
            person_id = p["person_id"]
        else:
            # Not in RAISE: half are siblings of RAISE children (same surname and
            # address, their own forename and date of birth), the hard non-matches.
            forename = FORENAMES[int(rng.integers(len(FORENAMES)))]
            dob = date(1996, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 18)))
            if rng.random() < 0.5:
                surname, postcode = families[int(rng.integers(len(families)))]
                surname = surname.lower()
            else:
                surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
                postcode = f"{POSTCODE_DISTRICTS[int(rng.integers(8))]} 1AA"
            carries_id, person_id = False, ""
        children.append({"la_code": la_code, "caf_child_id": caf_id,
                         "forename": forename.title(), "surname": surname.title(),
                         "date_of_birth": dob, "postcode": postcode,
                         "raise_person_id": person_id if carries_id else ""})
        truth.append({"la_code": la_code, "caf_child_id": caf_id, "person_id": person_id})

    contract = load_contract()
    rows = {"persons": persons, "caf_children": children}
    for table in contract.required_tables():
        path = landing / extract_date / table.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=table.column_names, restval="")
            writer.writeheader()
            writer.writerows(rows.get(table.name, []))
    return truth


def write_truth(path: Path, truth: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["la_code", "caf_child_id", "person_id"])
        writer.writeheader()
        writer.writerows(truth)
    return path
