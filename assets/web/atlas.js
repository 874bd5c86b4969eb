// The public web atlas: reads the municipality's published bundle (bundle/atlas.json,
// bundle/indicators.json and the files they name) and shows one indicator on one level in
// one year as a map, a table and a bar chart, with the public places and stories. No
// build step, no requests beyond this server. Every value arrives already suppressed:
// a hidden cell has no number here, only its status.
"use strict";

(function () {
  const ZEICHEN = { suppressed: "k. A.", not_applicable: "x", missing: "keine Daten" };
  const ORT_FARBEN = ["#7b3294", "#008837", "#c2185b", "#1f78b4", "#e66101", "#4d4d4d"];
  const ATTRIBUT_NAMEN = { address: "Adresse", capacity: "Plätze", name: "Name" };
  const BALKEN_HOECHSTENS = 40;

  const $ = (id) => document.getElementById(id);
  const cache = new Map();
  const laden = (pfad) => {
    if (!cache.has(pfad)) {
      cache.set(
        pfad,
        fetch(pfad).then((r) => {
          if (!r.ok) throw new Error(pfad + ": " + r.status);
          return r.json();
        })
      );
    }
    return cache.get(pfad);
  };
  const element = (name, attribute, ...kinder) => {
    const e = document.createElement(name);
    for (const [k, v] of Object.entries(attribute || {})) {
      if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    for (const k of kinder) e.append(k);
    return e;
  };
  const svgElement = (name, attribute) => {
    const e = document.createElementNS("http://www.w3.org/2000/svg", name);
    for (const [k, v] of Object.entries(attribute || {})) e.setAttribute(k, v);
    return e;
  };

  let atlas, indikatoren, karte, gebieteLayer, zustand = {};
  let sortierung = { spalte: "name", auf: true };
  let gewaehlt = null;
  // What is shown: the table's rows, the indicator's decimals, the level the map is framed on.
  const ansicht = { zeilen: [], stellen: 0, gerahmt: null };
  // The border of an area: wide when it is the chosen one.
  const rand = (schluessel) => (schluessel === gewaehlt ? 3 : 0.6);

  // German numbers with the indicator's decimals; exactly zero is "–".
  function zahl(wert, stellen) {
    if (wert === 0) return "–";
    return wert.toLocaleString("de-DE", { minimumFractionDigits: stellen, maximumFractionDigits: stellen });
  }
  function zelleText(zelle, stellen) {
    if (!zelle) return ZEICHEN.missing;
    if (zelle.status === "ok") return zelle.text !== undefined ? zelle.text : zahl(zelle.value, stellen);
    return ZEICHEN[zelle.status] || zelle.status;
  }

  function indikator() {
    return indikatoren.find((i) => i.key === zustand.indikator);
  }

  // The selection in the address (#i=…&e=…&j=…), so a view can be passed on as a link.
  function ausAdresse() {
    const p = new URLSearchParams(location.hash.slice(1));
    return { indikator: p.get("i"), ebene: p.get("e"), jahr: p.get("j") };
  }
  function inAdresse() {
    const p = new URLSearchParams({ i: zustand.indikator, e: zustand.ebene, j: zustand.jahr });
    history.replaceState(null, "", "#" + p.toString());
  }

  function fuellen(select, eintraege, wert) {
    select.replaceChildren(...eintraege.map(([v, text]) => element("option", { value: v }, text)));
    if (eintraege.some(([v]) => v === wert)) select.value = wert;
    return select.value;
  }

  function thema(i) {
    return i.topic || "Ohne Thema";
  }

  // Fills the four lists from the state, each keeping its choice where it still exists.
  function auswahlFuellen() {
    const themen = [...new Set(indikatoren.map(thema))].sort((a, b) => a.localeCompare(b, "de"));
    zustand.thema = fuellen($("thema"), themen.map((t) => [t, t]), zustand.thema);
    const liste = indikatoren.filter((i) => thema(i) === zustand.thema);
    zustand.indikator = fuellen($("indikator"), liste.map((i) => [i.key, i.name]), zustand.indikator);
    const ind = indikator();
    const ebenen = atlas.levels.map((l) => l.name).filter((l) => ind.series.some((s) => s.level === l));
    zustand.ebene = fuellen($("ebene"), ebenen.map((e) => [e, e]), zustand.ebene);
    const jahre = atlas.periods
      .map((p) => p.label)
      .filter((p) => ind.series.some((s) => s.level === zustand.ebene && s.period === p))
      .reverse();
    zustand.jahr = fuellen($("jahr"), jahre.map((j) => [j, j]), zustand.jahr);
  }

  // The colour of an area's cell: its class from the bundle (classed there as every map the
  // atlas exports, over the published numbers only), or none.
  function farbe(klassen, zelle) {
    return klassen && zelle && zelle.class ? klassen.colours[zelle.class - 1] : null;
  }

  async function zeigen() {
    inAdresse();
    const ind = indikator();
    const ebene = atlas.levels.find((l) => l.name === zustand.ebene);
    const reihe = ind.series.find((s) => s.level === zustand.ebene && s.period === zustand.jahr);
    const [gebiete, daten] = await Promise.all([laden("bundle/" + ebene.file), laden("bundle/" + reihe.file)]);
    const stellen = daten.decimals;
    const zellen = new Map(daten.values.map((v) => [v.key, v]));
    const klassen = daten.classes;
    const einheit = ind.unit ? " " + ind.unit : "";
    const titel = `${ind.name}, ${zustand.ebene}, ${zustand.jahr}`;
    document.title = `${ind.name} – ${atlas.name}`;
    $("karte-titel").textContent = titel;

    // The map.
    const stil = (f) => {
      const z = zellen.get(f.properties.schluessel);
      const basis = { color: "#555", weight: rand(f.properties.schluessel), fillOpacity: 0.85 };
      const fuellung = farbe(klassen, z);
      if (fuellung) return { ...basis, fillColor: fuellung };
      if (z && z.status === "suppressed") return { ...basis, fillColor: "url(#geheim)", fillOpacity: 1 };
      return { ...basis, fillColor: "#ffffff", fillOpacity: 1 };
    };
    if (gebieteLayer) gebieteLayer.remove();
    gebieteLayer = L.geoJSON(gebiete, {
      style: stil,
      onEachFeature: (f, layer) => {
        const z = zellen.get(f.properties.schluessel);
        const text = zelleText(z, stellen) + (z && z.status === "ok" && z.value !== 0 ? einheit : "");
        layer.bindTooltip(`<strong>${escape(f.properties.name)}</strong><br>${escape(text)}`, { sticky: true });
        layer.on("click", () => waehlen(f.properties.schluessel));
        layer.on("add", () => layer.getElement().setAttribute("data-schluessel", f.properties.schluessel));
      },
    });
    // The map is drawn (and its SVG exists) only once it has a view.
    if (ansicht.gerahmt !== zustand.ebene) {
      karte.fitBounds(gebieteLayer.getBounds(), { padding: [8, 8] });
      ansicht.gerahmt = zustand.ebene;
    }
    gebieteLayer.addTo(karte);
    schraffur();

    // The legend.
    const legende = [];
    if (klassen) {
      klassen.labels.forEach((text, i) => {
        const mitEinheit = ind.kind === "categorical" ? text : text + einheit;
        legende.push(element("span", { class: "feld" }, element("span", { class: "farbe", style: `background:${klassen.colours[i]}` }), mitEinheit));
      });
    }
    const geheim = daten.values.filter((v) => v.status === "suppressed").length;
    if (geheim > 0) legende.push(element("span", { class: "feld" }, element("span", { class: "farbe geheim" }), `k. A. (${geheim} ${geheim === 1 ? "Gebiet" : "Gebiete"})`));
    if (daten.values.some((v) => v.status !== "suppressed" && !farbe(klassen, v)) || gebiete.features.some((f) => !zellen.has(f.properties.schluessel)))
      legende.push(element("span", { class: "feld" }, element("span", { class: "farbe", style: "background:#fff" }), "keine Daten"));
    $("legende").replaceChildren(...legende);

    // What the indicator is.
    $("info-titel").textContent = ind.name;
    $("beschreibung").textContent = ind.description || "Keine Beschreibung hinterlegt.";
    const angaben = [["Einheit", ind.unit || "—"], ["Quelle", ind.source || "—"], ["Stand", zustand.jahr], ["Gebiete", String(gebiete.features.length)]];
    $("angaben").replaceChildren(...angaben.flatMap(([a, b]) => [element("dt", null, a), element("dd", null, b)]));
    const frage = new URLSearchParams({ indicator: ind.key, level: zustand.ebene, period: zustand.jahr });
    $("json").href = "api/values?" + frage;
    $("csv").href = "api/values?" + frage + "&format=csv";
    $("csv").setAttribute("download", `${ind.key}_${zustand.ebene}_${zustand.jahr}.csv`);
    $("geojson").href = "api/levels/" + encodeURIComponent(zustand.ebene);

    // The table and the chart.
    const zeilen = gebiete.features.map((f) => ({ key: f.properties.schluessel, name: f.properties.name, zelle: zellen.get(f.properties.schluessel) }));
    ansicht.zeilen = zeilen;
    ansicht.stellen = stellen;
    tabelle();
    $("tabelle-beschriftung").textContent = `${titel}${ind.unit ? ", in " + ind.unit : ""}`;
    balken(zeilen, stellen, titel, klassen);
    auswahlZeigen();
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // Hatching for suppressed areas, in the map's own SVG.
  function schraffur() {
    const svg = karte.getPane("overlayPane").querySelector("svg");
    if (!svg || svg.querySelector("#geheim")) return;
    const defs = svgElement("defs");
    const muster = svgElement("pattern", { id: "geheim", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    muster.append(svgElement("rect", { width: 6, height: 6, fill: "#d9d9d9" }), svgElement("rect", { width: 2, height: 6, fill: "#8f8f8f" }));
    defs.append(muster);
    svg.prepend(defs);
  }

  function sortierwert(z) {
    return z.zelle && z.zelle.status === "ok" && typeof z.zelle.value === "number" ? z.zelle.value : -Infinity;
  }

  function tabelle() {
    const zeilen = [...ansicht.zeilen];
    const { spalte, auf } = sortierung;
    zeilen.sort((a, b) => {
      const d = spalte === "value" ? sortierwert(a) - sortierwert(b) : String(a[spalte]).localeCompare(String(b[spalte]), "de", { numeric: true });
      return auf ? d : -d;
    });
    document.querySelectorAll("#werte th").forEach((th) => {
      const b = th.querySelector("button");
      if (b.dataset.spalte === spalte) th.setAttribute("aria-sort", auf ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    $("werte").tBodies[0].replaceChildren(
      ...zeilen.map((z) => {
        const tr = element("tr", { "data-schluessel": z.key, class: z.key === gewaehlt ? "gewaehlt" : null },
          element("td", null, z.name), element("td", null, z.key), element("td", { class: "zahl" }, zelleText(z.zelle, ansicht.stellen)));
        tr.addEventListener("click", () => waehlen(z.key));
        return tr;
      })
    );
  }

  // Horizontal bars, largest first; on levels with many areas the highest and lowest twenty.
  function balken(zeilen, stellen, titel, klassen) {
    const mit = zeilen.filter((z) => sortierwert(z) !== -Infinity).sort((a, b) => sortierwert(b) - sortierwert(a));
    let gezeigt = mit;
    let luecke = 0;
    if (mit.length > BALKEN_HOECHSTENS) {
      const h = BALKEN_HOECHSTENS / 2;
      luecke = mit.length - BALKEN_HOECHSTENS;
      gezeigt = [...mit.slice(0, h), null, ...mit.slice(-h)];
    }
    const zeile = 16, links = 170, breite = 520, rechts = 70;
    const max = Math.max(0, ...mit.map(sortierwert));
    const min = Math.min(0, ...mit.map(sortierwert));
    const skala = (v) => links + ((v - min) / (max - min || 1)) * (breite - links - rechts);
    const svg = svgElement("svg", { viewBox: `0 0 ${breite} ${gezeigt.length * zeile + 6}`, role: "img", "aria-labelledby": "balken-titel" });
    const t = svgElement("title", { id: "balken-titel" });
    t.textContent = `Balkendiagramm: ${titel}. ${mit.length} Gebiete mit Wert; die Zahlen stehen auch in der Tabelle.`;
    svg.append(t);
    gezeigt.forEach((z, i) => {
      const y = i * zeile + 3;
      if (!z) {
        const text = svgElement("text", { x: links, y: y + 12 });
        text.textContent = `… ${luecke} weitere Gebiete (siehe Tabelle)`;
        svg.append(text);
        return;
      }
      const name = svgElement("text", { x: links - 6, y: y + 12, "text-anchor": "end" });
      name.textContent = z.name.length > 26 ? z.name.slice(0, 25) + "…" : z.name;
      const v = sortierwert(z);
      const x0 = skala(Math.min(0, v)), x1 = skala(Math.max(0, v));
      const balken = svgElement("rect", { x: x0, y: y + 2, width: Math.max(1, x1 - x0), height: zeile - 4, fill: farbe(klassen, z.zelle) || "#fff", stroke: z.key === gewaehlt ? "#1b1b1b" : "#666", "stroke-width": z.key === gewaehlt ? 2 : 0.5 });
      const wert = svgElement("text", { x: x1 + 4, y: y + 12 });
      wert.textContent = zelleText(z.zelle, stellen);
      svg.append(name, balken, wert);
    });
    $("balken").replaceChildren(svg);
    const ohne = zeilen.length - mit.length;
    $("balken-hinweis").textContent = ohne > 0 ? `${ohne} ${ohne === 1 ? "Gebiet" : "Gebiete"} ohne Balken (k. A. oder keine Daten).` : "";
  }

  function waehlen(schluessel) {
    gewaehlt = gewaehlt === schluessel ? null : schluessel;
    gebieteLayer.eachLayer((l) => l.setStyle({ weight: rand(l.feature.properties.schluessel) }));
    gebieteLayer.eachLayer((l) => { if (l.feature.properties.schluessel === gewaehlt) l.bringToFront(); });
    document.querySelectorAll("#werte tbody tr").forEach((tr) => tr.classList.toggle("gewaehlt", tr.dataset.schluessel === gewaehlt));
    auswahlZeigen();
  }

  function auswahlZeigen() {
    const z = gewaehlt && ansicht.zeilen.find((r) => r.key === gewaehlt);
    const einheit = z && z.zelle && z.zelle.status === "ok" && indikator().unit ? " " + indikator().unit : "";
    $("auswahl-gebiet").textContent = z ? `Gewählt: ${z.name} (${z.key}): ${zelleText(z.zelle, ansicht.stellen)}${einheit}` : "";
  }

  // Public places: name, location and the released attributes.
  function orte() {
    if (!atlas.pois || atlas.pois.length === 0) return;
    $("orte").hidden = false;
    const ebenen = new Map();
    $("orte-liste").replaceChildren(
      ...atlas.pois.map((p, i) => {
        const ortFarbe = ORT_FARBEN[i % ORT_FARBEN.length];
        const box = element("input", { type: "checkbox" });
        box.addEventListener("change", async () => {
          if (!box.checked) {
            if (ebenen.has(p.category)) ebenen.get(p.category).remove();
            return;
          }
          const daten = await laden("bundle/" + p.file);
          // Places close together are one circle with their number in the category's colour
          // until the map is zoomed in far enough to tell them apart (2,880 Kitas in Berlin).
          const haufen = L.markerClusterGroup({
            showCoverageOnHover: false,
            maxClusterRadius: 45,
            chunkedLoading: true,
            iconCreateFunction: (h) => {
              const n = h.getChildCount();
              const groesse = n < 10 ? 28 : n < 100 ? 34 : 42;
              return L.divIcon({
                html: `<span style="background:${ortFarbe}" aria-label="${n} ${escape(p.category)}">${n.toLocaleString("de-DE")}</span>`,
                className: "ort-haufen",
                iconSize: [groesse, groesse],
              });
            },
          });
          haufen.addLayer(
            L.geoJSON(daten, {
              pointToLayer: (f, lage) => L.circleMarker(lage, { radius: 5, color: "#fff", weight: 1, fillColor: ortFarbe, fillOpacity: 1 }),
              onEachFeature: (f, l) => {
                const zeilen = Object.entries(f.properties).map(([a, w]) => `<strong>${escape(ATTRIBUT_NAMEN[a] || a)}:</strong> ${escape(w)}`);
                l.bindPopup(zeilen.join("<br>"));
              },
            })
          );
          ebenen.set(p.category, haufen);
          haufen.addTo(karte);
        });
        return element("label", null, box, element("span", { class: "farbe", style: `background:${ortFarbe}; border-radius:50%; width:.8rem; height:.8rem` }), `${p.category} (${p.pois})`);
      })
    );
  }

  // A story's text: blocks as the app writes them, built as elements (never as HTML).
  function text(bloecke) {
    const laeufe = (spans) =>
      spans.map((s) => {
        let e = document.createTextNode(s.text);
        if (s.italic) e = element("em", null, e);
        if (s.bold) e = element("strong", null, e);
        if (s.link && /^(https?:|mailto:)/.test(s.link)) e = element("a", { href: s.link }, e);
        return e;
      });
    const aus = [];
    let liste = null;
    for (const b of bloecke) {
      if (b.item) {
        const nummeriert = b.item.number !== null && b.item.number !== undefined;
        if (!liste || (liste.tagName === "OL") !== nummeriert) {
          liste = element(nummeriert ? "ol" : "ul", nummeriert ? { start: b.item.number } : null);
          aus.push(liste);
        }
        liste.append(element("li", null, ...laeufe(b.item.spans)));
        continue;
      }
      liste = null;
      if (b.heading) aus.push(element("h" + Math.min(6, b.heading[0] + 3), null, ...laeufe(b.heading[1])));
      else if (b.paragraph) aus.push(element("p", null, ...laeufe(b.paragraph)));
    }
    return aus;
  }

  function storys() {
    if (!atlas.stories || atlas.stories.length === 0) return;
    $("storys").hidden = false;
    $("storys-liste").replaceChildren(
      ...atlas.stories.map((s) => {
        const inhalt = element("div");
        const d = element("details", { class: "story" }, element("summary", null, `${s.name} (${s.slides} ${s.slides === 1 ? "Folie" : "Folien"})`), inhalt);
        d.addEventListener("toggle", async () => {
          if (!d.open || inhalt.childElementCount > 0) return;
          const story = await laden("bundle/" + s.file);
          inhalt.append(...text(story.intro_blocks));
          for (const folie of story.slides) {
            const teile = [element("h3", null, folie.title)];
            const bild = element("div");
            if (folie.map) bild.append(element("img", { src: "bundle/" + folie.map, alt: `Karte: ${folie.title} (${(folie.indicators || []).join(", ")}, ${folie.level}, ${folie.period})`, loading: "lazy" }));
            for (const b of folie.images || []) bild.append(element("img", { src: "bundle/" + b.file, alt: `Abbildung: ${b.name.replace(/\.png$/i, "")}`, loading: "lazy" }));
            teile.push(bild, element("div", null, ...text(folie.blocks)));
            teile.push(element("p", { class: "quelle" }, folie.caption.join(" · ")));
            inhalt.append(element("article", { class: "folie" }, ...teile));
          }
        });
        return d;
      })
    );
  }

  async function start() {
    try {
      [atlas, indikatoren] = await Promise.all([laden("bundle/atlas.json"), laden("bundle/indicators.json")]);
    } catch (e) {
      $("untertitel").textContent = "Für diese Kommune ist noch nichts veröffentlicht.";
      return;
    }
    $("titel").textContent = atlas.name;
    $("quelle").textContent = atlas.attribution ? "Quellen: " + atlas.attribution : "";
    // Closest zoom 17: the borders are simplified to 1.5 m, one pixel at zoom 16, two at 17.
    karte = L.map("karte", { zoomSnap: 0.25, maxZoom: 17, attributionControl: false, preferCanvas: false });
    const aus = ausAdresse();
    const erster = indikatoren.find((i) => i.key === aus.indikator) || indikatoren[0];
    zustand = { thema: thema(erster), indikator: erster.key, ebene: aus.ebene, jahr: aus.jahr };
    auswahlFuellen();
    for (const feld of ["thema", "indikator", "ebene", "jahr"]) {
      $(feld).addEventListener("change", () => {
        zustand[feld] = $(feld).value;
        if (feld === "thema") zustand.indikator = null;
        auswahlFuellen();
        zeigen();
      });
    }
    document.querySelectorAll("#werte th button").forEach((b) =>
      b.addEventListener("click", () => {
        const spalte = b.dataset.spalte;
        sortierung = { spalte, auf: sortierung.spalte === spalte ? !sortierung.auf : true };
        tabelle();
      })
    );
    orte();
    storys();
    await zeigen();
    document.body.dataset.bereit = "ja";
  }

  start();
})();
