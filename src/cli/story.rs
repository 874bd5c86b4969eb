//! `quartier bookmark add|list` and `quartier story add|list|export`: bookmarks (a view of the
//! workbench with an interpretation text) and stories (bookmarks in order with an
//! introduction) scripted from the command line, e.g. one story per Bezirk; a story's
//! handout as PDF or PowerPoint, suppressed unless `--intern`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use quartier_core::export::protection_note;
use quartier_core::figure::chart::ChartKind;
use quartier_core::store::{Bookmark, BookmarkImage, BookmarkState, BookmarkView, Presentation, Story};
use quartier_core::story::write_story;

use super::common::{emit, invalid, keys, open, stderr_progress};
use super::Verb;

/// `quartier bookmark …`
#[derive(Debug, Subcommand)]
pub enum BookmarkCommand {
    /// Lesezeichen speichern: Ebene, Zeitraum, Indikator, Klassen, Auswahl, Diagramm und Text
    Add(Box<BookmarkAddArgs>),
    /// Die gespeicherten Lesezeichen zeigen
    List(ListArgs),
}

/// `quartier story …`
#[derive(Debug, Subcommand)]
pub enum StoryCommand {
    /// Story speichern: Lesezeichen in ihrer Reihenfolge mit einer Einleitung
    Add(StoryAddArgs),
    /// Die gespeicherten Storys zeigen (mit nicht freigegebenen Indikatoren)
    List(ListArgs),
    /// Story als Handout: PDF (eine Seite je Lesezeichen) oder PowerPoint (eine Folie je Lesezeichen)
    Export(StoryExportArgs),
}

/// The classification methods of a bookmark (the names the app stores).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BookmarkMethod {
    /// Gleiche Intervalle
    EqualInterval,
    /// Quantile
    Quantile,
    /// Natürliche Unterbrechungen (Jenks)
    Jenks,
    /// Standardabweichung
    Stddev,
    /// Runde Grenzen
    Pretty,
    /// Boxplot (Ausreißer)
    Boxplot,
    /// Eigene Grenzen (--breaks)
    Manual,
    /// Abweichung vom Gesamtstadtwert
    DivergingReference,
    /// Abweichung von null
    DivergingZero,
}

/// The diagram kinds of a bookmark.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiagramArg {
    /// Balken je Gebiet
    Bar,
    /// Streudiagramm (mit --second-indicator)
    Scatter,
    /// Zeitreihe
    Line,
    /// Altersstruktur
    Age,
}

/// `quartier bookmark add`
#[derive(Debug, Args)]
pub struct BookmarkAddArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Name des Lesezeichens (ein vorhandenes gleichen Namens wird ersetzt)
    #[arg(long)]
    pub name: String,
    /// Ebene
    #[arg(long)]
    pub level: String,
    /// Indikator der Karte
    #[arg(long)]
    pub indicator: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Ausgewählte Gebiete (Schlüssel)
    #[arg(long, value_delimiter = ',')]
    pub areas: Vec<String>,
    /// Klassifikation (ohne Angabe: die gespeicherte Darstellung des Indikators oder 6 gleiche Intervalle)
    #[arg(long, value_enum)]
    pub method: Option<BookmarkMethod>,
    /// Klassenanzahl
    #[arg(long, default_value_t = 5)]
    pub classes: usize,
    /// Eigene Grenzen (mit --method manual), deutsch geschrieben, durch Semikolon getrennt: „5; 10,5; 20“
    #[arg(long, default_value = "")]
    pub breaks: String,
    /// Farbschema (ColorBrewer-Name, z. B. YlOrRd, Blues, RdBu)
    #[arg(long)]
    pub scheme: Option<String>,
    /// Diagramm neben der Karte
    #[arg(long, value_enum)]
    pub diagram: Option<DiagramArg>,
    /// Zweiter Indikator (x-Achse des Streudiagramms)
    #[arg(long)]
    pub second_indicator: Option<String>,
    /// Einschätzungstext (Markdown: # Überschrift, **fett**, - Liste, [Text](https://…))
    #[arg(long, conflicts_with = "text_file")]
    pub text: Option<String>,
    /// Einschätzungstext aus einer Datei (UTF-8, Markdown)
    #[arg(long)]
    pub text_file: Option<PathBuf>,
    /// Bilder (PNG) zum Text, in dieser Reihenfolge (mehrfach)
    #[arg(long)]
    pub image: Vec<PathBuf>,
    /// Verfasserin und Freigabe
    #[command(flatten)]
    pub by: Authorship,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `--author NAME --public`, shared by bookmarks and stories.
#[derive(Debug, Args)]
pub struct Authorship {
    /// Verfasserin oder Verfasser
    #[arg(long, default_value = "")]
    pub author: String,
    /// Zur Veröffentlichung freigeben
    #[arg(long)]
    pub public: bool,
}

/// `quartier bookmark list` and `quartier story list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier story add`
#[derive(Debug, Args)]
pub struct StoryAddArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Titel der Story (eine vorhandene gleichen Namens wird ersetzt)
    #[arg(long)]
    pub name: String,
    /// Lesezeichen in der Reihenfolge der Story
    #[arg(long, value_delimiter = ',', required = true)]
    pub bookmarks: Vec<String>,
    /// Einleitung (Markdown)
    #[arg(long, default_value = "")]
    pub intro: String,
    /// Verfasserin und Freigabe
    #[command(flatten)]
    pub by: Authorship,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier story export`
#[derive(Debug, Args)]
pub struct StoryExportArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Die Story
    #[arg(long)]
    pub story: String,
    /// Zieldatei (.pdf oder .pptx)
    #[arg(long)]
    pub out: PathBuf,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür auf jeder Seite als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for BookmarkCommand {
    fn run(self) -> Result<()> {
        match self {
            BookmarkCommand::Add(a) => a.run(),
            BookmarkCommand::List(a) => {
                let atlas = open(&a.atlas)?;
                /// What `bookmark list` prints.
                #[derive(serde::Serialize)]
                struct Bookmarks {
                    bookmarks: Vec<Bookmark>,
                }
                let list = Bookmarks {
                    bookmarks: atlas.bookmarks()?,
                };
                emit(a.json, &list, |l| {
                    if l.bookmarks.is_empty() {
                        println!("Keine Lesezeichen gespeichert.");
                    }
                    for b in &l.bookmarks {
                        println!(
                            "„{}“: {} – {}, {}{}{}",
                            b.name,
                            b.view.level,
                            b.view.indicators.join(", "),
                            b.view.period,
                            if b.author.is_empty() {
                                String::new()
                            } else {
                                format!(" · {}", b.author)
                            },
                            if b.public { " · öffentlich" } else { "" }
                        );
                    }
                })
            }
        }
    }
}

impl Verb for BookmarkAddArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        // Everything named must exist: a bookmark of a typo would open as an empty view.
        let level = atlas.level(&self.level)?;
        atlas.indicator(&self.indicator)?;
        atlas.period(&self.period)?;
        if let Some(second) = &self.second_indicator {
            atlas.indicator(second)?;
        }
        let areas = keys(&self.areas);
        let known = atlas.level_areas(level.id)?;
        if let Some(unknown) = areas.iter().find(|k| !known.iter().any(|a| *a.key == ***k)) {
            return Err(invalid(format!(
                "Gebiet „{unknown}“ gibt es auf Ebene „{}“ nicht",
                level.name
            )));
        }
        let presentation = self.method.map(|m| Presentation {
            method: Presentation::METHODS[m as usize].to_string(),
            classes: self.classes,
            manual_breaks: self.breaks.clone(),
            scheme: self.scheme.clone().unwrap_or_default(),
            reversed: false,
        });
        if let Some(p) = &presentation {
            // Refuse unreadable breaks now, not when the bookmark is opened.
            p.method(Some(0.0))?;
        }
        let diagram = self.diagram.map(|d| match d {
            DiagramArg::Bar => ChartKind::Bar,
            DiagramArg::Scatter => ChartKind::Scatter,
            DiagramArg::Line => ChartKind::Line,
            DiagramArg::Age => ChartKind::Age,
        });
        if diagram == Some(ChartKind::Scatter) && self.second_indicator.is_none() {
            return Err(invalid("--diagram scatter braucht --second-indicator (die x-Achse)"));
        }
        let mut panes = vec!["map".to_string(), "table".to_string()];
        if diagram.is_some() {
            panes.push("diagram".to_string());
        }
        let view = BookmarkView {
            level: level.name.clone(),
            period: self.period.clone(),
            indicators: vec![self.indicator.clone()],
            presentation,
            areas,
            diagram,
            second_indicator: self.second_indicator.clone(),
            panes,
            ..BookmarkView::default()
        };
        let text = match (&self.text, &self.text_file) {
            (Some(t), _) => t.clone(),
            (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| quartier_core::Error::io(f, e))?,
            (None, None) => String::new(),
        };
        let images = self
            .image
            .iter()
            .map(|f| {
                let bytes = std::fs::read(f).map_err(|e| quartier_core::Error::io(f, e))?;
                let name = f.file_name().map_or(String::new(), |n| n.to_string_lossy().to_string());
                Ok(BookmarkImage::new(&name, bytes)?)
            })
            .collect::<Result<Vec<_>>>()?;
        // One transaction: a bookmark replaced keeps its places in stories and, without
        // --image, its images.
        let name = self.name.trim().to_string();
        let before = atlas.bookmark_state(&name)?;
        let replaced = before.is_some();
        let (created, kept_images, stories) = before
            .map(|b| (b.bookmark.created, b.images, b.stories))
            .unwrap_or_default();
        let images = if self.image.is_empty() { kept_images } else { images };
        let state = BookmarkState {
            bookmark: Bookmark {
                name: name.clone(),
                view,
                text: text.trim().to_string(),
                author: self.by.author.clone(),
                created,
                updated: String::new(),
                public: self.by.public,
                images: images.iter().map(|i| i.name.clone()).collect(),
            },
            images,
            stories,
        };
        atlas.put_bookmark(&name, Some(&state))?;
        let saved = atlas.bookmark(&name)?;
        /// What `bookmark add` prints.
        #[derive(serde::Serialize)]
        struct Added {
            bookmark: Bookmark,
            replaced: bool,
        }
        emit(
            self.json,
            &Added {
                bookmark: saved,
                replaced,
            },
            |a| {
                println!(
                    "Lesezeichen „{}“ {}",
                    a.bookmark.name,
                    if a.replaced { "ersetzt" } else { "gespeichert" }
                )
            },
        )
    }
}

/// A story with the indicators it shows that are not released for publication.
#[derive(serde::Serialize)]
struct ListedStory {
    #[serde(flatten)]
    story: Story,
    unreleased: Vec<String>,
}

impl Verb for StoryCommand {
    fn run(self) -> Result<()> {
        match self {
            StoryCommand::Add(a) => {
                let mut atlas = open(&a.atlas)?;
                let bookmarks = keys(&a.bookmarks);
                let name = a.name.trim().to_string();
                let before = atlas.story(&name).ok();
                let replaced = before.is_some();
                let story = Story {
                    name: name.clone(),
                    intro: a.intro.trim().to_string(),
                    bookmarks,
                    author: a.by.author.clone(),
                    created: before.map(|b| b.created).unwrap_or_default(),
                    updated: String::new(),
                    public: a.by.public,
                };
                atlas.put_story(&name, Some(&story))?;
                let story = atlas.story(&name)?;
                let unreleased = atlas.unreleased_in_story(&story)?;
                /// What `story add` prints.
                #[derive(serde::Serialize)]
                struct Added {
                    story: ListedStory,
                    replaced: bool,
                }
                let added = Added {
                    story: ListedStory { story, unreleased },
                    replaced,
                };
                emit(a.json, &added, |a| {
                    println!(
                        "Story „{}“ {} ({} Lesezeichen)",
                        a.story.story.name,
                        if a.replaced { "ersetzt" } else { "gespeichert" },
                        a.story.story.bookmarks.len()
                    );
                    if a.story.story.public && !a.story.unreleased.is_empty() {
                        println!(
                            "Achtung: öffentlich, zeigt aber nicht freigegebene Indikatoren: {}",
                            a.story.unreleased.join(", ")
                        );
                    }
                })
            }
            StoryCommand::List(a) => {
                let atlas = open(&a.atlas)?;
                let mut stories = Vec::new();
                for story in atlas.stories()? {
                    let unreleased = atlas.unreleased_in_story(&story)?;
                    stories.push(ListedStory { story, unreleased });
                }
                /// What `story list` prints.
                #[derive(serde::Serialize)]
                struct Stories {
                    stories: Vec<ListedStory>,
                }
                emit(a.json, &Stories { stories }, |l| {
                    if l.stories.is_empty() {
                        println!("Keine Storys gespeichert.");
                    }
                    for s in &l.stories {
                        println!(
                            "„{}“: {}{}{}",
                            s.story.name,
                            s.story.bookmarks.join(" → "),
                            if s.story.public { " · öffentlich" } else { "" },
                            if s.unreleased.is_empty() {
                                String::new()
                            } else {
                                format!(" · nicht freigegeben: {}", s.unreleased.join(", "))
                            }
                        );
                    }
                })
            }
            StoryCommand::Export(a) => {
                let atlas = open(&a.atlas)?;
                let written = write_story(&atlas, &a.story, &a.out, a.intern, &stderr_progress(!a.json))?;
                emit(a.json, &written, |w| {
                    println!(
                        "{}: Story „{}“, {} Seiten{}",
                        w.file,
                        w.story,
                        w.pages,
                        protection_note(w.intern, w.suppressed_cells)
                    );
                    for m in &w.missing {
                        println!("Hinweis: {m}");
                    }
                })
            }
        }
    }
}
