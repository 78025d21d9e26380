//! Every diagnostic code, declared once (issue 12): its variant, stable code,
//! slug, exit class and summary here, its long explanation (a wrong and a
//! right example) in `explain/CODE.md`, as rustc keeps its error codes.
//! Stages name codes by variant (`Code::UnknownKernel`); a test forbids code
//! literals anywhere else in `src/`. Codes are never reused.
//!
//! Bands: E01xx syntax, E02xx names/keys, E03xx shapes, E04xx parameters,
//! E05xx lowering and evaluation, E06xx data files, E07xx training and
//! outputs. A `W` prefix marks codes that are only ever warnings.

use serde::{Serialize, Serializer};
use std::fmt;

/// How an error with a code ends the process (see [`super::finish`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// The method, its data or its numbers are wrong: exit 1.
    Method,
    /// The environment failed: an unreadable method file, an unwritable
    /// output, a broken checkpoint, a backend not compiled in: exit 2.
    Io,
    /// An iconc bug: exit 2.
    Internal,
}

impl Exit {
    /// The process exit status.
    pub fn status(self) -> i32 {
        match self {
            Exit::Method => 1,
            Exit::Io | Exit::Internal => 2,
        }
    }
}

/// The pipeline stage a code belongs to (from its band).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// E01xx.
    Syntax,
    /// E02xx–E04xx.
    Check,
    /// E05xx.
    Lower,
    /// E06xx.
    Data,
    /// E07xx.
    Train,
}

/// One code's documentation.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// `E0201`.
    pub code: &'static str,
    /// Slug, e.g. `unknown_kernel` (shown as `icon::unknown_kernel`).
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Long explanation with a wrong and a right example.
    pub explain: &'static str,
    /// How an error with this code ends the process.
    pub exit: Exit,
    /// The `Code` variant's name (`UnknownKernel`).
    pub variant: &'static str,
}

impl CodeInfo {
    /// The stage of the code's band.
    pub fn stage(&self) -> Stage {
        match &self.code[1..3] {
            "01" => Stage::Syntax,
            "02" | "03" | "04" => Stage::Check,
            "05" => Stage::Lower,
            "06" => Stage::Data,
            _ => Stage::Train,
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:ident $name:literal $exit:ident $summary:literal;)*) => {
        /// A diagnostic code. `Display` and serde write the stable code (`E0201`).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
        }

        const INFOS: &[CodeInfo] = &[$(CodeInfo {
            code: stringify!($code),
            name: $name,
            summary: $summary,
            explain: include_str!(concat!("explain/", stringify!($code), ".md")).trim_ascii_end(),
            exit: Exit::$exit,
            variant: stringify!($variant),
        },)*];

        impl Code {
            /// Every code, in code order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];
        }
    };
}

impl Code {
    /// The code's documentation.
    pub fn info(self) -> &'static CodeInfo {
        &INFOS[self as usize]
    }
    /// `E0201`.
    pub fn as_str(self) -> &'static str {
        self.info().code
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

codes! {
    // E01xx syntax
    UnexpectedToken = E0101 "unexpected_token" Method "a token that cannot stand where it is";
    UnclosedDelimiter = E0102 "unclosed_delimiter" Method "a `(` or `[` that is never closed";
    UnmatchedDelimiter = E0103 "unmatched_delimiter" Method "a `)` or `]` with nothing to close";
    UnterminatedString = E0104 "unterminated_string" Method "a string without its closing `\"`";
    InvalidNumber = E0105 "invalid_number" Method "a malformed number";
    MissingEquals = E0106 "missing_equals" Method "a statement target without `=`";
    MissingValue = E0107 "missing_value" Method "`=`, an operator or a `,` with no value after it";
    StrayOn = E0108 "stray_on" Method "`on` that does not follow a call";
    InvalidEscape = E0109 "invalid_escape" Method "an unknown `\\` escape in a string";
    MissingSeparator = E0110 "missing_separator" Method "a statement continues after its end";
    TooComplex = E0111 "too_complex" Method "an expression nested too deeply";
    InvalidCharacter = E0112 "invalid_character" Method "a character that is not part of the language";
    MissingComma = E0113 "missing_comma" Method "two arguments or list items without `,` between them";
    MissingKey = E0114 "missing_key" Method "`on` (or `,` after a key) with no key";
    MissingString = E0115 "missing_string" Method "`method`, `about`, `cite` or `use` without a string";
    ExpectedStatement = E0116 "expected_statement" Method "a line that does not start a statement";
    MissingStage = E0117 "missing_stage" Method "`->` with no stage after it";
    // E02xx names and keys
    UnknownKernel = E0201 "unknown_kernel" Method "a kernel name that is not in the standard library";
    UnknownMapper = E0202 "unknown_mapper" Method "a mapper or mapper stage name that does not exist";
    UnknownData = E0203 "unknown_data" Method "a data source that does not exist";
    UnknownOptimizer = E0204 "unknown_optimizer" Method "an optimizer that does not exist";
    UnknownSchedule = E0205 "unknown_schedule" Method "a learning-rate schedule that does not exist";
    UnknownAugmentation = E0206 "unknown_augmentation" Method "an augmentation that does not exist";
    UnknownTransform = E0207 "unknown_transform" Method "a kernel transform that does not exist";
    UnknownMetric = E0208 "unknown_metric" Method "an evaluation metric that does not exist";
    UnknownParameter = E0209 "unknown_parameter" Method "an argument name the callee does not take";
    UnknownValue = E0210 "unknown_value" Method "a name that is not one of the parameter's allowed values";
    DuplicateDefinition = E0211 "duplicate_definition" Method "the same target is assigned twice in one file";
    MissingMethod = E0212 "missing_method" Method "the file has no `method \"name\"` statement";
    MissingData = E0213 "missing_data" Method "the method has no `data = …` statement";
    MissingP = E0214 "missing_p" Method "the method has no supervisory kernel `p`";
    MissingQ = E0215 "missing_q" Method "the method has no learned kernel `q`";
    UnknownKey = E0216 "unknown_key" Method "a key is read that nothing produces";
    UnusedKey = W0217 "unused_key" Method "a key is produced by a mapper but never read (warning)";
    FileNotFound = E0218 "file_not_found" Io "a file (given on the command line or in `use`) cannot be read";
    CyclicUse = E0219 "cyclic_use" Method "files `use` each other in a cycle";
    WrongKind = E0220 "wrong_kind" Method "a known name used where another kind of thing is expected";
    MissingInputKey = E0221 "missing_input_key" Method "a kernel reading floats has no `on KEY`";
    ReservedKey = E0222 "reserved_key" Method "a mapper writes a key the data already produces";
    UseNotFirst = E0223 "use_not_first" Method "a `use` statement after other statements";
    KeyCount = E0224 "key_count" Method "a call reads the wrong number of keys after `on`";
    KeyCycle = E0225 "key_cycle" Method "mapper pipelines read each other in a cycle";
    PathOutsideRoot = E0226 "path_outside_root" Method "a path in the method leaves its root folder";
    // E03xx shapes
    LayoutMismatch = E0301 "layout_mismatch" Method "p and q have different shapes (pairwise, class table, cross-modal)";
    KeyDtype = E0302 "key_dtype" Method "a kernel or mapper reads a key of the wrong element type";
    TableSize = E0303 "table_size" Method "a LookUpTable has the wrong number of rows for what indexes it";
    WidthMismatch = E0304 "width_mismatch" Method "the row and column keys of a cross kernel have different widths";
    SupportMismatch = E0305 "support_mismatch" Method "p puts mass on the diagonal (self) but q excludes it";
    NotBatchKey = E0306 "not_batch_key" Method "a kernel's row key is a table (n×D), not one row per sample";
    NotSimplex = W0307 "not_simplex" Method "UniformCluster reads a key whose rows are not probabilities (warning)";
    ImageRequired = E0308 "image_required" Method "an image mapper reads a key that holds no images";
    NoSecondModality = E0309 "no_second_modality" Method "a cross-modal method without cross-modal data";
    // E04xx parameters
    MissingParameter = E0401 "missing_parameter" Method "a required parameter is not given";
    WrongType = E0402 "wrong_type" Method "an argument has the wrong type";
    OutOfRange = E0403 "out_of_range" Method "a value outside its valid range";
    DuplicateArgument = E0404 "duplicate_argument" Method "the same parameter is given twice";
    TooManyArguments = E0405 "too_many_arguments" Method "more positional arguments than parameters";
    WrongSide = E0406 "wrong_side" Method "a kernel, transform or parameter used on the wrong side (p or q)";
    ConflictingParameters = E0407 "conflicting_parameters" Method "parameters that exclude each other, or a missing either-or";
    BatchNotDivisible = E0408 "batch_not_divisible" Method "the batch size is not a multiple of the number of views";
    EmptyRows = W0409 "empty_rows" Method "Augmentation with a single view: every row of p is empty (warning)";
    NotNormalized = W0410 "not_normalized" Method "p is not row-stochastic after kernel algebra; `normalize` is inserted (warning)";
    BadAlgebra = E0411 "bad_algebra" Method "kernel algebra that has no meaning";
    BadStatement = E0412 "bad_statement" Method "a statement whose right-hand side has the wrong form";
    DatasetScope = E0413 "dataset_scope" Method "`scope = dataset` where data-set neighbours cannot be computed";
    Exaggeration = E0414 "exaggeration" Method "`exaggerate` where it is not p's last transform or the loss has no attraction to scale";
    BarnesHut = E0415 "barnes_hut" Method "`repulsion = barnes_hut` where the tree cannot compute the loss";
    MomentumEncoder = E0416 "momentum_encoder" Method "a `MomentumEncoder` that cannot copy the pipeline it names";
    CrossView = E0417 "cross_view" Method "`-> cross_view` where q has no other views to contrast with";
    FrozenStage = E0418 "frozen_stage" Method "a `Frozen(weights = …)` stage that is not its pipeline's first";
    // E05xx lowering and evaluation
    BackendNotCompiled = E0501 "backend_not_compiled" Io "the requested backend was not compiled in";
    RuntimeSupportMismatch = E0502 "runtime_support_mismatch" Method "p puts mass where q excludes the pair";
    MissingBatchKey = E0503 "missing_batch_key" Method "a kernel reads a key the batch does not have";
    KernelShapeMismatch = E0504 "kernel_shape_mismatch" Method "kernel inputs, or p and q, have incompatible shapes";
    KernelWrongSide = E0505 "kernel_wrong_side" Method "a kernel or transform is used where it has no meaning";
    KnnTooLarge = E0506 "knn_too_large" Method "UniformKNN asks for more neighbours than a row has candidates";
    LabelOutOfRange = E0507 "label_out_of_range" Method "a label lies outside the class table";
    BadGraphFile = E0508 "bad_graph_file" Method "the graph edge list cannot be read";
    BadBatchFile = E0509 "bad_batch_file" Method "the .npz batch cannot be read or lacks an array";
    CannotWriteOutput = E0510 "cannot_write_output" Method "the output .npz cannot be written";
    InspectNeedsMapperOutput = E0511 "inspect_needs_mapper_output" Method "inspect needs a mapper output key in the batch";
    DatasetIndexOutOfRange = E0512 "dataset_index_out_of_range" Method "a batch row's index lies outside the rows a data-set p was built over";
    BadKernelParameter = E0513 "bad_kernel_parameter" Method "a kernel parameter has a value the kernel cannot use";
    DegreeNeedsGraph = E0514 "degree_needs_graph" Method "degree-weighted UniformCluster without a graph in p";
    PNotADistribution = E0515 "p_not_a_distribution" Method "p has a negative entry, or no mass at all, in a training batch";
    InternalError = E0599 "internal_error" Internal "an internal error: iconc reached a state its checker should have ruled out (a bug)";
    // E06xx data files
    DataFileUnreadable = E0601 "data_file_unreadable" Method "a data file could not be opened or read";
    DataFileCorrupt = E0602 "data_file_corrupt" Method "a data file has an invalid header or structure";
    DataFileTruncated = E0603 "data_file_truncated" Method "a data file is shorter (or longer) than its header says";
    DataCountMismatch = E0604 "data_count_mismatch" Method "images and labels disagree on the number of samples";
    DataBadValue = E0605 "data_bad_value" Method "a value in a data file cannot be used";
    DataShapeMismatch = E0606 "data_shape_mismatch" Method "the data does not have the shape the method was checked against";
    BundledDataMissing = E0607 "bundled_data_missing" Method "a bundled dataset file is missing";
    TooFewSamples = E0608 "too_few_samples" Method "too few samples for the holdout and batch size";
    // E07xx training and outputs
    MapperCannotRun = E0701 "mapper_cannot_run" Method "a mapper pipeline could not run on the batch";
    OutputNotWritable = E0702 "output_not_writable" Io "a run output could not be written";
    NonFiniteTraining = E0703 "non_finite_training" Method "the loss or a gradient became NaN or infinite";
    BadCheckpoint = E0704 "bad_checkpoint" Io "a checkpoint could not be saved or restored";
    TooLittleTrainingData = E0705 "too_little_training_data" Method "the training split is empty or smaller than one batch";
    BatchDoesNotFit = E0706 "batch_does_not_fit" Method "one training step is estimated to need more memory than is available";
    RunDirInUse = E0707 "run_dir_in_use" Method "the run directory already holds files";
    CollapsedEmbedding = W0708 "collapsed_embedding" Method "training ended with every evaluated row at one point";
    BadWeights = E0709 "bad_weights" Method "a weights file cannot be read or does not fit the frozen mapper";
}

/// Every code's documentation, in code order.
pub fn all() -> impl Iterator<Item = &'static CodeInfo> {
    INFOS.iter()
}

/// Looks a code up (`E0201`, `icon::unknown_kernel` or `unknown_kernel`).
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    let slug = code.strip_prefix("icon::").unwrap_or(code);
    all().find(|c| c.code.eq_ignore_ascii_case(code) || c.name == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_index_their_own_info() {
        for (i, c) in Code::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
            assert_eq!(c.to_string(), INFOS[i].code);
        }
    }
}
