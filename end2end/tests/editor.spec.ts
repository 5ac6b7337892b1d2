import { expect, test as base, type Page } from "@playwright/test";
import { isolated, type Server } from "../servers";
import { createAccount, hydrated, open, signIn } from "./helpers";

// This spec publishes revisions, which every visitor sees, so it runs against a server of its own.
const test = base.extend<{ server: Server }>({
  server: async ({}, use, testInfo) => use(isolated[testInfo.project.name]),
  baseURL: async ({ server }, use) => use(server.url),
});

/** The day `days` from now, as a date field takes it. */
function dayIn(days: number) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

const notice = (page: Page) => page.locator(".admin-notice");

test("a publisher drafts with a preview, compares, and publishes a material change", async ({
  page,
  server,
}, testInfo) => {
  const email = `publisher-${testInfo.project.name}-${Date.now()}@example.com`;
  await createAccount(server, email, "publisher");
  await open(page, "/admin/documents", testInfo);
  await signIn(page, email);
  await expect(page).toHaveURL(/\/admin\/documents$/);
  await page.getByRole("row", { name: /Sub-processors/ }).getByRole("link").first().click();
  await expect(page).toHaveURL(/\/admin\/documents\/subprocessors\/en$/);
  await expect(page.locator("main > h1")).toContainText("Sub-processors");

  const marker = `Reviewed by the end-to-end suite ${Date.now()}`;
  const source = page.getByLabel("Markdown text");
  const text = `${await source.inputValue()}\n\n${marker}, with **bold words**.\n`;
  await source.fill(text);
  const preview = page.getByRole("region", { name: "Preview" });
  if (hydrated(testInfo)) {
    // The preview follows the typing and the draft saves itself.
    await expect(preview.locator("strong", { hasText: "bold words" })).toBeVisible();
    await expect(page.locator(".editor-save-state")).toContainText("Draft saved");
    await open(page, "/admin/documents/subprocessors/en", testInfo);
    await expect(page.getByLabel("Markdown text")).toHaveValue(text);
  } else {
    await expect(preview.locator("strong", { hasText: "bold words" })).toHaveCount(0);
    await page.getByRole("button", { name: "Save draft and preview" }).click();
    await expect(notice(page)).toHaveText("The draft is saved; the preview shows it.");
    await expect(preview.locator("strong", { hasText: "bold words" })).toBeVisible();
  }

  await page.getByRole("link", { name: "Compare with the latest version" }).click();
  await expect(page.locator(".diff ins").first()).toBeVisible();
  await expect(page.locator(".diff")).toContainText(marker);
  await open(page, "/admin/documents/subprocessors/en", testInfo);

  await page.getByRole("radio", { name: /^Material/ }).check();
  await page.getByLabel(/Summary of what changes/).fill("We name a new reviewer.");
  await page.getByLabel(/Takes effect on/).fill(dayIn(3));
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(notice(page)).toContainText("at the earliest");
  // A refused attempt keeps what was typed.
  await expect(page.getByLabel(/Summary of what changes/)).toHaveValue("We name a new reviewer.");
  await expect(page.getByLabel("Markdown text")).toHaveValue(text);

  await page.getByLabel(/Takes effect on/).fill(dayIn(45));
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(notice(page)).toContainText("no draft in");
  await page.getByLabel("Publish in this language only, without the other languages").check();
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/documents\?notice=published&revision=subprocessors/);
  await expect(notice(page)).toContainText("Published");

  await open(page, "/policies/subprocessors/history", testInfo);
  await expect(page.locator("main")).toContainText("We name a new reviewer.");
});

test("a publisher publishes an editorial fix, which takes effect at once", async ({ page, server }, testInfo) => {
  const email = `editorial-${testInfo.project.name}-${Date.now()}@example.com`;
  await createAccount(server, email, "publisher");
  await open(page, "/admin/documents/terms/en", testInfo);
  await signIn(page, email);
  await expect(page).toHaveURL(/\/admin\/documents\/terms\/en$/);

  const marker = `Typo fixed by the end-to-end suite ${testInfo.project.name} ${Date.now()}`;
  const source = page.getByLabel("Markdown text");
  await source.fill(`${await source.inputValue()}\n\n${marker}.\n`);
  await page.getByRole("radio", { name: /^Editorial/ }).check();
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/documents\?notice=published&revision=terms/);
  await expect(notice(page)).toContainText("Published");

  await open(page, "/policies/terms", testInfo);
  await expect(page.locator("main")).toContainText(marker);
});

test("an admin sets the notice period", async ({ page, server }, testInfo) => {
  const email = `admin-${testInfo.project.name}-${Date.now()}@example.com`;
  await createAccount(server, email, "admin");
  await open(page, "/admin/settings", testInfo);
  await signIn(page, email);
  await expect(page).toHaveURL(/\/admin\/settings$/);
  const days = page.getByLabel("Notice period for material changes (days)");
  await expect(days).toHaveAttribute("min", "14");
  await days.fill("30");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(notice(page)).toHaveText("Settings saved.");
  await expect(page.getByLabel("Notice period for material changes (days)")).toHaveValue("30");
});

test("typing after the session has ended says so, in the page's language, and keeps the text", async ({
  page,
  context,
  server,
}, testInfo) => {
  test.skip(!hydrated(testInfo), "the live preview and autosave exist only with JavaScript");
  const email = `editor-${testInfo.project.name}-${Date.now()}@example.com`;
  await createAccount(server, email, "editor");
  await open(page, "/admin/documents/privacy/en", testInfo);
  await signIn(page, email);
  await expect(page).toHaveURL(/\/admin\/documents\/privacy\/en$/);
  await context.clearCookies();
  const source = page.getByLabel("Markdown text");
  const text = `${await source.inputValue()}\n\nTyped after signing out.\n`;
  await source.fill(text);
  const ended = "Your session has ended. Sign in again to continue";
  await expect(page.getByRole("region", { name: "Preview" }).locator(".editor-preview-error")).toContainText(ended);
  await expect(page.locator(".editor-save-state")).toContainText(`Not saved: ${ended}`);
  await expect(source).toHaveValue(text);
});

test("typing while the server does not answer says so and keeps the text", async ({ page, server }, testInfo) => {
  test.skip(!hydrated(testInfo), "the live preview and autosave exist only with JavaScript");
  const email = `editor-offline-${testInfo.project.name}-${Date.now()}@example.com`;
  await createAccount(server, email, "editor");
  await open(page, "/admin/documents/privacy/en", testInfo);
  await signIn(page, email);
  await expect(page).toHaveURL(/\/admin\/documents\/privacy\/en$/);
  await page.route("**/api/admin/**", (route) => route.abort());
  const source = page.getByLabel("Markdown text");
  const text = `${await source.inputValue()}\n\nTyped while the server is away.\n`;
  await source.fill(text);
  const away = "The server did not answer; your text is still here.";
  await expect(page.getByRole("region", { name: "Preview" }).locator(".editor-preview-error")).toHaveText(away);
  await expect(page.locator(".editor-save-state")).toHaveText(`Not saved: ${away}`);
  await expect(source).toHaveValue(text);
});
