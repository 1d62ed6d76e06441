// Script-injection checks of the report and the viewer in headless Chromium (see test_injection.py).
// Usage: node inject.mjs '{"report": FILE, "viewer": URL}'
// Every scenario string carries markup tagged data-leak=FIELD that would set window.__pwned if it ran. The
// driver opens every tooltip and panel, then prints one JSON verdict: the fields whose markup became DOM
// elements, whether anything ran, the CSP violations seen, and whether the report's CSP blocks a handler
// that the test itself plants.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), "viewer", "package.json"));
const { chromium } = require("playwright-core");

const cfg = JSON.parse(process.argv[2]);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];
const out = {};

async function open(url, ready, offline) {
  const dir = mkdtempSync(join(tmpdir(), "drillsim-inject-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium", args: ARGS, headless: true, offline, viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
  });
  await page.goto(url);
  await page.waitForSelector(ready, { timeout: 30000 });
  return { page, close: async () => { await context.close(); rmSync(dir, { recursive: true, force: true }); } };
}

// Hover every interactive map element so Leaflet builds each tooltip, and keep it open.
async function hoverAll(page) {
  await page.evaluate(() => {
    document.querySelectorAll(".leaflet-interactive").forEach((el) => {
      el.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    });
  });
}

async function verdict(page) {
  return page.evaluate(() => ({
    leaked: Array.from(document.querySelectorAll("[data-leak]"), (el) => el.getAttribute("data-leak")),
    pwned: window.__pwned || 0,
    violations: window.__violations.slice(),
    tooltips: document.querySelectorAll(".leaflet-tooltip").length,
    shownText: document.body.innerText.includes("data-leak"),
  }));
}

try {
  if (cfg.report) {
    const { page, close } = await open("file://" + cfg.report, "body[data-maps]", true);
    await hoverAll(page);
    out.report = await verdict(page);
    // The policy itself: a handler planted after load must not run.
    out.report.planted = await page.evaluate(async () => {
      document.body.insertAdjacentHTML("beforeend", '<img src="x" onerror="window.__planted = 1">');
      const s = document.createElement("script");
      s.textContent = "window.__planted = 2";
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 300));
      return window.__planted || 0;
    });
    await close();
  }
  if (cfg.viewer) {
    const { page, close } = await open(cfg.viewer, "body[data-ready='1']", false);
    await page.evaluate(() => {
      const V = window.drillsimViewer;
      V.setTime(V.state.replay.meta.duration_s / 2);
      V.selectUnit(V.state.replay.units[0].id);
    });
    await hoverAll(page);
    await page.evaluate(() => window.drillsimViewer.setMode("ensemble"));
    await page.waitForTimeout(500);
    await hoverAll(page);
    out.viewer = await verdict(page);
    await close();
  }
} catch (err) {
  out.driver = String(err && err.stack ? err.stack : err);
}
process.stdout.write(JSON.stringify(out) + "\n");
