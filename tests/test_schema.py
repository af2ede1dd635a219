import pytest

from verilogreader.stimuli.schema import parse_value, validate_sequences


@pytest.mark.parametrize(
    "text, value",
    [(5, 5), ("8'hA5", 0xA5), ("4'b1010", 10), ("'d12", 12), ("16'h_ff_ff", 0xFFFF), ("0x1F", 31), ("-3", -3), ("4'sb1111", -1)],
)
def test_parse_value_accepts_integers_and_verilog_literals(text, value):
    assert parse_value(text) == value


@pytest.mark.parametrize("text", ["8'hxx", "hello", "4'b10201", True, 1.5, "3'hF"])
def test_parse_value_rejects_what_is_not_a_2_state_number(text):
    with pytest.raises(ValueError):
        parse_value(text)


def test_valid_document_becomes_bit_patterns(lock_model):
    doc = {"sequences": [{"reset": False, "cycles": [{"code": "8'hA5", "delta": -1}, {}]}]}
    sequences, issues = validate_sequences(doc, lock_model)
    assert issues == []
    assert sequences[0].reset is False
    assert sequences[0].cycles == [{"code": 0xA5, "delta": 0xF}, {}]


def test_each_problem_names_sequence_cycle_and_port(lock_model):
    doc = {
        "sequences": [
            {"cycles": [{"code": 1}]},
            {"cycles": [{"code": 1}, {"nosuch": 1}]},
            {"cycles": [{"code": 256}]},
            {"cycles": [{"open": 1}]},
            {"cycles": [{"clk": 1}]},
            {"cycles": [{"delta": 8}]},
        ]
    }
    sequences, issues = validate_sequences(doc, lock_model)
    assert len(sequences) == 1, "the valid sequence of a partly wrong document is kept"
    messages = [str(i) for i in issues]
    assert messages[0].startswith("sequence 1, cycle 1, port 'nosuch': no such port; the inputs are: rst_n, code, delta")
    assert "sequence 2, cycle 0, port 'code'" in messages[1] and "8-bit" in messages[1] and "0..255" in messages[1]
    assert "only inputs can be driven" in messages[2]
    assert "is the clock" in messages[3]
    assert "-8..7" in messages[4]


def test_shape_errors_are_messages_not_exceptions(lock_model):
    for doc in ({"sequences": "x"}, {"sequences": [{"cycles": []}]}, {"sequences": [{"cycles": [1]}]}, 42, {"oops": 1}):
        sequences, issues = validate_sequences(doc, lock_model)
        assert sequences == [] and issues, doc


def test_a_corpus_file_is_a_stimulus_file(lock_model):
    doc = {"format": "verilogreader.corpus", "version": 1, "design": {}, "simulator": "icarus",
           "sequences": [{"reset": True, "cycles": [{"code": 3}], "covers": ["x"], "strategy": "random", "found_at_cycles": 1}]}
    sequences, issues = validate_sequences(doc, lock_model)
    assert issues == [] and sequences[0].cycles == [{"code": 3}]
