//! The interpretation text of bookmarks and stories: Markdown with the little formatting a
//! committee paper needs (headings `#`, bold `**…**`, italic `*…*`, lists `-` and `1.`,
//! links `[Text](https://…)`), read once by `pulldown-cmark` into [`Block`]s that the
//! screen, the PDF (Typst markup, [`to_typst`]) and the PowerPoint slides draw. Anything
//! else (code, HTML, tables, images in the text) is kept as plain text: nothing a planner
//! typed is lost.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// A run of text with one formatting.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Span {
    /// The text.
    pub text: String,
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// The address it links to.
    pub link: Option<String>,
}

/// A block of the text (in the public bundle: `{"heading": [level, spans]}`,
/// `{"paragraph": spans}`, `{"item": {"number", "spans"}}`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// A heading of level 1 to 3 (deeper ones count as 3).
    Heading(u8, Vec<Span>),
    /// A paragraph.
    Paragraph(Vec<Span>),
    /// A list item; `number` for numbered lists.
    Item {
        /// The item's number in a numbered list.
        number: Option<u64>,
        /// Its text.
        spans: Vec<Span>,
    },
}

impl Block {
    /// The block's runs.
    pub fn spans(&self) -> &[Span] {
        match self {
            Block::Heading(_, s) | Block::Paragraph(s) | Block::Item { spans: s, .. } => s,
        }
    }

    /// The block's plain text.
    pub fn plain(&self) -> String {
        self.spans().iter().map(|s| s.text.as_str()).collect()
    }
}

/// Reads the text into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let (mut bold, mut italic) = (0usize, 0usize);
    let mut link: Option<String> = None;
    // The numbers of the open lists (`None`: bullets).
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut heading: Option<u8> = None;
    let mut in_item: Option<Option<u64>> = None;
    let push = |spans: &mut Vec<Span>, text: &str, bold: usize, italic: usize, link: &Option<String>| {
        if text.is_empty() {
            return;
        }
        match spans.last_mut() {
            Some(last) if last.bold == (bold > 0) && last.italic == (italic > 0) && last.link == *link => {
                last.text.push_str(text)
            }
            _ => spans.push(Span {
                text: text.to_string(),
                bold: bold > 0,
                italic: italic > 0,
                link: link.clone(),
            }),
        }
    };
    let flush = |spans: &mut Vec<Span>, blocks: &mut Vec<Block>, heading: Option<u8>, item: Option<Option<u64>>| {
        if let Some(last) = spans.last_mut() {
            let trimmed = last.text.trim_end().len();
            last.text.truncate(trimmed);
        }
        spans.retain(|s| !s.text.is_empty());
        if spans.is_empty() {
            return;
        }
        let spans = std::mem::take(spans);
        blocks.push(match (heading, item) {
            (Some(level), _) => Block::Heading(level, spans),
            (None, Some(number)) => Block::Item { number, spans },
            (None, None) => Block::Paragraph(spans),
        });
    };
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut spans, &mut blocks, heading, in_item);
                heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                flush(&mut spans, &mut blocks, heading, in_item);
                heading = None;
            }
            Event::Start(Tag::List(first)) => {
                flush(&mut spans, &mut blocks, heading, in_item);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut spans, &mut blocks, heading, in_item);
                let number = lists.last_mut().and_then(|n| {
                    let current = *n;
                    if let Some(k) = n {
                        *k += 1;
                    }
                    current
                });
                in_item = Some(number);
            }
            Event::End(TagEnd::Item) => {
                flush(&mut spans, &mut blocks, heading, in_item);
                in_item = None;
            }
            Event::Start(Tag::Paragraph) if in_item.is_none() => flush(&mut spans, &mut blocks, heading, in_item),
            Event::End(TagEnd::Paragraph) => {
                if in_item.is_none() {
                    flush(&mut spans, &mut blocks, heading, in_item);
                } else {
                    push(&mut spans, " ", bold, italic, &link);
                }
            }
            Event::Start(Tag::Strong) => bold += 1,
            Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
            Event::Start(Tag::Emphasis) => italic += 1,
            Event::End(TagEnd::Emphasis) => italic = italic.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => link = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => link = None,
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                push(&mut spans, &t, bold, italic, &link)
            }
            Event::SoftBreak | Event::HardBreak => push(&mut spans, " ", bold, italic, &link),
            Event::End(TagEnd::CodeBlock | TagEnd::BlockQuote(_) | TagEnd::HtmlBlock) => {
                flush(&mut spans, &mut blocks, heading, in_item)
            }
            _ => {}
        }
    }
    flush(&mut spans, &mut blocks, heading, in_item);
    blocks
}

/// Typst markup for a text run: escaped, bold, italic, linked.
fn span_typst(span: &Span) -> String {
    let mut out = format!("#{}", crate::figure::typeset::string_literal(&span.text));
    if span.bold {
        out = format!("#strong[{out}]");
    }
    if span.italic {
        out = format!("#emph[{out}]");
    }
    if let Some(link) = &span.link {
        out = format!(
            "#link({})[#underline[{out}]]",
            crate::figure::typeset::string_literal(link)
        );
    }
    out
}

/// Typst markup for the blocks: headings as bold text of three sizes (no numbering, no
/// outline entries), paragraphs, list items with their bullet or number.
pub fn to_typst(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        let spans: String = block.spans().iter().map(span_typst).collect();
        match block {
            Block::Heading(level, _) => {
                let size = match level {
                    1 => "1.35em",
                    2 => "1.2em",
                    _ => "1.05em",
                };
                out.push_str(&format!(
                    "#block(above: 1em, below: 0.5em)[#text(size: {size}, weight: \"bold\")[{spans}]]\n"
                ));
            }
            Block::Paragraph(_) => out.push_str(&format!("#par[{spans}]\n")),
            Block::Item { number, .. } => {
                let marker = match number {
                    Some(n) => format!("{n}."),
                    None => "•".to_string(),
                };
                out.push_str(&format!(
                    "#grid(columns: (1.2em, 1fr), column-gutter: 0.2em, [#{}], [{spans}])\n",
                    crate::figure::typeset::string_literal(&marker)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_bold_lists_and_links_are_read_and_nothing_typed_is_lost() {
        let blocks = parse(
            "# Kinderarmut\n\nIn **Neukölln** liegt der Anteil *deutlich* über dem Berliner Wert.\n\n\
             - erster Punkt\n- zweiter [Quelle](https://www.statistik-berlin-brandenburg.de)\n\n\
             1. eins\n2. zwei\n\n`SGB II` <b>roh</b>",
        );
        assert_eq!(
            blocks[0],
            Block::Heading(
                1,
                vec![Span {
                    text: "Kinderarmut".into(),
                    ..Span::default()
                }]
            )
        );
        let Block::Paragraph(p) = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert_eq!(p[1].text, "Neukölln");
        assert!(p[1].bold && !p[0].bold);
        assert!(p[3].italic);
        assert_eq!(blocks[2].plain(), "erster Punkt");
        assert!(matches!(blocks[2], Block::Item { number: None, .. }));
        let link = blocks[3]
            .spans()
            .iter()
            .find(|s| s.link.is_some())
            .map(|s| s.text.clone());
        assert_eq!(link.as_deref(), Some("Quelle"));
        assert!(matches!(blocks[4], Block::Item { number: Some(1), .. }));
        assert!(matches!(blocks[5], Block::Item { number: Some(2), .. }));
        assert_eq!(blocks[6].plain(), "SGB II <b>roh</b>");
        let typst = to_typst(&blocks);
        assert!(typst.contains("#strong[#\"Neukölln\"]"), "{typst}");
        assert!(
            typst.contains("#link(\"https://www.statistik-berlin-brandenburg.de\")"),
            "{typst}"
        );
    }
}
