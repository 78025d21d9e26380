//! `iconc lsp`: a synchronous language server over stdio (lsp-server).
//!
//! On open/change/save it checks the buffer with [`crate::check::check_source`]
//! (open buffers win over the disk for `use`d files) and publishes the same
//! diagnostics `iconc check` prints; hover shows signatures from the one
//! signature table; formatting runs [`crate::fmt::format`].

mod convert;
pub mod documents;
mod hover;
pub mod position;

use crate::check;
use crate::diag::Source;
use documents::{uri_to_path, Documents};
use lsp_server::{Connection, ExtractError, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{Formatting, HoverRequest, Request as _};
use lsp_types::{
    Hover, HoverContents, HoverProviderCapability, MarkupContent, MarkupKind, OneOf,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextEdit, Uri,
};
use std::collections::{BTreeSet, HashMap};
use std::error::Error;
use std::path::PathBuf;
use std::str::FromStr;

/// Runs the server on stdin/stdout until the client exits; returns the exit code.
pub fn run_stdio() -> i32 {
    let (connection, io_threads) = Connection::stdio();
    let result = serve(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (result, joined) {
        (Ok(()), Ok(())) => 0,
        (Err(e), _) => {
            eprintln!("error: language server: {e}");
            2
        }
        (_, Err(e)) => {
            eprintln!("error: language server i/o: {e}");
            2
        }
    }
}

/// What the server advertises.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(
                    SaveOptions {
                        include_text: Some(true),
                    }
                    .into(),
                ),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..Default::default()
    }
}

/// Runs the initialize handshake and the main loop on `connection` until
/// `shutdown`/`exit`. Used by `iconc lsp` and by the in-memory tests.
pub fn serve(connection: &Connection) -> Result<(), Box<dyn Error + Send + Sync>> {
    let caps = serde_json::to_value(capabilities())?;
    connection.initialize(caps)?;
    let mut server = Server::default();
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(());
                }
                let resp = server.request(req);
                connection.sender.send(Message::Response(resp))?;
            }
            Message::Notification(n) => {
                for out in server.notification(n) {
                    connection.sender.send(Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// The server state: open buffers and what was last published per root file.
#[derive(Default)]
struct Server {
    docs: Documents,
    /// Root URI → every URI diagnostics were published to for it (to clear them later).
    published: HashMap<String, BTreeSet<String>>,
}

impl Server {
    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            HoverRequest::METHOD => extract::<HoverRequest>(req)
                .map(|p| serde_json::to_value(self.hover(&p)).unwrap_or_default()),
            Formatting::METHOD => extract::<Formatting>(req)
                .map(|p| serde_json::to_value(self.format(&p)).unwrap_or_default()),
            _ => {
                return Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("unsupported request `{}`", req.method),
                )
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => {
                Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, message)
            }
        }
    }

    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        let uri = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) =
                    n.extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                else {
                    return vec![];
                };
                self.set(&p.text_document.uri, p.text_document.text);
                p.text_document.uri
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    DidChangeTextDocument::METHOD,
                ) else {
                    return vec![];
                };
                // Full sync: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    self.set(&p.text_document.uri, change.text);
                }
                p.text_document.uri
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) =
                    n.extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                else {
                    return vec![];
                };
                if let Some(text) = p.text {
                    self.set(&p.text_document.uri, text);
                }
                p.text_document.uri
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = n
                    .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                else {
                    return vec![];
                };
                if let Some(path) = uri_to_path(p.text_document.uri.as_str()) {
                    self.docs.close(&path);
                }
                let stale = self
                    .published
                    .remove(p.text_document.uri.as_str())
                    .unwrap_or_default();
                return stale.iter().filter_map(|u| publish(u, vec![])).collect();
            }
            _ => return vec![],
        };
        self.diagnostics(&uri)
    }

    fn set(&mut self, uri: &Uri, text: String) {
        if let Some(path) = uri_to_path(uri.as_str()) {
            self.docs.set(&path, text);
        }
    }

    fn text(&self, uri: &Uri) -> Option<(PathBuf, &str)> {
        let path = uri_to_path(uri.as_str())?;
        let text = self.docs.get(&path)?;
        Some((path, text))
    }

    /// Checks the buffer at `uri` and publishes diagnostics to it and to the
    /// `use`d files they point into; clears files that are clean now.
    fn diagnostics(&mut self, uri: &Uri) -> Vec<Notification> {
        let Some((path, text)) = self.text(uri) else {
            return vec![];
        };
        let name = path.display().to_string();
        let checked = check::check_source(Source::new(name.clone(), text), &self.docs);
        let groups = convert::group(&checked.reports, &name, uri.as_str());
        let now: BTreeSet<String> = groups.keys().cloned().collect();
        let before = self
            .published
            .insert(uri.as_str().to_string(), now.clone())
            .unwrap_or_default();
        let mut out: Vec<Notification> = groups
            .into_iter()
            .filter_map(|(u, diags)| publish(&u, diags))
            .collect();
        // The root always gets a (possibly empty) list, and files clean now get cleared.
        if !now.contains(uri.as_str()) {
            out.extend(publish(uri.as_str(), vec![]));
        }
        for stale in before.difference(&now) {
            if stale != uri.as_str() {
                out.extend(publish(stale, vec![]));
            }
        }
        out
    }

    fn hover(&self, p: &lsp_types::HoverParams) -> Option<Hover> {
        let (_, text) = self.text(&p.text_document_position_params.text_document.uri)?;
        let at = position::offset(text, p.text_document_position_params.position);
        let (value, start, end) = hover::hover_text(text, at)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: Some(position::range(text, start, end)),
        })
    }

    /// One edit replacing the whole buffer, or none when it has syntax errors
    /// (the diagnostics already say why) or is already formatted.
    fn format(&self, p: &lsp_types::DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let (path, text) = self.text(&p.text_document.uri)?;
        let formatted = crate::fmt::format(&Source::new(path.display().to_string(), text)).ok()?;
        if formatted == text {
            return Some(vec![]);
        }
        Some(vec![TextEdit {
            range: position::range(text, 0, text.len()),
            new_text: formatted,
        }])
    }
}

fn extract<R: lsp_types::request::Request>(req: Request) -> Result<R::Params, String> {
    match req.extract::<R::Params>(R::METHOD) {
        Ok((_, params)) => Ok(params),
        Err(ExtractError::JsonError { error, .. }) => Err(error.to_string()),
        Err(ExtractError::MethodMismatch(r)) => Err(format!("unexpected `{}`", r.method)),
    }
}

fn publish(uri: &str, diagnostics: Vec<lsp_types::Diagnostic>) -> Option<Notification> {
    let uri = Uri::from_str(uri).ok()?;
    Some(Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams::new(uri, diagnostics, None),
    ))
}
