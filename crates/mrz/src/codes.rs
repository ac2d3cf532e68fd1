//! The ICAO code list for issuing states and nationalities (Doc 9303 Part 3, section 5).
//!
//! ISO 3166-1 alpha-3 codes come from Debian's `iso-codes` (`iso_3166-1.json`, 249 codes);
//! Doc 9303's own codes (Germany's `D`, British nationality categories, organisations,
//! stateless persons and refugees) are added by hand, plus the fictional specimen states that
//! Doc 9303's examples use.

use serde::Serialize;

/// What kind of entry a code is in the ICAO list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// An ISO 3166-1 alpha-3 country code.
    Iso,
    /// A code Doc 9303 defines itself (`D`, `GBD`, `UNO`, `XXA`, ...).
    Icao,
    /// A fictional state used only on Doc 9303 specimens (`UTO` Utopia): never a real document.
    Specimen,
}

/// Sorted by code so that lookups can use a binary search.
static CODES: &[(&str, &str, CodeKind)] = &[
    ("ABW", "Aruba", CodeKind::Iso),
    ("AFG", "Afghanistan", CodeKind::Iso),
    ("AGO", "Angola", CodeKind::Iso),
    ("AIA", "Anguilla", CodeKind::Iso),
    ("ALA", "Åland Islands", CodeKind::Iso),
    ("ALB", "Albania", CodeKind::Iso),
    ("AND", "Andorra", CodeKind::Iso),
    ("ARE", "United Arab Emirates", CodeKind::Iso),
    ("ARG", "Argentina", CodeKind::Iso),
    ("ARM", "Armenia", CodeKind::Iso),
    ("ASM", "American Samoa", CodeKind::Iso),
    ("ATA", "Antarctica", CodeKind::Iso),
    ("ATF", "French Southern Territories", CodeKind::Iso),
    ("ATG", "Antigua and Barbuda", CodeKind::Iso),
    ("AUS", "Australia", CodeKind::Iso),
    ("AUT", "Austria", CodeKind::Iso),
    ("AZE", "Azerbaijan", CodeKind::Iso),
    ("BDI", "Burundi", CodeKind::Iso),
    ("BEL", "Belgium", CodeKind::Iso),
    ("BEN", "Benin", CodeKind::Iso),
    ("BES", "Bonaire, Sint Eustatius and Saba", CodeKind::Iso),
    ("BFA", "Burkina Faso", CodeKind::Iso),
    ("BGD", "Bangladesh", CodeKind::Iso),
    ("BGR", "Bulgaria", CodeKind::Iso),
    ("BHR", "Bahrain", CodeKind::Iso),
    ("BHS", "Bahamas", CodeKind::Iso),
    ("BIH", "Bosnia and Herzegovina", CodeKind::Iso),
    ("BLM", "Saint Barthélemy", CodeKind::Iso),
    ("BLR", "Belarus", CodeKind::Iso),
    ("BLZ", "Belize", CodeKind::Iso),
    ("BMU", "Bermuda", CodeKind::Iso),
    ("BOL", "Bolivia, Plurinational State of", CodeKind::Iso),
    ("BRA", "Brazil", CodeKind::Iso),
    ("BRB", "Barbados", CodeKind::Iso),
    ("BRN", "Brunei Darussalam", CodeKind::Iso),
    ("BTN", "Bhutan", CodeKind::Iso),
    ("BVT", "Bouvet Island", CodeKind::Iso),
    ("BWA", "Botswana", CodeKind::Iso),
    ("CAF", "Central African Republic", CodeKind::Iso),
    ("CAN", "Canada", CodeKind::Iso),
    ("CCK", "Cocos (Keeling) Islands", CodeKind::Iso),
    ("CHE", "Switzerland", CodeKind::Iso),
    ("CHL", "Chile", CodeKind::Iso),
    ("CHN", "China", CodeKind::Iso),
    ("CIV", "Côte d'Ivoire", CodeKind::Iso),
    ("CMR", "Cameroon", CodeKind::Iso),
    (
        "COD",
        "Congo, The Democratic Republic of the",
        CodeKind::Iso,
    ),
    ("COG", "Congo", CodeKind::Iso),
    ("COK", "Cook Islands", CodeKind::Iso),
    ("COL", "Colombia", CodeKind::Iso),
    ("COM", "Comoros", CodeKind::Iso),
    ("CPV", "Cabo Verde", CodeKind::Iso),
    ("CRI", "Costa Rica", CodeKind::Iso),
    ("CUB", "Cuba", CodeKind::Iso),
    ("CUW", "Curaçao", CodeKind::Iso),
    ("CXR", "Christmas Island", CodeKind::Iso),
    ("CYM", "Cayman Islands", CodeKind::Iso),
    ("CYP", "Cyprus", CodeKind::Iso),
    ("CZE", "Czechia", CodeKind::Iso),
    ("D", "Germany (Doc 9303 uses D, not DEU)", CodeKind::Icao),
    ("DEU", "Germany", CodeKind::Iso),
    ("DJI", "Djibouti", CodeKind::Iso),
    ("DMA", "Dominica", CodeKind::Iso),
    ("DNK", "Denmark", CodeKind::Iso),
    ("DOM", "Dominican Republic", CodeKind::Iso),
    ("DZA", "Algeria", CodeKind::Iso),
    ("ECU", "Ecuador", CodeKind::Iso),
    ("EGY", "Egypt", CodeKind::Iso),
    ("ERI", "Eritrea", CodeKind::Iso),
    ("ESH", "Western Sahara", CodeKind::Iso),
    ("ESP", "Spain", CodeKind::Iso),
    ("EST", "Estonia", CodeKind::Iso),
    ("ETH", "Ethiopia", CodeKind::Iso),
    ("EUE", "European Union", CodeKind::Icao),
    ("FIN", "Finland", CodeKind::Iso),
    ("FJI", "Fiji", CodeKind::Iso),
    ("FLK", "Falkland Islands (Malvinas)", CodeKind::Iso),
    ("FRA", "France", CodeKind::Iso),
    ("FRO", "Faroe Islands", CodeKind::Iso),
    ("FSM", "Micronesia, Federated States of", CodeKind::Iso),
    ("GAB", "Gabon", CodeKind::Iso),
    (
        "GBD",
        "British Overseas Territories Citizen",
        CodeKind::Icao,
    ),
    ("GBN", "British National (Overseas)", CodeKind::Icao),
    ("GBO", "British Overseas Citizen", CodeKind::Icao),
    ("GBP", "British Protected Person", CodeKind::Icao),
    ("GBR", "United Kingdom", CodeKind::Iso),
    ("GBS", "British Subject", CodeKind::Icao),
    ("GEO", "Georgia", CodeKind::Iso),
    ("GGY", "Guernsey", CodeKind::Iso),
    ("GHA", "Ghana", CodeKind::Iso),
    ("GIB", "Gibraltar", CodeKind::Iso),
    ("GIN", "Guinea", CodeKind::Iso),
    ("GLP", "Guadeloupe", CodeKind::Iso),
    ("GMB", "Gambia", CodeKind::Iso),
    ("GNB", "Guinea-Bissau", CodeKind::Iso),
    ("GNQ", "Equatorial Guinea", CodeKind::Iso),
    ("GRC", "Greece", CodeKind::Iso),
    ("GRD", "Grenada", CodeKind::Iso),
    ("GRL", "Greenland", CodeKind::Iso),
    ("GTM", "Guatemala", CodeKind::Iso),
    ("GUF", "French Guiana", CodeKind::Iso),
    ("GUM", "Guam", CodeKind::Iso),
    ("GUY", "Guyana", CodeKind::Iso),
    ("HKG", "Hong Kong", CodeKind::Iso),
    ("HMD", "Heard Island and McDonald Islands", CodeKind::Iso),
    ("HND", "Honduras", CodeKind::Iso),
    ("HRV", "Croatia", CodeKind::Iso),
    ("HTI", "Haiti", CodeKind::Iso),
    ("HUN", "Hungary", CodeKind::Iso),
    ("IDN", "Indonesia", CodeKind::Iso),
    ("IMN", "Isle of Man", CodeKind::Iso),
    ("IND", "India", CodeKind::Iso),
    ("IOT", "British Indian Ocean Territory", CodeKind::Iso),
    ("IRL", "Ireland", CodeKind::Iso),
    ("IRN", "Iran, Islamic Republic of", CodeKind::Iso),
    ("IRQ", "Iraq", CodeKind::Iso),
    ("ISL", "Iceland", CodeKind::Iso),
    ("ISR", "Israel", CodeKind::Iso),
    ("ITA", "Italy", CodeKind::Iso),
    ("JAM", "Jamaica", CodeKind::Iso),
    ("JEY", "Jersey", CodeKind::Iso),
    ("JOR", "Jordan", CodeKind::Iso),
    ("JPN", "Japan", CodeKind::Iso),
    ("KAZ", "Kazakhstan", CodeKind::Iso),
    ("KEN", "Kenya", CodeKind::Iso),
    ("KGZ", "Kyrgyzstan", CodeKind::Iso),
    ("KHM", "Cambodia", CodeKind::Iso),
    ("KIR", "Kiribati", CodeKind::Iso),
    ("KNA", "Saint Kitts and Nevis", CodeKind::Iso),
    ("KOR", "Korea, Republic of", CodeKind::Iso),
    ("KWT", "Kuwait", CodeKind::Iso),
    ("LAO", "Lao People's Democratic Republic", CodeKind::Iso),
    ("LBN", "Lebanon", CodeKind::Iso),
    ("LBR", "Liberia", CodeKind::Iso),
    ("LBY", "Libya", CodeKind::Iso),
    ("LCA", "Saint Lucia", CodeKind::Iso),
    ("LIE", "Liechtenstein", CodeKind::Iso),
    ("LKA", "Sri Lanka", CodeKind::Iso),
    ("LSO", "Lesotho", CodeKind::Iso),
    ("LTU", "Lithuania", CodeKind::Iso),
    ("LUX", "Luxembourg", CodeKind::Iso),
    ("LVA", "Latvia", CodeKind::Iso),
    ("MAC", "Macao", CodeKind::Iso),
    ("MAF", "Saint Martin (French part)", CodeKind::Iso),
    ("MAR", "Morocco", CodeKind::Iso),
    ("MCO", "Monaco", CodeKind::Iso),
    ("MDA", "Moldova, Republic of", CodeKind::Iso),
    ("MDG", "Madagascar", CodeKind::Iso),
    ("MDV", "Maldives", CodeKind::Iso),
    ("MEX", "Mexico", CodeKind::Iso),
    ("MHL", "Marshall Islands", CodeKind::Iso),
    ("MKD", "North Macedonia", CodeKind::Iso),
    ("MLI", "Mali", CodeKind::Iso),
    ("MLT", "Malta", CodeKind::Iso),
    ("MMR", "Myanmar", CodeKind::Iso),
    ("MNE", "Montenegro", CodeKind::Iso),
    ("MNG", "Mongolia", CodeKind::Iso),
    ("MNP", "Northern Mariana Islands", CodeKind::Iso),
    ("MOZ", "Mozambique", CodeKind::Iso),
    ("MRT", "Mauritania", CodeKind::Iso),
    ("MSR", "Montserrat", CodeKind::Iso),
    ("MTQ", "Martinique", CodeKind::Iso),
    ("MUS", "Mauritius", CodeKind::Iso),
    ("MWI", "Malawi", CodeKind::Iso),
    ("MYS", "Malaysia", CodeKind::Iso),
    ("MYT", "Mayotte", CodeKind::Iso),
    ("NAM", "Namibia", CodeKind::Iso),
    ("NCL", "New Caledonia", CodeKind::Iso),
    ("NER", "Niger", CodeKind::Iso),
    ("NFK", "Norfolk Island", CodeKind::Iso),
    ("NGA", "Nigeria", CodeKind::Iso),
    ("NIC", "Nicaragua", CodeKind::Iso),
    ("NIU", "Niue", CodeKind::Iso),
    ("NLD", "Netherlands", CodeKind::Iso),
    ("NOR", "Norway", CodeKind::Iso),
    ("NPL", "Nepal", CodeKind::Iso),
    ("NRU", "Nauru", CodeKind::Iso),
    ("NZL", "New Zealand", CodeKind::Iso),
    ("OMN", "Oman", CodeKind::Iso),
    ("PAK", "Pakistan", CodeKind::Iso),
    ("PAN", "Panama", CodeKind::Iso),
    ("PCN", "Pitcairn", CodeKind::Iso),
    ("PER", "Peru", CodeKind::Iso),
    ("PHL", "Philippines", CodeKind::Iso),
    ("PLW", "Palau", CodeKind::Iso),
    ("PNG", "Papua New Guinea", CodeKind::Iso),
    ("POL", "Poland", CodeKind::Iso),
    ("PRI", "Puerto Rico", CodeKind::Iso),
    (
        "PRK",
        "Korea, Democratic People's Republic of",
        CodeKind::Iso,
    ),
    ("PRT", "Portugal", CodeKind::Iso),
    ("PRY", "Paraguay", CodeKind::Iso),
    ("PSE", "Palestine, State of", CodeKind::Iso),
    ("PYF", "French Polynesia", CodeKind::Iso),
    ("QAT", "Qatar", CodeKind::Iso),
    ("REU", "Réunion", CodeKind::Iso),
    ("RKS", "Kosovo", CodeKind::Icao),
    ("ROU", "Romania", CodeKind::Iso),
    ("RUS", "Russian Federation", CodeKind::Iso),
    ("RWA", "Rwanda", CodeKind::Iso),
    ("SAU", "Saudi Arabia", CodeKind::Iso),
    ("SDN", "Sudan", CodeKind::Iso),
    ("SEN", "Senegal", CodeKind::Iso),
    ("SGP", "Singapore", CodeKind::Iso),
    (
        "SGS",
        "South Georgia and the South Sandwich Islands",
        CodeKind::Iso,
    ),
    (
        "SHN",
        "Saint Helena, Ascension and Tristan da Cunha",
        CodeKind::Iso,
    ),
    ("SJM", "Svalbard and Jan Mayen", CodeKind::Iso),
    ("SLB", "Solomon Islands", CodeKind::Iso),
    ("SLE", "Sierra Leone", CodeKind::Iso),
    ("SLV", "El Salvador", CodeKind::Iso),
    ("SMR", "San Marino", CodeKind::Iso),
    ("SOM", "Somalia", CodeKind::Iso),
    ("SPM", "Saint Pierre and Miquelon", CodeKind::Iso),
    ("SRB", "Serbia", CodeKind::Iso),
    ("SSD", "South Sudan", CodeKind::Iso),
    ("STP", "Sao Tome and Principe", CodeKind::Iso),
    ("SUR", "Suriname", CodeKind::Iso),
    ("SVK", "Slovakia", CodeKind::Iso),
    ("SVN", "Slovenia", CodeKind::Iso),
    ("SWE", "Sweden", CodeKind::Iso),
    ("SWZ", "Eswatini", CodeKind::Iso),
    ("SXM", "Sint Maarten (Dutch part)", CodeKind::Iso),
    ("SYC", "Seychelles", CodeKind::Iso),
    ("SYR", "Syrian Arab Republic", CodeKind::Iso),
    ("TCA", "Turks and Caicos Islands", CodeKind::Iso),
    ("TCD", "Chad", CodeKind::Iso),
    ("TGO", "Togo", CodeKind::Iso),
    ("THA", "Thailand", CodeKind::Iso),
    ("TJK", "Tajikistan", CodeKind::Iso),
    ("TKL", "Tokelau", CodeKind::Iso),
    ("TKM", "Turkmenistan", CodeKind::Iso),
    ("TLS", "Timor-Leste", CodeKind::Iso),
    ("TON", "Tonga", CodeKind::Iso),
    ("TTO", "Trinidad and Tobago", CodeKind::Iso),
    ("TUN", "Tunisia", CodeKind::Iso),
    ("TUR", "Türkiye", CodeKind::Iso),
    ("TUV", "Tuvalu", CodeKind::Iso),
    ("TWN", "Taiwan, Province of China", CodeKind::Iso),
    ("TZA", "Tanzania, United Republic of", CodeKind::Iso),
    ("UGA", "Uganda", CodeKind::Iso),
    ("UKR", "Ukraine", CodeKind::Iso),
    ("UMI", "United States Minor Outlying Islands", CodeKind::Iso),
    (
        "UNA",
        "Specialized agency of the United Nations",
        CodeKind::Icao,
    ),
    (
        "UNK",
        "Resident of Kosovo (UNMIK travel document)",
        CodeKind::Icao,
    ),
    ("UNO", "United Nations Organization", CodeKind::Icao),
    ("URY", "Uruguay", CodeKind::Iso),
    ("USA", "United States", CodeKind::Iso),
    (
        "UTO",
        "Utopia (Doc 9303 specimen state)",
        CodeKind::Specimen,
    ),
    ("UZB", "Uzbekistan", CodeKind::Iso),
    ("VAT", "Holy See (Vatican City State)", CodeKind::Iso),
    ("VCT", "Saint Vincent and the Grenadines", CodeKind::Iso),
    ("VEN", "Venezuela, Bolivarian Republic of", CodeKind::Iso),
    ("VGB", "Virgin Islands, British", CodeKind::Iso),
    ("VIR", "Virgin Islands, U.S.", CodeKind::Iso),
    ("VNM", "Viet Nam", CodeKind::Iso),
    ("VUT", "Vanuatu", CodeKind::Iso),
    ("WLF", "Wallis and Futuna", CodeKind::Iso),
    ("WSM", "Samoa", CodeKind::Iso),
    ("XBA", "African Development Bank", CodeKind::Icao),
    ("XCC", "Caribbean Community (CARICOM)", CodeKind::Icao),
    ("XCE", "Council of Europe", CodeKind::Icao),
    (
        "XCO",
        "Common Market for Eastern and Southern Africa (COMESA)",
        CodeKind::Icao,
    ),
    (
        "XDC",
        "Southern African Development Community (SADC)",
        CodeKind::Icao,
    ),
    (
        "XEC",
        "Economic Community of West African States (ECOWAS)",
        CodeKind::Icao,
    ),
    (
        "XES",
        "Organisation of Eastern Caribbean States (OECS)",
        CodeKind::Icao,
    ),
    ("XGC", "Gulf Cooperation Council", CodeKind::Icao),
    (
        "XIM",
        "African Export-Import Bank (Afreximbank)",
        CodeKind::Icao,
    ),
    (
        "XMP",
        "Parliamentary Assembly of the Mediterranean",
        CodeKind::Icao,
    ),
    ("XOM", "Sovereign Military Order of Malta", CodeKind::Icao),
    (
        "XPO",
        "International Criminal Police Organization (INTERPOL)",
        CodeKind::Icao,
    ),
    ("XXA", "Stateless person (1954 Convention)", CodeKind::Icao),
    ("XXB", "Refugee (1951 Convention)", CodeKind::Icao),
    (
        "XXC",
        "Refugee (other than 1951 Convention)",
        CodeKind::Icao,
    ),
    ("XXX", "Unspecified nationality", CodeKind::Icao),
    ("YEM", "Yemen", CodeKind::Iso),
    (
        "YTO",
        "Doc 9303 Part 3 worked-example state",
        CodeKind::Specimen,
    ),
    ("ZAF", "South Africa", CodeKind::Iso),
    (
        "ZIM",
        "Zimbabwe (former code, still printed on older documents)",
        CodeKind::Icao,
    ),
    ("ZMB", "Zambia", CodeKind::Iso),
    ("ZWE", "Zimbabwe", CodeKind::Iso),
];

/// Index of a code in the dense table: each position is 0 (absent or `<`) or 1..=26.
const fn slot(code: &[u8]) -> Option<usize> {
    if code.len() > 3 {
        return None;
    }
    let mut idx = 0usize;
    let mut i = 0usize;
    while i < 3 {
        let v = if i < code.len() {
            match code[i] {
                b'A'..=b'Z' => (code[i] - b'A') as usize + 1,
                _ => return None,
            }
        } else {
            0
        };
        idx = idx * 27 + v;
        i += 1;
    }
    Some(idx)
}

/// Kind of every possible code, built at compile time: 0 unknown, 1 ISO, 2 ICAO, 3 specimen.
/// A direct index beats a binary search of strings in the parser's hot path.
static KINDS: [u8; 27 * 27 * 27] = {
    let mut t = [0u8; 27 * 27 * 27];
    let mut i = 0usize;
    while i < CODES.len() {
        let (code, _, kind) = CODES[i];
        if let Some(s) = slot(code.as_bytes()) {
            t[s] = match kind {
                CodeKind::Iso => 1,
                CodeKind::Icao => 2,
                CodeKind::Specimen => 3,
            };
        }
        i += 1;
    }
    t
};

/// The kind of a code (trailing fillers already removed), without its name: the fast path.
pub fn kind(code: &str) -> Option<CodeKind> {
    let s = slot(code.as_bytes())?;
    match KINDS.get(s)? {
        1 => Some(CodeKind::Iso),
        2 => Some(CodeKind::Icao),
        3 => Some(CodeKind::Specimen),
        _ => None,
    }
}

/// Looks a three-letter code up (trailing `<` fillers already removed, e.g. `"D"`).
/// Returns the name and the kind of the code, or `None` when it is not in the ICAO list.
pub fn lookup(code: &str) -> Option<(&'static str, CodeKind)> {
    CODES
        .binary_search_by(|(c, _, _)| (*c).cmp(code))
        .ok()
        .and_then(|i| CODES.get(i))
        .map(|(_, name, kind)| (*name, *kind))
}

/// Every code in the list, sorted.
pub fn all_codes() -> impl Iterator<Item = (&'static str, &'static str, CodeKind)> {
    CODES.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_unique() {
        assert!(CODES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn knows_iso_icao_and_specimen_codes() {
        assert_eq!(lookup("MNG").map(|x| x.1), Some(CodeKind::Iso));
        assert_eq!(lookup("CHN").map(|x| x.1), Some(CodeKind::Iso));
        assert_eq!(lookup("D").map(|x| x.1), Some(CodeKind::Icao));
        assert_eq!(lookup("XXA").map(|x| x.1), Some(CodeKind::Icao));
        assert_eq!(lookup("UTO").map(|x| x.1), Some(CodeKind::Specimen));
        assert_eq!(lookup("DEU").map(|x| x.1), Some(CodeKind::Iso));
        assert!(lookup("UT0").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("ZZZ").is_none());
        assert_eq!(all_codes().filter(|c| c.2 == CodeKind::Iso).count(), 249);
        for (code, _, k) in all_codes() {
            assert_eq!(kind(code), Some(k), "{code}");
        }
        assert_eq!(kind("UT0"), None);
        assert_eq!(kind("ABCD"), None);
        assert_eq!(kind("AB"), None);
    }
}
