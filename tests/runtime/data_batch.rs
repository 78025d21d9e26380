//! Batching: the §2.4 layout, drop-last, per-epoch shuffles and determinism.

use iconc::data::{self, Batcher, Dataset, HostBatch, Partners};
use iconc::ir::{Augment, DataSource, DataSpec, LocalViews, Modalities, Pairs};
use std::collections::HashSet;
use std::sync::Arc;

/// 10 samples, 2×2 single-channel images; sample i is filled with i, label i mod 3.
fn tiny() -> Dataset {
    Dataset {
        x: (0..10).flat_map(|i| [i as f32; 4]).collect(),
        n: 10,
        features: 4,
        image: Some((1, 2, 2)),
        labels: (0..10).map(|i| i % 3).collect(),
        classes: 3,
        side: None,
    }
}

fn spec(
    views: usize,
    batch: usize,
    augment: Vec<Augment>,
    modalities: Option<Modalities>,
) -> DataSpec {
    DataSpec {
        source: DataSource::Digits,
        views,
        augment,
        batch,
        holdout: 0,
        limit: None,
        modalities,
        pairs: Default::default(),
        local: Default::default(),
        features: 4,
        image: Some((1, 2, 2)),
        classes: 3,
        samples: None,
    }
}

fn all(b: &Batcher, epoch: usize) -> Vec<HostBatch> {
    b.epoch(epoch).collect()
}

#[test]
fn views_follow_the_section_2_4_layout() {
    // batch 6 with 2 views → N = 3 sources; 10 / 3 → 3 full batches, 1 sample dropped.
    let b = Batcher::new(Arc::new(tiny()), &spec(2, 6, vec![], None), 7);
    assert_eq!(
        (b.sources_per_batch(), b.rows(), b.batches_per_epoch()),
        (3, 6, 3)
    );
    let batches = all(&b, 0);
    assert_eq!(batches.len(), 3);
    let mut seen = HashSet::new();
    for hb in &batches {
        assert_eq!(hb.rows, 6);
        assert_eq!(hb.x.len(), 24);
        assert!(hb.x1.is_none());
        // Rows r and r + N are views of the same source.
        for r in 0..3 {
            assert_eq!(hb.index[r], hb.index[r + 3]);
            assert!(seen.insert(hb.index[r]), "sample repeated within an epoch");
            // No augmentation: each view is the raw sample (filled with its index).
            assert_eq!(hb.x[r * 4], hb.index[r] as f32);
            assert_eq!(hb.x[(r + 3) * 4], hb.index[r] as f32);
            assert_eq!(hb.label[r], hb.index[r] % 3);
        }
    }
    assert_eq!(seen.len(), 9);
}

#[test]
fn epochs_are_deterministic_and_differently_shuffled() {
    let s = spec(
        2,
        4,
        vec![Augment::Noise { std: 0.1 }, Augment::Flip { p: 0.5 }],
        None,
    );
    let a = Batcher::new(Arc::new(tiny()), &s, 3);
    let b = Batcher::new(Arc::new(tiny()), &s, 3);
    assert_eq!(all(&a, 0), all(&b, 0));
    assert_eq!(all(&a, 5), all(&b, 5));
    assert_ne!(a.order(0), a.order(1));
    let other_seed = Batcher::new(Arc::new(tiny()), &s, 4);
    assert_ne!(all(&a, 0), all(&other_seed, 0));
    // Two views of one sample get different noise.
    let hb = &all(&a, 0)[0];
    assert_ne!(hb.x[0..4], hb.x[8..12]);
}

#[test]
fn cross_modal_views_and_halves() {
    let b = Batcher::new(
        Arc::new(tiny()),
        &spec(1, 5, vec![], Some(Modalities::Halves)),
        1,
    );
    assert_eq!(b.rows(), 5);
    let hb = &all(&b, 0)[0];
    assert_eq!(hb.rows, 5);
    let x1 = hb.x1.as_ref().unwrap();
    for r in 0..5 {
        let v = hb.index[r] as f32;
        // 2×2 image: top half = row 0 (pixels 0, 1), bottom half = row 1 (pixels 2, 3).
        assert_eq!(&hb.x[r * 4..r * 4 + 4], &[v, v, 0.0, 0.0]);
        assert_eq!(&x1[r * 4..r * 4 + 4], &[0.0, 0.0, v, v]);
    }
    let b = Batcher::new(
        Arc::new(tiny()),
        &spec(
            1,
            5,
            vec![Augment::Noise { std: 0.5 }],
            Some(Modalities::Views),
        ),
        1,
    );
    let hb = &all(&b, 0)[0];
    assert_eq!(hb.x1.as_ref().unwrap().len(), hb.x.len());
    assert_ne!(hb.x1.as_ref().unwrap(), &hb.x);
}

#[test]
fn dropping_the_iterator_early_is_fine() {
    let b = Batcher::new(Arc::new(tiny()), &spec(1, 1, vec![], None), 0);
    let first: Vec<HostBatch> = b.epoch(0).take(2).collect();
    assert_eq!(first.len(), 2);
    assert_eq!(b.epoch(0).count(), 10);
}

#[test]
fn split_then_batch_over_train_only() {
    let (train, test) = data::split(tiny(), 4);
    assert_eq!(test.labels, vec![6 % 3, 7 % 3, 8 % 3, 9 % 3]);
    let b = Batcher::new(Arc::new(train), &spec(1, 2, vec![], None), 0);
    let idx: HashSet<i64> = all(&b, 0).iter().flat_map(|hb| hb.index.clone()).collect();
    assert_eq!(idx, (0..6).collect());
}

#[test]
fn eval_batches_keep_order_and_the_last_partial_batch() {
    let ds = tiny();
    let batches: Vec<HostBatch> = ds.eval_batches(4).collect();
    assert_eq!(
        batches.iter().map(|b| b.rows).collect::<Vec<_>>(),
        vec![4, 4, 2]
    );
    assert_eq!(batches[2].index, vec![8, 9]);
    assert_eq!(
        batches[2].x,
        vec![8.0; 4]
            .into_iter()
            .chain([9.0; 4])
            .collect::<Vec<f32>>()
    );
    assert_eq!(batches[1].label, vec![4 % 3, 5 % 3, 6 % 3, 7 % 3]);
}

#[test]
fn view_of_all_matches_the_training_views() {
    let s = spec(2, 4, vec![Augment::Noise { std: 0.3 }], None);
    let b = Batcher::new(Arc::new(tiny()), &s, 11);
    let v1 = b.view_of_all(0, 1);
    assert_eq!(v1.len(), 40);
    // The same (epoch, sample, view) stream as in the epoch-0 batches.
    let hb = &all(&b, 0)[0];
    let s0 = hb.index[0] as usize;
    assert_eq!(&v1[s0 * 4..s0 * 4 + 4], &hb.x[2 * 4..2 * 4 + 4]);
    assert_ne!(b.view_of_all(0, 0), v1);
}

/// `pairs = label` (SupCon pairs): view 1 of each source is a different
/// image of the same label, both rows carry the source's index as the pair
/// id, the draw is seeded per epoch, and the same seed gives the same pairs.
#[test]
fn label_pairs_pick_another_image_of_the_label() {
    let spec = DataSpec {
        pairs: Pairs::Label,
        ..spec(2, 6, vec![], None)
    };
    let b = Batcher::new(Arc::new(tiny()), &spec, 7);
    let mut partners_seen = HashSet::new();
    for epoch in 0..4 {
        for hb in all(&b, epoch) {
            let n = hb.rows / 2;
            for r in 0..n {
                let (anchor, partner) = (hb.x[r * 4] as i64, hb.x[(r + n) * 4] as i64);
                assert_eq!(hb.index[r], anchor);
                assert_eq!(hb.index[r + n], anchor, "the pair id is the anchor's index");
                assert_ne!(partner, anchor, "a different image");
                assert_eq!(partner % 3, anchor % 3, "of the same label");
                assert_eq!(hb.label[r + n], hb.label[r]);
                partners_seen.insert((anchor, partner));
            }
        }
    }
    // Label 0 has images {0, 3, 6, 9}: over four epochs an anchor meets more
    // than one partner (the draw is per epoch).
    assert!(partners_seen.len() > 10, "{partners_seen:?}");
    let again = Batcher::new(Arc::new(tiny()), &spec, 7);
    assert_eq!(all(&b, 2), all(&again, 2), "seeded");
}

/// `pairs = neighbors` (LGSimCLR partners): view 1 of each source shows an
/// image drawn from the source's row of the table with probability ∝ its
/// weight (a zero weight is never drawn, an empty row shows the source
/// itself), each row carries its own image's index (a data-set p gathers by
/// it), the draw changes across epochs and repeats under the same seed.
#[test]
fn neighbour_pairs_draw_from_the_table() {
    let spec = DataSpec {
        pairs: Pairs::Neighbors,
        ..spec(2, 10, vec![], None)
    };
    // Row s: s+1 (weight 3) and s+2 (weight 1), s+3 at weight 0; row 9 empty.
    let rows: Vec<Vec<(u32, f64)>> = (0..10u32)
        .map(|s| match s {
            9 => vec![],
            _ => vec![
                ((s + 1) % 10, 3.0),
                ((s + 2) % 10, 1.0),
                ((s + 3) % 10, 0.0),
            ],
        })
        .collect();
    let b = Batcher::new(Arc::new(tiny()), &spec, 5).with_partners(Partners::new(rows.clone()));
    let mut near = 0usize;
    let mut draws = 0usize;
    let mut seen = HashSet::new();
    for epoch in 0..40 {
        for hb in all(&b, epoch) {
            let n = hb.rows / 2;
            for r in 0..n {
                let (source, partner) = (hb.x[r * 4] as i64, hb.x[(r + n) * 4] as i64);
                assert_eq!(hb.index[r], source);
                assert_eq!(hb.index[r + n], partner, "a partner keeps its own index");
                assert_eq!(hb.label[r + n], partner % 3, "and its own label");
                if source == 9 {
                    assert_eq!(partner, 9, "an empty row shows the source");
                    continue;
                }
                let allowed = [(source + 1) % 10, (source + 2) % 10];
                assert!(allowed.contains(&partner), "{source} drew {partner}");
                near += usize::from(partner == allowed[0]);
                seen.insert((source, partner));
                draws += 1;
            }
        }
    }
    // Weight 3 against 1: about 3/4 of the draws (360 of them).
    let share = near as f64 / draws as f64;
    assert!(
        (0.65..0.85).contains(&share),
        "share of the weight-3 partner {share}"
    );
    let again = Batcher::new(Arc::new(tiny()), &spec, 5).with_partners(Partners::new(rows));
    assert_eq!(all(&b, 3), all(&again, 3), "seeded");
    assert_eq!(
        seen.len(),
        18,
        "each source meets both partners over the epochs"
    );
}

/// Multi-crop: the last `local.views` views use `local.augment` (here noise)
/// and the global ones `augment` (here none), with `index` repeated per view
/// as for any views; the draws are seeded.
#[test]
fn local_views_use_their_own_augmentations() {
    let spec = DataSpec {
        local: LocalViews {
            views: 2,
            augment: vec![Augment::Noise { std: 0.5 }],
        },
        ..spec(4, 8, vec![], None)
    };
    let b = Batcher::new(Arc::new(tiny()), &spec, 3);
    for hb in all(&b, 0) {
        let n = hb.rows / 4;
        for r in 0..hb.rows {
            let source = hb.index[r % n];
            assert_eq!(hb.index[r], source);
            let row = &hb.x[r * 4..r * 4 + 4];
            let plain = row.iter().all(|&v| v == source as f32);
            assert_eq!(plain, r < 2 * n, "row {r}: views 0-1 global, 2-3 local");
        }
    }
    let again = Batcher::new(Arc::new(tiny()), &spec, 3);
    assert_eq!(all(&b, 1), all(&again, 1), "seeded");
}
