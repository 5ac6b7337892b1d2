import { defineConfig } from "@playwright/test";
import { embed, isolated, shared, webServer } from "./servers";

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
        // The embed specs' company domain and a stranger's, on loopback.
        "--host-resolver-rules=MAP *.charter.test 127.0.0.1, MAP evil.test 127.0.0.1",
      ],
    },
  },
  // Every spec runs twice: hydrated, and as a browser without JavaScript sees the site.
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true } },
    { name: "no-javascript", use: { javaScriptEnabled: false } },
  ],
  webServer: [shared, ...Object.values(isolated), embed].map(webServer),
});
