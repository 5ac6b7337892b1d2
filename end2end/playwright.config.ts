import { defineConfig } from "@playwright/test";
import os from "node:os";
import path from "node:path";

// The server under test: the release build, on a fresh SQLite database with demo content.
const port = Number(process.env.CHARTER_E2E_PORT ?? 3300);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir = path.join(os.tmpdir(), `charter-e2e-${port}`);
const binary = path.resolve(__dirname, "../target/release/charter");

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium: Playwright cannot download its own browser here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // Without the networking flags Chromium keeps dialling services this machine cannot reach.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  // Every spec runs twice: hydrated, and as a browser without JavaScript sees the site.
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true } },
    { name: "no-javascript", use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: `rm -rf '${dataDir}' && mkdir -p '${dataDir}' && exec '${binary}'`,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      CHARTER_ADDR: `127.0.0.1:${port}`,
      CHARTER_BASE_URL: baseURL,
      DATABASE_URL: `sqlite:${dataDir}/charter.db`,
      CHARTER_DEMO: "1",
      CHARTER_ORGANISATION: "Quillstone AI Ltd",
      CHARTER_LOG: "warn",
      LEPTOS_SITE_ROOT: path.resolve(__dirname, "../target/site"),
      LEPTOS_OUTPUT_NAME: "charter",
    },
  },
});
