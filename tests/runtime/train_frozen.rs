//! Frozen mappers from saved weights (`Frozen(weights = …, of = KEY)`, issue
//! 13 item 4): a pipeline saved with `weights::save` (what `iconc run` writes
//! as `weights.safetensors`) loads into a frozen pipeline that computes the
//! same outputs, gets no gradient, and a file that does not fit is E0709.

use burn::backend::Autodiff;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};
use iconc::check;
use iconc::diag::Code;
use iconc::runtime::backend::CpuBackend;
use iconc::runtime::loss::Batch;
use iconc::runtime::mappers::weights;
use iconc::runtime::model::Mappers;
use std::path::Path;

type B = Autodiff<CpuBackend>;

fn method(dir: &Path, name: &str, text: &str) -> iconc::ir::Method {
    let file = dir.join(format!("{name}.icon"));
    std::fs::write(&file, text).expect("method writes");
    let mut m = match check::load_method(&file) {
        Ok((m, _)) => m,
        Err(r) => panic!(
            "{:?}",
            r.iter().map(|r| &r.diagnostic.message).collect::<Vec<_>>()
        ),
    };
    iconc::runtime::kernels::graph::resolve_graph_paths(&mut m, dir);
    m
}

const TRAINED: &str = r#"method "trained"
data = Digits(batch = 64)
embedding = MLP(hidden = [16], out = 4) -> Normalize() on x
p = UniformKNN(k = 5) on x
q = Gaussian(sigma = 0.5, metric = cosine) on embedding
"#;

fn frozen(hidden: usize) -> String {
    format!(
        r#"method "frozen"
data = Digits(batch = 64)
g = Frozen(weights = "w.safetensors", of = embedding) -> MLP(hidden = [{hidden}], out = 4) -> Normalize() on x
embedding = MLP(hidden = [16], out = 4) -> Normalize() on x
p = Gaussian(sigma = 0.5, metric = cosine) on g
q = Gaussian(sigma = 0.5, metric = cosine) on embedding
"#
    )
}

fn batch(device: &burn::tensor::Device<B>) -> Batch<B> {
    let x: Vec<f32> = (0..3 * 64).map(|v| ((v * 5) % 17) as f32 / 17.0).collect();
    let mut b = Batch::<B>::default();
    b.floats.insert(
        "x".into(),
        Tensor::from_data(TensorData::new(x, [3, 64]), device),
    );
    b
}

struct CountGrads<'a>(&'a GradientsParams, usize, usize);
impl ModuleVisitor<B> for CountGrads<'_> {
    fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<B, D>>) {
        match self.0.get::<CpuBackend, D>(p.id) {
            Some(_) => self.1 += 1,
            None => self.2 += 1,
        }
    }
}

#[test]
fn frozen_pipeline_computes_the_saved_pipeline_without_gradients() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = Default::default();
    let a = method(dir.path(), "trained", TRAINED);
    let saved = Mappers::<B>::from_specs(&a.mappers, None, &device).expect("builds");
    weights::save(&saved.pipelines, &dir.path().join("w.safetensors")).expect("saves");
    let want = saved.forward(batch(&device)).expect("forward").floats["embedding"]
        .clone()
        .into_data()
        .to_vec::<f32>()
        .expect("f32");

    let b = method(dir.path(), "frozen", &frozen(16));
    let loaded = Mappers::<B>::from_specs(&b.mappers, None, &device).expect("weights load");
    let keys = loaded.forward(batch(&device)).expect("forward");
    let got = keys.floats["g"]
        .clone()
        .into_data()
        .to_vec::<f32>()
        .expect("f32");
    assert_eq!(got, want, "the frozen pipeline is the saved one");

    let loss = (keys.floats["g"].clone() * keys.floats["embedding"].clone()).sum();
    let grads = GradientsParams::from_grads(loss.backward(), &loaded);
    let g = loaded
        .pipelines
        .iter()
        .find(|p| p.output == "g")
        .expect("g");
    let mut count = CountGrads(&grads, 0, 0);
    for s in &g.stages {
        s.visit(&mut count);
    }
    assert_eq!(
        (count.1, count.2 > 0),
        (0, true),
        "no gradient reaches frozen stages"
    );
}

#[test]
fn weights_that_do_not_fit_are_e0709() {
    let dir = tempfile::tempdir().expect("temp dir");
    let device = Default::default();
    let b = method(dir.path(), "frozen", &frozen(16));
    let missing = Mappers::<B>::from_specs(&b.mappers, None, &device).expect_err("no file");
    assert_eq!(missing.code, Code::BadWeights);
    let a = method(dir.path(), "trained", TRAINED);
    let saved = Mappers::<B>::from_specs(&a.mappers, None, &device).expect("builds");
    weights::save(&saved.pipelines, &dir.path().join("w.safetensors")).expect("saves");
    let wider = method(dir.path(), "frozen", &frozen(32));
    let e = Mappers::<B>::from_specs(&wider.mappers, None, &device).expect_err("other widths");
    assert_eq!(e.code, Code::BadWeights, "{}", e.message);
    assert!(
        e.message.contains("`embedding`") && e.message.contains("[64, 32]"),
        "{}",
        e.message
    );
    let other = method(
        dir.path(),
        "frozen",
        &frozen(16).replace("of = embedding", "of = teacher"),
    );
    let e = Mappers::<B>::from_specs(&other.mappers, None, &device).expect_err("no `teacher.*`");
    assert!(e.message.contains("teacher."), "{}", e.message);
    std::fs::write(dir.path().join("w.safetensors"), b"not safetensors").expect("writes");
    let e = Mappers::<B>::from_specs(&b.mappers, None, &device).expect_err("corrupt file");
    assert_eq!(e.code, Code::BadWeights, "{}", e.message);
}

/// A run on a frozen teacher trains: a first run saves `weights.safetensors`,
/// a second method reads it through `Frozen` as a fixed side embedding for p;
/// its losses are finite and the teacher it saves again is the one it loaded.
#[test]
fn a_method_with_a_frozen_teacher_trains() {
    use iconc::runtime::train::session::{run_method, IconLoss, RunOptions};
    use iconc::runtime::train::ProgressMode;
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = |out: &str| RunOptions {
        out: Some(dir.path().join(out)),
        resume: None,
        progress: ProgressMode::Quiet,
        source_text: String::new(),
        base_dir: dir.path().to_path_buf(),
    };
    let device = Default::default();
    let mut first = method(dir.path(), "trained", TRAINED);
    first.train.steps = Some(2);
    run_method::<B, IconLoss>(&first, &IconLoss::default(), &opts("teacher"), &device)
        .unwrap_or_else(|d| panic!("{} {}", d.code, d.message));
    let text = frozen(16).replace("w.safetensors", "teacher/weights.safetensors");
    let mut second = method(dir.path(), "frozen", &text);
    second.train.steps = Some(3);
    let s = run_method::<B, IconLoss>(&second, &IconLoss::default(), &opts("student"), &device)
        .unwrap_or_else(|d| panic!("{} {}", d.code, d.message));
    assert!(
        s.step_losses.iter().all(|l| l.is_finite()),
        "{:?}",
        s.step_losses
    );
    // The student run's saved `g` is the teacher it loaded, unchanged by training.
    let load = |file: &str, key: &str| -> Vec<f32> {
        let spec = iconc::ir::MapperSpec {
            output: "probe".into(),
            ..second
                .mappers
                .iter()
                .find(|m| m.output == "g")
                .expect("g")
                .clone()
        };
        let mut spec = spec;
        if let Some(iconc::ir::MapperStage::Frozen { weights, of }) = spec.stages.first_mut() {
            *weights = dir.path().join(file).display().to_string();
            *of = key.into();
        }
        let m = Mappers::<B>::from_specs(&[spec], None, &device).expect("loads");
        m.forward(batch(&device)).expect("forward").floats["probe"]
            .clone()
            .into_data()
            .to_vec::<f32>()
            .expect("f32")
    };
    assert_eq!(
        load("student/weights.safetensors", "g"),
        load("teacher/weights.safetensors", "embedding"),
        "the frozen teacher did not change"
    );
}
