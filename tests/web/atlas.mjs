// Drives the public web atlas in Debian's Chromium as a citizen would, on a desktop and on
// a phone, and prints what it saw as JSON for tests/web_atlas.rs to compare with the atlas.
// Usage: node tests/web/atlas.mjs URL_OF_THE_ATLAS OUT_DIR
import { chromium } from "playwright-core";

const [url, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.QUARTIER_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const seen = { requests: [], errors: [] };
const origin = new URL(url).origin;

async function open(context) {
  const page = await context.newPage();
  page.on("request", (r) => seen.requests.push(r.url()));
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) seen.errors.push(m.text()); });
  page.on("response", (r) => { if (r.status() >= 400) seen.errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(url);
  await page.waitForSelector("body[data-bereit=ja]", { timeout: 30000 });
  return page;
}

// The lowest contrast ratio of text against its background over the page's text elements.
const lowestContrast = () => {
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  let lowest = { ratio: 99, element: "" };
  for (const e of document.querySelectorAll("h1, h2, h3, p, label, select, td, th button, caption, figcaption, dt, dd, a, summary, .feld")) {
    if (!e.textContent.trim() || e.offsetParent === null) continue;
    const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < lowest.ratio) lowest = { ratio, element: e.tagName + " " + e.textContent.trim().slice(0, 30) };
  }
  return lowest;
};

const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "de-DE" });
const page = await open(desktop);
const result = {};
result.title = await page.textContent("h1");
result.options = await page.evaluate(() =>
  Object.fromEntries(["thema", "indikator", "ebene", "jahr"].map((id) => [id, [...document.getElementById(id).options].map((o) => o.value)])));

// Keyboard: the skip link comes first, then the four lists.
const focus = [];
for (let i = 0; i < 5; i++) {
  await page.keyboard.press("Tab");
  focus.push(await page.evaluate(() => document.activeElement.id || document.activeElement.className));
}
result.tab_order = focus;
// The indicator, level and year of the comparison in tests/web_atlas.rs.
await page.selectOption("#indikator", process.env.QUARTIER_WEB_INDICATOR || "ew_6_15");
await page.selectOption("#ebene", "Planungsraum");
await page.selectOption("#jahr", "2020");
await page.waitForFunction(() => document.getElementById("karte-titel").textContent.includes("Planungsraum, 2020"));
result.map_title = await page.textContent("#karte-titel");
await page.screenshot({ path: `${out}/web-desktop.png` });
result.areas_on_map = await page.locator("#karte .leaflet-overlay-pane path.leaflet-interactive").count();
result.hatched_on_map = await page.locator('#karte path[fill="url(#geheim)"]').count();
result.hatching_defined = await page.evaluate(() => document.querySelector("#karte svg pattern#geheim") !== null);
result.legend = await page.textContent("#legende");
// Each legend entry with its swatch, and the colour of every area on the map, by key.
result.legend_entries = await page.$$eval("#legende .feld", (e) =>
  e.map((f) => ({ text: f.textContent, colour: getComputedStyle(f.querySelector(".farbe")).backgroundColor })));
result.fills = await page.evaluate(() =>
  Object.fromEntries([...document.querySelectorAll("#karte path[data-schluessel]")].map((p) => [p.dataset.schluessel, p.getAttribute("fill")])));
result.table = await page.evaluate(() =>
  Object.fromEntries([...document.querySelectorAll("#werte tbody tr")].map((tr) => [tr.dataset.schluessel, tr.cells[2].textContent])));
result.bars = await page.locator("#balken rect").count();
result.chart_label = await page.textContent("#balken title");
result.address = await page.evaluate(() => location.hash);
result.csv_link = await page.getAttribute("#csv", "href");
const csv = await page.request.get(new URL(result.csv_link, page.url()).href);
result.csv_head = (await csv.text()).split("\n")[0];

// Sorting the table by value, descending, with the keyboard.
await page.focus('#werte th button[data-spalte="value"]');
await page.keyboard.press("Enter");
await page.keyboard.press("Enter");
result.sorted = await page.evaluate(() => ({
  aria: document.querySelector('#werte th button[data-spalte="value"]').parentElement.getAttribute("aria-sort"),
  first: document.querySelector("#werte tbody tr").dataset.schluessel,
}));
// Clicking a row selects the area.
await page.click('#werte tbody tr[data-schluessel="01011101"]');
result.selected = await page.textContent("#auswahl-gebiet");

// Places.
const before = result.areas_on_map;
if (await page.locator("#orte-liste input").count() > 0) {
  await page.check("#orte-liste input >> nth=0");
  await page.waitForSelector("#karte .ort-haufen");
  // Places close together are drawn as one circle with their number: the circles' numbers
  // and the single places add up to all places of the category (the whole city is in view).
  const shown = async () => page.evaluate((n) => ({
    clusters: document.querySelectorAll("#karte .ort-haufen").length,
    in_clusters: [...document.querySelectorAll("#karte .ort-haufen")].reduce((s, e) => s + Number(e.textContent.replace(/\./g, "")), 0),
    single: document.querySelectorAll("#karte path.leaflet-interactive").length - n,
  }), before);
  const city = await shown();
  result.places = city.in_clusters + city.single;
  result.place_clusters = city.clusters;
  result.place_categories = await page.textContent("#orte-liste");
  await page.locator("#karte").screenshot({ path: `${out}/web-orte.png` });
  // Zoomed in on one circle, it opens into smaller ones and single places.
  await page.click("#karte .ort-haufen >> nth=0");
  await page.waitForTimeout(800);
  result.places_zoomed = await shown();
}

// Stories.
if (await page.locator("#storys details").count() > 0) {
  await page.click("#storys summary >> nth=0");
  await page.waitForSelector("#storys article.folie");
  result.story_slides = await page.$$eval("#storys article.folie h3", (h) => h.map((e) => e.textContent));
  result.story_strong = await page.$$eval("#storys article.folie strong", (s) => s.map((e) => e.textContent));
  await page.waitForFunction(() => [...document.querySelectorAll("#storys img")].every((i) => i.complete && i.naturalWidth > 0));
}
result.images = await page.$$eval("img", (i) => i.map((e) => ({ alt: e.getAttribute("alt"), loaded: e.naturalWidth > 0 })));
result.contrast = await page.evaluate(lowestContrast);
await page.screenshot({ path: `${out}/web-desktop-ganz.png`, fullPage: true });

// A phone: nothing wider than the screen, the lists one below the other.
const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "de-DE" });
const small = await open(phone);
result.phone = await small.evaluate(() => ({
  width: window.innerWidth,
  scroll_width: document.documentElement.scrollWidth,
  map_width: document.getElementById("karte").getBoundingClientRect().width,
  select_width: document.getElementById("indikator").getBoundingClientRect().width,
  title: document.getElementById("karte-titel").textContent,
  hatched: document.querySelectorAll('#karte path[fill="url(#geheim)"]').length,
  hatching_defined: document.querySelector("#karte svg pattern#geheim") !== null,
}));
await small.screenshot({ path: `${out}/web-telefon.png` });

result.foreign_requests = seen.requests.filter((r) => new URL(r).origin !== origin);
result.errors = seen.errors;
await browser.close();
console.log(JSON.stringify(result));
