-- Counts of the children in care measures for every LA, period and extract, with team, worker
-- (and agency) breakdowns, from their records (int_measure_records__children_in_care).
{{ measure_counts(ref('int_measure_records__children_in_care'), ['cic_at_period_end', 'cic_placement_stability_moves', 'cic_placement_stability_length', 'permanence_adoption', 'permanence_residence_order', 'permanence_special_guardianship', 'permanence_returned_home', 'cla_review_participation']) }}
