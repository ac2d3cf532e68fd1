//! The 91 nationalities of the port's travellers, with their share of crossings.
//!
//! The station reports 2.44 million crossings a year from 91 countries. The mix below is
//! invented but shaped like a China–Mongolia road and rail port: Mongolian and Chinese
//! citizens make up most crossings, Russians come third, then Central Asian neighbours,
//! Koreans and Europeans, and a long tail of one or two travellers a day or fewer.

use crate::names::Culture;

/// A nationality: ICAO 9303 code, relative weight, naming conventions.
#[derive(Debug, Clone, Copy)]
pub struct Nation {
    pub code: &'static str,
    pub weight: f64,
    pub culture: Culture,
}

const fn n(code: &'static str, weight: f64, culture: Culture) -> Nation {
    Nation {
        code,
        weight,
        culture,
    }
}

use Culture::{
    Chinese as Zh, Cyrillic as Cy, German as De, Japanese as Ja, Korean as Ko, Latin as La,
    Mongolian as Mn,
};

/// Every nationality, heaviest first. Weights are percentages of crossings.
pub const NATIONS: [Nation; 91] = [
    n("MNG", 47.0, Mn),
    n("CHN", 36.0, Zh),
    n("RUS", 8.0, Cy),
    n("KAZ", 1.2, Cy),
    n("KOR", 0.9, Ko),
    n("D", 0.6, De),
    n("UKR", 0.45, Cy),
    n("UZB", 0.4, Cy),
    n("KGZ", 0.35, Cy),
    n("BLR", 0.3, Cy),
    n("JPN", 0.3, Ja),
    n("USA", 0.3, La),
    n("GBR", 0.25, La),
    n("FRA", 0.25, La),
    n("ITA", 0.2, La),
    n("POL", 0.2, La),
    n("TUR", 0.2, La),
    n("AUS", 0.15, La),
    n("CAN", 0.15, La),
    n("NLD", 0.15, La),
    n("AUT", 0.12, De),
    n("CHE", 0.12, De),
    n("CZE", 0.12, La),
    n("ESP", 0.12, La),
    n("SWE", 0.1, La),
    n("TJK", 0.1, Cy),
    n("TKM", 0.08, Cy),
    n("AZE", 0.08, Cy),
    n("ARM", 0.07, Cy),
    n("GEO", 0.07, Cy),
    n("MDA", 0.06, Cy),
    n("VNM", 0.08, La),
    n("THA", 0.06, La),
    n("MYS", 0.06, La),
    n("SGP", 0.06, La),
    n("IND", 0.08, La),
    n("PAK", 0.06, La),
    n("NOR", 0.05, La),
    n("DNK", 0.05, La),
    n("FIN", 0.05, La),
    n("BEL", 0.05, La),
    n("HUN", 0.05, La),
    n("ROU", 0.05, La),
    n("BGR", 0.04, La),
    n("SRB", 0.04, La),
    n("HRV", 0.03, La),
    n("SVN", 0.03, La),
    n("SVK", 0.03, La),
    n("LTU", 0.04, La),
    n("LVA", 0.04, La),
    n("EST", 0.04, La),
    n("GRC", 0.03, La),
    n("PRT", 0.03, La),
    n("IRL", 0.03, La),
    n("ISL", 0.02, La),
    n("LUX", 0.02, La),
    n("NZL", 0.04, La),
    n("BRA", 0.03, La),
    n("ARG", 0.03, La),
    n("MEX", 0.03, La),
    n("CHL", 0.02, La),
    n("PER", 0.02, La),
    n("COL", 0.02, La),
    n("CUB", 0.02, La),
    n("EGY", 0.03, La),
    n("ZAF", 0.02, La),
    n("NGA", 0.02, La),
    n("KEN", 0.02, La),
    n("ETH", 0.02, La),
    n("GHA", 0.02, La),
    n("MAR", 0.02, La),
    n("TUN", 0.02, La),
    n("IRN", 0.03, La),
    n("IRQ", 0.02, La),
    n("SYR", 0.02, La),
    n("JOR", 0.02, La),
    n("ISR", 0.03, La),
    n("SAU", 0.02, La),
    n("ARE", 0.02, La),
    n("QAT", 0.02, La),
    n("KWT", 0.02, La),
    n("AFG", 0.02, La),
    n("BGD", 0.03, La),
    n("NPL", 0.03, La),
    n("LKA", 0.02, La),
    n("MMR", 0.02, La),
    n("KHM", 0.02, La),
    n("LAO", 0.03, La),
    n("IDN", 0.04, La),
    n("PHL", 0.04, La),
    n("PRK", 0.02, Ko),
];

/// The nation with this code.
pub fn nation(code: &str) -> Option<&'static Nation> {
    NATIONS.iter().find(|n| n.code == code)
}

/// The sum of all weights.
pub fn total_weight() -> f64 {
    NATIONS.iter().map(|n| n.weight).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninety_one_distinct_icao_codes() {
        let mut codes: Vec<&str> = NATIONS.iter().map(|n| n.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 91);
        for c in codes {
            assert!(
                guomen_mrz::codes::lookup(c).is_some(),
                "{c} is not an ICAO code"
            );
        }
        assert!((total_weight() - 100.0).abs() < 5.0, "{}", total_weight());
    }
}
