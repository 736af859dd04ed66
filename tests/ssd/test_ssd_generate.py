"""`csc generate --format ssd` writes the same synthetic children as the RAISE/CAF drops of
the same seed: the same persons, the same numbers of contacts, referrals, assessments,
section 47 enquiries, CP plans, care episodes and reviews, drop by drop, with the SSD's
datetime text and outcome JSON."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from csc.cli import main
from csc.generate import generate
from csc.generate.ssd import EH_PREFIX, generate_ssd
from csc.ssd_contract import load_ssd_contract, ssd_column_names

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$")

# RAISE/CAF table -> the SSD table holding the same records one for one
SAME_RECORDS = {
    ("raise", "contacts"): "ssd_contacts",
    ("raise", "referrals"): "ssd_cin_episodes",
    ("raise", "assessments"): "ssd_cin_assessments",
    ("raise", "s47_enquiries"): "ssd_s47_enquiry",
    ("raise", "cp_plans"): "ssd_cp_plans",
    ("raise", "cla_episodes"): "ssd_cla_episodes",
    ("raise", "cla_reviews"): "ssd_cla_reviews",
    ("raise", "workers"): "ssd_professionals",
    ("caf", "caf_assessments"): "ssd_early_help_episodes",
}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _drops(landing: Path) -> list[str]:
    return sorted(p.name for p in landing.iterdir() if p.is_dir())


@pytest.mark.parametrize("variant", ["lcs", "mosaic"])
def test_ssd_and_raise_drops_of_one_seed_hold_the_same_children(
        variant, raise_landing, ssd_landings):
    raise_drops, truth = raise_landing
    ssd = ssd_landings[variant]
    assert _drops(ssd) == _drops(raise_drops)
    links = _read(truth / "caf_child_person.csv")
    for drop in _drops(raise_drops):
        rd, sd = raise_drops / drop, ssd / drop / "ssd"
        for (system, table), ssd_table in SAME_RECORDS.items():
            raise_frame = _read(rd / system / f"{table}.csv")
            ssd_frame = _read(sd / f"{ssd_table}.csv")
            assert len(ssd_frame) == len(raise_frame), (drop, table)
            assert (ssd_frame.la_code.value_counts().to_dict()
                    == raise_frame.la_code.value_counts().to_dict()), (drop, table)
        persons = _read(rd / "raise" / "persons.csv")
        people = _read(sd / "ssd_person.csv")
        raise_ids = set(zip(persons.la_code, persons.person_id, strict=True))
        ssd_ids = set(zip(people.la_code, people.pers_person_id, strict=True))
        assert raise_ids <= ssd_ids
        # the others are early-help children: their own EH id, or the social-care person
        # they are (recorded in early help before social care recorded them)
        linked = set(zip(links.la_code, links.person_id, strict=True))
        for la, pid in ssd_ids - raise_ids:
            assert pid.startswith(EH_PREFIX) or (la, pid) in linked, (drop, la, pid)
        # early help episodes carry the social-care person id where the child has one
        eh = _read(sd / "ssd_early_help_episodes.csv")
        caf = _read(rd / "caf" / "caf_assessments.csv").merge(
            links, on=["la_code", "caf_child_id"], how="left").fillna("")
        expected = caf.person_id.where(caf.person_id != "", EH_PREFIX + caf.caf_child_id)
        assert list(eh.earl_person_id) == list(expected)
        assert set(zip(eh.la_code, eh.earl_person_id, strict=True)) <= ssd_ids
        # the header is the variant's column set
        contract = load_ssd_contract()
        for name in ("ssd_contacts", "ssd_cp_reviews", "ssd_cla_reviews", "ssd_involvements"):
            assert list(_read(sd / f"{name}.csv").columns) == ssd_column_names(
                contract.table(name), variant)


def test_ssd_values_are_datetime_text_flags_and_outcome_json(raise_landing, ssd_landings):
    raise_drops, _ = raise_landing
    drop = _drops(raise_drops)[-1]
    sd = ssd_landings["lcs"] / drop / "ssd"
    contacts = _read(sd / "ssd_contacts.csv")
    assert contacts.cont_contact_date.str.match(DATETIME).all()
    outcomes = contacts.cont_contact_outcome_json.map(json.loads)
    raise_contacts = _read(raise_drops / drop / "raise" / "contacts.csv")
    new_referral = outcomes.map(lambda o: o["NEW_REFERRAL_FLAG"])
    assert list(new_referral) == list(raise_contacts.outcome.map(
        {"referral": "Y", "closed_logged": "N", "": ""}))
    assert set(outcomes.iloc[0]) >= {"NFA_FLAG", "NUMBER_OF_OUTCOMES", "COMMENTS"}
    episodes = _read(sd / "ssd_cin_episodes.csv")
    for column in ("cine_referral_date", "cine_close_date"):
        filled = episodes[column][episodes[column] != ""]
        assert filled.str.match(DATETIME).all()
    assert set(episodes.cine_referral_nfa) <= {"Y", "N"}
    json.loads(episodes.cine_referral_outcome_json.iloc[0])
    # one period of care id per run of episodes, each placement inside one period
    cla = _read(sd / "ssd_cla_episodes.csv")
    placements = _read(sd / "ssd_cla_placement.csv")
    assert set(cla.clae_cla_placement_id) == set(placements.clap_cla_placement_id)
    periods = cla[["la_code", "clae_cla_id"]].drop_duplicates()
    assert (cla.clae_cla_episode_start_reason == "S").sum() <= len(periods)
    assert set(cla.clae_cla_id) == {"CLA" + e for e in cla.clae_cla_episode_id[
        cla.clae_cla_episode_start_date == cla.clae_entered_care_date]}
    # involvements: the RAISE allocations when the drop has them, else referrals and
    # assessments with a worker
    allocations = raise_drops / drop / "raise" / "allocations.csv"
    involvements = _read(sd / "ssd_involvements.csv")
    if allocations.is_file():
        assert len(involvements) == len(_read(allocations))
    else:
        referrals = _read(raise_drops / drop / "raise" / "referrals.csv")
        assessments = _read(raise_drops / drop / "raise" / "assessments.csv")
        assert len(involvements) == ((referrals.worker_id != "").sum()
                                     + (assessments.worker_id != "").sum())


def test_generate_ssd_writes_only_ssd_drops_and_leaves_nothing_behind(tmp_path):
    out = tmp_path / "landing"

    def build(landing: Path, truth: Path) -> object:
        return generate(landing, ["808"], date(2013, 1, 1), date(2013, 6, 30), drops="final",
                        seed=7, truth=truth, sizes=[1000.0])

    drops = generate_ssd(out, build, variant="mosaic", truth=tmp_path / "truth")
    assert [d.name for d in drops] == ["2013-07-14"]
    assert sorted(p.name for p in drops[0].iterdir()) == ["SYNTHETIC", "reference", "ssd"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing", "truth"]
    assert (tmp_path / "truth" / "caf_child_person.csv").is_file()


def test_cli_format_ssd(tmp_path, capsys):
    out = tmp_path / "landing"
    assert main(["generate", "--format", "ssd", "--ssd-variant", "mosaic", "--out", str(out),
                 "--las", "808", "--from", "2013-01-01", "--to", "2013-03-31",
                 "--drops", "final", "--workers", "1"]) == 0
    assert "wrote 1 SSD drops (mosaic)" in capsys.readouterr().out
    header = (out / "2013-04-14" / "ssd" / "ssd_contacts.csv").read_text().splitlines()[0]
    assert "cont_contact_source_code" not in header
    with pytest.raises(SystemExit, match="--dirt"):
        main(["generate", "--format", "ssd", "--dirt", "0.01", "--out", str(tmp_path / "x")])
