//! The checker's diagnostic codes (E02xx names/keys, E03xx shapes, E04xx
//! parameters; a `W` prefix marks codes that are only ever warnings), each
//! with a long explanation for `iconc explain`.

use crate::diag::codes::CodeInfo;

macro_rules! codes {
    ($($konst:ident = $code:literal $name:literal $summary:literal $explain:literal;)*) => {
        $(
            #[doc = $summary]
            pub(crate) const $konst: &str = $code;
        )*
        /// This stage's diagnostic codes (joined in `diag::codes`).
        pub const CODES: &[CodeInfo] = &[$(CodeInfo { code: $code, name: $name, summary: $summary, explain: $explain }),*];
    };
}

codes! {
UNKNOWN_KERNEL = "E0201" "unknown_kernel" "a kernel name that is not in the standard library"
"`p = …` and `q = …` are built from the kernels of the signature table
(docs/language.md lists them). Names are CamelCase.

Wrong:
    q = Gausian(sigma = 0.5) on embedding

Right:
    q = Gaussian(sigma = 0.5) on embedding";

UNKNOWN_MAPPER = "E0202" "unknown_mapper" "a mapper or mapper stage name that does not exist"
"A key definition `KEY = Mapper(…) -> Stage(…) on INPUT` uses mappers
(`Identity`, `Linear`, `MLP`, `SimpleCNN`, `ResNet18`, `LookUpTable`,
`ClusterHead`) and stages (`Normalize`, `Softmax`).

Wrong:
    embedding = Mlp(out = 128) on x

Right:
    embedding = MLP(out = 128) on x";

UNKNOWN_DATA = "E0203" "unknown_data" "a data source that does not exist"
"`data = …` names one data source: `Mnist`, `Digits`, `Idx`, `Cifar10`,
`Npz`, `Csv`, `Blobs`, `Moons`, `SwissRoll`.

Wrong:
    data = MNIST(batch = 256)

Right:
    data = Mnist(batch = 256)";

UNKNOWN_OPTIMIZER = "E0204" "unknown_optimizer" "an optimizer that does not exist"
"`Train(optimizer = …)` takes `Adam`, `AdamW` or `Sgd`.

Wrong:
    train = Train(optimizer = Adamw(lr = 1e-3))

Right:
    train = Train(optimizer = AdamW(lr = 1e-3))";

UNKNOWN_SCHEDULE = "E0205" "unknown_schedule" "a learning-rate schedule that does not exist"
"`Train(schedule = …)` takes `Constant`, `Cosine(warmup)` or `Warmup(epochs)`.

Wrong:
    train = Train(schedule = CosineAnnealing())

Right:
    train = Train(schedule = Cosine(warmup = 1))";

UNKNOWN_AUGMENTATION = "E0206" "unknown_augmentation" "an augmentation that does not exist"
"`augment = […]` lists `Crop`, `Flip`, `Affine`, `Noise`, `Jitter`.

Wrong:
    data = Mnist(views = 2, augment = [RandomCrop(0.5)])

Right:
    data = Mnist(views = 2, augment = [Crop(scale = 0.5)])";

UNKNOWN_TRANSFORM = "E0207" "unknown_transform" "a kernel transform that does not exist"
"After `->` a kernel takes the transforms `normalize`, `binarize(t)`,
`leak(alpha)`, `propagate(steps)`, `symmetrize` and (q only) `debias(alpha)`.

Wrong:
    p = UniformKNN(k = 5) on x -> normalise

Right:
    p = UniformKNN(k = 5) on x -> normalize";

UNKNOWN_METRIC = "E0208" "unknown_metric" "an evaluation metric that does not exist"
"`eval = […]` lists `knn`, `linear_probe`, `hungarian`, `nmi`, `ari`,
`trustworthiness`, `alignment`, `uniformity`.

Wrong:
    eval = [knn, accuracy]

Right:
    eval = [knn, linear_probe]";

UNKNOWN_PARAMETER = "E0209" "unknown_parameter" "an argument name the callee does not take"
"Each callee takes the parameters listed in its signature (`iconc show`
prints them).

Wrong:
    q = Gaussian(sigma = 0.5, temperature = 0.1) on embedding

Right:
    q = Gaussian(sigma = 0.5) on embedding    # τ = 2σ²";

UNKNOWN_VALUE = "E0210" "unknown_value" "a name that is not one of the parameter's allowed values"
"Enumerated parameters (`metric`, `limit`, `form`, `mode`, `divergence`, …)
take one of a fixed set of lowercase names.

Wrong:
    q = Gaussian(sigma = 0.5, metric = cosin) on embedding

Right:
    q = Gaussian(sigma = 0.5, metric = cosine) on embedding";

DUPLICATE_DEFINITION = "E0211" "duplicate_definition" "the same target is assigned twice in one file"
"Each statement target (`data`, `p`, a key, …) is assigned once per file. A
file that `use`s another may override the imported statement; that is fine.

Wrong:
    p = Augmentation() on index
    p = Label() on label

Right:
    p = Label() on label";

MISSING_METHOD = "E0212" "missing_method" "the file has no `method \"name\"` statement"
"Every method file (after `use`) names its method.

Wrong:
    data = Mnist()

Right:
    method \"simclr\"
    data = Mnist()";

MISSING_DATA = "E0213" "missing_data" "the method has no `data = …` statement"
"A method trains on one data source.

Wrong:
    method \"m\"
    p = Augmentation() on index

Right:
    method \"m\"
    data = Mnist(views = 2)
    p = Augmentation() on index";

MISSING_P = "E0214" "missing_p" "the method has no supervisory kernel `p`"
"The loss compares p and q; both are required.

Wrong:
    q = Gaussian(sigma = 0.5) on embedding

Right:
    p = Augmentation() on index
    q = Gaussian(sigma = 0.5) on embedding";

MISSING_Q = "E0215" "missing_q" "the method has no learned kernel `q`"
"The loss compares p and q; both are required.

Wrong:
    p = Augmentation() on index

Right:
    p = Augmentation() on index
    q = Gaussian(sigma = 0.5, metric = cosine) on embedding";

UNKNOWN_KEY = "E0216" "unknown_key" "a key is read that nothing produces"
"Keys come from the data (`x`, `label`, `index`, and `x1` for cross-modal
data) or from a mapper pipeline `KEY = …`.

Wrong:
    embedding = MLP(out = 128) on x
    q = Gaussian(sigma = 0.5) on embeding

Right:
    q = Gaussian(sigma = 0.5) on embedding";

UNUSED_KEY = "W0217" "unused_key" "a key is produced by a mapper but never read (warning)"
"A mapper whose output no kernel or other mapper reads trains nothing.

Wrong:
    embedding = MLP(out = 128) on x
    head = Linear(out = 10) on embedding      # never read
    q = Gaussian(sigma = 0.5) on embedding

Right:
    embedding = MLP(out = 128) on x
    q = Gaussian(sigma = 0.5) on embedding";

FILE_NOT_FOUND = "E0218" "file_not_found" "a file (given on the command line or in `use`) cannot be read"
"`use \"path\"` is relative to the file that contains it.

Wrong:
    use \"base.icon\"          # no base.icon beside this file

Right:
    use \"../methods/simclr.icon\"";

CYCLIC_USE = "E0219" "cyclic_use" "files `use` each other in a cycle"
"`use` imports another file's statements; a file cannot import itself,
directly or through others.

Wrong (a.icon):
    use \"b.icon\"        # and b.icon says use \"a.icon\"

Right:
    move the shared statements into a third file both `use`";

WRONG_KIND = "E0220" "wrong_kind" "a known name used where another kind of thing is expected"
"A mapper is not a kernel, a kernel is not a data source, and so on.

Wrong:
    p = MLP(out = 10) on x

Right:
    p = UniformKNN(k = 10) on x";

MISSING_INPUT_KEY = "E0221" "missing_input_key" "a kernel reading floats has no `on KEY`"
"Distance kernels need the key they compare. Only kernels on ids (`Label`
on `label`, `Augmentation` on `index`, …) have a default key.

Wrong:
    q = Gaussian(sigma = 0.5)

Right:
    q = Gaussian(sigma = 0.5) on embedding";

RESERVED_KEY = "E0222" "reserved_key" "a mapper writes a key the data already produces"
"`x`, `label`, `index` and `x1` come from the data; a mapper writes a new key.

Wrong:
    x = MLP(out = 128) on x

Right:
    embedding = MLP(out = 128) on x";

USE_NOT_FIRST = "E0223" "use_not_first" "a `use` statement after other statements"
"`use` statements come first, so that every later statement overrides the
imported ones.

Wrong:
    method \"mine\"
    use \"simclr.icon\"

Right:
    use \"simclr.icon\"
    method \"mine\"";

KEY_COUNT = "E0224" "key_count" "a call reads the wrong number of keys after `on`"
"A mapper pipeline reads one key; a kernel reads one key (pairwise) or two
(rows, columns). Data sources and transforms read none.

Wrong:
    embedding = MLP(out = 64) on x, label

Right:
    embedding = MLP(out = 64) on x";

KEY_CYCLE = "E0225" "key_cycle" "mapper pipelines read each other in a cycle"
"Each pipeline may only read keys produced by the data or by other
pipelines that do not depend on it.

Wrong:
    a = Linear(out = 8) on b
    b = Linear(out = 8) on a

Right:
    a = Linear(out = 8) on x
    b = Linear(out = 8) on a";

OUTSIDE_ROOT = "E0226" "path_outside_root" "a path in the method leaves its root folder"
"Methods are shared as text, so the files a method names (`use`, data files,
`Graph(path = …)`) must lie inside its root: the nearest folder at or above
the method file that holds a `.iconc-root` or `.git` marker, else the method
file's own folder. Symlinks are followed before the check. The file outside
is never opened, so nothing of it is shown. `--root DIR` sets another root
for one command; bundled data (`Mnist()`, `Digits()`) is always allowed.

Wrong:
    use \"/etc/shadow\"
    data = Csv(path = \"../../private/people.csv\", …)

Right:
    use \"lib/base.icon\"              # inside the project
    iconc run m.icon --root ~/data     # or widen the root on purpose";

LAYOUT_MISMATCH = "E0301" "layout_mismatch" "p and q have different shapes (pairwise, class table, cross-modal)"
"p and q must have the same rows and columns (§1.4): a pairwise B×B kernel
cannot be compared with a B×C class-table kernel.

Wrong:
    p = Label(table = true) on label                      # B×C
    q = Gaussian(sigma = 0.5) on embedding                # B×B

Right:
    p = Label(table = true) on label
    q = Gaussian(sigma = 0.7071, metric = dot) on embedding, class_embedding";

KEY_DTYPE = "E0302" "key_dtype" "a kernel or mapper reads a key of the wrong element type"
"Distance kernels and float mappers read float keys (B×D); `Label`,
`Augmentation`, `LookUpTable` … read int keys (`label`, `index`).

Wrong:
    p = Label() on x

Right:
    p = Label() on label";

TABLE_SIZE = "E0303" "table_size" "a LookUpTable has the wrong number of rows for what indexes it"
"A table indexed by `label` needs one row per class; one indexed by `index`
needs a row for every sample.

Wrong:
    data = Mnist()
    class_embedding = LookUpTable(n = 5, dim = 128, get_all = true) on label

Right:
    class_embedding = LookUpTable(n = 10, dim = 128, get_all = true) on label";

WIDTH_MISMATCH = "E0304" "width_mismatch" "the row and column keys of a cross kernel have different widths"
"A cross kernel compares rows of its first key with rows of its second key,
so both must have the same width D.

Wrong:
    embedding = MLP(out = 128) on x
    class_embedding = LookUpTable(dim = 64, get_all = true) on label
    q = Gaussian(sigma = 0.7071, metric = dot) on embedding, class_embedding

Right:
    class_embedding = LookUpTable(dim = 128, get_all = true) on label";

SUPPORT_MISMATCH = "E0305" "support_mismatch" "p puts mass on the diagonal (self) but q excludes it"
"Forward KL is +∞ when p_ij > 0 where q_ij = 0 (§1.1). If p includes self
(Identity, `exclude_self = false`), q must include it too.

Wrong:
    p = Identity() on index
    q = GaussianLimit(limit = inf) on embedding            # excludes self

Right:
    q = GaussianLimit(limit = inf, exclude_self = false) on embedding";

NOT_BATCH_KEY = "E0306" "not_batch_key" "a kernel's row key is a table (n×D), not one row per sample"
"Kernel rows are the samples of the batch; a `get_all` table can only be the
column key of a cross kernel.

Wrong:
    q = Gaussian(sigma = 1) on class_embedding

Right:
    q = Gaussian(sigma = 1) on embedding, class_embedding";

NOT_SIMPLEX = "W0307" "not_simplex" "UniformCluster reads a key whose rows are not probabilities (warning)"
"UniformCluster expects cluster probabilities φ (rows summing to 1): end the
pipeline with `Softmax()` or use `ClusterHead`.

Wrong:
    phi = MLP(out = 10) on x
    q = UniformCluster() on phi

Right:
    phi = MLP(out = 10) on x -> Softmax()";

IMAGE_REQUIRED = "E0308" "image_required" "an image mapper reads a key that holds no images"
"`SimpleCNN` and `ResNet18` read images (C×H×W); they must be the first stage
and read `x` of an image data source.

Wrong:
    data = Moons()
    embedding = SimpleCNN(out = 2) on x

Right:
    data = Mnist()
    embedding = SimpleCNN(out = 2) on x";

NO_SECOND_MODALITY = "E0309" "no_second_modality" "a cross-modal method without cross-modal data"
"`CrossModal()` pairs each item with the other modality; the data must say
how the second modality `x1` is built.

Wrong:
    data = Mnist()
    p = CrossModal() on index

Right:
    data = Mnist(modalities = halves)
    p = CrossModal() on index";

MISSING_PARAMETER = "E0401" "missing_parameter" "a required parameter is not given"
"Some parameters have no default (`UniformKNN(k)`, `Linear(out)`, …).

Wrong:
    p = UniformKNN() on x

Right:
    p = UniformKNN(k = 15) on x";

WRONG_TYPE = "E0402" "wrong_type" "an argument has the wrong type"
"Integers are written without `.`; enum values are bare names; paths are
strings.

Wrong:
    p = UniformKNN(k = 2.5) on x

Right:
    p = UniformKNN(k = 2) on x";

OUT_OF_RANGE = "E0403" "out_of_range" "a value outside its valid range"
"σ > 0, 0 ≤ α ≤ 1, lr > 0, views ≥ 1, 1 < perplexity < batch, k < batch …

Wrong:
    q = Gaussian(sigma = 0) on embedding

Right:
    q = Gaussian(sigma = 0.5) on embedding";

DUPLICATE_ARGUMENT = "E0404" "duplicate_argument" "the same parameter is given twice"
"Each parameter may be given once, by name or by position.

Wrong:
    q = Gaussian(0.5, sigma = 0.3) on embedding

Right:
    q = Gaussian(sigma = 0.3) on embedding";

TOO_MANY_ARGUMENTS = "E0405" "too_many_arguments" "more positional arguments than parameters"
"Positional arguments fill parameters in table order.

Wrong:
    p = Augmentation(2) on index

Right:
    p = Augmentation() on index";

WRONG_SIDE = "E0406" "wrong_side" "a kernel, transform or parameter used on the wrong side (p or q)"
"Supervisory kernels (`Label`, `Augmentation`, `UniformKNN`, …), `perplexity`
and the p algebra belong to p; `GaussianLimit`, `learnable` and `debias` to q.

Wrong:
    p = Augmentation() on index -> debias(0.2)

Right:
    p = Augmentation() on index -> leak(0.2)";

CONFLICTING_PARAMETERS = "E0407" "conflicting_parameters" "parameters that exclude each other, or a missing either-or"
"`Gaussian` takes `sigma` or `perplexity` (exactly one); an orthonormal
`Linear` has no bias; a data source needs `image` or `features`.

Wrong:
    p = Gaussian(sigma = 1, perplexity = 30) on x

Right:
    p = Gaussian(perplexity = 30) on x";

BATCH_NOT_DIVISIBLE = "E0408" "batch_not_divisible" "the batch size is not a multiple of the number of views"
"A batch holds `batch / views` source samples, each in `views` views (§2.4).

Wrong:
    data = Mnist(views = 3, batch = 256)

Right:
    data = Mnist(views = 2, batch = 256)";

EMPTY_ROWS = "W0409" "empty_rows" "Augmentation with a single view: every row of p is empty (warning)"
"`Augmentation()` puts mass on the other views of the same sample; with
`views = 1` there are none and the loss is 0.

Wrong:
    data = Mnist()
    p = Augmentation() on index

Right:
    data = Mnist(views = 2, augment = [Crop(scale = 0.5)])";

NOT_NORMALIZED = "W0410" "not_normalized" "p is not row-stochastic after kernel algebra; `normalize` is inserted (warning)"
"Sums, differences and scalings of kernels do not sum to 1 per row; the
compiler appends `-> normalize` (§2.7). Write it to silence the warning.

Wrong:
    p = Augmentation() on index + 0.5 * UniformKNN(k = 2) on x

Right:
    p = (Augmentation() on index + 0.5 * UniformKNN(k = 2) on x) -> normalize";

BAD_ALGEBRA = "E0411" "bad_algebra" "kernel algebra that has no meaning"
"p may combine kernels with `+`, `-`, `number *` and transforms; q is one
kernel (optionally `-> debias(α)`), because it is carried in log space.

Wrong:
    q = Gaussian(sigma = 0.5) on embedding + Gaussian(sigma = 1) on embedding

Right:
    q = Gaussian(sigma = 0.5) on embedding";

DATASET_SCOPE = "E0413" "dataset_scope" "`scope = dataset` where data-set neighbours cannot be computed"
"`scope = dataset` finds each row's neighbours once, over every training row
of the data's `x`, before training (a sparse table, gathered per batch by
`index`). It needs:
- p, not q (q is learned from the embedding at every step);
- the data's `x` as its key (a mapper output changes while training);
- `perplexity` on a Gaussian (the table keeps 3 × perplexity neighbours);
- `exclude_self = true` (a row is not its own neighbour);
- fewer neighbours than training rows.

Wrong:
    p = Gaussian(sigma = 1, scope = dataset) on x

Right:
    p = Gaussian(perplexity = 30, scope = dataset) on x";

EXAGGERATION = "E0414" "exaggeration" "`exaggerate` where it is not p's last transform or the loss has no attraction to scale"
"`p = … -> exaggerate(α, until = N)` multiplies the attraction of the loss by α
for the steps before N (t-SNE's early exaggeration): row i's loss becomes
`−α Σ_j p_ij log w_ij + log Z_i` instead of `−Σ_j p_ij log w_ij + log Z_i`.
It needs:
- to be the last transform of p (it scales the loss, not p's values);
- `divergence = kl`;
- a q whose normaliser Z_i exists: a Gaussian or a Student-t, without
  `debias` (not a Gaussian limit or UniformCluster).

Wrong:
    p = Gaussian(perplexity = 30) on x -> exaggerate(12) -> normalize

Right:
    p = Gaussian(perplexity = 30) on x -> normalize -> exaggerate(12, until = 250)";

BARNES_HUT = "E0415" "barnes_hut" "`repulsion = barnes_hut` where the tree cannot compute the loss"
"`StudentT(repulsion = barnes_hut, theta = 0.5)` computes q's row normalisers
Z_i and their gradients with a 2-D Barnes–Hut tree on the host, and the
attraction exactly over p's nonzero entries, so a step costs O(n log n + nnz(p))
instead of O(n²). It needs:
- q, not p;
- one key with two columns (a 2-D map), not a cross kernel;
- a fixed γ (`learnable = false`) and `form = t`;
- `divergence = kl` and no `debias` on q.
`theta` (the opening angle; 0 sums every pair exactly) is only read with
`repulsion = barnes_hut`.

Wrong:
    embedding = MLP(out = 16) on x
    q = StudentT(repulsion = barnes_hut) on embedding

Right:
    embedding = MLP(out = 2) on x
    q = StudentT(repulsion = barnes_hut, theta = 0.5) on embedding";

BAD_STATEMENT = "E0412" "bad_statement" "a statement whose right-hand side has the wrong form"
"`divergence` takes a name, `eval` a list of metric names, `train` a `Train(…)`
call, a key a mapper pipeline.

Wrong:
    eval = knn

Right:
    eval = [knn]";
}
