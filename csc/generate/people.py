"""Names, dates of birth, postcodes and the CAF database's imperfect copies of them.

Vectorised draws for synthetic children, and the mistakes a second system makes when staff
re-key a child: nicknames and spelling variants, day and month of birth transposed, postcode
typos. Linkage (the linkage issue) is measured against the true mapping the generator writes
with `--truth`.
"""

from __future__ import annotations

import numpy as np

FORENAMES_F = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Lily", "Sophie", "Emily", "Grace",
               "Jessica", "Chloe", "Ella", "Charlotte", "Ruby", "Evie", "Katie", "Megan",
               "Hannah", "Lauren", "Caitlin", "Abigail", "Elizabeth", "Rebecca", "Jasmine",
               "Leah", "Courtney", "Shannon", "Amy", "Bethany", "Zara", "Aisha", "Maisie"]
FORENAMES_M = ["Jack", "Oliver", "Harry", "George", "Noah", "Charlie", "Jacob", "Thomas",
               "Leo", "James", "William", "Joshua", "Daniel", "Alexander", "Samuel", "Joseph",
               "Michael", "Matthew", "Liam", "Callum", "Kyle", "Connor", "Ryan", "Lewis",
               "Mohammed", "Nathan", "Jordan", "Bradley", "Reece", "Dylan", "Kieran", "Ethan"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Robson", "Walker", "Thompson",
            "Wright", "Hall", "Wood", "Harrison", "Jackson", "Bell", "Atkinson", "Dixon",
            "Johnson", "Clark", "Scott", "Hughes", "Stephenson", "Watson", "Lee", "Young",
            "Green", "Turner", "Kelly", "Graham", "Richardson", "Hutchinson", "Cooper",
            "Anderson", "Murray", "Moore", "Stewart", "Carr", "Pearson", "Marshall", "Hussain",
            "Khan", "Ali", "O'Neill", "McDonald", "Armstrong", "Elliott", "Henderson",
            "Shaw", "Chapman"]
NICKNAMES = {"Thomas": "Tom", "James": "Jim", "William": "Billy", "Joshua": "Josh",
             "Daniel": "Danny", "Alexander": "Alex", "Samuel": "Sam", "Joseph": "Joe",
             "Michael": "Mike", "Matthew": "Matt", "Nathan": "Nate", "Elizabeth": "Beth",
             "Rebecca": "Becky", "Jessica": "Jess", "Charlotte": "Lottie", "Abigail": "Abbie",
             "Katie": "Kate", "Hannah": "Hanna", "Mohammed": "Muhammad", "Olivia": "Liv",
             "Amelia": "Millie", "Charlie": "Charley", "Caitlin": "Katelyn", "Callum": "Calum",
             "Kyle": "Kyle", "Leah": "Lea", "Sophie": "Sophia", "Bradley": "Brad",
             "Harry": "Henry", "Evie": "Eve", "Isla": "Islay", "Megan": "Meg"}
ETHNICITY_WEIGHTS = {"WBRI": 0.86, "WIRI": 0.003, "WOTH": 0.02, "WROM": 0.003, "MWBC": 0.015,
                     "MWBA": 0.006, "MWAS": 0.008, "MOTH": 0.01, "AIND": 0.004, "APKN": 0.025,
                     "ABAN": 0.003, "AOTH": 0.006, "BCRB": 0.002, "BAFR": 0.01, "BOTH": 0.002,
                     "CHNE": 0.003, "OOTH": 0.01, "REFU": 0.002, "NOBT": 0.008}
POSTCODE_DISTRICTS = ["TS15", "TS16", "TS17", "TS18", "TS19", "TS20", "TS21", "TS22", "TS23"]
INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


def choose(options: list[str], size: int, rng: np.random.Generator,
           p: np.ndarray | None = None) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p)]


def draw_people(n: int, rng: np.random.Generator, ethnicity_codes: tuple[str, ...],
                sex_codes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Sex, names, ethnicity and postcode for n children (dates of birth come from events)."""
    sex = np.where(rng.random(n) < 0.51, "M", "F").astype(object)
    sex[rng.random(n) < 0.004] = "U" if "U" in sex_codes else sex[0]
    fore = np.where(sex == "F", choose(FORENAMES_F, n, rng), choose(FORENAMES_M, n, rng))
    codes = [c for c in ETHNICITY_WEIGHTS if c in ethnicity_codes]
    w = np.array([ETHNICITY_WEIGHTS[c] for c in codes])
    return {
        "forename": fore,
        "surname": choose(SURNAMES, n, rng),
        "sex": sex,
        "ethnicity": choose(codes, n, rng, w / w.sum()),
        "postcode": postcodes(n, rng),
    }


def postcodes(n: int, rng: np.random.Generator) -> np.ndarray:
    district = choose(POSTCODE_DISTRICTS, n, rng)
    digit = rng.integers(1, 10, size=n).astype(str)
    a = INWARD_LETTERS[rng.integers(0, len(INWARD_LETTERS), size=n)]
    b = INWARD_LETTERS[rng.integers(0, len(INWARD_LETTERS), size=n)]
    return (district + " " + digit.astype(object) + a.astype(object) + b.astype(object))


def _typo(words: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One keying slip per word: two adjacent letters swapped, or one doubled."""
    out = words.copy()
    for i, w in enumerate(words):  # only the few records that get a typo
        if len(w) < 4:
            continue
        k = int(rng.integers(1, len(w) - 2))
        out[i] = w[:k] + w[k + 1] + w[k] + w[k + 2:] if rng.random() < 0.6 else \
            w[: k + 1] + w[k] + w[k + 1:]
    return out


def caf_copies(fore: np.ndarray, sur: np.ndarray, dob: np.ndarray, postcode: np.ndarray,
               rng: np.random.Generator, born_by: np.ndarray | None = None
               ) -> tuple[np.ndarray, ...]:
    """How the CAF database records children RAISE also knows: mostly right, often not.
    With `born_by` (the CAF's start), day and month are transposed only where the
    transposed date is still on or before it (the record cannot hold an unborn child)."""
    n = len(fore)
    fore, sur, dob, postcode = fore.copy(), sur.copy(), dob.copy(), postcode.copy()
    nick = rng.random(n) < 0.25
    fore[nick] = np.array([NICKNAMES.get(f, f) for f in fore[nick]], dtype=object)
    typo = rng.random(n) < 0.06
    fore[typo] = _typo(fore[typo], rng)
    styp = rng.random(n) < 0.08
    sur[styp] = _typo(sur[styp], rng)
    # Day and month transposed (only possible when the day is 12 or less).
    birth = (np.datetime64("1970-01-01") + dob.astype("timedelta64[D]"))
    year = birth.astype("datetime64[Y]").astype(int) + 1970
    month = birth.astype("datetime64[M]").astype(int) % 12 + 1
    day_of_month = (birth - birth.astype("datetime64[M]")).astype(int) + 1
    swap = (rng.random(n) < 0.07) & (day_of_month <= 12) & (day_of_month != month)
    if swap.any():
        swapped = np.array([f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in
                            zip(year[swap], day_of_month[swap], month[swap], strict=True)],
                           dtype="datetime64[D]")
        swapped_days = (swapped - np.datetime64("1970-01-01")).astype(np.int64)
        if born_by is not None:
            swapped_days = np.where(swapped_days > born_by[swap], dob[swap], swapped_days)
        dob[swap] = swapped_days
    moved = rng.random(n) < 0.12
    postcode[moved] = postcodes(int(moved.sum()), rng)
    ptypo = rng.random(n) < 0.05
    postcode[ptypo] = np.array([p.replace(" ", "") if i % 2 else p.lower()
                                for i, p in enumerate(postcode[ptypo])], dtype=object)
    return fore, sur, dob, postcode
