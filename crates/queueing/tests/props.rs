use guomen_queueing::{LaneLoad, erlang_b, erlang_c, estimate, mm_c_wait_s};
use proptest::prelude::*;

proptest! {
    #[test]
    fn probabilities_are_probabilities(c in 1u32..2000, frac in 0.0f64..0.999) {
        let a = f64::from(c) * frac;
        let b = erlang_b(c, a);
        prop_assert!((0.0..=1.0).contains(&b));
        let pc = erlang_c(c, a).unwrap();
        prop_assert!((0.0..=1.0).contains(&pc));
        prop_assert!(pc + 1e-12 >= b, "C ≥ B");
    }

    #[test]
    fn another_counter_never_lengthens_the_wait(c in 1u32..200, frac in 0.01f64..0.99, mu in 1.0f64..120.0) {
        let lambda = f64::from(c) * mu * frac;
        let w = mm_c_wait_s(c, lambda, mu).unwrap();
        let w2 = mm_c_wait_s(c + 1, lambda, mu).unwrap();
        prop_assert!(w2 <= w + 1e-9);
    }

    #[test]
    fn estimate_never_panics_nor_goes_negative(
        servers in 0u32..50, queue in 0u32..10_000,
        lambda in proptest::option::of(-10.0f64..1e6), mu in -1.0f64..1e4,
        tput in proptest::option::of(-10.0f64..1e5),
    ) {
        let e = estimate(&LaneLoad { servers, queue, arrival_rate_per_h: lambda, service_rate_per_h: mu, throughput_per_h: tput });
        if let Some(w) = e.wait_s {
            prop_assert!(w.is_finite() && w >= 0.0);
        }
    }
}
