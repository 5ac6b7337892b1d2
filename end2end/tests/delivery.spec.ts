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
