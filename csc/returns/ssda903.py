"""The SSDA903 return (children looked after) of one LA for one collection year, as at one
extract date: one CSV file per table, with the DfE's column names (the columns of
`lac_validator.config.column_names`) and dates as DD/MM/YYYY.

Who and what is in it (the DfE's SSDA903 guidance):
- Episodes: every care episode open at some time in the year (started on or before
  31 March and not ended before 1 April). An end after 31 March is not yet known to the
  return: the episode shows as open. An episode followed by another of the same period of
  care (the next one starts the day it ends) ceased with reason X1.
- Header: every child with an episode in the year, and every care leaver in OC3; MOTHER
  and MC_DOB for girls looked after in the year (not for care leavers in OC3 only), as at
  the year's end (a first child born after it: not yet a mother, rule 625).
- Reviews: the child's reviews held in the year.
- OC3: care leavers whose 17th to 21st birthday falls in the year (looked after for at least
  13 weeks after their 14th birthday, some of it after their 16th, and not looked after on
  the birthday: the definition of the care-leaver measures, int_care_leaver_birthdays,
  except that a 17- or 18-year-old who ceased to be looked after on the birthday itself is
  left out, as the DfE's rule 1016 asks), with the keeping-in-touch record closest to the
  birthday within 3 months either side.
- REASON_PLACE_CHANGE: the extract records it on the episode a move starts, the 903 on the
  episode the move ends (ceased X1, the next episode a change of placement, RNE P/B/T/U).
- UASC, Missing, PlacedAdoption: from the contract v2 fields and tables where the extract
  carries them (empty files are not written); UASC leaves out a child whose status ceased
  before the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from csc.returns.common import RECORD_MAP_COLUMNS, flag, known_by, open_in_year, text, ts
from csc.returns.source import CollectionYear, ReturnSource

# file name of each table in <out>/<la>/ssda903/, in the order they are written
FILES = {"Header": "header.csv", "Episodes": "episodes.csv", "Reviews": "reviews.csv",
         "OC3": "oc3.csv", "UASC": "uasc.csv", "Missing": "missing.csv",
         "PlacedAdoption": "placed_adoption.csv"}
COLUMNS = {
    "Header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "Episodes": ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC",
                 "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"],
    "Reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "UASC": ["CHILD", "SEX", "DOB", "DUC"],
    "OC3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "PlacedAdoption": ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED",
                       "REASON_PLACED_CEASED"],
    "Missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
}
# 903 SEX: 1 male, 2 female
SEX_CODES = {"M": "1", "F": "2"}  # to 2023-24
# From 2024-25 SEX is the extract's own letter: M, F or U (not known) (903 rule 101;
# CollectionYear.sex_as_letters).
# UPN unknown reasons the 903 takes in the UPN field (UN6-UN10 are CIN census only)
UPN_UNKNOWN_903 = {"UN1", "UN2", "UN3", "UN4", "UN5"}
# Episode that ends with the next of the same period of care
CONTINUES = "X1"
# reasons for a new episode that are a change of placement
PLACEMENT_CHANGES = {"P", "B", "T", "U"}
# The placement types the 2025-26 return brought in, and the codes they replaced: an LA
# recodes its open episodes on 1 April 2025, so an extract taken after that day holds the
# new code on an episode of an earlier year, whose return knows only the old one (903 rule
# 146; 526 wants no provider for Z1). A year before 2025-26 gets the code as used then
# (CollectionYear.new_placement_codes).
PLACEMENT_CODES_BEFORE = {"K3": "H5", "Z11": "Z1", "Z12": "Z1", "Z13": "Z1", "Z14": "Z1"}
# OC3 leaves out 17- and 18-year-olds who ceased to be looked after on or after their
# birthday (DfE rule 1016): for them an episode ending on the birthday counts as care on it
LEFT_ON_BIRTHDAY_EXCLUDED_AGES = {17, 18}
KEEPING_IN_TOUCH_WINDOW_MONTHS = 3
CARE_LEAVER_AGES = range(17, 22)


@dataclass
class Return903:
    tables: dict[str, pd.DataFrame]
    record_map: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def dmy(series: pd.Series) -> pd.Series:
    """Dates as DD/MM/YYYY, empty where none."""
    return series.dt.strftime("%d/%m/%Y").where(series.notna(), None)


def add_years(dob: pd.Series, years: int) -> pd.Series:
    """The date `years` after `dob`; 29 February falls on 28 February in other years."""
    def shift(value):
        if pd.isna(value):
            return pd.NaT
        try:
            return value.replace(year=value.year + years)
        except ValueError:
            return value.replace(year=value.year + years, day=28)
    return dob.map(shift).astype("datetime64[ns]")


def build(source: ReturnSource, la_code: str, year: CollectionYear, as_at: date
          ) -> Return903:
    persons = source.records("persons", la_code, as_at).set_index("person_id", drop=False)
    all_episodes = source.records("cla_episodes", la_code, as_at)
    all_episodes = all_episodes[all_episodes.start_date.notna()
                                & all_episodes.person_id.isin(persons.index)]
    maps: list[pd.DataFrame] = []

    episodes = _episodes(all_episodes, year)
    oc3 = _oc3(source, la_code, as_at, persons, all_episodes, year)
    children = sorted(set(episodes.CHILD) | set(oc3.CHILD))
    header = _header(persons, children, set(episodes.CHILD), year)
    reviews = _reviews(source, la_code, as_at, persons, set(episodes.CHILD), year)
    uasc = _uasc(persons, children, year)
    missing = _missing(source, la_code, as_at, persons, set(episodes.CHILD), year)
    placed = _placed_adoption(source, la_code, as_at, persons, set(episodes.CHILD), year)

    tables = {"Header": header, "Episodes": episodes, "Reviews": reviews, "OC3": oc3,
              "UASC": uasc, "Missing": missing, "PlacedAdoption": placed}
    for name, table in tables.items():
        maps.append(pd.DataFrame({
            "return": "ssda903", "table": name, "child_id": table.CHILD.to_numpy(),
            "source_table": table["_source_table"].to_numpy(),
            "record_id": table["_record_id"].to_numpy(), "row": range(len(table))}))
        tables[name] = table.drop(columns=["_source_table", "_record_id"])[COLUMNS[name]]
    record_map = pd.concat(maps, ignore_index=True)[RECORD_MAP_COLUMNS]
    return Return903(tables=tables, record_map=record_map)


def _frame(name: str, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    columns = COLUMNS[name] + ["_source_table", "_record_id"]
    if rows is None or rows.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    return rows[columns].reset_index(drop=True)


def _episodes(all_episodes: pd.DataFrame, year: CollectionYear) -> pd.DataFrame:
    eps = all_episodes.sort_values(["person_id", "start_date", "episode_id"]).copy()
    following = eps.groupby("person_id")
    eps["next_start"] = following.start_date.shift(-1)
    eps["next_rne"] = following.reason_new_episode.shift(-1)
    eps["next_reason_place_change"] = following.reason_place_change.shift(-1)
    eps = eps[open_in_year(eps.start_date, eps.end_date, year.start, year.end)].copy()
    end = known_by(eps.end_date, year.end)
    continues = end.notna() & (eps.next_start == eps.end_date)
    reason = eps.reason_ceased.map(text)
    reason = reason.where(reason.notna() | ~continues, CONTINUES)
    eps["CHILD"] = eps.person_id
    eps["DECOM"] = dmy(eps.start_date)
    eps["RNE"] = eps.reason_new_episode.map(text)
    eps["LS"] = eps.legal_status.map(text)
    eps["CIN"] = eps.category_of_need.map(text)
    eps["PLACE"] = eps.placement_type.map(text)
    if not year.new_placement_codes:
        eps["PLACE"] = eps.PLACE.replace(PLACEMENT_CODES_BEFORE)
    eps["PLACE_PROVIDER"] = eps.placement_provider.map(text)
    eps["DEC"] = dmy(end)
    eps["REC"] = reason.where(end.notna(), None)
    # the extract records why a placement changed on the episode the move starts; the 903
    # on the episode the move ends (ceased X1, the next one starting with a new placement)
    moved = (eps.REC == CONTINUES) & eps.next_rne.isin(list(PLACEMENT_CHANGES))
    eps["REASON_PLACE_CHANGE"] = eps.next_reason_place_change.map(text).where(moved, None)
    eps["HOME_POST"] = eps.home_postcode.map(text)
    eps["PL_POST"] = eps.placement_postcode.map(text)
    eps["URN"] = eps.placement_urn.map(text)
    eps["_source_table"] = "cla_episodes"
    eps["_record_id"] = eps.episode_id
    return _frame("Episodes", eps)


def _sex(sex: pd.Series, year: CollectionYear) -> pd.Series:
    """The 903's SEX for the year: 1 or 2 to 2023-24 (blank when not known), M, F or U
    from 2024-25."""
    if not year.sex_as_letters:
        return sex.map(lambda s: SEX_CODES.get(text(s) or ""))
    return sex.map(lambda s: text(s) or "U")


def _header(persons: pd.DataFrame, children: list[str], looked_after: set[str],
            year: CollectionYear) -> pd.DataFrame:
    people = persons.loc[children].copy() if children else persons.iloc[:0].copy()
    people["CHILD"] = people.person_id
    people["SEX"] = _sex(people.sex, year)
    people["DOB"] = dmy(people.date_of_birth)
    people["ETHNIC"] = people.ethnicity.map(text)
    upn = people.upn.map(text)
    unknown = people.upn_unknown.map(text)
    unknown = unknown.where(unknown.isin(UPN_UNKNOWN_903), None)
    people["UPN"] = upn.where(upn.notna(), unknown)
    # motherhood is asked of girls looked after in the year, not of care leavers in OC3
    # only (DfE rule 628)
    female = (people.sex.map(text) == "F") & people.person_id.isin(looked_after)
    mother = people.mother.map(flag)
    # a first child born after the year's end is not known to its return (rule 625): the
    # girl was not a mother in the year
    born_later = people.mother_child_dob.notna() & (people.mother_child_dob > ts(year.end))
    mother = mother.mask(born_later & mother.eq(True), False)
    people["MOTHER"] = mother.map({True: "1", False: "0"}).where(female & mother.notna(), None)
    people["MC_DOB"] = dmy(people.mother_child_dob).where(people.MOTHER == "1", None)
    people["_source_table"] = "persons"
    people["_record_id"] = people.person_id
    return _frame("Header", people)


def _dob(persons: pd.DataFrame, child: pd.Series) -> pd.Series:
    return dmy(child.map(persons.date_of_birth))


def _reviews(source, la_code, as_at, persons, children, year) -> pd.DataFrame:
    reviews = source.records("cla_reviews", la_code, as_at)
    reviews = reviews[reviews.person_id.isin(children)
                      & (reviews.review_date >= pd.Timestamp(year.start))
                      & (reviews.review_date <= pd.Timestamp(year.end))]
    reviews = reviews.sort_values(["person_id", "review_date", "review_id"]).copy()
    reviews["CHILD"] = reviews.person_id
    reviews["DOB"] = _dob(persons, reviews.person_id)
    reviews["REVIEW"] = dmy(reviews.review_date)
    reviews["REVIEW_CODE"] = reviews.participation_code.map(text)
    reviews["_source_table"] = "cla_reviews"
    reviews["_record_id"] = reviews.review_id
    return _frame("Reviews", reviews)


def care_leaver_birthdays(persons: pd.DataFrame, episodes: pd.DataFrame,
                          year: CollectionYear) -> pd.DataFrame:
    """person_id, age, birthday of each care leaver's 17th to 21st birthday in the year
    (the definition of int_care_leaver_birthdays)."""
    looked_after = persons[persons.person_id.isin(episodes.person_id)
                           & persons.date_of_birth.notna()]
    found = []
    for age in CARE_LEAVER_AGES:
        birthday = add_years(looked_after.date_of_birth, age)
        in_year = (birthday >= pd.Timestamp(year.start)) & (birthday <= pd.Timestamp(year.end))
        if not in_year.any():
            continue
        people = pd.DataFrame({
            "person_id": looked_after.person_id[in_year].to_numpy(), "age": age,
            "birthday": birthday[in_year].to_numpy(),
            "from_14": add_years(looked_after.date_of_birth[in_year], 14).to_numpy(),
            "from_16": add_years(looked_after.date_of_birth[in_year], 16).to_numpy()})
        spells = people.merge(episodes[["person_id", "start_date", "end_date"]],
                              on="person_id")
        until = spells.end_date.fillna(spells.birthday).clip(upper=spells.birthday)
        start_14 = spells[["start_date", "from_14"]].max(axis=1)
        start_16 = spells[["start_date", "from_16"]].max(axis=1)
        spells["days_after_14"] = (until - start_14).dt.days.clip(lower=0)
        spells["after_16"] = until > start_16
        spells["on_birthday"] = ((spells.start_date <= spells.birthday)
                                 & (spells.end_date.isna()
                                    | (spells.end_date > spells.birthday)
                                    | ((spells.end_date == spells.birthday)
                                       & (age in LEFT_ON_BIRTHDAY_EXCLUDED_AGES))))
        care = spells.groupby(["person_id", "age", "birthday"], as_index=False).agg(
            days_after_14=("days_after_14", "sum"), after_16=("after_16", "max"),
            on_birthday=("on_birthday", "max"))
        found.append(care[(care.days_after_14 >= 91) & care.after_16 & ~care.on_birthday])
    if not found:
        return pd.DataFrame(columns=["person_id", "age", "birthday"])
    return pd.concat(found, ignore_index=True)[["person_id", "age", "birthday"]]


def _oc3(source, la_code, as_at, persons, all_episodes, year) -> pd.DataFrame:
    leavers = care_leaver_birthdays(persons, all_episodes, year)
    contacts = source.records("care_leaver_contacts", la_code, as_at)
    window = pd.DateOffset(months=KEEPING_IN_TOUCH_WINDOW_MONTHS)
    near = leavers.merge(contacts, on="person_id", how="inner")
    near = near[(near.contact_date >= near.birthday - window)
                & (near.contact_date <= near.birthday + window)].copy()
    near["distance"] = (near.contact_date - near.birthday).dt.days.abs()
    near = near.sort_values(["person_id", "distance", "contact_date"]).drop_duplicates(
        "person_id")
    oc3 = leavers.merge(near[["person_id", "contact_date", "in_touch", "activity",
                              "accommodation"]], on="person_id", how="left")
    oc3 = oc3.sort_values("person_id")
    oc3["CHILD"] = oc3.person_id
    oc3["DOB"] = _dob(persons, oc3.person_id)
    has_contact = oc3.contact_date.notna()
    # no keeping-in-touch record within the window: the LA was not in touch around the
    # birthday (IN_TOUCH NO, activity and accommodation 0, as the DfE codes it; rule 133
    # rejects a blank accommodation)
    oc3["IN_TOUCH"] = oc3.in_touch.map(text).where(has_contact, "NO")
    oc3["ACTIV"] = oc3.activity.map(text).where(has_contact, "0")
    oc3["ACCOM"] = oc3.accommodation.map(text).where(has_contact, "0")
    oc3["_source_table"] = has_contact.map({True: "care_leaver_contacts", False: "persons"})
    oc3["_record_id"] = oc3.person_id.where(
        ~has_contact, oc3.person_id + "|" + oc3.contact_date.dt.strftime("%Y-%m-%d"))
    return _frame("OC3", oc3)


def _child_rows(name: str, rows: pd.DataFrame, persons: pd.DataFrame, source_table: str,
                record_id: pd.Series) -> pd.DataFrame:
    """The table `name` from `rows` (one per row, in their order, with the table's own
    columns set): CHILD, DOB where the table has it, and the source record behind each."""
    rows["CHILD"] = rows.person_id
    if "DOB" in COLUMNS[name]:
        rows["DOB"] = _dob(persons, rows.person_id)
    rows["_source_table"] = source_table
    rows["_record_id"] = record_id
    return _frame(name, rows)


def _spells_in_year(source, table, la_code, as_at, children, start, end, year,
                    order) -> pd.DataFrame:
    """The children's records of `table` whose spell (`start` to `end`) overlaps the year,
    sorted by `order`."""
    spells = source.records(table, la_code, as_at)
    spells = spells[spells.person_id.isin(children)
                    & open_in_year(spells[start], spells[end], year.start, year.end)]
    return spells.sort_values(order).copy()


def _uasc(persons, children, year) -> pd.DataFrame:
    people = persons.loc[children].copy() if children else persons.iloc[:0].copy()
    # UASC at some time in the year: not those whose status ceased before it (rule 104)
    ceased = people.uasc_ceased_date
    people = people[(people.uasc.map(flag) == True)  # noqa: E712 - None is not UASC
                    & (ceased.isna() | (ceased >= pd.Timestamp(year.start)))]
    people["SEX"] = _sex(people.sex, year)
    people["DUC"] = dmy(known_by(people.uasc_ceased_date, year.end))
    return _child_rows("UASC", people, persons, "persons", people.person_id)


def _missing(source, la_code, as_at, persons, children, year) -> pd.DataFrame:
    spells = _spells_in_year(source, "missing_episodes", la_code, as_at, children,
                             "start_date", "end_date", year,
                             ["person_id", "start_date", "missing_id"])
    spells["MISSING"] = spells.missing_type.map(text)
    spells["MIS_START"] = dmy(spells.start_date)
    spells["MIS_END"] = dmy(known_by(spells.end_date, year.end))
    return _child_rows("Missing", spells, persons, "missing_episodes", spells.missing_id)


def _placed_adoption(source, la_code, as_at, persons, children, year) -> pd.DataFrame:
    placed = _spells_in_year(source, "adoptions", la_code, as_at, children, "date_placed",
                             "date_placed_ceased", year, ["person_id", "date_placed"])
    ceased = known_by(placed.date_placed_ceased, year.end)
    placed["DATE_PLACED"] = dmy(placed.date_placed)
    placed["DATE_PLACED_CEASED"] = dmy(ceased)
    placed["REASON_PLACED_CEASED"] = placed.reason_placed_ceased.map(text).where(
        ceased.notna(), None)
    return _child_rows("PlacedAdoption", placed, persons, "adoptions",
                       placed.person_id + "|" + placed.date_placed.dt.strftime("%Y-%m-%d"))
