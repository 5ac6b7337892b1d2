/**
 * Page weight: opens each page in Chromium with a cold cache against the release build and
 * reports the bytes transferred by type (compressed, as on the wire) and the time until the
 * page is interactive (its loader has run and hydrated its islands, if it has any). Public pages
 * are measured twice: on a first visit, with the banner (an island), and once the visitor has
 * chosen, when most pages hold no island at all. Then the embed on the demo company site:
 * `/embed/v1.js` as sent with brotli and with gzip, and the time from the script's start to
 * the banner being visible (its own performance marks), over cold first visits.
 *
 *   scripts/page-weight.sh            (builds, starts a demo server, runs this)
 */
import { chromium } from "@playwright/test";
import { spawn } from "node:child_process";
import http from "node:http";

const base = process.env.CHARTER_URL ?? "http://127.0.0.1:3400";
const companySite = process.env.CHARTER_SITE_URL ?? "http://127.0.0.1:3401";
const bannerRuns = 25;
const binary = process.env.CHARTER_BINARY ?? "target/release/charter";
const password = "a long and unusual passphrase";

const publicPages = [
  "/",
  "/policies/privacy",
  "/policies/privacy/history",
  "/policies/privacy/v/1",
  "/policies/privacy/diff/1..3",
  "/cookies/settings",
  "/cookies/receipts",
  "/subscribe",
  "/admin/sign-in",
];
const adminPages = ["/admin", "/admin/documents/privacy/en", "/admin/inventory", "/admin/consent"];

function kind(url, resourceType) {
  const path = new URL(url).pathname;
  if (resourceType === "document") return "html";
  if (path.endsWith(".css")) return "css";
  if (path.endsWith(".js")) return "js";
  if (path.endsWith(".wasm")) return "wasm";
  return "other";
}

async function measure(page, path) {
  const bytes = { html: 0, css: 0, js: 0, wasm: 0, other: 0 };
  const finished = [];
  const onFinished = (request) => {
    finished.push(
      request.sizes().then((sizes) => {
        bytes[kind(request.url(), request.resourceType())] += sizes.responseBodySize;
      }),
    );
  };
  page.on("requestfinished", onFinished);
  await page.goto(base + path, { waitUntil: "load" });
  await page.locator("html[data-hydrated]").waitFor({ timeout: 30_000 });
  const interactive = await page.evaluate(() => Math.round(performance.now()));
  await page.waitForLoadState("networkidle");
  await Promise.all(finished);
  page.off("requestfinished", onFinished);
  return { path, ...bytes, assets: bytes.css + bytes.js + bytes.wasm, interactive };
}

function createAccount(email) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ["admin", "create", "--email", email, "--role", "admin"], { env: process.env });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(stderr))));
    child.stdin.end(`${password}\n`);
  });
}

const kb = (n) => (n / 1024).toFixed(1);

/** `/embed/v1.js` as the server sends it with `encoding`: its body's bytes, undecoded. */
function embedBytes(encoding) {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}/embed/v1.js`, { headers: { "accept-encoding": encoding } }, (response) => {
        const sent = response.headers["content-encoding"] ?? "identity";
        if (sent !== encoding) reject(new Error(`asked for ${encoding}, got ${sent}`));
        let bytes = 0;
        response.on("data", (chunk) => (bytes += chunk.length));
        response.on("end", () => resolve(bytes));
      })
      .on("error", reject);
  });
}

/** Milliseconds from the script's start to the banner being visible, per cold first visit. */
async function bannerDelays(browser) {
  const delays = [];
  for (let i = 0; i < bannerRuns; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(companySite);
    await page.getByRole("region", { name: "Cookies on this site" }).waitFor();
    delays.push(
      await page.evaluate(() => {
        const [start] = performance.getEntriesByName("charter:start");
        const [visible] = performance.getEntriesByName("charter:visible");
        return visible.startTime - start.startTime;
      }),
    );
    await context.close();
  }
  return delays.sort((a, b) => a - b);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  const rows = [];
  for (const path of publicPages) {
    // A new context per page: a cold cache, no cookies, as a first visit.
    const context = await browser.newContext();
    const page = await context.newPage();
    rows.push({ area: "public, first visit", ...(await measure(page, path)) });
    await page.getByRole("button", { name: "Reject all" }).click();
    await page.locator(".consent-banner").waitFor({ state: "hidden" });
    // Routing turns Chromium's cache off: the visit before does not count.
    const chosen = await context.newPage();
    await chosen.route("**/*", (route) => route.continue());
    rows.push({ area: "public, chosen", ...(await measure(chosen, path)) });
    await context.close();
  }
  await createAccount("weight@example.com");
  for (const path of adminPages) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/admin/sign-in`);
    await page.getByLabel("Email address").fill("weight@example.com");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/admin/sign-in"));
    // Routing turns Chromium's cache off: what the sign-in loaded does not count.
    const fresh = await context.newPage();
    await fresh.route("**/*", (route) => route.continue());
    rows.push({ area: "admin", ...(await measure(fresh, path)) });
    await context.close();
  }
  const sizes = {};
  for (const encoding of ["br", "gzip", "identity"]) sizes[encoding] = await embedBytes(encoding);
  const delays = await bannerDelays(browser);
  await browser.close();
  const median = delays[Math.floor(delays.length / 2)];
  console.log(`embed /embed/v1.js: ${sizes.br} bytes with brotli, ${sizes.gzip} with gzip, ` +
    `${sizes.identity} uncompressed`);
  console.log(`embed banner visible after the script starts (${delays.length} cold visits): ` +
    `median ${median.toFixed(1)} ms, slowest ${delays[delays.length - 1].toFixed(1)} ms`);
  console.log("| area | page | HTML KB | CSS KB | JS KB | wasm KB | JS+wasm+CSS KB | interactive ms |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.area} | ${r.path} | ${kb(r.html)} | ${kb(r.css)} | ${kb(r.js)} | ${kb(r.wasm)} | ${kb(r.assets)} | ${r.interactive} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
