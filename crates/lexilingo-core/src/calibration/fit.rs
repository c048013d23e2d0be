//! The numerical fitting the calibration needs: a linear solve for ridge regression and the
//! search for CEFR cut points.

/// Gaussian elimination with partial pivoting on an augmented `d × (d+1)` matrix. The ridge
/// term keeps it non-singular.
pub(super) fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let d = a.len();
    for col in 0..d {
        let pivot = (col..d)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-12 {
            continue;
        }
        let pivot_row = a[col].clone();
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / p;
                for (x, pv) in r.iter_mut().zip(&pivot_row).skip(col) {
                    *x -= f * pv;
                }
            }
        }
    }
    (0..d)
        .map(|i| {
            if a[i][i].abs() < 1e-12 {
                0.0
            } else {
                a[i][d] / a[i][i]
            }
        })
        .collect()
}

/// Cut points for `scores` that maximise `objective(levels)`, by coordinate search over the
/// scores' quantiles, starting from evenly spaced cuts between the level means.
pub fn fit_cuts(scores: &[f64], objective: impl Fn(&[u8]) -> f64) -> Vec<f64> {
    let mut sorted: Vec<f64> = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let grid: Vec<f64> = (1..100)
        .map(|q| sorted[(sorted.len() - 1) * q / 100])
        .collect();
    let mut cuts: Vec<f64> = vec![1.5, 2.5, 3.5, 4.5, 5.5];
    let levels = |cuts: &[f64]| -> Vec<u8> {
        scores
            .iter()
            .map(|s| 1 + cuts.iter().filter(|c| s > *c).count() as u8)
            .collect()
    };
    let mut best = objective(&levels(&cuts));
    for _round in 0..4 {
        for k in 0..cuts.len() {
            for &g in &grid {
                let mut trial = cuts.clone();
                trial[k] = g;
                if trial.windows(2).any(|w| w[0] > w[1]) {
                    continue;
                }
                let value = objective(&levels(&trial));
                if value > best {
                    best = value;
                    cuts = trial;
                }
            }
        }
    }
    cuts
}
