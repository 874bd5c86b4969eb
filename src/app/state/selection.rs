//! The one selection every pane shares, and the area under the pointer. Panes report clicks
//! and hovers as commands; the app applies them here after the frame.

use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};

/// The selected area keys, the hovered area, and what the panes reported this frame.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    keys: BTreeSet<String>,
    /// The area under the pointer in the last frame, highlighted in every pane.
    pub hovered: Option<String>,
    /// What the panes report this frame (shown from the next frame on).
    hovered_now: Option<String>,
}

impl Deref for Selection {
    type Target = BTreeSet<String>;

    fn deref(&self) -> &Self::Target {
        &self.keys
    }
}

impl DerefMut for Selection {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.keys
    }
}

impl Selection {
    /// A pane reports the area under the pointer.
    pub fn hover(&mut self, key: &str) {
        self.hovered_now = Some(key.to_string());
    }

    /// Starts a frame: what the panes reported last frame is what they highlight now, so
    /// that leaving an area ends its highlight.
    pub fn begin_frame(&mut self) {
        self.hovered = self.hovered_now.take();
    }

    /// Selects only this area, or adds/removes it with `extend`; clicking the only selected
    /// area again clears the selection.
    pub fn click(&mut self, key: &str, extend: bool) {
        if extend {
            if !self.keys.remove(key) {
                self.keys.insert(key.to_string());
            }
        } else if self.keys.len() == 1 && self.keys.contains(key) {
            self.keys.clear();
        } else {
            self.keys = BTreeSet::from([key.to_string()]);
        }
    }

    /// Selects exactly these areas (a saved group).
    pub fn set(&mut self, keys: BTreeSet<String>) {
        self.keys = keys;
    }

    /// Whether an area is selected or under the pointer.
    pub fn highlights(&self, key: &str) -> bool {
        self.keys.contains(key) || self.hovered.as_deref() == Some(key)
    }
}
