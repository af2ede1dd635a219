from verilogreader.stimuli.random import RandomDictGenerator, RandomGenerator, dictionary_for


def test_same_seed_same_batch_and_budget_is_exact(lock_model):
    one = RandomGenerator(lock_model, seed=7).next_batch(1000)
    two = RandomGenerator(lock_model, seed=7).next_batch(1000)
    assert one == two
    assert sum(s.cycle_count for s in one) == 1000
    assert one != RandomGenerator(lock_model, seed=8).next_batch(1000)


def test_values_fit_ports_and_clock_is_never_driven(lock_model):
    for generator in (RandomGenerator(lock_model, 1), RandomDictGenerator(lock_model, 1)):
        for sequence in generator.next_batch(3000):
            assert sequence.reset
            for cycle in sequence.cycles:
                assert set(cycle) == {"rst_n", "code", "delta"}
                assert 0 <= cycle["code"] < 256 and 0 <= cycle["delta"] < 16


def test_reset_is_rarely_asserted_mid_sequence(lock_model):
    cycles = [c for s in RandomGenerator(lock_model, 3).next_batch(20000) for c in s.cycles]
    asserted = sum(1 for c in cycles if c["rst_n"] == 0)
    assert 0 < asserted < len(cycles) / 50


def test_random_dict_uses_the_constants_compared_with_the_port(lock_model):
    cycles = [c for s in RandomDictGenerator(lock_model, 5).next_batch(4000) for c in s.cycles]
    hits = sum(1 for c in cycles if c["code"] == 0x42)
    plain = sum(1 for s in RandomGenerator(lock_model, 5).next_batch(4000) for c in s.cycles if c["code"] == 0x42)
    assert hits > 10 * max(plain, 1)


def test_dictionary_brings_neighbours_and_extremes(lock_model):
    words = dictionary_for(lock_model.port("code"), lock_model.constants)
    assert {0x41, 0x42, 0x43, 0, 255} <= set(words)
