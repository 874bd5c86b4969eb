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
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    Some((mean, variance.sqrt()))
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
