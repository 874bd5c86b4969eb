//! Statistics shared by the analyses, with their definitions stated.

/// Arithmetic mean and **population** standard deviation (divided by n, not n − 1), as the
/// Berlin MSS method prescribes. `None` for an empty slice.
///
/// ```
/// let (mean, sd) = quartier_core::analysis::stats::mean_and_population_sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
/// assert_eq!((mean, sd), (5.0, 2.0));
/// ```
pub fn mean_and_population_sd(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = sum_in_lanes(values, |v| v) / n;
    let variance = sum_in_lanes(values, |v| (v - mean) * (v - mean)) / n;
    Some((mean, variance.sqrt()))
}

/// `Σ f(v)` in eight running sums that are added at the end: the additions no longer wait
/// for each other, so the processor pipelines (and vectorises) them, and the rounding error
/// grows more slowly than with one running sum (each lane adds an eighth of the values).
fn sum_in_lanes(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    const LANES: usize = 8;
    let mut lanes = [0.0; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest: f64 = chunks.remainder().iter().map(|&v| f(v)).sum();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v);
        }
    }
    lanes.iter().sum::<f64>() + rest
}

/// z-scores `(x − mean) / sd` with the population standard deviation. `None` when the
/// values are empty or do not vary (sd = 0), since then no z-score is defined.
///
/// ```
/// let z = quartier_core::analysis::stats::population_z_scores(&[1.0, 3.0]).unwrap();
/// assert_eq!(z, vec![-1.0, 1.0]);
/// assert!(quartier_core::analysis::stats::population_z_scores(&[2.0, 2.0]).is_none());
/// ```
pub fn population_z_scores(values: &[f64]) -> Option<Vec<f64>> {
    let (mean, sd) = mean_and_population_sd(values)?;
    if sd == 0.0 || !sd.is_finite() {
        return None;
    }
    Some(values.iter().map(|v| (v - mean) / sd).collect())
}

/// Ranks with ties: rank 1 for the largest value, equal values share the best rank of their
/// group ("1, 2, 2, 4"), as in German league tables. `NaN` gets no rank.
///
/// ```
/// let r = quartier_core::analysis::stats::ranks_descending(&[5.0, 7.0, 5.0, 1.0]);
/// assert_eq!(r, vec![Some(2), Some(1), Some(2), Some(4)]);
/// ```
pub fn ranks_descending(values: &[f64]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let mut ranks = vec![None; values.len()];
    for (pos, &i) in order.iter().enumerate() {
        let rank = match pos {
            0 => 1,
            _ if values[order[pos - 1]] == values[i] => ranks[order[pos - 1]].unwrap_or(pos + 1),
            _ => pos + 1,
        };
        ranks[i] = Some(rank);
    }
    ranks
}

/// The slope of the least-squares line of `y` on `x`; `None` with fewer than two points or
/// when `x` does not vary (a constant `y` has slope 0).
///
/// ```
/// assert_eq!(quartier_core::analysis::stats::least_squares_slope(&[2018.0, 2020.0], &[10.0, 14.0]), Some(2.0));
/// ```
pub fn least_squares_slope(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Pearson correlation of two equally long series; `None` when one does not vary.
pub fn correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mx, sx) = mean_and_population_sd(x)?;
    let (my, sy) = mean_and_population_sd(y)?;
    if sx == 0.0 || sy == 0.0 || x.len() != y.len() {
        return None;
    }
    let cov = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum::<f64>() / x.len() as f64;
    Some(cov / (sx * sy))
}

/// A small, seeded random number generator (SplitMix64) for Monte Carlo runs and permutation
/// tests. Written here rather than taken from `rand` because results must stay reproducible
/// for a given seed across versions and platforms, which `rand`'s standard generators do not
/// promise.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Self {
        SeededRng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}
