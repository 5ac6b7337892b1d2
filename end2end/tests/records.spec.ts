import { expect, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { shared } from "../servers";
import { createAccount, open, signIn } from "./helpers";

test("an admin filters the consent records, exports them, and finds the export in the audit log", async ({
  page,
}, testInfo) => {
  // A visitor's choice, so there is at least one record to find.
  await open(page, "/", testInfo);
  await page
    .getByRole("region", { name: "Cookies on this site" })
    .getByRole("button", { name: "Reject all" })
    .click();

  const admin = `records-${testInfo.project.name}-${Date.now()}@example.com`;
  await createAccount(shared, admin, "admin");
  await open(page, "/admin/consent", testInfo);
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/admin\/consent$/);
  await expect(page.locator(".records-total")).toContainText("consent events match this filter");

  await page.getByLabel("Method").selectOption("reject_all");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/method=reject_all/);
  const events = page.locator("table.records-events tbody tr");
  await expect(events.first()).toContainText("reject_all");
  await expect(page.locator("table.records-totals")).toContainText("analytics");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "CSV" }).click();
  const csv = await readFile((await (await download).path()) ?? "", "utf8");
  const lines = csv.trim().split("\n");
  expect(lines[0]).toBe(
    "id,recorded_at,subject_id,action,method,choices,configuration_version,banner_sha256,revisions,locale,user_agent,ip_prefix,idempotency_key,site,page,prev_hash,hash",
  );
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) expect(line).toContain(",reject_all,");

  await open(page, "/admin/audit", testInfo);
  await page.getByLabel("Action").selectOption("export_made");
  await page.getByLabel("Who").fill(admin);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=export_made/);
  const entry = page.locator("table.admin-audit-table tbody tr");
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText("consent records");
  await expect(entry).toContainText("method reject_all");
});
