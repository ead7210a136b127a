"""A small published indikatorer.duckdb with every table of spec/indicators.md, values chosen by
hand so that each figure of the report can be worked out on paper (see tests/test_report.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from hansyn.publishing.swap import PUBLISHED_STORAGE_VERSION

TABLES = {
    "i1_procurement_share": """
        create table pub.i1_procurement_share (year integer, buyer_organisation varchar,
          service_procurements bigint, gross_list_procurements bigint,
          with_social_requirement bigint, with_employment_requirement bigint,
          share_social_requirement double, share_employment_requirement double,
          required_places bigint);
        insert into pub.i1_procurement_share values
          (2023, 'Kretslopp och vatten', 4, 2, 1, 1, 0.5, 0.5, 3),
          (2024, 'Kretslopp och vatten', 5, 4, 3, 2, 0.75, 0.5, 6),
          (2024, 'Park- och naturförvaltningen', 3, 2, 2, 1, 1.0, 0.5, 2),
          (2024, 'Lokalförvaltningen', 1, 0, 0, 0, null, null, 0);
    """,
    "bruttolista": """
        create table pub.bruttolista (procurement_id varchar, title varchar,
          buyer_organisation varchar, procurement_type varchar, contract_start date,
          contract_end date, workers integer, social_level integer,
          has_employment_requirement boolean, required_places integer, supplier_name varchar,
          in_agency_statistics boolean);
        insert into pub.bruttolista values
          ('GBG-1', 'Städning', 'Kretslopp och vatten', 'Tjänster', '2024-01-01', null, 5, 3,
           true, 4, 'Städ AB', true),
          ('GBG-2', 'Park; skötsel', 'Park- och naturförvaltningen', 'Tjänster', '2024-02-01',
           '2025-02-01', 3, 1, false, 0, 'Grön AB', false),
          ('GBG-3', 'Möbler', 'Lokalförvaltningen', 'Varor', '2024-03-01', null, 2, 4, true, 2,
           'Möbel AB', true);
    """,
    "procurement_reconciliation": """
        create table pub.procurement_reconciliation (year integer, buyer_org_number varchar,
          buyer_name varchar, agency_procurements bigint, agency_service_procurements bigint,
          in_register bigint, missing_from_register bigint);
        insert into pub.procurement_reconciliation values
          (2023, '2120001355', 'GÖTEBORGS KOMMUN', 10, 6, 8, 2),
          (2023, '5563533412', 'GÖTEBORGS SPÅRVÄGAR AB', 3, 1, 3, 0);
    """,
    "i2_benefit_effects": """
        create table pub.i2_benefit_effects (cohort_year integer, benefit_type varchar,
          target_group varchar, individuals bigint, recipients_before bigint,
          recipients_after bigint, amount_before_sek double, amount_after_sek double,
          change_sek double, left_benefit bigint, annualised_saving_sek double);
        insert into pub.i2_benefit_effects values
          (2023, 'försörjningsstöd', 'Långtidsarbetslös', 20, 18, 9, 400000, 150000, -250000,
           10, 500000),
          (2024, 'försörjningsstöd', 'Långtidsarbetslös', 12, 10, 5, 240000, 60000, -180000,
           6, 360000),
          (2024, 'försörjningsstöd', 'Nyanländ', null, null, null, null, null, null, null, null),
          (2024, 'arbetslöshetsersättning', 'Långtidsarbetslös', 8, 6, 5, 90000, 40000, -50000,
           0, 100000),
          (2024, 'försörjningsstöd', 'Ung 16–29', null, null, null, null, null, null, null, null),
          (2024, 'aktivitetsersättning', 'Ung 16–29', 7, 6, 6, 42000, 42000, 0, 0, 0);
    """,
    # The same persons as i2_benefit_effects (treated = individuals). 2024 försörjningsstöd:
    # Alla 17 = Långtidsarbetslös 12 + Nyanländ and Ung 16–29 hidden (5 together, so neither
    # follows); effect −12 000 − (−4 000) = −8 000, saving −2 × −8 000 × 15 = 240 000.
    # arbetslöshetsersättning: −6 000 − (−4 500) = −1 500 (interval across 0), saving
    # 2 × 1 500 × 8 = 24 000 against 100 000 before/after. aktivitetsersättning: 3 matched →
    # matched and every mean hidden. 2023: −14 000 − (−5 000) = −9 000, 2 × 9 000 × 18 = 324 000.
    "i2_effect_estimates": """
        create table pub.i2_effect_estimates (cohort_year integer, benefit_type varchar,
          target_group varchar, treated bigint, matched bigint, controls bigint,
          change_per_person_sek double, counterfactual_change_per_person_sek double,
          effect_per_person_sek double, effect_ci95_low double, effect_ci95_high double,
          annualised_saving_sek double);
        insert into pub.i2_effect_estimates values
          (2023, 'försörjningsstöd', 'Alla', 20, 18, 40, -14000, -5000, -9000, -12500, -5500,
           324000),
          (2023, 'försörjningsstöd', 'Långtidsarbetslös', 20, 18, 40, -14000, -5000, -9000,
           -12500, -5500, 324000),
          (2024, 'försörjningsstöd', 'Alla', 17, 15, 34, -12000, -4000, -8000, -11000, -5000,
           240000),
          (2024, 'försörjningsstöd', 'Långtidsarbetslös', 12, 11, 25, -13000, -4000, -9000,
           -12000, -6000, 198000),
          (2024, 'försörjningsstöd', 'Nyanländ', null, null, 6, null, null, null, null, null,
           null),
          (2024, 'försörjningsstöd', 'Ung 16–29', null, null, 5, null, null, null, null, null,
           null),
          (2024, 'arbetslöshetsersättning', 'Alla', 8, 8, 20, -6000, -4500, -1500, -4000, 1000,
           24000),
          (2024, 'arbetslöshetsersättning', 'Långtidsarbetslös', 8, 8, 20, -6000, -4500, -1500,
           -4000, 1000, 24000),
          (2024, 'aktivitetsersättning', 'Alla', 7, null, 6, null, null, null, null, null, null),
          (2024, 'aktivitetsersättning', 'Ung 16–29', 7, null, 6, null, null, null, null, null,
           null);
    """,
    "i3_individuals": """
        create table pub.i3_individuals (year integer, individuals bigint, placements bigint,
          women bigint, men bigint, under_30 bigint);
        insert into pub.i3_individuals values
          (2023, 30, 34, 14, 16, 9),
          (2024, 42, 50, 20, 22, null);
    """,
    # One way at a time (spec): every category every year; 2024's hidden ones sum to what the
    # year's 50 placements leave (12 of the types, 8 of the groups, 11 of the areas).
    "i3_placements": """
        create table pub.i3_placements (year integer, dimension varchar, category varchar,
          placements bigint, individuals bigint);
        insert into pub.i3_placements values
          (2023, 'placement_type', 'Anställning', 34, 30),
          (2023, 'placement_type', 'Lärlingsplats', 0, 0),
          (2023, 'placement_type', 'Praktik', 0, 0),
          (2023, 'placement_type', 'Sysselsättning', 0, 0),
          (2023, 'placement_type', 'Trainee', 0, 0),
          (2023, 'target_group', 'Försörjningsstöd', 0, 0),
          (2023, 'target_group', 'Långtidsarbetslös', 34, 30),
          (2023, 'target_group', 'Nyanländ', 0, 0),
          (2023, 'target_group', 'Okänd', 0, 0),
          (2023, 'target_group', 'Person med funktionsnedsättning', 0, 0),
          (2023, 'target_group', 'Ung 16–29', 0, 0),
          (2023, 'stadsomrade', '01', 12, 10),
          (2023, 'stadsomrade', '02', 6, 5),
          (2023, 'stadsomrade', '03', 9, 8),
          (2023, 'stadsomrade', '04', 7, 7),
          (2023, 'stadsomrade', '99', 0, 0),
          (2024, 'placement_type', 'Anställning', 20, 18),
          (2024, 'placement_type', 'Lärlingsplats', 0, 0),
          (2024, 'placement_type', 'Praktik', null, null),
          (2024, 'placement_type', 'Sysselsättning', null, null),
          (2024, 'placement_type', 'Trainee', 18, 14),
          (2024, 'target_group', 'Försörjningsstöd', null, null),
          (2024, 'target_group', 'Långtidsarbetslös', 22, 20),
          (2024, 'target_group', 'Nyanländ', 12, 10),
          (2024, 'target_group', 'Okänd', 8, 6),
          (2024, 'target_group', 'Person med funktionsnedsättning', 0, 0),
          (2024, 'target_group', 'Ung 16–29', null, null),
          (2024, 'stadsomrade', '01', 20, 16),
          (2024, 'stadsomrade', '02', 12, 10),
          (2024, 'stadsomrade', '03', null, null),
          (2024, 'stadsomrade', '04', 7, 6),
          (2024, 'stadsomrade', '99', null, null);
    """,
    "geographic_distribution": """
        create table pub.geographic_distribution (year integer, stadsomrade varchar,
          stadsomrade_namn varchar, key_year integer, distribution_key double,
          key_complete boolean, placed_individuals bigint, expected_individuals double,
          deviation double, placement_share double);
        insert into pub.geographic_distribution values
          (2023, '01', 'Nordost', 2022, 0.40, true, 10, 12.0, -2.0, 10 / 30),
          (2023, '02', 'Centrum', 2022, 0.20, true, 5, 6.0, -1.0, 5 / 30),
          (2023, '03', 'Sydväst', 2022, 0.25, true, 8, 7.5, 0.5, 8 / 30),
          (2023, '04', 'Hisingen', 2022, 0.15, true, 7, 4.5, 2.5, 7 / 30),
          (2024, '01', 'Nordost', 2023, 0.40, true, 16, 14.0, 2.0, 16 / 35),
          (2024, '02', 'Centrum', 2023, 0.20, true, 10, 7.0, 3.0, 10 / 35),
          (2024, '03', 'Sydväst', 2023, 0.25, true, null, 8.75, null, null),
          (2024, '04', 'Hisingen', 2023, 0.15, true, 6, 5.25, 0.75, 6 / 35);
    """,
    "geographic_distribution_mellanomrade": """
        create table pub.geographic_distribution_mellanomrade (year integer,
          mellanomrade varchar, mellanomrade_namn varchar, key_year integer,
          distribution_key double, key_complete boolean, placed_individuals bigint,
          expected_individuals double, deviation double, placement_share double);
        insert into pub.geographic_distribution_mellanomrade values
          (2024, '35', 'Kungsladugård-Sanna', 2023, 0.10, true, 7, 3.5, 3.5, 0.2),
          (2024, '36', 'Majorna-Stigberget-Masthugget', 2023, 0.05, true, null, 1.75, null,
           null);
    """,
    "i4_stakeholder_survey": """
        create table pub.i4_stakeholder_survey (wave varchar, role varchar, dimension varchar,
          respondents bigint, mean_score double, share_positive double, ci95_low double,
          ci95_high double, change_from_previous_wave double);
        insert into pub.i4_stakeholder_survey values
          ('2024-H2', 'Alla', 'förståelse', 30, 3.6, 0.5, 3.2, 4.0, null),
          ('2024-H2', 'Alla', 'förtroende', 30, 3.6, 0.5, 3.3, 3.9, null),
          ('2025-H1', 'Alla', 'förståelse', 40, 3.8, 0.55, 3.5, 4.1, 0.2),
          ('2025-H1', 'Alla', 'förtroende', 40, 3.5, 0.45, 3.2, 3.8, -0.1),
          ('2025-H1', 'Alla', 'engagemang', 38, 4.1, 0.7, 3.85, 4.35, null),
          ('2025-H1', 'Upphandlare', 'förståelse', 12, 4.0, 0.6, 3.6, 4.4, null),
          ('2025-H1', 'Deltagare', 'förståelse', null, null, null, null, null, null);
    """,
    "process_sync": """
        create table pub.process_sync (procurement_id varchar, buyer_organisation varchar,
          supplier_name varchar, contract_start date, contract_end date,
          required_places integer, placed_individuals bigint, fill_rate double,
          referred_candidates bigint, first_placement_date date,
          days_to_first_placement integer, status varchar);
        insert into pub.process_sync values
          ('P1', 'Kretslopp och vatten', 'Städ AB', '2024-01-01', null, 3, 3, 1.0, 5,
           '2024-02-10', 40, 'uppfyllt'),
          ('P2', 'Kretslopp och vatten', 'Bygg AB', '2024-06-01', null, 4, 1, 0.25, 2,
           '2024-09-09', 100, 'pågår'),
          ('P3', 'Park- och naturförvaltningen', 'Grön AB', '2023-01-01', '2024-01-01', 2, 0,
           0.0, 0, null, null, 'ej uppfyllt'),
          ('P4', 'Lokalförvaltningen', 'Möbel AB', '2023-01-01', '2024-06-30', 5, 2, 0.4, 3,
           '2023-01-21', 20, 'ej uppfyllt');
    """,
    # Reference date 2026-03-31. Behind pace: A1 (91 days left) and A6 (275); ending by
    # 2026-09-30 with places left: A1 and A2; places left 6 + 1 + 2 + 0 + 4 + 5 = 18.
    "placement_pipeline": """
        create table pub.placement_pipeline (procurement_id varchar, title varchar,
          buyer_organisation varchar, supplier_name varchar, contract_start date,
          contract_end date, stadsomrade varchar, target_groups varchar,
          required_places integer, placed_individuals bigint, remaining_places bigint,
          waiting_referrals bigint, elapsed_share double, expected_placed_by_now double,
          pace varchar, days_left integer, due_quarter varchar, reference_date date);
        insert into pub.placement_pipeline values
          ('A1', 'Städ', 'Kretslopp och vatten', 'Städ AB', '2026-01-01', '2026-06-30', '01',
           'Nyanländ', 6, 0, 6, 3, 0.5, 3.0, 'efter', 91, '2026-Q2', '2026-03-31'),
          ('A2', 'Park', 'Park- och naturförvaltningen', 'Grön AB', '2025-01-01',
           '2026-09-30', '00', '', 4, 3, 1, 0, 0.7, 2.8, 'i fas', 183, '2026-Q3', '2026-03-31'),
          ('A3', 'Bygg', 'Lokalförvaltningen', null, '2026-06-01', null, '02', '', 2, 0, 2, 0,
           null, null, 'ej startad', null, null, '2026-03-31'),
          ('A4', 'Mat', 'Kretslopp och vatten', 'Mat AB', '2024-01-01', '2026-05-31', '03',
           'Ung 16–29, Försörjningsstöd', 3, 3, 0, 0, 0.9, 2.7, 'klar', 61, '2026-Q2',
           '2026-03-31'),
          ('A5', 'Vakt', 'Kretslopp och vatten', 'Vakt AB', '2025-01-01', null, '04', 'Nyanländ',
           5, 1, 4, 2, null, null, 'löpande', null, null, '2026-03-31'),
          ('A6', 'Väg', 'Park- och naturförvaltningen', 'Väg AB', '2024-01-01', '2026-12-31',
           '02', 'Långtidsarbetslös', 6, 1, 5, 1, 0.75, 4.5, 'efter', 275, '2026-Q4',
           '2026-03-31');
    """,
    # Nyanländ and Försörjningsstöd hidden (and their places per candidate); Alla 30 candidates,
    # 18 open places → 0,60 per candidate.
    "candidate_pool": """
        create table pub.candidate_pool (dimension varchar, category varchar,
          candidates bigint, waiting_over_6_months bigint, referred bigint,
          open_places_next_year bigint, places_per_candidate double);
        insert into pub.candidate_pool values
          ('target_group', 'Långtidsarbetslös', 12, 8, null, 11, 0.9166666666666666),
          ('target_group', 'Nyanländ', null, null, 0, 12, null),
          ('target_group', 'Ung 16–29', 9, 5, null, 7, 0.7777777777777778),
          ('target_group', 'Person med funktionsnedsättning', 0, 0, 0, 4, null),
          ('target_group', 'Försörjningsstöd', null, 0, 0, 7, null),
          ('stadsomrade', '01', 10, 6, 6, 10, 1.0),
          ('stadsomrade', '02', 8, 5, 0, 9, 1.125),
          ('stadsomrade', '03', null, null, 0, 4, null),
          ('stadsomrade', '04', 6, 0, 0, 8, 1.3333333333333333),
          ('stadsomrade', '99', null, 0, 0, 4, null),
          ('Alla', 'Alla', 30, 18, 6, 18, 0.6);
    """,
    # 2023: 3 persons in paid work → every kronor figure hidden. 2024: W = 100 000 at the
    # default rates → kommunen 21 120 + 20 000, regionen 11 480, staten 31 420 + 5 000 (a NULL
    # saving: incomplete), individen 67 400 − 25 000, samhället 131 420. 2025: W = 60 000 at
    # the 2025 set (0.30, 0.20, 0.10), no cohort measured yet.
    "socioeconomic_value": """
        create table pub.socioeconomic_value (year integer, actor varchar,
          wage_related_sek double, benefits_avoided_sek double, total_sek double,
          benefits_complete boolean, paid_placement_months bigint,
          paid_placement_persons bigint, parameters_valid_from date);
        insert into pub.socioeconomic_value values
          (2023, 'kommunen', null, null, null, true, null, null, '2000-01-01'),
          (2023, 'regionen', null, null, null, true, null, null, '2000-01-01'),
          (2023, 'staten', null, null, null, true, null, null, '2000-01-01'),
          (2023, 'individen', null, null, null, true, null, null, '2000-01-01'),
          (2023, 'samhället', null, null, null, true, null, null, '2000-01-01'),
          (2024, 'kommunen', 21120, 20000, 41120, true, 8, 6, '2000-01-01'),
          (2024, 'regionen', 11480, 0, 11480, true, 8, 6, '2000-01-01'),
          (2024, 'staten', 31420, 5000, 36420, false, 8, 6, '2000-01-01'),
          (2024, 'individen', 67400, -25000, 42400, false, 8, 6, '2000-01-01'),
          (2024, 'samhället', 131420, 0, 131420, false, 8, 6, '2000-01-01'),
          (2025, 'kommunen', 12000, 0, 12000, true, 5, 5, '2025-01-01'),
          (2025, 'regionen', 6000, 0, 6000, true, 5, 5, '2025-01-01'),
          (2025, 'staten', 18000, 0, 18000, true, 5, 5, '2025-01-01'),
          (2025, 'individen', 42000, 0, 42000, true, 5, 5, '2025-01-01'),
          (2025, 'samhället', 78000, 0, 78000, true, 5, 5, '2025-01-01');
    """,
    "socioeconomic_parameter_sets": """
        create table pub.socioeconomic_parameter_sets (valid_from date, parameter varchar,
          placement_type varchar, value double, unit varchar, source varchar);
        insert into pub.socioeconomic_parameter_sets values
          ('2000-01-01', 'monthly_wage_sek', 'Anställning', 26000, 'kr per månad vid heltid',
           'Antagande'),
          ('2000-01-01', 'employer_fee_rate', null, 0.3142, 'andel av bruttolönen',
           'Arbetsgivaravgifter (Skatteverket)'),
          ('2000-01-01', 'municipal_tax_rate', null, 0.2112, 'andel av bruttolönen',
           'Göteborgs kommunalskatt'),
          ('2000-01-01', 'regional_tax_rate', null, 0.1148, 'andel av bruttolönen',
           'Västra Götalandsregionens skattesats'),
          ('2025-01-01', 'monthly_wage_sek', 'Anställning', 30000, 'kr per månad vid heltid',
           'Nytt avtal'),
          ('2025-01-01', 'employer_fee_rate', null, 0.30, 'andel av bruttolönen', 'Prov'),
          ('2025-01-01', 'municipal_tax_rate', null, 0.20, 'andel av bruttolönen', 'Prov'),
          ('2025-01-01', 'regional_tax_rate', null, 0.10, 'andel av bruttolönen', 'Prov');
    """,
    # The agency's statistics for the whole country (here six municipalities). 2024: shares
    # 0/300, 220/400 = 0,55, 20/200 = 0,10, 10/100 = 0,10, 25/50 = 0,5, 0/50 → ranks 5, 1, 3,
    # 3, 2, 5 (ties share a rank, the next is skipped); the nation 275 / 1 100 = 25 % (the mean
    # of the shares would be 21 %). 2023: Uppsala has no row; 2 / 280 = 0,7 %, 214 / 368 =
    # 58,2 %, 19 / 190 = 10,0 %; the nation 235 / 838 = 28,0 %.
    "national_benchmark": """
        create table pub.national_benchmark (year integer, buyer_org_number varchar,
          buyer_name varchar, procurements bigint, service_procurements bigint,
          flagged_social bigint, flag_unknown bigint, share_flagged double,
          rank_share_flagged bigint, is_city boolean);
        insert into pub.national_benchmark values
          (2023, '2120001355', 'Göteborgs kommun', 280, 180, 2, 270, 2 / 280, 3, true),
          (2023, '2120000142', 'Stockholms kommun', 368, 300, 214, 120, 214 / 368, 1, false),
          (2023, '2120001124', 'Malmö kommun', 190, 100, 19, 150, 0.10, 2, false),
          (2024, '2120001355', 'Göteborgs kommun', 300, 200, 0, 290, 0.0, 5, true),
          (2024, '2120000142', 'Stockholms kommun', 400, 250, 220, 100, 0.55, 1, false),
          (2024, '2120001124', 'Malmö kommun', 200, 120, 20, 150, 0.10, 3, false),
          (2024, '2120003005', 'Uppsala kommun', 100, 60, 10, 70, 0.10, 3, false),
          (2024, '2120002000', 'Lilla kommun', 50, 30, 25, 10, 0.5, 2, false),
          (2024, '2120009999', 'Övriga kommun', 50, 20, 0, 50, 0.0, 5, false);
    """,
    # Four suppliers, two due quarters each. 2024-Q4: Städ AB, Måltid AB, Bevakning AB in, the
    # sole trader's only file refused → 3 of 4 = 75 %; 2025-Q1: Städ AB missing, the other three
    # in → 3 of 4 = 75 %; together 6 of 8 = 75 %, 1 missing + 1 refused = 2 not in. Places
    # required 10 + 5 + 8 + 0 = 23, filled 6 + 5 + 7 + 0 = 18. The sole trader has no number.
    "supplier_reporting": """
        create table pub.supplier_reporting (supplier_org_number varchar, supplier_name varchar,
          report_period varchar, contracts_running bigint, status varchar, received_file varchar,
          placements_reported bigint, is_sole_trader boolean);
        insert into pub.supplier_reporting values
          ('5560000001', 'Städ AB', '2024-Q4', 2, 'inkommen', 'rapport_5560000001_2024-Q4.xlsx',
           6, false),
          ('5560000001', 'Städ AB', '2025-Q1', 2, 'saknas', null, 0, false),
          (null, 'Anna Andersson Städ', '2024-Q4', 1, 'underkänd', null, 0, true),
          (null, 'Anna Andersson Städ', '2025-Q1', 1, 'inkommen',
           'rapport_XXXXXXXXXX_2025-Q1.xlsx', 5, true),
          ('5560000027', 'Måltid AB', '2024-Q4', 1, 'inkommen', 'rapport_5560000027_2024-Q4.xlsx',
           7, false),
          ('5560000027', 'Måltid AB', '2025-Q1', 1, 'inkommen', 'rapport_5560000027_2025-Q1.xlsx',
           7, false),
          ('5560000043', 'Bevakning AB', '2024-Q4', 1, 'inkommen', 'q4.xlsx', 0, false),
          ('5560000043', 'Bevakning AB', '2025-Q1', 1, 'inkommen', 'q1.xlsx', 0, false);
    """,
    "supplier_scorecard": """
        create table pub.supplier_scorecard (supplier_org_number varchar, supplier_name varchar,
          contracts_with_requirement bigint, required_places bigint, placed_individuals bigint,
          fill_rate double, reports_due bigint, reports_received bigint, reports_missing bigint,
          reporting_rate double, last_report_period varchar, files_refused bigint,
          rows_rejected bigint, is_sole_trader boolean);
        insert into pub.supplier_scorecard values
          ('5560000001', 'Städ AB', 2, 10, 6, 0.6, 2, 1, 1, 0.5, '2024-Q4', 0, 3, false),
          (null, 'Anna Andersson Städ', 1, 5, 5, 1.0, 2, 1, 1, 0.5, '2025-Q1', 1, 0, true),
          ('5560000027', 'Måltid AB', 1, 8, 7, 0.875, 2, 2, 0, 1.0, '2025-Q1', 0, 0, false),
          ('5560000043', 'Bevakning AB', 1, 0, 0, null, 2, 2, 0, 1.0, '2025-Q1', 0, 0, false);
    """,
    "load_quality": """
        create table pub.load_quality (source varchar, file_name varchar, file_sha256 varchar,
          loaded_at timestamp, rows_read bigint, rows_loaded bigint, rows_rejected bigint,
          status varchar, message varchar, checks_failed varchar);
        insert into pub.load_quality values
          ('avtalsregister', 'avtalsregister_2025-01-01.csv', repeat('a', 64),
           '2025-02-01 02:00:00', 100, 100, 0, 'loaded', '', null),
          ('avtalsregister', 'avtalsregister_2025-01-01.csv', repeat('a', 64),
           '2025-03-01 02:00:00', 100, 100, 0, 'loaded', '', null),
          ('avtalsregister', 'avtalsregister_2025-03-01.csv', repeat('b', 64),
           '2025-03-01 02:00:00', 120, 118, 2, 'loaded', '2 × Avtalsstart is not a date',
           null),
          ('enkat', 'enkat_2025H1.csv', repeat('c', 64), '2025-03-01 02:01:00', 50, 50, 0,
           'loaded', '', 'answers_in_range: 1 of 50 rows break it'),
          ('leverantorsrapporter', 'trasig.xlsx', repeat('d', 64), '2025-03-01 02:01:30',
           0, 0, 0, 'refused', 'trasig.xlsx: missing columns Personnummer', null),
          ('leverantorsrapporter', 'kopia.xlsx', repeat('e', 64), '2025-03-01 02:01:30',
           0, 0, 0, 'duplicate', 'same content as q1.xlsx: not counted again', null);
    """,
}


def make_published(path: Path, tables: list[str] | None = None) -> Path:
    """Write the hand-made tables (all, or the named ones) to a published file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as pub (storage_version '{PUBLISHED_STORAGE_VERSION}')")
        for name, sql in TABLES.items():
            if tables is None or name in tables:
                con.execute(sql)
        con.execute("detach pub")
    finally:
        con.close()
    return path
