import { expect, test as base, type BrowserContext, type Page } from "@playwright/test";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { binary, isolated } from "../servers";
import { createAccount, open, signIn } from "./helpers";

// This spec changes the cookie inventory in force, so it runs against a server of its own, and its
// tests run one after the other: each expects the inventory it put in force.
const test = base.extend<{ server: (typeof isolated)[string] }>({
  server: async ({}, use, testInfo) => use(isolated[testInfo.project.name]),
  baseURL: async ({ server }, use) => use(server.url),
});
test.describe.configure({ mode: "default" });

const banner = (page: Page) => page.getByRole("region", { name: "Cookies on this site" });

/** The consent cookie's payload (base64url JSON before the signature): version and choices. */
async function consent(context: BrowserContext) {
  const cookie = (await context.cookies()).find((c) => c.name === "charter_consent");
  if (!cookie) return undefined;
  const payload = JSON.parse(Buffer.from(cookie.value.split(".")[0], "base64url").toString("utf8"));
  return { version: payload.v as string, choices: payload.c as Record<string, boolean> };
}

/** `inventory` (a file as `charter inventory import` reads it) with one more analytics service. */
function withAnalyticsService(inventory: string, name: string) {
  const service = `
[[categories.services]]
name = "${name}"
provider = "Quillstone AI Ltd"
party = "first"
cookies = ["${name}"]
purpose = { en = "Records where visitors click.", de = "Erfasst, wohin Besucher klicken." }
duration = { en = "30 days", de = "30 Tage" }
`;
  // The analytics category is followed by marketing: the new service goes at its end.
  const marker = "[[categories]]\nkey = \"marketing\"";
  expect(inventory).toContain(marker);
  return inventory.replace(marker, `${service}\n${marker}`);
}

/** Imports the demo inventory with one more analytics service, as an operator would. */
async function addAnalyticsService(server: (typeof isolated)[string], name: string) {
  const demo = await readFile(path.resolve(__dirname, "../../src/demo/inventory.toml"), "utf8");
  const file = path.join(os.tmpdir(), `charter-e2e-inventory-${name}.toml`);
  await writeFile(file, withAnalyticsService(demo, name));
  // Kept by the server's page cache from before the import: only the server noticing the
  // import (it looks four times a second) makes it show the new service within 2 s.
  const cookiePolicy = `${server.url}/policies/cookies`;
  expect(await (await fetch(cookiePolicy)).text()).not.toContain(name);
  const { stdout } = await promisify(execFile)(binary, ["inventory", "import", file], {
    env: { ...process.env, ...server.env },
  });
  expect(stdout).toContain("now in force");
  await expect
    .poll(async () => (await fetch(cookiePolicy)).text(), { timeout: 1_500 })
    .toContain(name);
}

test("a changed cookie inventory asks again, saying why", async ({ page, context, server }, testInfo) => {
  await open(page, "/", testInfo);
  await banner(page).getByRole("button", { name: "Accept all" }).click();
  await expect(banner(page)).toBeHidden();
  await open(page, "/policies", testInfo);
  await expect(banner(page)).toBeHidden();
  const before = await consent(context);
  expect(before?.choices).toEqual({ analytics: true, marketing: true, preferences: true });

  const service = `qs_heatmap_${testInfo.project.name.replace(/\W/g, "")}_${Date.now()}`;
  await addAnalyticsService(server, service);

  await open(page, "/policies", testInfo);
  await expect(banner(page)).toBeVisible();
  await expect(banner(page)).toContainText("The cookies we use have changed since you last chose");
  await expect(banner(page).getByRole("link", { name: "See what changed." })).toBeVisible();
  await banner(page).locator("summary", { hasText: "Customise" }).click();
  await expect(banner(page).getByText(service)).toBeVisible();
  await banner(page).getByRole("button", { name: "Reject all" }).click();
  await expect(banner(page)).toBeHidden();
  const after = await consent(context);
  expect(after?.version).not.toEqual(before?.version);
  expect(after?.choices).toEqual({ analytics: false, marketing: false, preferences: false });
});

test("an admin adds a service in the inventory editor, confirms, and visitors are asked again", async ({
  page,
  server,
}, testInfo) => {
  await open(page, "/", testInfo);
  await banner(page).getByRole("button", { name: "Accept all" }).click();
  await expect(banner(page)).toBeHidden();

  const admin = `inventory-${testInfo.project.name}-${Date.now()}@example.com`;
  await createAccount(server, admin, "admin");
  await open(page, "/admin/inventory", testInfo);
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/admin\/inventory$/);
  await expect(page.locator("main > h1")).toHaveText("Cookie inventory");

  const service = `qs_editor_${testInfo.project.name.replace(/\W/g, "")}_${Date.now()}`;
  const source = page.getByLabel("Inventory (the file format");
  await source.fill(withAnalyticsService(await source.inputValue(), service));
  await page.getByRole("button", { name: "Save draft and review" }).click();

  const review = page.getByRole("region", { name: "Review of the draft" });
  await expect(review).toContainText("every visitor will be asked for consent again");
  await expect(review.getByRole("listitem").first()).toContainText("New service");
  await expect(review.getByRole("listitem").first()).toContainText(service);
  await review.getByLabel("I understand that every visitor will be asked for consent again.").check();
  await review.getByRole("button", { name: "Put in force" }).click();
  await expect(page.locator(".admin-notice").first()).toContainText("The new inventory is in force");
  await expect(page.getByRole("region", { name: "Review of the draft" })).toBeHidden();

  await open(page, "/policies", testInfo);
  await expect(banner(page)).toBeVisible();
  await expect(banner(page)).toContainText("The cookies we use have changed since you last chose");
  await banner(page).locator("summary", { hasText: "Customise" }).click();
  await expect(banner(page).getByText(service)).toBeVisible();
});
