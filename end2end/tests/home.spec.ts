import { expect, test } from "@playwright/test";
import { hydrated, open } from "./helpers";

test("home page shows the organisation and its policies", async ({ page }, testInfo) => {
  const response = await open(page, "/", testInfo);
  expect(response?.status()).toBe(200);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page).toHaveTitle("Quillstone AI Ltd");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Policies of .Quillstone AI Ltd./);
  const list = page.locator("main .document-list");
  await expect(list.getByRole("link")).toHaveText([
    "Privacy Policy",
    "Cookie Policy",
    "Terms of Service",
    "Sub-processors",
  ]);
  await expect(page.getByRole("contentinfo").getByRole("link", { name: "Privacy Policy" })).toBeVisible();
});

test.describe("a browser that prefers German", () => {
  test.use({ locale: "de-DE" });

  test("gets the German page from Accept-Language", async ({ page }, testInfo) => {
    await open(page, "/", testInfo);
    await expect(page.locator("html")).toHaveAttribute("lang", "de");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Richtlinien von/);
    await expect(page.locator("main .document-list").getByRole("link").first()).toHaveText(
      "Datenschutzerklärung",
    );
  });
});

test("the language switch changes the page and is remembered", async ({ page, context }, testInfo) => {
  await open(page, "/", testInfo);
  // A plain form in both modes: the page comes back in the language chosen.
  await page.getByRole("button", { name: "Deutsch" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Richtlinien von/);
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.getByRole("button", { name: "Deutsch" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("main .document-list").getByRole("link").first()).toHaveText(
    "Datenschutzerklärung",
  );
  const cookies = await context.cookies();
  expect(cookies.find((cookie) => cookie.name === "charter-lang")?.value).toBe("de");

  // A fresh load keeps the choice.
  await open(page, "/", testInfo);
  await expect(page.locator("html")).toHaveAttribute("lang", "de");

  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Policies of/);
});

test("an unknown address answers 404 with a helpful page", async ({ page }, testInfo) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await page.getByRole("link", { name: "Back to the home page" }).click();
  await expect(page).toHaveURL("/");
  if (hydrated(testInfo)) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
  }
});

test("the skip link leads keyboard users to the content", async ({ page }, testInfo) => {
  await open(page, "/", testInfo);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
});

test("the home page lists the upcoming change with its comparison", async ({ page }, testInfo) => {
  await open(page, "/", testInfo);
  const upcoming = page.getByRole("region", { name: "Upcoming changes" });
  await expect(upcoming).toContainText("Privacy Policy");
  await expect(upcoming).toContainText("new version in effect from");
  await upcoming
    .getByRole("listitem")
    .filter({ hasText: "Privacy Policy" })
    .getByRole("link", { name: "See what changes" })
    .click();
  await expect(page).toHaveURL(/\/policies\/privacy\/diff\/2\.\.3$/);
});
