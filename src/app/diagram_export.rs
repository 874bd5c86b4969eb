//! Figures out of the app: the map and the diagram shown, as the engine draws them for print
//! ([`quartier_core::figure`]): the same classes and colours as on screen, suppressed unless
//! marked for internal use, as SVG, PNG at 300 dpi or PDF.

use quartier_core::figure::chart::{chart_figure, ChartKind, ChartRequest};
use quartier_core::figure::map::{map_figure, ClassStyle, MapRequest};
use quartier_core::figure::{Figure, Page};

use super::state::{DiagramKind, Workbench};

/// Which figure.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FigureKind {
    /// The map shown, as an A4 page.
    Map,
    /// The diagram shown.
    Diagram,
}

/// The classes and colours shown.
fn style(w: &Workbench) -> Result<ClassStyle, String> {
    Ok(ClassStyle {
        method: w.engine_method()?,
        classes: w.choice.classes,
        scheme: w.choice.scheme.clone(),
        reversed: w.choice.reversed,
    })
}

/// What the diagram pane shows, as a chart request.
pub fn chart_request(w: &Workbench, intern: bool) -> Result<ChartRequest, String> {
    let indicator = w.choice.indicator.clone().ok_or("Kein Indikator gewählt")?;
    let period = w.choice.period.clone().ok_or("Kein Zeitraum gewählt")?;
    let (kind, indicators) = match w.view.diagram {
        DiagramKind::Bars => (ChartKind::Bar, vec![indicator]),
        DiagramKind::Scatter => {
            let second = w
                .choice
                .second_indicator
                .clone()
                .ok_or("Für das Streudiagramm einen zweiten Indikator wählen")?;
            (ChartKind::Scatter, vec![indicator, second])
        }
        DiagramKind::TimeSeries => (ChartKind::Line, vec![indicator]),
        DiagramKind::AgeStructure => (ChartKind::Age, Vec::new()),
    };
    Ok(ChartRequest {
        kind,
        indicators,
        level: w.level_name().to_string(),
        period,
        areas: w.selection.iter().cloned().collect(),
        style: style(w)?,
        intern,
    })
}

/// What the map shows (classes, colours, facilities shown, columns), as a map request for an A4 page.
pub fn map_request(w: &Workbench, intern: bool) -> Result<MapRequest, String> {
    Ok(MapRequest {
        indicator: w.choice.indicator.clone().ok_or("Kein Indikator gewählt")?,
        level: w.level_name().to_string(),
        period: w.choice.period.clone().ok_or("Kein Zeitraum gewählt")?,
        style: style(w)?,
        page: Page::default(),
        labels: false,
        pois: w
            .shown
            .poi_layers
            .iter()
            .filter(|l| l.shown)
            .map(|l| l.category.clone())
            .collect(),
        columns: w.choice.column_indicator.clone(),
        intern,
    })
}

/// The figure, drawn by the engine.
pub fn figure(w: &Workbench, kind: FigureKind, intern: bool) -> Result<Figure, String> {
    match kind {
        FigureKind::Map => map_figure(&w.atlas, &map_request(w, intern)?)
            .map(|m| m.figure)
            .map_err(|e| e.to_string()),
        FigureKind::Diagram => chart_figure(&w.atlas, &chart_request(w, intern)?)
            .map(|c| c.figure)
            .map_err(|e| e.to_string()),
    }
}
