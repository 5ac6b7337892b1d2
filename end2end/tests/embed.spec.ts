import AxeBuilder from "@axe-core/playwright";
import { expect, test, type BrowserContext, type Page, type Request } from "@playwright/test";
import { embed } from "../servers";
import { hydrated, registerSite } from "./helpers";

// The demo company site (another origin) embeds Charter's banner with one script tag and gates
// an analytics script and a video frame on it. What loads, and when, is read from the network
// log; cookies from the browser's jar.

const site = embed.site;

/** Every request the page makes, in order, and what the page's CSP refused. */
function networkLog(page: Page) {
  const requests: Request[] = [];
  const refused: string[] = [];
  page.on("request", (request) => requests.push(request));
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) refused.push(message.text());
  });
  return {
    refused,
    urls: () => requests.map((request) => new URL(request.url())),
    /** Whether the company page's own `path` was requested (from whichever name it has). */
    loaded: (path: string) =>
      requests.some((request) => {
        const url = new URL(request.url());
        return url.origin !== embed.url && url.pathname === path;
      }),
  };
}

async function cookieNames(context: BrowserContext) {
  return (await context.cookies()).map((cookie) => cookie.name).sort();
}

const banner = (page: Page) => page.getByRole("region", { name: "Cookies on this site" });

/** The `dataLayer` entries, as plain arrays and objects. */
function dataLayer(page: Page) {
  return page.evaluate(() =>
    ((window as unknown as { dataLayer: unknown[] }).dataLayer ?? []).map((entry) =>
      entry && typeof entry === "object" && "length" in (entry as object)
        ? Array.from(entry as ArrayLike<unknown>)
        : entry,
    ),
  );
}

test.describe("without JavaScript", () => {
  test("nothing gated loads and no cookie is set", async ({ page, context }, testInfo) => {
    test.skip(hydrated(testInfo), "the page as a browser without JavaScript sees it");
    const log = networkLog(page);
    await page.goto(site);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("demo company site");
    expect(log.loaded("/analytics.js")).toBe(false);
    expect(log.loaded("/video")).toBe(false);
    await expect(page.locator("#analytics-status")).toHaveText("Analytics: not loaded");
    expect(await cookieNames(context)).toEqual([]);
  });
});

test.describe("the embedded banner", () => {
  test.beforeEach(({}, testInfo) => {
    test.skip(!hydrated(testInfo), "the embed is JavaScript on the company's page");
  });

  test("before consent nothing gated loads, and Consent Mode starts denied", async ({ page, context }) => {
    const log = networkLog(page);
    await page.goto(site);
    await expect(banner(page)).toBeVisible();
    expect(log.loaded("/analytics.js")).toBe(false);
    expect(log.loaded("/video")).toBe(false);
    await expect(page.locator("iframe[title='Product video']")).not.toHaveAttribute("src", /.+/);
    await expect(page.getByText("This content is blocked until you allow cookies for: Marketing")).toBeVisible();
    expect(await cookieNames(context)).toEqual([]);
    expect(log.refused).toEqual([]);
    // Only Charter and the page's own origin were asked for anything.
    for (const url of log.urls()) expect([site, embed.url]).toContain(url.origin);
    const layer = await dataLayer(page);
    expect(layer[0]).toEqual([
      "consent",
      "default",
      {
        ad_storage: "denied",
        ad_user_data: "denied",
        ad_personalization: "denied",
        analytics_storage: "denied",
        functionality_storage: "denied",
        personalization_storage: "denied",
        security_storage: "denied",
        wait_for_update: 500,
      },
    ]);

    // Accept all, Reject all and Customise are the same size.
    const sizes = await Promise.all(
      ["Accept all", "Reject all", "Customise"].map((name) =>
        banner(page).getByRole("button", { name, exact: true }).boundingBox(),
      ),
    );
    for (const size of sizes) {
      expect(size?.width).toBeCloseTo(sizes[0]!.width, 0);
      expect(size?.height).toBeCloseTo(sizes[0]!.height, 0);
    }
  });

  test("Accept all loads what was gated without a reload, and the choice holds on the domain", async ({ page, context }) => {
    const log = networkLog(page);
    await page.goto(site);
    await expect(banner(page)).toBeVisible();
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    const consented = page.waitForResponse((r) => r.url() === `${embed.url}/api/consent` && r.status() === 201);
    await banner(page).getByRole("button", { name: "Accept all" }).click();
    await consented;
    await expect(page.locator("#analytics-status")).toHaveText("Analytics: loaded");
    await expect(page.locator("iframe[title='Product video']")).toHaveAttribute("src", "/video");
    expect(log.loaded("/analytics.js")).toBe(true);
    expect(log.loaded("/video")).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    // The company page's strict policy (no inline styles or scripts) refused nothing.
    expect(log.refused).toEqual([]);
    await expect(banner(page)).toBeHidden();
    expect(await page.evaluate(() => window.Charter.consent)).toEqual({
      necessary: true,
      analytics: true,
      marketing: true,
      preferences: true,
    });

    // Consent Mode: the update follows the default, granted as the inventory maps it.
    const layer = await dataLayer(page);
    const update = layer.findLastIndex((e) => Array.isArray(e) && e[0] === "consent" && e[1] === "update");
    expect(update).toBeGreaterThan(0);
    expect(layer[update]).toEqual([
      "consent",
      "update",
      expect.objectContaining({ analytics_storage: "granted", ad_storage: "granted", security_storage: "granted" }),
    ]);
    expect(layer.slice(update)).toContainEqual(expect.objectContaining({ event: "charter_consent" }));

    // The choice is scoped to the company's domain: its mirror is readable there, and
    // Charter's own pages on legal.charter.test know it too.
    const cookies = await context.cookies();
    const mirror = cookies.find((c) => c.name === "charter_choices");
    expect(mirror?.domain).toBe(".charter.test");
    expect(mirror?.httpOnly).toBe(false);
    expect(cookies.find((c) => c.name === "charter_consent")?.httpOnly).toBe(true);
    await page.goto(`${embed.url}/policies`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByRole("button", { name: "Accept all" })).toHaveCount(0);

    // A returning visitor's consent is known synchronously: the moment the script defines
    // `window.Charter`, before Charter has answered.
    const atLoad = page.waitForEvent("console", (m) => m.text().startsWith("consent at load:"));
    await page.addInitScript(() => {
      Object.defineProperty(window, "Charter", {
        configurable: true,
        get: () => undefined,
        set(charter) {
          Object.defineProperty(window, "Charter", { value: charter, writable: true, configurable: true });
          console.log(`consent at load: ${JSON.stringify(charter.consent)} ready=${charter.ready}`);
        },
      });
    });
    await page.goto(site);
    const logged = (await atLoad).text();
    expect(logged).toContain('"analytics":true');
    expect(logged).toContain("ready=false");
  });

  test("Reject all loads nothing, then or after a reload", async ({ page, context }) => {
    const log = networkLog(page);
    await page.goto(site);
    await banner(page).getByRole("button", { name: "Reject all" }).click();
    await expect(banner(page)).toBeHidden();
    await page.reload();
    await expect.poll(() => page.evaluate(() => window.Charter.ready)).toBe(true);
    await expect(banner(page)).toBeHidden();
    expect(log.loaded("/analytics.js")).toBe(false);
    expect(log.loaded("/video")).toBe(false);
    expect(await cookieNames(context)).toEqual(["charter_choices", "charter_consent"]);
    const layer = await dataLayer(page);
    const update = layer.find((e) => Array.isArray(e) && e[1] === "update") as unknown[];
    expect(update[2]).toEqual(expect.objectContaining({ analytics_storage: "denied", ad_storage: "denied" }));
  });

  test("a withdrawal expires the category's Domain= cookies and reloads, saying so", async ({ page, context }) => {
    await page.goto(site);
    await banner(page).getByRole("button", { name: "Accept all" }).click();
    await expect(page.locator("#analytics-status")).toHaveText("Analytics: loaded");
    const analytics = (await context.cookies()).find((c) => c.name === "_demo_analytics");
    expect(analytics?.domain).toBe(".charter.test");

    await page.getByRole("button", { name: "Cookie settings" }).click();
    const settings = page.getByRole("dialog", { name: "Cookie settings" });
    await expect(settings).toBeVisible();
    await settings.getByRole("checkbox", { name: "Analytics" }).uncheck();
    const reloaded = page.waitForEvent("load");
    await settings.getByRole("button", { name: "Save my choices" }).click();
    await expect(page.getByText("You withdrew consent. The page reloads to stop what was running.")).toBeVisible();
    expect((await context.cookies()).map((c) => c.name)).not.toContain("_demo_analytics");
    await reloaded;
    await expect.poll(() => page.evaluate(() => window.Charter?.ready)).toBe(true);
    await expect(page.locator("#analytics-status")).toHaveText("Analytics: not loaded");
    expect(await page.evaluate(() => window.Charter.consent.analytics)).toBe(false);
  });

  test("GPC overrides an earlier accept, and the page says so", async ({ page, context }) => {
    await page.goto(site);
    await banner(page).getByRole("button", { name: "Accept all" }).click();
    await expect(page.locator("iframe[title='Product video']")).toHaveAttribute("src", "/video");

    await context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }),
    );
    const signal = page.waitForResponse((r) => r.url() === `${embed.url}/api/consent/gpc`);
    const reloaded = page.waitForEvent("load");
    await page.reload();
    expect((await signal).status()).toBe(201);
    // Marketing was running: the withdrawal reloads the page once more.
    await reloaded;
    await expect.poll(() => page.evaluate(() => window.Charter?.consent.marketing)).toBe(false);
    expect(await page.evaluate(() => window.Charter.consent.analytics)).toBe(true);
    await page.getByRole("button", { name: "Cookie settings" }).click();
    await expect(page.getByRole("dialog").getByText("Opt-out preference signal honored")).toBeVisible();
  });

  test("an unregistered origin is refused and shows no banner", async ({ page, context }) => {
    // Charter answers 403 without allowing the origin, so the browser refuses the answer too.
    const refused = page.waitForEvent("requestfailed", (r) => r.url().startsWith(`${embed.url}/api/consent/banner`));
    await page.goto(embed.unregistered);
    await refused;
    const direct = await page.request.get(`${embed.ready!.replace("/readyz", "")}/api/consent/banner`, {
      headers: { origin: embed.unregistered },
    });
    expect(direct.status()).toBe(403);
    expect((await direct.json()).error).toContain("/admin/sites");
    await expect.poll(() => page.evaluate(() => window.Charter?.ready)).toBe(true);
    await expect(banner(page)).toHaveCount(0);
    await expect(page.locator("#analytics-status")).toHaveText("Analytics: not loaded");
    expect(await cookieNames(context)).toEqual([]);
  });

  test("a visitor consents with the keyboard alone", async ({ page, context }) => {
    await page.goto(site);
    await expect(banner(page)).toBeVisible();
    const focusedText = () =>
      page.evaluate(() => {
        let element = document.activeElement;
        while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
        // A checkbox is named by the label around it.
        return (element?.closest("label") ?? element)?.textContent ?? "";
      });
    for (let i = 0; i < 20 && (await focusedText()) !== "Customise"; i++) await page.keyboard.press("Tab");
    expect(await focusedText()).toBe("Customise");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Choose per category" });
    await expect(dialog).toBeVisible();
    for (let i = 0; i < 20 && !(await focusedText()).startsWith("Analytics"); i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Space");
    for (let i = 0; i < 30 && (await focusedText()) !== "Save my choices"; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect(dialog).toBeHidden();
    await expect(page.locator("#analytics-status")).toHaveText("Analytics: loaded");
    expect(await page.evaluate(() => window.Charter.consent)).toEqual({
      necessary: true,
      analytics: true,
      marketing: false,
      preferences: false,
    });
    expect(await cookieNames(context)).toContain("charter_choices");
  });

  test("axe finds no serious or critical violation in the banner or its dialog", async ({ page }) => {
    await page.goto(site);
    await expect(banner(page)).toBeVisible();
    const serious = async () =>
      (await new AxeBuilder({ page }).include("#charter-consent").analyze()).violations.filter(
        (v) => v.impact === "serious" || v.impact === "critical",
      );
    expect(await serious()).toEqual([]);
    await banner(page).getByRole("button", { name: "Customise" }).click();
    await expect(page.getByRole("dialog", { name: "Choose per category" })).toBeVisible();
    expect(await serious()).toEqual([]);
  });

  test("an opt-out site asks nothing first, links “Your Privacy Choices”, and honours GPC", async ({ browser, page }, testInfo) => {
    // The operator registers the company's US site as opt-out; the server sees it within the
    // registry's five seconds.
    const usSite = site.replace("www.", `us${testInfo.repeatEachIndex}-${Date.now()}.`);
    await registerSite(embed, usSite, "opt-out");
    await expect
      .poll(
        async () =>
          (
            await page.request.get(`${embed.ready!.replace("/readyz", "")}/api/consent/banner`, {
              headers: { origin: usSite },
            })
          ).status(),
        { timeout: 10_000 },
      )
      .toBe(200);

    const visitor = await browser.newContext();
    const us = await visitor.newPage();
    const log = networkLog(us);
    await us.goto(usSite);
    await expect.poll(() => us.evaluate(() => window.Charter?.ready)).toBe(true);
    await expect(banner(us)).toBeHidden();
    const choices = us.getByRole("button", { name: "Your Privacy Choices" });
    await expect(choices).toBeVisible();
    await expect(choices.locator("svg")).toBeVisible();
    // Optional categories are on until the visitor opts out.
    await expect(us.locator("#analytics-status")).toHaveText("Analytics: loaded");
    expect(log.loaded("/video")).toBe(true);
    // Opting out is one click once the choices are open.
    await choices.click();
    const reloaded = us.waitForEvent("load");
    await us.getByRole("dialog", { name: "Cookie settings" }).getByRole("button", { name: "Reject all" }).click();
    await reloaded;
    await expect.poll(() => us.evaluate(() => window.Charter?.consent.marketing)).toBe(false);
    await visitor.close();

    // A visitor whose browser sends GPC is opted out of sale and sharing from the start.
    const gpcVisitor = await browser.newContext();
    await gpcVisitor.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }),
    );
    const withGpc = await gpcVisitor.newPage();
    const signal = withGpc.waitForResponse((r) => r.url() === `${embed.url}/api/consent/gpc`);
    await withGpc.goto(usSite);
    expect((await signal).status()).toBe(201);
    await expect.poll(() => withGpc.evaluate(() => window.Charter?.consent)).toEqual({
      necessary: true,
      analytics: true,
      marketing: false,
      preferences: true,
    });
    await expect(withGpc.locator("iframe[title='Product video']")).not.toHaveAttribute("src", /.+/);
    await withGpc.getByRole("button", { name: "Your Privacy Choices" }).click();
    await expect(withGpc.getByRole("dialog").getByText("Opt-out preference signal honored")).toBeVisible();
    await gpcVisitor.close();
  });

  test("at 320 px the banner fits and the page does not shift", async ({ page }) => {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(site);
    const heading = page.getByRole("heading", { level: 1 });
    const before = await heading.boundingBox();
    await expect(banner(page)).toBeVisible();
    expect(await heading.boundingBox()).toEqual(before);
    const region = await banner(page).boundingBox();
    expect(region!.x).toBeGreaterThanOrEqual(0);
    expect(region!.x + region!.width).toBeLessThanOrEqual(320);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  });
});

declare global {
  interface Window {
    Charter: { consent: Record<string, boolean>; ready: boolean };
  }
}
