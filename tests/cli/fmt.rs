//! `iconc fmt` end to end: exit codes, `--check`, in-place rewrites,
//! directory walking, refusal on syntax errors.

use std::process::Command;

fn iconc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iconc"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const UGLY: &str = "p=A() on index\nmethod \"m\"\n";
const PRETTY: &str = "method \"m\"\n\np = A() on index\n";

#[test]
fn check_lists_files_that_would_change_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ugly = dir.path().join("ugly.icon");
    let pretty = dir.path().join("sub/pretty.icon");
    std::fs::create_dir_all(pretty.parent().unwrap()).unwrap();
    std::fs::write(&ugly, UGLY).unwrap();
    std::fs::write(&pretty, PRETTY).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "p=").unwrap();

    let (code, stdout, _) = iconc(&["fmt", "--check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("ugly.icon") && !stdout.contains("pretty.icon"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&ugly).unwrap(), UGLY);

    let (code, _, _) = iconc(&["fmt", "--check", pretty.to_str().unwrap()]);
    assert_eq!(code, 0);
}

#[test]
fn fmt_rewrites_in_place_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.icon");
    std::fs::write(&file, UGLY).unwrap();
    let (code, _, stderr) = iconc(&["fmt", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), PRETTY);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // Second run: nothing to do.
    assert_eq!(iconc(&["fmt", "--check", file.to_str().unwrap()]).0, 0);
}

#[test]
fn syntax_errors_exit_1_and_keep_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.icon");
    std::fs::write(&file, "p =\n").unwrap();
    let (code, _, stderr) = iconc(&["fmt", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    // Rendered by diag::render like every other command.
    assert!(stderr.contains("icon::missing_value [E0107]"), "{stderr}");
    assert!(stderr.contains("bad.icon:1:3"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "p =\n");
}

#[test]
fn missing_files_exit_2() {
    let (code, _, stderr) = iconc(&["fmt", "/definitely/not/here.icon"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn fmt_edits_through_a_symlink_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("shared.icon");
    std::fs::write(&real, UGLY).unwrap();
    let link = dir.path().join("link.icon");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let (code, _, stderr) = iconc(&["fmt", link.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), PRETTY);
}
