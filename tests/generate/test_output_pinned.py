"""The generator's output, pinned byte for byte.

The constants below are sha256 digests of every file (relative path and contents) written
by the generator, recorded with the code as it was before it was split into domain modules
(csc/generate/model.py, December 2026); the scale run's was recorded again when scale runs
stopped holding CAF children born after their CAF (docs/generator.md), and both when every
drop folder got its SYNTHETIC marker file (digests without it: the earlier pins). Refactoring the
generator must leave them as they are: the same random draws in the same order. Change a
constant only in a commit that means to change the generator's output, and say why there.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from csc.generate import generate

# Both re-recorded (December 2026) when the generator began to model the service: teams
# sized on their caseloads, workers who join and leave, raise/allocations.csv in every drop,
# contacts', referrals' and assessments' team and worker from the allocation in force; the
# front door's bad spells (contacts waiting for a decision); the demo's 2012-13 quarters no
# longer an even split of the year; the seasons of an uncalibrated LA. The history's own
# random stream is unchanged (the new parts draw from streams of their own), and so is every
# calibrated cell of the demo (tests/generate/test_calibration.py, marts_cells 440 / 445).
# Before: scale 519aeaae..., demo fb968993... (re-recorded when care leavers took the SSDA903
# definition: in the demo only the leaving-care cohort stays in care past 16).
# Both re-recorded (December 2026) for extract contract v2 (csc.generate.statutory): the new
# columns of persons, cla_episodes and assessments, raise/cin_plans.csv and
# raise/missing_episodes.csv, drawn from a stream of their own; and valid UPNs (check letter,
# LA code) where there was a random "A" and 12 digits (who has a UPN is drawn as before).
# Every other column of every file is the same as before, value for value (checked against
# the v1 generator: only persons.upn differs), and so are the demo's published figures.
# Before: scale 4070b829..., demo a7efc03e....
# Both re-recorded (December 2026) for the DfE's validation rules (docs/returns.md): an
# uncalibrated LA's referral closures, care episodes' codes and the sex of its children in
# care made consistent (csc.generate.realism, a stream of its own) and its suitable care
# leavers' accommodation never S1 or X1: the scale run's v1 files change, the demo's do not.
# In both, v2 fields only: UN1 before school age and no UN4 for a child in care, the LA's
# own provision placed in the LA (a stream of its own), neighbouring postcodes only of
# authorities the 2021 lookup knows, one CIN plan at a time (the demo's drops lose the
# overlapping CIN plans; the statutory stream's later draws, after the postcodes, move).
# The demo's marts are identical to those built before (bench/compare_marts.py; only
# meta.loaded_drops' rows read differ) and marts_cells reproduces 440 / 445.
# Before: scale 11175cfa..., demo 25e17ae5....
# The scale run's re-recorded (December 2026): an uncalibrated LA has one assessment and one
# section 47 enquiry at a time per child and no referral closed before its assessments are
# completed (csc.generate.realism; CIN census 8896, 8890, 8565): fewer assessments and
# enquiries, some closures later, and so the draws made after them on the history's
# stream (the service's) move; a review before the 4th birthday is PN0 (903 441; none in
# this run). The demo is not touched (calibrated: realism does not run).
# Before: scale f4d8e962....
# The scale run's re-recorded (December 2026): a referral whose initial assessment is not
# started (one at a time, above) has no core assessment either (an untyped SSD assessment
# would count as started where the typed RAISE one does not: the SSD parity test).
# Before: scale 2a97c8fb....
SCALE_SHA256 = "822bf9cee65e1bf753fe7b882b5a13d19a2a13f037ca662bd98398d0518a8792"
DEMO_SHA256 = "d1369147a2d3843374e5d42698fda72a4c6e2a9e39adfc928947b8345bd61025"


def tree_sha256(*folders: Path) -> str:
    """One digest of every file under the folders: relative path and contents, in order."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def test_a_small_scale_run_writes_the_pinned_bytes(tmp_path):
    """Two uncalibrated LAs, a year, quarterly drops, with the truth file."""
    generate(tmp_path / "landing", ["201", "202"], date(2011, 4, 1), date(2012, 3, 31),
             "quarterly", seed=7, truth=tmp_path / "truth", sizes=[1200.0, 2500.0], workers=1)
    assert tree_sha256(tmp_path / "landing", tmp_path / "truth") == SCALE_SHA256


def test_the_demo_writes_the_pinned_bytes(demo_landing):
    """The calibrated demo (the session's, generated once), with its truth file."""
    truth = demo_landing.parent / f"{demo_landing.name}-truth"
    assert tree_sha256(demo_landing, truth) == DEMO_SHA256


def test_the_digest_sees_a_changed_byte_and_a_renamed_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.csv").write_bytes(b"1,2\n")
    before = tree_sha256(tmp_path / "a")
    (tmp_path / "a" / "x.csv").write_bytes(b"1,3\n")
    changed = tree_sha256(tmp_path / "a")
    (tmp_path / "a" / "x.csv").rename(tmp_path / "a" / "y.csv")
    assert len({before, changed, tree_sha256(tmp_path / "a")}) == 3
