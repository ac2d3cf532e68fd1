//! The road-freight morning: trucks booked the evening before, arriving at the freight gate
//! between 06:00 and 10:00, with the 8–10 produce trucks of the seed on the green channel,
//! some trusted traders' trucks, and the usual trouble (a late truck, unannounced ones, a
//! plate misread by the camera).

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

/// The carriers of the morning: (user name, organisation, trusted trader).
pub const CARRIERS: [(&str, &str, bool); 2] = [
    ("demo-gobi", "Gobi Fresh Logistics LLC", false),
    ("demo-erlian", "Erlian Border Trading Co.", true),
];

/// One truck of the morning. Times are plan seconds from 06:00 station-local.
#[derive(Debug, Clone, PartialEq)]
pub struct Truck {
    /// The plate as the carrier writes it.
    pub plate: String,
    /// What the gate camera reads (sometimes with an OCR confusion).
    pub read_as: String,
    /// Index into [`CARRIERS`]; `None` for a truck no one booked.
    pub carrier: Option<usize>,
    pub perishable: bool,
    pub cargo: &'static str,
    pub weight_kg: f64,
    /// The booked slot's start; `None` when unannounced.
    pub slot_s: Option<u32>,
    pub arrive_s: u32,
    /// Late beyond the slot's grace: the truck loses its appointment.
    pub late: bool,
    /// The driver: surname, given name, document number (invented).
    pub driver: (String, String, String),
}

const PRODUCE: [&str; 5] = [
    "Chinese cabbage",
    "tomatoes and cucumbers",
    "apples",
    "watermelons",
    "potatoes and carrots",
];
const GOODS: [&str; 4] = [
    "building materials",
    "household appliances",
    "tyres",
    "ceramic tiles",
];
const SURNAMES: [&str; 8] = [
    "BATBAYAR",
    "GANBOLD",
    "ENKHTUYA",
    "DORJSUREN",
    "ZHAO",
    "WANG",
    "NARANBAATAR",
    "LI",
];
const GIVEN: [&str; 6] = ["TEMUULEN", "ERDENE", "BOLD", "WEI", "JUN", "SUKH"];
const MN_LETTERS: [&str; 6] = ["УБА", "УБВ", "ДГА", "ӨМА", "ДОА", "УНА"];

fn plate(rng: &mut StdRng, mongolian: bool) -> String {
    if mongolian {
        format!(
            "{:04} {}",
            rng.gen_range(1000..9999),
            MN_LETTERS[rng.gen_range(0..MN_LETTERS.len())]
        )
    } else {
        format!(
            "蒙H·{}{:04}",
            ["A", "B", "C", "K"][rng.gen_range(0..4)],
            rng.gen_range(1000..9999)
        )
    }
}

/// What a camera might make of a plate: an O for a 0, a Latin letter for a Cyrillic one.
fn misread(p: &str) -> String {
    if p.contains('0') {
        p.replacen('0', "O", 1)
    } else if p.contains('1') {
        p.replacen('1', "I", 1)
    } else if p.contains('А') || p.contains('У') {
        p.replace('А', "A").replace('У', "Y")
    } else {
        p.replace('·', " ").to_lowercase()
    }
}

/// The morning's trucks, in arrival order; a function of the seed only.
pub fn morning(seed: u64) -> Vec<Truck> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0005_0ad0);
    let mut trucks = Vec::new();
    let produce = rng.gen_range(8..=10);
    let driver = |rng: &mut StdRng, i: usize| {
        (
            SURNAMES[rng.gen_range(0..SURNAMES.len())].to_owned(),
            GIVEN[rng.gen_range(0..GIVEN.len())].to_owned(),
            format!("E{:07}", 1_000_000 + i * 7919 % 8_000_000),
        )
    };
    for i in 0..produce {
        // Slots 06:00 to 09:00, the trucks a little before or after their slot.
        let slot = (i as u32 * 3 / produce as u32) * 3600;
        let arrive = (slot as i64 + rng.gen_range(-25..35) * 60).max(120) as u32;
        let p = plate(&mut rng, i % 3 == 1);
        let read_as = if i == 2 { misread(&p) } else { p.clone() };
        trucks.push(Truck {
            plate: p,
            read_as,
            carrier: Some(usize::from(i % 4 == 3)),
            perishable: true,
            cargo: PRODUCE[i % PRODUCE.len()],
            weight_kg: f64::from(rng.gen_range(18..26)) * 1000.0,
            slot_s: Some(slot),
            arrive_s: arrive,
            late: false,
            driver: driver(&mut rng, i),
        });
    }
    // Trusted traders' general cargo.
    for i in 0..3 {
        let slot = 3600 + i * 3600;
        let p = plate(&mut rng, i == 1);
        trucks.push(Truck {
            read_as: p.clone(),
            plate: p,
            carrier: Some(1),
            perishable: false,
            cargo: GOODS[i as usize % GOODS.len()],
            weight_kg: 30_000.0,
            slot_s: Some(slot),
            arrive_s: slot + rng.gen_range(0..30) * 60,
            late: false,
            driver: driver(&mut rng, 20 + i as usize),
        });
    }
    // A standard truck 80 minutes after its 06:00 slot: it loses the appointment.
    let p = plate(&mut rng, true);
    trucks.push(Truck {
        read_as: p.clone(),
        plate: p,
        carrier: Some(0),
        perishable: false,
        cargo: GOODS[3],
        weight_kg: 28_000.0,
        slot_s: Some(0),
        arrive_s: 80 * 60,
        late: true,
        driver: driver(&mut rng, 30),
    });
    // Two unannounced trucks.
    for (i, goods) in GOODS.iter().take(2).enumerate() {
        let p = plate(&mut rng, i == 0);
        trucks.push(Truck {
            read_as: p.clone(),
            plate: p,
            carrier: None,
            perishable: false,
            cargo: goods,
            weight_kg: 25_000.0,
            slot_s: None,
            arrive_s: 5400 + i as u32 * 4000,
            late: false,
            driver: driver(&mut rng, 40 + i),
        });
    }
    trucks.sort_by_key(|t| t.arrive_s);
    trucks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_morning_has_the_seeds_produce_trucks_and_its_trouble() {
        let m = morning(7);
        let produce = m.iter().filter(|t| t.perishable).count();
        assert!((8..=10).contains(&produce), "{produce}");
        assert!(m.iter().any(|t| t.late));
        assert!(m.iter().any(|t| t.slot_s.is_none()));
        assert!(m.iter().any(|t| t.read_as != t.plate));
        assert!(m.iter().all(|t| t.arrive_s < 4 * 3600));
        assert_eq!(m, morning(7));
        // Plates are distinct: one active appointment per vehicle.
        let mut plates: Vec<&str> = m.iter().map(|t| t.plate.as_str()).collect();
        plates.sort_unstable();
        plates.dedup();
        assert_eq!(plates.len(), m.len());
    }
}
