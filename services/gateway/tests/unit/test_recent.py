from gateway.recent import Recent


def test_entries_past_the_size_go_oldest_first_and_are_reported():
    evicted: list[str] = []
    recent: Recent[str, str] = Recent(2, on_evict=evicted.append)
    recent.put("a", "A")
    recent.put("b", "B")
    recent.put("a", "A2")  # put again: now the newest
    recent.put("c", "C")
    assert evicted == ["B"]
    assert recent.entry("b") is None
    a = recent.entry("a")
    assert a is not None and a.value == "A2" and 0 <= a.age_s < 1
    recent.pop("a")
    assert recent.entry("a") is None
