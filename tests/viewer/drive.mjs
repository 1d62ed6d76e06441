// Browser checks of the drillsim replay viewer and report, run in Debian's headless Chromium through
// playwright-core (no browser download). Usage:
//   node drive.mjs '{"single": URL, "ensemble": URL, "report": FILE, "screenshot": PNG, "units": N,
//                    "mcReport": FILE, "mcMeasures": N}'
// Prints one JSON verdict on stdout: {"checks": {name: {ok, detail}}, "requests": [...], "console": [...]}.
// Every request is logged; any request to a host other than 127.0.0.1 (or any request at all from the
// report, other than its own file:// URL and data:) is aborted and fails the run.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), "viewer", "package.json"));
const { chromium } = require("playwright-core");

const cfg = JSON.parse(process.argv[2]);
const verdict = { checks: {}, requests: [], blocked: [], console: [], pageErrors: [] };
const check = (name, ok, detail) => { verdict.checks[name] = { ok: Boolean(ok), detail: detail ?? null }; };

const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const profiles = [];

// Each check runs in its own browser with a fresh profile (playwright passes it as --user-data-dir).
async function launch(options) {
  const userDataDir = mkdtempSync(join(tmpdir(), "drillsim-chromium-"));
  profiles.push(userDataDir);
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium", args: ARGS, headless: true, ...options,
  });
}

function isLocal(url) {
  if (url.startsWith("data:") || url.startsWith("blob:") || url === "about:blank") return true;
  try { return new URL(url).hostname === "127.0.0.1"; } catch { return false; }
}

async function watch(page, label, allow) {
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") verdict.console.push(`${label} ${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => verdict.pageErrors.push(`${label}: ${err.message}`));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    verdict.requests.push(`${label} ${url.slice(0, 160)}`);
    if (allow(url)) return route.continue();
    verdict.blocked.push(`${label} ${url}`);
    return route.abort();
  });
}

const symbolCount = (page) => page.locator(".leaflet-marker-icon.unit-symbol svg").count();

async function centreOf(page, unit) {
  // Wait for any zoom or pan animation to finish before measuring.
  await page.waitForFunction(() => !document.querySelector(".leaflet-zoom-anim, .leaflet-pan-anim"));
  return page.evaluate((id) => {
    const el = document.querySelector(`.unit-symbol[data-unit="${id}"]`);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return [r.x + r.width / 2, r.y + r.height / 2];
  }, unit);
}

async function scrub(page, t) {
  await page.evaluate((value) => {
    const s = document.getElementById("scrubber");
    s.value = String(value);
    s.dispatchEvent(new Event("input", { bubbles: true }));
  }, t);
}

async function viewerChecks() {
  const context = await launch({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await watch(page, "viewer", isLocal);
  await page.goto(cfg.single);
  await page.waitForSelector("body[data-ready='1']", { timeout: 30000 });
  const n = await symbolCount(page);
  check("symbols drawn", n === cfg.units, `${n} symbols, expected ${cfg.units}`);
  const svgs = await page.locator(".unit-symbol svg path, .unit-symbol svg rect, .unit-symbol svg circle").count();
  check("symbols are milsymbol SVG", svgs > cfg.units, `${svgs} SVG shapes`);
  const layers = await page.locator(".leaflet-overlay-pane path").count();
  check("background layers drawn", layers > 0, `${layers} vector paths`);

  // Moving the scrubber moves units: find the unit that moves farthest between start and end.
  const moved = await page.evaluate(() => {
    const S = window.drillsimViewer.state;
    let best = null, dist = 0;
    for (const [id, tr] of Object.entries(S.replay.tracks)) {
      if (tr.length < 2) continue;
      const d = Math.hypot(tr[tr.length - 1][1] - tr[0][1], tr[tr.length - 1][2] - tr[0][2]);
      if (d > dist) { dist = d; best = id; }
    }
    return best;
  });
  await scrub(page, 0);
  const before = await centreOf(page, moved);
  const end = await page.evaluate(() => window.drillsimViewer.state.replay.meta.duration_s);
  await scrub(page, end);
  const after = await centreOf(page, moved);
  const shift = before && after ? Math.hypot(after[0] - before[0], after[1] - before[1]) : 0;
  const clock = await page.textContent("#clock");
  check("scrubber moves units", shift > 3, `${moved} moved ${shift.toFixed(1)} px; clock ${clock}`);

  // The event-kind list names kinds in plain words (the report's labels), never by their class names.
  const kindOptions = await page.$$eval("#jump-kind option", (os) => os.map((o) => ({ value: o.value, text: o.textContent })));
  const misnamed = kindOptions.filter((o) => o.text !== cfg.eventLabels[o.value] || /[a-z][A-Z]/.test(o.text));
  check("event kinds in plain words", kindOptions.length > 0 && misnamed.length === 0,
    `${kindOptions.length} kinds; misnamed: ${JSON.stringify(misnamed.slice(0, 5))}`);

  // Jump to next event of a kind.
  await scrub(page, 0);
  const kind = await page.inputValue("#jump-kind");
  await page.click("#jump-next");
  const t = await page.evaluate(() => window.drillsimViewer.state.t);
  const first = await page.evaluate((k) => window.drillsimViewer.state.replay.events.find((e) => e.kind === k).time_s, kind);
  check("jump to next event", Math.abs(t - first) < 1e-6 && t > 0, `${kind} at ${first}, scrubber at ${t}`);

  // Play advances time.
  await page.click("#play");
  await page.waitForTimeout(400);
  await page.click("#play");
  const t2 = await page.evaluate(() => window.drillsimViewer.state.t);
  check("play advances time", t2 > t, `${t} -> ${t2}`);

  // Selecting a unit opens its panel.
  await scrub(page, end / 2);
  // Symbols may overlap; click this unit's own element (Leaflet handles the DOM click on it).
  await page.locator(`.unit-symbol[data-unit="${moved}"]`).dispatchEvent("click");
  await page.waitForSelector("#unit-panel:not([hidden])", { timeout: 5000 });
  const title = await page.textContent("#unit-title");
  const strength = await page.locator("#unit-strength .strength-line").count();
  const trace = await page.locator("path.unit-trace").count();
  const facts = await page.textContent("#unit-facts");
  check("unit panel opens", facts.includes(moved) && strength === 1 && trace > 0, `${title}; trace paths ${trace}`);

  // The title names the seed with every digit (a 64-bit seed is more than a JavaScript number holds).
  const heading = await page.textContent("#title");
  check("title shows the exact seed", heading.includes(`seed ${cfg.seed})`), `${heading}; expected seed ${cfg.seed}`);

  // The clock is in the scenario's time zone, with its offset.
  await scrub(page, 3600);
  const local = await page.textContent("#clock");
  check("clock in the scenario's time zone", local.includes(cfg.clockAt3600), `${local}; expected ${cfg.clockAt3600}`);

  // Order and event lines keep a space between the time and the text.
  const orderLine = await page.evaluate(() => (document.querySelector("#unit-orders li") || {}).textContent || "");
  const eventLine = await page.evaluate(() => (document.querySelector("#event-list li") || {}).textContent || "");
  check("a space after the time", /^\d+:\d\d:\d\d [^ ]/.test(orderLine) && /^\d+:\d\d:\d\d [^ ]/.test(eventLine),
    `order ${JSON.stringify(orderLine)}; event ${JSON.stringify(eventLine)}`);

  // The events list follows the clock: at the end, the current (last past) event is in view.
  await scrub(page, end);
  const follow = await page.evaluate(() => {
    const ol = document.getElementById("event-list");
    const cur = ol.querySelector("li.current");
    if (!cur) return { ok: false, detail: "no current event" };
    const a = ol.getBoundingClientRect(), b = cur.getBoundingClientRect();
    return { ok: ol.scrollTop > 0 && b.top >= a.top - 1 && b.bottom <= a.bottom + 1,
      detail: `scrollTop ${ol.scrollTop}, current ${b.top.toFixed(0)}-${b.bottom.toFixed(0)} in ${a.top.toFixed(0)}-${a.bottom.toFixed(0)}, ${ol.children.length} items` };
  });
  check("events list follows the time", follow.ok, follow.detail);

  // List numbers fit: the left padding of every numbered list is wider than its widest number ("11.").
  const numbers = await page.evaluate(() => Array.from(document.querySelectorAll("ol.events"), (ol) => {
    if (!ol.children.length) return null;
    const probe = document.createElement("span");
    probe.textContent = ol.children.length + ".";
    probe.style.font = getComputedStyle(ol.children[0]).font;
    probe.style.position = "absolute";
    document.body.appendChild(probe);
    const need = probe.getBoundingClientRect().width;
    probe.remove();
    return { id: ol.id, items: ol.children.length, need, room: parseFloat(getComputedStyle(ol).paddingLeft) };
  }).filter(Boolean));
  const long = numbers.filter((x) => x.items >= 10);
  check("list numbers fit", long.length > 0 && numbers.every((x) => x.room > x.need + 2), JSON.stringify(numbers));

  // Every button's text is drawn from glyphs the page's fonts have (no "missing glyph" box): the text
  // is the same width as in a font that has every character, measured against a fallback marker.
  const glyphs = await page.evaluate(() => {
    const text = document.getElementById("jump-next").textContent;
    const bad = Array.from(text).filter((c) => c.codePointAt(0) >= 0x2300 && c.codePointAt(0) < 0x2400);
    return { text, bad };
  });
  check("next button has no missing glyph", glyphs.bad.length === 0 && /^Next\b/.test(glyphs.text), JSON.stringify(glyphs));

  // A side's picture: at the start it holds only the side's own units; later its contacts (dashed frames)
  // appear where the side believed them. Back to ground truth, every unit is drawn again.
  const sides = await page.evaluate(() => Object.keys(window.drillsimViewer.state.meta.sides));
  const own = await page.evaluate((side) => window.drillsimViewer.state.replay.units.filter((u) => u.side === side).length, sides[0]);
  await page.selectOption("#view", `picture:${sides[0]}`);
  await scrub(page, 0);
  const atStart = await symbolCount(page);
  await scrub(page, end);
  const contacts = await page.locator(".unit-symbol.contact").count();
  await page.selectOption("#view", `truth:${sides[0]}`);
  const inTruth = await symbolCount(page);
  check("picture toggle", atStart === own && inTruth === cfg.units,
    `picture of ${sides[0]}: ${atStart} symbols at start (own ${own}), ${contacts} contacts at the end; truth ${inTruth}`);
  await scrub(page, end / 2);
  await page.screenshot({ path: cfg.viewerShot });
  await context.close();
}

async function ensembleChecks() {
  const context = await launch({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await watch(page, "ensemble", isLocal);
  await page.goto(cfg.ensemble);
  await page.waitForSelector("body[data-ready='1']", { timeout: 30000 });
  await page.click("#tab-ensemble");
  await page.waitForSelector("img.density-overlay", { state: "attached", timeout: 15000 });
  const density = await page.locator("img.density-overlay").count();
  const tracks = await page.locator("path.ensemble-track").count();
  const markers = await page.locator("path.outcome-marker").count();
  const bars = await page.locator("#measure-hist rect.hist-bar").count();
  check("ensemble view draws", density > 0 && tracks > 0 && bars > 0, `${density} density images, ${tracks} tracks, ${markers} outcome markers, ${bars} bars`);
  await page.click("[data-pick='median']");
  await page.waitForSelector("#pick-result[data-replication]", { state: "attached", timeout: 15000 });
  const chosen = Number(await page.getAttribute("#pick-result", "data-replication"));
  const shown = await page.evaluate(() => window.drillsimViewer.state.replay.meta.replication);
  const rep = Number(await page.inputValue("#replication"));
  const n = await symbolCount(page);
  check("ensemble opens a chosen run", n === cfg.ensembleUnits && shown === chosen && rep === chosen,
    `chose ${chosen}, showing ${shown}, selector ${rep}; ${await page.textContent("#pick-result")}`);
  await context.close();
}

async function reportChecks() {
  const context = await launch({ viewport: { width: 1280, height: 1000 }, offline: true });
  const page = await context.newPage();
  const own = "file://" + cfg.report;
  await watch(page, "report", (url) => url === own || url.startsWith("data:") || url === "about:blank");
  await page.goto(own);
  await page.waitForSelector("body[data-maps]", { timeout: 30000 });
  const maps = await page.evaluate(() => Number(document.body.dataset.maps));
  const expected = await page.locator(".moment-map").count();
  const symbols = await symbolCount(page);
  const paths = await page.locator(".moment-map .leaflet-overlay-pane path").count();
  check("report renders maps offline", maps === expected && maps > 0 && paths > 0, `${maps}/${expected} maps, ${paths} paths`);
  // Every unit is on every map, alone or inside an aggregated symbol (units of one group or parent close
  // together at the map's scale): the symbols drawn are what the page says, fewer than the units placed.
  const placed = await page.evaluate(() => Number(document.body.dataset.units));
  const said = await page.evaluate(() => Number(document.body.dataset.symbols));
  const aggregated = await page.locator(".leaflet-marker-icon.unit-symbol.aggregate").count();
  check("report draws symbols", placed === cfg.reportUnits * maps && symbols === said && symbols > 0 && symbols <= placed,
    `${symbols} symbols (${aggregated} aggregated) for ${placed} units over ${maps} maps; expected ${cfg.reportUnits} units a map`);
  check("report aggregates crowded units", aggregated > 0 && symbols < placed, `${aggregated} aggregated symbols, ${symbols} symbols for ${placed} units`);
  // No pile: on each map, no two symbols of one parent (the id up to its last '/') lie within 8 px, live
  // or ended alike, whether each is one unit or an aggregate of several.
  const piles = await page.evaluate(() => {
    const found = [];
    document.querySelectorAll(".moment-map").forEach((map, m) => {
      const seen = [];
      map.querySelectorAll(".leaflet-marker-icon.unit-symbol").forEach((el) => {
        const ids = (el.getAttribute("title") || "").replace(/^\d+ units: /, "").split(", ");
        const parents = new Set(ids.map((id) => id.split("/").slice(0, -1).join("/")));
        if (parents.size !== 1) return;
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        const key = [...parents][0] + (el.classList.contains("ended") ? ":ended" : ":live");
        for (const s of seen) {
          if (s.key === key && Math.hypot(s.x - x, s.y - y) < 8) found.push(`map ${m}: ${s.title} | ${ids.join(",")}`);
        }
        seen.push({ key, x, y, title: ids.join(",") });
      });
    });
    return found;
  });
  check("report draws no pile of one parent", piles.length === 0, piles.slice(0, 5).join("; "));
  const story = await page.locator("#summary ul.story li").count();
  const keyRows = await page.locator("table.key-events tbody tr").count();
  check("report tells the story", story >= 3 && keyRows > 0 && keyRows <= 30, `${story} summary sentences, ${keyRows} key-event rows`);
  const charts = await page.locator(".chart svg").count();
  check("report has charts", charts >= 3, `${charts} inline SVG charts`);
  await page.locator("#maps").scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: cfg.screenshot });
  await context.close();
}

// The report of a Monte Carlo result (drillsim mc): every measure's distribution plot is drawn with a size.
async function mcReportChecks() {
  const context = await launch({ viewport: { width: 1280, height: 1000 }, offline: true });
  const page = await context.newPage();
  const own = "file://" + cfg.mcReport;
  await watch(page, "mc report", (url) => url === own || url.startsWith("data:") || url === "about:blank");
  await page.goto(own);
  await page.waitForSelector("body[data-maps]", { timeout: 30000 });
  const sizes = await page.evaluate(() => Array.from(document.querySelectorAll("#measures figure.distribution svg"), (svg) => {
    svg.scrollIntoView();
    const r = svg.getBoundingClientRect();
    return [r.width, r.height];
  }));
  const drawn = sizes.filter(([w, h]) => w > 100 && h > 50).length;
  const rows = await page.locator("table.measures-table tbody tr").count();
  const maps = await page.evaluate(() => Number(document.body.dataset.maps));
  check("mc report shows its plots", drawn === cfg.mcMeasures && sizes.length === cfg.mcMeasures && rows === cfg.mcMeasures && maps > 0,
    `${drawn}/${sizes.length} plots drawn with a size (${JSON.stringify(sizes.slice(0, 2))}...), ${rows} table rows, expected ${cfg.mcMeasures}; ${maps} maps`);
  if (cfg.mcShot) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: cfg.mcShot });
  }
  await context.close();
}

try {
  if (cfg.single) await viewerChecks();
  if (cfg.ensemble) await ensembleChecks();
  if (cfg.report) await reportChecks();
  if (cfg.mcReport) await mcReportChecks();
} catch (err) {
  check("driver", false, String(err && err.stack ? err.stack : err));
} finally {
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
}
check("no request left 127.0.0.1", verdict.blocked.length === 0, verdict.blocked.join("; ") || null);
check("no console error", verdict.console.length === 0 && verdict.pageErrors.length === 0, [...verdict.console, ...verdict.pageErrors].join("; ") || null);
process.stdout.write(JSON.stringify(verdict) + "\n");
