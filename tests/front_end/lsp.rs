//! Drives `iconc lsp` in-process over `Connection::memory()`: initialize,
//! didOpen a bad file, published diagnostics (ranges, codes), hover,
//! formatting, `use`d-file diagnostics, shutdown.

use iconc::lsp::{documents::path_to_uri, serve};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::{PublishDiagnosticsParams, Uri};
use serde_json::{json, Value};
use std::str::FromStr;
use std::thread;
use std::time::Duration;

struct Client {
    conn: Connection,
    server: Option<thread::JoinHandle<()>>,
    next_id: i32,
}

impl Client {
    fn start() -> Client {
        let (server_conn, conn) = Connection::memory();
        let server = thread::spawn(move || {
            serve(&server_conn).expect("server loop");
        });
        let mut c = Client {
            conn,
            server: Some(server),
            next_id: 0,
        };
        let init = c.request("initialize", json!({ "capabilities": {} }));
        assert_eq!(init["capabilities"]["hoverProvider"], json!(true));
        assert_eq!(
            init["capabilities"]["documentFormattingProvider"],
            json!(true)
        );
        c.notify("initialized", json!({}));
        c
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )))
            .unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.conn
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.into(),
                params,
            )))
            .unwrap();
        loop {
            match self.recv() {
                Message::Response(Response {
                    id: rid,
                    response_result,
                }) if rid == id => {
                    return response_result.unwrap_or_else(|e| panic!("{}", e.message));
                }
                _ => {}
            }
        }
    }

    fn recv(&self) -> Message {
        self.conn
            .receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("server answered")
    }

    /// The next `count` publishDiagnostics notifications.
    fn published(&self, count: usize) -> Vec<PublishDiagnosticsParams> {
        let mut out = vec![];
        while out.len() < count {
            if let Message::Notification(n) = self.recv() {
                if n.method == "textDocument/publishDiagnostics" {
                    out.push(serde_json::from_value(n.params).unwrap());
                }
            }
        }
        out
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "icon", "version": 1, "text": text } }),
        );
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap();
    }
}

const BAD: &str = "method \"case\"
data = Mnist(views = 2, augment = [Crop(scale = 0.5)], batch = 256)
embedding = MLP(hidden = [64], out = 16) -> Normalize() on x
p = Augmentation() on index
q = Gausian(sigma = 0.5) on embedding
";

fn uri_of(dir: &tempfile::TempDir, name: &str) -> String {
    path_to_uri(&dir.path().join(name).display().to_string())
}

#[test]
fn bad_file_gets_a_diagnostic_on_the_exact_span_then_clears() {
    let dir = tempfile::tempdir().unwrap();
    let uri = uri_of(&dir, "bad.icon");
    let c = Client::start();
    c.open(&uri, BAD);
    let p = c.published(1).remove(0);
    assert_eq!(p.uri, Uri::from_str(&uri).unwrap());
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == Some(lsp_types::NumberOrString::String("E0201".into())))
        .unwrap_or_else(|| panic!("no E0201 in {:?}", p.diagnostics));
    // `Gausian` is on line 4 (0-based), columns 4..11.
    assert_eq!(d.range.start, lsp_types::Position::new(4, 4));
    assert_eq!(d.range.end, lsp_types::Position::new(4, 11));
    assert_eq!(d.severity, Some(lsp_types::DiagnosticSeverity::ERROR));
    assert!(d.message.contains("Gaussian"), "{}", d.message);

    // Fixing the typo publishes an empty list for the same file.
    let fixed = BAD.replace("Gausian", "Gaussian");
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": fixed }] }),
    );
    let p = c.published(1).remove(0);
    assert!(
        p.diagnostics
            .iter()
            .all(|d| d.severity != Some(lsp_types::DiagnosticSeverity::ERROR)),
        "{:?}",
        p.diagnostics
    );
    c.shutdown();
}

#[test]
fn ranges_stay_right_after_non_ascii_lines() {
    // Column conversion (UTF-16 units) is unit-tested in `lsp::position`;
    // here multi-byte text on earlier lines must not shift the line/column.
    let dir = tempfile::tempdir().unwrap();
    let uri = uri_of(&dir, "u.icon");
    let c = Client::start();
    let text = BAD
        .replace("method \"case\"", "method \"é𝛼\"")
        .replacen("q = ", "# é𝛼\nq = ", 1);
    c.open(&uri, &text);
    let p = c.published(1).remove(0);
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == Some(lsp_types::NumberOrString::String("E0201".into())))
        .unwrap_or_else(|| panic!("{:?}", p.diagnostics));
    assert_eq!(d.range.start, lsp_types::Position::new(5, 4));
    assert_eq!(d.range.end, lsp_types::Position::new(5, 11));
    c.shutdown();
}

#[test]
fn diagnostics_in_a_used_file_go_to_its_uri_and_open_buffers_win() {
    let dir = tempfile::tempdir().unwrap();
    // On disk the library is fine; the open buffer has a typo.
    std::fs::write(
        dir.path().join("lib.icon"),
        "q = Gaussian(sigma = 0.5) on embedding\n",
    )
    .unwrap();
    let lib_uri = uri_of(&dir, "lib.icon");
    let root_uri = uri_of(&dir, "root.icon");
    let root = BAD.replace(
        "q = Gausian(sigma = 0.5) on embedding\n",
        "use \"lib.icon\"\n",
    );
    std::fs::write(dir.path().join("root.icon"), &root).unwrap();
    let c = Client::start();
    c.open(&lib_uri, "q = Gausian(sigma = 0.5) on embedding\n");
    let _lib_alone = c.published(1);
    c.open(&root_uri, &root);
    let ps = c.published(2);
    let lib = ps
        .iter()
        .find(|p| p.uri.as_str() == lib_uri)
        .unwrap_or_else(|| panic!("nothing for lib in {ps:?}"));
    let d = lib
        .diagnostics
        .iter()
        .find(|d| d.code == Some(lsp_types::NumberOrString::String("E0201".into())))
        .unwrap_or_else(|| panic!("{:?}", lib.diagnostics));
    assert_eq!(d.range.start, lsp_types::Position::new(0, 4));
    let rootp = ps.iter().find(|p| p.uri.as_str() == root_uri).unwrap();
    assert!(rootp
        .diagnostics
        .iter()
        .all(|d| d.code != Some(lsp_types::NumberOrString::String("E0201".into()))));
    c.shutdown();
}

#[test]
fn hover_shows_signatures_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let uri = uri_of(&dir, "h.icon");
    let mut c = Client::start();
    let text = BAD.replace("Gausian", "Gaussian");
    c.open(&uri, &text);
    let _ = c.published(1);
    let hover = |c: &mut Client, line: u32, ch: u32| {
        c.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": ch } }),
        )
    };
    let h = hover(&mut c, 4, 6);
    let value = h["contents"]["value"].as_str().unwrap().to_string();
    assert!(value.contains("Gaussian (kernel)"), "{value}");
    assert!(value.contains("sigma"), "{value}");
    assert_eq!(h["range"]["start"], json!({ "line": 4, "character": 4 }));
    // On the parameter `sigma` (column 13).
    let h = hover(&mut c, 4, 14);
    let value = h["contents"]["value"].as_str().unwrap().to_string();
    assert!(value.contains("Gaussian.sigma"), "{value}");
    // On whitespace: nothing.
    assert_eq!(hover(&mut c, 4, 3), Value::Null);
    c.shutdown();
}

#[test]
fn formatting_returns_one_whole_buffer_edit() {
    let dir = tempfile::tempdir().unwrap();
    let uri = uri_of(&dir, "f.icon");
    let mut c = Client::start();
    let messy = BAD
        .replace("Gausian", "Gaussian")
        .replace("p = Augmentation()", "p   =   Augmentation( )");
    c.open(&uri, &messy);
    let _ = c.published(1);
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let new_text = edits[0]["newText"].as_str().unwrap();
    let expected = iconc::fmt::format(&iconc::Source::new("f.icon", messy.clone())).unwrap();
    assert_eq!(new_text, expected);
    assert!(
        new_text.contains("p = Augmentation() on index"),
        "{new_text}"
    );
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    assert_eq!(
        edits[0]["range"]["end"],
        json!({ "line": 5, "character": 0 })
    );
    c.shutdown();
}
