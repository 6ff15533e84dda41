//! Where the command line writes what: results on stdout (a report, or JSON with `--json`), so
//! that `mammo train ... --json > metrics.json` and pipes get only results; progress and status
//! on stderr (a progress bar per epoch on a terminal, one line per epoch otherwise).
use indicatif::{ProgressBar, ProgressStyle};
use mammo::train::ProgressEvent;
use std::io::IsTerminal;

/// Print a value as pretty JSON on stdout.
pub fn print_json(v: &impl serde::Serialize) -> mammo::Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| mammo::Error::Other(e.to_string()))?;
    println!("{s}");
    Ok(())
}

/// Write a value as pretty JSON into a file, atomically.
pub fn write_json(path: &std::path::Path, v: &impl serde::Serialize) -> mammo::Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| mammo::Error::Other(e.to_string()))?;
    mammo::fsx::write_bytes_atomic(path, s.as_bytes())
}

/// A status line: on stderr, as the library's own (`mammo::display::status`).
pub use mammo::display::status;

/// Training progress on stderr: on a terminal, a bar over the batches of the current epoch (its
/// loss as the message) that gives way to the epoch's line; elsewhere (logs, CI, batch jobs) the
/// epoch lines alone.
pub struct TrainProgress {
    terminal: bool,
    bar: Option<(usize, ProgressBar)>,
}

impl TrainProgress {
    pub fn new() -> TrainProgress {
        TrainProgress {
            terminal: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    pub fn handle(&mut self, event: ProgressEvent) {
        match event {
            ProgressEvent::Resumed {
                after_epoch,
                epochs,
            } => status(&format!("resuming after epoch {after_epoch} of {epochs}")),
            ProgressEvent::Batch {
                epoch,
                batch,
                n_batches,
                loss,
            } if self.terminal => {
                if self.bar.as_ref().is_none_or(|(e, _)| *e != epoch) {
                    let bar = ProgressBar::new(n_batches as u64);
                    if let Ok(style) = ProgressStyle::with_template(
                        "{prefix} [{bar:25}] {pos}/{len}  {msg}  eta {eta}",
                    ) {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar.set_prefix(format!("epoch {epoch:>3}"));
                    if let Some((_, old)) = self.bar.replace((epoch, bar)) {
                        old.finish_and_clear();
                    }
                }
                if let Some((_, bar)) = &self.bar {
                    bar.set_position(batch as u64);
                    bar.set_message(format!("loss {loss:.4}"));
                }
            }
            ProgressEvent::Batch { .. } => {}
            ProgressEvent::Epoch {
                stats,
                epochs,
                improved,
            } => {
                if let Some((_, bar)) = self.bar.take() {
                    bar.finish_and_clear();
                }
                status(&mammo::train::epoch_line(&stats, epochs, improved));
            }
        }
    }
}

/// Print JSON the library already formatted (metrics.json's text) on stdout.
pub fn print_json_text(text: &str) {
    println!("{text}");
}

/// Progress over a count of things (`images`, `windows`) on stderr: a bar on a terminal;
/// elsewhere (logs, batch jobs) a line at each tenth when `log_lines`, else nothing.
pub struct CountProgress {
    what: &'static str,
    terminal: bool,
    log_lines: bool,
    bar: Option<ProgressBar>,
    tenth: usize,
}

impl CountProgress {
    pub fn new(what: &'static str, log_lines: bool) -> CountProgress {
        CountProgress {
            what,
            terminal: std::io::stderr().is_terminal(),
            log_lines,
            bar: None,
            tenth: 0,
        }
    }

    /// `done` of `total` are finished.
    pub fn update(&mut self, done: usize, total: usize) {
        if self.terminal {
            let what = self.what;
            let b = self.bar.get_or_insert_with(|| {
                let b = ProgressBar::new(total as u64);
                let template = format!("{what} [{{bar:30}}] {{pos}}/{{len}}  eta {{eta}}");
                if let Ok(st) = ProgressStyle::with_template(&template) {
                    b.set_style(st.progress_chars("=> "));
                }
                b
            });
            b.set_length(total as u64);
            b.set_position(done as u64);
        } else if self.log_lines && (done * 10 / total.max(1) > self.tenth || done == total) {
            self.tenth = done * 10 / total.max(1);
            status(&format!("{done}/{total} {}", self.what));
        }
    }

    /// Clear the bar (the lines stay).
    pub fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}
