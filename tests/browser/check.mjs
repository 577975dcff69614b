// Checks HTML files in Debian's Chromium through puppeteer-core, and prints what it found as
// one JSON object for tests/browser.rs to judge:
//   axe     per file: axe-core's violations of the WCAG 2.1 A and AA rules
//   reflow  per file and width (320, 1280 px): the page's scroll width and viewport width
//   dom     per file: scripts, inline event handlers and dialogs the page produced
//   filters the rows of the index left visible by each kind, region and search given
// Usage: node check.mjs SPEC.json, where SPEC is
//   { "axe": [file], "reflow": [file], "index": { "file": f, "filters": [{kind, region, search}] } }
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const url = (file) => pathToFileURL(file).href;

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const result = { axe: {}, reflow: {}, dom: {}, filters: [] };
try {
  const page = await browser.newPage();
  let dialogs = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });

  for (const file of spec.axe ?? []) {
    dialogs = [];
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(url(file), { waitUntil: "load" });
    // Hover over every element, so that an injected handler would fire.
    await page.$$eval("body *", (els) =>
      els.forEach((el) => el.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }))));
    const dom = await page.evaluate(() => ({
      scripts: document.querySelectorAll("script").length,
      handlers: [...document.querySelectorAll("*")].filter((el) =>
        [...el.attributes].some((a) => a.name.startsWith("on"))).length,
      h1: document.querySelectorAll("h1").length,
      lang: document.documentElement.lang,
      title: document.title,
    }));
    await page.addScriptTag({ content: axeSource });
    const axe = await page.evaluate(async () => {
      const run = await window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      });
      return {
        violations: run.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
        })),
        passes: run.passes.map((v) => v.id),
        incomplete: run.incomplete.map((v) => v.id),
      };
    });
    result.axe[file] = axe;
    result.dom[file] = { ...dom, dialogs };
  }

  for (const file of spec.reflow ?? []) {
    for (const width of [320, 1280]) {
      await page.setViewport({ width, height: 800 });
      await page.goto(url(file), { waitUntil: "load" });
      result.reflow[`${file}@${width}`] = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
      }));
    }
  }

  if (spec.index) {
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(url(spec.index.file), { waitUntil: "load" });
    for (const f of spec.index.filters) {
      await page.select("#kind", f.kind);
      await page.select("#region", f.region);
      await page.$eval("#search", (el) => { el.value = ""; });
      await page.type("#search", f.search);
      await page.$eval("#search", (el) => el.dispatchEvent(new Event("input")));
      const visible = await page.$$eval("#reports tbody tr", (rows) =>
        rows.filter((r) => !r.hidden).map((r) => r.dataset.id));
      const status = await page.$eval("#shown", (el) => el.textContent);
      result.filters.push({ ...f, visible, status });
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
