//! A story as a PowerPoint deck (Office Open XML, 16:9): a title slide with the
//! introduction, then one slide per bookmark with the map (and diagram, images) as PNG
//! pictures and the title, the interpretation text and the caption as editable text boxes.
//! The title is the layout's title placeholder, so a municipality's template applied in
//! PowerPoint or Impress restyles it.
//!
//! Only the parts a deck needs are written (content types, presentation, one master, one
//! layout, a theme, the slides, their pictures and links); see the closing note of the
//! stories issue for why this is not `ppt-rs`.

use std::fmt::Write as _;
use std::io::Write as _;

use super::handout::TitlePage;
use super::text::{parse, Block};
use super::Slide;
use crate::figure::{render_png, Figure};
use crate::{Error, Result};

/// EMU per millimetre.
const MM: f64 = 36_000.0;
/// The slide: 16:9, 338.67 × 190.5 mm.
const SLIDE_W: i64 = 12_192_000;
const SLIDE_H: i64 = 6_858_000;
/// The resolution of the pictures (a projector needs less; a printed handout this).
const DPI: f64 = 200.0;

const NS: &str = r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main""#;
const REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn emu(mm: f64) -> i64 {
    (mm * MM).round() as i64
}

/// A rectangle in millimetres: x, y, width, height.
#[derive(Clone, Copy)]
struct Frame(f64, f64, f64, f64);

impl Frame {
    fn xfrm(self) -> String {
        format!(
            "<a:xfrm><a:off x=\"{}\" y=\"{}\"/><a:ext cx=\"{}\" cy=\"{}\"/></a:xfrm>",
            emu(self.0),
            emu(self.1),
            emu(self.2),
            emu(self.3)
        )
    }

    /// The largest frame of the aspect `w : h` inside this one, centred at the top.
    fn fit(self, w: f64, h: f64) -> Frame {
        let scale = (self.2 / w).min(self.3 / h);
        let (fw, fh) = (w * scale, h * scale);
        Frame(self.0 + (self.2 - fw) / 2.0, self.1, fw, fh)
    }
}

/// One slide being written: its shapes and its relationships.
struct SlideXml {
    shapes: String,
    rels: Vec<(String, String, bool)>,
    next_id: usize,
}

/// A paragraph: runs of (text, bold, italic, link) with a bullet or number.
struct Para {
    runs: Vec<(String, bool, bool, Option<String>)>,
    size: f64,
    bold: bool,
    bullet: Option<Option<u64>>,
    colour: Option<&'static str>,
}

impl Para {
    fn plain(text: &str, size: f64) -> Self {
        Para {
            runs: vec![(text.to_string(), false, false, None)],
            size,
            bold: false,
            bullet: None,
            colour: None,
        }
    }
}

/// The paragraphs of a Markdown text at a base size.
fn paragraphs(text: &str, size: f64) -> Vec<Para> {
    parse(text)
        .iter()
        .map(|block| {
            let runs = block
                .spans()
                .iter()
                .map(|s| (s.text.clone(), s.bold, s.italic, s.link.clone()))
                .collect();
            match block {
                Block::Heading(level, _) => Para {
                    runs,
                    size: size * if *level == 1 { 1.3 } else { 1.15 },
                    bold: true,
                    bullet: None,
                    colour: None,
                },
                Block::Paragraph(_) => Para {
                    runs,
                    size,
                    bold: false,
                    bullet: None,
                    colour: None,
                },
                Block::Item { number, .. } => Para {
                    runs,
                    size,
                    bold: false,
                    bullet: Some(*number),
                    colour: None,
                },
            }
        })
        .collect()
}

impl SlideXml {
    fn new() -> Self {
        SlideXml {
            shapes: String::new(),
            rels: vec![(
                format!("{REL}/slideLayout"),
                "../slideLayouts/slideLayout1.xml".to_string(),
                false,
            )],
            next_id: 2,
        }
    }

    fn rel(&mut self, kind: &str, target: String, external: bool) -> String {
        self.rels.push((format!("{REL}/{kind}"), target, external));
        format!("rId{}", self.rels.len())
    }

    fn id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id - 1
    }

    /// A text box (or, with `title`, the layout's title placeholder).
    fn text_box(&mut self, name: &str, frame: Frame, paras: &[Para], title: bool) {
        let id = self.id();
        let nv = if title {
            "<p:cNvSpPr><a:spLocks noGrp=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"title\"/></p:nvPr>"
        } else {
            "<p:cNvSpPr txBox=\"1\"/><p:nvPr/>"
        };
        let mut body = String::new();
        for para in paras {
            let ppr = match para.bullet {
                Some(Some(_)) => {
                    "<a:pPr marL=\"342900\" indent=\"-342900\"><a:buFont typeface=\"+mj-lt\"/><a:buAutoNum type=\"arabicPeriod\"/></a:pPr>"
                }
                Some(None) => {
                    "<a:pPr marL=\"285750\" indent=\"-285750\"><a:buFont typeface=\"Arial\"/><a:buChar char=\"•\"/></a:pPr>"
                }
                None => "<a:pPr><a:buNone/></a:pPr>",
            };
            let _ = write!(body, "<a:p>{ppr}");
            for (text, bold, italic, link) in &para.runs {
                let link = match link {
                    Some(url) => {
                        let id = self.rel("hyperlink", url.clone(), true);
                        format!("<a:hlinkClick r:id=\"{id}\"/>")
                    }
                    None => String::new(),
                };
                let fill = para
                    .colour
                    .map(|c| format!("<a:solidFill><a:srgbClr val=\"{c}\"/></a:solidFill>"))
                    .unwrap_or_default();
                let _ = write!(
                    body,
                    "<a:r><a:rPr lang=\"de-DE\" sz=\"{}\" b=\"{}\" i=\"{}\" dirty=\"0\">{fill}<a:latin typeface=\"DejaVu Sans\"/>{link}</a:rPr><a:t>{}</a:t></a:r>",
                    (para.size * 100.0).round() as i64,
                    u8::from(*bold || para.bold),
                    u8::from(*italic),
                    xml_escape(text)
                );
            }
            let _ = write!(
                body,
                "<a:endParaRPr lang=\"de-DE\" sz=\"{}\" dirty=\"0\"/></a:p>",
                (para.size * 100.0).round() as i64
            );
        }
        if paras.is_empty() {
            body.push_str("<a:p><a:endParaRPr lang=\"de-DE\" dirty=\"0\"/></a:p>");
        }
        let _ = write!(
            self.shapes,
            "<p:sp><p:nvSpPr><p:cNvPr id=\"{id}\" name=\"{}\"/>{nv}</p:nvSpPr><p:spPr>{}<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom><a:noFill/></p:spPr>\
             <p:txBody><a:bodyPr wrap=\"square\" lIns=\"0\" tIns=\"0\" rIns=\"0\" bIns=\"0\" anchor=\"t\"><a:normAutofit/></a:bodyPr><a:lstStyle/>{body}</p:txBody></p:sp>",
            xml_escape(name),
            frame.xfrm()
        );
    }

    /// A picture from PNG bytes, `media` its file name in the deck.
    fn picture(&mut self, name: &str, media: &str, frame: Frame) {
        let id = self.id();
        let rel = self.rel("image", format!("../media/{media}"), false);
        let _ = write!(
            self.shapes,
            "<p:pic><p:nvPicPr><p:cNvPr id=\"{id}\" name=\"{0}\" descr=\"{0}\"/><p:cNvPicPr><a:picLocks noChangeAspect=\"1\"/></p:cNvPicPr><p:nvPr/></p:nvPicPr>\
             <p:blipFill><a:blip r:embed=\"{rel}\"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>\
             <p:spPr>{1}<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></p:spPr></p:pic>",
            xml_escape(name),
            frame.xfrm()
        );
    }

    fn xml(&self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:sld {NS}><p:cSld><p:spTree>{}{}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>",
            GROUP,
            self.shapes
        )
    }

    fn rels_xml(&self) -> String {
        rels(&self.rels)
    }
}

const GROUP: &str = "<p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/><a:chOff x=\"0\" y=\"0\"/><a:chExt cx=\"0\" cy=\"0\"/></a:xfrm></p:grpSpPr>";

fn rels(list: &[(String, String, bool)]) -> String {
    let mut out =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"{REL_NS}\">");
    for (i, (kind, target, external)) in list.iter().enumerate() {
        let _ = write!(
            out,
            "<Relationship Id=\"rId{}\" Type=\"{kind}\" Target=\"{}\"{}/>",
            i + 1,
            xml_escape(target),
            if *external { " TargetMode=\"External\"" } else { "" }
        );
    }
    out.push_str("</Relationships>");
    out
}

/// The marking of an internal deck, top right in red.
fn marking(slide: &mut SlideXml, intern: bool) {
    if intern {
        let mut para = Para::plain(crate::export::INTERNAL_MARKING, 11.0);
        para.bold = true;
        para.colour = Some("B40000");
        slide.text_box("Vermerk", Frame(12.0, 2.0, 314.0, 6.0), &[para], false);
    }
}

/// Writes the deck; the PPTX bytes.
pub fn pptx(title: &TitlePage, slides: &[Slide], intern: bool) -> Result<Vec<u8>> {
    let mut media: Vec<(String, Vec<u8>)> = Vec::new();
    let mut parts: Vec<SlideXml> = Vec::new();
    let total = slides.len() + 1;

    // The title slide.
    let mut first = SlideXml::new();
    marking(&mut first, intern);
    let mut heading = Para::plain(&title.story, 36.0);
    heading.bold = true;
    first.text_box("Titel", Frame(20.0, 40.0, 298.0, 30.0), &[heading], true);
    first.text_box(
        "Untertitel",
        Frame(20.0, 72.0, 298.0, 10.0),
        &[Para::plain(&title.byline(), 18.0)],
        false,
    );
    first.text_box(
        "Einleitung",
        Frame(20.0, 88.0, 298.0, 80.0),
        &paragraphs(&title.intro, 18.0),
        false,
    );
    if !title.attribution.is_empty() {
        let mut note = Para::plain(&title.attribution, 10.0);
        note.colour = Some("555555");
        first.text_box("Quellen", Frame(20.0, 172.0, 298.0, 12.0), &[note], false);
    }
    parts.push(first);

    for (i, s) in slides.iter().enumerate() {
        let mut slide = SlideXml::new();
        marking(&mut slide, intern);
        let mut heading = Para::plain(&s.title, 28.0);
        heading.bold = true;
        slide.text_box("Titel", Frame(12.0, 8.0, 314.0, 16.0), &[heading], true);
        let mut add_picture = |slide: &mut SlideXml, name: &str, png: Vec<u8>, w: f64, h: f64, frame: Frame| {
            let file = format!("bild{}.png", media.len() + 1);
            slide.picture(name, &file, frame.fit(w, h));
            media.push((file, png));
        };
        match &s.map {
            Some(map) => {
                let (png, w, h) = picture(map)?;
                add_picture(&mut slide, "Karte", png, w, h, Frame(12.0, 27.0, 190.0, 137.0));
            }
            None => {
                let mut note = Para::plain(
                    "Keine Karte: was dieses Lesezeichen zeigte, gibt es im Atlas nicht mehr.",
                    16.0,
                );
                note.colour = Some("555555");
                slide.text_box("Hinweis", Frame(12.0, 27.0, 190.0, 30.0), &[note], false);
            }
        }
        let mut pictures: Vec<(String, Vec<u8>, f64, f64)> = Vec::new();
        if let Some(chart) = &s.chart {
            let (png, w, h) = picture(chart)?;
            pictures.push(("Diagramm".to_string(), png, w, h));
        }
        for image in &s.images {
            let pixmap = resvg::tiny_skia::Pixmap::decode_png(&image.png)
                .map_err(|e| Error::Invalid(format!("Bild „{}“ nicht lesbar: {e}", image.name)))?;
            pictures.push((
                image.name.clone(),
                image.png.clone(),
                f64::from(pixmap.width()),
                f64::from(pixmap.height()),
            ));
        }
        let mut text = paragraphs(&s.text, 16.0);
        if !s.missing.is_empty() {
            let mut note = Para::plain(&format!("Nicht mehr im Atlas: {}.", s.missing.join("; ")), 12.0);
            note.colour = Some("8A5A00");
            text.push(note);
        }
        let text_height = if pictures.is_empty() { 137.0 } else { 72.0 };
        slide.text_box("Text", Frame(210.0, 27.0, 116.0, text_height), &text, false);
        if !pictures.is_empty() {
            let width = 116.0 / pictures.len() as f64;
            for (j, (name, png, w, h)) in pictures.into_iter().enumerate() {
                let frame = Frame(210.0 + j as f64 * width, 102.0, width - 2.0, 62.0);
                add_picture(&mut slide, &name, png, w, h, frame);
            }
        }
        let mut caption = Para::plain(&s.caption.join(" · "), 9.0);
        caption.colour = Some("444444");
        slide.text_box("Bildunterschrift", Frame(12.0, 167.0, 280.0, 18.0), &[caption], false);
        let mut counter = Para::plain(&format!("{} / {total}", i + 2), 10.0);
        counter.colour = Some("555555");
        slide.text_box("Foliennummer", Frame(300.0, 178.0, 26.0, 6.0), &[counter], false);
        parts.push(slide);
    }
    package(title, &parts, &media).map_err(|e| Error::Invalid(format!("PowerPoint-Datei nicht geschrieben: {e}")))
}

/// A figure as PNG with its size in millimetres.
fn picture(figure: &Figure) -> Result<(Vec<u8>, f64, f64)> {
    let (png, _, _) = render_png(figure, DPI)?;
    Ok((png, figure.width_mm, figure.height_mm))
}

/// The zip with every part.
fn package(title: &TitlePage, slides: &[SlideXml], media: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let put = |zip: &mut zip::ZipWriter<std::io::Cursor<Vec<u8>>>, name: &str, bytes: &[u8], compress: bool| {
        zip.start_file(name, if compress { options } else { stored })
            .map_err(std::io::Error::other)?;
        zip.write_all(bytes)
    };
    let header = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
    let mut types = format!(
        "{header}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Default Extension=\"png\" ContentType=\"image/png\"/>\
         <Override PartName=\"/ppt/presentation.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml\"/>\
         <Override PartName=\"/ppt/slideMasters/slideMaster1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.presentationml.slideMaster+xml\"/>\
         <Override PartName=\"/ppt/slideLayouts/slideLayout1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml\"/>\
         <Override PartName=\"/ppt/theme/theme1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.theme+xml\"/>\
         <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
         <Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
    );
    for i in 1..=slides.len() {
        let _ = write!(
            types,
            "<Override PartName=\"/ppt/slides/slide{i}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.presentationml.slide+xml\"/>"
        );
    }
    types.push_str("</Types>");
    put(&mut zip, "[Content_Types].xml", types.as_bytes(), true)?;
    let root_rels = rels(&[
        (format!("{REL}/officeDocument"), "ppt/presentation.xml".into(), false),
        (
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties".into(),
            "docProps/core.xml".into(),
            false,
        ),
        (format!("{REL}/extended-properties"), "docProps/app.xml".into(), false),
    ]);
    put(&mut zip, "_rels/.rels", root_rels.as_bytes(), true)?;
    let core = format!(
        "{header}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator>\
         <dc:language>de-DE</dc:language></cp:coreProperties>",
        xml_escape(&title.story),
        xml_escape(&title.author)
    );
    put(&mut zip, "docProps/core.xml", core.as_bytes(), true)?;
    let app = format!(
        "{header}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">\
         <Application>Quartier</Application><Slides>{}</Slides></Properties>",
        slides.len()
    );
    put(&mut zip, "docProps/app.xml", app.as_bytes(), true)?;

    let mut list = String::new();
    let mut pres_rels = vec![
        (
            format!("{REL}/slideMaster"),
            "slideMasters/slideMaster1.xml".to_string(),
            false,
        ),
        (format!("{REL}/theme"), "theme/theme1.xml".to_string(), false),
    ];
    for i in 1..=slides.len() {
        pres_rels.push((format!("{REL}/slide"), format!("slides/slide{i}.xml"), false));
        let _ = write!(list, "<p:sldId id=\"{}\" r:id=\"rId{}\"/>", 255 + i, i + 2);
    }
    let presentation = format!(
        "{header}<p:presentation {NS} saveSubsetFonts=\"1\"><p:sldMasterIdLst><p:sldMasterId id=\"2147483648\" r:id=\"rId1\"/></p:sldMasterIdLst>\
         <p:sldIdLst>{list}</p:sldIdLst><p:sldSz cx=\"{SLIDE_W}\" cy=\"{SLIDE_H}\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/></p:presentation>"
    );
    put(&mut zip, "ppt/presentation.xml", presentation.as_bytes(), true)?;
    put(
        &mut zip,
        "ppt/_rels/presentation.xml.rels",
        rels(&pres_rels).as_bytes(),
        true,
    )?;

    let title_placeholder = format!(
        "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Titel\"/><p:cNvSpPr><a:spLocks noGrp=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"title\"/></p:nvPr></p:nvSpPr>\
         <p:spPr>{}</p:spPr><p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang=\"de-DE\"/><a:t>Titel</a:t></a:r></a:p></p:txBody></p:sp>",
        Frame(12.0, 8.0, 314.0, 16.0).xfrm()
    );
    let master = format!(
        "{header}<p:sldMaster {NS}><p:cSld><p:bg><p:bgRef idx=\"1001\"><a:schemeClr val=\"bg1\"/></p:bgRef></p:bg><p:spTree>{GROUP}{title_placeholder}</p:spTree></p:cSld>\
         <p:clrMap bg1=\"lt1\" tx1=\"dk1\" bg2=\"lt2\" tx2=\"dk2\" accent1=\"accent1\" accent2=\"accent2\" accent3=\"accent3\" accent4=\"accent4\" accent5=\"accent5\" accent6=\"accent6\" hlink=\"hlink\" folHlink=\"folHlink\"/>\
         <p:sldLayoutIdLst><p:sldLayoutId id=\"2147483649\" r:id=\"rId1\"/></p:sldLayoutIdLst>\
         <p:txStyles><p:titleStyle><a:lvl1pPr><a:defRPr sz=\"2800\" b=\"1\"><a:solidFill><a:schemeClr val=\"tx1\"/></a:solidFill><a:latin typeface=\"+mj-lt\"/></a:defRPr></a:lvl1pPr></p:titleStyle>\
         <p:bodyStyle><a:lvl1pPr><a:defRPr sz=\"1800\"><a:solidFill><a:schemeClr val=\"tx1\"/></a:solidFill><a:latin typeface=\"+mn-lt\"/></a:defRPr></a:lvl1pPr></p:bodyStyle>\
         <p:otherStyle><a:lvl1pPr><a:defRPr sz=\"1800\"><a:solidFill><a:schemeClr val=\"tx1\"/></a:solidFill><a:latin typeface=\"+mn-lt\"/></a:defRPr></a:lvl1pPr></p:otherStyle></p:txStyles></p:sldMaster>"
    );
    put(&mut zip, "ppt/slideMasters/slideMaster1.xml", master.as_bytes(), true)?;
    let master_rels = rels(&[
        (
            format!("{REL}/slideLayout"),
            "../slideLayouts/slideLayout1.xml".into(),
            false,
        ),
        (format!("{REL}/theme"), "../theme/theme1.xml".into(), false),
    ]);
    put(
        &mut zip,
        "ppt/slideMasters/_rels/slideMaster1.xml.rels",
        master_rels.as_bytes(),
        true,
    )?;
    let layout = format!(
        "{header}<p:sldLayout {NS} type=\"titleOnly\" preserve=\"1\"><p:cSld name=\"Nur Titel\"><p:spTree>{GROUP}{title_placeholder}</p:spTree></p:cSld>\
         <p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>"
    );
    put(&mut zip, "ppt/slideLayouts/slideLayout1.xml", layout.as_bytes(), true)?;
    let layout_rels = rels(&[(
        format!("{REL}/slideMaster"),
        "../slideMasters/slideMaster1.xml".into(),
        false,
    )]);
    put(
        &mut zip,
        "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
        layout_rels.as_bytes(),
        true,
    )?;
    put(&mut zip, "ppt/theme/theme1.xml", theme().as_bytes(), true)?;
    for (i, slide) in slides.iter().enumerate() {
        put(
            &mut zip,
            &format!("ppt/slides/slide{}.xml", i + 1),
            slide.xml().as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            &format!("ppt/slides/_rels/slide{}.xml.rels", i + 1),
            slide.rels_xml().as_bytes(),
            true,
        )?;
    }
    for (name, png) in media {
        put(&mut zip, &format!("ppt/media/{name}"), png, false)?;
    }
    let cursor = zip.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}

/// The theme: Office-like colours, DejaVu Sans for headings and text.
fn theme() -> String {
    let colours = [
        ("dk1", "000000"),
        ("lt1", "FFFFFF"),
        ("dk2", "1F3864"),
        ("lt2", "E7E6E6"),
        ("accent1", "14418C"),
        ("accent2", "D95F0E"),
        ("accent3", "2C7FB8"),
        ("accent4", "FEC44F"),
        ("accent5", "31A354"),
        ("accent6", "756BB1"),
        ("hlink", "0563C1"),
        ("folHlink", "954F72"),
    ];
    let mut scheme = String::new();
    for (name, hex) in colours {
        let _ = write!(scheme, "<a:{name}><a:srgbClr val=\"{hex}\"/></a:{name}>");
    }
    let font = "<a:latin typeface=\"DejaVu Sans\"/><a:ea typeface=\"\"/><a:cs typeface=\"\"/>";
    let fill = "<a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill>";
    let line = "<a:ln w=\"9525\"><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill></a:ln>";
    let effect = "<a:effectStyle><a:effectLst/></a:effectStyle>";
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<a:theme xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" name=\"Quartier\">\
         <a:themeElements><a:clrScheme name=\"Quartier\">{scheme}</a:clrScheme>\
         <a:fontScheme name=\"Quartier\"><a:majorFont>{font}</a:majorFont><a:minorFont>{font}</a:minorFont></a:fontScheme>\
         <a:fmtScheme name=\"Quartier\"><a:fillStyleLst>{fill}{fill}{fill}</a:fillStyleLst>\
         <a:lnStyleLst>{line}{line}{line}</a:lnStyleLst><a:effectStyleLst>{effect}{effect}{effect}</a:effectStyleLst>\
         <a:bgFillStyleLst>{fill}{fill}{fill}</a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>"
    )
}
