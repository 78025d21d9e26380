//! E06xx: data-file diagnostics, each with a long explanation for `iconc explain`.
//!
//! Joined into `diag::codes::all()` through [`crate::data::CODES`].

use crate::diag::codes::CodeInfo;

/// A data file (or directory) could not be opened or read.
pub const FILE_UNREADABLE: &str = "E0601";
/// A data file's header or structure is invalid (bad magic, bad dims, bad dtype).
pub const FILE_CORRUPT: &str = "E0602";
/// A data file ends before its header says it should, or has trailing bytes.
pub const FILE_TRUNCATED: &str = "E0603";
/// Two files (or arrays) of one dataset disagree on the sample count.
pub const COUNT_MISMATCH: &str = "E0604";
/// A value in a data file is not usable (unparsable number, negative label, NaN).
pub const BAD_VALUE: &str = "E0605";
/// The loaded data does not have the shape the method was checked against.
pub const SHAPE_MISMATCH: &str = "E0606";
/// A bundled dataset file is missing from the installation.
pub const BUNDLED_MISSING: &str = "E0607";
/// Too few samples for the requested holdout and batch size.
pub const TOO_FEW_SAMPLES: &str = "E0608";

/// The E06xx table.
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: FILE_UNREADABLE,
        name: "data_file_unreadable",
        summary: "a data file could not be opened or read",
        explain: "The path given to a data source does not exist or cannot be read. Paths are relative to the .icon file.\n\nWrong:\n    data = Idx(images = \"train-images.gz\", labels = \"train-labels.gz\")   # files are in ./mnist/\n\nRight:\n    data = Idx(images = \"mnist/train-images.gz\", labels = \"mnist/train-labels.gz\")",
    },
    CodeInfo {
        code: FILE_CORRUPT,
        name: "data_file_corrupt",
        summary: "a data file has an invalid header or structure",
        explain: "The file does not look like the format its source expects: an IDX file must start with two zero bytes, the element type 0x08 (uint8) and the number of dimensions; a CIFAR-10 batch holds 3073-byte records (label byte + 3072 pixels); an .npz must hold a float array `x` and an integer array `label`. The message names the file and the byte offset of the first bad byte.\n\nWrong:\n    data = Idx(images = \"labels-idx1-ubyte.gz\", labels = \"images-idx3-ubyte.gz\")   # swapped\n\nRight:\n    data = Idx(images = \"images-idx3-ubyte.gz\", labels = \"labels-idx1-ubyte.gz\")",
    },
    CodeInfo {
        code: FILE_TRUNCATED,
        name: "data_file_truncated",
        summary: "a data file is shorter (or longer) than its header says",
        explain: "The payload length must equal the product of the dimensions in the header (IDX) or be a whole number of records (CIFAR-10). A short file is usually an interrupted download; re-download it and check its checksum.\n\nWrong:\n    curl -r 0-1000000 -O .../train-images-idx3-ubyte.gz   # partial download\n\nRight:\n    curl -O .../train-images-idx3-ubyte.gz && sha256sum train-images-idx3-ubyte.gz",
    },
    CodeInfo {
        code: COUNT_MISMATCH,
        name: "data_count_mismatch",
        summary: "images and labels disagree on the number of samples",
        explain: "Every sample needs exactly one label: the image file (or `x` array) and the label file (or `label` array) must have the same first dimension.\n\nWrong:\n    data = Idx(images = \"train-images.gz\", labels = \"t10k-labels.gz\")   # 60000 vs 10000\n\nRight:\n    data = Idx(images = \"train-images.gz\", labels = \"train-labels.gz\")",
    },
    CodeInfo {
        code: BAD_VALUE,
        name: "data_bad_value",
        summary: "a value in a data file cannot be used",
        explain: "Features must be finite numbers and labels non-negative integers. In CSV files every field must parse as a number (a first line that does not is taken as a header); the label column must hold whole numbers.\n\nWrong (CSV):\n    0.1,0.2,cat\n\nRight (CSV):\n    0.1,0.2,3",
    },
    CodeInfo {
        code: SHAPE_MISMATCH,
        name: "data_shape_mismatch",
        summary: "the data does not have the shape the method was checked against",
        explain: "The checker fixed the feature count and the number of classes of `x` and `label`; the file loaded at run time must agree. This happens when a data file changed after `iconc check`, or labels exceed the declared number of classes.\n\nWrong:\n    data = Mnist()          # then x replaced by a 32x32 file\n\nRight:\n    re-run `iconc check` on the method after changing its data files.",
    },
    CodeInfo {
        code: BUNDLED_MISSING,
        name: "bundled_data_missing",
        summary: "a bundled dataset file is missing",
        explain: "`Mnist` and `Digits` read the gzip IDX files shipped in the repository's `data/` folder, located from the crate root at build time or `./data` at run time. The file was deleted or iconc was moved away from its source tree.\n\nWrong:\n    cp target/release/iconc /usr/local/bin && cd /tmp && iconc run simclr.icon\n\nRight:\n    run iconc from the repository root (so `./data` exists), or use `Idx(images = ..., labels = ...)` with explicit paths.",
    },
    CodeInfo {
        code: TOO_FEW_SAMPLES,
        name: "too_few_samples",
        summary: "too few samples for the holdout and batch size",
        explain: "The last `holdout` samples are held out for evaluation, and training needs at least one full batch (batch / views source samples) from the rest; the last incomplete batch of every epoch is dropped.\n\nWrong:\n    data = Digits(limit = 500, holdout = 400, batch = 256)   # 100 training samples\n\nRight:\n    data = Digits(limit = 500, holdout = 100, batch = 256)",
    },
];
