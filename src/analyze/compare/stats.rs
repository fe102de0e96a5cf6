//! The statistics a comparison rests on: Fisher's exact test on a 2×2
//! table (exact at any count, so a change seen 3 times against 0 is judged
//! as fairly as one seen 30,000 times), Holm's correction for the many
//! tests of one run, and quantiles. Plain functions of numbers.

/// `ln Γ(x)` for `x > 0`, by Lanczos' approximation (g = 7, nine terms:
/// about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let s = (std::f64::consts::PI * x).sin().abs();
        return std::f64::consts::PI.ln() - s.ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `ln C(n, k)`.
fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// A 2×2 table: `a` of `n_a` on one side have the property, `b` of `n_b`
/// on the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// With the property, first side.
    pub a: u64,
    /// First side's total.
    pub n_a: u64,
    /// With the property, second side.
    pub b: u64,
    /// Second side's total.
    pub n_b: u64,
}

impl Table {
    /// The share with the property on the first side (0 when empty).
    pub fn share_a(&self) -> f64 {
        share(self.a, self.n_a)
    }

    /// The share with the property on the second side (0 when empty).
    pub fn share_b(&self) -> f64 {
        share(self.b, self.n_b)
    }

    /// Fisher's exact test, one-sided: the probability, with the margins
    /// fixed, that the second side holds at least `b` (when its share is the
    /// higher) or at most `b` (when it is the lower). Doubled and capped at
    /// 1, it is a two-sided p-value that never understates the evidence
    /// against "no change".
    pub fn fisher(&self) -> f64 {
        let Table { a, n_a, b, n_b } = *self;
        let (a, b) = (a.min(n_a), b.min(n_b));
        let k = a + b; // with the property, both sides
        let n = n_a + n_b;
        if n == 0 || k == 0 || k == n {
            return 1.0;
        }
        // X = how many of the k fall on the second side: hypergeometric.
        let lo = k.saturating_sub(n_a);
        let hi = k.min(n_b);
        let ln_total = ln_choose(n, k);
        let ln_p = |x: u64| ln_choose(n_b, x) + ln_choose(n_a, k - x) - ln_total;
        let upper = self.share_b() >= self.share_a();
        // Sum the tail from the observed value outward; terms fall off
        // faster than geometrically past the mode, so the sum stops when
        // they no longer count.
        let mut sum = 0.0f64;
        let mut x = b;
        loop {
            let p = ln_p(x).exp();
            sum += p;
            if p < sum * 1e-17 || (upper && x == hi) || (!upper && x == lo) {
                break;
            }
            x = if upper { x + 1 } else { x - 1 };
        }
        (2.0 * sum).min(1.0)
    }

    /// The smallest p-value [`Table::fisher`] could give with these totals:
    /// every case with the property on one side.
    pub fn best_possible(n_a: u64, n_b: u64) -> f64 {
        let k = n_a.min(n_b);
        if k == 0 {
            return 1.0;
        }
        (2.0 * (-ln_choose(n_a + n_b, k)).exp()).min(1.0)
    }
}

/// `part / whole`, 0 when `whole` is 0.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Holm's step-down correction: each p-value multiplied by the number of
/// hypotheses not yet rejected at its rank, made monotone, capped at 1. The
/// family-wise error rate stays at the level the adjusted values are
/// compared with, however many tests a run makes.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let mut out = vec![1.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        let adj = ((m - rank) as f64 * p[i]).min(1.0);
        running = running.max(adj);
        out[i] = running;
    }
    out
}

/// The `q` quantile of sorted values (nearest rank, as the report's
/// series uses); `None` when there are none.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let k = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(k).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut f = 1.0f64;
        for n in 1..30u32 {
            f *= f64::from(n);
            let got = ln_gamma(f64::from(n) + 1.0);
            assert!(
                (got - f.ln()).abs() < 1e-10 * f.ln().max(1.0),
                "{n}: {got} vs {}",
                f.ln()
            );
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn fisher_matches_the_tea_tasting_example() {
        // Fisher's lady tasting tea: 3 of 4 right on each side, one-sided
        // p = 17/70; doubled, 34/70.
        let t = Table {
            a: 1,
            n_a: 4,
            b: 3,
            n_b: 4,
        };
        assert!((t.fisher() - 34.0 / 70.0).abs() < 1e-12, "{}", t.fisher());
        // Symmetric: the lower side gives the same.
        let u = Table {
            a: 3,
            n_a: 4,
            b: 1,
            n_b: 4,
        };
        assert!((u.fisher() - t.fisher()).abs() < 1e-12);
    }

    #[test]
    fn fisher_is_exact_for_small_counts_and_sane_for_large_ones() {
        // 0 of 10 against 5 of 10: one-sided p = C(10,5)/C(20,5) = 252/15504.
        let t = Table {
            a: 0,
            n_a: 10,
            b: 5,
            n_b: 10,
        };
        assert!((t.fisher() - 2.0 * 252.0 / 15504.0).abs() < 1e-12);
        // Equal shares: nothing to see.
        assert_eq!(
            Table {
                a: 10,
                n_a: 1000,
                b: 10,
                n_b: 1000
            }
            .fisher(),
            1.0
        );
        // A million a side, 1% against 2%: overwhelming, and finite.
        let big = Table {
            a: 10_000,
            n_a: 1_000_000,
            b: 20_000,
            n_b: 1_000_000,
        }
        .fisher();
        assert!((0.0..1e-100).contains(&big), "{big}");
        // A million a side, 1.00% against 1.01%: no evidence.
        let small = Table {
            a: 10_000,
            n_a: 1_000_000,
            b: 10_100,
            n_b: 1_000_000,
        }
        .fisher();
        assert!(small > 0.4, "{small}");
    }

    #[test]
    fn best_possible_is_the_all_on_one_side_table() {
        let p = Table::best_possible(5, 5);
        let t = Table {
            a: 0,
            n_a: 5,
            b: 5,
            n_b: 5,
        }
        .fisher();
        assert!((p - t).abs() < 1e-15);
        assert_eq!(Table::best_possible(0, 9), 1.0);
    }

    #[test]
    fn holm_adjusts_by_rank_and_stays_monotone() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.5]);
        assert_eq!(adj, vec![0.04, 0.09, 0.09, 0.5]);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), Some(51.0));
        assert_eq!(quantile(&v, 0.95), Some(95.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
