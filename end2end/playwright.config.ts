import { defineConfig } from "@playwright/test";
import { isolated, shared, webServer } from "./servers";

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: shared.url,
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
  webServer: [shared, ...Object.values(isolated)].map(webServer),
});
