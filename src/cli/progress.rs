//! A progress bar on the terminal for long commands (a cross-validation trains a model
//! per fold). Drawn on stderr, and only when stderr is a terminal: piped output, CI logs
//! and `--json` stay clean.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

const WIDTH: usize = 24;

pub struct ProgressBar {
    label: String,
    total: usize,
    done: Mutex<usize>,
    visible: bool,
}

impl ProgressBar {
    /// A bar for `total` steps, drawn at once.
    pub fn new(label: impl Into<String>, total: usize) -> ProgressBar {
        let bar = ProgressBar {
            label: label.into(),
            total: total.max(1),
            done: Mutex::new(0),
            visible: std::io::stderr().is_terminal(),
        };
        bar.draw(0);
        bar
    }

    /// One more step done.
    pub fn step(&self) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        *done = (*done + 1).min(self.total);
        self.draw(*done);
    }

    fn draw(&self, done: usize) {
        if !self.visible {
            return;
        }
        let filled = WIDTH * done / self.total;
        let line = format!(
            "\r{} [{}{}] {done}/{}",
            self.label,
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            self.total
        );
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(line.as_bytes());
        let _ = stderr.flush();
    }
}

impl Drop for ProgressBar {
    /// Clears the bar so the report that follows starts on a clean line.
    fn drop(&mut self) {
        if self.visible {
            let blank = " ".repeat(self.label.chars().count() * 2 + WIDTH + 16);
            let _ = write!(std::io::stderr().lock(), "\r{blank}\r");
        }
    }
}
