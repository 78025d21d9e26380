//! `data = Source(…)`: the data spec and the keys it produces.

use super::args::{bind, resolve, Bound, CallRef};
use super::keys::{KeyDef, Keys};
use super::signatures::Kind;
use super::sink::{FileId, Sink};
use crate::ast::Expr;
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{
    Augment, DType, DataSource, DataSpec, LocalViews, Modalities, Pairs, Producer, SideArray,
    SourceShape,
};

/// What a source looks like before `limit` (`ir::DataSource::known_shape`,
/// or the method's own `features`/`image`/`classes` for a user file).
type Geometry = SourceShape;

/// Checks `data = …` and adds its keys; None when it cannot be read.
pub(crate) fn check_data(
    sink: &mut Sink,
    file: FileId,
    value: &Expr,
    keys: &mut Keys,
) -> Option<DataSpec> {
    let Some(call) = CallRef::of(value) else {
        let d = Diagnostic::error(
            Code::BadStatement,
            "`data` expects a data source call",
            value.span,
            "not a data source",
        )
        .with_help("write e.g. `data = Mnist(batch = 256)`");
        sink.emit(file, d);
        return None;
    };
    let sig = resolve(sink, file, call, &[Kind::Data], Code::UnknownData)?;
    if let Some(key) = call.on.first() {
        let d = Diagnostic::error(
            Code::KeyCount,
            "a data source reads no keys",
            key.span,
            "remove `on …`",
        );
        sink.emit(file, d);
    }
    let b = bind(sink, file, call, sig);
    let (source, geometry) = source(sink, file, &b)?;
    let views = b.usize("views").unwrap_or(1);
    let batch = b.usize("batch").unwrap_or(256);
    if views > 0 && !batch.is_multiple_of(views) {
        let d = Diagnostic::error(
            Code::BatchNotDivisible,
            format!("batch {batch} is not divisible by views {views}"),
            b.span_of("batch"),
            "not a multiple of `views`",
        )
        .with_help(format!(
            "use a batch of {} or {}",
            batch / views * views.max(1),
            (batch / views + 1) * views
        ));
        sink.emit(file, d);
    }
    let limit = b.usize("limit");
    let samples = geometry.samples.map(|n| limit.map_or(n, |l| l.min(n)));
    // Decision: default holdout = 20% of the samples when known (spec §4's 80/20 split), else 0.
    let holdout = b
        .usize("holdout")
        .unwrap_or_else(|| samples.map_or(0, |n| n / 5));
    if let Some(n) = samples {
        if holdout >= n {
            let d = Diagnostic::error(
                Code::OutOfRange,
                format!("holdout {holdout} leaves no training samples (of {n})"),
                b.span_of("holdout"),
                "too large",
            )
            .with_help("hold out fewer samples than the data has");
            sink.emit(file, d);
        }
    }
    if let Some(n) = samples {
        let train = n.saturating_sub(holdout);
        if holdout < n && batch > train {
            let d = Diagnostic::error(
                Code::OutOfRange,
                format!("batch {batch} is larger than the {train} training samples"),
                b.span_of("batch"),
                "no full batch",
            )
            .with_help(format!(
                "use `batch = {}` or less (training drops the last partial batch)",
                train / views.max(1) * views.max(1)
            ));
            sink.emit(file, d);
        }
    }
    let augment = augments(sink, file, &b, "augment");
    let local = local_views(sink, file, &b, views);
    let modalities = match b.enum_value("modalities").as_deref() {
        Some("views") => Some(Modalities::Views),
        Some("halves") => Some(Modalities::Halves),
        _ => None,
    };
    let pairs = b
        .enum_value("pairs")
        .as_deref()
        .and_then(Pairs::from_name)
        .unwrap_or_default();
    if pairs != Pairs::Views && (views != 2 || modalities.is_some()) {
        let what = if modalities.is_some() {
            "cross-modal data has no view pairs"
        } else {
            "a pair is two rows"
        };
        let name = pairs.name();
        let partner = match pairs {
            Pairs::Label => "one other image of its label",
            Pairs::Neighbors | Pairs::Views => "one neighbour from p's data-set table",
        };
        let d = Diagnostic::error(
            Code::ConflictingParameters,
            format!("`pairs = {name}` needs `views = 2` and no `modalities`: {what}"),
            b.span_of("pairs"),
            "needs two views",
        )
        .with_help(format!(
            "write `views = 2, pairs = {name}` (each image and {partner})"
        ));
        sink.emit(file, d);
    }
    if local.views > 0 && (modalities.is_some() || pairs != Pairs::Views) {
        let d = Diagnostic::error(
            Code::ConflictingParameters,
            "local views are extra crops of each image; cross-modal data and `pairs` pick partners instead",
            b.span_of("local_views"),
            "multi-crop",
        )
        .with_help("drop `local_views` here, or `modalities`/`pairs`");
        sink.emit(file, d);
    }
    add_keys(sink, file, &b, keys, geometry, modalities.as_ref());
    if let DataSource::Npz { side: Some(s), .. } = &source {
        keys.add(KeyDef::batch(
            &s.key,
            DType::Float,
            Some(s.features),
            Producer::Data,
        ));
    }
    Some(DataSpec {
        source,
        views,
        augment,
        batch,
        holdout,
        limit,
        modalities,
        pairs,
        local,
        features: geometry.features,
        image: geometry.image,
        classes: geometry.classes,
        samples,
    })
}

fn add_keys(
    sink: &mut Sink,
    file: FileId,
    b: &Bound<'_>,
    keys: &mut Keys,
    g: Geometry,
    modalities: Option<&Modalities>,
) {
    // Decision: with `modalities = halves`, `x` is the top half and `x1` the
    // bottom half of each image, each zero-padded back to the full C×H×W (as
    // `data::batch::halves` builds them), so image mappers see the usual size.
    let (image, features) = match (modalities, g.image) {
        (Some(Modalities::Halves), Some(_)) => (g.image, g.features),
        (Some(Modalities::Halves), None) => {
            let d = Diagnostic::error(
                Code::ImageRequired,
                "`modalities = halves` needs image data",
                b.span_of("modalities"),
                "this data has no images",
            )
            .with_help("use `modalities = views`, or an image source");
            sink.emit(file, d);
            (None, g.features)
        }
        _ => (g.image, g.features),
    };
    let mut x = KeyDef::batch("x", DType::Float, Some(features), Producer::Data);
    x.image = image;
    keys.add(x.clone());
    keys.add(KeyDef::batch("label", DType::Int, None, Producer::Data));
    keys.add(KeyDef::batch("index", DType::Int, None, Producer::Data));
    if modalities.is_some() {
        x.info.name = "x1".into();
        keys.add(x);
    }
}

fn image_of(sink: &mut Sink, file: FileId, b: &Bound<'_>) -> Option<(usize, usize, usize)> {
    let list = b.int_list("image")?;
    match list.as_slice() {
        [ch, h, w] => Some((*ch as usize, *h as usize, *w as usize)),
        _ => {
            let d = Diagnostic::error(
                Code::WrongType,
                "`image` expects [channels, height, width]",
                b.span_of("image"),
                format!("{} numbers", list.len()),
            )
            .with_help("e.g. `image = [1, 28, 28]`");
            sink.emit(file, d);
            None
        }
    }
}

/// Geometry of a user file from `image`/`features`/`classes`.
fn file_geometry(
    sink: &mut Sink,
    file: FileId,
    b: &Bound<'_>,
    image_required: bool,
) -> Option<Geometry> {
    let image = image_of(sink, file, b);
    let features = b.usize("features");
    let classes = b.usize("classes")?;
    let features = match (image, features) {
        (Some(_), Some(_)) => {
            let d = Diagnostic::error(
                Code::ConflictingParameters,
                "give `image` or `features`, not both",
                b.span_of("features"),
                "remove one",
            )
            .with_help("`features` is implied by `image` (channels × height × width)");
            sink.emit(file, d);
            return None;
        }
        (Some((ch, h, w)), None) => ch.saturating_mul(h).saturating_mul(w),
        (None, Some(f)) => f,
        (None, None) => {
            if !image_required {
                let d = Diagnostic::error(Code::ConflictingParameters, format!("`{}` needs `image` or `features`", b.sig.name), b.call.name.span, "row geometry unknown")
                    .with_help("the front end reads no data files: add e.g. `features = 64` or `image = [1, 28, 28]`");
                sink.emit(file, d);
            }
            return None;
        }
    };
    Some(Geometry {
        image,
        features,
        classes,
        samples: None,
    })
}

fn source(sink: &mut Sink, file: FileId, b: &Bound<'_>) -> Option<(DataSource, Geometry)> {
    // Paths are re-expressed relative to the root method file.
    let s = |name: &str| sink.rebase(file, &b.string(name).unwrap_or_default());
    let seed = b.usize("seed").unwrap_or(0) as u64;
    let source = match b.sig.name {
        "Mnist" => DataSource::Mnist,
        "Digits" => DataSource::Digits,
        "Cifar10" => DataSource::Cifar10 { dir: s("dir") },
        "Idx" => DataSource::Idx {
            images: s("images"),
            labels: s("labels"),
        },
        "Npz" => DataSource::Npz {
            path: s("path"),
            side: side_array(sink, file, b),
        },
        "Csv" => DataSource::Csv {
            path: s("path"),
            label_column: b.usize("label_column")?,
        },
        "Blobs" => DataSource::Blobs {
            n: b.usize("n")?,
            centers: b.usize("centers")?,
            dim: b.usize("dim")?,
            std: b.float("std")?,
            seed,
        },
        "Moons" => DataSource::Moons {
            n: b.usize("n")?,
            noise: b.float("noise")?,
            seed,
        },
        "SwissRoll" => DataSource::SwissRoll {
            n: b.usize("n")?,
            noise: b.float("noise")?,
            seed,
            classes: b.usize("classes")?,
        },
        _ => return None,
    };
    // Bundled and synthetic sources have one geometry table (in the IR);
    // a user file's comes from the method's `features`/`image`/`classes`.
    let geometry = match source.known_shape() {
        Some(g) => g,
        None => file_geometry(sink, file, b, matches!(source, DataSource::Idx { .. }))?,
    };
    Some((source, geometry))
}

/// `Npz(side = g, side_features = F)`: both or neither (E0407), and not a
/// name the data already uses (E0222).
fn side_array(sink: &mut Sink, file: FileId, b: &Bound<'_>) -> Option<SideArray> {
    let key = b.string("side");
    let features = b.usize("side_features");
    match (key, features) {
        (None, None) => None,
        (Some(key), Some(features)) => {
            if super::mappers::DATA_KEYS.contains(&key.as_str()) {
                let d = Diagnostic::error(
                    Code::ReservedKey,
                    format!("`{key}` is produced by the data already"),
                    b.span_of("side"),
                    "a reserved key",
                )
                .with_help("name the side array by its key in the file, e.g. `side = g`");
                sink.emit(file, d);
                return None;
            }
            Some(SideArray { key, features })
        }
        (key, _) => {
            let (given, missing) = if key.is_some() {
                ("side", "side_features")
            } else {
                ("side_features", "side")
            };
            let d = Diagnostic::error(
                Code::ConflictingParameters,
                format!("`{given}` without `{missing}`"),
                b.span_of(given),
                "needs its partner",
            )
            .with_help(
                "give both: `side = g, side_features = 384` (the array and its floats per sample)",
            );
            sink.emit(file, d);
            None
        }
    }
}

/// `local_views` and `local_augment` (multi-crop): at least one view stays
/// global, and local views need their own augmentations (E0407).
fn local_views(sink: &mut Sink, file: FileId, b: &Bound<'_>, views: usize) -> LocalViews {
    let count = b.usize("local_views").unwrap_or(0);
    let augment = augments(sink, file, b, "local_augment");
    let problem = if count >= views.max(1) && count > 0 {
        Some((
            format!("{count} local views of {views} leave no global view"),
            "local_views",
            format!(
                "raise `views` to at least {} (the global views come first)",
                count + 1
            ),
        ))
    } else if count > 0 && augment.is_empty() {
        Some((
            "local views without `local_augment` are global views".to_string(),
            "local_views",
            "add e.g. `local_augment = [Crop(scale = 0.05, max_scale = 0.4)]`".to_string(),
        ))
    } else if count == 0 && b.given("local_augment").is_some() {
        Some((
            "`local_augment` without `local_views` augments no view".to_string(),
            "local_augment",
            "set `local_views = L`, the number of the views that are local crops".to_string(),
        ))
    } else {
        None
    };
    if let Some((msg, at, help)) = problem {
        let d = Diagnostic::error(
            Code::ConflictingParameters,
            msg,
            b.span_of(at),
            "multi-crop",
        )
        .with_help(help);
        sink.emit(file, d);
    }
    LocalViews {
        views: count,
        augment,
    }
}

fn augments(sink: &mut Sink, file: FileId, b: &Bound<'_>, param: &str) -> Vec<Augment> {
    let mut out = vec![];
    for call in b.calls(param) {
        let Some(sig) = resolve(
            sink,
            file,
            call,
            &[Kind::Augment],
            Code::UnknownAugmentation,
        ) else {
            continue;
        };
        let a = bind(sink, file, call, sig);
        let f = |n: &str| a.float(n).unwrap_or(0.0);
        out.push(match sig.name {
            "Crop" => {
                let (scale, max_scale) = (f("scale"), a.float("max_scale").unwrap_or(1.0));
                if scale > max_scale {
                    let d = Diagnostic::error(
                        Code::OutOfRange,
                        format!("`scale` {scale} is above `max_scale` {max_scale}"),
                        a.span_of("scale"),
                        "the smallest kept area",
                    )
                    .with_help("the crop keeps `scale..=max_scale` of the area: lower `scale` or raise `max_scale`");
                    sink.emit(file, d);
                }
                Augment::Crop { scale, max_scale }
            }
            "Flip" => Augment::Flip { p: f("p") },
            "Affine" => Augment::Affine {
                degrees: f("degrees"),
                translate: f("translate"),
            },
            "Noise" => Augment::Noise { std: f("std") },
            _ => Augment::Jitter {
                strength: f("strength"),
            },
        });
    }
    out
}
