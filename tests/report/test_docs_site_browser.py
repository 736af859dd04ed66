"""The dbt docs site the nightly refresh publishes, in Debian's headless Chromium, reached
the way a reader reaches it: from the link on the Cabinet report of the session's demo
(published_demo, read-only). It opens from the file with no network and shows a mart's
description as the dbt project writes it."""

from __future__ import annotations

import pytest
from report_browser import CHROMIUM_ARGS, LAPTOP, chromium_or_skip

from csc.publish import dbt_descriptions

pytestmark = pytest.mark.e2e


def test_the_report_links_to_a_docs_site_that_describes_the_marts(published_demo, tmp_path):
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    report = published_demo.summary.reports[0].html
    description = dbt_descriptions()["measure_values"][0]
    network, page_errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=LAPTOP)
            page.on("request", lambda r: network.append(r.url)
                    if not r.url.startswith(("file:", "data:")) else None)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(report.resolve().as_uri(), wait_until="load")
            link = page.locator("#docs-link")
            assert link.inner_text() == "Data dictionary (dbt docs) →"
            site = link.evaluate("a => a.href")  # where the link leads, as the browser reads it
            assert site == published_demo.paths.docs_index.resolve().as_uri()
            link.click()
            page.wait_for_url(site, wait_until="load")
            page.goto(f"{site}#!/model/model.csc.measure_values", wait_until="load")
            shown = page.get_by_text(description[:80]).first
            shown.wait_for(timeout=60_000)
            assert " ".join(shown.inner_text().split()) == description
            # the catalog's columns (types as built) are on the page too
            page.get_by_text("numerator", exact=True).first.wait_for(timeout=10_000)
            page.screenshot(path=str(tmp_path / "docs-site-measure_values.png"))
        finally:
            browser.close()
    assert network == [], "the docs site asked the network for something"
    assert page_errors == []
