//! The census vocabulary, defined once: regions, sectors, organisation types, services,
//! roles with their groups, and the demographic dimensions. The loader, the metrics, the
//! charts and the templates all read these tables; nothing else spells a code.

/// Defines a closed set of codes with a label each, and the lookups every stage needs.
macro_rules! code_table {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as it appears in input files and in the metrics export.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The plain-English label used in reports.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Accepts the code, or the label ignoring case, with surrounding space trimmed.
            pub fn parse(text: &str) -> Option<$name> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| {
                    v.code() == text || v.label().eq_ignore_ascii_case(text)
                })
            }

            /// All codes, for messages that say what would have been accepted.
            pub fn codes() -> String {
                Self::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_table! {
    /// The seven NHS England regions.
    Region {
        NorthEastYorkshire => ("north_east_and_yorkshire", "North East and Yorkshire"),
        NorthWest => ("north_west", "North West"),
        Midlands => ("midlands", "Midlands"),
        EastOfEngland => ("east_of_england", "East of England"),
        London => ("london", "London"),
        SouthEast => ("south_east", "South East"),
        SouthWest => ("south_west", "South West"),
    }
}

code_table! {
    /// The workforce categories of the LAs' expansion planning template (SPEC §11), in the
    /// template's order. The three subset rows count part of the drug and alcohol workers.
    PlanCategory {
        SocialWorkers => ("social_workers", "Social workers"),
        Pharmacists => ("pharmacists", "Pharmacists"),
        Nurses => ("nurses", "Nurses"),
        AddictionPsychiatrists => ("addiction_psychiatrists", "Addiction psychiatrists"),
        OtherDoctors => ("other_doctors", "Other doctors"),
        ConsultantPsychologists => ("consultant_psychologists", "Consultant psychologists"),
        PractitionerPsychologists => ("practitioner_psychologists", "Practitioner psychologists"),
        AssistantPsychologists => ("assistant_psychologists", "Assistant psychologists"),
        DrugAlcoholWorkers => ("drug_alcohol_workers", "Drug and alcohol workers"),
        CjDrugAlcoholWorkers => ("cj_drug_alcohol_workers", "Criminal justice drug and alcohol workers (subset of total)"),
        YpDrugAlcoholWorkers => ("yp_drug_alcohol_workers", "Young peoples' drug and alcohol workers (subset of total)"),
        OtherDrugAlcoholWorkers => ("other_drug_alcohol_workers", "Other drug and alcohol workers (subset of total)"),
        ServiceManagers => ("service_managers", "Service managers"),
        Commissioners => ("commissioners", "Local council commissioners/coordinators/analysts"),
    }
}

code_table! {
    Sector {
        LocalAuthority => ("local_authority", "Local authority"),
        Nhs => ("nhs", "NHS"),
        Voluntary => ("voluntary", "Voluntary sector"),
        Private => ("private", "Independent / private"),
    }
}

code_table! {
    OrgType {
        Commissioner => ("commissioner", "Local authority commissioner"),
        Provider => ("provider", "Treatment and recovery provider"),
        Lero => ("lero", "Lived experience recovery organisation"),
    }
}

code_table! {
    Service {
        AdultCommunity => ("adult_community", "Adult community treatment"),
        YoungPeople => ("young_people", "Young people's service"),
        ResidentialRehab => ("residential_rehab", "Residential rehabilitation"),
        InpatientDetox => ("inpatient_detox", "Inpatient detoxification"),
        CriminalJustice => ("criminal_justice", "Criminal justice"),
        RecoverySupport => ("recovery_support", "Recovery support"),
    }
}

code_table! {
    RoleGroup {
        DrugAlcoholWorkers => ("drug_alcohol_workers", "Drug and alcohol workers"),
        LivedExperiencePeer => ("lived_experience_peer", "Lived experience and peer"),
        Nursing => ("nursing", "Nursing"),
        Medical => ("medical", "Medical"),
        Psychology => ("psychology", "Psychology"),
        SocialWork => ("social_work", "Social work"),
        Pharmacy => ("pharmacy", "Pharmacy"),
        Therapies => ("therapies", "Therapies"),
        ManagementSupport => ("management_support", "Management and support"),
        Commissioning => ("commissioning", "Commissioning"),
    }
}

code_table! {
    /// Where people work, as the national report breaks the workforce down: providers by
    /// sector, lived experience recovery organisations, and LA commissioning teams.
    Setting {
        Voluntary => ("voluntary", "Voluntary sector providers"),
        Nhs => ("nhs", "NHS providers"),
        LocalAuthority => ("local_authority", "Local authority providers"),
        Private => ("private", "Independent and private providers"),
        Lero => ("lero", "LEROs"),
        Commissioning => ("commissioning", "Commissioning teams"),
    }
}

impl Setting {
    pub fn of(org_type: OrgType, sector: Sector) -> Setting {
        match (org_type, sector) {
            (OrgType::Commissioner, _) => Setting::Commissioning,
            (OrgType::Lero, _) => Setting::Lero,
            (OrgType::Provider, Sector::Voluntary) => Setting::Voluntary,
            (OrgType::Provider, Sector::Nhs) => Setting::Nhs,
            (OrgType::Provider, Sector::LocalAuthority) => Setting::LocalAuthority,
            (OrgType::Provider, Sector::Private) => Setting::Private,
        }
    }

    /// A short column heading for tables with one column per setting.
    pub fn short_label(self) -> &'static str {
        match self {
            Setting::Voluntary => "Voluntary",
            Setting::Nhs => "NHS",
            Setting::LocalAuthority => "Local authority",
            Setting::Private => "Private",
            Setting::Lero => "LEROs",
            Setting::Commissioning => "Commissioning",
        }
    }

    pub fn is_provider(self) -> bool {
        !matches!(self, Setting::Lero | Setting::Commissioning)
    }
}

code_table! {
    /// The two groups the national strategy set growth ambitions for.
    StrategyGroup {
        MedicalMentalHealth => ("medical_mental_health", "Medical and mental health professionals"),
        DrugAlcoholCj => ("drug_alcohol_cj", "Drug and alcohol and criminal justice workers"),
    }
}

code_table! {
    Role {
        DrugAlcoholWorker => ("drug_alcohol_worker", "Drug and alcohol worker"),
        CjDrugAlcoholWorker => ("cj_drug_alcohol_worker", "Criminal justice drug and alcohol worker"),
        YpDrugAlcoholWorker => ("yp_drug_alcohol_worker", "Young people's drug and alcohol worker"),
        PeerSupportWorker => ("peer_support_worker", "Peer support worker"),
        Nurse => ("nurse", "Nurse"),
        AddictionPsychiatrist => ("addiction_psychiatrist", "Addiction psychiatrist"),
        OtherDoctor => ("other_doctor", "Other doctor"),
        Psychologist => ("psychologist", "Psychologist"),
        AssistantPsychologist => ("assistant_psychologist", "Assistant psychologist"),
        SocialWorker => ("social_worker", "Social worker"),
        Pharmacist => ("pharmacist", "Pharmacist"),
        TherapistCounsellor => ("therapist_counsellor", "Therapist or counsellor"),
        ServiceManager => ("service_manager", "Service manager"),
        AdminSupport => ("admin_support", "Administration and support"),
        Commissioner => ("commissioner", "Commissioner"),
        CommissioningCoordinator => ("commissioning_coordinator", "Commissioning coordinator"),
        CommissioningAnalyst => ("commissioning_analyst", "Commissioning analyst"),
    }
}

impl Role {
    pub fn group(self) -> RoleGroup {
        use Role::*;
        match self {
            DrugAlcoholWorker | CjDrugAlcoholWorker | YpDrugAlcoholWorker => {
                RoleGroup::DrugAlcoholWorkers
            }
            PeerSupportWorker => RoleGroup::LivedExperiencePeer,
            Nurse => RoleGroup::Nursing,
            AddictionPsychiatrist | OtherDoctor => RoleGroup::Medical,
            Psychologist | AssistantPsychologist => RoleGroup::Psychology,
            SocialWorker => RoleGroup::SocialWork,
            Pharmacist => RoleGroup::Pharmacy,
            TherapistCounsellor => RoleGroup::Therapies,
            ServiceManager | AdminSupport => RoleGroup::ManagementSupport,
            Commissioner | CommissioningCoordinator | CommissioningAnalyst => {
                RoleGroup::Commissioning
            }
        }
    }

    /// Whether the role is a regulated profession (SPEC §2).
    pub fn regulated(self) -> bool {
        use Role::*;
        matches!(
            self,
            Nurse | AddictionPsychiatrist | OtherDoctor | Psychologist | SocialWorker | Pharmacist
        )
    }

    /// Drug and alcohol workers are the roles counted against adults in treatment.
    pub fn is_drug_alcohol_worker(self) -> bool {
        self.group() == RoleGroup::DrugAlcoholWorkers
    }
}

impl RoleGroup {
    pub fn strategy_group(self) -> Option<StrategyGroup> {
        use RoleGroup::*;
        match self {
            Medical | Nursing | Psychology | SocialWork | Pharmacy => {
                Some(StrategyGroup::MedicalMentalHealth)
            }
            DrugAlcoholWorkers => Some(StrategyGroup::DrugAlcoholCj),
            LivedExperiencePeer | Therapies | ManagementSupport | Commissioning => None,
        }
    }
}

impl StrategyGroup {
    /// The national strategy's ambition for growth from the 2021-22 baseline to 2024-25.
    pub fn ambition_wte(self) -> f64 {
        match self {
            StrategyGroup::MedicalMentalHealth => 800.0,
            StrategyGroup::DrugAlcoholCj => 950.0,
        }
    }
}

code_table! {
    Dimension {
        AgeBand => ("age_band", "Age"),
        Gender => ("gender", "Gender"),
        Ethnicity => ("ethnicity", "Ethnicity"),
        Disability => ("disability", "Disability"),
        LivedExperience => ("lived_experience", "Lived experience"),
        Contract => ("contract", "Contract"),
        WorkingPattern => ("working_pattern", "Working pattern"),
        LengthOfService => ("length_of_service", "Length of service"),
    }
}

/// Which part of a report's workforce profile a dimension belongs to: who the staff are, or
/// how they are employed (SPEC §12). Both get the same disclosure control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionFamily {
    Diversity,
    Employment,
}

/// The category that records a response that was not given or not known.
pub const NOT_KNOWN: &str = "not_known";

impl Dimension {
    /// The categories of the dimension as (code, label), in reporting order; `not_known` last.
    pub fn categories(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Dimension::AgeBand => &[
                ("under_25", "Under 25"),
                ("25_34", "25 to 34"),
                ("35_44", "35 to 44"),
                ("45_54", "45 to 54"),
                ("55_64", "55 to 64"),
                ("65_plus", "65 and over"),
                (NOT_KNOWN, "Not known"),
            ],
            Dimension::Gender => &[
                ("female", "Female"),
                ("male", "Male"),
                ("non_binary_other", "Non-binary or other"),
                (NOT_KNOWN, "Not known"),
            ],
            Dimension::Ethnicity => &[
                ("asian", "Asian or Asian British"),
                ("black", "Black, Black British, Caribbean or African"),
                ("mixed", "Mixed or multiple ethnic groups"),
                ("white", "White"),
                ("other", "Other ethnic group"),
                (NOT_KNOWN, "Not known"),
            ],
            Dimension::Disability | Dimension::LivedExperience => {
                &[("yes", "Yes"), ("no", "No"), (NOT_KNOWN, "Not known")]
            }
            Dimension::Contract => &[
                ("permanent", "Permanent"),
                ("fixed_term", "Fixed term"),
                ("bank_sessional", "Bank or sessional"),
                (NOT_KNOWN, "Not known"),
            ],
            Dimension::WorkingPattern => &[
                ("full_time", "Full time"),
                ("part_time", "Part time"),
                (NOT_KNOWN, "Not known"),
            ],
            Dimension::LengthOfService => &[
                ("under_1_year", "Under 1 year"),
                ("1_to_2_years", "1 to 2 years"),
                ("2_to_5_years", "2 to 5 years"),
                ("5_to_10_years", "5 to 10 years"),
                ("10_years_plus", "10 years or more"),
                (NOT_KNOWN, "Not known"),
            ],
        }
    }

    pub fn family(self) -> DimensionFamily {
        match self {
            Dimension::Contract | Dimension::WorkingPattern | Dimension::LengthOfService => {
                DimensionFamily::Employment
            }
            _ => DimensionFamily::Diversity,
        }
    }

    /// The canonical (static) category code for input text, if it is one of this dimension's.
    pub fn category(self, text: &str) -> Option<&'static str> {
        let text = text.trim();
        self.categories()
            .iter()
            .find(|(code, label)| *code == text || label.eq_ignore_ascii_case(text))
            .map(|(code, _)| *code)
    }

    pub fn category_codes(self) -> String {
        let codes: Vec<&str> = self.categories().iter().map(|(c, _)| *c).collect();
        codes.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_the_group_the_spec_gives() {
        assert_eq!(Role::ALL.len(), 17);
        assert_eq!(
            Role::CjDrugAlcoholWorker.group(),
            RoleGroup::DrugAlcoholWorkers
        );
        assert_eq!(Role::AssistantPsychologist.group(), RoleGroup::Psychology);
        assert!(!Role::AssistantPsychologist.regulated());
        assert!(Role::Pharmacist.regulated());
        assert!(!Role::TherapistCounsellor.regulated());
        let regulated = Role::ALL.iter().filter(|r| r.regulated()).count();
        assert_eq!(regulated, 6);
    }

    #[test]
    fn strategy_groups_cover_the_spec_groups() {
        let mmh: Vec<RoleGroup> = RoleGroup::ALL
            .iter()
            .copied()
            .filter(|g| g.strategy_group() == Some(StrategyGroup::MedicalMentalHealth))
            .collect();
        assert_eq!(
            mmh,
            vec![
                RoleGroup::Nursing,
                RoleGroup::Medical,
                RoleGroup::Psychology,
                RoleGroup::SocialWork,
                RoleGroup::Pharmacy
            ]
        );
    }

    #[test]
    fn codes_and_labels_parse() {
        assert_eq!(
            Region::parse("North East and Yorkshire"),
            Some(Region::NorthEastYorkshire)
        );
        assert_eq!(Region::parse("london"), Some(Region::London));
        assert_eq!(Region::parse("Wales"), None);
        assert_eq!(Dimension::Ethnicity.category("asian"), Some("asian"));
        assert_eq!(Dimension::Gender.category("other"), None);
    }
}
