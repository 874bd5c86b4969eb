//! The dockable layout (egui_tiles): map, table and diagram as tabs that can be split, moved
//! by dragging their tab, closed, reopened from the "Ansicht" menu and maximised. The layout
//! is a serialisable tree, remembered per atlas by [`super::settings`].

use super::i18n::tr;
use eframe::egui;
use egui_tiles::{Container, Linear, LinearDir, SimplificationOptions, Tile, TileId, Tiles, Tree, UiResponse};
use serde::{Deserialize, Serialize};

use super::command::Command;
use super::map::{MapGeometry, View};
use super::state::Workbench;
use super::table::TableView;

/// The panes of the workbench.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Pane {
    /// The map.
    Map,
    /// The table.
    Table,
    /// The diagram.
    Diagram,
    /// SQL over the values, for analysts.
    Query,
}

impl Pane {
    /// All panes, in menu order.
    pub const ALL: [Pane; 4] = [Pane::Map, Pane::Table, Pane::Diagram, Pane::Query];

    /// The tab title.
    pub fn title(self) -> &'static str {
        view(self).title()
    }

    /// The stable name a bookmark stores: `map`, `table`, `diagram`.
    pub fn id(self) -> &'static str {
        match self {
            Pane::Map => "map",
            Pane::Table => "table",
            Pane::Diagram => "diagram",
            Pane::Query => "query",
        }
    }

    /// The pane a bookmark names.
    pub fn from_id(id: &str) -> Option<Pane> {
        Pane::ALL.into_iter().find(|p| p.id() == id)
    }
}

/// One kind of pane: the id the layout stores, the title on its tab, and how it draws. Each
/// lives in its own file (`map.rs`, `table.rs`, `diagram.rs`); [`REGISTERED`] lists them, and
/// the layout, the "Ansicht" menu and the tests read that list.
pub trait PaneView: Sync {
    /// Which pane this is.
    fn pane(&self) -> Pane;
    /// The tab title (German, English as a setting).
    fn title(&self) -> &'static str;
    /// Draws the pane's content. User actions go into `context.commands`; the pane reads the
    /// state but never queries the atlas itself.
    fn ui(&self, ui: &mut egui::Ui, context: &mut PaneContext<'_>);
}

/// The registered panes, in menu order.
pub static REGISTERED: [&dyn PaneView; 4] = [
    &super::map::MapPane,
    &super::table::TablePane,
    &super::diagram::DiagramPane,
    &super::query::QueryPaneView,
];

/// The registered view of a pane.
pub fn view(pane: Pane) -> &'static dyn PaneView {
    match REGISTERED.iter().find(|v| v.pane() == pane) {
        Some(v) => *v,
        None => REGISTERED[0],
    }
}

/// The layout a new atlas opens with: the map on the left (55 %), the table above the
/// diagram on the right.
pub fn default_layout() -> Tree<Pane> {
    let mut tiles = Tiles::default();
    let map = tiles.insert_pane(Pane::Map);
    let map = tiles.insert_tab_tile(vec![map]);
    let table = tiles.insert_pane(Pane::Table);
    let table = tiles.insert_tab_tile(vec![table]);
    let diagram = tiles.insert_pane(Pane::Diagram);
    let diagram = tiles.insert_tab_tile(vec![diagram]);
    let right = tiles.insert_container(Linear::new_binary(LinearDir::Vertical, [table, diagram], 0.5));
    let root = tiles.insert_container(Linear::new_binary(LinearDir::Horizontal, [map, right], 0.55));
    Tree::new(egui::Id::NULL.with("arbeitsflaeche"), root, tiles)
}

/// The layout for simple mode: map and table only.
pub fn simple_layout() -> Tree<Pane> {
    let mut tiles = Tiles::default();
    let map = tiles.insert_pane(Pane::Map);
    let map = tiles.insert_tab_tile(vec![map]);
    let table = tiles.insert_pane(Pane::Table);
    let table = tiles.insert_tab_tile(vec![table]);
    let root = tiles.insert_container(Linear::new_binary(LinearDir::Horizontal, [map, table], 0.6));
    Tree::new(egui::Id::NULL.with("arbeitsflaeche_einfach"), root, tiles)
}

/// Whether a pane is in the layout.
pub fn is_open(tree: &Tree<Pane>, pane: Pane) -> bool {
    tree.tiles.find_pane(&pane).is_some()
}

/// Puts a closed pane back, as a new tab group on the right of the layout.
pub fn reopen(tree: &mut Tree<Pane>, pane: Pane) {
    if is_open(tree, pane) {
        return;
    }
    let tile = tree.tiles.insert_pane(pane);
    let tabs = tree.tiles.insert_tab_tile(vec![tile]);
    match tree.root {
        Some(root) => {
            if let Some(Tile::Container(Container::Linear(linear))) = tree.tiles.get_mut(root) {
                if linear.dir == LinearDir::Horizontal {
                    linear.add_child(tabs);
                    return;
                }
            }
            let new_root = tree
                .tiles
                .insert_container(Linear::new(LinearDir::Horizontal, vec![root, tabs]));
            tree.root = Some(new_root);
        }
        None => tree.root = Some(tabs),
    }
}

/// What the panes draw with, lent for one frame.
pub struct PaneContext<'a> {
    /// The workbench state.
    pub state: &'a mut Workbench,
    /// The map's triangulated geometry.
    pub geometry: Option<&'a MapGeometry>,
    /// The map's pan and zoom.
    pub view: &'a mut View,
    /// The base map, if one is chosen.
    pub base: Option<&'a mut super::basemap::BaseMap>,
    /// The table's sorting and filter.
    pub table: &'a mut TableView,
    /// What the panes ask for, carried out after the frame.
    pub commands: &'a mut Vec<Command>,
}

impl PaneContext<'_> {
    /// Draws one pane's content.
    pub fn pane_content(&mut self, ui: &mut egui::Ui, pane: Pane) {
        view(pane).ui(ui, self);
    }
}

impl egui_tiles::Behavior<Pane> for PaneContext<'_> {
    fn pane_ui(&mut self, ui: &mut egui::Ui, _tile_id: TileId, pane: &mut Pane) -> UiResponse {
        egui::Frame::new()
            .inner_margin(4.0)
            .show(ui, |ui| self.pane_content(ui, *pane));
        UiResponse::None
    }

    fn tab_title_for_pane(&mut self, pane: &Pane) -> egui::WidgetText {
        pane.title().into()
    }

    fn is_tab_closable(&self, _tiles: &Tiles<Pane>, _tile_id: TileId) -> bool {
        true
    }

    fn top_bar_right_ui(
        &mut self,
        tiles: &Tiles<Pane>,
        ui: &mut egui::Ui,
        _tile_id: TileId,
        tabs: &egui_tiles::Tabs,
        _scroll_offset: &mut f32,
    ) {
        let active = tabs.active.and_then(|t| tiles.get_pane(&t)).copied();
        if let Some(pane) = active {
            if ui
                .small_button(tr("Maximieren"))
                .on_hover_text(format!("{} maximieren (F11)", pane.title()))
                .clicked()
            {
                self.commands.push(Command::Maximise(Some(pane)));
            }
        }
    }

    fn simplification_options(&self) -> SimplificationOptions {
        SimplificationOptions {
            all_panes_must_have_tabs: true,
            ..SimplificationOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_panes_come_back_and_the_layout_survives_a_round_trip() {
        let mut tree = default_layout();
        // Map, table and diagram from the start; the analysts' query pane when asked for.
        let shown = [Pane::Map, Pane::Table, Pane::Diagram];
        assert!(shown.iter().all(|p| is_open(&tree, *p)));
        assert!(!is_open(&tree, Pane::Query));
        reopen(&mut tree, Pane::Query);
        assert!(is_open(&tree, Pane::Query));
        let diagram = tree.tiles.find_pane(&Pane::Diagram);
        assert!(diagram.is_some());
        if let Some(tile) = diagram {
            tree.remove_recursively(tile);
        }
        assert!(!is_open(&tree, Pane::Diagram));
        reopen(&mut tree, Pane::Diagram);
        assert!(is_open(&tree, Pane::Diagram));
        reopen(&mut tree, Pane::Diagram);
        let count = tree
            .tiles
            .tiles()
            .filter(|t| matches!(t, Tile::Pane(Pane::Diagram)))
            .count();
        assert_eq!(count, 1, "reopening an open pane does not duplicate it");
        let json = serde_json::to_string(&tree).unwrap_or_default();
        let back: Tree<Pane> = serde_json::from_str(&json).unwrap_or_else(|_| Tree::empty(egui::Id::NULL.with("leer")));
        assert!(Pane::ALL.iter().all(|p| is_open(&back, *p)));
    }
}
