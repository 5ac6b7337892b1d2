import { expect, test, type Response } from "@playwright/test";
import { hydrated, open } from "./helpers";

test("the page and its assets arrive compressed, the assets under hashed names kept for good", async ({
  page,
}, testInfo) => {
  const assets: Response[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/pkg/")) assets.push(response);
  });
  const response = await open(page, "/policies/privacy", testInfo);
  expect(response?.status()).toBe(200);
  expect(response?.headers()["content-encoding"]).toBe("br");
  await page.waitForLoadState("networkidle");

  const names = assets.map((asset) => new URL(asset.url()).pathname);
  expect(names.some((name) => name.endsWith(".css"))).toBe(true);
  if (hydrated(testInfo)) {
    expect(names.some((name) => name.endsWith(".js"))).toBe(true);
    expect(names.some((name) => name.endsWith(".wasm"))).toBe(true);
  }
  for (const asset of assets) {
    const name = new URL(asset.url()).pathname;
    expect(asset.status(), name).toBe(200);
    // The build's content hash sits between the name and the extension.
    expect(name, name).toMatch(/^\/pkg\/charter\.[\w-]{8,}\.(css|js|wasm)$/);
    const headers = await asset.allHeaders();
    expect(headers["content-encoding"], name).toBe("br");
    expect(headers["cache-control"], name).toBe("public, max-age=31536000, immutable");
  }
});

test("a page without an island loads no JavaScript or wasm, and preloads nothing", async ({ page }, testInfo) => {
  // Once the visitor has chosen, the policy page holds no island.
  await open(page, "/policies/privacy", testInfo);
  await page.getByRole("button", { name: "Reject all" }).click();
  await expect(page.locator(".consent-banner")).toBeHidden();

  const fetched: string[] = [];
  page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
  await open(page, "/policies/privacy", testInfo);
  await page.waitForLoadState("networkidle");
  await expect(page.locator("leptos-island")).toHaveCount(0);
  expect(fetched.filter((path) => /\.(js|wasm)$/.test(path))).toEqual([]);
  await expect(page.locator('link[rel="preload"], link[rel="modulepreload"]')).toHaveCount(0);
  // The page's one script, the loader, is inline.
  await expect(page.locator("script[src]")).toHaveCount(0);
});
