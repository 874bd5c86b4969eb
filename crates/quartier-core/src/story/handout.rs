//! The PDF handout of a story: a title page with the introduction, then one A4 landscape
//! page per bookmark: its name, the map at print quality (vector) on the left, the
//! interpretation text, the diagram and the images on the right, the caption below.

use std::fmt::Write as _;

use super::text::{parse, to_typst};
use super::Slide;
use crate::figure::typeset::{internal_marking, string_literal, Document};
use crate::Result;

/// What the title page (and the first slide) shows.
pub struct TitlePage {
    /// The story's title.
    pub story: String,
    /// Its introduction (Markdown).
    pub intro: String,
    /// The atlas's name (the municipality).
    pub atlas: String,
    /// Who wrote it.
    pub author: String,
    /// When it was last changed, German.
    pub date: String,
    /// The atlas's attribution.
    pub attribution: String,
}

impl TitlePage {
    /// "Berlin · 30.11.2026 · A. Planerin".
    pub fn byline(&self) -> String {
        [self.atlas.as_str(), self.date.as_str(), self.author.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// Sets the handout; the PDF bytes and the number of pages.
pub fn pdf(title: &TitlePage, slides: &[Slide], intern: bool) -> Result<(Vec<u8>, usize)> {
    let lit = |t: &str| string_literal(t);
    let marking = internal_marking(intern);
    let mut m = String::new();
    let _ = writeln!(
        m,
        "#set document(title: {t})\n#set text(font: \"DejaVu Sans\", size: 10pt, lang: \"de\")\n\
         #set par(justify: false, leading: 0.6em, spacing: 0.9em)\n\
         #set page(paper: \"a4\", flipped: true, margin: (x: 14mm, top: 16mm, bottom: 14mm), header: [{marking}],\n\
           footer: context [#set text(size: 7.5pt, fill: rgb(\"#555555\")); #{t} #h(1fr) Seite #counter(page).display() von #counter(page).final().first()])",
        t = lit(&title.story)
    );
    let _ = writeln!(
        m,
        "#v(1fr)#text(size: 28pt, weight: \"bold\")[#{}]\n#v(3mm)#text(size: 13pt)[#{}]\n#v(8mm)\
         #block(width: 70%)[#set text(size: 12pt)\n{}]\n#v(1fr)#text(size: 8pt)[#{}]",
        lit(&title.story),
        lit(&title.byline()),
        to_typst(&parse(&title.intro)),
        lit(&title.attribution),
    );
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, slide) in slides.iter().enumerate() {
        let _ = writeln!(
            m,
            "#pagebreak()\n#text(size: 17pt, weight: \"bold\")[#{}]\n#v(2mm)",
            lit(&slide.title)
        );
        let map = match &slide.map {
            Some(figure) => {
                let name = format!("karte-{i}.svg");
                let image = format!("#image({}, width: 100%)", lit(&name));
                files.push((name, figure.svg.clone().into_bytes()));
                image
            }
            None => format!(
                "#block(width: 100%, height: 60mm, fill: rgb(\"#f2f2f2\"), inset: 6mm)[#{}]",
                lit("Keine Karte: was dieses Lesezeichen zeigte, gibt es im Atlas nicht mehr.")
            ),
        };
        let mut right = to_typst(&parse(&slide.text));
        if !slide.missing.is_empty() {
            let _ = writeln!(
                right,
                "#block(fill: rgb(\"#fff3cd\"), inset: 3mm, width: 100%)[#text(size: 8.5pt)[#{}]]",
                lit(&format!("Nicht mehr im Atlas: {}.", slide.missing.join("; ")))
            );
        }
        if let Some(chart) = &slide.chart {
            let name = format!("diagramm-{i}.svg");
            let _ = writeln!(
                right,
                "#v(2mm)#image({}, width: 100%, height: 68mm, fit: \"contain\")",
                lit(&name)
            );
            files.push((name, chart.svg.clone().into_bytes()));
        }
        // The images side by side under the text, low enough to keep the page one page.
        if !slide.images.is_empty() {
            let mut cells = Vec::new();
            for (j, image) in slide.images.iter().enumerate() {
                let name = format!("bild-{i}-{j}.png");
                cells.push(format!(
                    "image({}, width: 100%, height: 38mm, fit: \"contain\")",
                    lit(&name)
                ));
                files.push((name, image.png.clone()));
            }
            let _ = writeln!(
                right,
                "#v(2mm)#grid(columns: {}, column-gutter: 2mm, {})",
                cells.len(),
                cells.join(", ")
            );
        }
        let _ = writeln!(
            m,
            "#grid(columns: (60%, 1fr), column-gutter: 7mm,\n[{map}\n#text(size: 7.5pt, fill: rgb(\"#444444\"))[#{}]],\n[{right}])",
            lit(&slide.caption.join(" · "))
        );
    }
    let mut document = Document::new(m);
    for (name, bytes) in files {
        document.add_file(&name, bytes);
    }
    document.pdf_with_pages()
}
