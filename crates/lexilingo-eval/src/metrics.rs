//! Evaluation metrics, written here: GLEU for corrections, Spearman for fluency, lenient
//! macro-F1, within-one accuracy and quadratic weighted kappa for CEFR levels.

use std::collections::HashMap;

type Ngrams<'a> = HashMap<&'a [String], usize>;

fn ngrams(tokens: &[String], n: usize) -> Ngrams<'_> {
    let mut out = HashMap::new();
    if tokens.len() >= n {
        for w in tokens.windows(n) {
            *out.entry(w).or_insert(0) += 1;
        }
    }
    out
}

/// Sufficient statistics of one sentence against one reference: hypothesis length, reference
/// length, then (matches, possible) for n = 1..4.
fn gleu_stats(source: &[String], reference: &[String], hypothesis: &[String]) -> [f64; 10] {
    let mut stats = [0.0; 10];
    stats[0] = hypothesis.len() as f64;
    stats[1] = reference.len() as f64;
    for n in 1..=4 {
        let h = ngrams(hypothesis, n);
        let r = ngrams(reference, n);
        let s = ngrams(source, n);
        let in_both: usize = h
            .iter()
            .map(|(g, c)| (*c).min(*r.get(g).unwrap_or(&0)))
            .sum();
        // Source n-grams the reference does not contain: keeping them is penalised.
        let penalised: usize = h
            .iter()
            .filter(|(g, _)| !r.contains_key(*g))
            .map(|(g, c)| (*c).min(*s.get(g).unwrap_or(&0)))
            .sum();
        stats[2 * n] = in_both.saturating_sub(penalised) as f64;
        stats[2 * n + 1] = (hypothesis.len() + 1).saturating_sub(n) as f64;
    }
    stats
}

fn gleu_from_stats(stats: &[f64; 10]) -> f64 {
    if stats.contains(&0.0) {
        return 0.0;
    }
    let log_precision: f64 = (1..=4)
        .map(|n| (stats[2 * n] / stats[2 * n + 1]).ln())
        .sum::<f64>()
        / 4.0;
    let brevity = (1.0 - stats[1] / stats[0]).min(0.0);
    (brevity + log_precision).exp()
}

/// Corpus GLEU (Napoles et al. 2015; the 2016 version without tuning) of `hypotheses` against
/// `sources` and several references per sentence. As in the reference implementation, one
/// reference is drawn per sentence in each of `iterations` rounds and the corpus scores are
/// averaged; the draw uses a fixed seed so the score is reproducible.
pub fn gleu(
    sources: &[Vec<String>],
    references: &[Vec<Vec<String>>],
    hypotheses: &[Vec<String>],
    iterations: usize,
) -> f64 {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let per_sentence: Vec<Vec<[f64; 10]>> = sources
        .iter()
        .zip(references)
        .zip(hypotheses)
        .map(|((s, refs), h)| refs.iter().map(|r| gleu_stats(s, r, h)).collect())
        .collect();
    let mut total = 0.0;
    for _ in 0..iterations.max(1) {
        let mut sum = [0.0; 10];
        for options in &per_sentence {
            if options.is_empty() {
                continue;
            }
            let pick = &options[(next() % options.len() as u64) as usize];
            for (a, b) in sum.iter_mut().zip(pick) {
                *a += b;
            }
        }
        total += gleu_from_stats(&sum);
    }
    total / iterations.max(1) as f64
}

fn ranks(values: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && values[idx[j + 1]] == values[idx[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            out[*k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Spearman's rank correlation (average ranks for ties).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

/// Levels 1..=6 from two annotators and a prediction, scored leniently: a prediction that
/// matches either annotator is correct.
pub struct LevelScores {
    /// Macro-F1 over the six levels, gold = the prediction when it matches either annotator,
    /// otherwise the first annotator.
    pub lenient_macro_f1: f64,
    /// Share within one level of either annotator.
    pub within_one: f64,
    /// Quadratic weighted kappa against the same lenient gold.
    pub qwk: f64,
}

/// Scores predicted levels against two annotators.
pub fn level_scores(predicted: &[u8], a: &[u8], b: &[u8]) -> LevelScores {
    let gold: Vec<u8> = predicted
        .iter()
        .zip(a.iter().zip(b))
        .map(|(p, (x, y))| if p == x || p == y { *p } else { *x })
        .collect();
    let mut f1s = Vec::new();
    for level in 1..=6u8 {
        let tp = predicted
            .iter()
            .zip(&gold)
            .filter(|(p, g)| **p == level && **g == level)
            .count() as f64;
        let fp = predicted
            .iter()
            .zip(&gold)
            .filter(|(p, g)| **p == level && **g != level)
            .count() as f64;
        let fn_ = predicted
            .iter()
            .zip(&gold)
            .filter(|(p, g)| **p != level && **g == level)
            .count() as f64;
        if tp + fp + fn_ > 0.0 {
            f1s.push(if tp == 0.0 {
                0.0
            } else {
                2.0 * tp / (2.0 * tp + fp + fn_)
            });
        }
    }
    let within = predicted
        .iter()
        .zip(a.iter().zip(b))
        .filter(|(p, (x, y))| p.abs_diff(**x) <= 1 || p.abs_diff(**y) <= 1)
        .count() as f64;
    LevelScores {
        lenient_macro_f1: f1s.iter().sum::<f64>() / f1s.len().max(1) as f64,
        within_one: within / predicted.len().max(1) as f64,
        qwk: qwk(predicted, &gold),
    }
}

/// Quadratic weighted kappa between two ratings on 1..=6.
pub fn qwk(x: &[u8], y: &[u8]) -> f64 {
    let k = 6usize;
    let n = x.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    let mut observed = vec![vec![0.0; k]; k];
    let (mut hx, mut hy) = (vec![0.0; k], vec![0.0; k]);
    for (a, b) in x.iter().zip(y) {
        let (i, j) = (
            usize::from(a.clamp(&1, &6) - 1),
            usize::from(b.clamp(&1, &6) - 1),
        );
        observed[i][j] += 1.0;
        hx[i] += 1.0;
        hy[j] += 1.0;
    }
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let w = ((i as f64 - j as f64) / (k as f64 - 1.0)).powi(2);
            num += w * observed[i][j];
            den += w * hx[i] * hy[j] / n;
        }
    }
    if den == 0.0 {
        1.0
    } else {
        1.0 - num / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    /// Worked by hand: p1 = 5/5, p2 = (3 − 1)/4 ("on mat" is a source bigram the reference
    /// lacks), p3 = 2/3, p4 = 1/2; brevity penalty 1 − 6/5 = −0.2.
    /// GLEU = exp(−0.2 + (ln 1 + ln 0.5 + ln 2/3 + ln 0.5) / 4) = 0.523122…
    #[test]
    fn gleu_matches_a_hand_computed_case() {
        let s = vec![toks("the cat sit on mat")];
        let r = vec![vec![toks("the cat sits on the mat")]];
        let h = vec![toks("the cat sits on mat")];
        let g = gleu(&s, &r, &h, 1);
        assert!((g - 0.523_122_368_9).abs() < 1e-9, "{g}");
        let perfect = gleu(&s, &r, &r[0].clone(), 1);
        assert!((perfect - 1.0).abs() < 1e-12);
        let copy = gleu(&s, &r, &s, 1);
        assert!(
            copy < g,
            "copying the source scores below a partial fix: {copy}"
        );
    }

    #[test]
    fn spearman_handles_ties_and_order() {
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[5.0, 1.0, 5.0]), vec![2.5, 1.0, 2.5]);
    }

    #[test]
    fn level_scores_are_lenient_and_kappa_is_one_for_agreement() {
        let s = level_scores(&[1, 2, 3, 6], &[1, 3, 3, 4], &[2, 2, 4, 4]);
        assert_eq!(s.within_one, 0.75);
        assert!((qwk(&[1, 2, 3], &[1, 2, 3]) - 1.0).abs() < 1e-12);
        assert!(s.lenient_macro_f1 > 0.5 && s.lenient_macro_f1 < 1.0);
    }
}
