//! A discrete-event simulation of one queue feeding several counters (first come, first
//! served), seeded and deterministic: Poisson arrivals and exponential service, so the
//! Erlang C model can be checked against what the process actually does.

/// SplitMix64: small, fast and good enough for a simulation; ours so the sequence for a seed
/// never changes with a dependency's version.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so `-ln` is finite.
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Exponential with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * self.unit().ln()
    }
}

/// One traveller's passage through the lane (seconds from the start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Passage {
    pub arrived: f64,
    pub started: f64,
    pub finished: f64,
}

impl Passage {
    pub fn wait_s(&self) -> f64 {
        self.started - self.arrived
    }
}

/// Simulates `arrivals` travellers: Poisson arrivals at `lambda_per_h`, `servers` counters,
/// exponential service with mean `mean_service_s`, first come first served.
pub fn simulate(
    seed: u64,
    arrivals: usize,
    lambda_per_h: f64,
    servers: usize,
    mean_service_s: f64,
) -> Vec<Passage> {
    let mut rng = Rng::new(seed);
    let mean_gap = 3600.0 / lambda_per_h;
    // With one FIFO queue, each traveller takes the counter that frees first; keeping the
    // counters' free-at times is the whole event calendar.
    let mut free_at = vec![0.0_f64; servers.max(1)];
    let mut t = 0.0;
    let mut out = Vec::with_capacity(arrivals);
    for _ in 0..arrivals {
        t += rng.exp(mean_gap);
        let (k, free) = free_at
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        let started = t.max(free);
        let finished = started + rng.exp(mean_service_s);
        free_at[k] = finished;
        out.push(Passage {
            arrived: t,
            started,
            finished,
        });
    }
    out
}

/// The mean wait of the passages, dropping the first `warmup` (the empty start).
pub fn mean_wait_s(passages: &[Passage], warmup: usize) -> f64 {
    let rest = &passages[warmup.min(passages.len())..];
    if rest.is_empty() {
        return 0.0;
    }
    rest.iter().map(Passage::wait_s).sum::<f64>() / rest.len() as f64
}
