import { expect, test } from "@playwright/test";
import { hydrated, open } from "./helpers";

test("a policy shows its current text, dates and the upcoming change", async ({ page }, testInfo) => {
  const response = await open(page, "/policies/privacy", testInfo);
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle("Privacy Policy");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Privacy Policy");
  await expect(page.locator(".policy-dates")).toContainText("Last updated");
  await expect(page.locator(".policy-dates")).toContainText("Effective");
  const banner = page.getByRole("complementary", { name: "A change to this policy is coming" });
  // Fluent isolates interpolated values with invisible marks (U+2068, U+2069).
  await expect(banner).toContainText(/in \u2068?3[01]\u2069? days/);
  await expect(banner.getByRole("link", { name: "See what changes" })).toHaveAttribute(
    "href",
    "/policies/privacy/diff/2..3",
  );
  await expect(page.locator(".policy-text")).toContainText("API content is deleted after 30 days.");

  // The table of contents leads to a stable anchor.
  await page.getByRole("navigation", { name: "Contents" }).getByRole("link", { name: "8. Data retention" }).click();
  await expect(page).toHaveURL(/#8-data-retention$/);
});

test("the upcoming version is readable before it applies", async ({ page }, testInfo) => {
  await open(page, "/policies/privacy", testInfo);
  await page.getByRole("link", { name: "Read the new version" }).click();
  await expect(page).toHaveURL(/\/policies\/privacy\/v\/3$/);
  await expect(page.getByRole("status")).toContainText("This version is not in effect yet.");
  await expect(page.locator(".policy-text")).toContainText("API content is deleted after 14 days.");
  if (hydrated(testInfo)) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
  }
});

test("history lists every version and old versions are marked superseded", async ({ page }, testInfo) => {
  await open(page, "/policies/terms/history", testInfo);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Version history");
  const rows = page.locator("table.history tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText("upcoming");
  await page.locator('table.history a[href="/policies/terms/v/1"]').click();
  await expect(page).toHaveURL(/\/policies\/terms\/v\/1$/);
  await expect(page.getByRole("status")).toContainText("This version has been replaced");
  await page.getByRole("link", { name: "Read the current version." }).click();
  await expect(page).toHaveURL(/\/policies\/terms$/);
  await expect(page.locator(".policy-text")).toContainText("Keep your API keys secret.");
});

test.describe("a German reader", () => {
  test.use({ locale: "de-DE" });

  test("gets the German policy with German dates", async ({ page }, testInfo) => {
    await open(page, "/policies/cookies", testInfo);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Cookie-Richtlinie");
    await expect(page.locator(".policy-dates")).toContainText("Zuletzt aktualisiert");
    await expect(page.locator(".policy-dates time").first()).toContainText(
      /(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)/,
    );
    await expect(page.getByRole("complementary")).toContainText("Marketing");
  });
});

test("an unknown policy answers 404", async ({ page }) => {
  const response = await page.goto("/policies/no-such-policy");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
});
