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

/// Maps `f(index, item)` over `items` on all cores, in about twenty batches; between batches
/// it reports `stage` with the fraction done and stops with [`Error::Cancelled`] when asked.
/// Results keep the order of `items`.
pub(crate) fn map_parallel<I: Sync, T: Send>(
    items: &[I],
    progress: &dyn Progress,
    stage: &str,
    f: impl Fn(usize, &I) -> T + Sync,
) -> Result<Vec<T>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let batch = items.len().div_ceil(20).max(threads).max(1);
    let mut out = Vec::with_capacity(items.len());
    for (b, batch_items) in items.chunks(batch).enumerate() {
        check_cancel(progress)?;
        progress.report((b * batch) as f32 / items.len().max(1) as f32, stage);
        let offset = b * batch;
        let per_thread = batch_items.len().div_ceil(threads).max(1);
        let f = &f;
        let parts: Vec<Option<Vec<T>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = batch_items
                .chunks(per_thread)
                .enumerate()
                .map(|(t, part)| {
                    let start = offset + t * per_thread;
                    scope.spawn(move || part.iter().enumerate().map(|(i, item)| f(start + i, item)).collect())
                })
                .collect();
            workers.into_iter().map(|w| w.join().ok()).collect()
        });
        for part in parts {
            out.extend(part.ok_or_else(|| Error::Internal(format!("{stage}: ein Rechenthread ist abgebrochen")))?);
        }
    }
    progress.report(1.0, stage);
    Ok(out)
}
