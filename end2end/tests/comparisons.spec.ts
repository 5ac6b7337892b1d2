import { expect, test } from "@playwright/test";
import { hydrated, open } from "./helpers";

test("the upcoming change leads to a comparison that marks what changes", async ({ page }, testInfo) => {
  await open(page, "/policies/privacy", testInfo);
  await page.getByRole("link", { name: "See what changes" }).click();
  await expect(page).toHaveURL(/\/policies\/privacy\/diff\/2\.\.3$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Changes to");
  const summary = page.locator(".diff-summary");
  await expect(summary).toContainText("Before: version");
  await expect(summary).toContainText("API content will be deleted after 14 days instead of 30");
  await expect(summary.locator(".diff-counts")).toContainText("words added");
  // Deletions and insertions are marked up, each changed block carries a visible label.
  await expect(page.locator(".diff-inline del").first()).toBeVisible();
  await expect(page.locator(".diff-inline ins").first()).toBeVisible();
  await expect(page.locator("#change-1 .diff-label")).toBeVisible();
});

test("every layout is its own page", async ({ page }, testInfo) => {
  await open(page, "/policies/privacy/diff/1..3", testInfo);
  await page.getByRole("link", { name: "Side by side" }).click();
  await expect(page).toHaveURL(/\?view=side-by-side$/);
  await expect(page.locator(".diff-side-by-side")).toBeVisible();
  await expect(page.locator(".diff-side-by-side .diff-before del").first()).toBeVisible();
  await expect(page.locator(".diff-side-by-side .diff-after ins").first()).toBeVisible();

  await page.getByRole("link", { name: "Changed sections only" }).click();
  await expect(page).toHaveURL(/\?view=changes$/);
  const collapsed = page.locator(".diff-collapsed").first();
  await expect(collapsed).toBeVisible();
  // A collapsed section opens in the inline view at that section.
  await collapsed.getByRole("link").click();
  await expect(page).toHaveURL(/\/diff\/1\.\.3#section-\d+$/);
  await expect(page.locator(".diff-inline")).toBeVisible();
});

test("history compares any two versions", async ({ page }, testInfo) => {
  await open(page, "/policies/terms/history", testInfo);
  await page.locator('a[href="/policies/terms/diff/1..2"]').click();
  await expect(page).toHaveURL(/\/policies\/terms\/diff\/1\.\.2$/);
  await expect(page.locator(".diff-summary")).toBeVisible();

  await open(page, "/policies/terms/history", testInfo);
  await page.locator('select[name="from"]').selectOption("3");
  await page.locator('select[name="to"]').selectOption("1");
  await page.getByRole("button", { name: "Compare" }).click();
  await expect(page).toHaveURL(/\/policies\/terms\/diff\/3\.\.1$/);
  await expect(page.locator(".diff-summary")).toContainText(/Before: version \u2068?1\u2069?/);
  await expect(page.locator(".diff-summary")).toContainText(/After: version \u2068?3\u2069?/);
});

test("the Markdown diff downloads", async ({ page }, testInfo) => {
  await open(page, "/policies/privacy/diff/2..3", testInfo);
  const link = page.getByRole("link", { name: "Download as .diff" });
  await expect(link).toHaveAttribute("href", "/policies/privacy/diff/2..3.diff?lang=en");
  const response = await page.request.get("/policies/privacy/diff/2..3.diff");
  expect(response.status()).toBe(200);
  expect(await response.text()).toMatch(/^--- a\/privacy\.v2\.en\.md\n\+\+\+ b\/privacy\.v3\.en\.md\n@@ /);
});

test("n and p jump between changes once hydrated", async ({ page }, testInfo) => {
  await open(page, "/policies/terms/diff/1..3", testInfo);
  const changes = page.locator(".diff-change");
  const count = await changes.count();
  expect(count).toBeGreaterThan(1);
  if (!hydrated(testInfo)) {
    // Without JavaScript the keys do nothing and the hint is hidden; the page is complete.
    await expect(page.locator(".diff-keys")).toBeHidden();
    await page.keyboard.press("n");
    await expect(page.locator("#change-1")).not.toBeFocused();
    return;
  }
  await expect(page.locator(".diff-keys")).toBeVisible();
  await page.keyboard.press("n");
  await expect(page.locator("#change-1")).toBeFocused();
  await expect(page).toHaveURL(/#change-1$/);
  await page.keyboard.press("n");
  await expect(page.locator("#change-2")).toBeFocused();
  await page.keyboard.press("p");
  await expect(page.locator("#change-1")).toBeFocused();
  await expect(page).toHaveURL(/#change-1$/);
  // The last change stays put on further presses.
  for (let i = 0; i < count + 1; i++) await page.keyboard.press("n");
  await expect(page.locator(`#change-${count}`)).toBeFocused();
});

test("an unknown version answers 404 with a message", async ({ page }) => {
  const response = await page.goto("/policies/privacy/diff/2..9");
  expect(response?.status()).toBe(404);
  await expect(page.locator(".error-page")).toContainText(/no version \u2068?9\u2069?/);
});
