"""bench.soak's report: the presenter's failures are counted as the tally records them."""

from bench.soak import Tally, table


def test_presenter_failures_are_counted_and_every_kept_failure_shown():
    tally = Tally()
    tally.add("generate")
    tally.add("failed", "info: CancelledError: ")
    for waited in (120, 240):
        tally.add("failed", f"presenter: TimeoutError: Page.wait_for_function: Timeout 120000ms exceeded. "
                            f"[status: '{waited}.1s seed 1 · 1/80 tokens'; no console errors]")
    result = {"rows": [], "counts": dict(tally.counts), "errors": tally.errors, "users": 2, "minutes": 1,
              "presenter": True, "presenter_failures": tally.presenter_failures}
    text = table(result)
    assert "Presenter failures: 2." in text  # it said 0: the errors read "failed: presenter: …"
    assert "Failures seen (the first 3)" in text and "240.1s" in text and "CancelledError" in text
