"""The rollouts' one wait loop: it reports how long a state took, or that it never came."""

from deploy.polling import poll_until


def test_a_state_that_comes_is_reported_with_the_time_it_took():
    answers = iter([False, False, True])
    took_s = poll_until(lambda: next(answers), timeout_s=5, poll_s=0.01)
    assert took_s is not None
    assert took_s >= 0.02


def test_a_state_that_never_comes_ends_the_wait_after_the_limit():
    looks = []
    assert poll_until(lambda: looks.append(1) and False, timeout_s=0.05, poll_s=0.01) is None
    assert len(looks) > 1
