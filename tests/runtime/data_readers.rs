//! File readers: valid files parse; corrupt or truncated files give an E06xx
//! diagnostic naming the file and the byte offset, never a panic.

use flate2::{write::GzEncoder, Compression};
use iconc::data::readers::{cifar, csv, idx, npz_source};
use std::io::Write;
use std::path::{Path, PathBuf};

fn idx_bytes(ty: u8, dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, ty, dims.len() as u8];
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    b.extend(payload);
    b
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn idx_pair_raw_and_gz() {
    let dir = tempfile::tempdir().unwrap();
    // 3 images of 2×2: pixel values 0, 51, 255…
    let pixels: Vec<u8> = vec![0, 51, 102, 255, 1, 2, 3, 4, 5, 6, 7, 8];
    let img = write(dir.path(), "img", &idx_bytes(8, &[3, 2, 2], &pixels));
    let lab = write(dir.path(), "lab.gz", &gz(&idx_bytes(8, &[3], &[2, 0, 1])));
    let ds = idx::read_pair(&img, &lab, 255.0).unwrap();
    assert_eq!(
        (ds.n, ds.features, ds.image, ds.classes),
        (3, 4, Some((1, 2, 2)), 3)
    );
    assert_eq!(ds.labels, vec![2, 0, 1]);
    assert_eq!(&ds.x[..4], &[0.0, 0.2, 0.4, 1.0]);
}

#[test]
fn idx_errors_name_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let ok_lab = write(dir.path(), "lab", &idx_bytes(8, &[3], &[0, 1, 2]));
    // Payload one byte short: header 16 bytes + 11 of 12 → ends at byte 27.
    let short = write(dir.path(), "short", &idx_bytes(8, &[3, 2, 2], &[0; 11]));
    let e = idx::read_pair(&short, &ok_lab, 255.0).unwrap_err();
    assert_eq!(e.code, "E0603");
    assert!(
        e.message.contains("byte 27") && e.message.contains("short"),
        "{}",
        e.message
    );
    // Trailing garbage.
    let long = write(dir.path(), "long", &idx_bytes(8, &[3, 2, 2], &[0; 13]));
    let e = idx::read_pair(&long, &ok_lab, 255.0).unwrap_err();
    assert_eq!(e.code, "E0603");
    assert!(e.message.contains("byte 28"), "{}", e.message);
    // Bad magic and bad element type.
    let mut bad = idx_bytes(8, &[3, 2, 2], &[0; 12]);
    bad[1] = 7;
    let e = idx::read_pair(&write(dir.path(), "magic", &bad), &ok_lab, 255.0).unwrap_err();
    assert_eq!(e.code, "E0602");
    assert!(e.message.contains("byte 0"), "{}", e.message);
    let e = idx::read_pair(
        &write(dir.path(), "f32", &idx_bytes(0x0d, &[3], &[0; 12])),
        &ok_lab,
        1.0,
    )
    .unwrap_err();
    assert!(
        e.code == "E0602" && e.message.contains("0x0d at byte 2"),
        "{}",
        e.message
    );
    // Header cut inside the dims.
    let e =
        idx::read_pair(&write(dir.path(), "hdr", &[0, 0, 8, 3, 0, 0]), &ok_lab, 1.0).unwrap_err();
    assert_eq!(e.code, "E0603");
    // Counts disagree.
    let img = write(dir.path(), "img", &idx_bytes(8, &[2, 2, 2], &[0; 8]));
    assert_eq!(
        idx::read_pair(&img, &ok_lab, 255.0).unwrap_err().code,
        "E0604"
    );
    // Swapped files: a 3-D "label" file.
    assert_eq!(
        idx::read_pair(&ok_lab, &img, 255.0).unwrap_err().code,
        "E0602"
    );
    // Truncated gzip stream.
    let z = gz(&idx_bytes(8, &[3, 2, 2], &[9; 12]));
    let cut = write(dir.path(), "cut.gz", &z[..z.len() / 2]);
    assert_eq!(
        idx::read_pair(&cut, &ok_lab, 255.0).unwrap_err().code,
        "E0602"
    );
    // Missing file.
    let e = idx::read_pair(&dir.path().join("nope"), &ok_lab, 255.0).unwrap_err();
    assert!(e.code == "E0601" && e.help.is_some());
}

fn cifar_record(label: u8, fill: u8) -> Vec<u8> {
    let mut r = vec![label];
    r.extend(std::iter::repeat_n(fill, 3072));
    r
}

#[test]
fn cifar_batches_in_order_then_errors() {
    let dir = tempfile::tempdir().unwrap();
    for b in 1..=5u8 {
        let bytes = [cifar_record(b, b * 10), cifar_record(0, 255)].concat();
        write(dir.path(), &format!("data_batch_{b}.bin"), &bytes);
    }
    write(dir.path(), "test_batch.bin", &cifar_record(9, 0));
    let ds = cifar::read_dir(dir.path()).unwrap();
    assert_eq!((ds.n, ds.features, ds.image), (11, 3072, Some((3, 32, 32))));
    assert_eq!(ds.labels, vec![1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 9]);
    assert_eq!(ds.x[0], 10.0 / 255.0);
    assert_eq!(ds.x[3072], 1.0);
    // One record plus 100 bytes: truncated at byte 3073.
    let mut bytes = cifar_record(1, 1);
    bytes.extend([0; 100]);
    write(dir.path(), "data_batch_3.bin", &bytes);
    let e = cifar::read_dir(dir.path()).unwrap_err();
    assert!(
        e.code == "E0603" && e.message.contains("byte 3073"),
        "{}",
        e.message
    );
    // Label out of range in the second record (byte 3073).
    write(
        dir.path(),
        "data_batch_3.bin",
        &[cifar_record(1, 1), cifar_record(42, 1)].concat(),
    );
    let e = cifar::read_dir(dir.path()).unwrap_err();
    assert!(
        e.code == "E0605" && e.message.contains("byte 3073"),
        "{}",
        e.message
    );
    std::fs::remove_file(dir.path().join("data_batch_5.bin")).unwrap();
    assert_eq!(cifar::read_dir(dir.path()).unwrap_err().code, "E0601");
}

#[test]
fn csv_header_label_column_and_errors() {
    let ds = csv::parse("a,label,b\n0.5,1,2\n\n-1,0,3e-1\n", 1).unwrap();
    assert_eq!((ds.n, ds.features, ds.classes), (2, 2, 2));
    assert_eq!(ds.x, vec![0.5, 2.0, -1.0, 0.3]);
    assert_eq!(ds.labels, vec![1, 0]);
    // Blank lines before the header are fine; a second text line is not a header.
    assert_eq!(csv::parse("\n\nx,y\n1,0\n", 1).unwrap().n, 1);
    assert_eq!(csv::parse("x,y\nu,v\n", 1).unwrap_err().0, "E0605");
    // "x" is at line 2, column 2; line 2 starts at byte 6, the field at byte 10.
    let e = csv::parse("1,2,0\n1.5,x,1\n", 2).unwrap_err();
    assert_eq!(e.0, "E0605");
    assert!(e.1.contains("line 2, column 2 (byte 10)"), "{}", e.1);
    assert_eq!(csv::parse("1,2,0\n1,2\n", 2).unwrap_err().0, "E0602");
    assert_eq!(csv::parse("1,2,-1\n", 2).unwrap_err().0, "E0605");
    assert_eq!(csv::parse("1,2,0.5\n", 2).unwrap_err().0, "E0605");
    assert_eq!(csv::parse("1,2,0\n", 5).unwrap_err().0, "E0606");
    assert_eq!(csv::parse("1,nan,0\n", 2).unwrap_err().0, "E0605");
}

#[test]
fn npz_float64_images_and_int_labels() {
    use npyz::WriterBuilder;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.npz");
    {
        let mut w = npyz::npz::NpzWriter::create(&path).unwrap();
        let opts = npyz::zip::write::FileOptions::default();
        let mut a = w
            .array::<f64>("x", opts)
            .unwrap()
            .default_dtype()
            .shape(&[2, 2, 3])
            .begin_nd()
            .unwrap();
        a.extend((0..12).map(f64::from)).unwrap();
        a.finish().unwrap();
        let mut l = w
            .array::<i32>("label", opts)
            .unwrap()
            .default_dtype()
            .shape(&[2])
            .begin_nd()
            .unwrap();
        l.extend([4, 1]).unwrap();
        l.finish().unwrap();
    }
    let ds = npz_source::read(&path, None).unwrap();
    assert_eq!(
        (ds.n, ds.features, ds.image, ds.classes),
        (2, 6, Some((1, 2, 3)), 5)
    );
    assert_eq!(ds.x[7], 7.0);
    assert_eq!(ds.labels, vec![4, 1]);
    // Not a zip at all.
    let junk = write(dir.path(), "junk.npz", b"hello");
    assert_eq!(npz_source::read(&junk, None).unwrap_err().code, "E0602");
    assert_eq!(
        npz_source::read(&dir.path().join("missing.npz"), None)
            .unwrap_err()
            .code,
        "E0601"
    );
}

proptest::proptest! {
    /// Arbitrary bytes never panic the IDX parser; a valid header prefix with a
    /// random payload length is either accepted exactly or rejected.
    #[test]
    fn idx_parse_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
                              n in 0u32..4, len in 0usize..20) {
        let _ = idx::parse(&bytes);
        let b = idx_bytes(8, &[n, 2], &vec![1; len]);
        let r = idx::parse(&b);
        proptest::prop_assert_eq!(r.is_ok(), len == 2 * n as usize);
    }

    /// Arbitrary text never panics the CSV parser.
    #[test]
    fn csv_parse_never_panics(text in "[0-9a-z,.\\-\\n ]{0,80}", col in 0usize..4) {
        let _ = csv::parse(&text, col);
    }
}
