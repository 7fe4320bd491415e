"""The per-schedule option parser (lrviz.cli.schedule_args), called directly.

Each schedule's options are checked against what lrviz.spec.parse makes of the equivalent
constructor call, so the expected values come from the spec language, not from here.
"""

from __future__ import annotations

import pytest

from lrviz import registry
from lrviz.cli.schedule_args import (
    entry_of,
    is_number,
    is_option,
    norm_option,
    option_param,
    resolve,
    schedule_options,
    split_schedules,
)
from lrviz.config import TraceOptions
from lrviz.errors import LrvizError
from lrviz.schedule import Kind
from lrviz.spec import parse

# --------------------------------------------------------------------------------------
# Splitting the tokens into schedules


def test_each_schedule_takes_the_options_written_after_it():
    tokens = ["cycliclr", "--base-lr", "0.1", "--max-lr", "0.2", "steplr", "--step-size", "3"]
    assert split_schedules(tokens) == [
        ("cycliclr", ["--base-lr", "0.1", "--max-lr", "0.2"]),
        ("steplr", ["--step-size", "3"]),
    ]


def test_a_call_is_a_schedule_too():
    tokens = ["CyclicLR(base_lr=0.1, max_lr=0.2)", "--mode", "triangular2", "StepLR(step_size=3)"]
    assert split_schedules(tokens) == [
        ("CyclicLR(base_lr=0.1, max_lr=0.2)", ["--mode", "triangular2"]),
        ("StepLR(step_size=3)", []),
    ]


def test_a_value_that_is_also_a_schedule_name_stays_a_value():
    """'linear' is a Hugging Face schedule, and OneCycleLR's --anneal-strategy takes a value."""
    assert registry.find("linear") is not None
    tokens = ["onecyclelr", "--anneal-strategy", "linear", "--max-lr", "0.1"]
    assert split_schedules(tokens) == [("onecyclelr", ["--anneal-strategy", "linear", "--max-lr", "0.1"])]


def test_a_flag_takes_no_value_unless_it_is_true_or_false():
    assert split_schedules(["cycliclr", "--cycle-momentum", "steplr"]) == [
        ("cycliclr", ["--cycle-momentum"]),
        ("steplr", []),
    ]
    assert split_schedules(["cycliclr", "--cycle-momentum", "False", "steplr"]) == [
        ("cycliclr", ["--cycle-momentum", "False"]),
        ("steplr", []),
    ]


def test_a_no_flag_never_takes_a_value():
    groups = split_schedules(["cycliclr", "--no-cycle-momentum", "true"])
    assert groups == [("cycliclr", ["--no-cycle-momentum", "true"])]  # 'true' is left for the options parser
    with pytest.raises(LrvizError, match="unexpected argument 'true'"):
        schedule_options(registry.get("CyclicLR"), groups[0][1])


def test_negative_numbers_are_values_not_options():
    assert is_number("-1") and is_number("-2.5e-3") and not is_number("-n")
    assert not is_option("-1") and not is_option("-0.5") and is_option("-n") and is_option("--gamma")
    assert split_schedules(["steplr", "--step-size", "3", "--last-epoch", "-1"]) == [
        ("steplr", ["--step-size", "3", "--last-epoch", "-1"])
    ]


def test_options_before_the_first_schedule_are_given_to_it():
    assert split_schedules(["--gamma", "0.5", "steplr", "--step-size", "2"]) == [
        ("steplr", ["--gamma", "0.5", "--step-size", "2"])
    ]


def test_options_and_no_schedule():
    assert split_schedules(["--gamma", "0.5"]) == [("", ["--gamma", "0.5"])]
    assert split_schedules([]) == []


def test_the_first_bare_word_is_meant_as_a_schedule():
    """Even when it names none: resolve() then says what is wrong with it."""
    assert split_schedules(["cyclcilr", "--base-lr", "0.1"]) == [("cyclcilr", ["--base-lr", "0.1"])]
    with pytest.raises(LrvizError, match="unknown schedule 'cyclcilr'; did you mean 'CyclicLR'"):
        resolve("cyclcilr", ["--base-lr", "0.1"])


def test_an_unknown_option_takes_the_next_word_unless_it_is_a_schedule_or_an_option():
    assert split_schedules(["steplr", "--wat", "3", "--gamma", "0.5"]) == [("steplr", ["--wat", "3", "--gamma", "0.5"])]
    assert split_schedules(["steplr", "--wat", "exponentiallr"]) == [("steplr", ["--wat"]), ("exponentiallr", [])]
    assert split_schedules(["steplr", "--wat", "--gamma", "0.5"]) == [("steplr", ["--wat", "--gamma", "0.5"])]


def test_an_inline_value_is_one_token():
    assert split_schedules(["steplr", "--step-size=3", "exponentiallr", "--gamma=0.9"]) == [
        ("steplr", ["--step-size=3"]),
        ("exponentiallr", ["--gamma=0.9"]),
    ]


# --------------------------------------------------------------------------------------
# One schedule's options


@pytest.mark.parametrize(
    ("schedule", "tokens", "call"),
    [
        ("steplr", ["--step-size", "3", "--gamma", "0.5"], "StepLR(step_size=3, gamma=0.5)"),
        ("steplr", ["--step_size", "3"], "StepLR(step_size=3)"),
        ("steplr", ["--STEP-SIZE", "3"], "StepLR(step_size=3)"),
        ("steplr", ["--step-size=3", "--gamma=0.5"], "StepLR(step_size=3, gamma=0.5)"),
        ("cosineannealinglr", ["--t-max", "10"], "CosineAnnealingLR(T_max=10)"),
        ("cosineannealinglr", ["--T_max", "10"], "CosineAnnealingLR(T_max=10)"),
        ("steplr", ["--step-size", "3", "--last-epoch", "-1"], "StepLR(step_size=3, last_epoch=-1)"),
        ("multisteplr", ["--milestones", "30,80", "--gamma", "0.5"], "MultiStepLR(milestones=[30, 80], gamma=0.5)"),
        ("cycliclr", ["--base-lr", "0.1", "--max-lr", "0.2"], "CyclicLR(base_lr=0.1, max_lr=0.2)"),
        (
            "cycliclr",
            ["--base-lr", "0.1", "--max-lr", "0.2", "--mode", "triangular2"],
            "CyclicLR(base_lr=0.1, max_lr=0.2, mode='triangular2')",
        ),
        (
            "cycliclr",
            ["--base-lr", "0.1", "--max-lr", "0.2", "--cycle-momentum"],
            "CyclicLR(base_lr=0.1, max_lr=0.2, cycle_momentum=True)",
        ),
        (
            "cycliclr",
            ["--base-lr", "0.1", "--max-lr", "0.2", "--no-cycle-momentum"],
            "CyclicLR(base_lr=0.1, max_lr=0.2, cycle_momentum=False)",
        ),
        (
            "cycliclr",
            ["--base-lr", "0.1", "--max-lr", "0.2", "--cycle-momentum", "false"],
            "CyclicLR(base_lr=0.1, max_lr=0.2, cycle_momentum=False)",
        ),
        (
            "cycliclr",
            ["--base-lr", "0.1", "--max-lr", "0.2", "--cycle-momentum=False"],
            "CyclicLR(base_lr=0.1, max_lr=0.2, cycle_momentum=False)",
        ),
        (
            "onecyclelr",
            ["--max-lr", "0.1", "--total-steps", "100", "--anneal-strategy", "linear"],
            "OneCycleLR(max_lr=0.1, total_steps=100, anneal_strategy='linear')",
        ),
    ],
)
def test_options_make_the_spec_of_the_equivalent_call(schedule, tokens, call):
    assert resolve(schedule, tokens) == parse(call)


def test_options_win_over_the_calls_arguments():
    assert resolve("CyclicLR(base_lr=0.1, max_lr=0.2)", ["--max-lr", "0.3"]) == parse(
        "CyclicLR(base_lr=0.1, max_lr=0.3)"
    )


def test_flags_are_true_false_or_as_written():
    entry = registry.get("CyclicLR")
    assert schedule_options(entry, ["--cycle-momentum"]) == {"cycle_momentum": True}
    assert schedule_options(entry, ["--no-cycle-momentum"]) == {"cycle_momentum": False}
    assert schedule_options(entry, ["--cycle-momentum", "TRUE"]) == {"cycle_momentum": True}
    # an inline value is kept as written, for the spec language to read
    assert schedule_options(entry, ["--cycle-momentum=off"]) == {"cycle_momentum": "off"}
    base = ["--base-lr", "0.1", "--max-lr", "0.2"]
    assert resolve("cycliclr", [*base, "--cycle-momentum=off"]) == parse(
        "CyclicLR(base_lr=0.1, max_lr=0.2, cycle_momentum=False)"
    )
    with pytest.raises(LrvizError, match="--cycle-momentum must be True or False, got 'maybe'"):
        resolve("cycliclr", [*base, "--cycle-momentum=maybe"])


def test_every_bool_parameter_has_a_no_flag_and_nothing_else_does():
    for entry in registry.entries():
        for param in entry.user_params:
            assert option_param(entry, param.option) == (param, False)
            no = "--no-" + param.option[2:]
            if param.kind == Kind.BOOL:
                assert option_param(entry, no) == (param, True)
            elif not any(p.option == no for p in entry.user_params):
                assert option_param(entry, no) == (None, False)


def test_an_option_without_its_value():
    with pytest.raises(LrvizError) as info:
        schedule_options(registry.get("StepLR"), ["--step-size"])
    assert str(info.value) == f"--step-size needs a value ({registry.get('StepLR').param('step_size').type_text})"


def test_a_word_where_an_option_belongs():
    with pytest.raises(LrvizError) as info:
        schedule_options(registry.get("StepLR"), ["--step-size", "3", "extra"])
    assert str(info.value) == (
        "unexpected argument 'extra'; put option values right after their option, e.g. --gamma 0.5"
    )


def test_an_unknown_option_suggests_the_schedules_and_the_commands_options():
    entry = registry.get("StepLR")
    with pytest.raises(LrvizError) as info:
        schedule_options(entry, ["--stepsize", "3"])
    assert str(info.value) == "StepLR has no option --stepsize; did you mean '--step-size'?"
    with pytest.raises(LrvizError) as info:
        schedule_options(entry, ["--stepsize", "3"], common=["--steps", "--size"])
    assert str(info.value) == "StepLR has no option --stepsize; did you mean '--step-size', '--steps' or '--size'?"


def test_an_unknown_option_with_nothing_close_names_the_commands_help():
    with pytest.raises(LrvizError) as info:
        schedule_options(registry.get("StepLR"), ["--wat"], command="table")
    assert str(info.value) == "StepLR has no option --wat; 'lrviz table steplr --help' lists them"


def test_a_bad_value_names_the_option():
    with pytest.raises(LrvizError, match="--step-size.*three"):
        resolve("steplr", ["--step-size", "three"])


# --------------------------------------------------------------------------------------
# Options that are both common and a schedule's own


def test_a_common_option_reaches_the_schedule_parameter_of_the_same_name():
    shared = TraceOptions(lr=0.5, steps_per_epoch=10)
    assert resolve("squarerootscheduler", [], shared=shared) == parse("SquareRootScheduler(lr=0.5)")
    assert resolve("onecyclelr", ["--max-lr", "0.1", "--epochs", "2"], shared=shared) == parse(
        "OneCycleLR(max_lr=0.1, epochs=2, steps_per_epoch=10)"
    )


def test_the_schedules_own_option_wins_over_the_common_option_which_wins_over_the_call():
    shared = TraceOptions(lr=0.5, steps_per_epoch=10)
    assert resolve("squarerootscheduler", ["--lr", "0.25"], shared=shared) == parse("SquareRootScheduler(lr=0.25)")
    call = "OneCycleLR(max_lr=0.1, epochs=2, steps_per_epoch=5)"
    assert resolve(call, [], shared=shared) == parse("OneCycleLR(max_lr=0.1, epochs=2, steps_per_epoch=10)")
    assert resolve(call, ["--steps-per-epoch", "7"], shared=shared) == parse(
        "OneCycleLR(max_lr=0.1, epochs=2, steps_per_epoch=7)"
    )


def test_a_common_option_does_not_reach_a_schedule_without_that_parameter():
    assert registry.get("StepLR").param("lr") is None
    assert resolve("steplr", ["--step-size", "3"], shared=TraceOptions(lr=0.5)) == parse("StepLR(step_size=3)")


# --------------------------------------------------------------------------------------
# Small pieces


def test_norm_option_and_entry_of():
    assert norm_option("--T_max") == "--t-max"
    assert entry_of("cycliclr") is registry.get("CyclicLR")
    assert entry_of("lr_scheduler.StepLR(optimizer, step_size=3)") is registry.get("StepLR")
    assert entry_of("cyclcilr") is None
