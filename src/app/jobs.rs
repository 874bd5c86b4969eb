//! Long work off the UI thread: a job opens its own connection to the atlas file (SQLite
//! allows several), runs an engine function with a progress sink, and hands the result back
//! through a channel. The UI polls it every frame and shows a progress bar with a cancel
//! button; cancelling sets the flag the engine checks between batches.

use super::i18n::tr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use eframe::egui;
use quartier_core::progress::{Progress, ProgressFn};
use quartier_core::Atlas;

/// A running job that produces a `T`.
pub struct Job<T> {
    /// What runs, in German ("Status/Dynamik berechnen").
    pub title: String,
    progress: Arc<Mutex<(f32, String)>>,
    cancel: Arc<AtomicBool>,
    result: Receiver<anyhow::Result<T>>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread with its own connection to the atlas at `atlas_path`.
    /// `ctx` is asked to repaint on every report, so the bar moves without input.
    pub fn start(
        title: &str,
        atlas_path: PathBuf,
        ctx: egui::Context,
        work: impl FnOnce(&mut Atlas, &dyn Progress) -> anyhow::Result<T> + Send + 'static,
    ) -> Self {
        let progress = Arc::new(Mutex::new((0.0, String::from("Starten …"))));
        let cancel = Arc::new(AtomicBool::new(false));
        let (send, result) = channel();
        let (shared, flag) = (progress.clone(), cancel.clone());
        std::thread::spawn(move || {
            let sink = ProgressFn {
                callback: |fraction: f32, stage: &str| {
                    if let Ok(mut p) = shared.lock() {
                        *p = (fraction, stage.to_string());
                    }
                    ctx.request_repaint();
                },
                cancel: Some(&flag),
            };
            let outcome = Atlas::open(&atlas_path)
                .map_err(anyhow::Error::from)
                .and_then(|mut atlas| work(&mut atlas, &sink));
            let _ = send.send(outcome);
            ctx.request_repaint();
        });
        Job {
            title: title.to_string(),
            progress,
            cancel,
            result,
        }
    }

    /// The result once the job has ended; `None` while it runs.
    pub fn poll(&self) -> Option<anyhow::Result<T>> {
        match self.result.try_recv() {
            Ok(r) => Some(r),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(anyhow::anyhow!("„{}“ wurde unerwartet beendet", self.title))),
        }
    }

    /// Fraction done and the current stage.
    pub fn progress(&self) -> (f32, String) {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Asks the job to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether cancelling was asked for.
    pub fn is_cancelling(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// A small window with the title, a progress bar and a cancel button.
    pub fn ui(&self, ctx: &egui::Context) {
        let (fraction, stage) = self.progress();
        egui::Window::new(&self.title)
            .id(egui::Id::NULL.with(("auftrag", &self.title)))
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.label(stage);
                ui.add(egui::ProgressBar::new(fraction).show_percentage().desired_width(320.0));
                if self.is_cancelling() {
                    ui.label(tr("Wird abgebrochen …"));
                } else if ui.button(tr("Abbrechen")).clicked() {
                    self.cancel();
                }
            });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_job_reports_progress_returns_its_result_and_can_be_cancelled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leer.quartier");
        Atlas::create(&path, "Leer", None).unwrap();
        let ctx = egui::Context::default();
        let job = Job::start("Zählen", path.clone(), ctx.clone(), |atlas, progress| {
            progress.report(0.5, "Hälfte");
            Ok(atlas.levels()?.len())
        });
        let result = loop {
            if let Some(r) = job.poll() {
                break r;
            }
            std::thread::yield_now();
        };
        assert_eq!(result.unwrap(), 0);
        assert_eq!(job.progress(), (0.5, "Hälfte".to_string()));

        // A job that waits for the cancel flag ends with the engine's "cancelled" error.
        let job: Job<()> = Job::start("Warten", path, ctx, |_, progress| {
            while !progress.is_cancelled() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(quartier_core::Error::Cancelled.into())
        });
        job.cancel();
        let result = loop {
            if let Some(r) = job.poll() {
                break r;
            }
            std::thread::yield_now();
        };
        assert!(result.unwrap_err().downcast_ref::<quartier_core::Error>().is_some());
    }
}
