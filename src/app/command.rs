//! Everything a user can ask of the workbench, as one enum. Menus, shortcuts, the sidebar,
//! the panes and the dialogs only push commands; [`super::QuartierApp::apply`] carries them
//! out after the frame, and long ones (analyses, imports: [`Command::Run`] with a [`Work`])
//! start a job there.
//!
//! To add a user action: a variant here, its arm in `apply`, and whichever menu entry,
//! shortcut or pane control pushes it. To add an analysis to the app: a variant of
//! [`super::analyses::AnalysisRequest`] (its `run` calls the engine) and the dialog that
//! builds it; `Command::Run(Work::Analysis(..))` starts it.

use super::analyses::{AnalysisRequest, Dialog as AnalysisDialog};
use super::dialogs::StatusDynamicsRequest;
use super::edit::Edit;
use super::import::{ImportKind, ImportRequest};
use super::jobs::Job;
use super::panes::Pane;
use super::save::Export;
use super::state::{DiagramKind, MapLayer, Mode, RegionEdit};

/// A dialog to open.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenDialog {
    /// Import geometry, values or POIs.
    Import(ImportKind),
    /// Status and dynamics.
    StatusDynamics,
    /// Index, suppression, aggregation or distance.
    Analysis(AnalysisDialog),
    /// Save the selection as a group.
    SaveGroup,
    /// The indicator's metadata.
    Metadata(String),
    /// One table value (area key of the shown indicator).
    Value(String),
    /// Export the table, the map, the diagram or the Gebietsbericht.
    Export(Export),
    /// The Gebietsbericht of the selection.
    AreaReport,
    /// The profile text of the selected area.
    AreaText,
    /// Save the view shown as a bookmark.
    SaveBookmark,
    /// A saved bookmark's text, images and flag; with `true`, taking the view shown now.
    EditBookmark(String, bool),
    /// *Lesezeichen und Storys*.
    Stories,
    /// *Veröffentlichen*: releases and the public bundle.
    Publish,
    /// A story's handout, saved through the save dialog.
    StoryExport(String, quartier_core::story::HandoutFormat),
    /// Delete or rename what the atlas holds.
    Manage,
    /// Name, AGS, suppression, attribution.
    Properties,
    /// Settings (base map, language).
    Settings,
    /// About Quartier.
    About,
}

/// Long work: [`super::QuartierApp::apply`] starts it as a job with its own connection to
/// the atlas, and the app takes the result when the job ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// An import, or its dry run.
    Import(ImportRequest),
    /// Status and dynamics.
    StatusDynamics(StatusDynamicsRequest),
    /// Index, suppression preview, aggregation or distance.
    Analysis(AnalysisRequest),
    /// A confirmed deletion (*Atlas verwalten*).
    Delete(super::manage::Deletion),
    /// The book of Quartiersprofile, written to the path.
    Profiles(quartier_core::report::profiles::ProfilesRequest, std::path::PathBuf),
    /// A story's handout (PDF or PowerPoint) written to the path; `true`: internal.
    StoryExport(String, std::path::PathBuf, bool),
    /// The public bundle of everything released, written to the folder.
    Publish(std::path::PathBuf),
}

/// One user action.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Show the level at this position of the atlas overview.
    ChooseLevel(usize),
    /// Show this indicator.
    ChooseIndicator(String),
    /// Show this period.
    ChoosePeriod(String),
    /// One period later (+1) or earlier (−1).
    StepPeriod(i64),
    /// Classify with method (index into `state::METHODS`), class count and own breaks.
    SetClassification {
        /// Index into the method list.
        method: usize,
        /// Number of classes.
        classes: usize,
        /// Own breaks as typed (German notation).
        manual_breaks: String,
    },
    /// The colour scheme (`None`: the default of the classification's kind) and its order.
    SetScheme {
        /// ColorBrewer name.
        scheme: Option<String>,
        /// Reverse the colours.
        reversed: bool,
    },
    /// Save the shown classification and colours as the indicator's default on this level.
    SavePresentation,
    /// A second indicator as columns on the map (`None`: none).
    SetColumnIndicator(Option<String>),
    /// Show or hide a POI category (position in the sidebar's list).
    ShowPois {
        /// Position of the layer.
        layer: usize,
        /// Shown or hidden.
        shown: bool,
    },
    /// Pin a POI's card (`None`: close it).
    ShowPoiCard(Option<super::map::PinnedPoi>),
    /// Which attributes the cards of a POI category show, in order (`None`: all).
    SetPoiCardLayout {
        /// The category.
        category: String,
        /// The attributes, in order.
        fields: Option<Vec<String>>,
    },
    /// Offer an indicator in simple mode, or not.
    CurateSimple {
        /// Indicator key.
        key: String,
        /// Offered.
        offered: bool,
    },
    /// Add a column to the table.
    AddTableColumn(String),
    /// Remove a column from the table.
    RemoveTableColumn(String),
    /// The map shows the indicator or the status/dynamics classes.
    SetMapLayer(MapLayer),
    /// Adjusts the regionalisation under review with the selected areas.
    AdjustRegions(RegionEdit),
    /// Runs the query pane's SQL.
    RunQuery,
    /// Simple or expert mode.
    SetMode(Mode),
    /// The kind of diagram.
    SetDiagram(DiagramKind),
    /// The scatter's x axis.
    SetSecondIndicator(String),
    /// Switch between simple and expert mode.
    ToggleMode,
    /// Click on an area: select it alone, or add/remove it with `extend`.
    Click {
        /// Area key.
        key: String,
        /// Ctrl/Shift held.
        extend: bool,
    },
    /// The pointer is over an area (highlighted in every pane next frame).
    Hover(String),
    /// Clear the selection.
    ClearSelection,
    /// Select the areas of a saved group.
    SelectGroup(String),
    /// Open or close a pane in the expert layout.
    ShowPane(Pane, bool),
    /// The layout a new atlas opens with.
    ResetLayout,
    /// Show one pane alone (`None`: the layout again).
    Maximise(Option<Pane>),
    /// Maximise the map, or restore the layout.
    ToggleMaximise,
    /// Open a dialog.
    Open(OpenDialog),
    /// New, open, recent, sample or close: carried out by the shell around the workbench.
    Atlas(super::shell::AtlasRequest),
    /// Start long work as a job (one at a time per kind: a new run replaces a running one).
    Run(Work),
    /// Apply an edit (with undo).
    Edit(Edit),
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Copy the shown (or selected) table rows for Excel.
    CopyRows,
    /// Show a saved bookmark's view.
    OpenBookmark(String),
    /// Present a story full screen.
    Present(String),
    /// One slide on (+1) or back (−1) in the presentation.
    Slide(i64),
    /// Leave the presentation.
    EndPresentation,
    /// Move the keyboard focus to the indicator search.
    FocusSearch,
    /// Close the window.
    Quit,
}

impl super::QuartierApp {
    /// Carries out one command (after the frame in which it was asked for).
    pub(super) fn apply(&mut self, ctx: &eframe::egui::Context, command: Command) {
        let w = &mut self.state;
        match command {
            Command::ChooseLevel(level) => w.choose_level(level),
            Command::ChooseIndicator(key) => w.choose_indicator(&key),
            Command::ChoosePeriod(period) => w.choose_period(&period),
            Command::StepPeriod(step) => {
                let periods = w.periods();
                if let Some(i) = w
                    .choice
                    .period
                    .as_ref()
                    .and_then(|p| periods.iter().position(|x| x == p))
                {
                    let next = (i as i64 + step).clamp(0, periods.len() as i64 - 1) as usize;
                    let label = periods[next].clone();
                    w.choose_period(&label);
                }
            }
            Command::SetClassification {
                method,
                classes,
                manual_breaks,
            } => {
                w.choice.method = method;
                w.choice.classes = classes;
                w.choice.manual_breaks = manual_breaks;
                w.refresh();
            }
            Command::SetScheme { scheme, reversed } => {
                w.choice.scheme = scheme;
                w.choice.reversed = reversed;
                w.shown.revision += 1;
            }
            Command::SavePresentation => {
                if let Some(key) = w.choice.indicator.clone() {
                    let level = w.level_name().to_string();
                    let presentation = w.presentation();
                    match w.atlas.set_presentation(&key, &level, Some(&presentation)) {
                        Ok(()) => {
                            w.session.notice = Some(format!(
                                "Darstellung von „{}“ auf Ebene „{level}“ als Standard gespeichert",
                                w.indicator_title(&key)
                            ))
                        }
                        Err(e) => w.session.error = Some(e.to_string()),
                    }
                }
            }
            Command::SetColumnIndicator(key) => {
                w.choice.column_indicator = key;
                w.refresh_columns();
            }
            Command::ShowPois { layer, shown } => w.show_pois(layer, shown),
            Command::ShowPoiCard(poi) => w.session.poi_card = poi,
            Command::SetPoiCardLayout { category, fields } => match fields {
                Some(fields) => {
                    w.view.poi_cards.insert(category, fields);
                }
                None => {
                    w.view.poi_cards.remove(&category);
                }
            },
            Command::CurateSimple { key, offered } => w.curate_simple_indicator(&key, offered),
            Command::AddTableColumn(key) => {
                if !w.choice.table_columns.contains(&key) {
                    w.choice.table_columns.push(key);
                }
                w.refresh_table();
            }
            Command::RemoveTableColumn(key) => {
                w.choice.table_columns.retain(|k| *k != key);
                w.refresh_table();
            }
            Command::SetMapLayer(layer) => w.choice.layer = layer,
            Command::RunQuery => w.run_query(),
            Command::AdjustRegions(edit) => {
                if let Err(e) = w.adjust_regions(edit) {
                    w.session.error = Some(e.to_string());
                }
            }
            Command::SetDiagram(kind) => w.view.diagram = kind,
            Command::SetSecondIndicator(key) => w.choice.second_indicator = Some(key),
            Command::SetMode(mode) => {
                w.set_mode(mode);
                self.maximised = None;
            }
            Command::ToggleMode => {
                let other = match w.view.mode {
                    Mode::Expert => Mode::Simple,
                    Mode::Simple => Mode::Expert,
                };
                self.apply(ctx, Command::SetMode(other));
            }
            Command::Click { key, extend } => w.selection.click(&key, extend),
            Command::Hover(key) => w.selection.hover(&key),
            Command::ClearSelection => w.selection.clear(),
            Command::SelectGroup(name) => w.select_group(&name),
            Command::ShowPane(pane, true) => super::panes::reopen(&mut self.layout, pane),
            Command::ShowPane(pane, false) => {
                if let Some(tile) = self.layout.tiles.find_pane(&pane) {
                    self.layout.remove_recursively(tile);
                }
            }
            Command::ResetLayout => {
                self.layout = super::panes::default_layout();
                self.maximised = None;
            }
            Command::Maximise(pane) => self.maximised = pane,
            Command::ToggleMaximise => {
                self.maximised = match self.maximised {
                    Some(_) => None,
                    None => Some(Pane::Map),
                }
            }
            Command::Open(dialog) => self.open(dialog),
            Command::Run(work) => self.start(ctx, work),
            Command::Atlas(request) => self.atlas_requests.push(request),
            Command::Edit(edit) => self.history.apply(edit),
            Command::Undo => self.history.undo(),
            Command::Redo => self.history.redo(),
            Command::CopyRows => super::table::copy_rows(ctx, w, &self.table),
            Command::OpenBookmark(name) => self.open_bookmark(&name),
            Command::Present(name) => self.present(ctx, &name),
            Command::Slide(step) => self.step_slide(ctx, step),
            Command::EndPresentation => self.end_presentation(ctx),
            Command::FocusSearch => self.focus_search = true,
            Command::Quit => ctx.send_viewport_cmd(eframe::egui::ViewportCommand::Close),
        }
    }

    /// Starts long work as a job on its own connection to the atlas file.
    ///
    /// One job per kind at a time: a second run of the same kind while one runs is refused
    /// with a notice (the first is never orphaned; it can be cancelled in its window).
    fn start(&mut self, ctx: &eframe::egui::Context, work: Work) {
        let running = match &work {
            Work::Import(_) => self.import_job.as_ref().map(|j| j.title.clone()),
            Work::StatusDynamics(_) => self.job.as_ref().map(|j| j.title.clone()),
            Work::Analysis(_) => self.analysis_job.as_ref().map(|j| j.title.clone()),
            Work::Delete(_) => self.manage_job.as_ref().map(|j| j.title.clone()),
            Work::Profiles(..) => self.report_job.as_ref().map(|j| j.title.clone()),
            Work::StoryExport(..) => self.story_job.as_ref().map(|j| j.title.clone()),
            Work::Publish(_) => self.publish_job.as_ref().map(|j| j.title.clone()),
        };
        if let Some(title) = running {
            self.state.session.notice = Some(format!(
                "„{title}“ läuft noch; bitte das Ende abwarten oder im Fortschrittsfenster abbrechen"
            ));
            return;
        }
        let path = self.state.atlas.path().to_path_buf();
        let ctx = ctx.clone();
        match work {
            Work::Import(request) => {
                self.import_job = Some(Job::start(request.title(), path, ctx, move |atlas, progress| {
                    request.run(atlas, progress)
                }))
            }
            Work::StatusDynamics(request) => {
                self.job = Some(Job::start(
                    StatusDynamicsRequest::TITLE,
                    path,
                    ctx,
                    move |atlas, progress| request.run(atlas, progress),
                ))
            }
            Work::Analysis(request) => {
                self.analysis_job = Some(Job::start(request.title(), path, ctx, move |atlas, progress| {
                    request.run(atlas, progress)
                }))
            }
            Work::Delete(deletion) => {
                self.manage_job = Some(Job::start(
                    super::manage::Deletion::TITLE,
                    path,
                    ctx,
                    move |atlas, _| deletion.run(atlas),
                ))
            }
            Work::Publish(out) => {
                self.publish_job = Some(Job::start("Veröffentlichen", path, ctx, move |atlas, progress| {
                    Ok(quartier_core::publish::write_bundle(atlas, &out, progress)?)
                }))
            }
            Work::StoryExport(story, out, intern) => {
                self.story_job = Some(Job::start("Handout", path, ctx, move |atlas, progress| {
                    Ok(quartier_core::story::write_story(
                        atlas, &story, &out, intern, progress,
                    )?)
                }))
            }
            Work::Profiles(request, out) => {
                self.report_job = Some(Job::start("Quartiersprofile", path, ctx, move |atlas, progress| {
                    Ok(quartier_core::report::profiles::write_profiles(
                        atlas, &request, &out, progress,
                    )?)
                }))
            }
        }
    }

    fn open(&mut self, dialog: OpenDialog) {
        let w = &self.state;
        match dialog {
            OpenDialog::Import(kind) => self.import_dialog.open_for(kind, w),
            OpenDialog::StatusDynamics => self.status_dialog.open_for(w),
            OpenDialog::Analysis(dialog) => self.analyses.open(dialog, w),
            OpenDialog::SaveGroup => self.group_dialog.open = !w.selection.is_empty(),
            OpenDialog::Metadata(key) => self.metadata_dialog.open_for(w, &key),
            OpenDialog::Value(area) => self.value_dialog.open_for(w, &area),
            OpenDialog::Export(kind) => self.save_dialog.open_for(kind, w),
            OpenDialog::AreaReport => self.area_report.open_for(w),
            OpenDialog::AreaText => self.area_text_dialog.open_for(w),
            OpenDialog::SaveBookmark => {
                let view = self.current_view();
                self.bookmark_dialog.open_new(&self.state, view);
            }
            OpenDialog::EditBookmark(name, take_view) => {
                let view = take_view.then(|| self.current_view());
                let w = &self.state;
                match w
                    .atlas
                    .bookmark(&name)
                    .and_then(|b| Ok((w.atlas.bookmark_images(&name)?, b)))
                {
                    Ok((images, b)) => self.bookmark_dialog.open_existing(&b, images, view),
                    Err(e) => self.state.session.error = Some(e.to_string()),
                }
            }
            OpenDialog::Stories => self.stories_window.open = true,
            OpenDialog::Publish => self.publish_window.open_for(w),
            OpenDialog::StoryExport(name, format) => self.save_dialog.open_for_story(&name, format, w),
            OpenDialog::Settings => self.settings_dialog.open_with(&self.base_settings, self.english),
            OpenDialog::About => self.about_open = true,
            OpenDialog::Manage => self.manage_dialog.open_for(w),
            OpenDialog::Properties => self.properties_dialog.open_for(w),
        }
    }
}
