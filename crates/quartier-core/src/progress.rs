//! Progress reporting and cancellation for long operations.
//!
//! The engine never draws a progress bar itself: it reports to a [`Progress`] sink,
//! which the CLI prints to stderr and the GUI shows as a bar.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Error, Result};

/// Receives progress from a long operation and can ask it to stop.
pub trait Progress {
    /// `fraction` is 0.0..=1.0 of the whole operation; `stage` says in German what is being done.
    fn report(&self, fraction: f32, stage: &str);
    /// True when the user asked to cancel.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// A sink that ignores progress and never cancels.
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _fraction: f32, _stage: &str) {}
}

/// A sink that reports to a closure and honours a shared cancel flag.
pub struct ProgressFn<'a, F: Fn(f32, &str)> {
    /// Called with every report.
    pub callback: F,
    /// Set to true to cancel.
    pub cancel: Option<&'a AtomicBool>,
}

impl<F: Fn(f32, &str)> Progress for ProgressFn<'_, F> {
    fn report(&self, fraction: f32, stage: &str) {
        (self.callback)(fraction, stage)
    }
    fn is_cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Returns `Err(Error::Cancelled)` when the sink asks to stop.
pub(crate) fn check_cancel(progress: &dyn Progress) -> Result<()> {
    if progress.is_cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}
