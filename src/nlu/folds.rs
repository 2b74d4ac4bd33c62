//! Stratified k-fold assignment: every class is spread evenly over the folds, so each fold
//! tests every intent. Used for calibration at start-up and by `frontline eval`.

/// The fold (0..k) of each example, given its class. Deterministic for a seed.
pub fn stratified_folds(classes: &[u32], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut folds = vec![0; classes.len()];
    let n_classes = classes.iter().max().map_or(0, |&c| c as usize + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &c) in classes.iter().enumerate() {
        members[c as usize].push(i);
    }
    // Continue the round-robin across classes so that small classes do not all land in
    // fold 0 and the folds stay the same size.
    let mut next = 0;
    for class_members in &mut members {
        rng.shuffle(class_members);
        for &i in class_members.iter() {
            folds[i] = next % k;
            next += 1;
        }
    }
    folds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_spread_over_the_folds() {
        let classes: Vec<u32> = (0..30).map(|i| i % 3).collect();
        let folds = stratified_folds(&classes, 5, 1);
        for fold in 0..5 {
            for class in 0..3 {
                let n = (0..30)
                    .filter(|&i| folds[i] == fold && classes[i] == class)
                    .count();
                assert_eq!(n, 2, "fold {fold} class {class}");
            }
        }
    }
}
