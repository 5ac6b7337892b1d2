import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { hydrated, open } from "./helpers";

const banner = (page: Page) => page.getByRole("region", { name: "Cookies on this site" });

/** The choices in the consent cookie (its payload is base64url JSON, before the signature). */
async function consentChoices(context: BrowserContext) {
  const cookie = (await context.cookies()).find((c) => c.name === "charter_consent");
  if (!cookie) return undefined;
  const payload = cookie.value.split(".")[0];
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).c as Record<string, boolean>;
}

test("a first visit shows the banner, three equal actions and no cookie at all", async ({ page, context }, testInfo) => {
  await open(page, "/policies/privacy", testInfo);
  await expect(banner(page)).toBeVisible();
  await expect(banner(page).getByRole("link", { name: "Cookie Policy" })).toHaveAttribute("href", "/policies/cookies");
  const actions = [
    banner(page).getByRole("button", { name: "Accept all" }),
    banner(page).getByRole("button", { name: "Reject all" }),
    banner(page).locator("summary", { hasText: "Customise" }),
  ];
  const boxes = await Promise.all(actions.map((action) => action.boundingBox()));
  for (const box of boxes) {
    expect(box).not.toBeNull();
    expect(Math.abs(box!.width - boxes[0]!.width)).toBeLessThanOrEqual(1);
    expect(Math.abs(box!.height - boxes[0]!.height)).toBeLessThanOrEqual(1);
  }
  // The policy text is readable below the banner: no wall.
  await expect(page.locator(".policy-text")).toBeVisible();
  expect(await context.cookies()).toEqual([]);
});

test("reject all records the refusal and the banner stays away", async ({ page, context }, testInfo) => {
  await open(page, "/policies/terms", testInfo);
  if (hydrated(testInfo)) await page.evaluate(() => ((window as any).stayed = true));
  await banner(page).getByRole("button", { name: "Reject all" }).click();
  await expect(banner(page)).toBeHidden();
  await expect(page).toHaveURL(/\/policies\/terms$/);
  if (hydrated(testInfo)) expect(await page.evaluate(() => (window as any).stayed)).toBe(true);
  expect(await consentChoices(context)).toEqual({ analytics: false, marketing: false, preferences: false });
  // The signed choice and its readable mirror for the company's other sites: nothing else.
  const names = (await context.cookies()).map((c) => c.name).sort();
  expect(names).toEqual(["charter_choices", "charter_consent"]);
  await page.reload();
  await expect(page.locator(".consent-banner")).toHaveCount(0);
});

test("accept all allows every category", async ({ page, context }, testInfo) => {
  await open(page, "/", testInfo);
  await banner(page).getByRole("button", { name: "Accept all" }).click();
  await expect(banner(page)).toBeHidden();
  expect(await consentChoices(context)).toEqual({ analytics: true, marketing: true, preferences: true });
});

test("customise lists the services and stores exactly what was ticked", async ({ page, context }, testInfo) => {
  await open(page, "/", testInfo);
  await banner(page).locator("summary", { hasText: "Customise" }).click();
  await expect(banner(page).getByText("Brightlane Ads Ltd")).toBeVisible();
  const analytics = banner(page).getByRole("checkbox", { name: "Analytics" });
  await expect(analytics).not.toBeChecked();
  await expect(banner(page).getByRole("checkbox", { name: /Strictly necessary/ })).toBeDisabled();
  await analytics.check();
  await banner(page).getByRole("button", { name: "Save my choices" }).click();
  await expect(banner(page)).toBeHidden();
  expect(await consentChoices(context)).toEqual({ analytics: true, marketing: false, preferences: false });
});

test("a tampered consent cookie brings the banner back", async ({ page, context }, testInfo) => {
  await open(page, "/", testInfo);
  await banner(page).getByRole("button", { name: "Accept all" }).click();
  await expect(banner(page)).toBeHidden();
  const cookie = (await context.cookies()).find((c) => c.name === "charter_consent")!;
  const [payload, signature] = cookie.value.split(".");
  const forged = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  forged.c.marketing = false;
  await context.addCookies([
    { ...cookie, value: `${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${signature}` },
  ]);
  await open(page, "/", testInfo);
  await expect(banner(page)).toBeVisible();
});

test.describe("on a 320 px wide screen", () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test("the banner fits and can be used", async ({ page, context }, testInfo) => {
    await open(page, "/", testInfo);
    await expect(banner(page)).toBeVisible();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(320);
    await banner(page).getByRole("button", { name: "Reject all" }).click();
    await expect(banner(page)).toBeHidden();
    expect(await consentChoices(context)).toEqual({ analytics: false, marketing: false, preferences: false });
  });
});

test("the banner is reachable by keyboard", async ({ page }, testInfo) => {
  await open(page, "/", testInfo);
  const accept = banner(page).getByRole("button", { name: "Accept all" });
  for (let i = 0; i < 20 && !(await accept.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(accept).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(banner(page)).toBeHidden();
});

test("cookie settings change the choice, and withdrawal expires the withdrawn cookies", async ({ page, context, baseURL }, testInfo) => {
  await open(page, "/", testInfo);
  await banner(page).getByRole("button", { name: "Accept all" }).click();
  await expect(banner(page)).toBeHidden();
  // A cookie of the analytics category, as the site's analytics would have set it.
  await context.addCookies([{ name: "qs_stats", value: "1", url: baseURL! }]);

  await page.getByRole("contentinfo").getByRole("link", { name: "Cookie settings" }).click();
  await expect(page).toHaveURL(/\/cookies\/settings$/);
  if (hydrated(testInfo)) await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
  await expect(page.getByRole("status")).toContainText("You made your choice on");
  const marketing = page.getByRole("checkbox", { name: "Marketing" });
  await expect(marketing).toBeChecked();
  await marketing.uncheck();
  await page.getByRole("button", { name: "Save my choices" }).click();
  await expect(page.getByRole("status")).not.toContainText("Marketing");
  expect(await consentChoices(context)).toEqual({ analytics: true, marketing: false, preferences: true });

  await page.getByRole("button", { name: "Withdraw all consent" }).click();
  await expect(page.getByRole("checkbox", { name: "Analytics" })).not.toBeChecked();
  expect(await consentChoices(context)).toEqual({ analytics: false, marketing: false, preferences: false });
  const names = (await context.cookies()).map((c) => c.name);
  expect(names).not.toContain("qs_stats");

  await page.getByRole("link", { name: "See the record of your choices" }).click();
  const rows = page.locator("table.receipts tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(2)).toContainText("withdraw");
});

test("a receipt downloads as a bundle the shipped verifier accepts without Charter", async ({ page }, testInfo) => {
  await open(page, "/", testInfo);
  await banner(page).getByRole("button", { name: "Reject all" }).click();
  await expect(banner(page)).toBeHidden();
  await page.goto("/cookies/receipts");
  const link = page.getByRole("link", { name: /Evidence bundle of entry/ });
  await expect(link).toHaveCount(1);
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toMatch(/^consent-event-\d+\.evidence\.json$/);
  const file = testInfo.outputPath("bundle.json");
  await download.saveAs(file);
  // The key as a reader would fetch it, apart from the bundle.
  const key = (await (await page.request.get("/.well-known/charter-log.pub")).text()).trim();
  const verifier = path.resolve(__dirname, "../../scripts/verify-evidence-bundle.py");
  const { stdout } = await promisify(execFile)("python3", [verifier, file, "--public-key", key]);
  expect(stdout).toContain("verified: consent event");
  expect(stdout).toContain("deny by reject_all");
});

test("the Cookie Policy lists the cookies the banner asks about", async ({ page }, testInfo) => {
  await open(page, "/policies/cookies", testInfo);
  const table = page.getByRole("region", { name: "The cookies we use" });
  await expect(table).toBeVisible();
  await expect(table.getByRole("row", { name: /Campaign measurement/ })).toContainText("bl_click");
  await expect(table.getByRole("heading", { name: "Marketing" })).toBeVisible();
});

test.describe("a browser sending Global Privacy Control", () => {
  test.use({ extraHTTPHeaders: { "Sec-GPC": "1" } });

  test("has marketing refused, is told so, and still chooses the rest", async ({ page, context }, testInfo) => {
    await open(page, "/", testInfo);
    await expect(banner(page)).toContainText("Global Privacy Control signal");
    await expect(banner(page).locator(".consent-gpc")).toContainText("Marketing");
    expect(await consentChoices(context)).toEqual({ marketing: false });
    await banner(page).getByRole("button", { name: "Accept all" }).click();
    await expect(banner(page)).toBeHidden();
    expect(await consentChoices(context)).toEqual({ analytics: true, marketing: false, preferences: true });
  });
});
