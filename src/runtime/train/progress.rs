//! Progress: an indicatif bar on a terminal, plain lines otherwise, nothing with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Bar on a tty, lines otherwise.
    Auto,
    /// Nothing.
    Quiet,
}

/// The progress reporter of one run.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
}

impl Progress {
    /// A reporter for `total_steps` optimizer steps.
    pub fn new(mode: ProgressMode, total_steps: usize, start_step: usize) -> Self {
        if mode == ProgressMode::Quiet {
            return Progress {
                bar: None,
                plain: false,
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(
                Some(total_steps as u64),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_position(start_step as u64);
            Progress {
                bar: Some(bar),
                plain: false,
            }
        } else {
            Progress {
                bar: None,
                plain: true,
            }
        }
    }

    /// After each step.
    pub fn step(&self, epoch: usize, step: usize, loss: f64, samples_per_s: f64) {
        if let Some(bar) = &self.bar {
            bar.set_prefix(format!("epoch {}", epoch + 1));
            bar.set_position(step as u64);
            bar.set_message(format!("loss {loss:.4} {samples_per_s:.0} samples/s"));
        }
    }

    /// After each epoch.
    pub fn epoch(&self, epoch: usize, epochs: usize, loss: f64, samples_per_s: f64) {
        let line = format!(
            "epoch {}/{epochs}  loss {loss:.5}  {samples_per_s:.0} samples/s",
            epoch + 1
        );
        if let Some(bar) = &self.bar {
            bar.println(line);
        } else if self.plain {
            eprintln!("{line}");
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
