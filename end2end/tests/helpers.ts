import { expect, type Page, type TestInfo } from "@playwright/test";

export const hydrated = (testInfo: TestInfo) => testInfo.project.name === "hydrated";

/** Opens `path` and, in the hydrated project, waits until the wasm has taken over the page. */
export async function open(page: Page, path: string, testInfo: TestInfo) {
  const response = await page.goto(path);
  if (hydrated(testInfo)) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "");
  }
  return response;
}
