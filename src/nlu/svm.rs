//! A one-vs-rest linear support vector machine (L2-regularised, squared hinge loss),
//! trained by dual coordinate descent (Hsieh et al., ICML 2008, the method of liblinear).
//! On short texts with n-gram features this is the strongest classic model: fast to train
//! at start-up, and scoring a message is one sparse dot product per class.

use rayon::prelude::*;

use super::vectorize::SparseVector;

/// Training settings. The defaults are liblinear's, with fewer iterations: the model is
/// retrained at every start, and the last iterations barely move the decision.
#[derive(Clone, Copy, Debug)]
pub struct SvmSettings {
    /// Inverse regularisation strength.
    pub cost: f32,
    /// Stop when the projected gradient's spread falls below this.
    pub tolerance: f32,
    pub max_iterations: usize,
    /// Weights smaller than this are dropped, which keeps large catalogues small.
    pub prune_below: f32,
    pub seed: u64,
}

impl Default for SvmSettings {
    fn default() -> Self {
        SvmSettings {
            cost: 1.0,
            tolerance: 0.1,
            max_iterations: 200,
            prune_below: 1e-3,
            seed: 7,
        }
    }
}

/// The trained weights, stored feature-major: scoring a message touches only the rows of
/// the features it has.
pub struct LinearSvm {
    /// Row `f` is `entries[offsets[f]..offsets[f + 1]]`.
    offsets: Vec<u32>,
    entries: Vec<(u32, f32)>,
    bias: Vec<f32>,
}

impl LinearSvm {
    /// Trains one binary machine per class, in parallel.
    pub fn train(
        xs: &[SparseVector],
        labels: &[u32],
        n_classes: usize,
        n_features: usize,
        settings: SvmSettings,
    ) -> LinearSvm {
        let per_class: Vec<(Vec<(u32, f32)>, f32)> = (0..n_classes)
            .into_par_iter()
            .map(|class| train_binary(xs, labels, class as u32, n_features, settings))
            .collect();

        let mut counts = vec![0u32; n_features + 1];
        for (weights, _) in &per_class {
            for &(f, _) in weights {
                counts[f as usize + 1] += 1;
            }
        }
        for f in 0..n_features {
            counts[f + 1] += counts[f];
        }
        let offsets = counts;
        let mut fill = offsets.clone();
        let mut entries = vec![(0u32, 0f32); offsets[n_features] as usize];
        for (class, (weights, _)) in per_class.iter().enumerate() {
            for &(f, w) in weights {
                let at = &mut fill[f as usize];
                entries[*at as usize] = (class as u32, w);
                *at += 1;
            }
        }
        LinearSvm {
            offsets,
            entries,
            bias: per_class.iter().map(|(_, b)| *b).collect(),
        }
    }

    /// The weights as saved: row offsets, (class, weight) entries, one bias per class.
    pub fn parts(&self) -> (&[u32], &[(u32, f32)], &[f32]) {
        (&self.offsets, &self.entries, &self.bias)
    }

    /// A machine from [`LinearSvm::parts`]; `None` when they do not fit together (offsets
    /// that do not rise to the number of entries, a class without a bias).
    pub fn from_parts(
        offsets: Vec<u32>,
        entries: Vec<(u32, f32)>,
        bias: Vec<f32>,
    ) -> Option<LinearSvm> {
        let rises = offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets.last().map(|&n| n as usize) == Some(entries.len());
        let classes_known = entries.iter().all(|&(c, _)| (c as usize) < bias.len());
        (rises && classes_known).then_some(LinearSvm {
            offsets,
            entries,
            bias,
        })
    }

    /// Number of features the machine was trained on.
    pub fn features(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The signed distance of `x` to each class's separating hyperplane.
    pub fn margins(&self, x: &SparseVector) -> Vec<f32> {
        let mut scores = self.bias.clone();
        for (&f, &v) in x.indices.iter().zip(&x.values) {
            let row = self.offsets[f as usize] as usize..self.offsets[f as usize + 1] as usize;
            for &(class, w) in &self.entries[row] {
                scores[class as usize] += w * v;
            }
        }
        scores
    }
}

/// Dual coordinate descent with shrinking for one class against the rest. Returns the
/// non-negligible weights and the bias (the bias is a constant feature of value 1).
fn train_binary(
    xs: &[SparseVector],
    labels: &[u32],
    class: u32,
    n_features: usize,
    settings: SvmSettings,
) -> (Vec<(u32, f32)>, f32) {
    let n = xs.len();
    let diag = 0.5 / settings.cost;
    let y: Vec<f32> = labels
        .iter()
        .map(|&l| if l == class { 1.0 } else { -1.0 })
        .collect();
    let qd: Vec<f32> = xs.iter().map(|x| x.squared_norm() + 1.0 + diag).collect();
    let mut w = vec![0f32; n_features];
    let mut bias = 0f32;
    let mut alpha = vec![0f32; n];
    let mut order: Vec<usize> = (0..n).collect();
    let mut active = n;
    let mut rng = fastrand::Rng::with_seed(settings.seed ^ u64::from(class));
    // Without an upper bound on alpha (squared hinge loss), only the upper side of the
    // projected gradient decides shrinking.
    let mut pg_max_old = f32::INFINITY;

    for _ in 0..settings.max_iterations {
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        rng.shuffle(&mut order[..active]);
        let mut s = 0;
        while s < active {
            let i = order[s];
            let g = y[i] * (xs[i].dot(&w) + bias) - 1.0 + diag * alpha[i];
            let mut pg = g;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    order.swap(s, active);
                    continue;
                }
                pg = g.min(0.0);
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / qd[i]).max(0.0);
                let step = (alpha[i] - old) * y[i];
                xs[i].add_scaled_to(&mut w, step);
                bias += step;
            }
            s += 1;
        }
        if pg_max - pg_min <= settings.tolerance {
            if active == n {
                break;
            }
            active = n;
            pg_max_old = f32::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f32::INFINITY } else { pg_max };
    }

    let weights = w
        .into_iter()
        .enumerate()
        .filter(|(_, v)| v.abs() >= settings.prune_below)
        .map(|(f, v)| (f as u32, v))
        .collect();
    (weights, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(pairs: &[(u32, f32)]) -> SparseVector {
        SparseVector {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1).collect(),
        }
    }

    #[test]
    fn separable_classes_are_separated() {
        let xs = vec![
            x(&[(0, 1.0)]),
            x(&[(0, 0.8), (2, 0.6)]),
            x(&[(1, 1.0)]),
            x(&[(1, 0.8), (2, 0.6)]),
        ];
        let labels = vec![0, 0, 1, 1];
        let svm = LinearSvm::train(&xs, &labels, 2, 3, SvmSettings::default());
        let m = svm.margins(&x(&[(0, 1.0)]));
        assert!(m[0] > 0.0 && m[1] < 0.0, "{m:?}");
        let m = svm.margins(&x(&[(1, 1.0)]));
        assert!(m[1] > 0.0 && m[0] < 0.0, "{m:?}");
    }
}
