"""Streamlit's presentation mode in a real browser at 1280x720 (a projector), light and dark: `?present=1` or the
sidebar's switch raises every text to at least 18 px, takes the width and leaves the introductions out (#29)."""

from __future__ import annotations

from support import screenshot, streamlit_page

from core.sr.task import TASK as SR

#: Text smaller than this is too small on a projector.
MIN_PX = 18


def _smallest_text_px(page) -> float:
    """The smallest font size of any visible text in the main area (widget labels, captions, tables, markdown)."""
    return page.locator("[data-testid='stMain']").evaluate("""(main) => {
        let least = 1e9; const walk = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
        while (walk.nextNode()) { const n = walk.currentNode, el = n.parentElement;
          if (!n.textContent.trim() || !el.getClientRects().length) continue;
          const s = getComputedStyle(el); if (s.visibility === 'hidden' || s.display === 'none') continue;
          least = Math.min(least, parseFloat(s.fontSize)); }
        return least; }""")


def test_presentation_mode_raises_the_text_on_a_projector_and_the_switch_turns_it_off():
    with streamlit_page(1280, 720) as page:
        url = page.url
        for theme in ("light", "dark"):
            page.goto(f"{url}?present=1&embed_options={theme}_theme")
            page.get_by_role("heading", name=SR.heading).wait_for(timeout=60_000)
            page.get_by_text("Bicubic ◀ ▶", exact=False).first.wait_for(timeout=120_000)
            assert page.get_by_text(SR.intro[:40], exact=False).count() == 0  # the introduction is left out
            assert _smallest_text_px(page) >= MIN_PX
            screenshot(page, f"streamlit_present_{theme}", full_page=False)
        switch = page.get_by_test_id("stSidebar").get_by_text("Presentation mode")
        switch.click()  # off again: the page's own sizes and the introduction come back, the address follows
        page.get_by_text(SR.intro[:40], exact=False).first.wait_for(timeout=60_000)
        assert _smallest_text_px(page) < MIN_PX and "present" not in page.url
