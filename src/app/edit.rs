//! Editing with undo and redo: single values (from the table), an indicator's metadata
//! (from the indicator list), an area's profile text (*Auswahl → Profiltext …*), bookmarks and
//! stories (*Lesezeichen*) and a level's name (*Atlas verwalten*). Every change goes through the engine, each in its own
//! transaction with a line in the audit log; the history keeps what each change replaced.

use super::i18n::tr;
use eframe::egui;
use quartier_core::model::{IndicatorKind, Polarity, ValueStatus};
use quartier_core::numbers::{format_german, parse_number, DecimalSeparator};
use quartier_core::store::{BookmarkState, IndicatorUpdate, Story};
use quartier_core::{Atlas, StoredValue};

use super::jobs::Job;
use super::state::Workbench;
use std::collections::VecDeque;

/// What a release concerns.
#[derive(Clone, Debug, PartialEq)]
pub enum Released {
    /// An indicator on a level.
    Indicator {
        /// Indicator key.
        key: String,
        /// Level name.
        level: String,
    },
    /// A POI category, or one of its attributes.
    Pois {
        /// The category.
        category: String,
        /// The attribute (`None`: the category as a whole).
        attribute: Option<String>,
    },
}

/// One change, with what it replaced.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// A stored value.
    Value {
        /// Indicator key.
        indicator: String,
        /// Level name.
        level: String,
        /// Period label.
        period: String,
        /// Area key.
        area: String,
        /// The value before (`None`: there was none), as the engine reports it when the
        /// edit is made.
        before: Option<StoredValue>,
        /// The value after.
        after: Option<StoredValue>,
    },
    /// An indicator's metadata.
    Metadata {
        /// Indicator key.
        indicator: String,
        /// Every field before.
        before: Box<IndicatorUpdate>,
        /// The change.
        after: Box<IndicatorUpdate>,
    },
    /// The atlas's properties (name, AGS, suppression, attribution).
    Properties {
        /// Before, as the engine reports it when the edit is made.
        before: Box<quartier_core::store::AtlasProperties>,
        /// After.
        after: Box<quartier_core::store::AtlasProperties>,
    },
    /// An area's interpretation text for its Quartiersprofil.
    AreaText {
        /// Level name.
        level: String,
        /// Area key.
        area: String,
        /// The text before (empty: none), as the engine reports it when the edit is made.
        before: String,
        /// The text after (empty: removed).
        after: String,
        /// Who wrote it.
        author: String,
    },
    /// A bookmark saved, changed or deleted (`None`: there is none of that name).
    Bookmark {
        /// The name it had before the edit (for a new one: its name).
        name: String,
        /// Before, as the engine reports it when the edit is made.
        before: Option<Box<BookmarkState>>,
        /// After.
        after: Option<Box<BookmarkState>>,
    },
    /// A story saved, changed (order, introduction, public flag) or deleted.
    Story {
        /// The name it had before the edit (for a new one: its name).
        name: String,
        /// Before, as the engine reports it when the edit is made.
        before: Option<Box<Story>>,
        /// After.
        after: Option<Box<Story>>,
    },
    /// A release for publication given or taken back: an indicator on a level, a POI
    /// category (`attribute` `None`) or one of its attributes.
    Release {
        /// What: an indicator key or a POI category.
        what: Released,
        /// Released (`true`) or taken back.
        release: bool,
        /// Who (for the audit log).
        who: String,
    },
    /// A level's name.
    RenameLevel {
        /// The name before.
        from: String,
        /// The name after.
        to: String,
    },
}

impl Edit {
    /// What the edit does, for the menu ("Rückgängig: Wert 01011101 …").
    pub fn describe(&self) -> String {
        match self {
            Edit::Value {
                indicator,
                area,
                period,
                ..
            } => format!("Wert {indicator} · {area} · {period}"),
            Edit::Metadata { indicator, .. } => format!("Metadaten von {indicator}"),
            Edit::RenameLevel { from, to } => format!("Ebene „{from}“ → „{to}“"),
            Edit::Properties { .. } => tr("Atlas-Eigenschaften").to_string(),
            Edit::AreaText { area, .. } => format!("Profiltext {area}"),
            Edit::Bookmark { name, .. } => format!("Lesezeichen „{name}“"),
            Edit::Story { name, .. } => format!("Story „{name}“"),
            Edit::Release { what, release, .. } => format!(
                "{} {}",
                if *release { "Freigabe" } else { "Rücknahme" },
                match what {
                    Released::Indicator { key, level } => format!("{key} auf {level}"),
                    Released::Pois {
                        category,
                        attribute: None,
                    } => category.clone(),
                    Released::Pois {
                        category,
                        attribute: Some(a),
                    } => format!("{category}: {a}"),
                }
            ),
        }
    }

    fn apply(&mut self, atlas: &mut Atlas, forward: bool) -> quartier_core::Result<()> {
        match self {
            Edit::Value {
                indicator,
                level,
                period,
                area,
                before,
                after,
            } => {
                if forward {
                    *before = atlas.set_value(indicator, level, period, area, after.clone())?;
                } else {
                    atlas.set_value(indicator, level, period, area, before.clone())?;
                }
            }
            Edit::Metadata {
                indicator,
                before,
                after,
            } => {
                atlas.update_indicator(indicator, if forward { after } else { before })?;
            }
            Edit::Properties { before, after } if forward => **before = atlas.set_properties(after)?,
            Edit::Properties { before, .. } => {
                atlas.set_properties(before)?;
            }
            Edit::AreaText {
                level,
                area,
                before,
                after,
                author,
            } => {
                if forward {
                    *before = atlas.set_area_text(level, area, after, author)?.unwrap_or_default();
                } else {
                    atlas.set_area_text(level, area, before, author)?;
                }
            }
            Edit::Bookmark { name, before, after } => {
                if forward {
                    *before = atlas.put_bookmark(name, after.as_deref())?.map(Box::new);
                } else {
                    let now = after.as_ref().map_or(name.as_str(), |a| a.bookmark.name.as_str());
                    atlas.put_bookmark(now, before.as_deref())?;
                }
            }
            Edit::Story { name, before, after } => {
                if forward {
                    *before = atlas.put_story(name, after.as_deref())?.map(Box::new);
                } else {
                    let now = after.as_ref().map_or(name.as_str(), |a| a.name.as_str());
                    atlas.put_story(now, before.as_deref())?;
                }
            }
            Edit::Release { what, release, who } => {
                // Undone, a release is taken back (and the other way round): the window
                // only offers what is not so already.
                let unrelease = *release != forward;
                match what {
                    Released::Indicator { key, level } => {
                        atlas.release_indicators(
                            std::slice::from_ref(key),
                            std::slice::from_ref(level),
                            unrelease,
                            who,
                        )?;
                    }
                    Released::Pois { category, attribute } => {
                        let attributes: Vec<String> = attribute.iter().cloned().collect();
                        atlas.release_poi_category(category, &attributes, unrelease, who)?;
                    }
                }
            }
            Edit::RenameLevel { from, to } if forward => atlas.rename_level(from, to)?,
            Edit::RenameLevel { from, to } => atlas.rename_level(to, from)?,
        }
        Ok(())
    }
}

/// What the planner asked the history to do.
#[derive(Debug)]
enum Step {
    /// Make a new change.
    Apply(Box<Edit>),
    /// Take the last change back.
    Undo,
    /// Make the last undone change again.
    Redo,
}

/// The edit being written off the UI thread.
struct Writing {
    job: Job<Edit>,
    /// The edit as sent, put back on its stack if the write fails.
    sent: Edit,
    /// Where the edit came from and where it goes when written.
    kind: StepKind,
    /// False once the history was cut while it ran: the write happened, but undoing it could
    /// put back a value that the cutting write replaced.
    keep: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum StepKind {
    Apply,
    Undo,
    Redo,
}

/// The undo and redo stacks.
///
/// Every change, undo and redo is written as a job on its own connection: another process
/// may hold the atlas's write lock for seconds (the engine waits up to a minute), and the
/// window must not freeze meanwhile. Steps asked for while one is written wait their turn, in
/// order, so two quick Strg+Z take back two changes.
#[derive(Default)]
pub struct History {
    undo: Vec<Edit>,
    redo: Vec<Edit>,
    waiting: VecDeque<Step>,
    writing: Option<Writing>,
}

impl History {
    /// Makes a change and remembers it; a new change forgets what could be redone.
    pub fn apply(&mut self, edit: Edit) {
        self.waiting.push_back(Step::Apply(Box::new(edit)));
    }

    /// Takes the last change back.
    pub fn undo(&mut self) {
        self.waiting.push_back(Step::Undo);
    }

    /// Makes the last undone change again.
    pub fn redo(&mut self) {
        self.waiting.push_back(Step::Redo);
    }

    /// Whether a change is being written or waits to be.
    pub fn is_busy(&self) -> bool {
        self.writing.is_some() || !self.waiting.is_empty()
    }

    /// Takes a finished write and starts the next waiting step. Returns true when a write
    /// ended (successfully or not): the caller reads the atlas again.
    pub fn poll(&mut self, w: &mut Workbench, ctx: &egui::Context) -> bool {
        let mut ended = false;
        if let Some(outcome) = self.writing.as_ref().and_then(|writing| writing.job.poll()) {
            ended = true;
            if let Some(writing) = self.writing.take() {
                self.finish(w, writing, outcome);
            }
        }
        while self.writing.is_none() {
            let Some(step) = self.waiting.pop_front() else { break };
            let (edit, kind) = match step {
                Step::Apply(edit) => (*edit, StepKind::Apply),
                Step::Undo => match self.undo.pop() {
                    Some(edit) => (edit, StepKind::Undo),
                    None => continue,
                },
                Step::Redo => match self.redo.pop() {
                    Some(edit) => (edit, StepKind::Redo),
                    None => continue,
                },
            };
            let forward = kind != StepKind::Undo;
            let sent = edit.clone();
            let job = Job::start(
                tr("Änderung speichern"),
                w.atlas.path().to_path_buf(),
                ctx.clone(),
                move |atlas, _| {
                    let mut edit = edit;
                    edit.apply(atlas, forward)?;
                    Ok(edit)
                },
            );
            self.writing = Some(Writing {
                job,
                sent,
                kind,
                keep: true,
            });
        }
        ended
    }

    /// Puts a written edit on its stack, or a failed undo or redo back where it was.
    fn finish(&mut self, w: &mut Workbench, writing: Writing, outcome: anyhow::Result<Edit>) {
        match outcome {
            Ok(edit) => {
                let verb = match writing.kind {
                    StepKind::Apply => tr("Geändert"),
                    StepKind::Undo => tr("Rückgängig"),
                    StepKind::Redo => tr("Wiederholt"),
                };
                w.session.notice = Some(format!("{verb}: {}", edit.describe()));
                w.session.error = None;
                if !writing.keep {
                    return;
                }
                match writing.kind {
                    StepKind::Apply => {
                        self.undo.push(edit);
                        self.redo.clear();
                    }
                    StepKind::Undo => self.redo.push(edit),
                    StepKind::Redo => self.undo.push(edit),
                }
            }
            Err(e) => {
                w.session.error = Some(format!("{e:#}"));
                // The job failed before or inside its transaction: nothing was written, so a
                // failed undo or redo can be tried again.
                let edit = writing.sent;
                if writing.keep {
                    match writing.kind {
                        StepKind::Apply => {}
                        StepKind::Undo => self.undo.push(edit),
                        StepKind::Redo => self.redo.push(edit),
                    }
                }
            }
        }
    }

    /// Forgets what could be undone or redone, because a write outside the history (an
    /// import, a saved analysis, another process) may have replaced those values: undoing
    /// would put back a value that a later write replaced. New changes that wait to be
    /// written stay (they are the planner's work); waiting undos and redos go. Returns
    /// whether anything was cut.
    pub fn cut(&mut self) -> bool {
        let waiting = self.waiting.len();
        self.waiting.retain(|step| matches!(step, Step::Apply(_)));
        let had = !self.undo.is_empty() || !self.redo.is_empty() || waiting != self.waiting.len();
        self.undo.clear();
        self.redo.clear();
        if let Some(writing) = &mut self.writing {
            writing.keep = false;
        }
        had
    }

    /// The change "Rückgängig" would take back.
    pub fn next_undo(&self) -> Option<&Edit> {
        self.undo.last()
    }

    /// The change "Wiederholen" would make again.
    pub fn next_redo(&self) -> Option<&Edit> {
        self.redo.last()
    }
}

/// The dialog for one value.
#[derive(Default)]
pub struct ValueDialog {
    /// Shown?
    pub open: bool,
    /// The area edited.
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// The number as typed (German notation).
    pub text: String,
    /// The status chosen.
    pub status: Option<ValueStatus>,
    /// Why the input is refused.
    pub message: Option<String>,
}

impl ValueDialog {
    /// Opens the dialog on an area's value of the shown indicator.
    pub fn open_for(&mut self, w: &Workbench, area: &str) {
        let Some(row) = w
            .shown
            .table
            .as_ref()
            .and_then(|t| t.rows.iter().find(|r| r.key == area))
        else {
            return;
        };
        let cell = row.cells.first();
        self.open = true;
        self.area = area.to_string();
        self.area_name = row.name.clone();
        self.message = None;
        self.text = cell.and_then(|c| c.number()).map_or(String::new(), |v| {
            format_german(v, w.shown.decimals.max(2)).replace('.', "")
        });
        self.status = Some(match cell {
            Some(quartier_core::export::TableCell::Status(s)) => *s,
            _ => ValueStatus::Ok,
        });
    }

    /// Draws the dialog; returns the edit when the user saves.
    pub fn ui(&mut self, ctx: &egui::Context, w: &Workbench) -> Option<Edit> {
        if !self.open {
            return None;
        }
        let mut edit = None;
        let mut open = self.open;
        let title = w.indicator_info().map_or(String::new(), |i| i.name.clone());
        egui::Window::new(tr("Wert ändern"))
            .default_pos(egui::pos2(340.0, 70.0))
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(format!(
                    "{title} · {} {} · {}",
                    self.area,
                    self.area_name,
                    w.choice.period.as_deref().unwrap_or("")
                ));
                for (status, label) in [
                    (ValueStatus::Ok, tr("Zahl")),
                    (ValueStatus::Suppressed, tr("k. A. (Datenschutz)")),
                    (ValueStatus::Missing, tr("fehlt")),
                    (ValueStatus::NotApplicable, tr("nicht sinnvoll (x)")),
                ] {
                    ui.radio_value(&mut self.status, Some(status), label);
                }
                if self.status == Some(ValueStatus::Ok) {
                    let label = ui.label(tr("Wert"));
                    ui.add(egui::TextEdit::singleline(&mut self.text).desired_width(160.0))
                        .labelled_by(label.id);
                }
                if let Some(m) = &self.message {
                    ui.colored_label(egui::Color32::from_rgb(200, 40, 40), m);
                }
                if ui.button(tr("Speichern")).clicked() {
                    let status = self.status.unwrap_or(ValueStatus::Ok);
                    let value = if status == ValueStatus::Ok {
                        match parse_number(self.text.trim(), DecimalSeparator::Comma) {
                            Some(v) => Some(v),
                            None => {
                                self.message = Some(format!(
                                    "„{}“ ist keine Zahl (deutsche Schreibweise, z. B. 1234,5)",
                                    self.text.trim()
                                ));
                                return;
                            }
                        }
                    } else {
                        None
                    };
                    let (Some(indicator), Some(period)) = (w.choice.indicator.clone(), w.choice.period.clone()) else {
                        return;
                    };
                    edit = Some(Edit::Value {
                        indicator,
                        level: w.level_name().to_string(),
                        period,
                        area: self.area.clone(),
                        // Filled in by the engine when the edit is made.
                        before: None,
                        after: Some(StoredValue {
                            value,
                            text: None,
                            status,
                            note: Some("von Hand geändert".to_string()),
                            flag: None,
                        }),
                    });
                }
            });
        self.open = open && edit.is_none();
        edit
    }
}

/// The metadata dialog of one indicator.
#[derive(Default)]
pub struct MetadataDialog {
    /// Shown?
    pub open: bool,
    /// The indicator.
    pub key: String,
    /// Every field as it was when the dialog opened.
    before: IndicatorUpdate,
    /// Fields being edited.
    name: String,
    topic: String,
    unit: String,
    decimals: i64,
    polarity: Option<Polarity>,
    description: String,
    source: String,
    /// The declared parts, when the indicator is a count („Summe aus“).
    sum_of: Vec<String>,
    /// The other counts of the atlas (key, name): what can be a part; empty for an indicator
    /// that is no count.
    counts: Vec<(String, String)>,
}

impl MetadataDialog {
    /// Opens the dialog on an indicator.
    pub fn open_for(&mut self, w: &Workbench, key: &str) {
        let Ok(meta) = w.atlas.indicator(key) else { return };
        self.open = true;
        self.key = key.to_string();
        self.before = IndicatorUpdate::everything_of(&meta);
        self.name = meta.name;
        self.topic = meta.topic;
        self.unit = meta.unit;
        self.decimals = meta.decimals;
        self.polarity = Some(meta.polarity);
        self.description = meta.description;
        self.source = meta.source;
        self.sum_of = meta.sum_of;
        self.counts = if meta.kind == IndicatorKind::Count {
            w.atlas
                .indicators()
                .unwrap_or_default()
                .into_iter()
                .filter(|i| i.kind == IndicatorKind::Count && i.key != key)
                .map(|i| (i.key, i.name))
                .collect()
        } else {
            Vec::new()
        };
    }

    /// Draws the dialog; returns the edit when the user saves.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Edit> {
        if !self.open {
            return None;
        }
        let mut edit = None;
        let mut open = self.open;
        egui::Window::new(format!("Indikator „{}“ bearbeiten", self.key))
            .default_pos(egui::pos2(340.0, 70.0))
            .open(&mut open)
            .collapsible(false)
            .default_width(460.0)
            .show(ctx, |ui| {
                egui::Grid::new("metadaten").num_columns(2).show(ui, |ui| {
                    for (label, value) in [
                        (tr("Bezeichnung"), &mut self.name),
                        (tr("Thema"), &mut self.topic),
                        (tr("Einheit"), &mut self.unit),
                        (tr("Quelle"), &mut self.source),
                    ] {
                        let l = ui.label(label);
                        ui.add(egui::TextEdit::singleline(value).desired_width(300.0))
                            .labelled_by(l.id);
                        ui.end_row();
                    }
                    let l = ui.label(tr("Nachkommastellen"));
                    ui.add(egui::DragValue::new(&mut self.decimals).range(0..=6))
                        .labelled_by(l.id);
                    ui.end_row();
                    ui.label(tr("Polarität"));
                    ui.horizontal(|ui| {
                        ui.radio_value(
                            &mut self.polarity,
                            Some(Polarity::HigherIsWorse),
                            tr("hoch = ungünstig"),
                        );
                        ui.radio_value(&mut self.polarity, Some(Polarity::HigherIsBetter), tr("hoch = günstig"));
                        ui.radio_value(&mut self.polarity, Some(Polarity::Neutral), "neutral");
                    });
                    ui.end_row();
                    let l = ui.label(tr("Beschreibung"));
                    ui.add(
                        egui::TextEdit::multiline(&mut self.description)
                            .desired_width(300.0)
                            .desired_rows(3),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                });
                if !self.counts.is_empty() {
                    self.sum_of_ui(ui);
                }
                if ui.button(tr("Speichern")).clicked() {
                    edit = Some(Edit::Metadata {
                        indicator: self.key.clone(),
                        before: Box::new(self.before.clone()),
                        after: Box::new(IndicatorUpdate {
                            name: Some(self.name.trim().to_string()),
                            topic: Some(self.topic.trim().to_string()),
                            unit: Some(self.unit.trim().to_string()),
                            decimals: Some(self.decimals),
                            polarity: self.polarity,
                            description: Some(self.description.trim().to_string()),
                            source: Some(self.source.trim().to_string()),
                            sum_of: (!self.counts.is_empty()).then(|| self.sum_of.clone()),
                            ..Default::default()
                        }),
                    });
                }
            });
        self.open = open && edit.is_none();
        edit
    }
}

impl MetadataDialog {
    /// The parts of a declared sum: the other counts to tick, in the atlas's order, under a
    /// heading that names the chosen ones. The suppression then treats total = Σ parts as an
    /// attacker would.
    fn sum_of_ui(&mut self, ui: &mut egui::Ui) {
        let chosen = if self.sum_of.is_empty() {
            tr("keine").to_string()
        } else {
            self.sum_of.join(", ")
        };
        egui::CollapsingHeader::new(format!("{}: {chosen}", tr("Summe aus")))
            .id_salt("summe_aus")
            .show(ui, |ui| {
                ui.label(
                    egui::RichText::new(tr(
                        "Anzahlen, die in jedem Gebiet zusammen diese ergeben (z. B. die Altersgruppen der Einwohner). \
                         Die Geheimhaltung rechnet damit, wie es ein Angreifer täte.",
                    ))
                    .small(),
                );
                egui::ScrollArea::vertical().max_height(160.0).show(ui, |ui| {
                    for (key, name) in &self.counts {
                        let mut on = self.sum_of.contains(key);
                        if ui.checkbox(&mut on, format!("{name} ({key})")).changed() {
                            if on {
                                self.sum_of.push(key.clone());
                                let order = |k: &String| self.counts.iter().position(|(c, _)| c == k);
                                self.sum_of.sort_by_key(order);
                            } else {
                                self.sum_of.retain(|k| k != key);
                            }
                        }
                    }
                });
            });
    }
}

/// The editor of an area's interpretation text, printed in its Quartiersprofil.
#[derive(Default)]
pub struct AreaTextDialog {
    /// Shown?
    pub open: bool,
    level: String,
    area: String,
    name: String,
    text: String,
    author: String,
    message: Option<String>,
}

impl AreaTextDialog {
    /// Opens the editor for the selected area (exactly one).
    pub fn open_for(&mut self, w: &Workbench) {
        let Some(key) = w.selection.iter().next().filter(|_| w.selection.len() == 1).cloned() else {
            return;
        };
        let level = w.level_name().to_string();
        let stored = w.atlas.area_text(&level, &key);
        self.message = stored.as_ref().err().map(|e| e.to_string());
        let stored = stored.ok().flatten();
        self.name = w
            .shown
            .classified
            .as_ref()
            .and_then(|c| c.areas.iter().find(|a| a.key == key))
            .map_or(key.clone(), |a| a.name.clone());
        self.text = stored.as_ref().map(|t| t.text.clone()).unwrap_or_default();
        if let Some(t) = &stored {
            self.author = t.author.clone();
        }
        self.level = level;
        self.area = key;
        self.open = true;
    }

    /// Draws the editor; returns the edit when saved.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Edit> {
        if !self.open {
            return None;
        }
        let mut open = self.open;
        let mut edit = None;
        egui::Window::new(tr("Profiltext"))
            .open(&mut open)
            .default_width(520.0)
            .show(ctx, |ui| {
                ui.label(format!("{} ({}, {})", self.name, self.area, self.level));
                ui.weak(tr(
                    "Die Einschätzung erscheint im Quartiersprofil des Gebiets (Bericht → Quartiersprofile).",
                ));
                let label = ui.strong(tr("Einschätzung"));
                ui.add(
                    egui::TextEdit::multiline(&mut self.text)
                        .desired_rows(8)
                        .desired_width(f32::INFINITY)
                        .hint_text(tr("Einschätzung des Gebiets …")),
                )
                .labelled_by(label.id);
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Verfasst von"));
                    ui.text_edit_singleline(&mut self.author).labelled_by(label.id);
                });
                if let Some(m) = &self.message {
                    ui.colored_label(egui::Color32::from_rgb(200, 40, 40), m);
                }
                if ui.button(tr("Speichern")).clicked() {
                    edit = Some(Edit::AreaText {
                        level: self.level.clone(),
                        area: self.area.clone(),
                        before: String::new(),
                        after: self.text.clone(),
                        author: self.author.clone(),
                    });
                }
            });
        self.open = open && edit.is_none();
        edit
    }
}
